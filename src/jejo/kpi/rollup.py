"""Hourly KPI rollups (pure): time elements and counts per machine and hour, so a month-long dashboard
adds up 720 small rows per machine instead of walking a month of states.

Time elements add up exactly over hours (each is a sum of seconds, the break allowance is prorated
inside each window); a failure belongs to the hour it started in. Ratios are always recomputed from
the summed elements, never averaged.
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
    ReasonInfo,
    StateInterval,
    TimeElements,
    time_elements,
)

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HourRow:
    equipment: str
    hour: datetime
    te: TimeElements
    counts: ProductionCounts


def hourly_elements(
    equipment: str,
    intervals: Sequence[StateInterval],
    windows: Sequence[PlannedWindow],
    period: Period,
    reasons: Mapping[str, ReasonInfo] | None = None,
    micro_stop_s: float = DEFAULT_MICRO_STOP_S,
) -> list[tuple[datetime, TimeElements]]:
    """Time elements of one machine per hour of the period (the period should start on an hour).

    A stop is classified on its whole length (a 10-minute stop split over two hours stays a 10-minute
    stop), so the hourly rows add up to the period's elements."""
    from jejo.kpi.timeelements import classify

    ivs = sorted(intervals, key=lambda i: i.start)
    wins = sorted(windows, key=lambda w: w.start)
    out: list[tuple[datetime, TimeElements]] = []
    i = w = 0
    h = period.start
    while h < period.end:
        h1 = min(h + HOUR, period.end)
        while i < len(ivs) and ivs[i].end <= h:
            i += 1
        while w < len(wins) and wins[w].end <= h:
            w += 1
        sub: list[StateInterval] = []
        j = i
        while j < len(ivs) and ivs[j].start < h1:
            iv = ivs[j]
            # keep the stop's own kind: pin its reason-less short/long nature by pre-classifying
            kind = classify(
                iv.state, iv.reason_code, (iv.end - iv.start).total_seconds(), reasons or {}, micro_stop_s
            )
            part = StateInterval(max(iv.start, h), min(iv.end, h1), iv.state, iv.reason_code)
            if kind == "micro" and iv.reason_code is None:
                part = StateInterval(part.start, part.end, iv.state, "__micro__")
            elif kind in ("adet", "adot") and iv.reason_code is None and iv.state != "running":
                part = StateInterval(part.start, part.end, iv.state, "__long__")
            if part.end > part.start:
                sub.append(part)
            j += 1
        k = w
        hw: list[PlannedWindow] = []
        while k < len(wins) and wins[k].start < h1:
            hw.append(wins[k])
            k += 1
        rs = dict(reasons or {})
        rs["__micro__"] = ReasonInfo("__micro__", False, "performance")
        rs["__long__"] = ReasonInfo("__long__", False, "availability")
        te = time_elements(sub, hw, Period(h, h1), rs, micro_stop_s)
        failures = sum(
            1
            for iv in ivs[i:j]
            if iv.state == "down" and h <= iv.start < h1 and kind_is_failure(iv, rs, micro_stop_s)
        )
        out.append((h, _with_failures(te, failures)))
        h = h1
    return out


def kind_is_failure(iv: StateInterval, reasons: Mapping[str, ReasonInfo], micro_stop_s: float) -> bool:
    from jejo.kpi.timeelements import classify

    return (
        classify(iv.state, iv.reason_code, (iv.end - iv.start).total_seconds(), reasons, micro_stop_s)
        == "adot"
    )


def _with_failures(te: TimeElements, failures: int) -> TimeElements:
    return TimeElements(
        te.pot,
        te.pdot,
        te.apt,
        te.aust,
        te.adet,
        te.adot,
        te.nodata,
        te.overtime,
        te.micro_stop,
        failures,
        (),
        (),
        te.by_reason,
    )


def sum_rows(rows: Iterable[tuple[TimeElements, ProductionCounts]]) -> tuple[TimeElements, ProductionCounts]:
    """Add up rollup rows (time elements and counts)."""
    te, c = TimeElements(), ProductionCounts()
    for a, b in rows:
        te, c = te + a, c + b
    return te, c
