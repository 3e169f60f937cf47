"""Planning tables: machine capabilities beyond their own work center, production plans and their
versions (each with its inputs, its KPIs and what moved), and the planned operations of a version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import Equipment, WorkCenter


class PlanningCapability(TenantMixin, Base):
    """A machine that can also run the operations of another work center (an alternative machine),
    at ``speed`` times the standard rate (0.8: a fifth slower)."""

    __tablename__ = "planning_capabilities"
    __table_args__ = (
        UniqueConstraint("company_id", "equipment_id", "work_center_id", name="uq_planning_capabilities"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"), index=True)
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id", ondelete="CASCADE"))
    speed: Mapped[float] = mapped_column(Float, default=1.0)
    equipment: Mapped[Equipment] = relationship()
    work_center: Mapped[WorkCenter] = relationship()


class ProductionPlan(TenantMixin, Base):
    """생산계획: a finite-capacity plan of the open work orders, re-planned as a new version each time."""

    __tablename__ = "production_plans"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_production_plans_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
    time_limit_s: Mapped[float] = mapped_column(Float, default=5.0)
    frozen_minutes: Mapped[int] = mapped_column(Integer, default=120)
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    last_event_seq: Mapped[int] = mapped_column(BigInteger, default=0)  # event log read up to here
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanVersion.version"
    )


class PlanVersion(Base):
    """One version of a plan: why it was made, its inputs (so it can be checked and re-run), KPIs."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_versions_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("production_plans.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(16))  # created | replan | pin | breakdown
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    origin: Mapped[datetime] = mapped_column()
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kpis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    moved: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    optimal: Mapped[bool] = mapped_column(Boolean, default=False)
    plan: Mapped[ProductionPlan] = relationship(back_populates="versions")
    operations: Mapped[list[PlanOperation]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="PlanOperation.start"
    )


class PlanOperation(Base):
    """A work-order operation placed on a machine in one version of a plan."""

    __tablename__ = "plan_operations"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    work_order_code: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    equipment_code: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    work_start: Mapped[int] = mapped_column(Integer)  # working minutes from the version's origin
    work_end: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="planned")  # planned | started
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[PlanVersion] = relationship(back_populates="operations")
