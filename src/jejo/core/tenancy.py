"""Companies (tenants). Every row of every other table belongs to exactly one company."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from jejo.core.db import Base
from jejo.core.timeutil import utcnow


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    business_number: Mapped[str | None] = mapped_column(String(20))  # 사업자등록번호
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TenantMixin:
    """Adds the owning company to a table; every query of tenant data filters on it."""

    @declared_attr
    def company_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
