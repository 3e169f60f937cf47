"""Calibration: a plant model (the demo factory's simulator, ``jejo.sim``) fitted from the plant's history.

The history of each machine is what jejo already keeps:

* its states over time: ``machine.state_changed`` events from the event log, or — where a machine has
  none — the state tag's samples, derived exactly as the telemetry path does;
* its counts: ``quantity.reported`` events that name the machine, or its good/scrap counter samples;
* its cycle times: the samples of its cycle-time tag (``<machine>.cycle_time``), one per part.

From that, per machine (all times in seconds in storage, hours/minutes where the simulator wants them):

* cycle time: normal, mean and standard deviation, t-interval for the mean;
* setup time: the length of each setup (setup stretches interrupted only by a breakdown are joined),
  normal, t-interval for the mean;
* failures: the up-times between breakdowns (calendar time from the end of one ``down`` stretch to the
  start of the next; the first and last are right-censored) fitted to a Weibull distribution by maximum
  likelihood; MTBF = scale · Γ(1 + 1/shape), likelihood-ratio intervals (profile likelihood);
* repairs: the ``down`` stretches, lognormal by maximum likelihood (t-interval for the log-median,
  χ² interval for σ); MTTR = exp(μ + σ²/2);
* scrap rate: binomial, Clopper-Pearson interval.

The model's structure — which machines form which line, the products, the order stream, micro-stops,
bearings — comes from the plant's simulator configuration; calibration overwrites only the fitted numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy import optimize, stats
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jejo.core.errors import Problem, ValidationError
from jejo.sim.config import Dist, Failures, SimConfig
from jejo.telemetry.model import Role, Sample, Tag
from jejo.telemetry.state import counter_delta, derive_state, transitions

#: the last part of a tag's code that marks a machine's cycle-time tag (one sample per part, seconds)
CYCLE_TAGS = ("cycle_time", "cycletime", "actualcycle")
#: breakdowns (and repairs) a machine's history needs before its failure numbers are fitted; with fewer,
#: the model's own numbers stay
MIN_BREAKDOWNS = 5
COUNTER_ROLES = {Role.GOOD_COUNT.value, Role.SCRAP_COUNT.value, Role.TOTAL_COUNT.value}


# ---- history -------------------------------------------------------------------------------------


@dataclass
class MachineHistory:
    """What one machine did over ``[start_s, end_s)`` (epoch seconds)."""

    code: str
    start_s: float
    end_s: float
    states: list[tuple[float, str]] = field(default_factory=list)  # change points, time-ordered
    cycles: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds)
    counts: list[tuple[float, float, float]] = field(default_factory=list)  # (when, good, scrap)

    def window(self, start_s: float, end_s: float) -> MachineHistory:
        """The same machine over a part of its history (the state at ``start_s`` carries over)."""
        before = [st for t, st in self.states if t <= start_s]
        states = ([(start_s, before[-1])] if before else []) + [
            (t, st) for t, st in self.states if start_s < t < end_s
        ]
        return MachineHistory(
            self.code,
            start_s,
            end_s,
            states,
            [c for c in self.cycles if start_s <= c[0] < end_s],
            [c for c in self.counts if start_s <= c[0] < end_s],
        )

    def intervals(self) -> list[tuple[float, float, str]]:
        """The state stretches (start, end, state), with equal neighbours merged."""
        out: list[tuple[float, float, str]] = []
        pts = [(t, st) for t, st in self.states if t < self.end_s]
        for i, (t, st) in enumerate(pts):
            end = pts[i + 1][0] if i + 1 < len(pts) else self.end_s
            if end <= t:
                continue
            if out and out[-1][2] == st:
                out[-1] = (out[-1][0], end, st)
            else:
                out.append((max(t, self.start_s), end, st))
        return out


def _cycle_tag(tag: Tag) -> bool:
    return tag.tag.rsplit(".", 1)[-1].lower().replace("_", "") in {c.replace("_", "") for c in CYCLE_TAGS}


def history_from_samples(
    samples: Iterable[Sample], tags: Mapping[str, Tag], start_s: float, end_s: float
) -> dict[str, MachineHistory]:
    """Machine histories from raw tag samples, read the way the telemetry path reads them (state tags
    through ``derive_state``, counters through ``counter_delta``, cycle-time tags one value per part)."""
    out: dict[str, MachineHistory] = {}
    per: dict[str, list[tuple[Tag, Sample]]] = defaultdict(list)
    for s in samples:
        t = tags.get(s.tag)
        if t is not None and t.equipment:
            per[t.equipment].append((t, s))
    for eq, items in per.items():
        h = out.setdefault(eq, MachineHistory(eq, start_s, end_s))
        items.sort(key=lambda x: x[1].ts_ms)
        readings = [
            (s.ts_ms, st)
            for t, s in items
            if t.role is Role.STATE and (st := derive_state(s.value, t.state_map)) is not None
        ]
        h.states = [(tr.ts_ms / 1000, tr.state.value) for tr in transitions(eq, None, 0, readings)]
        last: dict[str, float] = {}
        for t, s in items:
            if t.role.value in COUNTER_ROLES and isinstance(s.value, (int, float)):
                d = counter_delta(last.get(t.role.value), float(s.value))
                last[t.role.value] = float(s.value)
                if d > 0 and t.role is not Role.TOTAL_COUNT:
                    good = d if t.role is Role.GOOD_COUNT else 0.0
                    h.counts.append((s.ts_ms / 1000, good, d - good))
            elif _cycle_tag(t) and isinstance(s.value, (int, float)) and s.value > 0:
                h.cycles.append((s.ts_ms / 1000, float(s.value)))
    return {k: out[k] for k in sorted(out)}


def load_history(
    session: Session, company_id: int, start: datetime, end: datetime, equipment: Sequence[str] | None = None
) -> dict[str, MachineHistory]:
    """The machines' history as jejo stores it: the event log first, the time-series store where the
    event log has nothing for a machine."""
    from jejo.execution.tables import Event
    from jejo.telemetry.tables import TsSample, TsTag

    start_s, end_s = start.timestamp(), end.timestamp()
    if end_s <= start_s:
        raise ValidationError(
            "bad period", [Problem(reason="the period must end after it starts", field="to")]
        )
    wanted = set(equipment) if equipment else None
    out: dict[str, MachineHistory] = {}

    def hist(code: str) -> MachineHistory:
        return out.setdefault(code, MachineHistory(code, start_s, end_s))

    # states from the event log (with the state each machine was in when the period began)
    is_state = (Event.company_id == company_id, Event.type == "machine.state_changed")
    last_before = (
        select(Event.equipment_code, func.max(Event.occurred_at).label("at"))
        .where(*is_state, Event.occurred_at < start, Event.equipment_code.is_not(None))
        .group_by(Event.equipment_code)
        .subquery()
    )
    first_rows = session.execute(
        select(Event.equipment_code, Event.payload)
        .join(
            last_before,
            (Event.equipment_code == last_before.c.equipment_code) & (Event.occurred_at == last_before.c.at),
        )
        .where(*is_state)
        .order_by(Event.occurred_at, Event.seq)
    )
    latest_before = {code: (start_s, str(payload["state"])) for code, payload in first_rows}
    state_q = select(Event.equipment_code, Event.occurred_at, Event.payload).where(
        *is_state, Event.occurred_at >= start, Event.occurred_at < end
    )
    # events of the same instant in the order they were recorded
    for code, at, payload in session.execute(state_q.order_by(Event.occurred_at, Event.seq)):
        code = code or payload.get("equipment")
        if not code or (wanted and code not in wanted):
            continue
        hist(code).states.append((_utc_s(at), str(payload["state"])))
    for code, first in latest_before.items():
        if not wanted or code in wanted:
            hist(code).states.insert(0, first)
    # counts from the event log: a report names its machine, or its operation was started on one
    op_machine: dict[tuple[int, int], str] = {}
    for wo_id, payload in session.execute(
        select(Event.work_order_id, Event.payload).where(
            Event.company_id == company_id, Event.type == "operation.started", Event.occurred_at < end
        )
    ):
        if wo_id is not None and payload.get("equipment"):
            op_machine[(wo_id, int(payload["seq"]))] = str(payload["equipment"])
    qty_q = select(Event.equipment_code, Event.work_order_id, Event.occurred_at, Event.payload).where(
        Event.company_id == company_id,
        Event.type == "quantity.reported",
        Event.occurred_at >= start,
        Event.occurred_at < end,
    )
    for eq_code, wo_id, at, payload in session.execute(qty_q.order_by(Event.occurred_at, Event.seq)):
        code = eq_code or op_machine.get((wo_id, int(payload.get("seq", 0))))
        if code is None or (wanted and code not in wanted):
            continue
        hist(code).counts.append((_utc_s(at), float(payload.get("good", 0)), float(payload.get("scrap", 0))))
    # the time-series store: cycle times always; states and counts where the event log had none
    tag_rows = session.execute(
        select(TsTag.id, TsTag.code, TsTag.equipment_code, TsTag.role).where(
            TsTag.company_id == company_id, TsTag.equipment_code.is_not(None)
        )
    ).all()
    has_states = {c for c, h in out.items() if h.states}
    has_counts = {c for c, h in out.items() if h.counts}
    for tid, code, eq, role in tag_rows:
        if eq is None or (wanted and eq not in wanted):
            continue
        kind = tag_kind(code, role)
        if kind is None or (kind == "state" and eq in has_states) or (kind == "count" and eq in has_counts):
            continue
        rows = session.execute(
            select(TsSample.ts, TsSample.value, TsSample.text)
            .where(TsSample.tag_id == tid, TsSample.ts >= start, TsSample.ts < end)
            .order_by(TsSample.ts)
        ).all()
        if not rows:
            continue
        h = hist(eq)
        if kind == "cycle":
            h.cycles.extend((_utc_s(ts), float(v)) for ts, v, _ in rows if v is not None and v > 0)
        elif kind == "state":
            readings = [
                (round(_utc_s(ts) * 1000), st)
                for ts, v, txt in rows
                if (st := derive_state(txt if txt is not None else v)) is not None
            ]
            h.states.extend((tr.ts_ms / 1000, tr.state.value) for tr in transitions(eq, None, 0, readings))
        elif role != Role.TOTAL_COUNT.value:
            prev: float | None = None
            for ts, v, _ in rows:
                if v is None:
                    continue
                d = counter_delta(prev, float(v))
                prev = float(v)
                if d > 0:
                    good = d if role == Role.GOOD_COUNT.value else 0.0
                    h.counts.append((_utc_s(ts), good, d - good))
    for h in out.values():
        h.states.sort(key=lambda x: x[0])  # stable: same-instant changes keep their recorded order
        h.cycles.sort()
        h.counts.sort()
    return {k: out[k] for k in sorted(out)}


def tag_kind(code: str, role: str) -> str | None:
    if role == Role.STATE.value:
        return "state"
    if role in COUNTER_ROLES:
        return "count"
    if role == Role.ANALOG.value and code.rsplit(".", 1)[-1].lower().replace("_", "") in {
        c.replace("_", "") for c in CYCLE_TAGS
    }:
        return "cycle"
    return None


def _utc_s(at: datetime) -> float:
    from jejo.core.timeutil import as_utc

    return as_utc(at).timestamp()


# ---- what a history shows ------------------------------------------------------------------------


def setups(h: MachineHistory) -> list[float]:
    """Setup lengths (s): a setup interrupted by a breakdown and then finished counts as one."""
    out: list[float] = []
    current: float | None = None
    ivs = h.intervals()
    for i, (a, b, st) in enumerate(ivs):
        if st == "setup":
            current = (current or 0.0) + (b - a)
            if i + 1 == len(ivs):  # still in setup when the history ends: not a whole setup
                current = None
        elif st == "down" and current is not None:
            continue
        elif current is not None:
            out.append(current)
            current = None
    return out


def failures(h: MachineHistory) -> tuple[list[float], list[bool], list[float]]:
    """Up-times between breakdowns (s) with whether each ended in a breakdown (False: censored), and
    the repair times (s) of the breakdowns seen whole.

    The first up-time began before the history did, so only "at least this long" is known: it counts as
    censored, as does the last one (still up when the history ends)."""
    ups: list[float] = []
    failed: list[bool] = []
    repairs: list[float] = []
    up_from = h.start_s
    for a, b, st in h.intervals():
        if st != "down":
            continue
        if a > up_from:
            ups.append(a - up_from)
            failed.append(up_from > h.start_s)
        if h.start_s < a and b < h.end_s:
            repairs.append(b - a)
        up_from = b
    if h.end_s > up_from:
        ups.append(h.end_s - up_from)
        failed.append(False)
    return ups, failed, repairs


def counts(h: MachineHistory) -> tuple[float, float]:
    good = sum(g for _, g, _ in h.counts)
    scrap = sum(s for _, _, s in h.counts)
    return good, scrap


# ---- estimates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A fitted value with its confidence interval (``level``)."""

    value: float
    low: float
    high: float
    n: int = 0

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def scaled(self, k: float) -> Estimate:
        return Estimate(self.value * k, self.low * k, self.high * k, self.n)


