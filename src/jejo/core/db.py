"""Database engine, sessions and the declarative base shared by every package's tables.

SQLite (WAL mode, foreign keys on) is the embedded default; PostgreSQL runs the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, DateTime, Engine, MetaData, any_, bindparam, create_engine, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from jejo.core.timeutil import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; jejo stores timezone-aware UTC only")
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction: commits when the block ends normally, rolls back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """``session.begin_nested()`` that stays inside the caller's transaction on SQLite too.

    Python's sqlite3 driver opens its transaction only before the first INSERT, UPDATE or DELETE, so a
    SAVEPOINT in a transaction that has only read so far starts a transaction of its own, and its
    RELEASE commits the savepoint's work at once: a later rollback of the caller would not undo it.
    Here the transaction is opened first, so the savepoint nests in it as it does on PostgreSQL.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            raw.execute("BEGIN")
    with session.begin_nested():
        yield


def import_all_tables() -> None:
    """Import every package's table module so that ``Base.metadata`` knows the whole schema."""
    import importlib

    for module in TABLE_MODULES:
        importlib.import_module(module)


TABLE_MODULES = [
    "jejo.core.tenancy",
    "jejo.masterdata.tables",
    "jejo.masterdata.documents",
    "jejo.execution.tables",
    "jejo.inventory.tables",
    "jejo.telemetry.tables",
    "jejo.sales.tables",
    "jejo.quality.tables",
    "jejo.purchasing.tables",
    "jejo.costing.tables",
    "jejo.maintenance.tables",
    "jejo.kpi.tables",
    "jejo.furniture.tables",
    "jejo.center.tables",
    "jejo.planning.tables",
    "jejo.center.results_tables",
    "jejo.security.tables",
    "jejo.ai.tables",
    "jejo.twin.data_tables",
]


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)``, kept to one array parameter on PostgreSQL (``= ANY(:values)``).

    An ``IN`` list becomes one bound parameter per value, so a statement with a few hundred values is
    rendered, sent and parsed anew each time; hot paths that look up a batch of keys use this instead.
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)
