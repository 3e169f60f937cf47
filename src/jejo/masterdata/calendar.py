"""Working time: shifts, Korean public holidays and a company's own exceptions (pure domain).

Shift times are the site's local wall-clock times; the result is in UTC, as everything jejo stores.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True, slots=True)
class ShiftDef:
    code: str
    start: time
    end: time
    break_minutes: int = 0
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True, slots=True)
class ShiftInstance:
    shift: str
    day: date  # the local date the shift starts on
    start: datetime  # UTC
    end: datetime  # UTC
    break_minutes: int

    @property
    def planned_seconds(self) -> float:
        return (self.end - self.start).total_seconds() - 60 * self.break_minutes


@lru_cache(maxsize=16)
def _kr_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("KR", years=year, language="ko"))


def korean_holiday(day: date) -> str | None:
    """The Korean public holiday on ``day`` (name in Korean), if any; substitute holidays included."""
    return _kr_holidays(day.year).get(day)


def is_working_day(day: date, shift: ShiftDef, exceptions: dict[date, bool]) -> bool:
    if day in exceptions:
        return exceptions[day]
    return day.weekday() in shift.weekdays and korean_holiday(day) is None


def shift_instances(
    shifts: Iterable[ShiftDef],
    start: date,
    end: date,
    tz: str = "Asia/Seoul",
    exceptions: dict[date, bool] | None = None,
) -> list[ShiftInstance]:
    """Every shift that starts on a local date in [start, end], skipping holidays and days off."""
    zone = ZoneInfo(tz)
    exc = exceptions or {}
    out: list[ShiftInstance] = []
    day = start
    shifts = list(shifts)
    while day <= end:
        for s in shifts:
            if not is_working_day(day, s, exc):
                continue
            begin = datetime.combine(day, s.start, zone)
            finish_day = day + timedelta(days=1) if s.end <= s.start else day
            finish = datetime.combine(finish_day, s.end, zone)
            out.append(
                ShiftInstance(s.code, day, begin.astimezone(UTC), finish.astimezone(UTC), s.break_minutes)
            )
        day += timedelta(days=1)
    out.sort(key=lambda i: i.start)
    return out
