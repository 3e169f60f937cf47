"""The closed loop, measured: the demo factory's MC-01 with and without jejo's AI, seed by seed.

    uv run python bench/closed_loop.py [--seeds 12] [--days 7] [--out FILE.json]

Every seed draws its bearing drift at random — how long before the failure it begins (4-12 h), how
steep it is (severity 0.5-1.5 × the demo's) and how noisy the signals are (0.7-1.6 × the demo's) — and
runs the same simulated machine twice for ``--days`` days (one sample a minute):

* **without AI**: every bearing runs to its failure (a breakdown of about two hours);
* **with AI**: the telemetry goes through ingest into the store, a machine-health model is trained on the
  first day and promoted, the scheduled scorer runs every simulated hour, and the playbook opens a
  maintenance order planned into the machine's next gap; the simulated crew stops the machine for it at
  the first new work after the planned start (a planned stop of 45 minutes) and fits a new bearing.

Printed per seed and in total: bearing failures, unplanned and planned stop hours, good parts,
availability and OEE (ISO 22400, through ``jejo.kpi``), the detection lead time of each drift (the time
the bearing would have failed minus the scorer run that found it), drifts missed, and the findings that
were not a drift (false alarms per machine-week, over the days after training). Nothing here is timed.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from jejo.ai import registry
from jejo.ai.scorer import score_due, train_machine_model
from jejo.core.runtime import Runtime
from jejo.core.settings import Settings
from jejo.demo.factory import CONFIG
from jejo.kpi.iso22400 import ProductionCounts, availability, oee
from jejo.kpi.timeelements import Period, PlannedWindow, intervals_from_changes, time_elements
from jejo.maintenance import service as ms
from jejo.maintenance.schemas import CompleteIn
from jejo.masterdata import service as md
from jejo.masterdata import users
from jejo.playbooks import service as pbs
from jejo.sim.config import SimConfig, load_sim_config
from jejo.sim.plant import MaintenanceStop, Plant, SimMachine
from jejo.telemetry.bus import Batch
from jejo.telemetry.ingest import IngestWorker
from jejo.telemetry.model import Sample, Tag

MACHINE = "MC-01"
SIGNALS = ("vibration", "temperature")
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; the demo runs around the clock
PM_MINUTES = 45
PLAYBOOK = {
    "code": "PB-SPINDLE-VIB",
    "name": "주축 진동 이상 → 보전 작업지시",
    "trigger": {"kind": "anomaly", "equipment": "MC-*", "signal": "vibration", "min_score": 1.0},
    "action": "maintenance_order",
    "params": {
        "kind": "request",
        "description": "주축 베어링 점검·교체",
        "checklist": ["베어링 진동·온도 측정", "베어링 교체"],
        "plan_within_hours": 4,
        "duration_minutes": PM_MINUTES,
    },
    "cooldown_minutes": 0,  # one finding per episode already; the simulated clock outruns a real cooldown
}


@dataclass(frozen=True)
class Drift:
    hours: float  # drift before the failure (its onset)
    severity: float  # slope: how far vibration and temperature climb
    noise: float  # spread of both signals


def draw_drift(seed: int) -> Drift:
    r = random.Random(f"closed-loop:{seed}")
    return Drift(round(r.uniform(4, 12), 2), round(r.uniform(0.5, 1.5), 2), round(r.uniform(0.7, 1.6), 2))


def sim_config(seed: int, drift: Drift) -> SimConfig:
    cfg = load_sim_config(CONFIG)
    assert cfg.parts_cell is not None
    mc = next(m for m in cfg.parts_cell.machines if m.code == MACHINE)
    assert mc.bearing is not None
    bearing = mc.bearing.model_copy(
        update={"drift_h": drift.hours, "severity": drift.severity, "noise": drift.noise}
    )
    cell = cfg.parts_cell.model_copy(update={"machines": [mc.model_copy(update={"bearing": bearing})]})
    return cfg.model_copy(
        update={"seed": seed, "start": START, "sample_s": 60.0, "parts_cell": cell, "furniture_line": None}
    )


class Recorder:
    """The machine's state changes (with the alarm as the reason of a stop), counts and signal samples."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        self.changes: list[tuple[datetime, str, str | None]] = []
        self.good = self.scrap = 0
        self.samples: list[Sample] = []
        plant.listeners.append(self.on_update)

    def on_update(self, u: tuple[str, str, int, Any]) -> None:
        code, fld, ts, value = u
        if code != MACHINE:
            return
        at = datetime.fromtimestamp(ts / 1000, UTC)
        if fld == "state":
            self.changes.append((at, str(value), None))
        elif fld == "alarm" and value and self.changes and self.changes[-1][0] == at:
            when, state, _ = self.changes[-1]
            self.changes[-1] = (when, state, str(value))  # the cause set with the stop
        elif fld == "good":
            self.good = int(value)
        elif fld == "scrap":
            self.scrap = int(value)
        elif fld in SIGNALS:
            self.samples.append(Sample(f"{MACHINE}.{fld}", ts, float(value)))


