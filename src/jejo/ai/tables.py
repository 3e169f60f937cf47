"""AI tables: the model registry, findings with people's feedback, playbooks and the actions they took.

* ``ai_models`` — one row per trained model version: what it was trained on (data reference and time
  range), its features, held-out metrics, who trained / approved it, and the artifact file with its
  SHA-256. Status: candidate → active → retired (one active version per model name).
* ``ai_findings`` — what a model found (an anomaly on a machine, a predicted defect on a lot, a RUL
  below threshold): time window, score, explanation (top contributing signals). People acknowledge or
  dismiss it; their verdict stays as a label for retraining.
* ``ai_playbooks`` — rules as data: when a finding (or an event) matches, take an action in jejo.
* ``ai_playbook_actions`` — every action a playbook took, with the finding (or event) that caused it;
  unique per idempotency key, so running a playbook twice does nothing the second time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow


class AiModel(TenantMixin, Base):
    """A trained model version in the registry."""

    __tablename__ = "ai_models"
    __table_args__ = (UniqueConstraint("company_id", "name", "version", name="uq_ai_models_name_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # telemetry-anomaly | tabular-classifier | rul | ...
    status: Mapped[str] = mapped_column(String(12), default="candidate")  # candidate | active | retired
    equipment_code: Mapped[str | None] = mapped_column(String(64))
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # signals, window, thresholds
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # on held-out data
    data_ref: Mapped[str] = mapped_column(String(300))
    data_start: Mapped[datetime | None] = mapped_column()
    data_end: Mapped[datetime | None] = mapped_column()
    artifact: Mapped[str] = mapped_column(String(300))  # relative to the data folder
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(128))
    approved_at: Mapped[datetime | None] = mapped_column()
    retired_at: Mapped[datetime | None] = mapped_column()
    scored_until: Mapped[datetime | None] = mapped_column()  # the scheduled scorer's cursor
    note: Mapped[str] = mapped_column(String(500), default="")


class AiFinding(TenantMixin, Base):
    """Something a model found; deduplicated per (model, machine / lot) episode."""

    __tablename__ = "ai_findings"
    __table_args__ = (
        UniqueConstraint("company_id", "code", name="uq_ai_findings_company_code"),
        Index("ix_ai_findings_dedup", "company_id", "dedup_key", "window_end"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("ai_models.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # anomaly | quality | rul
    equipment_code: Mapped[str | None] = mapped_column(String(64))
    lot_code: Mapped[str | None] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float, default=1.0)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | acknowledged | dismissed
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    dedup_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    feedback_by: Mapped[str | None] = mapped_column(String(128))
    feedback_at: Mapped[datetime | None] = mapped_column()
    feedback_note: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(16))  # confirmed | false_alarm (for retraining)
    model: Mapped[AiModel | None] = relationship()


class Playbook(TenantMixin, Base):
    """A rule: when a finding / event matches ``trigger``, take ``action`` with ``params``."""

    __tablename__ = "ai_playbooks"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_ai_playbooks_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    trigger: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    action: Mapped[str] = mapped_column(String(32))  # maintenance_order | hold_lot | notify
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cooldown_minutes: Mapped[int] = mapped_column(Integer, default=240)
    approve_role: Mapped[str | None] = mapped_column(String(32))  # None: acts at once
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128), default="")


class PlaybookAction(TenantMixin, Base):
    """One action a playbook took (or skipped / failed), with what caused it."""

    __tablename__ = "ai_playbook_actions"
    __table_args__ = (
        UniqueConstraint("company_id", "idempotency_key", name="uq_ai_playbook_actions_key"),
        Index("ix_ai_playbook_actions_cooldown", "company_id", "playbook_id", "subject", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[int] = mapped_column(ForeignKey("ai_playbooks.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("ai_findings.id", ondelete="SET NULL"))
    event_id: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(64))  # the machine or lot acted on
    action: Mapped[str] = mapped_column(String(32))
    # pending (waiting for the playbook's approve_role) → done | failed | rejected; done → reverted;
    # skipped: nothing was done (cooldown, no subject)
    status: Mapped[str] = mapped_column(String(12))
    target: Mapped[str | None] = mapped_column(String(64))  # e.g. the maintenance order's code
    detail: Mapped[str] = mapped_column(String(500), default="")
    reason: Mapped[str | None] = mapped_column(String(500))  # what caused it, in words
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(128))  # who approved or rejected it
    decided_at: Mapped[datetime | None] = mapped_column()
    reverted_by: Mapped[str | None] = mapped_column(String(128))
    reverted_at: Mapped[datetime | None] = mapped_column()
    playbook: Mapped[Playbook] = relationship()
    finding: Mapped[AiFinding | None] = relationship()
