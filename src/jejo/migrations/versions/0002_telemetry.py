"""telemetry: time-series store (samples, rollups, last values), machine cursors, downtime records.

On PostgreSQL ``ts_samples`` is created as a natively range-partitioned table (by ``ts``; one partition
per UTC day, created on demand by the store and dropped by retention).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ts() -> jejo.core.db.UTCDateTime:
    return jejo.core.db.UTCDateTime(timezone=True)


def _rollup(name: str) -> None:
    op.create_table(
        name,
        sa.Column("tag_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bucket", _ts(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum", sa.Float(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("tag_id", "bucket", name=op.f(f"pk_{name}")),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    op.create_table(
        "ts_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=128), nullable=False),
        sa.Column("equipment_code", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_ts_tags_company_id_companies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ts_tags")),
        sa.UniqueConstraint("company_id", "code", name="uq_ts_tags_company_code"),
    )
    op.create_index(op.f("ix_ts_tags_company_id"), "ts_tags", ["company_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE ts_samples (tag_id integer NOT NULL, ts timestamptz NOT NULL, "
            "value double precision, text varchar(200), "
            "CONSTRAINT pk_ts_samples PRIMARY KEY (tag_id, ts)) PARTITION BY RANGE (ts)"
        )
    else:
        op.create_table(
            "ts_samples",
            sa.Column("tag_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("ts", _ts(), nullable=False),
            sa.Column("value", sa.Float(), nullable=True),
            sa.Column("text", sa.String(length=200), nullable=True),
            sa.PrimaryKeyConstraint("tag_id", "ts", name=op.f("pk_ts_samples")),
            sqlite_with_rowid=False,
        )
    _rollup("ts_rollup_1m")
    _rollup("ts_rollup_1h")
    op.create_table(
        "ts_last",
        sa.Column("tag_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ts", _ts(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("tag_id", name=op.f("pk_ts_last")),
    )
    op.create_table(
        "ts_machine_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=True),
        sa.Column("state_ts_ms", sa.BigInteger(), nullable=False),
        sa.Column("counters", sa.String(length=400), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ts_machine_cursor_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ts_machine_cursor")),
        sa.UniqueConstraint("company_id", "equipment_code", name="uq_ts_machine_cursor_equipment"),
    )
    op.create_index(
        op.f("ix_ts_machine_cursor_company_id"), "ts_machine_cursor", ["company_id"], unique=False
    )
    op.create_table(
        "downtimes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("equipment_code", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", _ts(), nullable=False),
        sa.Column("ended_at", _ts(), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("reason_by", sa.String(length=128), nullable=True),
        sa.Column("reason_at", _ts(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_downtimes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downtimes")),
        sa.UniqueConstraint(
            "company_id", "equipment_code", "started_at", name="uq_downtimes_equipment_start"
        ),
    )
    op.create_index(op.f("ix_downtimes_company_id"), "downtimes", ["company_id"], unique=False)
    op.create_index("ix_downtimes_company_started", "downtimes", ["company_id", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_table("downtimes")
    op.drop_table("ts_machine_cursor")
    op.drop_table("ts_last")
    op.drop_table("ts_rollup_1h")
    op.drop_table("ts_rollup_1m")
    op.drop_table("ts_samples")
    op.drop_table("ts_tags")
