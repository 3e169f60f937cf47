"""Rollup maths (pure): time buckets and the aggregate kept per bucket (count, sum, min, max)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WIDTHS = {"1m": 60_000, "1h": 3_600_000}


def bucket_ms(ts_ms: int, width: str) -> int:
    """Start of the bucket (epoch ms, UTC) that holds ``ts_ms``."""
    w = WIDTHS[width]
    return ts_ms - ts_ms % w


def ms_to_dt(ts_ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ts_ms)


def dt_to_ms(dt: datetime) -> int:
    return round((dt - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))


@dataclass(slots=True)
class Agg:
    n: int = 0
    sum: float = 0.0
    min: float = float("inf")
    max: float = float("-inf")

    def add(self, v: float) -> None:
        self.n += 1
        self.sum += v
        self.min = min(self.min, v)
        self.max = max(self.max, v)

    def merge(self, other: Agg) -> Agg:
        return Agg(self.n + other.n, self.sum + other.sum, min(self.min, other.min), max(self.max, other.max))

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else float("nan")


def aggregate(points: Iterable[tuple[int, float]], width: str) -> dict[int, Agg]:
    """Aggregate (ts_ms, value) points into buckets of ``width``."""
    out: dict[int, Agg] = {}
    for ts, v in points:
        out.setdefault(bucket_ms(ts, width), Agg()).add(v)
    return out
