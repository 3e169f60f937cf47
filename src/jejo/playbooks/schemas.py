"""Playbook definitions (pydantic): rules as data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"
ACTIONS = ("maintenance_order", "hold_lot", "notify")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Trigger(_In):
    """What a playbook reacts to. Every condition given must hold."""

    source: Literal["finding", "event"] = "finding"
    kind: Literal["anomaly", "quality", "rul"] | None = Field(
        default=None, description="finding kind (findings only)"
    )
    equipment: str = Field(default="*", max_length=64, description="machine code or pattern, e.g. MC-*")
    signal: str | None = Field(
        default=None, max_length=64, description="a signal among the finding's top contributing signals"
    )
    min_score: float | None = Field(default=None, description="anomaly score / defect probability at least")
    max_score: float | None = Field(default=None, description="e.g. predicted remaining life at most (RUL)")
    event_type: str | None = Field(default=None, max_length=48, description="event type (events only)")


class PlaybookIn(_In):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    trigger: Trigger = Trigger()
    action: Literal["maintenance_order", "hold_lot", "notify"]
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "maintenance_order: kind, description, checklist, plan_within_hours, duration_minutes; "
            "hold_lot: reason; notify: message"
        ),
    )
    cooldown_minutes: int = Field(default=240, ge=0, le=60 * 24 * 30)
