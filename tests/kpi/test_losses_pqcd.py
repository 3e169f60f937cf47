"""Worked examples for the losses (six big losses, waterfall, Paretos) and PQCD before/after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.kpi.test_iso22400 import CHANGES, COUNTS, PERIOD, REASONS, WINDOWS, at

from jejo.core.errors import ValidationError
from jejo.kpi import losses, pqcd
from jejo.kpi.timeelements import intervals_from_changes, time_elements


def test_six_big_losses_and_waterfall() -> None:
    """On the shift of test_iso22400 (PBT 27 000, APT 21 540, AUST 1 800, ADET 1 260, ADOT 2 400;
    PQ 280, GQ 270, PRI 70 s): breakdowns 2 400; setup 1 800; idling & minor stops 1 260; reduced
    speed = 21 540 − 19 600 = 1 940; defects & rework = 70 × 10 = 700; with 2 scrapped at start-up,
    startup = 140 and defects 560. Waterfall: PBT 27 000 − 2 400 − 1 800 − 1 260 − 0 = APT 21 540;
    − 1 940 = net 19 600; − 700 = fully productive 18 900 = 0.7 × PBT (the OEE)."""
    te = time_elements(intervals_from_changes(CHANGES, at(17)), WINDOWS, PERIOD, REASONS)
    six = losses.six_big_losses(te, COUNTS)
    assert six == {
        "breakdowns": 2400,
        "setup_adjustment": 1800,
        "idling_minor_stops": 1260,
        "reduced_speed": 1940,
        "defects_rework": pytest.approx(700),
        "startup_yield": 0.0,
        "no_data": 0.0,
    }
    s2 = losses.six_big_losses(te, COUNTS, startup_scrap=2)
    assert s2["startup_yield"] == pytest.approx(140) and s2["defects_rework"] == pytest.approx(560)
    wf = {s.key: s.seconds for s in losses.waterfall(te, COUNTS)}
    assert wf["pbt"] - wf["breakdowns"] - wf["setup"] - wf["idling"] - wf["no_data"] == wf["apt"]
    assert wf["net"] == 19600 and wf["full"] == pytest.approx(18900)
    assert wf["full"] / wf["pbt"] == pytest.approx(0.7)


def test_pareto() -> None:
    """Stops: MC-01 breakdown 2 400 s + 600 s, MC-02 material wait 1 000 s → by reason DT-BREAK 3 000
    (75 %, cumulative 75 %), DT-MAT 1 000 (25 %, 100 %); by machine MC-01 3 000, MC-02 1 000."""
    t = datetime(2026, 11, 17, tzinfo=UTC)
    st = [
        losses.Stop("MC-01", t, 2400, "down", "DT-BREAK", "DAY"),
        losses.Stop("MC-01", t, 600, "down", "DT-BREAK", "NIGHT"),
        losses.Stop("MC-02", t, 1000, "idle", "DT-MAT", "DAY"),
    ]
    by_reason = losses.downtime_pareto(st, "reason")
    assert [(r.key, r.value, r.count, r.share, r.cumulative) for r in by_reason] == [
        ("DT-BREAK", 3000, 2, 0.75, 0.75),
        ("DT-MAT", 1000, 1, 0.25, 1.0),
    ]
    assert [r.key for r in losses.downtime_pareto(st, "shift")] == ["DAY", "NIGHT"]
    assert losses.downtime_pareto(st, "equipment")[0].value == 3000
    with pytest.raises(ValidationError):
        losses.downtime_pareto(st, "colour")
    sc = [
        losses.ScrapRecord("EB-01", t, 3, "SC-CHIP"),
        losses.ScrapRecord("EB-01", t, 1, "SC-DIM"),
        losses.ScrapRecord("EB-01", t, 2, "RW-EDGE", "rework"),
    ]
    assert [(r.key, r.value) for r in losses.scrap_pareto(sc)] == [("SC-CHIP", 3), ("SC-DIM", 1)]


def test_pqcd_improvement_rates() -> None:
    """Before: 1 000 good in 10 h (UPH 100), 35 defects in 1 000 produced (3.5 %), cost 5 000 000 ₩
    (5 000 ₩/EA), lead time 48 h, 18 of 20 on time (90 %). After: 1 500 in 10 h (UPH 150), 5 defects in
    1 000 (0.5 %), 6 000 000 ₩ (4 000 ₩/EA), 36 h, 19 of 20 (95 %).
    UPH 향상률 = (150 − 100)/100 = +50 %; 불량률 감소율 = (3.5 − 0.5)/3.5 = 85.71 %, −3.0 %p;
    단위원가 감소율 = (5 000 − 4 000)/5 000 = 20 %; 리드타임 단축률 = 12/48 = 25 %;
    납기준수율 향상률 = 5/90 = 5.56 %, +5 %p; sales: no data (no sales module)."""
    before = pqcd.PqcdData("before", 1000, 10, 1000, 35, 5_000_000, [48.0], 20, 18)
    after = pqcd.PqcdData("after", 1500, 10, 1000, 5, 6_000_000, [30.0, 42.0], 20, 19)
    r = {i.key: i for i in pqcd.compare(before, after)}
    assert r["uph"].improvement_pct == pytest.approx(50) and r["uph"].improved
    assert r["defect_rate"].improvement_pct == pytest.approx(85.714, abs=1e-3)
    assert r["defect_rate"].change_pp == pytest.approx(-3.0) and r["defect_rate"].improved
    assert r["defect_ppm"].after == pytest.approx(5000)
    assert r["unit_cost"].improvement_pct == pytest.approx(20)
    assert r["lead_time"].improvement_pct == pytest.approx(25)
    assert r["on_time_delivery"].change_pp == pytest.approx(5) and r["on_time_delivery"].improvement_pct == (
        pytest.approx(5 / 90 * 100)
    )
    assert r["sales"].status == "no data" and r["sales"].improvement_pct is None
    assert pqcd.improvement_rate(0, 5, True) is None
