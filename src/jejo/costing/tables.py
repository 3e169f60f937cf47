"""Costing tables: standard material prices per item, machine-hour and labour rates per work center,
and labour bookings (the projection of ``labour.booked`` events that cost calculations read)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin


class StandardPrice(TenantMixin, Base):
    """표준 단가: the standard price of one unit of an item (material), in KRW."""

    __tablename__ = "standard_prices"
    __table_args__ = (UniqueConstraint("company_id", "item_id", name="uq_standard_prices_item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    price: Mapped[int] = mapped_column(Integer)


class WorkCenterRate(TenantMixin, Base):
    """임률 / 기계 시간당 비용: KRW per hour of machine and of labour at a work center."""

    __tablename__ = "work_center_rates"
    __table_args__ = (UniqueConstraint("company_id", "work_center_id", name="uq_work_center_rates_wc"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id", ondelete="CASCADE"))
    machine_rate: Mapped[int] = mapped_column(Integer, default=0)
    labour_rate: Mapped[int] = mapped_column(Integer, default=0)


class LabourBooking(TenantMixin, Base):
    __tablename__ = "labour_bookings"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id", ondelete="RESTRICT"))
    operator: Mapped[str] = mapped_column(String(64))
    labour_minutes: Mapped[float] = mapped_column(Float)
    machine_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    booked_at: Mapped[datetime] = mapped_column()
