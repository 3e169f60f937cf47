"""The closed loop end to end: the demo factory's machining centre MC-01 runs in the simulator (the
demo's own configuration, accelerated, one sample a minute) and its telemetry goes through ingest into
the store; a machine-health model is trained on the first day, promoted, and the scheduled scorer runs
every hour. The bearing's drift is found hours before the simulated failure and the playbook opens a
maintenance order — before the failure time, once, with the finding that caused it recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import Tenant, build_plant

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai.scorer import score_due, train_machine_model
from jejo.core.runtime import Runtime
from jejo.demo.factory import CONFIG
from jejo.maintenance.tables import MaintenanceOrder
from jejo.playbooks import service as pbs
from jejo.sim.config import SimConfig, load_sim_config
from jejo.sim.plant import Plant
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Sample, Tag

MACHINE = "MC-01"
SIGNALS = ("vibration", "temperature")


def mc01_config(seed: int, start: datetime) -> SimConfig:
    cfg = load_sim_config(CONFIG)
    assert cfg.parts_cell is not None
    cell = cfg.parts_cell.model_copy(
        update={"machines": [m for m in cfg.parts_cell.machines if m.code == MACHINE]}
    )
    return cfg.model_copy(
        update={"seed": seed, "start": start, "sample_s": 60.0, "parts_cell": cell, "furniture_line": None}
    )


def first_bearing_failure_s(seed: int) -> float:
    """Simulated seconds from the start to the first bearing failure (depends on the seed only)."""
    plant = Plant(mc01_config(seed, datetime(2026, 1, 1, tzinfo=UTC)))
    out: list[float] = []
    plant.listeners.append(
        lambda u: out.append(plant.env.now) if u[1] == "alarm" and u[3] == "BEARING" else None
    )
    step = 3600.0
    while not out and plant.env.now < 10 * 86400:
        plant.run_until(plant.env.now + step)
    assert out, "the bearing never failed within 10 simulated days"
    return out[0]


@dataclass
class Loop:
    found_at: datetime | None
    failure_at: datetime
    drift_onset: datetime
    last_run: datetime
    actions: list[Any]


def run_closed_loop(runtime: Runtime, t: Tenant) -> Loop:
    """Simulate MC-01 up to two hours before its bearing fails, training on day one and scoring hourly."""
    build_plant(t)
    t.ok(
        t.post(
            "/masterdata/equipment", {"code": MACHINE, "name": "머시닝센터 1호기", "work_center": "WC-SAW"}
        ),
        201,
    )
    seed = 1
    fail_s = first_bearing_failure_s(seed)
    # place the history so that "now" is two simulated hours before the bearing fails
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(seconds=fail_s - 2 * 3600)
    failure_at = start + timedelta(seconds=fail_s)
    drift_onset = failure_at - timedelta(hours=8)  # the demo's MC-01 bearing drifts for 8 h

    plant = Plant(mc01_config(seed, start))
    tags = {
        f"{MACHINE}.{s}": Tag(tag=f"{MACHINE}.{s}", source="sim", address=s, equipment=MACHINE)
        for s in SIGNALS
    }
    worker = IngestWorker(runtime, tags, machine_events=False, rollup_every_s=-1)
    pending: list[Sample] = []
    plant.listeners.append(
        lambda u: pending.append(Sample(f"{u[0]}.{u[1]}", u[2], float(u[3]))) if u[1] in SIGNALS else None
    )
    company = t.code
    folder = runtime.settings.ensure_data_dir()

    def advance(to: datetime) -> None:
        plant.run_until((to - start).total_seconds())
        if pending:
            worker.write(Batch(company, list(pending)))
            pending.clear()

    # a day of normal operation, then train and promote
    advance(start + timedelta(hours=24))
    with runtime.transaction() as s:
        row = train_machine_model(
            s,
            t.company_id,
            folder,
            equipment=MACHINE,
            start=start,
            end=start + timedelta(hours=24),
            actor="정보전",
        )
        assert row.status == "candidate" and row.metrics["holdout_false_findings"] == 0
        registry.promote(s, t.company_id, row.name, row.version, "박공장장")
        pbs.save_playbook(
            s,
            t.company_id,
            pbs.parse_playbook(
                {
                    "code": "PB-SPINDLE-VIB",
                    "name": "주축 진동 이상 → 보전 작업지시",
                    "trigger": {
                        "kind": "anomaly",
                        "equipment": "MC-*",
                        "signal": "vibration",
                        "min_score": 1.0,
                    },
                    "action": "maintenance_order",
                    "params": {
                        "description": "베어링 점검",
                        "checklist": ["주축 베어링 진동 측정", "윤활 상태 확인"],
                    },
                }
            ),
            "admin",
        )

    # the scheduled scorer: every simulated hour until now
    found_at: datetime | None = None
    actions: list[Any] = []
    at = start + timedelta(hours=25)
    while at <= now:
        advance(at)
        with runtime.transaction() as s:
            run = score_due(s, t.company_id, folder, at)
            assert not run.errors
            if run.new_findings and found_at is None:
                found_at = at
            actions += [(a.status, a.target) for a in run.actions]
        last_run = at
        at += timedelta(hours=1)
    return Loop(found_at, failure_at, drift_onset, last_run, actions)


def test_bearing_drift_opens_a_maintenance_order_before_the_failure(tenant: Tenant, runtime: Runtime) -> None:
    t = tenant
    loop = run_closed_loop(runtime, t)
    found_at, failure_at, drift_onset, actions, last_run = (
        loop.found_at,
        loop.failure_at,
        loop.drift_onset,
        loop.actions,
        loop.last_run,
    )
    folder = runtime.settings.ensure_data_dir()
    assert found_at is not None, "the drifting bearing was not found"
    assert drift_onset < found_at < failure_at
    lead_h = (failure_at - found_at).total_seconds() / 3600
    assert lead_h >= 3.0, f"found only {lead_h:.1f} h before the failure"

    with runtime.transaction() as s:
        found = fd.list_findings(s, t.company_id, equipment=MACHINE)
        assert len(found) == 1, [f.summary for f in found]  # one episode, deduplicated across hourly runs
        f = found[0]
        assert f.kind == "anomaly" and f.score > 1.0 and f.occurrences >= 2
        assert f.window_start >= drift_onset
        assert f.explanation and "vibration" in f.explanation[0]["feature"]
        assert "진동" in f.summary
        orders = list(
            s.scalars(
                select(MaintenanceOrder).where(
                    MaintenanceOrder.company_id == t.company_id, MaintenanceOrder.status == "open"
                )
            )
        )
        assert len(orders) == 1
        order = orders[0]
        assert order.equipment.code == MACHINE and order.opened_at < failure_at
        assert "베어링 점검" in order.description and len(order.checklist) == 2
        recorded = pbs.list_actions(s, t.company_id, playbook="PB-SPINDLE-VIB")
        assert [(a.status, a.target, a.finding_id) for a in recorded] == [("done", order.code, f.id)]
    assert actions == [("done", order.code)]

    # the finding's chart data and detail through the API
    series = t.ok(t.get(f"/ai/findings/{f.code}/series"))
    assert len(series["times"]) == len(series["score"]) > 30 and max(series["score"]) > 1.0
    assert set(series["signals"]) == {
        "vibration_mean",
        "vibration_max",
        "temperature_mean",
        "temperature_max",
    }
    detail = t.ok(t.get(f"/ai/findings/{f.code}"))
    assert [a["target"] for a in detail["actions"]] == [order.code]

    # confirmed by maintenance: a retraining over the whole history leaves the finding's windows out
    t.ok(t.post(f"/ai/findings/{f.code}/acknowledge", {"note": "베어링 소음 확인"}))
    body = {
        "equipment": MACHINE,
        "start": (last_run - timedelta(hours=48)).isoformat(),
        "end": last_run.isoformat(),
    }
    retrained = t.ok(t.post("/ai/models/train", body), 201)
    span_windows = (f.window_end - f.window_start).total_seconds() / 600
    assert span_windows <= retrained["metrics"]["excluded_windows"] <= span_windows + 1

    # running the scorer again over the same time does nothing new (cursor + idempotent playbook)
    with runtime.transaction() as s:
        again = score_due(s, t.company_id, folder, last_run)
        assert again.windows == 0 and not again.new_findings and not again.actions


def test_the_demo_schedule_trains_a_first_model_and_scores(tenant: Tenant, runtime: Runtime) -> None:
    from jejo.ai import schedule
    from jejo.demo.seed_ai import seed_ai

    t = tenant
    build_plant(t)
    with runtime.transaction() as s:
        seed_ai(s, t.company_id)
        assert [p.code for p in pbs.list_playbooks(s, t.company_id)] == [
            "PB-DEFECT-HOLD",
            "PB-RUL-LOW",
            "PB-SPC-NOTIFY",
            "PB-SPINDLE-VIB",
        ]
    # like the demo: history written at one sample a minute (30 h), then the live machine every 5 s
    # (26 h); seed 1's bearing fails after three days, so all of this is normal operation
    start = datetime(2026, 2, 2, tzinfo=UTC)
    live_from = start + timedelta(hours=30)
    samples: list[Sample] = []

    def keep(u: Any) -> None:
        if u[1] in SIGNALS:
            samples.append(Sample(f"{u[0]}.{u[1]}", u[2], float(u[3])))

    history = Plant(mc01_config(1, start))
    history.listeners.append(keep)
    history.run_until(30 * 3600)
    live = Plant(mc01_config(1, live_from).model_copy(update={"sample_s": 5.0}))
    live.listeners.append(keep)
    worker = IngestWorker(runtime, {}, machine_events=False, rollup_every_s=-1)
    folder = runtime.settings.ensure_data_dir()

    def live_until(hours: float) -> None:
        live.run_until(hours * 3600)
        for i in range(0, len(samples), 20_000):
            worker.write(Batch(t.code, samples[i : i + 20_000]))
        samples.clear()

    live_until(20)  # less than a day sampled like now: no first model yet
    with runtime.transaction() as s:
        assert schedule.tick(s, t.company_id, folder).models == 0  # no model, nothing to score
        assert schedule.tick(s, t.company_id, folder, bootstrap=("MC-01",)).models == 0
        assert registry.list_models(s, t.company_id) == []
    live_until(26)
    with runtime.transaction() as s:
        run = schedule.tick(s, t.company_id, folder, bootstrap=("MC-01", "EB-01"))
        assert run.models == 1 and run.windows == 36 and not run.new_findings
        row = registry.get_model(s, t.company_id, "health-MC-01")
        assert (row.status, row.approved_by) == ("active", "demo")
        assert row.data_end is not None and row.data_start is not None
        assert row.data_end - row.data_start == timedelta(hours=24)  # the newest day,
        assert row.data_start >= live_from  # sampled like the live data
        assert schedule.tick(s, t.company_id, folder, bootstrap=("MC-01",)).windows == 0
        assert len(registry.list_models(s, t.company_id)) == 1
    # a retrained candidate through the API, on the live day
    body = {
        "equipment": "MC-01",
        "start": (live_from + timedelta(hours=1)).isoformat(),
        "end": (live_from + timedelta(hours=25)).isoformat(),
    }
    cand = t.ok(t.post("/ai/models/train", body), 201)
    assert (cand["name"], cand["version"], cand["status"]) == ("health-MC-01", 2, "candidate")
    assert cand["metrics"]["holdout_windows"] == 36 and len(cand["sha256"]) == 64
    assert cand["features"] == ["vibration_mean", "vibration_max", "temperature_mean", "temperature_max"]

    # the same through `jejo ai score` (one run): the active model, nothing new to score
    from typer.testing import CliRunner

    from jejo.ai.cli import app

    url = runtime.settings.database_url
    if url.startswith("sqlite"):
        env = {"JEJO_DATABASE_URL": url, "JEJO_DATA_DIR": str(folder)}
        res = CliRunner().invoke(app, ["score", "--company", t.code, "--json"], env=env)
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert (out["models"], out["windows"], out["new_findings"], out["errors"]) == (1, 0, 0, [])
        res = CliRunner().invoke(app, ["score", "--company", "NO-SUCH-CO", "--json"], env=env)
        assert res.exit_code != 0 and "NO-SUCH-CO" in res.output


def _bench() -> Any:
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "closed_loop.py"
    spec = importlib.util.spec_from_file_location("closed_loop_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_with_and_without_ai_on_the_same_seeds(runtime: Runtime) -> None:
    """bench/closed_loop.py on two seeds, four simulated days: without AI the bearing fails; with AI every
    drift is found hours ahead, the maintenance stop is planned and done, and the bearing never fails."""
    from tests.conftest import unique

    loop = _bench()
    for seed in (2, 6):
        drift = loop.draw_drift(seed)
        base = loop.run_without_ai(seed, drift, 4)
        ai = loop.run_with_ai(runtime, seed, drift, 4, company=unique("LP"))
        assert base.bearing_failures >= 1 and base.bearing_down_h > 1.0
        assert ai.bearing_failures == 0 and ai.bearing_down_h == 0.0 and ai.missed == 0
        assert ai.lead_h and all(1.0 <= x <= drift.hours for x in ai.lead_h), ai.lead_h
        assert ai.false_alarms == 0 and ai.planned_h > 0
        stops = ai.maintenance
        assert stops and all(m["started_h"] is not None and m["started_h"] >= m["due_h"] for m in stops)
        assert base.availability is not None and ai.availability is not None and base.oee is not None