@dataclass
class Arm:
    bearing_failures: int = 0
    unplanned_h: float = 0.0  # every stop for a failure (bearing and other breakdowns)
    bearing_down_h: float = 0.0
    planned_h: float = 0.0
    good: int = 0
    availability: float | None = None
    oee: float | None = None
    lead_h: list[float] = field(default_factory=list)
    missed: int = 0  # drifts (after training) that ran to the failure unfound
    in_training: int = 0  # drifts that began before the model existed
    false_alarms: int = 0
    maintenance: list[dict[str, Any]] = field(default_factory=list)


def measure(rec: Recorder, mc: SimMachine, end: datetime, arm: Arm) -> Arm:
    period = Period(START, end)
    te = time_elements(intervals_from_changes(rec.changes, end), [PlannedWindow(START, end)], period)
    cycle = mc.cfg.cycle_s.mean
    counts = ProductionCounts(good=rec.good, scrap=rec.scrap, planned_run_s=cycle * (rec.good + rec.scrap))
    arm.bearing_failures = sum(1 for b in mc.bearings if b.ended_by == "failure")
    arm.unplanned_h = te.adot / 3600
    arm.bearing_down_h = te.by_reason.get("BEARING", 0.0) / 3600
    arm.planned_h = te.pdot / 3600
    arm.good = rec.good
    arm.availability, arm.oee = availability(te), oee(te, counts)
    return arm


def run_without_ai(seed: int, drift: Drift, days: float) -> Arm:
    plant = Plant(sim_config(seed, drift))
    rec = Recorder(plant)
    plant.run_until(days * 86400)
    return measure(rec, plant.machines[MACHINE], START + timedelta(days=days), Arm())


def _company(rt: Runtime, code: str) -> int:
    with rt.transaction() as s:
        company = users.create_company(s, code, f"폐루프 {code}")
        cid = company.id
        for kind, body in (
            ("sites", {"code": "POCHEON", "name": "포천 공장"}),
            ("areas", {"code": "A1", "name": "가공동", "site": "POCHEON"}),
            ("lines", {"code": "CELL", "name": "가공 셀", "area": "A1"}),
            ("work_centers", {"code": "WC-CNC", "name": "CNC 가공", "line": "CELL"}),
            ("equipment", {"code": MACHINE, "name": "머시닝센터 1호기", "work_center": "WC-CNC"}),
        ):
            md.create(s, cid, kind, body)
        pbs.save_playbook(s, cid, pbs.parse_playbook(PLAYBOOK), "bench")
    return cid


