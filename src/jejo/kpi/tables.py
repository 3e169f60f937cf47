"""KPI rollup table: additive time elements and counts per machine and hour (see ``jejo.kpi.rollup``).

A cache of the event log: ``jejo kpi rollup`` (or ``service.refresh_rollups``) rebuilds any range of
hours from the events, so the table can be dropped and refilled at any time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jejo.core.db import Base


class KpiHourly(Base):
    __tablename__ = "kpi_hourly"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    equipment_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    windows_s: Mapped[float] = mapped_column(Float, default=0.0)
    breaks_s: Mapped[float] = mapped_column(Float, default=0.0)
    overtime_s: Mapped[float] = mapped_column(Float, default=0.0)
    apt_s: Mapped[float] = mapped_column(Float, default=0.0)
    aust_s: Mapped[float] = mapped_column(Float, default=0.0)
    adet_s: Mapped[float] = mapped_column(Float, default=0.0)
    micro_s: Mapped[float] = mapped_column(Float, default=0.0)
    adot_s: Mapped[float] = mapped_column(Float, default=0.0)
    pdot_s: Mapped[float] = mapped_column(Float, default=0.0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[float] = mapped_column(Float, default=0.0)
    scrap: Mapped[float] = mapped_column(Float, default=0.0)
    rework: Mapped[float] = mapped_column(Float, default=0.0)
    planned_run_s: Mapped[float] = mapped_column(Float, default=0.0)
    planned_setup_s: Mapped[float] = mapped_column(Float, default=0.0)
