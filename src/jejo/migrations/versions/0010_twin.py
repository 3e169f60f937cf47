"""twin: the record of dataset exports with the firm's consent

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "twin_dataset_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("sampling", sa.String(length=16), nullable=False),
        sa.Column("period_start", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consent_by", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("exported_by", sa.String(length=200), nullable=False),
        sa.Column("anonymised", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_twin_dataset_exports_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twin_dataset_exports")),
    )
    with op.batch_alter_table("twin_dataset_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_twin_dataset_exports_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            "ix_twin_dataset_exports_company_created", ["company_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("twin_dataset_exports", schema=None) as batch_op:
        batch_op.drop_index("ix_twin_dataset_exports_company_created")
        batch_op.drop_index(batch_op.f("ix_twin_dataset_exports_company_id"))
    op.drop_table("twin_dataset_exports")
