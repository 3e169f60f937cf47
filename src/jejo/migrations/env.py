"""Alembic environment: jejo's schema is ``jejo.core.db.Base.metadata`` with every table module loaded."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from jejo.core.db import Base, import_all_tables, make_engine
from jejo.migrations.env_filters import include_name

import_all_tables()
target_metadata = Base.metadata
config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
