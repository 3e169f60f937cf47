from __future__ import annotations

from pathlib import Path

import pytest

from jejo.core.errors import ValidationError
from jejo.core.settings import Settings


def test_env_overrides_toml_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "jejo.toml"
    cfg.write_text('[jejo]\ndatabase_url = "sqlite:///from-toml.db"\ntimezone = "Asia/Seoul"\nport = 9000\n')
    monkeypatch.setenv("JEJO_CONFIG", str(cfg))
    monkeypatch.setenv("JEJO_PORT", "9100")
    s = Settings()
    assert s.database_url == "sqlite:///from-toml.db"
    assert s.port == 9100
    assert s.default_locale == "ko"


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JEJO_DATABASE_URL", raising=False)
    monkeypatch.delenv("JEJO_CONFIG", raising=False)
    monkeypatch.setenv("JEJO_DATA_DIR", str(tmp_path))
    assert Settings().effective_database_url == f"sqlite:///{tmp_path / 'jejo.db'}"


def test_bad_toml_names_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[jejo]\nport = = 1\n")
    monkeypatch.setenv("JEJO_CONFIG", str(cfg))
    with pytest.raises(ValidationError) as err:
        Settings()
    assert "bad.toml" in str(err.value) and "line 2" in str(err.value)


def test_unknown_key_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "jejo.toml"
    cfg.write_text("databse_url = 'x'\n")
    monkeypatch.setenv("JEJO_CONFIG", str(cfg))
    with pytest.raises(ValidationError) as err:
        Settings()
    assert err.value.problems[0].field == "databse_url"
