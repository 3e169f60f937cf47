"""Quality tables: inspection plans with characteristics, inspections with measurements,
nonconformance reports (NCR) and lot holds. Results, holds and dispositions are also events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow
from jejo.masterdata.tables import Item


def _uq(table: str) -> tuple[UniqueConstraint]:
    return (UniqueConstraint("company_id", "code", name=f"uq_{table}_company_code"),)


class InspectionPlan(TenantMixin, Base):
    """How an item is inspected at a stage: the sampling (ISO 2859-1 level and AQL) and what to measure."""

    __tablename__ = "inspection_plans"
    __table_args__ = _uq("inspection_plans")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # incoming | in_process | final
    operation_seq: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(4), default="II")  # general inspection level I | II | III
    aql: Mapped[float] = mapped_column(Float, default=1.0)
    severity: Mapped[str] = mapped_column(String(12), default="normal")
    item: Mapped[Item] = relationship()
    characteristics: Mapped[list[InspectionCharacteristic]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="InspectionCharacteristic.seq"
    )


class InspectionCharacteristic(Base):
    __tablename__ = "inspection_characteristics"
    __table_args__ = (UniqueConstraint("plan_id", "name", name="uq_inspection_characteristics_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    nominal: Mapped[float | None] = mapped_column(Float)
    lower: Mapped[float | None] = mapped_column(Float)  # lower specification limit
    upper: Mapped[float | None] = mapped_column(Float)  # upper specification limit
    unit: Mapped[str | None] = mapped_column(String(16))
    plan: Mapped[InspectionPlan] = relationship(back_populates="characteristics")


class Inspection(TenantMixin, Base):
    """One inspection of one lot: the sampling plan drawn for its size, and the verdict."""

    __tablename__ = "inspections"
    __table_args__ = _uq("inspections")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_plans.id", ondelete="SET NULL"))
    item_code: Mapped[str] = mapped_column(String(64))
    lot_code: Mapped[str] = mapped_column(String(64), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    lot_size: Mapped[int] = mapped_column(Integer)
    code_letter: Mapped[str] = mapped_column(String(2))
    sample_size: Mapped[int] = mapped_column(Integer)
    accept: Mapped[int] = mapped_column(Integer)
    reject: Mapped[int] = mapped_column(Integer)
    defectives: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(8), default="open")  # open | passed | failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    inspected_at: Mapped[datetime | None] = mapped_column()
    inspector: Mapped[str | None] = mapped_column(String(128))
    plan: Mapped[InspectionPlan | None] = relationship()
    measurements: Mapped[list[InspectionMeasurement]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", order_by="InspectionMeasurement.id"
    )


class InspectionMeasurement(Base):
    __tablename__ = "inspection_measurements"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    characteristic: Mapped[str] = mapped_column(String(100))
    sample_no: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    ok: Mapped[bool] = mapped_column(Boolean)
    inspection: Mapped[Inspection] = relationship(back_populates="measurements")


class Nonconformance(TenantMixin, Base):
    """부적합 보고서 (NCR): what is wrong with a lot and what is done about it."""

    __tablename__ = "nonconformances"
    __table_args__ = _uq("nonconformances")
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    lot_code: Mapped[str] = mapped_column(String(64), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id", ondelete="SET NULL"))
    quantity: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(500))
    disposition: Mapped[str | None] = mapped_column(
        String(20)
    )  # scrap | rework | use_as_is | return_to_supplier
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    inspection: Mapped[Inspection | None] = relationship()


class LotHold(TenantMixin, Base):
    """A lot on hold may not be shipped or consumed until it is released (the current state of the
    ``lot.held`` / ``lot.released`` events)."""

    __tablename__ = "quality_lot_holds"
    id: Mapped[int] = mapped_column(primary_key=True)
    lot_code: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    inspection_code: Mapped[str | None] = mapped_column(String(64))
    ncr_code: Mapped[str | None] = mapped_column(String(64))
    held_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column()
    release_reason: Mapped[str | None] = mapped_column(String(200))
