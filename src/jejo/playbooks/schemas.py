"""Playbook definitions (pydantic): rules as data."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

CODE = r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$"
ACTIONS = ("maintenance_order", "hold_lot", "notify", "replan")
#: roles that may be named to approve a playbook's actions (the plant's roles, not the center's)
ApproveRole = Literal["supervisor", "manager", "quality", "maintenance", "admin"]
ROLES_APPROVING: tuple[str, ...] = get_args(ApproveRole)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Trigger(_In):
    """What a playbook reacts to. Every condition given must hold."""

    source: Literal["finding", "event"] = "finding"
    kind: Literal["anomaly", "quality", "rul", "spc"] | None = Field(
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
    action: Literal["maintenance_order", "hold_lot", "notify", "replan"]
    params: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "maintenance_order: kind, description, checklist, plan_within_hours, duration_minutes; "
            "hold_lot: reason; notify: message, channel (web | webhook | email), url (webhook), to (email); "
            "replan: out_minutes (keep the machine free that long from now)"
        ),
    )
    cooldown_minutes: int = Field(default=240, ge=0, le=60 * 24 * 30)
    approve_role: ApproveRole | None = Field(
        default=None, description="the role that must approve each action first; none: it acts at once"
    )

    @model_validator(mode="after")
    def _params_fit_the_action(self) -> PlaybookIn:
        p = self.params
        if self.action == "maintenance_order":
            for key in ("plan_within_hours", "duration_minutes"):
                v = p.get(key)
                if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0):
                    raise ValueError(f"params.{key} must be a number above 0, got {v!r}")
            if p.get("kind", "request") not in ("request", "preventive", "breakdown"):
                raise ValueError("params.kind must be request, preventive or breakdown")
        if self.action == "replan":
            v = p.get("out_minutes")
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 10080
            ):
                raise ValueError(f"params.out_minutes must be a number of minutes from 1 to 10080, got {v!r}")
        if self.action == "notify":
            channel = p.get("channel", "web")
            if channel not in ("web", "webhook", "email"):
                raise ValueError(f"params.channel must be web, webhook or email, got {channel!r}")
            url = str(p.get("url") or "")
            if channel == "webhook" and not url.startswith(("http://", "https://")):
                raise ValueError("params.url must be an http(s) address for a webhook")
            to = p.get("to")
            if channel == "email" and (
                not isinstance(to, list)
                or not to
                or not all(isinstance(a, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a) for a in to)
            ):
                raise ValueError("params.to must list the e-mail addresses to send to")
        return self
