"""Purchasing tables: suppliers, purchase orders (proposed by MRP or entered) and receipts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import Item


def _uq(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("company_id", "code", name=f"uq_{table}_company_code"),)


class Supplier(TenantMixin, Base):
    __tablename__ = "suppliers"
    __table_args__ = _uq("suppliers")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    business_number: Mapped[str | None] = mapped_column(String(20))
    lead_time_days: Mapped[int] = mapped_column(Integer, default=7)
    contact: Mapped[str | None] = mapped_column(String(100))


class PurchaseOrder(TenantMixin, Base):
    """발주: status proposed (from MRP, not sent yet) → ordered → received, or cancelled."""

    __tablename__ = "purchase_orders"
    __table_args__ = _uq("purchase_orders")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="RESTRICT"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="PurchaseOrderLine.line_no"
    )


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_purchase_order_lines_line"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    quantity: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[int] = mapped_column(Integer, default=0)  # KRW, VAT excluded
    received_quantity: Mapped[float] = mapped_column(Float, default=0.0)
    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()


class PurchaseReceipt(TenantMixin, Base):
    """입고: one lot received against a purchase-order line."""

    __tablename__ = "purchase_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id", ondelete="RESTRICT"))
    lot_code: Mapped[str] = mapped_column(String(64), index=True)
    location_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    received_at: Mapped[datetime] = mapped_column()
    order_line: Mapped[PurchaseOrderLine] = relationship()


class SupplierItem(TenantMixin, Base):
    """What a supplier sells us: the price and lead time of one item (the first by ``priority`` is used)."""

    __tablename__ = "supplier_items"
    __table_args__ = (UniqueConstraint("supplier_id", "item_id", name="uq_supplier_items_item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    price: Mapped[int] = mapped_column(Integer, default=0)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    supplier: Mapped[Supplier] = relationship()
    item: Mapped[Item] = relationship()


class MaterialBlock(TenantMixin, Base):
    """A work order that could not be released for want of material (자재 부족): released automatically
    when a receipt covers its shortages."""

    __tablename__ = "material_blocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    shortages: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    blocked_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column()
