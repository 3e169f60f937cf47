"""Appending events to the log, straight to the database driver.

The event insert is the hottest write in jejo (every count, scan and machine state goes through it), so
it skips SQLAlchemy's per-value bind processing: on PostgreSQL the rows go in with ``COPY`` (one
round trip for the batch), on SQLite with the driver's ``executemany`` on values already in the form
SQLAlchemy would store (UUID as 32 hex digits, UTC timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff``, the
payload as JSON text). The JSON is written by pydantic-core's serializer, several times faster than the
standard library's on these small objects; SQLAlchemy reads either back the same. Other databases take
the plain SQLAlchemy insert. It runs on the session's own connection, so it is part of the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from pydantic_core import to_json
from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jejo.core.db import sqlite_time
from jejo.core.timeutil import as_utc
from jejo.execution.events import EventRecord
from jejo.execution.tables import Event

#: The columns a new event row carries (``seq`` is assigned by the database).
COLUMNS: tuple[str, ...] = (
    "id",
    "company_id",
    "type",
    "occurred_at",
    "recorded_at",
    "actor",
    "source",
    "idempotency_key",
    "work_order_id",
    "equipment_code",
    "payload",
)


class KeyTaken(Exception):
    """The log refused a row: an idempotency key (or another unique value) is already stored."""


def _json(value: object) -> str:
    return to_json(value).decode()


def insert_events(session: Session, records: Sequence[EventRecord]) -> None:
    """Append ``records`` (timestamps timezone-aware) to the event log.

    Raises :class:`KeyTaken` when the database refuses a row for breaking a constraint (the caller's
    transaction or savepoint must then be rolled back).
    """
    if not records:
        return
    conn = session.connection()
    refused: tuple[type[BaseException], ...] = (IntegrityError,)
    if conn.dialect.dbapi is not None:  # the driver's own error, as the rows go to it directly
        refused += (conn.dialect.dbapi.IntegrityError,)
    try:
        _insert(conn, records)
    except refused as exc:
        raise KeyTaken(str(exc)) from exc


def _insert(conn: Connection, records: Sequence[EventRecord]) -> None:
    dialect = conn.dialect.name
    encode = _json
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for r in records:
                copy.write_row(
                    (
                        r.id,
                        r.company_id,
                        r.type,
                        as_utc(r.occurred_at),
                        as_utc(r.recorded_at) if r.recorded_at else None,
                        r.actor,
                        r.source,
                        r.idempotency_key,
                        r.work_order_id,
                        r.equipment_code,
                        encode(r.payload),
                    )
                )
        cursor.close()
    elif dialect == "sqlite":
        raw = conn.connection.driver_connection
        marks = ", ".join("?" * len(COLUMNS))
        recorded: dict[datetime | None, str | None] = {None: None}  # a batch shares one recorded_at
        rows = []
        for r in records:
            at = recorded.get(r.recorded_at)
            if at is None and r.recorded_at is not None:
                at = recorded[r.recorded_at] = sqlite_time(r.recorded_at)
            rows.append(
                (
                    r.id.hex,
                    r.company_id,
                    r.type,
                    sqlite_time(r.occurred_at),
                    at,
                    r.actor,
                    r.source,
                    r.idempotency_key,
                    r.work_order_id,
                    r.equipment_code,
                    encode(r.payload),
                )
            )
        raw.executemany(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({marks})", rows)  # type: ignore[union-attr]
    else:
        conn.execute(
            insert(cast(Table, Event.__table__)), [{c: getattr(r, c) for c in COLUMNS} for r in records]
        )
