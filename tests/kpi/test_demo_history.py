"""On the demo factory's history: a machine's OEE from the KPI service equals the one recomputed here,
by hand, from its raw ``machine.state_changed`` and ``quantity.reported`` events."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jejo.core.errors import NotFound, ValidationError
from jejo.core.timeutil import SEOUL, as_utc
from jejo.execution.tables import Event, WorkOrder, WorkOrderOperation
from jejo.kpi import service, sources
from jejo.masterdata.calendar import korean_holiday


def _first_day(session: Any, cid: int, eq: str) -> datetime:
    first = session.scalar(
        select(Event.occurred_at)
        .where(Event.company_id == cid, Event.type == "machine.state_changed", Event.equipment_code == eq)
        .order_by(Event.occurred_at)
        .limit(1)
    )
    return as_utc(first).astimezone(SEOUL)


def test_oee_of_a_machine_equals_hand_computation(runtime: Any, demo: int) -> None:
    """MC-01 on its second day of history. By hand: the DAY shift runs 08:30–17:30 local (32 400 s)
    plus any running/setup outside it that day (overtime), with a 60-minute break (PDOT = 3 600 s, no
    planned stops recorded) → PBT = 32 400 + overtime − 3 600 s. Clip every
    state stretch to the shift; running → APT, setup → AUST, down → ADOT, idle → ADET (the machine sat
    idle through its break, so the break comes out of idle). A = APT/PBT; E = Σ 140 s × PQ / APT
    (routing cycle time of 황삭 on MC-01); QR = good / PQ; OEE = A × E × QR."""
    eq = "MC-01"
    with runtime.transaction() as s:
        day = (_first_day(s, demo, eq) + timedelta(days=1)).date()
        while day.weekday() >= 5 or korean_holiday(day) is not None:  # the demo's working days
            day += timedelta(days=1)
        shift0 = datetime.combine(day, time(8, 30), SEOUL)
        shift1 = datetime.combine(day, time(17, 30), SEOUL)
        evs = s.execute(
            select(Event.occurred_at, Event.payload)
            .where(
                Event.company_id == demo, Event.type == "machine.state_changed", Event.equipment_code == eq
            )
            .order_by(Event.occurred_at, Event.id)
        ).all()
        day0 = datetime.combine(day, time(0), SEOUL)
        day1 = day0 + timedelta(days=1)
        secs: dict[str, float] = {}
        overtime = 0.0
        for i, (t0, p) in enumerate(evs):
            t1 = as_utc(evs[i + 1][0]) if i + 1 < len(evs) else day1
            a, b = max(as_utc(t0), shift0), min(t1, shift1)
            in_shift = max(0.0, (b - a).total_seconds())
            secs[p["state"]] = secs.get(p["state"], 0.0) + in_shift
            if p["state"] in ("running", "setup"):  # outside the shift: overtime
                a2, b2 = max(as_utc(t0), day0), min(t1, day1)
                extra = max(0.0, (b2 - a2).total_seconds()) - in_shift
                secs[p["state"]] += extra
                overtime += extra
        pbt = 32400 + overtime - 3600
        assert secs.get("idle", 0) >= 3600  # sat idle through lunch
        apt = secs.get("running", 0.0)
        qty = s.execute(
            select(Event.payload, WorkOrderOperation.cycle_time_s)
            .join(WorkOrder, WorkOrder.id == Event.work_order_id)
            .join(
                WorkOrderOperation,
                (WorkOrderOperation.work_order_id == WorkOrder.id)
                & (WorkOrderOperation.seq == Event.payload["seq"].as_integer()),
            )
            .where(
                Event.company_id == demo,
                Event.type == "quantity.reported",
                Event.occurred_at >= shift0 - timedelta(hours=8, minutes=30),
                Event.occurred_at < shift0 + timedelta(hours=15, minutes=30),
                WorkOrder.code.like("%BRKT%"),
                Event.payload["seq"].as_integer() == 10,
            )
        ).all()
        good = sum(p.get("good", 0) for p, _ in qty)
        pq = sum(p.get("good", 0) + p.get("scrap", 0) + p.get("rework", 0) for p, _ in qty)
        planned_run = sum((p.get("good", 0) + p.get("scrap", 0)) * ct for p, ct in qty)
        assert pq > 0 and apt > 0
        by_hand = (apt / pbt) * (planned_run / apt) * (good / pq)

        period = sources.parse_period(day, day + timedelta(days=1))
        rep = service.oee_report(s, demo, "equipment", eq, period)
        te = rep["time_elements_s"]
        assert te["POT"] == pytest.approx(32400 + overtime) and te["PBT"] == pytest.approx(pbt)
        assert te["APT"] == pytest.approx(apt) and te["AUST"] == pytest.approx(secs.get("setup", 0))
        assert te["ADOT"] == pytest.approx(secs.get("down", 0))
        assert rep["kpi"]["iso"]["oee"] == pytest.approx(by_hand, rel=1e-9)
        assert rep["kpi"]["korean"]["oee"] == pytest.approx(by_hand, rel=1e-9)
        assert 0 < by_hand < 1


def test_line_and_losses_on_demo(runtime: Any, demo: int) -> None:
    """The CNC cell (three machines) over the whole history: the line's PBT is the sum of its machines';
    the waterfall closes; scrap Pareto shares add up to 1."""
    with runtime.transaction() as s:
        start = _first_day(s, demo, "MC-01").date()
        period = sources.parse_period(start, start + timedelta(days=7))
        rep = service.oee_report(s, demo, "line", "L-CELL", period)
        assert {e["equipment"] for e in rep["equipment"]} == {"MC-01", "MC-02", "MC-03"}
        assert rep["time_elements_s"]["PBT"] == pytest.approx(
            sum(e["time_elements_s"]["PBT"] for e in rep["equipment"])
        )
        assert 0 < rep["kpi"]["iso"]["oee"] < 1
        lo = service.losses_report(s, demo, "line", "L-FURN", period)
        assert lo["scrap_pareto"] and lo["scrap_pareto"][-1]["cumulative"] == pytest.approx(1.0)
        assert lo["downtime_pareto"]["reason"]
        assert len(lo["trend"]) == 7
        site = service.oee_report(s, demo, "site", None, period)
        assert len(site["equipment"]) == 8
        pq = service.pqcd_report(
            s,
            demo,
            sources.parse_period(start, start + timedelta(days=3)),
            sources.parse_period(start + timedelta(days=3), start + timedelta(days=7)),
        )
        ind = {i["key"]: i for i in pq["indicators"]}
        assert ind["uph"]["status"] == "ok" and ind["uph"]["evidence_count"][0] > 0
        # sales come from the demo's shipments, which fall in these periods or not depending on the
        # weekday the history starts on
        sales = ind["sales"]
        assert sales["status"] == "no data" or (sales["before"] > 0 and sales["after"] > 0)
        uc = ind["unit_cost"]  # from the costing module's prices and rates, where the demo has them
        assert uc["status"] == "no data" or (uc["before"] > 0 and uc["after"] > 0)


def test_unknown_equipment_and_bad_periods(runtime: Any, demo: int) -> None:
    with runtime.transaction() as s:
        p = sources.parse_period("2026-11-16", "2026-11-23")
        with pytest.raises(NotFound, match="MC-99"):
            service.oee_report(s, demo, "equipment", "MC-99", p)
        with pytest.raises(ValidationError, match="scope"):
            service.oee_report(s, demo, "plant", "X", p)
        with pytest.raises(ValidationError, match="bad period"):
            sources.parse_period("2026-11-23", "2026-11-16")
        with pytest.raises(ValidationError, match="bad period"):
            sources.parse_period("2026-13-01", "2026-11-16")
        with pytest.raises(ValidationError, match="too long"):
            service.oee_report(s, demo, "site", None, sources.parse_period("2020-01-01", "2026-01-01"))
        with pytest.raises(ValidationError):
            sources.named_period("fortnight", "2026-11-16")


def test_rollups_give_the_same_oee(runtime: Any, demo: int) -> None:
    """The CNC cell over a week: OEE read from the hourly rollup table equals the OEE computed from the
    events directly (time elements exactly; counts bucketed by hour add up to the same)."""
    with runtime.transaction() as s:
        start = _first_day(s, demo, "MC-01").date()
        period = sources.parse_period(start, start + timedelta(days=7))
        n = service.refresh_rollups(s, demo, period)
        assert n == 8 * 7 * 24
        assert service.refresh_rollups(s, demo, period) == n  # idempotent
        direct = service.oee_report(s, demo, "line", "L-CELL", period)
        rolled = service.oee_from_rollups(s, demo, "line", "L-CELL", period)
        for k in ("POT", "PBT", "APT", "AUST", "ADET", "ADOT"):
            assert rolled["time_elements_s"][k] == pytest.approx(direct["time_elements_s"][k]), k
        assert rolled["counts"]["PQ"] == direct["counts"]["PQ"]
        assert rolled["kpi"]["iso"]["oee"] == pytest.approx(direct["kpi"]["iso"]["oee"])
