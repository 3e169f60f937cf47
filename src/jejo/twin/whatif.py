"""What-if: run the calibrated plant model under scenarios and compare throughput, lead time and OEE.

Every scenario runs the same replications (the same seeds: common random numbers, so the differences
between scenarios come from the scenario, not from luck); a replication starts with an empty line and
runs ``hours`` of simulated time. Each figure is the mean over the replications with a t-interval, and
each difference to the baseline has a paired t-interval.

Per line:

* throughput: good units per week (the parts cell: good parts of all its machines; the furniture line:
  cabinets packed);
* lead time: hours from an order reaching the line to its cabinet being packed (furniture line), and
  the same for the rush orders alone;
* OEE: ideal cycle × good / planned time, averaged over the line's machines (planned time: the shift
  windows inside the run, or all of it around the clock).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from jejo.core.errors import Problem, ValidationError
from jejo.sim.config import Machine, RushOrder, ShiftWindow, SimConfig, side_by_side
from jejo.sim.plant import Plant

CELL, LINE = "cell", "line"
METRICS = ("throughput", "lead_time_h", "oee", "rush_lead_time_h")


class Scenario(BaseModel):
    """A change to the plant: machines added beside existing ones, another shift pattern, rush orders,
    faster or slower machines."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    add_machines: dict[str, int] = Field(default_factory=dict)  # machine code → how many more
    shifts: list[ShiftWindow] | None = None  # None: as the plant works now
    rush_orders: list[RushOrder] = Field(default_factory=list)
    cycle_factor: dict[str, float] = Field(default_factory=dict)  # machine code → cycle time × factor


def apply(cfg: SimConfig, sc: Scenario) -> SimConfig:
    """The plant model changed as the scenario says (bad machine codes are named)."""
    out = cfg.model_copy(deep=True)
    machines = {m.code: m for m in out.machines()}
    problems = [
        Problem(reason=f"machine {code!r} is not in the model", field=f"{key}.{code}")
        for key, d in (("add_machines", sc.add_machines), ("cycle_factor", sc.cycle_factor))
        for code in d
        if code not in machines
    ]
    problems += [
        Problem(reason="must be 0 to 10", field=f"add_machines.{c}")
        for c, n in sc.add_machines.items()
        if not 0 <= n <= 10
    ]
    problems += [
        Problem(reason="must be above 0 and at most 10", field=f"cycle_factor.{c}")
        for c, f in sc.cycle_factor.items()
        if not 0 < f <= 10
    ]
    if sc.rush_orders and out.furniture_line is None:
        problems.append(Problem(reason="the model has no furniture line to take orders", field="rush_orders"))
    if problems:
        raise ValidationError(f"scenario {sc.name!r} does not fit the model", problems)
    for code, n in sc.add_machines.items():
        machines[code].parallel += n
    for code, f in sc.cycle_factor.items():
        m = machines[code]
        m.cycle_s = m.cycle_s.model_copy(update={"mean": m.cycle_s.mean * f, "sd": m.cycle_s.sd * f})
    if sc.shifts is not None:
        out.shifts = list(sc.shifts)
    if sc.rush_orders and out.furniture_line is not None:
        out.furniture_line.rush_orders = [*out.furniture_line.rush_orders, *sc.rush_orders]
    return out


def lines_of(cfg: SimConfig) -> dict[str, list[Machine]]:
    out: dict[str, list[Machine]] = {}
    if cfg.parts_cell and cfg.parts_cell.machines:
        out[CELL] = [one for m in cfg.parts_cell.machines for one in side_by_side(m)]
    if cfg.furniture_line and cfg.furniture_line.stations:
        out[LINE] = [one for m in cfg.furniture_line.stations for one in side_by_side(m)]
    return out


def planned_seconds(cfg: SimConfig, start: datetime, hours: float) -> float:
    """Time inside the shift windows over the run (all of it when the plant works around the clock)."""
    if not cfg.shifts:
        return hours * 3600
    tz = ZoneInfo(cfg.timezone)
    t0, t1 = start.astimezone(tz), start.astimezone(tz) + timedelta(hours=hours)
    total = 0.0
    day = t0.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    while day < t1:
        for w in cfg.shifts:
            if day.weekday() not in w.days:
                continue
            a = day.replace(hour=w.start.hour, minute=w.start.minute, second=w.start.second)
            b = day.replace(hour=w.end.hour, minute=w.end.minute, second=w.end.second)
            if b <= a:
                b += timedelta(days=1)
            total += max(0.0, (min(b, t1) - max(a, t0)).total_seconds())
        day += timedelta(days=1)
    return total


