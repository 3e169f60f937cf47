"""MTBF and MTTR of a machine over a period (pure).

* **MTTR** (mean time to repair) = mean of (repair completed − failure) over the breakdowns repaired in
  the period, in hours.
* **MTBF** (mean time between failures) = (period length − total repair time) ÷ number of failures in the
  period, in hours; None without failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Repair:
    failed_at: datetime
    repaired_at: datetime | None


def mttr_mtbf(repairs: list[Repair], start: datetime, end: datetime) -> dict[str, float | int | None]:
    failures = [r for r in repairs if start <= r.failed_at < end]
    done = [r for r in failures if r.repaired_at is not None]
    repair_h = [(r.repaired_at - r.failed_at).total_seconds() / 3600 for r in done if r.repaired_at]
    period_h = (end - start).total_seconds() / 3600
    return {
        "failures": len(failures),
        "mttr_hours": sum(repair_h) / len(repair_h) if repair_h else None,
        "mtbf_hours": (period_h - sum(repair_h)) / len(failures) if failures else None,
    }


def due(
    trigger: str,
    interval: float,
    last_at: datetime | None,
    last_value: float,
    now: datetime,
    reading: float | None,
) -> bool:
    """Whether a preventive plan is due: ``interval`` days since ``last_at`` (calendar), or ``interval``
    counts / running hours since ``last_value`` (counter / hours; never without a reading)."""
    if trigger == "calendar":
        return last_at is None or (now - last_at).total_seconds() >= interval * 86400
    return reading is not None and reading - last_value >= interval
