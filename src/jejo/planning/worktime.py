"""Working time: the plant scheduler's time axis (pure domain).

The factory APS counts time in **working minutes** from the plan's origin: only the company's shifts
count (Korean public holidays and the company's days off skipped, the break taken from the middle of
each shift). An operation that does not finish before the end of a shift goes on at the start of the
next one, as on the floor. Machine outages (planned maintenance, breakdowns) are wall-clock periods
and are mapped onto the same axis. Without shifts the plant works around the clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from jejo.masterdata.calendar import ShiftDef, shift_instances

MINUTE = timedelta(minutes=1)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """Working windows ``[start, end)`` (UTC, sorted, disjoint, at whole minutes) from ``origin`` on.

    After the last window the axis goes on around the clock, so every working minute has a time.
    """

    origin: datetime
    windows: tuple[tuple[datetime, datetime], ...]

    @staticmethod
    def around_the_clock(origin: datetime) -> WorkingTime:
        return WorkingTime(_minute(origin), ())

    @staticmethod
    def from_shifts(
        origin: datetime,
        shifts: Iterable[ShiftDef],
        *,
        days: int = 60,
        tz: str = "Asia/Seoul",
        exceptions: dict[date, bool] | None = None,
    ) -> WorkingTime:
        """The shifts of ``days`` days from ``origin``; each shift's break is centred in the shift."""
        origin = _minute(origin)
        shifts = list(shifts)
        if not shifts:
            return WorkingTime.around_the_clock(origin)
        local = origin.astimezone(ZoneInfo(tz)).date()
        pieces: list[tuple[datetime, datetime]] = []
        for inst in shift_instances(
            shifts, local - timedelta(days=1), local + timedelta(days=days), tz, exceptions
        ):
            start, end = _minute(inst.start), _minute(inst.end)
            brk = timedelta(minutes=inst.break_minutes)
            if brk and end - start > brk:
                mid = start + (end - start - brk) // 2
                mid = _minute(mid)
                pieces += [(start, mid), (mid + brk, end)]
            else:
                pieces.append((start, end))
        merged: list[tuple[datetime, datetime]] = []
        for a, b in sorted(pieces):
            a = max(a, origin)
            if b <= a:
                continue
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return WorkingTime(origin, tuple(merged))

    # -- internals
    def _cum(self) -> list[int]:
        out, acc = [], 0
        for a, b in self.windows:
            out.append(acc)
            acc += int((b - a) / MINUTE)
        out.append(acc)
        return out

    @property
    def _tail(self) -> datetime:
        return self.windows[-1][1] if self.windows else self.origin

    def to_work(self, at: datetime, *, ceil: bool = False) -> int:
        """Working minutes from the origin to ``at``; before the origin, minus the wall-clock minutes."""
        if at < self.origin:
            return -math.ceil((self.origin - at) / MINUTE)
        cum = self._cum()
        total = 0.0
        for i, (a, b) in enumerate(self.windows):
            if at <= a:
                total = cum[i]
                break
            if at < b:
                total = cum[i] + (at - a) / MINUTE
                break
        else:
            total = cum[-1] + max(0.0, (at - self._tail) / MINUTE)
        return math.ceil(total - 1e-9) if ceil else math.floor(total + 1e-9)

    def to_wall(self, minutes: int, *, end: bool = False) -> datetime:
        """The time at which ``minutes`` working minutes have passed.

        A start that falls on the end of a window is the start of the next one; an end stays there.
        """
        if minutes < 0:
            return self.origin + minutes * MINUTE
        if end and minutes == 0:
            return self.to_wall(0)
        cum = self._cum()
        for i, (a, _b) in enumerate(self.windows):
            inside = cum[i] < minutes <= cum[i + 1] if end else cum[i] <= minutes < cum[i + 1]
            if inside:
                return a + (minutes - cum[i]) * MINUTE
        return self._tail + (minutes - cum[-1]) * MINUTE

    def segments(self, start: int, end: int) -> list[tuple[datetime, datetime]]:
        """The wall-clock pieces of the working interval ``[start, end)`` (one per window it touches)."""
        if end <= start:
            at = self.to_wall(start)
            return [(at, at)]
        out: list[tuple[datetime, datetime]] = []
        cum = self._cum()
        for i, (a, _b) in enumerate(self.windows):
            lo, hi = max(start, cum[i]), min(end, cum[i + 1])
            if lo < hi:
                out.append((a + (lo - cum[i]) * MINUTE, a + (hi - cum[i]) * MINUTE))
        if end > cum[-1]:
            lo = max(start, cum[-1])
            out.append((self._tail + (lo - cum[-1]) * MINUTE, self._tail + (end - cum[-1]) * MINUTE))
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "origin": self.origin.isoformat(),
            "windows": [[a.isoformat(), b.isoformat()] for a, b in self.windows],
        }

    @staticmethod
    def from_json(data: dict[str, object]) -> WorkingTime:
        windows = data.get("windows") or []
        assert isinstance(windows, list)
        return WorkingTime(
            datetime.fromisoformat(str(data["origin"])),
            tuple((datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in windows),
        )
