"""Appending events to the log, straight to the database driver.

The event insert is the hottest write in jejo (every count, scan and machine state goes through it), so
it skips SQLAlchemy's per-value bind processing: on PostgreSQL the rows go in with ``COPY`` (one
round trip for the batch), on SQLite with the driver's ``executemany`` on values already in the form
SQLAlchemy would store (UUID as 32 hex digits, UTC timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff``, the
payload as JSON text). Other databases take the plain SQLAlchemy insert. It runs on the session's own
connection, so it is part of the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from jejo.core.timeutil import as_utc
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
_JSON = json.JSONEncoder()  # the stdlib defaults, as SQLAlchemy's JSON type writes them


def _sqlite_time(value: datetime) -> str:
    utc = as_utc(value)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}"
    )


def insert_events(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append ``rows`` (dicts with :data:`COLUMNS`, timestamps timezone-aware) to the event log."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY events ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(
                    (
                        r["id"],
                        r["company_id"],
                        r["type"],
                        as_utc(r["occurred_at"]),
                        as_utc(r["recorded_at"]),
                        r["actor"],
                        r["source"],
                        r["idempotency_key"],
                        r["work_order_id"],
                        r["equipment_code"],
                        _JSON.encode(r["payload"]),
                    )
                )
        cursor.close()
    elif dialect == "sqlite":
        raw = conn.connection.driver_connection
        marks = ", ".join("?" * len(COLUMNS))
        raw.executemany(  # type: ignore[union-attr]
            f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({marks})",
            [
                (
                    r["id"].hex,
                    r["company_id"],
                    r["type"],
                    _sqlite_time(r["occurred_at"]),
                    _sqlite_time(r["recorded_at"]),
                    r["actor"],
                    r["source"],
                    r["idempotency_key"],
                    r["work_order_id"],
                    r["equipment_code"],
                    _JSON.encode(r["payload"]),
                )
                for r in rows
            ],
        )
    else:
        conn.execute(insert(cast(Table, Event.__table__)), list(rows))
