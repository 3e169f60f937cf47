"""Furniture tables: customer orders of cabinets (and loose cut-list parts) and their panels.

A panel's ``done`` list (the stations it was scanned at) is a projection of its ``part.scanned``
events, kept on the row so the tracking board reads one table; the events stay the record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow


class FurnitureOrder(TenantMixin, Base):
    """가구 주문: cabinets (specs as JSON), loose parts from a cut list, the cutting plan once planned."""

    __tablename__ = "furniture_orders"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_furniture_orders_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    customer: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    cabinets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    work_orders: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    parts: Mapped[list[FurniturePart]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="FurniturePart.seq"
    )


class FurniturePart(TenantMixin, Base):
    """One panel of an order: its id is what its label's code carries and what scans name."""

    __tablename__ = "furniture_parts"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_furniture_parts_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("furniture_orders.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    cabinet: Mapped[str] = mapped_column(String(64))
    cabinet_title: Mapped[str] = mapped_column(String(200), default="")
    item: Mapped[str] = mapped_column(String(64), default="")  # the cabinet's MES item
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    material: Mapped[str] = mapped_column(String(64))
    thickness: Mapped[float] = mapped_column(Float)
    length: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float)
    grain: Mapped[bool] = mapped_column(Boolean, default=False)
    edges: Mapped[list[str]] = mapped_column(JSON, default=list)
    borings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    route: Mapped[list[str]] = mapped_column(JSON, default=list)
    done: Mapped[list[str]] = mapped_column(JSON, default=list)
    order: Mapped[FurnitureOrder] = relationship(back_populates="parts")
