"""Inventory: locations (master data), and lots and stock on hand as projections of movement events."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin


class Location(TenantMixin, Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_locations_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="storage")  # storage | wip | shipping | quarantine


class Lot(Base):
    """A lot or a serial number, first seen in a receipt or a production report."""

    __tablename__ = "proj_lots"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(16))  # receipt | production | adjustment
    serial: Mapped[bool] = mapped_column(Boolean, default=False)
    work_order_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    first_event_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class Stock(Base):
    """Stock on hand per item, lot and location (sum of all movements)."""

    __tablename__ = "proj_stock"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    location_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float, default=0.0)