def mean_interval(xs: Sequence[float], level: float) -> tuple[Estimate, float] | None:
    """The mean with its t-interval, and the standard deviation."""
    a = np.asarray(xs, dtype=float)
    if a.size < 2:
        return None
    m, sd = float(a.mean()), float(a.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, a.size - 1)) * sd / math.sqrt(a.size)
    return Estimate(m, m - half, m + half, int(a.size)), sd


def proportion_interval(k: float, n: float, level: float) -> Estimate:
    """A binomial proportion with its Clopper-Pearson interval."""
    k_i, n_i = round(k), round(n)
    alpha = 1 - level
    lo = 0.0 if k_i == 0 else float(stats.beta.ppf(alpha / 2, k_i, n_i - k_i + 1))
    hi = 1.0 if k_i == n_i else float(stats.beta.ppf(1 - alpha / 2, k_i + 1, n_i - k_i))
    return Estimate(k_i / n_i if n_i else 0.0, lo, hi, n_i)


def weibull_mle(t: np.ndarray, failed: np.ndarray) -> tuple[float, float] | None:
    """Shape and scale of a Weibull distribution from right-censored times (maximum likelihood)."""
    r = int(failed.sum())
    if r < 2 or t.size < 2 or np.any(t <= 0):
        return None
    unit = float(t.mean())
    x = t / unit
    lx = np.log(x)
    mean_lf = float(lx[failed].mean())

    def score(k: float) -> float:
        xk = x**k
        return float((xk * lx).sum() / xk.sum() - 1 / k - mean_lf)

    lo, hi = 0.05, 50.0
    if score(lo) * score(hi) > 0:
        return None
    k = float(optimize.brentq(score, lo, hi, xtol=1e-10))
    scale = float((np.sum(x**k) / r) ** (1 / k)) * unit
    return k, scale


