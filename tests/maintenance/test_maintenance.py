"""Maintenance: a counter plan opens a preventive order when the machine's part counter (as the
simulator's collector writes it to the telemetry store) reaches the interval; a breakdown order with a
checklist and a spare part; MTBF/MTTR; planned maintenance as unavailable time for the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import Tenant, build_plant

from jejo.core.runtime import Runtime
from jejo.core.timeutil import utcnow
from jejo.maintenance.reliability import Repair, due, mttr_mtbf
from jejo.telemetry.store import TagRegistry, write_samples


def counter_reading(runtime: Runtime, company_id: int, value: int, at: datetime) -> None:
    """What the collector does with the sawing machine's ``total`` counter."""
    with runtime.transaction() as s:
        conn = s.connection()
        ids = TagRegistry().ids(conn, company_id, ["PC-SAW-01.total"])
        write_samples(conn, [(ids["PC-SAW-01.total"], int(at.timestamp() * 1000), float(value), None)])


def test_counter_plan_breakdown_and_reliability(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    build_plant(t)
    t.ok(
        t.put(
            "/maintenance/plans",
            {
                "code": "PM-SAW-BLADE",
                "name": "톱날 교체",
                "equipment": "PC-SAW-01",
                "trigger": "counter",
                "interval": 1000,
                "duration_minutes": 45,
                "checklist": ["톱날 교체", "집진 필터 청소"],
            },
        )
    )
    t.ok(
        t.put(
            "/maintenance/plans",
            {
                "code": "PM-EB-MONTHLY",
                "name": "엣지밴더 월간 점검",
                "equipment": "EB-01",
                "trigger": "calendar",
                "interval": 30,
            },
        )
    )
    at = "2026-11-26T01:00:00Z"
    counter_reading(runtime, t.company_id, 999, datetime(2026, 11, 26, 0, 59, tzinfo=UTC))
    assert t.ok(t.post("/maintenance/plans/check", {"at": at})) == []
    counter_reading(runtime, t.company_id, 1000, datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    [order] = t.ok(t.post("/maintenance/plans/check", {"at": at}))
    assert order["kind"] == "preventive" and order["plan"] == "PM-SAW-BLADE"
    assert order["planned_start"].startswith("2026-11-26T01:00") and order["planned_end"].startswith(
        "2026-11-26T01:45"
    )
    assert t.ok(t.post("/maintenance/plans/check", {"at": at})) == []  # one open order per plan
    busy = t.ok(
        t.get(
            "/maintenance/unavailable",
            params={"start": "2026-11-26T00:00:00Z", "end": "2026-11-27T00:00:00Z"},
        )
    )
    assert [(b["equipment"], b["order"]) for b in busy] == [("PC-SAW-01", order["code"])]
    r = t.post(f"/maintenance/orders/{order['code']}/complete", {"labour_minutes": 40, "checked": [0]})
    assert r.status_code == 409 and "집진 필터 청소" in r.json()["detail"]
    done = t.ok(
        t.post(f"/maintenance/orders/{order['code']}/complete", {"labour_minutes": 40, "checked": [0, 1]})
    )
    assert done["status"] == "done"
    # the next one is due 1000 counts after the one that opened this order
    counter_reading(runtime, t.company_id, 1999, datetime(2026, 11, 27, tzinfo=UTC))
    assert t.ok(t.post("/maintenance/plans/check", {"at": "2026-11-27T00:00:00Z"})) == []
    # the calendar plan comes due 30 days after it was set up (today, by the server's clock)
    month_on = (utcnow() + timedelta(days=31)).isoformat()
    later = t.ok(t.post("/maintenance/plans/check", {"at": month_on}))
    assert {o["plan"] for o in later} == {"PM-EB-MONTHLY"}

    # a breakdown, with a spare part from stock
    t.ok(
        t.post(
            "/events",
            {
                "type": "inventory.received",
                "payload": {"item": "EDGE-1", "lot": "SP-1", "quantity": 2, "location": "WH-RAW"},
            },
        ),
        201,
    )
    bd: dict[str, Any] = t.ok(
        t.post(
            "/maintenance/orders",
            {
                "code": "MO-BD-1",
                "equipment": "PC-SAW-01",
                "description": "주축 베어링 소음",
                "failed_at": "2026-11-26T02:00:00Z",
            },
        ),
        201,
    )
    assert bd["kind"] == "breakdown"
    t.ok(t.post("/maintenance/orders/MO-BD-1/start"))
    r = t.post(
        "/maintenance/orders/MO-BD-1/complete",
        {
            "labour_minutes": 90,
            "parts": [{"item": "EDGE-1", "lot": "SP-1", "location": "WH-RAW", "quantity": 5}],
        },
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parts.0.quantity"
    t.ok(
        t.post(
            "/maintenance/orders/MO-BD-1/complete",
            {
                "labour_minutes": 90,
                "completed_at": "2026-11-26T05:00:00Z",
                "parts": [{"item": "EDGE-1", "lot": "SP-1", "location": "WH-RAW", "quantity": 1}],
            },
        )
    )
    assert t.ok(t.get("/stock", params={"lot": "SP-1"}))[0]["quantity"] == 1
    rel = t.ok(
        t.get(
            "/maintenance/reliability/PC-SAW-01",
            params={"start": "2026-11-26T00:00:00Z", "end": "2026-11-27T00:00:00Z"},
        )
    )
    # one failure repaired in 3 h: MTTR 3 h, MTBF (24 − 3) / 1 = 21 h
    assert (rel["failures"], rel["mttr_hours"], rel["mtbf_hours"]) == (1, 3.0, 21.0)


def test_reliability_and_due_are_pure() -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    h = 3600.0

    def at(hours: float) -> datetime:
        return datetime.fromtimestamp(day.timestamp() + hours * h, UTC)

    repairs = [Repair(at(10), at(12)), Repair(at(30), at(31)), Repair(at(50), None)]
    r = mttr_mtbf(repairs, day, at(72))
    assert r["failures"] == 3 and r["mttr_hours"] == pytest.approx(1.5)
    assert r["mtbf_hours"] == pytest.approx((72 - 3) / 3)
    assert due("counter", 100, None, 50, day, 150) and not due("counter", 100, None, 50, day, 149)
    assert not due("hours", 10, None, 0, day, None)
    assert due("calendar", 7, at(-7 * 24), 0, day, None)
