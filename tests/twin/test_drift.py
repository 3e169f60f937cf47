"""The drift check: a machine whose MTBF halves halfway through six weeks is flagged, near the moment
it changed; the same plant without a change is not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tests.twin.whatif_truth import cnc_cell

from jejo.core.errors import ValidationError
from jejo.sim.config import Dist, SimConfig
from jejo.twin.calibrate import MachineHistory, history_from_samples, simulated_samples
from jejo.twin.drift import check_drift, holm

HOURS = 24 * 42


def cell(seed: int) -> SimConfig:
    """The two CNC machines alone, breaking down more often than in the what-if plant."""
    return SimConfig(
        seed=seed,
        start=datetime(2026, 9, 7, tzinfo=UTC),
        parts_cell=cnc_cell(mc01_scale_h=10, mc02_scale_h=16),
    )


def halve_mtbf_of_mc01(plant: Any, hours: float) -> float | None:
    if hours == 0:
        return HOURS / 2
    failures = plant.machines["MC-01"].cfg.failures
    failures.weibull_scale_h /= 2  # from now on MC-01 breaks down twice as often
    return None


def history(seed: int, change: Any = None) -> dict[str, MachineHistory]:
    samples, tags, start_s, end_s = simulated_samples(cell(seed), HOURS, change=change)
    return history_from_samples(samples, tags, start_s, end_s)


@pytest.mark.parametrize("seed", [21, 22])
def test_mtbf_halving_is_flagged_and_located(seed: int) -> None:
    hs = history(seed, halve_mtbf_of_mc01)
    report = check_drift(hs)
    assert [(t.equipment, t.parameter) for t in report.flagged] == [("MC-01", "mtbf_h")]
    t = report.flagged[0]
    assert t.after < 0.7 * t.before and t.p_adjusted < 0.01
    start = hs["MC-01"].start_s
    # where it changed is estimated coarsely (a few dozen breakdowns on each side): in the right half of
    # the history around the middle
    assert t.changed_at_s is not None and abs((t.changed_at_s - start) / 3600 - HOURS / 2) < HOURS / 4
    # the other tests ran too, and found nothing
    assert {(x.equipment, x.parameter) for x in report.tests} >= {
        (c, p)
        for c in ("MC-01", "MC-02")
        for p in ("mtbf_h", "mttr_min", "cycle_s", "setup_min", "scrap_rate")
    }


@pytest.mark.parametrize("seed", [21, 22])
def test_an_unchanged_plant_is_not_flagged(seed: int) -> None:
    report = check_drift(history(seed))
    assert report.flagged == [], [x.as_dict() for x in report.flagged]
    assert len(report.tests) == 10


def test_a_change_of_scrap_rate_and_cycle_time_is_flagged() -> None:
    def worse(plant: Any, hours: float) -> float | None:
        if hours == 0:
            return HOURS / 4
        m = plant.machines["MC-02"].cfg
        m.scrap_p, m.cycle_s = 0.03, Dist(mean=75, sd=4)
        return None

    samples, tags, start_s, _ = simulated_samples(cell(5), HOURS / 2, change=worse)
    hs = history_from_samples(samples, tags, start_s, start_s + HOURS / 2 * 3600)
    flagged = {
        (t.equipment, t.parameter) for t in check_drift(hs, split_s=start_s + HOURS / 4 * 3600).flagged
    }
    assert flagged == {("MC-02", "scrap_rate"), ("MC-02", "cycle_s")}


def test_holm_and_bad_input() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    with pytest.raises(ValidationError) as e:
        check_drift({"X": MachineHistory("X", 0, 10)}, split_s=20)
    assert e.value.problems[0].field == "split"
    assert check_drift({}).tests == []
