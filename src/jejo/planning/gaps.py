"""Gaps in a machine's timeline: where a stop of a given length fits between busy intervals.

Pure functions over aware datetimes; the busy intervals (planned operations, other planned stops) come
from the caller. Used to plan a maintenance order into the production plan instead of across it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]


def _free(start: datetime, duration: timedelta, busy: list[Interval]) -> bool:
    end = start + duration
    return all(not (start < b and a < end) for a, b in busy)


def _candidates(
    busy: list[Interval], earliest: datetime, latest: datetime, duration: timedelta
) -> list[datetime]:
    """Every start where a gap can begin or end against a busy interval, within [earliest, latest]."""
    points = {earliest, latest}
    for a, b in busy:
        points.add(b)  # right after a busy interval
        points.add(a - duration)  # ending right where one begins
    return sorted(p for p in points if earliest <= p <= latest)


def first_gap(
    busy: Iterable[Interval], earliest: datetime, latest: datetime, duration: timedelta
) -> datetime | None:
    """The earliest start in [earliest, latest] at which [start, start + duration) overlaps no busy
    interval; None when there is none."""
    spans = [(a, b) for a, b in busy if b > a]
    return next(
        (s for s in _candidates(spans, earliest, latest, duration) if _free(s, duration, spans)), None
    )


def last_gap(
    busy: Iterable[Interval], earliest: datetime, latest: datetime, duration: timedelta
) -> datetime | None:
    """The latest start in [earliest, latest] at which [start, start + duration) overlaps no busy
    interval; None when there is none."""
    spans = [(a, b) for a, b in busy if b > a]
    cands = _candidates(spans, earliest, latest, duration)
    return next((s for s in reversed(cands) if _free(s, duration, spans)), None)
