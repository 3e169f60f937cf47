"""Tables of the security package: failed logins (for lockout across processes) and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from jejo.core.db import Base
from jejo.core.timeutil import utcnow


class LoginFailure(Base):
    """One failed login. Counted per account and per client address within a window (see ``throttle``)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account", "at"),
        Index("ix_login_failures_client_at", "client", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "<company code or *>/<username>", lower case
    account: Mapped[str] = mapped_column(String(200))
    client: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """Who changed what: one row per inserted, updated or deleted record of an audited table."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_company_at", "company_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))  # insert | update | delete
    entity: Mapped[str] = mapped_column(String(64))  # table name
    entity_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))  # the record's code or name
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
