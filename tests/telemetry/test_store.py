"""Ingest into the time-series store (idempotent, rollups, last values, retention) and machine data →
execution events (state changes, downtime records, quantities on the running operation)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jejo.core.runtime import Runtime
from jejo.execution import service as ex
from jejo.execution.tables import Event, OperationState
from jejo.masterdata import schemas
from jejo.masterdata import service as md
from jejo.telemetry import store
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.machine import attach_downtime_reason, downtimes
from jejo.telemetry.model import Role, Sample, Tag
from jejo.telemetry.rollup import aggregate, dt_to_ms, ms_to_dt
from jejo.telemetry.tables import TsSample

T0 = dt_to_ms(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


def _plant(runtime: Runtime, company_id: int) -> str:
    with runtime.transaction() as s:
        md.upsert_many(s, company_id, "sites", [{"code": "S1", "name": "site"}])
        md.upsert_many(s, company_id, "areas", [{"code": "A1", "name": "area", "site": "S1"}])
        md.upsert_many(s, company_id, "lines", [{"code": "L1", "name": "line", "area": "A1"}])
        md.upsert_many(s, company_id, "work_centers", [{"code": "WC1", "name": "wc", "line": "L1"}])
        md.upsert_many(s, company_id, "equipment", [{"code": "M-1", "name": "machine", "work_center": "WC1"}])
        md.upsert_many(
            s, company_id, "items", [{"code": "P1", "name": "part", "kind": "finished", "uom": "EA"}]
        )
        md.upsert_many(
            s,
            company_id,
            "reason_codes",
            [
                {"code": "SC-DIM", "name": "dim", "category": "scrap", "oee_loss": "quality"},
                {"code": "DT-BREAK", "name": "break", "category": "downtime"},
            ],
        )
        md.save_routing(
            s,
            company_id,
            schemas.RoutingIn(
                item="P1",
                operations=[
                    schemas.RoutingOperationIn(seq=10, name="mill", work_center="WC1", cycle_time_s=60)
                ],
            ),
        )
        wo = ex.create_work_order(
            s,
            company_id,
            ex.WorkOrderIn(code="WO-T1", item="P1", quantity=100, due_date=datetime(2026, 12, 1).date()),
            "test",
        )
        ex.command_work_order(s, company_id, wo.code, "release", "test")
        ex.post_events(
            s,
            company_id,
            [
                {
                    "type": "operation.started",
                    "work_order": "WO-T1",
                    "occurred_at": ms_to_dt(T0 - 60_000).isoformat(),
                    "payload": {"seq": 10, "equipment": "M-1"},
                }
            ],
            actor="t",
            source="t",
        )
    return "WO-T1"


TAGS = {
    t.tag: t
    for t in [
        Tag(tag="M-1.state", source="s", address="a", role=Role.STATE, equipment="M-1", type="uint16"),
        Tag(tag="M-1.good", source="s", address="b", role=Role.GOOD_COUNT, equipment="M-1"),
        Tag(tag="M-1.scrap", source="s", address="c", role=Role.SCRAP_COUNT, equipment="M-1"),
        Tag(tag="M-1.temp", source="s", address="d", unit="°C"),
        Tag(tag="M-1.job", source="s", address="e", role=Role.JOB, type="string"),
    ]
}


def test_ingest_is_idempotent_and_feeds_queries(runtime: Runtime, company: tuple[int, str]) -> None:
    cid, code = company
    w = IngestWorker(runtime, TAGS, machine_events=False, rollup_every_s=-1)
    temps = [Sample("M-1.temp", T0 + i * 7_000, 20 + math.sin(i / 5)) for i in range(1200)]  # ~2.3 h
    batch = Batch(code, [*temps, Sample("M-1.job", T0, "JOB-1")])
    assert w.write(batch) == 1201
    assert w.write(batch) == 0  # delivered twice: stored once
    assert w.write(Batch(code, [*temps[:10], Sample("M-1.temp", T0 + 1, 99.0)])) == 1
    w._dirty = (T0, T0 + 1200 * 7_000)
    w.refresh_rollups()
    with runtime.transaction() as s:
        start, end = ms_to_dt(T0), ms_to_dt(T0 + 3_600_000)
        raw = store.raw_range(s, cid, "M-1.temp", start, ms_to_dt(T0 + 10_000))
        assert [round(p.value, 6) for p in raw] == [round(20.0, 6), 99.0, round(20 + math.sin(0.2), 6)]
        m1 = store.rollup_range(s, cid, "M-1.temp", start, end, "1m")
        expected = aggregate([(s_.ts_ms, float(s_.value)) for s_ in temps] + [(T0 + 1, 99.0)], "1m")  # type: ignore[arg-type]
        assert len(m1) == 60
        for p in m1:
            e = expected[dt_to_ms(p.bucket)]
            assert (p.n, p.min, p.max) == (e.n, pytest.approx(e.min), pytest.approx(e.max))
            assert p.mean == pytest.approx(e.mean)
        h1 = store.rollup_range(s, cid, "M-1.temp", start, ms_to_dt(T0 + 4 * 3_600_000), "1h")
        hourly = aggregate([(x.ts_ms, 0.0) for x in temps] + [(T0 + 1, 0.0)], "1h")
        assert [p.n for p in h1] == [a.n for _, a in sorted(hourly.items())]
        last = store.last_values(s, cid)
        assert last["M-1.job"].value == "JOB-1"
        assert last["M-1.temp"].ts == ms_to_dt(temps[-1].ts_ms)
        assert store.raw_range(s, cid, "nope", start, end) == []
    with runtime.transaction() as s:
        out = store.apply_retention(
            s.connection(),
            store.Retention(raw_days=1, rollup_1m_days=1),
            now=ms_to_dt(T0) + timedelta(days=2, hours=1),
        )
        assert out["rollup_1m_deleted"] >= 60
        tid = store.tag_id(s, cid, "M-1.temp")
        assert s.scalar(select(func.count()).select_from(TsSample).where(TsSample.tag_id == tid)) == 0


def test_machine_states_and_counts_become_events(runtime: Runtime, company: tuple[int, str]) -> None:
    cid, code = company
    wo = _plant(runtime, cid)
    w = IngestWorker(runtime, TAGS, rollup_every_s=-1)
    s1 = [
        Sample("M-1.state", T0, 2.0),
        Sample("M-1.good", T0, 100.0),
        Sample("M-1.scrap", T0, 5.0),
        Sample("M-1.good", T0 + 60_000, 101.0),
        Sample("M-1.good", T0 + 120_000, 102.0),
        Sample("M-1.scrap", T0 + 120_000, 6.0),
        Sample("M-1.state", T0 + 130_000, 3.0),
        Sample("M-1.state", T0 + 140_000, 3.0),
    ]
    s2 = [
        Sample("M-1.state", T0 + 400_000, 2.0),
        Sample("M-1.good", T0 + 460_000, 103.0),
        Sample("M-1.state", T0 + 500_000, 99.0),
    ]  # 99 means nothing known: ignored
    w.write(Batch(code, s1))
    w.write(Batch(code, s1))  # a replay adds nothing
    w.write(Batch(code, s2))
    assert w.stats.rejected_events == 0, w.stats.problems if hasattr(w.stats, "problems") else w.stats
    with runtime.transaction() as s:
        evs = s.execute(
            select(Event.type, Event.payload)
            .where(Event.company_id == cid, Event.source == "telemetry")
            .order_by(Event.occurred_at)
        ).all()
        states = [p["state"] for t, p in evs if t == "machine.state_changed"]
        assert states == ["running", "down", "running"]
        qty = [(p["good"], p.get("scrap", 0)) for t, p in evs if t == "quantity.reported"]
        assert qty == [(1, 0), (1, 1), (1, 0)]
        op = s.scalar(select(OperationState).where(OperationState.company_id == cid))
        assert op is not None and (op.good, op.scrap) == (3, 1)
        dts = downtimes(s, cid, "M-1")
        assert [(d.state, d.started_at, d.ended_at) for d in dts] == [
            ("down", ms_to_dt(T0 + 130_000), ms_to_dt(T0 + 400_000))
        ]
        d = attach_downtime_reason(s, cid, dts[0].id, "DT-BREAK", "operator")
        assert d.reason_code == "DT-BREAK"
        from jejo.core.errors import ValidationError

        with pytest.raises(ValidationError):
            attach_downtime_reason(s, cid, dts[0].id, "NOPE", "operator")
    assert wo == "WO-T1"


def test_unknown_equipment_is_reported_not_fatal(runtime: Runtime, company: tuple[int, str]) -> None:
    _cid, code = company
    tags = {
        "X.state": Tag(tag="X.state", source="s", address="a", role=Role.STATE, equipment="NOPE-1"),
        "X.t": Tag(tag="X.t", source="s", address="b"),
    }
    w = IngestWorker(runtime, tags, rollup_every_s=-1)
    assert w.write(Batch(code, [Sample("X.state", T0, 2.0), Sample("X.t", T0, 1.0)])) == 2
    assert w.stats.rejected_events == 1
