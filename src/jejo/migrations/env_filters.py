"""What schema comparison leaves out: tables that data makes, not migrations (the day partitions of
``ts_samples`` on PostgreSQL)."""

from __future__ import annotations

from typing import Any

from jejo.telemetry.store import is_day_partition


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    return not (type_ == "table" and is_day_partition(name))