def weibull_mean(shape: float, scale: float) -> float:
    return scale * math.gamma(1 + 1 / shape)


@dataclass(frozen=True)
class FailureFit:
    shape: Estimate
    scale_h: Estimate
    mtbf_h: Estimate
    failures: int
    exposure_h: float


@dataclass(frozen=True)
class RepairFit:
    median_min: Estimate
    sigma: Estimate
    mttr_min: Estimate


def _weibull_ll(t: np.ndarray, failed: np.ndarray, k: float, lam: float) -> float:
    """Log-likelihood of right-censored Weibull data."""
    r = int(failed.sum())
    return float(
        r * math.log(k) - r * k * math.log(lam) + (k - 1) * np.log(t[failed]).sum() - np.sum((t / lam) ** k)
    )


def _profile(t: np.ndarray, failed: np.ndarray, scale_of_k: Any) -> float:
    """The log-likelihood maximised over the shape, with the scale a function of the shape."""
    res = optimize.minimize_scalar(
        lambda lk: -_weibull_ll(t, failed, math.exp(lk), scale_of_k(math.exp(lk))),
        bounds=(math.log(0.05), math.log(50.0)),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return -float(res.fun)


def _lr_interval(profile: Any, value: float, top: float, level: float) -> tuple[float, float]:
    """Where the profile log-likelihood falls χ²₁(level)/2 below its top (likelihood-ratio interval)."""
    drop = float(stats.chi2.ppf(level, 1)) / 2

    def g(x: float) -> float:
        return top - profile(x) - drop

    lo, hi = 0.0, math.inf
    a = value
    for _ in range(60):  # walk down until outside, then find the crossing
        a /= 1.5
        if g(a) > 0:
            lo = float(optimize.brentq(g, a, a * 1.5, xtol=1e-9 * value))
            break
    b = value
    for _ in range(60):
        b *= 1.5
        if g(b) > 0:
            hi = float(optimize.brentq(g, b / 1.5, b, xtol=1e-9 * value))
            break
    return min(lo, value), max(hi, value)


def fit_failures(ups: Sequence[float], failed: Sequence[bool], level: float) -> FailureFit | None:
    """Weibull by maximum likelihood (censored up-times included) with likelihood-ratio intervals for
    the shape, the scale and the MTBF (each profiled over the other parameter)."""
    t_h = np.asarray(ups, dtype=float) / 3600
    f = np.asarray(failed, dtype=bool)
    if f.sum() < MIN_BREAKDOWNS or np.any(t_h <= 0):
        return None
    unit = float(t_h.mean())
    t = t_h / unit  # work near 1 (no overflow in t**k)
    point = weibull_mle(t, f)
    if point is None:
        return None
    k, lam = point
    top = _weibull_ll(t, f, k, lam)
    r = int(f.sum())

    def shape_profile(kk: float) -> float:
        return _weibull_ll(t, f, kk, float((np.sum(t**kk) / r) ** (1 / kk)))

    def scale_profile(ll: float) -> float:
        return _profile(t, f, lambda _k: ll)

    def mean_profile(m: float) -> float:
        return _profile(t, f, lambda kk: m / math.gamma(1 + 1 / kk))

    k_lo, k_hi = _lr_interval(shape_profile, k, top, level)
    s_lo, s_hi = _lr_interval(scale_profile, lam, top, level)
    mean = weibull_mean(k, lam)
    m_lo, m_hi = _lr_interval(mean_profile, mean, top, level)
    return FailureFit(
        Estimate(k, k_lo, k_hi, r),
        Estimate(lam, s_lo, s_hi, r).scaled(unit),
        Estimate(mean, m_lo, m_hi, r).scaled(unit),
        r,
        float(t_h.sum()),
    )


def fit_repairs(durations_s: Sequence[float], level: float) -> RepairFit | None:
    x = np.log(np.asarray([d for d in durations_s if d > 0], dtype=float) / 60)
    if x.size < MIN_BREAKDOWNS:
        return None
    mu, sd, n = float(x.mean()), float(x.std(ddof=1)), x.size
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    a = 1 - level
    s_lo = sd * math.sqrt((n - 1) / float(stats.chi2.ppf(1 - a / 2, n - 1)))
    s_hi = sd * math.sqrt((n - 1) / float(stats.chi2.ppf(a / 2, n - 1)))
    # MTTR = exp(μ + σ²/2), interval by Cox's method for a lognormal mean
    log_mttr = mu + sd * sd / 2
    se = math.sqrt(sd * sd / n + sd**4 / (2 * (n - 1)))
    z = float(stats.t.ppf(0.5 + level / 2, n - 1))
    return RepairFit(
        Estimate(math.exp(mu), math.exp(mu - half), math.exp(mu + half), n),
        Estimate(sd, s_lo, s_hi, n),
        Estimate(math.exp(log_mttr), math.exp(log_mttr - z * se), math.exp(log_mttr + z * se), n),
    )


@dataclass(frozen=True)
class MachineFit:
    """Everything fitted for one machine; None where the history holds too little to fit it."""

    code: str
    hours: float
    cycle_s: Estimate | None = None
    cycle_sd_s: float = 0.0
    setup_min: Estimate | None = None
    setup_sd_min: float = 0.0
    failures: FailureFit | None = None
    repairs: RepairFit | None = None
    scrap: Estimate | None = None
    good: float = 0.0
    scrap_count: float = 0.0
    breakdowns: int = 0  # down stretches that began inside the history

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _finite(asdict(self))
        return out


def fit_machine(h: MachineHistory, *, level: float = 0.95) -> MachineFit:
    cyc = mean_interval([c for _, c in h.cycles], level)
    st = mean_interval([s / 60 for s in setups(h)], level)
    ups, failed, repairs = failures(h)
    good, scrap = counts(h)
    return MachineFit(
        code=h.code,
        hours=(h.end_s - h.start_s) / 3600,
        cycle_s=cyc[0] if cyc else None,
        cycle_sd_s=cyc[1] if cyc else 0.0,
        setup_min=st[0] if st else None,
        setup_sd_min=st[1] if st else 0.0,
        failures=fit_failures(ups, failed, level),
        repairs=fit_repairs(repairs, level),
        scrap=proportion_interval(scrap, good + scrap, level) if good + scrap > 0 else None,
        good=good,
        scrap_count=scrap,
        breakdowns=sum(1 for a, _, st in h.intervals() if st == "down" and a > h.start_s),
    )


@dataclass(frozen=True)
class Calibration:
    level: float
    start_s: float
    end_s: float
    machines: dict[str, MachineFit]

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "machines": {c: m.as_dict() for c, m in self.machines.items()},
        }


