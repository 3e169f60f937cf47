"""The record of every dataset a company let out of jejo: who gave the firm's consent, for what
purpose, what was exported (scope, period, anonymised or not) and a checksum of the file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow


class DatasetExport(TenantMixin, Base):
    __tablename__ = "twin_dataset_exports"
    __table_args__ = (Index("ix_twin_dataset_exports_company_created", "company_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    scope: Mapped[str] = mapped_column(String(16))  # equipment | work_center | line
    code: Mapped[str] = mapped_column(String(64))
    sampling: Mapped[str] = mapped_column(String(16))  # cycle | time
    period_start: Mapped[datetime] = mapped_column()
    period_end: Mapped[datetime] = mapped_column()
    consent_by: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(500))
    recipient: Mapped[str | None] = mapped_column(String(200))
    exported_by: Mapped[str] = mapped_column(String(200))
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    rows: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
