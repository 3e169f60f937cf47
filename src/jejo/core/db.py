"""Database engine, sessions and the declarative base shared by every package's tables.

SQLite (WAL mode, foreign keys on) is the embedded default; PostgreSQL runs the same code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    Executable,
    MetaData,
    Uuid,
    any_,
    bindparam,
    create_engine,
    event,
)
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


def sqlite_time(value: datetime) -> str:
    """A time as :class:`UTCDateTime` stores it in SQLite (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC), for code
    that hands rows to the driver itself."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given; jejo stores timezone-aware UTC only")
    return as_utc(value).isoformat(" ", "microseconds")[:26]


def _sqlite_time_or_none(value: datetime | None) -> str | None:
    return None if value is None else sqlite_time(value)


def _uuid_hex_or_none(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def sqlite_bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The conversion SQLAlchemy makes of a value of ``type_`` for SQLite, done directly for times and
    UUIDs (the generic processors are several times slower), SQLAlchemy's own for the rest."""
    if isinstance(type_, UTCDateTime):
        return _sqlite_time_or_none
    if isinstance(type_, Uuid) and type_.as_uuid:
        return _uuid_hex_or_none
    return type_.dialect_impl(dialect).bind_processor(dialect)


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


class Lookup:
    """A hot-path query built once per database dialect and run as Core on the session's connection.

    ``build(any_of)`` makes the statement; it calls ``any_of(column, name)`` for each "column is one of
    the list bound as ``name``" condition (an expanding ``IN`` on SQLite, ``= ANY(array)`` on
    PostgreSQL, as :func:`one_of` renders it). Built once, the statement skips what an ORM
    ``session.execute(select(...))`` does again on every call (building the expression, its cache key,
    the ORM compile and result setup), which costs more than the lookup itself when a batch of events
    makes several. Rows come back with their column types applied (UUIDs, aware datetimes, JSON).
    """

    def __init__(self, build: Callable[[Callable[[Any, str], ColumnElement[bool]]], Executable]) -> None:
        self._build = build
        self._by_dialect: dict[str, Executable] = {}

    def statement(self, dialect: str) -> Executable:
        stmt = self._by_dialect.get(dialect)
        if stmt is None:
            postgresql = dialect == "postgresql"

            def any_of(column: Any, name: str) -> ColumnElement[bool]:
                return _is_one_of(column, name, postgresql)

            stmt = self._by_dialect[dialect] = self._build(any_of)
        return stmt

    def __call__(self, session: Session, **params: Any) -> Any:  # a Result of untyped rows
        conn = session.connection()
        return conn.execute(self.statement(conn.dialect.name), params)


def _is_one_of(column: Any, name: str | None, postgresql: bool, values: Any = None) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name`` (``None``: an anonymous parameter holding
    ``values``): ``= ANY(array)`` on PostgreSQL, an expanding ``IN`` elsewhere."""
    if postgresql:
        return column == any_(bindparam(name, values, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, values, expanding=True))


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)``, kept to one array parameter on PostgreSQL (``= ANY(:values)``).

    An ``IN`` list becomes one bound parameter per value, so a statement with a few hundred values is
    rendered, sent and parsed anew each time; hot paths that look up a batch of keys use this instead.
    """
    return _is_one_of(column, None, session.get_bind().dialect.name == "postgresql", list(values))
