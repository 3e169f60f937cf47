"""The Alembic migrations build exactly the schema the table modules declare (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from jejo.core.db import Base, import_all_tables
from jejo.core.runtime import Runtime
from jejo.migrations.env_filters import include_name


def test_migrations_match_the_tables(runtime: Runtime) -> None:
    import_all_tables()
    with runtime.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": include_name}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == [], f"tables and migrations differ; add a migration: {diff}"


def test_one_head(runtime: Runtime) -> None:
    heads = ScriptDirectory.from_config(runtime.alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    assert runtime.current_revision() == heads[0]
