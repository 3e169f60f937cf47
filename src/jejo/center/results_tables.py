"""Tables of business plans, results with consent, federation and usage records.

Two sides use them. On the **center's** instance: business plans (사업계획서), federation links to firms'
instances, the results those firms shared, push receipts (idempotency) and usage days. On a **firm's**
instance: its results projects, their indicator values with the firm's consent per indicator, and the
outbox of pushes to the center.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.ids import new_event_id
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow

# ---- center side: business plans ----------------------------------------------------------------


class BusinessPlan(TenantMixin, Base):
    """A business-plan draft for one firm and one program. Sections are text a consultant edits;
    scope, schedule, budget and KPIs are structured (JSON) so they can be validated and exported."""

    __tablename__ = "center_plans"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_center_plans_company_code"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    code: Mapped[str] = mapped_column(String(64))
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    program: Mapped[str] = mapped_column(String(64), default="")  # program code of the catalogue
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | final
    baseline_from: Mapped[datetime | None] = mapped_column()
    baseline_to: Mapped[datetime | None] = mapped_column()
    target_level: Mapped[str] = mapped_column(String(8), default="")  # 기초 | 중간1 | 중간2 | 고도화
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scope: Mapped[list[Any]] = mapped_column(JSON, default=list)
    schedule: Mapped[list[Any]] = mapped_column(JSON, default=list)
    budget: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kpis: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# ---- center side: federation, shared results, usage ----------------------------------------------


class FederationLink(TenantMixin, Base):
    """A firm's instance allowed to push results for one firm record. The token is signed with the
    center's secret key; only its hash is kept, so a link can be revoked."""

    __tablename__ = "center_federation_links"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_push_at: Mapped[datetime | None] = mapped_column()


class SharedResult(TenantMixin, Base):
    """One before/after indicator of one firm's project, as the center holds it: pushed by the firm's
    instance (``source`` measured or self_reported there) or typed in at the center (self_reported)."""

    __tablename__ = "center_shared_results"
    __table_args__ = (
        UniqueConstraint(
            "company_id", "firm_id", "project", "indicator", name="uq_center_shared_results_key"
        ),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    project: Mapped[str] = mapped_column(String(64))
    project_title: Mapped[str] = mapped_column(String(300), default="")
    program: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16), default="")
    before: Mapped[float | None] = mapped_column(Float)
    after: Mapped[float | None] = mapped_column(Float)
    before_from: Mapped[datetime | None] = mapped_column()
    before_to: Mapped[datetime | None] = mapped_column()
    after_from: Mapped[datetime | None] = mapped_column()
    after_to: Mapped[datetime | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(16))  # measured | self_reported
    consent: Mapped[str] = mapped_column(String(16))  # center | public (private never arrives)
    case_study: Mapped[bool] = mapped_column(Boolean, default=False)  # firm agreed to a named case page
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    push_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushReceipt(TenantMixin, Base):
    """One push accepted from a firm's instance; a second delivery of the same push id is a no-op."""

    __tablename__ = "center_push_receipts"
    __table_args__ = (UniqueConstraint("company_id", "push_id", name="uq_center_push_receipts_push"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    push_id: Mapped[str] = mapped_column(String(64))
    link_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_federation_links.id", ondelete="CASCADE"))
    indicators: Mapped[int] = mapped_column(Integer, default=0)
    usage_days: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageDay(TenantMixin, Base):
    """Use of a firm's jejo on one day: records written per module and log-ins (운영기록)."""

    __tablename__ = "center_usage_days"
    __table_args__ = (
        UniqueConstraint("company_id", "firm_id", "day", "module", name="uq_center_usage_days_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("center_firms.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    module: Mapped[str] = mapped_column(String(32))  # e.g. execution, machine, quality, login
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    users: Mapped[int] = mapped_column(Integer, default=0)


# ---- firm side: results projects, consent, outbox -------------------------------------------------


class ResultProject(TenantMixin, Base):
    """A smart-factory project on the firm's own instance, with its baseline (before) and after periods
    and where to report it (the center's URL and the federation token the center issued)."""

    __tablename__ = "center_result_projects"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_center_result_projects_code"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    program: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int] = mapped_column(Integer)
    before_from: Mapped[datetime] = mapped_column()
    before_to: Mapped[datetime] = mapped_column()
    after_from: Mapped[datetime | None] = mapped_column()
    after_to: Mapped[datetime | None] = mapped_column()
    center_url: Mapped[str] = mapped_column(String(300), default="")
    center_token: Mapped[str] = mapped_column(Text, default="")
    case_study: Mapped[bool] = mapped_column(Boolean, default=False)
    share_usage: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    values: Mapped[list[ResultValue]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ResultValue.indicator"
    )


class ResultValue(TenantMixin, Base):
    """One indicator of a project: before and after, measured by jejo or typed in (self_reported), and
    the firm's consent: private (never leaves this instance), center, or public (anonymised)."""

    __tablename__ = "center_result_values"
    __table_args__ = (UniqueConstraint("project_id", "indicator", name="uq_center_result_values_key"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_event_id)
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_result_projects.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[str] = mapped_column(String(32))
    before: Mapped[float | None] = mapped_column(Float)
    after: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16), default="measured")
    consent: Mapped[str] = mapped_column(String(16), default="private")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    project: Mapped[ResultProject] = relationship(back_populates="values")


class PushOutbox(TenantMixin, Base):
    """A push waiting for (or done with) delivery to the center; retried until it is accepted."""

    __tablename__ = "center_push_outbox"
    __table_args__ = (UniqueConstraint("company_id", "push_id", name="uq_center_push_outbox_push"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    push_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("center_result_projects.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
