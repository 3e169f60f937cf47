"""Worked examples for every ISO 22400 KPI, on one hand-built shift (numbers computed by hand below).

The shift (UTC, to keep the arithmetic plain): 08:00–17:00 with a 60-minute break, so
POT = 9 h = 32 400 s, break allowance 3 600 s. The machine's states:

    08:00–08:30 setup                    1 800 s  → AUST
    08:30–11:00 running                  9 000 s  → APT
    11:00–11:40 down   DT-BREAK          2 400 s  → ADOT (failure 1; TTF = 9 000 s, TTR = 2 400 s)
    11:40–12:00 idle   (no reason)       1 200 s  → ADET (waiting, longer than a micro-stop)
    12:00–13:00 idle   (lunch)           3 600 s  → ADET, taken back as the break allowance
    13:00–15:00 running                  7 200 s  → APT
    15:00–15:01 idle   (no reason)          60 s  → ADET, micro-stop (≤ 120 s)
    15:01–16:00 running                  3 540 s  → APT
    16:00–16:30 planned_stop DT-PM       1 800 s  → PDOT
    16:30–17:00 running                  1 800 s  → APT

APT = 9 000 + 7 200 + 3 540 + 1 800 = 21 540; AUST = 1 800; ADOT = 2 400.
PDOT = 1 800 (planned maintenance) + 3 600 (break) = 5 400; PBT = 32 400 − 5 400 = 27 000.
Idle known = 1 200 + 3 600 + 60 = 4 860; all known = 21 540 + 1 800 + 4 860 + 2 400 = 30 600, which is
3 600 s more than PBT: the break allowance, taken from idle → ADET = 1 200 + 60 = 1 260.
AUPT = 21 540 + 1 800 = 23 340; AUBT = 23 340 + 1 260 = 24 600. No-data = 27 000 − 27 000 = 0.

Counts: good 270, scrap 6, rework 4 → PQ = 280; PRI = 70 s → PRI × PQ = 19 600 s; GQ = 270.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from jejo.core.errors import ValidationError
from jejo.kpi import iso22400 as k
from jejo.kpi.iso22400 import InventoryData, KpiInputs, OrderTimes, PersonnelTimes, ProductionCounts
from jejo.kpi.timeelements import (
    Period,
    PlannedWindow,
    ReasonInfo,
    StateInterval,
    intervals_from_changes,
    time_elements,
)
from jejo.masterdata.calendar import ShiftDef, korean_holiday, shift_instances

D = datetime(2026, 11, 17, tzinfo=UTC)


def at(hh: int, mm: int = 0) -> datetime:
    return D.replace(hour=hh, minute=mm)


REASONS = {
    "DT-BREAK": ReasonInfo("DT-BREAK", False, "availability"),
    "DT-PM": ReasonInfo("DT-PM", True, "none"),
    "DT-MINOR": ReasonInfo("DT-MINOR", False, "performance"),
}
CHANGES = [
    (at(8), "setup", "DT-SETUP"),
    (at(8, 30), "running", None),
    (at(11), "down", "DT-BREAK"),
    (at(11, 40), "idle", None),
    (at(12), "idle", None),
    (at(13), "running", None),
    (at(15), "idle", None),
    (at(15, 1), "running", None),
    (at(16), "planned_stop", "DT-PM"),
    (at(16, 30), "running", None),
]
PERIOD = Period(at(0), at(23, 59))
WINDOWS = [PlannedWindow(at(8), at(17), 3600.0, "DAY")]
COUNTS = ProductionCounts(
    good=270,
    scrap=6,
    rework=4,
    planned_run_s=70 * 280,
    planned_setup_s=1800,
    planned_scrap=4,
    consumed_material=300,
)


@pytest.fixture
def te() -> k.TimeElements:
    return time_elements(intervals_from_changes(CHANGES, at(17)), WINDOWS, PERIOD, REASONS)


def test_time_elements(te: k.TimeElements) -> None:
    """See the module docstring for every number."""
    assert te.pot == 32400 and te.pdot == 5400 and te.pbt == 27000
    assert te.apt == 21540 and te.aust == 1800 and te.adot == 2400
    assert te.adet == 1260 and te.micro_stop == 60 and te.nodata == 0
    assert te.aupt == 23340 and te.aubt == 24600
    assert te.failures == 1 and te.repairs_s == (2400.0,) and te.ttf_s == (9000.0,)


def test_oee_and_factors(te: k.TimeElements) -> None:
    """A = APT/PBT = 21 540/27 000 = 0.79778; E = PRI·PQ/APT = 19 600/21 540 = 0.90994;
    QR = GQ/PQ = 270/280 = 0.96429; OEE = A·E·QR = PRI·GQ/PBT = 70·270/27 000 = 18 900/27 000 = 0.7."""
    assert k.availability(te) == pytest.approx(21540 / 27000)
    assert k.effectiveness(te, COUNTS) == pytest.approx(19600 / 21540)
    assert k.quality_ratio(COUNTS) == pytest.approx(270 / 280)
    assert k.oee(te, COUNTS) == pytest.approx(0.7)


def test_korean_oee_moves_micro_stops_into_performance(te: k.TimeElements) -> None:
    """가동시간 = APT + micro-stops = 21 540 + 60 = 21 600; 시간가동률 = 21 600/27 000 = 0.8;
    성능가동률 = 19 600/21 600 = 0.90741; 양품률 = 0.96429;
    설비종합효율 = 0.8·0.90741·0.96429 = 0.7 (= ISO)."""
    kr = k.korean_oee(te, COUNTS)
    assert kr.time_availability == pytest.approx(0.8)
    assert kr.performance == pytest.approx(19600 / 21600)
    assert kr.quality == pytest.approx(270 / 280)
    assert kr.oee == pytest.approx(0.7)


def test_nee(te: k.TimeElements) -> None:
    """NEE = AUPT/PBT · E · QR = 23 340/27 000 · 19 600/21 540 · 270/280 = 0.75850."""
    assert k.nee(te, COUNTS) == pytest.approx(23340 / 27000 * 19600 / 21540 * 270 / 280)
    assert k.nee(te, COUNTS) == pytest.approx(0.758496, abs=1e-6)


def test_time_ratios(te: k.TimeElements) -> None:
    """Allocation efficiency = AUBT/PBT = 24 600/27 000 = 0.91111; utilisation efficiency = APT/AUBT =
    21 540/24 600 = 0.87561; setup ratio = AUST/AUPT = 1 800/23 340 = 0.07712; technical efficiency =
    APT/(APT + ADET) = 21 540/22 800 = 0.94474; actual to planned unit processing time =
    AUPT/(PRI·PQ + planned setup) = 23 340/(19 600 + 1 800) = 1.09065."""
    assert k.allocation_efficiency(te) == pytest.approx(0.911111, abs=1e-6)
    assert k.utilisation_efficiency(te) == pytest.approx(0.875610, abs=1e-6)
    assert k.setup_ratio(te) == pytest.approx(0.077121, abs=1e-6)
    assert k.technical_efficiency(te) == pytest.approx(0.944737, abs=1e-6)
    assert k.actual_to_planned_processing(te, COUNTS) == pytest.approx(1.090654, abs=1e-6)


def test_order_ratios() -> None:
    """The order ran 10 h: AOET = 36 000 s, Σ AUBT = 24 600, Σ APT = 21 540, PQ = 280.
    Allocation ratio = 24 600/36 000 = 0.68333; throughput rate = 280/36 000 s = 28 per hour;
    production process ratio = 21 540/36 000 = 0.59833."""
    o = OrderTimes(aoet=36000, aubt=24600, apt=21540, pq=280)
    assert k.allocation_ratio(o) == pytest.approx(0.683333, abs=1e-6)
    assert k.throughput_rate(o) == pytest.approx(28.0)
    assert k.production_process_ratio(o) == pytest.approx(0.598333, abs=1e-6)


def test_quality_ratios() -> None:
    """Scrap ratio = SQ/PQ = 6/280 = 0.02143; rework ratio = 4/280 = 0.01429; first pass yield =
    (280 − 6 − 4)/280 = 0.96429; actual to planned scrap = SQ/PSQ = 6/4 = 1.5; finished goods ratio =
    GQ/CM = 270/300 = 0.9. With 3 reworked units later good, QR = 273/280 but FPY stays 270/280."""
    assert k.scrap_ratio(COUNTS) == pytest.approx(6 / 280)
    assert k.rework_ratio(COUNTS) == pytest.approx(4 / 280)
    assert k.first_pass_yield(COUNTS) == pytest.approx(270 / 280)
    assert k.actual_to_planned_scrap(COUNTS) == pytest.approx(1.5)
    assert k.finished_goods_ratio(COUNTS) == pytest.approx(0.9)
    rec = ProductionCounts(good=270, scrap=6, rework=4, rework_recovered=3)
    assert k.quality_ratio(rec) == pytest.approx(273 / 280)
    assert k.first_pass_yield(rec) == pytest.approx(270 / 280)
    assert k.finished_goods_ratio(ProductionCounts(good=1)) is None


def test_personnel_inventory_maintenance(te: k.TimeElements) -> None:
    """Worker efficiency = APWT/APAT = 25 200/28 800 = 0.875; inventory turns = 120 M₩ COGS / 20 M₩
    average inventory = 6; MTBF = APT/FE = 21 540/1 s; MTTF = ΣTTF/FE = 9 000 s; MTTR = ΣTTR/FE = 2 400 s."""
    assert k.worker_efficiency(PersonnelTimes(25200, 28800)) == pytest.approx(0.875)
    assert k.worker_efficiency(None) is None
    assert k.inventory_turns(InventoryData(120_000_000, 20_000_000)) == pytest.approx(6.0)
    assert k.mtbf(te) == 21540 and k.mttf(te) == 9000 and k.mttr(te) == 2400


def test_catalogue_covers_every_kpi(te: k.TimeElements) -> None:
    """Every catalogued KPI is computed, documents its formula and names ISO time elements."""
    out = k.all_kpis(KpiInputs(te, COUNTS, OrderTimes(36000, 24600, 21540, 280), PersonnelTimes(1, 2)))
    assert set(out) == {d.key for d in k.CATALOGUE}
    assert out["oee"] == pytest.approx(0.7) and out["inventory_turns"] is None
    for d in k.CATALOGUE:
        assert d.formula and d.elements and d.name_ko


def test_no_data_is_none_not_zero() -> None:
    """Nothing planned and nothing produced: every ratio is None."""
    empty = k.TimeElements()
    assert k.oee(empty, ProductionCounts()) is None
    assert k.availability(empty) is None and k.mtbf(empty) is None


def test_micro_stop_by_reason_and_nodata() -> None:
    """Shift 08:00–10:00, no break: POT = PBT = 7 200 s. Running 08:00–09:00 (3 600), a 10-minute stop
    coded DT-MINOR (performance loss → micro-stop, 600), then no state at all from 09:10 (the machine
    was first seen at 08:00 and the data ends at 09:10): no-data = 7 200 − 4 200 = 3 000 s."""
    ch = [(at(8), "running", None), (at(9), "idle", "DT-MINOR")]
    te = time_elements(intervals_from_changes(ch, at(9, 10)), [PlannedWindow(at(8), at(10))], PERIOD, REASONS)
    assert te.apt == 3600 and te.micro_stop == 600 and te.adet == 600 and te.nodata == 3000


def test_stop_straddling_shift_end_counts_only_planned_part() -> None:
    """Shift 08:00–17:00 (no break). Down 16:00–19:00: only 16:00–17:00 = 3 600 s is ADOT; the failure
    counts once. Running again 19:00–20:00 is overtime: POT = 9 h + 1 h = 36 000 s, APT = 8 h + 1 h."""
    ch = [(at(8), "running", None), (at(16), "down", "DT-BREAK"), (at(19), "running", None)]
    te = time_elements(intervals_from_changes(ch, at(20)), [PlannedWindow(at(8), at(17))], PERIOD, REASONS)
    assert te.apt == 9 * 3600 and te.adot == 3600 and te.failures == 1
    assert te.overtime == 3600 and te.pot == 36000 and te.pbt == 36000


def test_machine_working_through_its_break() -> None:
    """A machine that runs 08:00–17:00 without stopping worked through its 60-minute break: the break was
    not planned down time for it, PBT = POT = 32 400 and availability = 1 (never above)."""
    te = time_elements(intervals_from_changes([(at(8), "running", None)], at(17)), WINDOWS, PERIOD, REASONS)
    assert te.pbt == 32400 and k.availability(te) == 1.0


def test_korean_holidays_are_not_planned_time() -> None:
    """Week of 2026-10-05: Monday 10-05 is the substitute holiday for 개천절 (Sat 10-03) and Friday 10-09
    is 한글날, so the DAY shift (08:30–17:30, 60 min break) runs Tue–Thu only: POT = 3 × 9 h = 97 200 s,
    PDOT = 3 × 3 600 = 10 800 s. A machine running every shift through its breaks has PBT = POT; one
    running non-stop also worked nights and holidays: 604 800 − 97 200 s of overtime."""
    assert korean_holiday(date(2026, 10, 9)) and korean_holiday(date(2026, 10, 5))
    from datetime import time

    shifts = [ShiftDef("DAY", time(8, 30), time(17, 30), 60)]
    inst = shift_instances(shifts, date(2026, 10, 5), date(2026, 10, 11))
    assert [i.day.day for i in inst] == [6, 7, 8]
    windows = [PlannedWindow(i.start, i.end, 60 * i.break_minutes, i.shift) for i in inst]
    week = Period(datetime(2026, 10, 4, 15, tzinfo=UTC), datetime(2026, 10, 11, 15, tzinfo=UTC))
    idle = time_elements(intervals_from_changes([(week.start, "idle", None)], week.end), windows, week)
    assert idle.pot == 97200 and idle.pdot == 10800 and idle.adet == 86400
    ch = [(week.start, "idle", None)]
    for i in inst:
        ch += [(i.start, "running", None), (i.end, "idle", None)]
    running = time_elements(intervals_from_changes(ch, week.end), windows, week)
    assert running.pbt == 97200 and running.apt == 97200 and running.overtime == 0
    nonstop = time_elements(intervals_from_changes([(week.start, "running", None)], week.end), windows, week)
    assert nonstop.overtime == 7 * 86400 - 97200 and nonstop.pot == 7 * 86400  # nights and holidays worked


def test_bad_periods() -> None:
    with pytest.raises(ValidationError, match="bad period"):
        Period(at(10), at(9))
    with pytest.raises(ValidationError):
        Period(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(ValidationError):
        Period(at(10), at(10) + timedelta(0))


def test_interval_order_does_not_matter(te: k.TimeElements) -> None:
    ivs = intervals_from_changes(list(reversed(CHANGES)), at(17))
    assert time_elements(list(reversed(ivs)), WINDOWS, PERIOD, REASONS) == te
    assert all(isinstance(i, StateInterval) for i in ivs)


def test_hourly_rollup_adds_up() -> None:
    """The hourly rollup of the worked shift adds up to exactly the time elements of the whole day,
    break allowance included (it is settled on the sum); the 60-second micro-stop stays a micro-stop
    and the breakdown is counted once, in the hour it started."""
    from functools import reduce

    from jejo.kpi.rollup import hourly_elements, settle

    ivs = intervals_from_changes(CHANGES, at(17))
    day = Period(at(0), at(0) + timedelta(days=1))
    whole = time_elements(ivs, WINDOWS, day, REASONS)
    rows = hourly_elements("MC-01", ivs, WINDOWS, day, REASONS)
    assert len(rows) == 24
    te = settle([reduce(lambda a, b: a + b, (r for _, r in rows))])
    for f in ("pot", "pdot", "apt", "aust", "adet", "adot", "micro_stop", "nodata", "failures"):
        assert getattr(te, f) == pytest.approx(getattr(whole, f)), f
