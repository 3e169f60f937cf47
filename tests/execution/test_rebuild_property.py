"""Projections are a pure function of the event log: live (incremental, in any arrival order, with
duplicates) and ``rebuild`` (from scratch) give the same state."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.conftest import unique

from jejo.core.errors import IllegalTransition
from jejo.core.runtime import Runtime
from jejo.execution import service as ex
from jejo.execution.projector import PROJECTION_TABLES, rebuild
from jejo.masterdata import schemas, users
from jejo.masterdata import service as md

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
LOTS_RAW = ["R1", "R2", "R3"]
LOTS_FG = ["F1", "F2"]
STATES = ["running", "idle", "down", "setup"]


def make_plant(rt: Runtime, n_orders: int) -> tuple[int, list[str]]:
    with rt.transaction() as s:
        company = users.create_company(s, unique("PROP"), "property test")
        cid = company.id
        md.upsert_many(s, cid, "sites", [{"code": "S", "name": "site"}])
        md.upsert_many(s, cid, "areas", [{"code": "A", "name": "area", "site": "S"}])
        md.upsert_many(s, cid, "lines", [{"code": "L", "name": "line", "area": "A"}])
        md.upsert_many(
            s,
            cid,
            "work_centers",
            [{"code": "W1", "name": "w1", "line": "L"}, {"code": "W2", "name": "w2", "line": "L"}],
        )
        md.upsert_many(
            s,
            cid,
            "equipment",
            [
                {"code": "M1", "name": "m1", "work_center": "W1"},
                {"code": "M2", "name": "m2", "work_center": "W2"},
            ],
        )
        md.upsert_many(
            s,
            cid,
            "items",
            [{"code": "RAW", "name": "raw", "kind": "raw"}, {"code": "FG", "name": "fg", "kind": "finished"}],
        )
        md.upsert_many(s, cid, "locations", [{"code": "WH", "name": "wh"}, {"code": "LINE", "name": "line"}])
        md.upsert_many(s, cid, "reason_codes", [{"code": "SC", "name": "scrap", "category": "scrap"}])
        md.save_routing(
            s,
            cid,
            schemas.RoutingIn(
                item="FG",
                operations=[
                    schemas.RoutingOperationIn(seq=1, name="a", work_center="W1", cycle_time_s=10),
                    schemas.RoutingOperationIn(seq=2, name="b", work_center="W2", cycle_time_s=20),
                ],
            ),
        )
        codes = []
        for i in range(n_orders):
            wo = ex.create_work_order(
                s, cid, ex.WorkOrderIn(code=f"WO{i}", item="FG", quantity=10, due_date=T0.date()), actor="t"
            )
            ex.command_work_order(s, cid, wo.code, "release", "t")
            codes.append(wo.code)
    return cid, codes


@st.composite
def event_streams(draw: st.DrawFn, n_orders: int = 2) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=40))
    events = []
    for i in range(n):
        minute = draw(st.integers(min_value=0, max_value=600))
        at = (T0 + timedelta(minutes=minute)).isoformat()
        wo = f"WO{draw(st.integers(0, n_orders - 1))}"
        seq = draw(st.sampled_from([1, 2]))
        kind = draw(
            st.sampled_from(
                [
                    "start",
                    "pause",
                    "resume",
                    "complete",
                    "qty",
                    "consume",
                    "produce",
                    "machine",
                    "scan",
                    "receive",
                    "transfer",
                    "hold",
                    "resume_wo",
                ]
            )
        )
        base: dict[str, Any] = {"occurred_at": at, "idempotency_key": f"k{i}"}
        if kind in ("start", "pause", "resume", "complete"):
            name = {"start": "started", "pause": "paused", "resume": "resumed", "complete": "completed"}[kind]
            ev = {"type": f"operation.{name}", "work_order": wo, "payload": {"seq": seq}}
        elif kind == "qty":
            good = draw(st.integers(0, 5))
            scrap = draw(st.integers(0, 2))
            payload: dict[str, Any] = {"seq": seq, "good": good or 1}
            if scrap:
                payload |= {"scrap": scrap, "reason_code": "SC"}
            ev = {"type": "quantity.reported", "work_order": wo, "payload": payload}
        elif kind == "consume":
            ev = {
                "type": "material.consumed",
                "work_order": wo,
                "payload": {
                    "item": "RAW",
                    "lot": draw(st.sampled_from(LOTS_RAW)),
                    "quantity": 1.5,
                    "location": "LINE",
                },
            }
        elif kind == "produce":
            ev = {
                "type": "lot.produced",
                "work_order": wo,
                "payload": {
                    "item": "FG",
                    "lot": draw(st.sampled_from(LOTS_FG)),
                    "quantity": 2,
                    "location": "WH",
                },
            }
        elif kind == "machine":
            ev = {
                "type": "machine.state_changed",
                "payload": {
                    "equipment": draw(st.sampled_from(["M1", "M2"])),
                    "state": draw(st.sampled_from(STATES)),
                },
            }
        elif kind == "scan":
            ev = {
                "type": "part.scanned",
                # a scan may name the work order: it is not part of the order's progress
                **({"work_order": wo} if draw(st.booleans()) else {}),
                "payload": {
                    "part_id": draw(st.sampled_from(["P1", "P2"])),
                    "station": draw(st.sampled_from(["SAW", "EDGE", "ASM"])),
                },
            }
        elif kind == "receive":
            ev = {
                "type": "inventory.received",
                "payload": {
                    "item": "RAW",
                    "lot": draw(st.sampled_from(LOTS_RAW)),
                    "quantity": 10,
                    "location": "WH",
                },
            }
        elif kind == "transfer":
            ev = {
                "type": "inventory.transferred",
                "payload": {
                    "item": "RAW",
                    "lot": draw(st.sampled_from(LOTS_RAW)),
                    "quantity": 3,
                    "from_location": "WH",
                    "to_location": "LINE",
                },
            }
        elif kind == "hold":
            ev = {"type": "work_order.held", "work_order": wo, "payload": {}}
        else:
            ev = {"type": "work_order.resumed", "work_order": wo, "payload": {}}
        events.append(base | ev)
    return events


def snapshot(rt: Runtime, company_id: int) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with rt.transaction() as s:
        for table in PROJECTION_TABLES:
            rows = []
            for obj in s.scalars(select(table).where(table.company_id == company_id)):
                values = []
                for col in table.__table__.columns:
                    v = getattr(obj, col.key)
                    values.append(round(v, 6) if isinstance(v, float) else repr(v))
                rows.append(tuple(values))
            out[table.__tablename__] = sorted(rows)
    return out


def post_in_random_batches(
    rt: Runtime, company_id: int, events: list[dict[str, Any]], rnd: random.Random
) -> None:
    """Deliver shuffled, with some events twice, in random batch sizes; rejections are allowed."""
    delivery = events + [rnd.choice(events) for _ in range(len(events) // 3)]
    rnd.shuffle(delivery)
    i = 0
    while i < len(delivery):
        size = rnd.randint(1, 6)
        chunk = delivery[i : i + size]
        i += size
        try:
            with rt.transaction() as s:
                ex.post_events(s, company_id, chunk, actor="prop", source="test")
            continue
        except IllegalTransition:  # the batch is refused whole; deliver it one by one instead
            pass
        for ev in chunk:
            try:
                with rt.transaction() as s:
                    ex.post_events(s, company_id, [ev], actor="prop", source="test")
            except IllegalTransition:  # e.g. a report on a held order, a hold on a completed one
                pass


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=event_streams(), seed=st.integers(0, 10_000))
def test_live_projections_equal_rebuild(runtime: Runtime, stream: list[dict[str, Any]], seed: int) -> None:
    company_id, _ = make_plant(runtime, 2)
    post_in_random_batches(runtime, company_id, stream, random.Random(seed))
    live = snapshot(runtime, company_id)
    with runtime.transaction() as s:
        rebuild(s, company_id)
    rebuilt = snapshot(runtime, company_id)
    assert live == rebuilt


def test_batch_delivery_in_reverse_equals_in_order(runtime: Runtime) -> None:
    """The same events delivered as one batch in time order, or one by one newest first, end the same."""
    rnd = random.Random(7)
    events = []
    for i in range(30):
        at = (T0 + timedelta(minutes=i)).isoformat()
        seq = 1 + i % 2
        kind = ["operation.started", "quantity.reported", "operation.paused", "operation.resumed"][i % 4]
        payload: dict[str, Any] = {"seq": seq}
        if kind == "quantity.reported":
            payload |= {"good": rnd.randint(1, 4)}
        events.append(
            {
                "type": kind,
                "occurred_at": at,
                "work_order": "WO0",
                "payload": payload,
                "idempotency_key": f"e{i}",
            }
        )
    a, _ = make_plant(runtime, 1)
    b, _ = make_plant(runtime, 1)
    with runtime.transaction() as s:
        ex.post_events(s, a, events, actor="t", source="t")
    for ev in reversed(events):
        with runtime.transaction() as s:
            ex.post_events(s, b, [ev], actor="t", source="t")
    sa, sb = snapshot(runtime, a), snapshot(runtime, b)
    assert sa["proj_operation_state"] and len(sa["proj_operation_state"]) == len(sb["proj_operation_state"])
    for ra, rb in zip(sa["proj_operation_state"], sb["proj_operation_state"], strict=True):
        assert ra[1:2] + ra[3:] == rb[1:2] + rb[3:]  # all but the work-order and company ids
