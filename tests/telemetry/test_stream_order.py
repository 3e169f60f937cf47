"""Machine events in order whichever ingest worker takes which batch: a batch whose predecessor in its
collector's stream has not been applied stores its samples at once and waits for its events; a
predecessor that never comes is waited for a bounded time, then the gap is logged and counted."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import select

from jejo.core.runtime import Runtime
from jejo.execution.tables import Event
from jejo.telemetry.bus import Batch, decode, encode
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Role, Sample, Tag
from jejo.telemetry.rollup import dt_to_ms

T0 = 1_790_000_000_000
EQ = "MC-S1"


def _company(runtime: Runtime) -> tuple[int, str]:
    import uuid

    from jejo.masterdata import service as md
    from jejo.masterdata import users

    code = f"SO-{uuid.uuid4().hex[:8]}"
    with runtime.transaction() as s:
        cid = users.create_company(s, code, code).id
        md.upsert_many(s, cid, "sites", [{"code": "S", "name": "s"}])
        md.upsert_many(s, cid, "areas", [{"code": "A", "name": "a", "site": "S"}])
        md.upsert_many(s, cid, "lines", [{"code": "L", "name": "l", "area": "A"}])
        md.upsert_many(s, cid, "work_centers", [{"code": "W", "name": "w", "line": "L"}])
        md.upsert_many(s, cid, "equipment", [{"code": EQ, "name": "m", "work_center": "W"}])
    return cid, code


TAGS = {
    f"{EQ}.state": Tag(
        tag=f"{EQ}.state", source="x", address="s", type="string", role=Role.STATE, equipment=EQ
    )
}


def _batch(code: str, seq: int, states: list[str]) -> Batch:
    samples = [Sample(f"{EQ}.state", T0 + (seq * 10 + i) * 1000, st) for i, st in enumerate(states)]
    return Batch(code, samples, "line1", seq, seq - 1, 7)


def _events(runtime: Runtime, cid: int) -> list[tuple[int, str]]:
    with runtime.transaction() as s:
        rows = s.execute(
            select(Event.occurred_at, Event.payload).where(
                Event.company_id == cid, Event.type == "machine.state_changed"
            )
        ).all()
    return sorted((dt_to_ms(at), p["state"]) for at, p in rows)


def test_stream_position_survives_the_bus_encoding() -> None:
    b = _batch("C", 5, ["running"])
    assert decode(encode(b)) == b
    assert decode(encode(Batch("C", b.samples))).source is None  # an older publisher: no position


def test_events_wait_for_the_predecessor_held_by_another_worker(runtime: Runtime) -> None:
    cid, code = _company(runtime)
    b1 = _batch(code, 1, ["running", "running", "down"])
    b2 = _batch(code, 2, ["down", "idle", "idle"])  # its first reading is not a change after b1
    w_a = IngestWorker(runtime, TAGS, rollup_every_s=-1)
    w_b = IngestWorker(runtime, TAGS, rollup_every_s=-1)
    late = threading.Thread(target=lambda: (time.sleep(0.4), w_a.write(b1)))
    late.start()
    t = time.monotonic()
    w_b.write(b2)  # arrives first: samples now, events once b1 is in
    late.join()
    assert time.monotonic() - t >= 0.35 and w_b.stats.order_waits == 1 and w_b.stats.order_gaps == 0
    want = [(T0 + 10_000, "running"), (T0 + 12_000, "down"), (T0 + 21_000, "idle")]
    assert _events(runtime, cid) == want
    w_b.write(b2)  # a redelivery adds nothing
    assert _events(runtime, cid) == want


def test_a_lost_predecessor_is_waited_for_a_bounded_time(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    cid, code = _company(runtime)
    w = IngestWorker(runtime, TAGS, rollup_every_s=-1, order_wait_s=0.5)
    w.write(_batch(code, 1, ["running"]))
    with caplog.at_level(logging.WARNING, logger="jejo.telemetry.ingest"):
        w.write(_batch(code, 3, ["down"]))  # batch 2 never arrives
    assert w.stats.order_gaps == 1 and "never arrived" in caplog.text
    assert [st for _, st in _events(runtime, cid)] == ["running", "down"]