def run_with_ai(rt: Runtime, seed: int, drift: Drift, days: float, company: str | None = None) -> Arm:
    code = company or f"LOOP{seed:03d}"
    cid = _company(rt, code)
    folder = rt.settings.ensure_data_dir()
    plant = Plant(sim_config(seed, drift))
    mc = plant.machines[MACHINE]
    rec = Recorder(plant)
    tags = {
        f"{MACHINE}.{s}": Tag(tag=f"{MACHINE}.{s}", source="sim", address=s, equipment=MACHINE)
        for s in SIGNALS
    }
    worker = IngestWorker(rt, tags, machine_events=False, rollup_every_s=-1)

    def advance(to: datetime) -> None:
        plant.run_until((to - START).total_seconds())
        if rec.samples:
            worker.write(Batch(code, list(rec.samples)))
            rec.samples.clear()

    trained = START + timedelta(days=1)
    advance(trained)
    with rt.transaction() as s:
        row = train_machine_model(s, cid, folder, equipment=MACHINE, start=START, end=trained, actor="bench")
        registry.promote(s, cid, row.name, row.version, "bench")

    found: list[float] = []  # simulated seconds of the scorer runs that raised a new finding
    findings: list[tuple[float, float]] = []  # their windows, simulated seconds
    stops: dict[str, MaintenanceStop] = {}
    end = START + timedelta(days=days)
    at = trained + timedelta(hours=1)
    while at <= end:
        advance(at)
        with rt.transaction() as s:
            run = score_due(s, cid, folder, at)
            if run.errors:
                raise RuntimeError(run.errors)
            for f in run.new_findings:
                found.append((at - START).total_seconds())
                findings.append(((f.window_start.replace(tzinfo=UTC) - START).total_seconds(), found[-1]))
            for a in run.actions:
                if a.status == "done" and a.target:
                    order = ms.get_order(s, cid, a.target)
                    assert order.planned_start is not None and order.planned_end is not None
                    due = (order.planned_start.replace(tzinfo=UTC) - START).total_seconds()
                    minutes = (order.planned_end - order.planned_start).total_seconds() / 60
                    stops[order.code] = mc.plan_maintenance(due, minutes)
            for order_code, stop in list(stops.items()):  # the crew reports the work done
                if stop.ended_s is not None or stop.skipped:
                    done_at = START + timedelta(seconds=stop.ended_s or (at - START).total_seconds())
                    ms.complete_order(
                        s,
                        cid,
                        order_code,
                        CompleteIn(labour_minutes=stop.minutes, checked=[0, 1], completed_at=done_at),
                        "bench",
                    )
                    del stops[order_code]
        at += timedelta(hours=1)

    arm = measure(rec, mc, end, Arm())
    t0 = (trained - START).total_seconds()
    drifts = []
    for b in mc.bearings:
        stop_s = b.ended_s if b.ended_s is not None else days * 86400
        if b.drift_s >= stop_s:
            continue  # replaced before it began to drift
        drifts.append((b.drift_s, stop_s))
        if b.drift_s < t0:
            arm.in_training += 1
            continue
        hit = [t for t in found if b.drift_s <= t <= stop_s]
        if hit:
            arm.lead_h.append((b.fail_s - hit[0]) / 3600)
        elif b.ended_by == "failure":
            arm.missed += 1
    arm.false_alarms = sum(1 for w0, w1 in findings if not any(d0 <= w1 and w0 <= d1 for d0, d1 in drifts))
    arm.maintenance = [
        {
            "due_h": round(st.due_s / 3600, 2),
            "started_h": None if st.started_s is None else round(st.started_s / 3600, 2),
            "skipped": st.skipped,
        }
        for st in mc.maintenance
    ]
    return arm


