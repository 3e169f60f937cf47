"""Calibration against a truth the fit never sees: two weeks of history recorded from a plant whose
numbers only the test knows, fitted from the recorded states, counts and cycle times alone."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from tests.conftest import Tenant, build_plant
from tests.twin.whatif_truth import START, structure, true_scrap, truth

from jejo.core.runtime import Runtime
from jejo.sim.config import Dist, Machine, PartsCell, SimConfig
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.tables import Downtime
from jejo.twin.calibrate import (
    Calibration,
    MachineHistory,
    calibrate,
    calibrated_config,
    history_from_samples,
    load_history,
    simulated_samples,
    weibull_mean,
)
from jejo.twin.whatif import predict

HOURS = 24 * 14
LEVEL = 0.99


def rounded(x: MachineHistory) -> list[tuple[float, float, str]]:
    return [(round(a, 3), round(b, 3), st) for a, b, st in x.intervals()]


@pytest.fixture(scope="module")
def fitted() -> Calibration:
    samples, tags, start_s, end_s = simulated_samples(truth(seed=11), HOURS)
    return calibrate(history_from_samples(samples, tags, start_s, end_s), level=LEVEL)


def test_fitted_numbers_hold_the_true_ones(fitted: Calibration) -> None:
    checked = 0
    for m in truth().machines():
        fit = fitted.machines[m.code]
        assert fit.cycle_s is not None and fit.cycle_s.contains(m.cycle_s.mean), (m.code, fit.cycle_s)
        assert fit.cycle_s.high - fit.cycle_s.low < 0.03 * m.cycle_s.mean  # not a trivially wide interval
        assert abs(fit.cycle_sd_s - m.cycle_s.sd) < 0.1 * m.cycle_s.sd
        assert fit.scrap is not None and fit.scrap.contains(true_scrap(m)), (m.code, fit.scrap)
        checked += 2
        if m.kind in ("cnc", "saw"):  # the machines that set up (on a product change)
            assert fit.setup_min is not None and fit.setup_min.contains(m.setup_min.mean), (
                m.code,
                fit.setup_min,
            )
            assert fit.setup_min.n >= 50
            checked += 1
        else:
            assert fit.setup_min is None
        if m.failures is None:
            assert fit.failures is None and fit.repairs is None
            continue
        mtbf = weibull_mean(m.failures.weibull_shape, m.failures.weibull_scale_h)
        assert fit.failures is not None and fit.repairs is not None
        assert fit.failures.mtbf_h.contains(mtbf), (m.code, mtbf, fit.failures.mtbf_h)
        assert fit.failures.shape.contains(m.failures.weibull_shape), (m.code, fit.failures.shape)
        assert fit.repairs.median_min.contains(m.failures.repair_median_min), (m.code, fit.repairs.median_min)
        assert fit.repairs.sigma.contains(m.failures.repair_sigma), (m.code, fit.repairs.sigma)
        mttr = m.failures.repair_median_min * math.exp(m.failures.repair_sigma**2 / 2)
        assert fit.repairs.mttr_min.contains(mttr), (m.code, mttr, fit.repairs.mttr_min)
        assert fit.failures.failures >= 4
        checked += 5
    assert checked >= 40


@pytest.mark.slow
def test_the_twin_predicts_a_new_week_per_line(fitted: Calibration) -> None:
    twin, kept = calibrated_config(structure(), fitted)
    assert kept == []
    forecast = predict(twin, hours=168, replications=3, seed=700)
    actual = predict(truth(), hours=168, replications=3, seed=9100)  # other weeks of the real plant
    uncalibrated = predict(structure(), hours=168, replications=2, seed=700)
    for line in ("cell", "line"):
        f, a, u = (x[line]["throughput"] for x in (forecast, actual, uncalibrated))
        assert f is not None and a is not None and u is not None
        assert abs(f.mean / a.mean - 1) < 0.05, (line, f, a)
        assert abs(u.mean / a.mean - 1) > 0.05, (line, u, a)  # what the twin knew before calibration
        assert f.low <= f.mean <= f.high


def test_history_read_back_from_jejo_matches_what_the_machines_sent(runtime: Runtime, tenant: Tenant) -> None:
    """The same history through jejo's telemetry path (ingest → samples, machine-state events and
    downtime records) and read back by the twin: the same stretches, cycles and counts."""
    build_plant(tenant)
    cfg = SimConfig(
        seed=4,
        start=datetime(2026, 11, 2, tzinfo=UTC),
        parts_cell=PartsCell(
            products=["A", "B"],
            batch=Dist(mean=30, sd=5),
            machines=[
                Machine(code="PC-SAW-01", protocol="opcua", cycle_s=Dist(mean=90, sd=6), quality=None),
                Machine(
                    code="EB-01", protocol="opcua", cycle_s=Dist(mean=70, sd=5), quality=None, scrap_p=0.05
                ),
            ],
        ),
    )
    from jejo.sim.config import Failures

    for m in cfg.machines():
        m.failures = Failures(weibull_scale_h=4, repair_median_min=15)
    samples, tags, start_s, end_s = simulated_samples(cfg, 24)
    worker = IngestWorker(runtime, tags, rollup_every_s=-1)
    samples.sort(key=lambda s: s.ts_ms)
    for i in range(0, len(samples), 4000):
        worker.write(Batch(tenant.code, samples[i : i + 4000]))
    assert worker.stats.state_events > 50 and worker.stats.rejected_events == 0

    sent = history_from_samples(samples, tags, start_s, end_s)
    with runtime.transaction() as s:
        stored = load_history(
            s, tenant.company_id, datetime.fromtimestamp(start_s, UTC), datetime.fromtimestamp(end_s, UTC)
        )
        downs = s.query(Downtime).filter_by(company_id=tenant.company_id, state="down").count()
    assert set(stored) == {"PC-SAW-01", "EB-01"}
    for code, h in sent.items():
        got = stored[code]

        assert rounded(got) == rounded(h) and len(rounded(h)) > 50
        assert [c for _, c in got.cycles] == pytest.approx([c for _, c in h.cycles])
        assert sum(g for _, g, _ in got.counts) == sum(g for _, g, _ in h.counts) > 500
        assert sum(x for _, _, x in got.counts) == sum(x for _, _, x in h.counts)
    # a period that starts in the middle: each machine starts in the state it was in at that moment
    mid = start_s + 6.5 * 3600
    with runtime.transaction() as s:
        later = load_history(
            s, tenant.company_id, datetime.fromtimestamp(mid, UTC), datetime.fromtimestamp(end_s, UTC)
        )
    for code, h in sent.items():
        assert rounded(later[code]) == rounded(h.window(mid, end_s))
        assert rounded(later[code])[0][0] == round(mid, 3)
    a, b = calibrate(sent), calibrate(stored)
    for code in sent:
        fa, fb = a.machines[code], b.machines[code]
        assert fa.cycle_s == fb.cycle_s and fa.scrap == fb.scrap and fa.repairs == fb.repairs
        assert fa.failures is not None and fb.failures is not None
        assert math.isclose(fa.failures.mtbf_h.value, fb.failures.mtbf_h.value, rel_tol=1e-6)
    assert downs == sum(len([1 for *_, st in h.intervals() if st == "down"]) for h in sent.values())


def test_a_machine_without_history_keeps_the_model_numbers(fitted: Calibration) -> None:
    cfg = structure()
    cfg.furniture_line.stations[0].code = "SAW-NEW"  # type: ignore[union-attr]
    twin, kept = calibrated_config(cfg, fitted)
    assert kept == ["SAW-NEW"]
    saw = next(m for m in twin.machines() if m.code == "SAW-NEW")
    assert saw.cycle_s.mean == pytest.approx(50.0)
    eb = next(m for m in twin.machines() if m.code == "EB")
    assert eb.cycle_s.mean == pytest.approx(43, rel=0.01) and eb.scrap_p == pytest.approx(0.01, abs=0.003)
    assert twin.start == START


def test_history_from_mes_events_keeps_same_instant_order_and_finds_the_machine(
    runtime: Runtime, tenant: Tenant
) -> None:
    """Events posted by people and the MES: a setup and the start of running at the same instant (the
    later one holds), and counts reported on a work-order operation that was started on the machine."""
    from jejo.execution import service as ex

    build_plant(tenant)
    t0 = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)

    def at(minutes: float) -> str:
        return (t0 + timedelta(minutes=minutes)).isoformat()

    with runtime.transaction() as s:
        cid = tenant.company_id
        ex.create_work_order(
            s, cid, ex.WorkOrderIn(code="WO-T1", item="CAB-600", quantity=50, due_date=t0.date()), "t"
        )
        ex.command_work_order(s, cid, "WO-T1", "release", "t")
        state = "machine.state_changed"
        ex.post_events(
            s,
            cid,
            [
                {"type": state, "occurred_at": at(0), "payload": {"equipment": "EB-01", "state": "idle"}},
                {"type": state, "occurred_at": at(10), "payload": {"equipment": "EB-01", "state": "setup"}},
                {"type": state, "occurred_at": at(10), "payload": {"equipment": "EB-01", "state": "running"}},
                {
                    "type": "operation.started",
                    "occurred_at": at(10),
                    "work_order": "WO-T1",
                    "payload": {"seq": 20, "equipment": "EB-01"},
                },
                {
                    "type": "quantity.reported",
                    "occurred_at": at(60),
                    "work_order": "WO-T1",
                    "payload": {"seq": 20, "good": 45, "scrap": 5, "reason_code": "SCR-CHIP"},
                },
                {"type": state, "occurred_at": at(60), "payload": {"equipment": "EB-01", "state": "idle"}},
            ],
            actor="t",
            source="test",
        )
        h = load_history(s, cid, t0, t0 + timedelta(hours=2))["EB-01"]
    assert [(round((b - a) / 60), st) for a, b, st in h.intervals()] == [
        (10, "idle"),
        (50, "running"),
        (60, "idle"),
    ]
    assert [(g, x) for _, g, x in h.counts] == [(45.0, 5.0)]
    fit = calibrate({"EB-01": h}).machines["EB-01"]
    assert fit.scrap is not None and fit.scrap.value == pytest.approx(0.1) and fit.setup_min is None
