"""The fast ingest paths: Sparkplug DATA straight to (name, time, value), the collector forwarding its
buffer's bodies as they are, and an ingest worker storing several bus messages in one transaction
(exactly once, also when some of the rows are already stored, and machine events still in order)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jejo.core.runtime import Runtime
from jejo.execution.tables import Event
from jejo.telemetry import sparkplug as spb
from jejo.telemetry import store
from jejo.telemetry.buffer import encode_batch
from jejo.telemetry.bus import Batch, decode, encode, encode_parts
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Role, Sample, Tag
from jejo.telemetry.rollup import dt_to_ms, ms_to_dt
from jejo.telemetry.tables import TsSample

T0 = 1_790_000_000_000


def test_data_points_agree_with_the_full_decoder() -> None:
    metrics = [
        spb.Metric("d", 41.25, spb.DOUBLE, T0 + 1),
        spb.Metric("f", 0.5, spb.FLOAT, T0 + 2),
        spb.Metric("i32", -7, spb.INT32, T0 + 3),
        spb.Metric("i64", -12345678901, spb.INT64),  # no timestamp of its own: the payload's
        spb.Metric("u16", 65000, spb.UINT16, T0 + 5),
        spb.Metric("b", True, spb.BOOLEAN, T0 + 6),
        spb.Metric("s", "running", spb.STRING, T0 + 7),
        spb.Metric("n", None, spb.DOUBLE, T0 + 8),
        spb.Metric(None, 3.5, spb.DOUBLE, T0 + 9, alias=4),
        spb.Metric(None, 1.5, spb.DOUBLE, T0 + 10, alias=99),  # alias not in the birth: no name
    ]
    aliases = {4: "aliased"}
    for with_datatype in (True, False):
        raw = spb.encode(spb.Payload(T0, metrics, seq=9), with_datatype=with_datatype)
        datatypes = None if with_datatype else {m.name: m.datatype for m in metrics if m.name}
        full = spb.decode(raw, datatypes=datatypes, aliases=aliases)
        ts, seq, names, stamps, values = spb.data_points(raw, datatypes=datatypes, aliases=aliases)
        assert (ts, seq) == (T0, 9)
        points = list(zip(names, stamps, values, strict=True))
        assert points == [(m.name, m.timestamp or full.timestamp, m.value) for m in full.metrics]
    assert points[3] == ("i64", T0, -12345678901) and points[8][0] == "aliased" and points[9][0] is None
    bad = spb.PayloadPB()
    bad.timestamp = T0
    pm = bad.metrics.add()
    pm.name, pm.bytes_value = "blob", b"\x00"
    with pytest.raises(ValueError, match="binary Sparkplug metrics"):
        spb.data_points(bad.SerializeToString())
    with pytest.raises(ValueError, match="not a Sparkplug B payload"):
        spb.data_points(b"\xff\xff not protobuf")


def test_a_buffer_body_forwarded_as_it_is_decodes_to_the_same_batch() -> None:
    samples = [Sample("a", T0, 1.5), Sample("b", T0 + 1, 'text "quoted" é'), Sample("c", T0 + 2, None)]
    for batch in (Batch("CO", samples), Batch('C"é', samples, "line-1", 12, 11, 77)):
        raw = encode_parts(
            batch.company, [encode_batch(batch.samples)], batch.source, batch.seq, batch.prev, batch.epoch
        )
        assert raw == encode(batch)
        assert decode(raw) == batch
        # waiting buffer batches forwarded as one message: their samples one after the other
        merged = encode_parts(batch.company, [encode_batch(samples[:1]), encode_batch(samples[1:])])
        assert list(decode(merged).samples) == samples


def _count(runtime: Runtime) -> int:
    with runtime.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(TsSample)) or 0)


def test_several_batches_in_one_transaction_exactly_once(runtime: Runtime, company: tuple[int, str]) -> None:
    cid, code = company
    w = IngestWorker(runtime, machine_events=False, rollup_every_s=-1)
    before = _count(runtime)
    a = [Sample(f"B.t{i % 7}", T0 + i, float(i)) for i in range(500)]
    b = [Sample(f"B.t{i % 7}", T0 + i, float(i)) for i in range(500, 900)]
    c = [Sample("B.txt", T0 + 5, "x" * 300), Sample("B.none", T0 + 5, None), Sample("B.int", T0 + 5, 3)]
    assert w.write_many([Batch(code, a), Batch(code, b), Batch(code, c)]) == 903
    assert _count(runtime) - before == 903
    # redelivered together with new rows (one batch overlaps what is stored): only the new ones count
    d = [Sample(f"B.t{i % 7}", T0 + i, -1.0) for i in range(850, 1000)]
    assert w.write_many([Batch(code, a), Batch(code, d)]) == 100
    assert w.write_many([Batch(code, d)]) == 0
    assert _count(runtime) - before == 1003
    assert w.stats.batches == 6 and w.stats.received == 903 + 650 + 150 and w.stats.stored == 1003
    with runtime.transaction() as s:
        last = store.last_values(s, cid)
        assert last["B.t6"].ts == ms_to_dt(T0 + 993) and last["B.t6"].value == -1.0
        assert last["B.txt"].value == "x" * 200 and last["B.none"].value is None
        assert last["B.int"].value == 3.0
        raw = store.raw_range(s, cid, "B.t1", ms_to_dt(T0), ms_to_dt(T0 + 30))
        assert [(dt_to_ms(p.ts), p.value) for p in raw] == [
            (T0 + 1, 1.0),
            (T0 + 8, 8.0),
            (T0 + 15, 15.0),
            (T0 + 22, 22.0),
            (T0 + 29, 29.0),
        ]
    # an older sample never overwrites a newer last value
    w.write_many([Batch(code, [Sample("B.t6", T0 - 10_000, 123.0)])])
    with runtime.transaction() as s:
        assert store.last_values(s, cid, ["B.t6"])["B.t6"].value == -1.0


EQ = "MC-B1"
TAGS = {
    f"{EQ}.state": Tag(
        tag=f"{EQ}.state", source="x", address="s", type="string", role=Role.STATE, equipment=EQ
    )
}


def _stream_company(runtime: Runtime) -> tuple[int, str]:
    import uuid

    from jejo.masterdata import service as md
    from jejo.masterdata import users

    code = f"SB-{uuid.uuid4().hex[:8]}"
    with runtime.transaction() as s:
        cid = users.create_company(s, code, code).id
        md.upsert_many(s, cid, "sites", [{"code": "S", "name": "s"}])
        md.upsert_many(s, cid, "areas", [{"code": "A", "name": "a", "site": "S"}])
        md.upsert_many(s, cid, "lines", [{"code": "L", "name": "l", "area": "A"}])
        md.upsert_many(s, cid, "work_centers", [{"code": "W", "name": "w", "line": "L"}])
        md.upsert_many(s, cid, "equipment", [{"code": EQ, "name": "m", "work_center": "W"}])
    return cid, code


def _batch(code: str, seq: int, states: list[str]) -> Batch:
    samples = [Sample(f"{EQ}.state", T0 + (seq * 10 + i) * 1000, st) for i, st in enumerate(states)]
    return Batch(code, samples, "line1", seq, seq - 1, 7)


def _states(runtime: Runtime, cid: int) -> list[tuple[int, str]]:
    with runtime.transaction() as s:
        rows = s.execute(
            select(Event.occurred_at, Event.payload).where(
                Event.company_id == cid, Event.type == "machine.state_changed"
            )
        ).all()
    return sorted((dt_to_ms(at), p["state"]) for at, p in rows)


def test_machine_events_of_a_group_follow_the_stream(runtime: Runtime) -> None:
    cid, code = _stream_company(runtime)
    b1 = _batch(code, 1, ["running", "down"])
    b2 = _batch(code, 2, ["down", "idle"])
    b3 = _batch(code, 3, ["running"])
    b4 = _batch(code, 4, ["down"])
    w_a = IngestWorker(runtime, TAGS, rollup_every_s=-1)
    w_b = IngestWorker(runtime, TAGS, rollup_every_s=-1)
    w_a.write_many([b1, b2])  # in order: events at once
    assert w_a.stats.order_waits == 0
    # b3 is held by another worker for a moment: b4 stores its samples, its events wait for b3
    late = threading.Thread(target=lambda: (time.sleep(0.4), w_a.write(b3)))
    late.start()
    t = time.monotonic()
    w_b.write_many([b2, b4])  # b2: a redelivery (already applied) adds nothing
    late.join()
    assert time.monotonic() - t >= 0.35 and w_b.stats.order_waits == 1 and w_b.stats.order_gaps == 0
    want = [
        (T0 + 10_000, "running"),
        (T0 + 11_000, "down"),
        (T0 + 21_000, "idle"),
        (T0 + 30_000, "running"),
        (T0 + 40_000, "down"),
    ]
    assert _states(runtime, cid) == want
    w_b.write_many([b1, b2, b3, b4])  # all of it again: nothing new
    assert _states(runtime, cid) == want


def test_a_backlog_is_forwarded_in_merged_messages(tmp_path: Path) -> None:
    import asyncio

    from jejo.telemetry.collector import Collector
    from jejo.telemetry.model import TagMap

    class EncodedBus:
        def __init__(self) -> None:
            self.sent: list[bytes] = []

        async def publish(self, batch: Batch) -> None:  # pragma: no cover - the encoded path is used
            raise AssertionError("publish_encoded expected")

        async def publish_encoded(self, company: str, payload: bytes) -> None:
            self.sent.append(payload)

        async def close(self) -> None:
            pass

    bus = EncodedBus()
    col = Collector(
        TagMap(company="CO"), bus, tmp_path / "buf.db", name="col", forward_merge=3, forward_max_samples=250
    )
    for k in range(5):
        col.buffer.put([Sample(f"t{k}", T0 + k * 100 + i, float(i)) for i in range(100)])

    async def main() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(col._forwarder(stop))
        while col.buffer.pending_batches:
            await asyncio.sleep(0.01)
        stop.set()
        col._wake.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    got = [decode(raw) for raw in bus.sent]
    # 3 at most per message, 250 samples at most: [1, 2], [3, 4], [5]
    assert [(b.seq, b.prev, len(b.samples)) for b in got] == [(2, 0, 200), (4, 2, 200), (5, 4, 100)]
    assert [s for b in got for s in b.samples] == [
        Sample(f"t{k}", T0 + k * 100 + i, float(i)) for k in range(5) for i in range(100)
    ]
    assert {b.source for b in got} == {"col"} and col.forwarded == 500
