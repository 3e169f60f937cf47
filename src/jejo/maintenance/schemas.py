"""Input schemas of maintenance (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanIn(_In):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    equipment: str
    trigger: Literal["calendar", "hours", "counter"]
    interval: float = Field(gt=0, description="days (calendar), running hours (hours) or counts (counter)")
    duration_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    checklist: list[str] = Field(default_factory=list, max_length=100)
    counter_tag: str | None = Field(
        default=None, max_length=128, description="default <equipment>.total / .run_hours"
    )
    start_value: float = Field(default=0.0, ge=0, description="counter or hours at the last maintenance")


class OrderIn(_In):
    code: str | None = Field(default=None, pattern=CODE)
    equipment: str
    kind: Literal["breakdown", "request", "preventive"] = "breakdown"
    description: str = Field(min_length=1, max_length=500)
    failed_at: datetime | None = None
    reported_at: datetime | None = Field(
        default=None, description="when it was reported (default: now); history entered later passes it"
    )
    checklist: list[str] = Field(default_factory=list, max_length=100)


class PartIn(_In):
    item: str
    lot: str
    location: str
    quantity: float = Field(gt=0)


class CompleteIn(_In):
    labour_minutes: float = Field(ge=0, le=7 * 24 * 60)
    checked: list[int] = Field(default_factory=list, description="indexes (0-based) of checklist items done")
    parts: list[PartIn] = Field(default_factory=list, max_length=100)
    completed_at: datetime | None = None


class CheckIn(_In):
    readings: dict[str, float] = Field(
        default_factory=dict, description="tag → value; tags not given are read from telemetry"
    )
    at: datetime = Field(description="the time of the check (the caller's clock, e.g. the simulator's)")
