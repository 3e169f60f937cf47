"""The event log's driver-level append (COPY on PostgreSQL, executemany on SQLite) stores what the ORM
reads back unchanged: times to the microsecond (also a whole second and a non-UTC offset), Korean text,
nested payloads, floats and missing values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import unique

from jejo.core.ids import new_event_id
from jejo.core.runtime import Runtime
from jejo.execution.eventlog import KeyTaken, insert_events
from jejo.execution.events import EventRecord
from jejo.execution.tables import Event
from jejo.masterdata import users

KST = timezone(timedelta(hours=9))


def _company(runtime: Runtime) -> int:
    code = unique("LOG")
    with runtime.transaction() as s:
        return users.create_company(s, code, code).id


def _record(cid: int, key: str, at: datetime, payload: dict[str, Any], **kw: Any) -> EventRecord:
    return EventRecord(
        id=new_event_id(),
        type="machine.state_changed",
        occurred_at=at,
        payload=payload,
        company_id=cid,
        actor="작업자",
        source="test",
        idempotency_key=key,
        recorded_at=datetime(2026, 11, 26, 1, 2, 3, 456789, tzinfo=UTC),
        **kw,
    )


def test_appended_rows_read_back_as_written(runtime: Runtime) -> None:
    cid = _company(runtime)
    payloads: list[dict[str, Any]] = [
        {"equipment": "재단기-01", "state": "down", "reason_code": "고장"},
        {"equipment": "M1", "state": "running", "note": None, "nested": {"a": [1, 2.5, "é"]}},
        {"equipment": "M1", "state": "idle", "ratio": 0.1, "big": 12345678901234, "tiny": 1e-7},
    ]
    times = [
        datetime(2026, 11, 26, 9, 0, 0, tzinfo=KST),  # a whole second, not in UTC
        datetime(2026, 11, 26, 0, 0, 0, 1, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    records = [
        _record(cid, f"k{i}", at, p, equipment_code=p["equipment"])
        for i, (at, p) in enumerate(zip(times, payloads, strict=True))
    ]
    with runtime.transaction() as s:
        insert_events(s, records)
    with runtime.transaction() as s:
        rows = {r.idempotency_key: r for r in s.scalars(select(Event).where(Event.company_id == cid))}
    assert len(rows) == 3
    for rec in records:
        row = rows[rec.idempotency_key]
        assert row.id == rec.id
        assert row.payload == rec.payload
        assert row.equipment_code == rec.equipment_code
        assert row.actor == "작업자"
        got = row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=UTC)
        assert got == rec.occurred_at
        assert got.astimezone(UTC).microsecond == rec.occurred_at.microsecond
        rec_at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
        assert rec_at == rec.recorded_at


def test_a_repeated_key_is_refused(runtime: Runtime) -> None:
    cid = _company(runtime)
    at = datetime(2026, 11, 26, tzinfo=UTC)
    with runtime.transaction() as s:
        insert_events(s, [_record(cid, "same", at, {"equipment": "M1", "state": "idle"})])
    with pytest.raises(KeyTaken), runtime.transaction() as s:
        insert_events(s, [_record(cid, "same", at, {"equipment": "M1", "state": "down"})])
    with runtime.transaction() as s:
        stored = s.scalars(select(Event.payload).where(Event.company_id == cid)).all()
    assert stored == [{"equipment": "M1", "state": "idle"}]