@dataclass
class RunResult:
    """One replication: per line, the figures of :data:`METRICS` (None where a line has none)."""

    seed: int
    lines: dict[str, dict[str, float | None]]
    machines: dict[str, dict[str, float]]


def run_once(cfg: SimConfig, hours: float, seed: int) -> RunResult:
    run_cfg = cfg.model_copy(update={"seed": seed, "sample_s": max(cfg.sample_s, 1e9)})
    plant = Plant(run_cfg)
    plant.run_until(hours * 3600)
    start = datetime.fromtimestamp(plant.epoch_ms / 1000, UTC)
    planned = planned_seconds(run_cfg, start, hours)
    week = 168 / hours
    machines: dict[str, dict[str, float]] = {}
    lines: dict[str, dict[str, float | None]] = {}
    for line, ms in lines_of(run_cfg).items():
        oees = []
        for m in ms:
            sm = plant.machines[m.code]
            good = float(sm.values["good"])
            oee = min(1.0, m.cycle_s.mean * good / planned) if planned > 0 else 0.0
            oees.append(oee)
            machines[m.code] = {"good": good, "scrap": float(sm.values["scrap"]), "oee": oee}
        if line == CELL:
            out = sum(plant.machines[m.code].values["good"] for m in ms)
        else:
            last = run_cfg.furniture_line.stations[-1] if run_cfg.furniture_line else ms[-1]
            out = sum(plant.machines[one.code].values["good"] for one in side_by_side(last))
        lead: float | None = None
        rush: float | None = None
        if line == LINE:
            done = [(c, (b - a) / 3600) for c, a, b in plant.finished]
            normal = [x for c, x in done if not c.startswith("RUSH-")]
            rushed = [x for c, x in done if c.startswith("RUSH-")]
            lead = float(np.mean(normal)) if normal else None
            rush = float(np.mean(rushed)) if rushed else None
        lines[line] = {
            "throughput": float(out) * week,
            "lead_time_h": lead,
            "oee": float(np.mean(oees)) if oees else None,
            "rush_lead_time_h": rush,
        }
    return RunResult(seed, lines, machines)


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}


def t_interval(xs: Sequence[float], level: float) -> Interval | None:
    a = np.asarray([x for x in xs if x is not None and math.isfinite(x)], dtype=float)
    if a.size == 0:
        return None
    m = float(a.mean())
    if a.size < 2:
        return Interval(m, m, m, 1)
    half = float(stats.t.ppf(0.5 + level / 2, a.size - 1)) * float(a.std(ddof=1)) / math.sqrt(a.size)
    return Interval(m, m - half, m + half, int(a.size))


