"""center: business plans, federation, shared results, usage, firm-side results and outbox

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 07:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "center_result_projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("before_from", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("before_to", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("after_from", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("after_to", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("center_url", sa.String(length=300), nullable=False),
        sa.Column("center_token", sa.Text(), nullable=False),
        sa.Column("case_study", sa.Boolean(), nullable=False),
        sa.Column("share_usage", sa.Boolean(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_result_projects_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_result_projects")),
        sa.UniqueConstraint("company_id", "code", name="uq_center_result_projects_code"),
    )
    op.create_index(
        op.f("ix_center_result_projects_company_id"), "center_result_projects", ["company_id"], unique=False
    )
    op.create_table(
        "center_federation_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_push_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_federation_links_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_federation_links_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_federation_links")),
    )
    op.create_index(
        op.f("ix_center_federation_links_company_id"), "center_federation_links", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_center_federation_links_firm_id"), "center_federation_links", ["firm_id"], unique=False
    )
    op.create_table(
        "center_plans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("baseline_from", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("baseline_to", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("target_level", sa.String(length=8), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("budget", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_plans_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_plans_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_plans")),
        sa.UniqueConstraint("company_id", "code", name="uq_center_plans_company_code"),
    )
    op.create_index(op.f("ix_center_plans_company_id"), "center_plans", ["company_id"], unique=False)
    op.create_index(op.f("ix_center_plans_firm_id"), "center_plans", ["firm_id"], unique=False)
    op.create_table(
        "center_push_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("push_id", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_push_outbox_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["center_result_projects.id"],
            name=op.f("fk_center_push_outbox_project_id_center_result_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_push_outbox")),
        sa.UniqueConstraint("company_id", "push_id", name="uq_center_push_outbox_push"),
    )
    op.create_index(
        op.f("ix_center_push_outbox_company_id"), "center_push_outbox", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_center_push_outbox_project_id"), "center_push_outbox", ["project_id"], unique=False
    )
    op.create_table(
        "center_result_values",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("before", sa.Float(), nullable=True),
        sa.Column("after", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("updated_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_result_values_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["center_result_projects.id"],
            name=op.f("fk_center_result_values_project_id_center_result_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_result_values")),
        sa.UniqueConstraint("project_id", "indicator", name="uq_center_result_values_key"),
    )
    op.create_index(
        op.f("ix_center_result_values_company_id"), "center_result_values", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_center_result_values_project_id"), "center_result_values", ["project_id"], unique=False
    )
    op.create_table(
        "center_shared_results",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("project_title", sa.String(length=300), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=32), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("before", sa.Float(), nullable=True),
        sa.Column("after", sa.Float(), nullable=True),
        sa.Column("before_from", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("before_to", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("after_from", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("after_to", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("case_study", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("push_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_shared_results_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_shared_results_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_shared_results")),
        sa.UniqueConstraint(
            "company_id", "firm_id", "project", "indicator", name="uq_center_shared_results_key"
        ),
    )
    op.create_index(
        op.f("ix_center_shared_results_company_id"), "center_shared_results", ["company_id"], unique=False
    )
    op.create_index(
        op.f("ix_center_shared_results_firm_id"), "center_shared_results", ["firm_id"], unique=False
    )
    op.create_table(
        "center_usage_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("module", sa.String(length=32), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_usage_days_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_usage_days_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_usage_days")),
        sa.UniqueConstraint("company_id", "firm_id", "day", "module", name="uq_center_usage_days_key"),
    )
    op.create_index(
        op.f("ix_center_usage_days_company_id"), "center_usage_days", ["company_id"], unique=False
    )
    op.create_index(op.f("ix_center_usage_days_firm_id"), "center_usage_days", ["firm_id"], unique=False)
    op.create_table(
        "center_push_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("push_id", sa.String(length=64), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("indicators", sa.Integer(), nullable=False),
        sa.Column("usage_days", sa.Integer(), nullable=False),
        sa.Column("received_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_push_receipts_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["center_federation_links.id"],
            name=op.f("fk_center_push_receipts_link_id_center_federation_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_push_receipts")),
        sa.UniqueConstraint("company_id", "push_id", name="uq_center_push_receipts_push"),
    )
    op.create_index(
        op.f("ix_center_push_receipts_company_id"), "center_push_receipts", ["company_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_center_push_receipts_company_id"), table_name="center_push_receipts")
    op.drop_table("center_push_receipts")
    op.drop_index(op.f("ix_center_usage_days_firm_id"), table_name="center_usage_days")
    op.drop_index(op.f("ix_center_usage_days_company_id"), table_name="center_usage_days")
    op.drop_table("center_usage_days")
    op.drop_index(op.f("ix_center_shared_results_firm_id"), table_name="center_shared_results")
    op.drop_index(op.f("ix_center_shared_results_company_id"), table_name="center_shared_results")
    op.drop_table("center_shared_results")
    op.drop_index(op.f("ix_center_result_values_project_id"), table_name="center_result_values")
    op.drop_index(op.f("ix_center_result_values_company_id"), table_name="center_result_values")
    op.drop_table("center_result_values")
    op.drop_index(op.f("ix_center_push_outbox_project_id"), table_name="center_push_outbox")
    op.drop_index(op.f("ix_center_push_outbox_company_id"), table_name="center_push_outbox")
    op.drop_table("center_push_outbox")
    op.drop_index(op.f("ix_center_plans_firm_id"), table_name="center_plans")
    op.drop_index(op.f("ix_center_plans_company_id"), table_name="center_plans")
    op.drop_table("center_plans")
    op.drop_index(op.f("ix_center_federation_links_firm_id"), table_name="center_federation_links")
    op.drop_index(op.f("ix_center_federation_links_company_id"), table_name="center_federation_links")
    op.drop_table("center_federation_links")
    op.drop_index(op.f("ix_center_result_projects_company_id"), table_name="center_result_projects")
    op.drop_table("center_result_projects")
