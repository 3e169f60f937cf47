"""Execution tables: work orders (their definition), the append-only event log, and the projections
(current state) that are folded from it. Projections can always be dropped and rebuilt from events."""

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
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow

BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class WorkOrder(TenantMixin, Base):
    """What to make, how many, by when. Its progress and status are projections of events."""

    __tablename__ = "work_orders"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_work_orders_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    due_date: Mapped[date] = mapped_column(Date)
    sales_order_line: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    operations: Mapped[list[WorkOrderOperation]] = relationship(
        back_populates="work_order", cascade="all, delete-orphan", order_by="WorkOrderOperation.seq"
    )
    materials: Mapped[list[WorkOrderMaterial]] = relationship(
        back_populates="work_order", cascade="all, delete-orphan", order_by="WorkOrderMaterial.id"
    )
    state: Mapped[WorkOrderState | None] = relationship(viewonly=True, uselist=False)


class WorkOrderOperation(Base):
    """A routing operation exploded onto a work order (a snapshot: later routing edits don't change it)."""

    __tablename__ = "work_order_operations"
    __table_args__ = (UniqueConstraint("work_order_id", "seq", name="uq_work_order_operations_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id", ondelete="RESTRICT"))
    setup_time_s: Mapped[float] = mapped_column(Float, default=0.0)
    cycle_time_s: Mapped[float] = mapped_column(Float)
    planned_quantity: Mapped[float] = mapped_column(Float)
    work_order: Mapped[WorkOrder] = relationship(back_populates="operations")


class WorkOrderMaterial(Base):
    """Material requirement of a work order from its BOM (quantity includes the scrap factor)."""

    __tablename__ = "work_order_materials"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    quantity: Mapped[float] = mapped_column(Float)
    work_order: Mapped[WorkOrder] = relationship(back_populates="materials")


class Event(TenantMixin, Base):
    """One thing that happened, as it was reported. Never updated, never deleted."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("company_id", "idempotency_key", name="uq_events_company_idempotency_key"),
        Index("ix_events_company_occurred", "company_id", "occurred_at"),
        Index("ix_events_work_order", "work_order_id", "occurred_at"),
    )
    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    type: Mapped[str] = mapped_column(String(48))
    occurred_at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(128))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="RESTRICT"))
    equipment_code: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


# ---- projections -------------------------------------------------------------------------------


class WorkOrderState(Base):
    __tablename__ = "proj_work_order_state"
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    good: Mapped[float] = mapped_column(Float, default=0.0)
    scrap: Mapped[float] = mapped_column(Float, default=0.0)
    rework: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    last_event_at: Mapped[datetime | None] = mapped_column()
    last_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    consumed_lots: Mapped[list[str]] = mapped_column(JSON, default=list)
    produced_lots: Mapped[list[str]] = mapped_column(JSON, default=list)


class OperationState(Base):
    __tablename__ = "proj_operation_state"
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    good: Mapped[float] = mapped_column(Float, default=0.0)
    scrap: Mapped[float] = mapped_column(Float, default=0.0)
    rework: Mapped[float] = mapped_column(Float, default=0.0)
    scrap_by_reason: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    equipment_code: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    run_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    running_since: Mapped[datetime | None] = mapped_column()


class MachineState(Base):
    __tablename__ = "proj_machine_state"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    equipment_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column()
    reason_code: Mapped[str | None] = mapped_column(String(64))
    work_order_id: Mapped[int | None] = mapped_column(Integer)
    last_event_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class GenealogyLink(Base):
    """Consumed lot ``parent_lot`` went into produced lot ``child_lot`` through a work order."""

    __tablename__ = "proj_genealogy"
    __table_args__ = (Index("ix_proj_genealogy_child", "company_id", "child_lot"),)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    parent_lot: Mapped[str] = mapped_column(String(64), primary_key=True)
    child_lot: Mapped[str] = mapped_column(String(64), primary_key=True)
    work_order_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class PartState(Base):
    """Where a tracked part (e.g. a furniture panel) was last scanned."""

    __tablename__ = "proj_part_state"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    part_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    scanned_at: Mapped[datetime] = mapped_column()
    scans: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [occurred_at ISO, station, event id]
    work_order_id: Mapped[int | None] = mapped_column(Integer)
