"""Event types of maintenance: an order opened (preventive, breakdown or request) and completed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaintenanceOpened(_Payload):
    order: str
    equipment: str
    kind: Literal["preventive", "breakdown", "request"]
    plan: str | None = None


class MaintenanceCompleted(_Payload):
    order: str
    equipment: str
    kind: Literal["preventive", "breakdown", "request"]
    downtime_minutes: float = Field(default=0.0, ge=0)
    labour_minutes: float = Field(default=0.0, ge=0)


PAYLOADS: dict[str, type[BaseModel]] = {
    "maintenance.opened": MaintenanceOpened,
    "maintenance.completed": MaintenanceCompleted,
}
