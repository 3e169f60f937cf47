"""Master data tables after ISA-95 / IEC 62264: the equipment hierarchy, items, BOMs, routings,
reason codes, shifts and calendars, users and API tokens. Codes are unique within a company."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow


def _uq(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("company_id", "code", name=f"uq_{table}_company_code"),)


class Site(TenantMixin, Base):
    __tablename__ = "sites"
    __table_args__ = _uq("sites")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")


class Area(TenantMixin, Base):
    __tablename__ = "areas"
    __table_args__ = _uq("areas")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="RESTRICT"), index=True)
    site: Mapped[Site] = relationship()


class Line(TenantMixin, Base):
    """A production line (ISA-95 production line / work cell)."""

    __tablename__ = "lines"
    __table_args__ = _uq("lines")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    area: Mapped[Area] = relationship()


class WorkCenter(TenantMixin, Base):
    """A work center (ISA-95 work unit group): where routing operations run."""

    __tablename__ = "work_centers"
    __table_args__ = _uq("work_centers")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="RESTRICT"), index=True)
    line: Mapped[Line] = relationship()


class Equipment(TenantMixin, Base):
    """A machine (ISA-95 equipment / work unit)."""

    __tablename__ = "equipment"
    __table_args__ = _uq("equipment")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    work_center_id: Mapped[int] = mapped_column(
        ForeignKey("work_centers.id", ondelete="RESTRICT"), index=True
    )
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    serial_number: Mapped[str | None] = mapped_column(String(200))
    ideal_cycle_time_s: Mapped[float | None] = mapped_column(Float)
    work_center: Mapped[WorkCenter] = relationship()


class Item(TenantMixin, Base):
    __tablename__ = "items"
    __table_args__ = _uq("items")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # raw | semi | finished
    uom: Mapped[str] = mapped_column(String(16), default="EA")
    description: Mapped[str | None] = mapped_column(String(1000))


class Bom(TenantMixin, Base):
    """A bill of materials for one parent item; one active version at a time."""

    __tablename__ = "boms"
    __table_args__ = (UniqueConstraint("company_id", "item_id", "version", name="uq_boms_item_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(32), default="1")
    base_quantity: Mapped[float] = mapped_column(Float, default=1.0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    item: Mapped[Item] = relationship()
    lines: Mapped[list[BomLine]] = relationship(
        back_populates="bom", cascade="all, delete-orphan", order_by="BomLine.position"
    )


class BomLine(Base):
    __tablename__ = "bom_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    bom_id: Mapped[int] = mapped_column(ForeignKey("boms.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    component_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    quantity: Mapped[float] = mapped_column(Float)
    scrap_factor: Mapped[float] = mapped_column(Float, default=0.0)  # 0.05 = 5 % extra
    bom: Mapped[Bom] = relationship(back_populates="lines")
    component: Mapped[Item] = relationship()


class Routing(TenantMixin, Base):
    __tablename__ = "routings"
    __table_args__ = (UniqueConstraint("company_id", "item_id", "version", name="uq_routings_item_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(32), default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    item: Mapped[Item] = relationship()
    operations: Mapped[list[RoutingOperation]] = relationship(
        back_populates="routing", cascade="all, delete-orphan", order_by="RoutingOperation.seq"
    )


class RoutingOperation(Base):
    __tablename__ = "routing_operations"
    __table_args__ = (UniqueConstraint("routing_id", "seq", name="uq_routing_operations_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    routing_id: Mapped[int] = mapped_column(ForeignKey("routings.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id", ondelete="RESTRICT"))
    setup_time_s: Mapped[float] = mapped_column(Float, default=0.0)
    cycle_time_s: Mapped[float] = mapped_column(Float)
    routing: Mapped[Routing] = relationship(back_populates="operations")
    work_center: Mapped[WorkCenter] = relationship()


class ReasonCode(TenantMixin, Base):
    """Why a machine stopped or a part was scrapped or reworked.

    ``category``: downtime | scrap | rework. For downtime, ``planned`` and the OEE loss it belongs to
    (availability, performance, or none for planned stops that are outside planned production time).
    """

    __tablename__ = "reason_codes"
    __table_args__ = _uq("reason_codes")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    oee_loss: Mapped[str] = mapped_column(String(16), default="availability")


class Shift(TenantMixin, Base):
    """A shift pattern in the site's local time; an end before the start runs past midnight."""

    __tablename__ = "shifts"
    __table_args__ = _uq("shifts")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    break_minutes: Mapped[int] = mapped_column(Integer, default=0)
    weekdays: Mapped[str] = mapped_column(String(16), default="0,1,2,3,4")  # Monday = 0


class CalendarException(TenantMixin, Base):
    """A company's own non-working day (e.g. summer shutdown) or an extra working day."""

    __tablename__ = "calendar_exceptions"
    __table_args__ = (UniqueConstraint("company_id", "day", name="uq_calendar_exceptions_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200))


class User(TenantMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("company_id", "username", name="uq_users_company_username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    locale: Mapped[str] = mapped_column(String(8), default="ko")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(TenantMixin, Base):
    """A scoped token for a machine, a collector or an integration. Only its hash is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
