"""furniture orders and parts

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "furniture_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("cabinets", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("work_orders", sa.JSON(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_furniture_orders_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_furniture_orders")),
        sa.UniqueConstraint("company_id", "code", name="uq_furniture_orders_company_code"),
    )
    with op.batch_alter_table("furniture_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_furniture_orders_company_id"), ["company_id"], unique=False)

    op.create_table(
        "furniture_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("cabinet", sa.String(length=64), nullable=False),
        sa.Column("cabinet_title", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("thickness", sa.Float(), nullable=False),
        sa.Column("length", sa.Float(), nullable=False),
        sa.Column("width", sa.Float(), nullable=False),
        sa.Column("grain", sa.Boolean(), nullable=False),
        sa.Column("edges", sa.JSON(), nullable=False),
        sa.Column("borings", sa.JSON(), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("done", sa.JSON(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_furniture_parts_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["furniture_orders.id"],
            name=op.f("fk_furniture_parts_order_id_furniture_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_furniture_parts")),
        sa.UniqueConstraint("company_id", "code", name="uq_furniture_parts_company_code"),
    )
    with op.batch_alter_table("furniture_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_furniture_parts_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_furniture_parts_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("furniture_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_furniture_parts_order_id"))
        batch_op.drop_index(batch_op.f("ix_furniture_parts_company_id"))
    op.drop_table("furniture_parts")
    with op.batch_alter_table("furniture_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_furniture_orders_company_id"))
    op.drop_table("furniture_orders")
