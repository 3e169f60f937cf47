"""One settings object for jejo: environment variables ``JEJO_*`` over an optional TOML file.

Precedence (highest first): explicit arguments, ``JEJO_*`` environment variables, the TOML file named by
``JEJO_CONFIG`` (or ``jejo.toml`` in the data folder), then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from jejo.core.errors import Problem, ValidationError


def _default_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "jejo"


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the optional TOML file; a syntax error names the file and line."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._data = self._load()

    @staticmethod
    def config_path() -> Path | None:
        explicit = os.environ.get("JEJO_CONFIG")
        if explicit:
            return Path(explicit)
        data_dir = os.environ.get("JEJO_DATA_DIR")
        candidate = Path(data_dir) / "jejo.toml" if data_dir else _default_data_dir() / "jejo.toml"
        return candidate if candidate.exists() else None

    def _load(self) -> dict[str, Any]:
        path = self.config_path()
        if path is None:
            return {}
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise ValidationError(f"configuration file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(
                f"configuration file {path} is not valid TOML", [Problem(reason=str(exc), field=str(path))]
            ) from exc
        section = data.get("jejo", data)
        known = set(Settings.model_fields)
        unknown = sorted(set(section) - known)
        if unknown:
            raise ValidationError(
                f"configuration file {path} has unknown keys",
                [
                    Problem(field=k, reason=f"unknown setting; known: {', '.join(sorted(known))}")
                    for k in unknown
                ],
            )
        return dict(section)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


class Settings(BaseSettings):
    """Everything jejo can be configured with. Storage is UTC and SI; the UI shows Asia/Seoul and KRW."""

    model_config = SettingsConfigDict(env_prefix="JEJO_", extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir, description="Folder for the SQLite file, buffers, models"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: sqlite file jejo.db in the data folder"
    )
    bus_url: str = Field(
        default="memory://", description="memory:// (in-process), mqtt://host:port or nats://host:port"
    )
    ingest_group: str = Field(default="ingest", description="Ingest workers' shared group / consumer")
    ingest_worker_id: str | None = Field(
        default=None, description="This ingest worker's stable id; default ingest-<host name>"
    )
    workers: int = Field(default=1, ge=1, le=64, description="API processes `jejo serve` starts")
    secret_key: str | None = Field(
        default=None, description="Signs web sessions; generated into the data folder if unset"
    )
    timezone: str = Field(default="Asia/Seoul", description="Time zone for display (storage is always UTC)")
    default_locale: str = Field(default="ko", description="UI language: ko or en")
    log_level: str = Field(default="WARNING")
    host: str = Field(default="127.0.0.1")
    secure_cookies: bool = Field(
        default=False,
        description="Mark session cookies Secure even on plain HTTP (set it behind a TLS reverse proxy)",
    )
    port: int = Field(default=8000, ge=1, le=65535)
    smtp_host: str | None = Field(default=None, description="Mail server for playbook notices by e-mail")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = Field(default="jejo@localhost", description="Sender address of notices")
    smtp_user: str | None = Field(default=None, description="Login at the mail server, if it asks for one")
    smtp_password: SecretStr | None = Field(default=None)
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS")

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in ("ko", "en"):
            raise ValueError("must be 'ko' or 'en'")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'jejo.db'}"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def effective_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret.key"
        if not path.exists():
            import secrets

            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
