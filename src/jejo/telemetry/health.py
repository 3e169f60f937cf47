"""What the collectors report about themselves: their counters arrive as samples of system tags
(``_collector.<name>.<counter>``, see :class:`jejo.telemetry.collector.Collector`) and are read back
here for the machine-data status page. A loss (samples the disk buffer's cap dropped) is never silent:
it is logged by the collector and shown here until someone looks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jejo.telemetry.tables import TsLast, TsTag

PREFIX = "_collector."
COUNTERS = ("dropped_by_cap", "restamped", "buffered", "forwarded")


@dataclass
class CollectorHealth:
    name: str
    reported_at: datetime | None = None
    counters: dict[str, float] = field(default_factory=dict)

    @property
    def dropped(self) -> int:
        return int(self.counters.get("dropped_by_cap", 0))

    @property
    def restamped(self) -> int:
        return int(self.counters.get("restamped", 0))


def collectors(session: Session, company_id: int) -> list[CollectorHealth]:
    """Each collector of the company with the newest value of each of its counters."""
    rows = session.execute(
        select(TsTag.code, TsLast.ts, TsLast.value)
        .join(TsLast, TsLast.tag_id == TsTag.id)
        .where(TsTag.company_id == company_id, TsTag.code.startswith(PREFIX, autoescape=True))
    ).all()
    out: dict[str, CollectorHealth] = {}
    for code, ts, value in rows:
        name, _, counter = code[len(PREFIX) :].rpartition(".")
        if counter not in COUNTERS or not name:
            continue
        h = out.setdefault(name, CollectorHealth(name))
        h.counters[counter] = float(value or 0)
        if h.reported_at is None or ts > h.reported_at:
            h.reported_at = ts
    return sorted(out.values(), key=lambda h: h.name)
