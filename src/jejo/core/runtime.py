"""The composition root: settings → engine → sessions, and schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from jejo.core.db import make_engine, make_session_factory, unit_of_work
from jejo.core.settings import Settings, get_settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Runtime:
    """Everything a process needs to reach the database. Build one per process (or per test)."""

    def __init__(self, settings: Settings | None = None, engine: Engine | None = None) -> None:
        self.settings = settings or get_settings()
        url = self.settings.effective_database_url
        if engine is None and url.startswith("sqlite:///"):
            self.settings.ensure_data_dir()
        self.engine = engine or make_engine(url)
        self.session_factory: sessionmaker[Session] = make_session_factory(self.engine)
        from jejo.security.audit import install as install_audit_log

        install_audit_log(self.session_factory)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with unit_of_work(self.session_factory) as session:
            yield session

    def alembic_config(self) -> Any:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        url = self.engine.url.render_as_string(hide_password=False)
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic."""
        from alembic import command

        cfg = self.alembic_config()
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
