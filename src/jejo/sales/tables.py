"""Sales tables: customers, sales orders and their lines, shipments and returns.

Money is integer KRW (won). A line's ``unit_price`` is the supply price per unit without VAT; the VAT
is computed per line (see :mod:`jejo.sales.money`). Stock moves and the record of which customer got
which lot are events (``inventory.issued`` + ``lot.shipped``, ``inventory.received`` + ``lot.returned``);
these tables keep the documents (delivery note, return note) they belong to.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import Item


def _uq(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("company_id", "code", name=f"uq_{table}_company_code"),)


class Customer(TenantMixin, Base):
    __tablename__ = "customers"
    __table_args__ = _uq("customers")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    business_number: Mapped[str | None] = mapped_column(String(20))  # 사업자등록번호
    contact: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SalesOrder(TenantMixin, Base):
    """수주: what a customer ordered, with the dates asked for and promised."""

    __tablename__ = "sales_orders"
    __table_args__ = _uq("sales_orders")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)
    order_date: Mapped[date] = mapped_column(Date)
    customer_ref: Mapped[str | None] = mapped_column(String(64))  # the customer's PO number
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed | cancelled
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SalesOrderLine.line_no"
    )


class SalesOrderLine(Base):
    __tablename__ = "sales_order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_sales_order_lines_line"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    quantity: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[int] = mapped_column(Integer)  # KRW per unit, VAT excluded (공급가)
    vat_percent: Mapped[int] = mapped_column(Integer, default=10)  # 0 for zero-rated exports
    requested_date: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    fulfilment: Mapped[str] = mapped_column(String(8), default="make")  # make (to order) | stock
    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()


class Shipment(TenantMixin, Base):
    """출하: one delivery (거래명세서 / delivery note) of lots against one sales order."""

    __tablename__ = "shipments"
    __table_args__ = _uq("shipments")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="RESTRICT"), index=True)
    shipped_at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))
    order: Mapped[SalesOrder] = relationship()
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="ShipmentLine.id"
    )


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id", ondelete="RESTRICT"))
    lot_code: Mapped[str] = mapped_column(String(64), index=True)
    location_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()


class SalesReturn(TenantMixin, Base):
    """반품: lots a customer sent back, with the reason."""

    __tablename__ = "sales_returns"
    __table_args__ = _uq("sales_returns")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="RESTRICT"), index=True)
    returned_at: Mapped[datetime] = mapped_column()
    order: Mapped[SalesOrder] = relationship()
    lines: Mapped[list[SalesReturnLine]] = relationship(
        back_populates="sales_return", cascade="all, delete-orphan", order_by="SalesReturnLine.id"
    )


class SalesReturnLine(Base):
    __tablename__ = "sales_return_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sales_returns.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id", ondelete="RESTRICT"))
    lot_code: Mapped[str] = mapped_column(String(64))
    location_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(200))
    sales_return: Mapped[SalesReturn] = relationship(back_populates="lines")
    order_line: Mapped[SalesOrderLine] = relationship()
