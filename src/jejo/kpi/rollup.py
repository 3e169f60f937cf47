"""Hourly KPI rollups: additive time elements and counts per machine and hour, so a month-long
dashboard adds up 720 small rows per machine instead of walking a month of states.

What is stored per hour is ``RawElements`` (sums before the break allowance is settled); a query adds
the hours of each machine up and calls ``timeelements.finish`` on the sum, which gives exactly the
time elements of the whole period. A stop keeps the kind of its whole length (a 10-minute stop split by
an hour boundary is not two micro-stops); a failure belongs to the hour it started in. Ratios are
always recomputed from the sums, never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from jejo.kpi.iso22400 import ProductionCounts
from jejo.kpi.timeelements import (
    DEFAULT_MICRO_STOP_S,
    Period,
    PlannedWindow,
    RawElements,
    ReasonInfo,
    StateInterval,
    TimeElements,
    accumulate,
    classify,
    finish,
)

HOUR = timedelta(hours=1)
_MICRO, _LONG, _FAIL = "__micro__", "__long__", "__failure__"


@dataclass(frozen=True, slots=True)
class HourRow:
    equipment: str
    hour: datetime
    raw: RawElements
    counts: ProductionCounts


def hourly_elements(
    equipment: str,
    intervals: Sequence[StateInterval],
    windows: Sequence[PlannedWindow],
    period: Period,
    reasons: Mapping[str, ReasonInfo] | None = None,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
) -> list[tuple[datetime, RawElements]]:
    """Additive time elements of one machine per hour of the period (which should start on an hour)."""
    rs: dict[str, ReasonInfo] = dict(reasons or {})
    rs[_MICRO] = ReasonInfo(_MICRO, False, "performance")
    rs[_LONG] = ReasonInfo(_LONG, False, "availability")
    ivs = sorted(intervals, key=lambda i: i.start)
    wins = sorted(windows, key=lambda w: w.start)
    out: list[tuple[datetime, RawElements]] = []
    i = w = 0
    h = period.start
    while h < period.end:
        h1 = min(h + HOUR, period.end)
        while i < len(ivs) and ivs[i].end <= h:
            i += 1
        while w < len(wins) and wins[w].end <= h:
            w += 1
        sub: list[StateInterval] = []
        failures = 0
        j = i
        while j < len(ivs) and ivs[j].start < h1:
            iv = ivs[j]
            kind = classify(iv.state, iv.reason_code, (iv.end - iv.start).total_seconds(), rs, micro_stop_s)
            reason = iv.reason_code
            if reason is None and kind == "micro":
                reason = _MICRO
            elif reason is None and kind in ("adet", "adot"):
                reason = _LONG
            if kind == "adot" and iv.state == "down" and h <= iv.start < h1:
                failures += 1
            part = StateInterval(max(iv.start, h), min(iv.end, h1), iv.state, reason)
            if part.end > part.start:
                sub.append(part)
            j += 1
        hw: list[PlannedWindow] = []
        k = w
        while k < len(wins) and wins[k].start < h1:
            hw.append(wins[k])
            k += 1
        raw = accumulate(sub, hw, Period(h, h1), rs, micro_stop_s)
        out.append(
            (
                h,
                RawElements(
                    raw.windows,
                    raw.breaks,
                    raw.overtime,
                    raw.apt,
                    raw.aust,
                    raw.adet,
                    raw.micro,
                    raw.adot,
                    raw.pdot,
                    failures,
                ),
            )
        )
        h = h1
    return out


def settle(per_machine: Iterable[RawElements]) -> TimeElements:
    """Time elements of several machines: each machine's summed hours finished, then added up."""
    total = TimeElements()
    for raw in per_machine:
        total = total + finish(raw)
    return total