@dataclass
class ScenarioResult:
    name: str
    runs: list[RunResult]
    lines: dict[str, dict[str, Interval | None]] = field(default_factory=dict)
    versus_baseline: dict[str, dict[str, Interval | None]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def conv(d: dict[str, dict[str, Interval | None]]) -> dict[str, Any]:
            return {ln: {k: (v.as_dict() if v else None) for k, v in ms.items()} for ln, ms in d.items()}

        return {"name": self.name, "lines": conv(self.lines), "versus_baseline": conv(self.versus_baseline)}


@dataclass
class Comparison:
    hours: float
    replications: int
    level: float
    seeds: list[int]
    scenarios: list[ScenarioResult]

    def as_dict(self) -> dict[str, Any]:
        return {
            "hours": self.hours,
            "replications": self.replications,
            "level": self.level,
            "seeds": self.seeds,
            "scenarios": [s.as_dict() for s in self.scenarios],
        }


def compare(
    cfg: SimConfig,
    scenarios: Sequence[Scenario],
    *,
    hours: float = 168.0,
    replications: int = 10,
    level: float = 0.95,
    seed: int = 1000,
) -> Comparison:
    """The baseline (the model as it is) and each scenario, over the same replications."""
    problems = []
    if not 1 <= hours <= 24 * 56:
        problems.append(Problem(reason="must be 1 to 1344 hours (8 weeks)", field="hours"))
    if not 2 <= replications <= 200:
        problems.append(Problem(reason="must be 2 to 200", field="replications"))
    if not 0 < level < 1:
        problems.append(Problem(reason="must be between 0 and 1", field="level"))
    if problems:
        raise ValidationError("what-if not run", problems)
    if cfg.start is None:  # every scenario and replication starts at the same moment: next Monday 00:00
        tz = ZoneInfo(cfg.timezone)
        today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        cfg = cfg.model_copy(update={"start": today + timedelta(days=7 - today.weekday())})
    models = [("baseline", cfg)] + [(sc.name, apply(cfg, sc)) for sc in scenarios]
    seeds = [seed + i for i in range(replications)]
    results: list[ScenarioResult] = []
    for name, model in models:
        runs = [run_once(model, hours, s) for s in seeds]
        results.append(ScenarioResult(name, runs))
    base = results[0]
    for res in results:
        for line in res.runs[0].lines:
            res.lines[line] = {
                k: t_interval([_f(r.lines[line][k]) for r in res.runs], level) for k in METRICS
            }
            diffs: dict[str, Interval | None] = {}
            for k in METRICS:
                pairs = [
                    (_f(r.lines[line][k]), _f(b.lines.get(line, {}).get(k)))
                    for r, b in zip(res.runs, base.runs, strict=True)
                ]
                d = [a - b for a, b in pairs if math.isfinite(a) and math.isfinite(b)]
                diffs[k] = t_interval(d, level) if res is not base else None
            res.versus_baseline[line] = diffs
    return Comparison(hours, replications, level, seeds, results)


def _f(v: float | None) -> float:
    return math.nan if v is None else float(v)


def predict(
    cfg: SimConfig, *, hours: float, replications: int, level: float = 0.95, seed: int = 1000
) -> dict[str, dict[str, Interval | None]]:
    """The model's forecast for a period: per line, each figure's mean and interval."""
    return compare(cfg, [], hours=hours, replications=replications, level=level, seed=seed).scenarios[0].lines


# ---- a plant's own twin --------------------------------------------------------------------------


@dataclass
class PlantWhatIf:
    calibration: Any  # jejo.twin.calibrate.Calibration
    kept: list[str]  # the model's machines that had no history (their numbers are the model's)
    model: SimConfig
    comparison: Comparison

    def as_dict(self) -> dict[str, Any]:
        return {
            "calibration": self.calibration.as_dict(),
            "not_calibrated": self.kept,
            "comparison": self.comparison.as_dict(),
        }


def plant_whatif(
    session: Any,
    company_id: int,
    model: SimConfig,
    scenarios: Sequence[Scenario],
    *,
    history_start: datetime,
    history_end: datetime,
    hours: float = 168.0,
    replications: int = 5,
    level: float = 0.95,
    seed: int = 1000,
) -> PlantWhatIf:
    """Fit the model to the company's history over the period, then compare the scenarios on it."""
    from jejo.twin.calibrate import calibrate, calibrated_config, load_history

    codes = [m.code for m in model.machines()]
    histories = load_history(session, company_id, history_start, history_end, codes)
    cal = calibrate(histories, level=level)
    twin, kept = calibrated_config(model, cal)
    twin = twin.model_copy(update={"start": None})
    comparison = compare(twin, scenarios, hours=hours, replications=replications, level=level, seed=seed)
    return PlantWhatIf(cal, kept, twin, comparison)


def shift_pattern(name: str) -> list[ShiftWindow] | None:
    """Named shift patterns a planner picks from (weekdays): None keeps the plant's."""
    from datetime import time

    patterns = {
        "one": [ShiftWindow(start=time(8, 30), end=time(17, 30))],
        "two": [
            ShiftWindow(start=time(6, 0), end=time(14, 0)),
            ShiftWindow(start=time(14, 0), end=time(22, 0)),
        ],
        "three": [ShiftWindow(start=time(0, 0), end=time(0, 0))],  # weekdays around the clock
        "all_week": [],  # around the clock, every day
    }
    if name in ("", "keep"):
        return None
    if name not in patterns:
        raise ValidationError(
            "unknown shift pattern", [Problem(reason=f"must be one of {', '.join(patterns)}", field="shifts")]
        )
    return patterns[name]