def _pct(v: float | None) -> str:
    return "  -  " if v is None else f"{100 * v:5.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=12, help="seeds 1..N (at least 10 for the figures)")
    ap.add_argument("--days", type=float, default=7.0, help="simulated days per seed (the first trains)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON")
    args = ap.parse_args()
    if args.seeds < 1 or args.days <= 2:
        ap.error("--seeds must be at least 1 and --days more than 2")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(
        f"closed loop on {MACHINE}: {args.seeds} seeds × {args.days:g} simulated days, trained on day 1, "
        "scored hourly; drift 4-12 h, severity 0.5-1.5, noise 0.7-1.6 (drawn per seed)"
    )
    head = (
        f"{'seed':>4} {'drift h':>7} {'sev':>4} {'noise':>5} | {'arm':<5} {'fail':>4} {'unpl h':>6} "
        f"{'bear h':>6} {'PM h':>5} {'good':>5} {'avail%':>6} {'OEE%':>5} | "
        "lead h (found → failure), missed, false"
    )
    print(head)
    rt = Runtime(Settings(data_dir=Path(tempfile.mkdtemp(prefix="jejo-loop-"))))
    rt.upgrade()
    rows: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    for seed in range(1, args.seeds + 1):
        drift = draw_drift(seed)
        base = run_without_ai(seed, drift, args.days)
        ai = run_with_ai(rt, seed, drift, args.days)
        rows.append({"seed": seed, "drift": asdict(drift), "without_ai": asdict(base), "with_ai": asdict(ai)})
        for name, arm in (("no AI", base), ("AI", ai)):
            extra = (
                f"{', '.join(f'{x:.1f}' for x in arm.lead_h) or '-'}; missed {arm.missed}; "
                f"false {arm.false_alarms}" + (f"; {arm.in_training} in training" if arm.in_training else "")
                if name == "AI"
                else ""
            )
            lead = (
                f"{seed:>4} {drift.hours:>7.2f} {drift.severity:>4.2f} {drift.noise:>5.2f}"
                if name == "no AI"
                else " " * 23
            )
            print(
                f"{lead} | {name:<5} {arm.bearing_failures:>4} {arm.unplanned_h:>6.1f} "
                f"{arm.bearing_down_h:>6.1f} {arm.planned_h:>5.1f} {arm.good:>5} "
                f"{_pct(arm.availability):>6} {_pct(arm.oee):>5} | {extra}"
            )

    def total(arm: str, key: str) -> float:
        return float(sum(r[arm][key] for r in rows))

    def mean(arm: str, key: str) -> float:
        vals = [r[arm][key] for r in rows if r[arm][key] is not None]
        return statistics.fmean(vals) if vals else float("nan")

    leads = [x for r in rows for x in r["with_ai"]["lead_h"]]
    weeks = args.seeds * (args.days - 1) / 7
    summary = {
        "seeds": args.seeds,
        "days": args.days,
        "bearing_failures": {
            "without_ai": total("without_ai", "bearing_failures"),
            "with_ai": total("with_ai", "bearing_failures"),
        },
        "unplanned_h": {
            "without_ai": total("without_ai", "unplanned_h"),
            "with_ai": total("with_ai", "unplanned_h"),
        },
        "bearing_down_h": {
            "without_ai": total("without_ai", "bearing_down_h"),
            "with_ai": total("with_ai", "bearing_down_h"),
        },
        "planned_h": {
            "without_ai": total("without_ai", "planned_h"),
            "with_ai": total("with_ai", "planned_h"),
        },
        "good": {"without_ai": total("without_ai", "good"), "with_ai": total("with_ai", "good")},
        "availability_mean": {
            "without_ai": mean("without_ai", "availability"),
            "with_ai": mean("with_ai", "availability"),
        },
        "oee_mean": {"without_ai": mean("without_ai", "oee"), "with_ai": mean("with_ai", "oee")},
        "drifts_found": len(leads),
        "drifts_missed": total("with_ai", "missed"),
        "drifts_in_training": total("with_ai", "in_training"),
        "lead_h": {
            "min": min(leads, default=float("nan")),
            "median": statistics.median(leads) if leads else float("nan"),
            "max": max(leads, default=float("nan")),
        },
        "false_alarms": total("with_ai", "false_alarms"),
        "machine_weeks_scored": weeks,
        "false_alarms_per_machine_week": total("with_ai", "false_alarms") / weeks,
        "wall_s": time.perf_counter() - t_start,
    }
    print("totals over all seeds (without AI → with AI):")
    for key, label in (
        ("bearing_failures", "bearing failures"),
        ("unplanned_h", "unplanned stop hours"),
        ("bearing_down_h", "  of which bearing failures"),
        ("planned_h", "planned maintenance hours"),
        ("good", "good parts"),
    ):
        a, b = summary[key]["without_ai"], summary[key]["with_ai"]
        print(f"  {label:<28} {a:>9.1f} → {b:>9.1f}  ({b - a:+.1f})")
    for key, label in (
        ("availability_mean", "availability, mean of seeds"),
        ("oee_mean", "OEE, mean of seeds"),
    ):
        a, b = summary[key]["without_ai"], summary[key]["with_ai"]
        print(f"  {label:<28} {100 * a:>8.1f}% → {100 * b:>8.1f}%  ({100 * (b - a):+.1f} points)")
    ld = summary["lead_h"]
    print(
        f"  drifts found {summary['drifts_found']}, missed {summary['drifts_missed']:.0f}, "
        f"begun during training {summary['drifts_in_training']:.0f}; lead time min / median / max "
        f"{ld['min']:.1f} / {ld['median']:.1f} / {ld['max']:.1f} h"
    )
    print(
        f"  false alarms {summary['false_alarms']:.0f} over {weeks:.1f} machine-weeks scored = "
        f"{summary['false_alarms_per_machine_week']:.2f} per machine-week"
    )
    print(f"  ({summary['wall_s']:.0f} s)")
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "seeds": rows}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
