"""ISO 22400-2 time elements from machine-state intervals and the planned-time calendar (pure).

The inputs are plain dataclasses: the states a machine was in (``StateInterval``), the windows in
which it was planned to work (``PlannedWindow``, from shifts, Korean holidays and company exceptions)
and what each downtime reason means (``ReasonInfo``). The output, ``TimeElements``, holds the ISO
22400 time elements in seconds:

* POT  planned operation time: the planned windows inside the period (shift time, holidays skipped);
* PDOT planned down time: the shift breaks plus recorded planned stops inside the planned windows;
* PBT  planned busy time = POT − PDOT;
* APT  actual production time: ``running`` inside PBT;
* AUST actual unit setup time: ``setup`` inside PBT;
* ADET actual unit delay time: ``idle`` and short stops inside PBT (micro-stops are a part of it);
* ADOT actual unit down time: ``down`` (failures, unplanned maintenance) and unexplained ``off`` inside PBT;
* no-data time: planned busy time for which no state is known (counted as a loss, never as running);
* AUPT = APT + AUST, AUBT = AUPT + ADET.

The calendar is intersected with the states *before* anything is summed, so a stop that runs past
the end of a shift, or over a holiday, counts only for the planned part (cf. the "no shift is not an
unknown stop" class of bugs other MES have had).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from jejo.core.errors import Problem, ValidationError

#: machine states (jejo.execution.events.MachineStateKind values)
RUNNING, IDLE, DOWN, SETUP, PLANNED_STOP, OFF = "running", "idle", "down", "setup", "planned_stop", "off"
STATES = (RUNNING, IDLE, DOWN, SETUP, PLANNED_STOP, OFF)

#: a stop without a reason that is at most this long counts as a micro-stop (performance loss in
#: the Korean/TPM convention, ADET in ISO's)
DEFAULT_MICRO_STOP_S = 120.0


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open time range [start, end) in aware UTC (or any aware zone)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        problems = []
        if self.start.tzinfo is None or self.end.tzinfo is None:
            problems.append(Problem("period bounds must carry a time zone", field="from"))
        elif self.end <= self.start:
            problems.append(
                Problem(f"the period must end after it starts ({self.start} .. {self.end})", field="to")
            )
        if problems:
            raise ValidationError("bad period", problems)

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class StateInterval:
    """A machine was in ``state`` from ``start`` to ``end`` (``reason_code`` as reported)."""

    start: datetime
    end: datetime
    state: str
    reason_code: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedWindow:
    """A stretch of planned operation (one shift instance) and its break allowance in seconds."""

    start: datetime
    end: datetime
    break_s: float = 0.0
    shift: str = ""


@dataclass(frozen=True, slots=True)
class ReasonInfo:
    """What a downtime reason means: ``planned`` stops are PDOT; ``oee_loss`` is availability,
    performance (micro-stop) or none."""

    code: str
    planned: bool = False
    oee_loss: str = "availability"


@dataclass(frozen=True, slots=True)
class TimeElements:
    """ISO 22400 time elements of one work unit (or a sum of several) over a period, in seconds."""

    pot: float = 0.0
    pdot: float = 0.0
    apt: float = 0.0
    aust: float = 0.0
    adet: float = 0.0
    adot: float = 0.0
    nodata: float = 0.0
    overtime: float = 0.0  # running / setup outside the planned windows (included in POT)
    micro_stop: float = 0.0  # the part of ADET that is micro-stops
    failures: int = 0  # failure events (transitions into ``down``) that started in planned time
    repairs_s: tuple[float, ...] = ()  # durations of completed failure stops (TTR), seconds
    ttf_s: tuple[float, ...] = ()  # operating time before each failure (TTF), seconds
    by_reason: Mapping[str, float] = field(default_factory=dict)  # stop seconds per reason code

    @property
    def pbt(self) -> float:
        """PBT = POT − PDOT."""
        return max(0.0, self.pot - self.pdot)

    @property
    def aupt(self) -> float:
        """AUPT = APT + AUST."""
        return self.apt + self.aust

    @property
    def aubt(self) -> float:
        """AUBT = AUPT + ADET."""
        return self.aupt + self.adet

    def __add__(self, other: TimeElements) -> TimeElements:
        reasons = dict(self.by_reason)
        for k, v in other.by_reason.items():
            reasons[k] = reasons.get(k, 0.0) + v
        return TimeElements(
            pot=self.pot + other.pot,
            pdot=self.pdot + other.pdot,
            apt=self.apt + other.apt,
            aust=self.aust + other.aust,
            adet=self.adet + other.adet,
            adot=self.adot + other.adot,
            nodata=self.nodata + other.nodata,
            overtime=self.overtime + other.overtime,
            micro_stop=self.micro_stop + other.micro_stop,
            failures=self.failures + other.failures,
            repairs_s=self.repairs_s + other.repairs_s,
            ttf_s=self.ttf_s + other.ttf_s,
            by_reason=reasons,
        )


def _overlap(a0: datetime, a1: datetime, b0: datetime, b1: datetime) -> float:
    s, e = max(a0, b0), min(a1, b1)
    return max(0.0, (e - s).total_seconds())


def clip_windows(windows: Iterable[PlannedWindow], period: Period) -> list[PlannedWindow]:
    """The planned windows cut to the period; a cut window keeps the same share of its break."""
    out: list[PlannedWindow] = []
    for w in sorted(windows, key=lambda w: w.start):
        span = (w.end - w.start).total_seconds()
        inside = _overlap(w.start, w.end, period.start, period.end)
        if inside <= 0 or span <= 0:
            continue
        out.append(
            PlannedWindow(
                max(w.start, period.start), min(w.end, period.end), w.break_s * inside / span, w.shift
            )
        )
    return out


def classify(
    state: str,
    reason: str | None,
    duration_s: float,
    reasons: Mapping[str, ReasonInfo],
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
) -> str:
    """Which time element a stretch of state belongs to: apt | aust | adet | micro | adot | pdot."""
    info = reasons.get(reason) if reason else None
    if state == RUNNING:
        return "apt"
    if state == PLANNED_STOP or (info is not None and info.planned):
        return "pdot"
    if state == SETUP:
        return "aust"
    if info is not None and info.oee_loss == "performance":
        return "micro"
    if state in (IDLE, DOWN, OFF) and reason is None and duration_s <= micro_stop_s:
        return "micro"
    if state in (DOWN, OFF):
        return "adot"
    return "adet"  # idle: waiting for material, operator, order


@dataclass(frozen=True, slots=True)
class RawElements:
    """Additive sums before the break allowance is settled: these add up over hours (rollups), and
    ``finish`` turns a sum into time elements exactly as for the whole period."""

    windows: float = 0.0  # planned windows inside the period (POT without overtime)
    breaks: float = 0.0
    overtime: float = 0.0
    apt: float = 0.0
    aust: float = 0.0
    adet: float = 0.0  # idle, without micro-stops
    micro: float = 0.0
    adot: float = 0.0
    pdot: float = 0.0  # recorded planned stops
    failures: int = 0
    repairs_s: tuple[float, ...] = ()
    ttf_s: tuple[float, ...] = ()
    by_reason: Mapping[str, float] = field(default_factory=dict)

    def __add__(self, o: RawElements) -> RawElements:
        reasons = dict(self.by_reason)
        for k, v in o.by_reason.items():
            reasons[k] = reasons.get(k, 0.0) + v
        return RawElements(
            self.windows + o.windows,
            self.breaks + o.breaks,
            self.overtime + o.overtime,
            self.apt + o.apt,
            self.aust + o.aust,
            self.adet + o.adet,
            self.micro + o.micro,
            self.adot + o.adot,
            self.pdot + o.pdot,
            self.failures + o.failures,
            self.repairs_s + o.repairs_s,
            self.ttf_s + o.ttf_s,
            reasons,
        )


def time_elements(
    intervals: Sequence[StateInterval],
    windows: Iterable[PlannedWindow],
    period: Period,
    reasons: Mapping[str, ReasonInfo] | None = None,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
) -> TimeElements:
    """ISO 22400 time elements of one machine (``finish(accumulate(...))``)."""
    return finish(accumulate(intervals, windows, period, reasons, micro_stop_s))


def accumulate(
    intervals: Sequence[StateInterval],
    windows: Iterable[PlannedWindow],
    period: Period,
    reasons: Mapping[str, ReasonInfo] | None = None,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
) -> RawElements:
    """ISO 22400 time elements of one machine: its state intervals intersected with planned time.

    Breaks are planned down time; a recorded planned stop inside planned time adds to PDOT. Running
    or setting up outside the shifts is overtime: it is added to POT (and so to PBT), as ISO 22400 counts
    worked overtime as planned operation time, so the output made in it is not set against no time. A stop's
    kind is decided on its whole length (a 30-minute breakdown that straddles a shift end is still a
    breakdown), its time is counted only where it overlaps planned time.
    """
    reasons = reasons or {}
    win = clip_windows(windows, period)
    ends = [w.end for w in win]  # windows do not overlap, so their ends are sorted too
    pot = sum((w.end - w.start).total_seconds() for w in win)
    breaks = sum(w.break_s for w in win)
    acc = {"apt": 0.0, "aust": 0.0, "adet": 0.0, "micro": 0.0, "adot": 0.0, "pdot": 0.0}
    by_reason: dict[str, float] = {}
    failures = 0
    repairs: list[float] = []
    ttf: list[float] = []
    run_since_repair = 0.0
    overtime = 0.0
    ordered = sorted(intervals, key=lambda i: i.start)
    for iv in ordered:
        if iv.end <= iv.start:
            continue
        kind = classify(iv.state, iv.reason_code, (iv.end - iv.start).total_seconds(), reasons, micro_stop_s)
        lo = bisect_right(ends, iv.start)  # windows ending after the interval starts
        planned = 0.0
        for w in win[lo:]:
            if w.start >= iv.end:
                break
            planned += _overlap(iv.start, iv.end, w.start, w.end)
        if kind in ("apt", "aust"):  # work outside the shifts is overtime: planned time once worked
            extra = _overlap(iv.start, iv.end, period.start, period.end) - planned
            if extra > 0:
                overtime += extra
                planned += extra
        if planned > 0:
            acc[kind] += planned
            if kind != "apt":
                key = iv.reason_code or f"({iv.state})"
                by_reason[key] = by_reason.get(key, 0.0) + planned
        if kind == "apt":
            run_since_repair += planned
        if kind == "adot" and iv.state == DOWN and planned > 0 and iv.start >= period.start:
            starts_planned = any(w.start <= iv.start < w.end for w in win)
            if starts_planned:
                failures += 1
                ttf.append(run_since_repair)
                run_since_repair = 0.0
                if iv.end <= period.end:
                    repairs.append(planned)
    return RawElements(
        pot,
        breaks,
        overtime,
        acc["apt"],
        acc["aust"],
        acc["adet"],
        acc["micro"],
        acc["adot"],
        acc["pdot"],
        failures,
        tuple(repairs),
        tuple(ttf),
        by_reason,
    )


def finish(raw: RawElements) -> TimeElements:
    """Settle the break allowance and return the time elements of a (summed) ``RawElements``.

    Breaks are not located in time: the machine sat idle (or off) through them, so the break
    allowance is taken back from idle, then from stops, never from running or setup time; a break the
    machine worked through is not planned down time for it. (Plants whose machines report breaks as
    planned stops set the shift's break minutes to 0.)"""
    acc = {"apt": raw.apt, "aust": raw.aust, "adet": raw.adet, "micro": raw.micro, "adot": raw.adot}
    pot = raw.windows + raw.overtime
    pdot = min(pot, raw.pdot + raw.breaks)
    pbt = pot - pdot
    excess = acc["apt"] + acc["aust"] + acc["adet"] + acc["micro"] + acc["adot"] - pbt
    for k in ("adet", "adot", "micro"):
        if excess <= 0:
            break
        take = min(acc[k], excess)
        acc[k] -= take
        excess -= take
    if excess > 0:  # it worked through its break: that break was not planned down time for it
        pdot -= min(excess, raw.breaks)
        pbt = pot - pdot
    known = acc["apt"] + acc["aust"] + acc["adet"] + acc["micro"] + acc["adot"]
    return TimeElements(
        pot=pot,
        pdot=pdot,
        apt=acc["apt"],
        aust=acc["aust"],
        adet=acc["adet"] + acc["micro"],
        adot=acc["adot"],
        nodata=max(0.0, pbt - known),
        overtime=raw.overtime,
        micro_stop=acc["micro"],
        failures=raw.failures,
        repairs_s=raw.repairs_s,
        ttf_s=raw.ttf_s,
        by_reason=raw.by_reason,
    )


def intervals_from_changes(
    changes: Sequence[tuple[datetime, str, str | None]], until: datetime
) -> list[StateInterval]:
    """State intervals from time-ordered (at, state, reason) changes; the last lasts until ``until``."""
    ordered = sorted(changes, key=lambda c: c[0])
    out: list[StateInterval] = []
    for i, (at, state, reason) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else until
        if end > at:
            out.append(StateInterval(at, end, state, reason))
    return out
