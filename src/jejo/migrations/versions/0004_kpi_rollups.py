"""kpi hourly rollups

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 05:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_hourly",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("equipment_code", sa.String(length=64), nullable=False),
        sa.Column("hour", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        *[
            sa.Column(name, sa.Float(), nullable=False)
            for name in (
                "windows_s",
                "breaks_s",
                "overtime_s",
                "apt_s",
                "aust_s",
                "adet_s",
                "micro_s",
                "adot_s",
                "pdot_s",
            )
        ],
        sa.Column("failures", sa.Integer(), nullable=False),
        *[
            sa.Column(name, sa.Float(), nullable=False)
            for name in ("good", "scrap", "rework", "planned_run_s", "planned_setup_s")
        ],
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_kpi_hourly_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "equipment_code", "hour", name=op.f("pk_kpi_hourly")),
    )


def downgrade() -> None:
    op.drop_table("kpi_hourly")