def _finite(v: Any) -> Any:
    """JSON has no infinity: an open interval end becomes None."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def calibrate(histories: Mapping[str, MachineHistory], *, level: float = 0.95) -> Calibration:
    if not 0 < level < 1:
        raise ValidationError("bad level", [Problem(reason="must be between 0 and 1", field="level")])
    fits = {c: fit_machine(h, level=level) for c, h in histories.items()}
    hs = list(histories.values())
    return Calibration(
        level,
        min((h.start_s for h in hs), default=0.0),
        max((h.end_s for h in hs), default=0.0),
        fits,
    )


def calibrated_config(base: SimConfig, cal: Calibration) -> tuple[SimConfig, list[str]]:
    """The plant model with every fitted number put in; also the machines that kept the model's values
    (no history)."""
    cfg = base.model_copy(deep=True)
    kept: list[str] = []
    for m in cfg.machines():
        fit = cal.machines.get(m.code)
        if fit is None:
            kept.append(m.code)
            continue
        if fit.cycle_s is not None:
            m.cycle_s = Dist(mean=fit.cycle_s.value, sd=fit.cycle_sd_s)
        if fit.setup_min is not None:
            m.setup_min = Dist(mean=fit.setup_min.value, sd=fit.setup_sd_min)
        if fit.failures is not None and fit.repairs is not None:
            m.failures = Failures(
                weibull_shape=fit.failures.shape.value,
                weibull_scale_h=fit.failures.scale_h.value,
                repair_median_min=fit.repairs.median_min.value,
                repair_sigma=max(fit.repairs.sigma.value, 1e-6),
            )
        elif fit.breakdowns == 0 and fit.hours >= 24 and m.failures is not None:
            m.failures = None  # a day or more of history without a single breakdown
        if fit.scrap is not None:
            m.scrap_p = fit.scrap.value
    return cfg, kept


# ---- a simulated history, in the shapes the telemetry path stores -------------------------------

#: the simulator's fields that make a machine's history, with the role their tag has in a tag map
HISTORY_FIELDS = {
    "state": Role.STATE,
    "good": Role.GOOD_COUNT,
    "scrap": Role.SCRAP_COUNT,
    "cycle_time": Role.ANALOG,
}


def history_tags(codes: Iterable[str]) -> dict[str, Tag]:
    """The tags of a tag map that reads these machines' history fields (as the demo factory's does)."""
    out: dict[str, Tag] = {}
    for code in codes:
        for fld, role in HISTORY_FIELDS.items():
            tag = f"{code}.{fld}"
            out[tag] = Tag(
                tag=tag,
                source="sim",
                address=fld,
                equipment=code,
                role=role,
                type="string" if fld == "state" else "float64",
                unit="s" if fld == "cycle_time" else None,
            )
    return out


def simulated_samples(
    cfg: SimConfig, hours: float, *, change: Any = None
) -> tuple[list[Sample], dict[str, Tag], float, float]:
    """Run the simulator for ``hours`` and return what its machines would have sent: one sample per
    change of a history field (a field that changed twice at the same instant is sent once, with its
    final value, as the protocol endpoints do), the tags, and the period (epoch seconds).

    ``change`` (optional) is called as ``change(plant, hours_done)`` and returns the hours at which to
    call it next (or None), to change the plant while it runs (e.g. a machine that starts failing more)."""
    from jejo.sim.plant import Plant

    plant = Plant(cfg.model_copy(update={"sample_s": max(cfg.sample_s, 1e9)}))
    last: dict[tuple[str, int], Sample] = {}

    def listen(u: tuple[str, str, int, Any]) -> None:
        code, fld, ts, value = u
        if fld in HISTORY_FIELDS:
            tag = f"{code}.{fld}"
            last.pop((tag, ts), None)
            last[(tag, ts)] = Sample(tag, ts, value)

    plant.listeners.append(listen)
    plant.run_until(1e-6)
    for m in plant.machines.values():  # what every machine shows when the recording starts
        for fld in HISTORY_FIELDS:
            if fld != "cycle_time":
                listen((m.code, fld, plant.now_ms(), m.values[fld]))
    at: float | None = 0.0
    if change is not None:
        at = change(plant, 0.0)
        while at is not None and at < hours:
            plant.run_until(at * 3600)
            at = change(plant, at)
    plant.run_until(hours * 3600)
    start_s = plant.epoch_ms / 1000
    return list(last.values()), history_tags(plant.machines), start_s, start_s + hours * 3600
