"""Time: timezone-aware UTC in storage and APIs, Asia/Seoul for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC. A naive datetime is taken to be UTC already (as stored by SQLite)."""
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime, tz: str = "Asia/Seoul") -> datetime:
    return as_utc(value).astimezone(ZoneInfo(tz))
