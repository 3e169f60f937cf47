"""Time-series tables: a narrow sample table keyed by (tag, time), rollups, last values, and the
downtime records and per-machine cursors that turn machine data into execution events.

On PostgreSQL ``ts_samples`` is a natively range-partitioned table (one partition per UTC day,
created on demand; see the 0002 migration); on SQLite it is a plain table without rowid.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jejo.core.db import Base
from jejo.core.tenancy import TenantMixin
from jejo.core.timeutil import utcnow


class TsTag(TenantMixin, Base):
    """A tag known to the store (created by ingest on first sight, described from the tag map)."""

    __tablename__ = "ts_tags"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_ts_tags_company_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(128))
    equipment_code: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16), default="analog")
    description: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TsSample(Base):
    """One value of one tag at its source timestamp. Writing the same (tag, ts) again is a no-op."""

    __tablename__ = "ts_samples"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012
    tag_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(200))


class TsRollup1m(Base):
    __tablename__ = "ts_rollup_1m"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012
    tag_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    sum: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)


class TsRollup1h(Base):
    __tablename__ = "ts_rollup_1h"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012
    tag_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    sum: Mapped[float] = mapped_column(Float)
    min: Mapped[float] = mapped_column(Float)
    max: Mapped[float] = mapped_column(Float)


class TsLast(Base):
    """The newest value of each tag (what the UI shows first)."""

    __tablename__ = "ts_last"
    tag_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column()
    value: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(String(200))


class MachineCursor(TenantMixin, Base):
    """Where state derivation stands per machine: the last state and counter readings it has turned
    into events. Samples at or before these times are already accounted for (replays are no-ops)."""

    __tablename__ = "ts_machine_cursor"
    __table_args__ = (
        UniqueConstraint("company_id", "equipment_code", name="uq_ts_machine_cursor_equipment"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(16))
    state_ts_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    counters: Mapped[str] = mapped_column(String(400), default="{}")  # role -> [ts_ms, value] as JSON


class Downtime(TenantMixin, Base):
    """A stretch of time a machine stood still (down, setup, planned stop, off; short idle gaps between
    parts are not recorded here, they show in the state events).

    Opened and closed from machine-state events; an operator attaches the reason later."""

    __tablename__ = "downtimes"
    __table_args__ = (
        UniqueConstraint("company_id", "equipment_code", "started_at", name="uq_downtimes_equipment_start"),
        Index("ix_downtimes_company_started", "company_id", "started_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    reason_code: Mapped[str | None] = mapped_column(String(64))
    reason_by: Mapped[str | None] = mapped_column(String(128))
    reason_at: Mapped[datetime | None] = mapped_column()
