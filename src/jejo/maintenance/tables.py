"""Maintenance tables: preventive plans (calendar, running hours or counter), maintenance orders
(preventive, breakdown, request) with checklists, spare parts and labour."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import Equipment


def _uq(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("company_id", "code", name=f"uq_{table}_company_code"),)


class MaintenancePlan(TenantMixin, Base):
    """예방보전 계획: every ``interval`` days (calendar), running hours (hours) or counts (counter)."""

    __tablename__ = "maintenance_plans"
    __table_args__ = _uq("maintenance_plans")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(12))  # calendar | hours | counter
    interval: Mapped[float] = mapped_column(Float)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_done_at: Mapped[datetime | None] = mapped_column()
    counter_tag: Mapped[str | None] = mapped_column(String(128))  # hours/counter: the telemetry tag read
    last_done_value: Mapped[float] = mapped_column(Float, default=0.0)  # counter / hours at last order
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    equipment: Mapped[Equipment] = relationship()


class MaintenanceOrder(TenantMixin, Base):
    """보전 작업지시: open → in_progress → done, or open → cancelled. ``planned_start``/``planned_end``
    are the time the scheduler must treat as unavailable on the machine."""

    __tablename__ = "maintenance_orders"
    __table_args__ = _uq("maintenance_orders")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # preventive | breakdown | request
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_plans.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="open")
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{text, done}]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_at: Mapped[datetime | None] = mapped_column()  # breakdowns: when the machine went down
    planned_start: Mapped[datetime | None] = mapped_column()
    planned_end: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    labour_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    equipment: Mapped[Equipment] = relationship()
    plan: Mapped[MaintenancePlan | None] = relationship()
    parts: Mapped[list[MaintenancePart]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="MaintenancePart.id"
    )


class MaintenancePart(Base):
    """A spare part used on an order (issued from inventory with ``inventory.issued``)."""

    __tablename__ = "maintenance_parts"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("maintenance_orders.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    lot_code: Mapped[str] = mapped_column(String(64))
    location_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    order: Mapped[MaintenanceOrder] = relationship(back_populates="parts")
