"""center: firms, builds and capability levels, level diagnoses, pre-consulting visits, applications
with documents and deadlines, mentors with assignments and visits, suppliers with solutions, builds and
quotes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "center_firms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("business_number", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("representative", sa.String(length=100), nullable=False),
        sa.Column("sigungu", sa.String(length=40), nullable=False),
        sa.Column("ksic_code", sa.String(length=8), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("revenue_krw", sa.BigInteger(), nullable=True),
        sa.Column("factory_registered", sa.Boolean(), nullable=False),
        sa.Column("legend50", sa.Boolean(), nullable=False),
        sa.Column("main_products", sa.String(length=300), nullable=False),
        sa.Column("plant_company_id", sa.Integer(), nullable=True),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_firms_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plant_company_id"],
            ["companies.id"],
            name=op.f("fk_center_firms_plant_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_firms")),
        sa.UniqueConstraint("company_id", "business_number", name="uq_center_firms_company_business_number"),
    )
    with op.batch_alter_table("center_firms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_firms_company_id"), ["company_id"], unique=False)

    op.create_table(
        "center_suppliers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("business_number", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sigungu", sa.String(length=40), nullable=False),
        sa.Column("capability_level", sa.Integer(), nullable=True),
        sa.Column("pool_registered", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_suppliers_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_suppliers")),
        sa.UniqueConstraint(
            "company_id", "business_number", name="uq_center_suppliers_company_business_number"
        ),
    )
    with op.batch_alter_table("center_suppliers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_suppliers_company_id"), ["company_id"], unique=False)

    op.create_table(
        "center_applications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("program_code", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("target_level", sa.String(length=8), nullable=True),
        sa.Column("total_budget_krw", sa.BigInteger(), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("consultant", sa.String(length=100), nullable=False),
        sa.Column("submitted_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_applications_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_applications_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["center_suppliers.id"],
            name=op.f("fk_center_applications_supplier_id_center_suppliers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_applications")),
    )
    with op.batch_alter_table("center_applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_applications_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_applications_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "center_consulting_visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("visited_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consultant", sa.String(length=100), nullable=False),
        sa.Column("attendees", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recommended_program", sa.String(length=64), nullable=True),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_consulting_visits_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_consulting_visits_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_consulting_visits")),
    )
    with op.batch_alter_table("center_consulting_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_consulting_visits_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_center_consulting_visits_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "center_diagnoses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("bank_version", sa.String(length=40), nullable=False),
        sa.Column("respondent", sa.String(length=12), nullable=False),
        sa.Column("answered_by", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("started_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_diagnoses_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_diagnoses_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_diagnoses")),
    )
    with op.batch_alter_table("center_diagnoses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_diagnoses_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_diagnoses_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "center_firm_builds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("program", sa.String(length=200), nullable=False),
        sa.Column("level_before", sa.String(length=8), nullable=True),
        sa.Column("level_target", sa.String(length=8), nullable=False),
        sa.Column("level_achieved", sa.String(length=8), nullable=True),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_firm_builds_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_firm_builds_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_firm_builds")),
    )
    with op.batch_alter_table("center_firm_builds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_firm_builds_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_firm_builds_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "center_firm_capabilities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("diagnosis_id", sa.Uuid(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_firm_capabilities_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_firm_capabilities_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_firm_capabilities")),
    )
    with op.batch_alter_table("center_firm_capabilities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_firm_capabilities_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_center_firm_capabilities_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "center_firm_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_firm_members_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_firm_members_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_center_firm_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_firm_members")),
        sa.UniqueConstraint("user_id", name="uq_center_firm_members_user"),
    )
    with op.batch_alter_table("center_firm_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_firm_members_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_firm_members_firm_id"), ["firm_id"], unique=False)

    op.create_table(
        "center_mentors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("expertise", sa.JSON(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("sigungu", sa.String(length=40), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_mentors_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_center_mentors_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_mentors")),
        sa.UniqueConstraint("company_id", "code", name="uq_center_mentors_company_code"),
    )
    with op.batch_alter_table("center_mentors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_mentors_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_mentors_user_id"), ["user_id"], unique=False)

    op.create_table(
        "center_supplier_builds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=True),
        sa.Column("firm_name", sa.String(length=200), nullable=False),
        sa.Column("sigungu", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("program", sa.String(length=200), nullable=False),
        sa.Column("level_achieved", sa.String(length=8), nullable=True),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_supplier_builds_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_supplier_builds_firm_id_center_firms"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["center_suppliers.id"],
            name=op.f("fk_center_supplier_builds_supplier_id_center_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_supplier_builds")),
    )
    with op.batch_alter_table("center_supplier_builds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_supplier_builds_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_center_supplier_builds_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "center_supplier_solutions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_supplier_solutions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["center_suppliers.id"],
            name=op.f("fk_center_supplier_solutions_supplier_id_center_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_supplier_solutions")),
    )
    with op.batch_alter_table("center_supplier_solutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_supplier_solutions_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_center_supplier_solutions_supplier_id"), ["supplier_id"], unique=False
        )

    op.create_table(
        "center_action_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_action_items_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_action_items_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["center_consulting_visits.id"],
            name=op.f("fk_center_action_items_visit_id_center_consulting_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_action_items")),
    )
    with op.batch_alter_table("center_action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_action_items_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_action_items_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_action_items_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "center_application_deadlines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("remind_days", sa.Integer(), nullable=False),
        sa.Column("reminded_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["center_applications.id"],
            name=op.f("fk_center_application_deadlines_application_id_center_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_application_deadlines_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_application_deadlines")),
    )
    with op.batch_alter_table("center_application_deadlines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_application_deadlines_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_center_application_deadlines_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "center_application_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["center_applications.id"],
            name=op.f("fk_center_application_documents_application_id_center_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_application_documents_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_application_documents")),
    )
    with op.batch_alter_table("center_application_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_application_documents_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_center_application_documents_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "center_application_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["center_applications.id"],
            name=op.f("fk_center_application_transitions_application_id_center_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_application_transitions")),
    )
    with op.batch_alter_table("center_application_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_application_transitions_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "center_diagnosis_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnosis_id", sa.Uuid(), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("prefilled", sa.Boolean(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnosis_id"],
            ["center_diagnoses.id"],
            name=op.f("fk_center_diagnosis_answers_diagnosis_id_center_diagnoses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_diagnosis_answers")),
        sa.UniqueConstraint("diagnosis_id", "item_code", name="uq_center_diagnosis_answers_item"),
    )
    with op.batch_alter_table("center_diagnosis_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_diagnosis_answers_diagnosis_id"), ["diagnosis_id"], unique=False
        )

    op.create_table(
        "center_mentor_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("firm_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=True),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("proposed_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["center_applications.id"],
            name=op.f("fk_center_mentor_assignments_application_id_center_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_mentor_assignments_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["firm_id"],
            ["center_firms.id"],
            name=op.f("fk_center_mentor_assignments_firm_id_center_firms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["center_mentors.id"],
            name=op.f("fk_center_mentor_assignments_mentor_id_center_mentors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_mentor_assignments")),
    )
    with op.batch_alter_table("center_mentor_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_mentor_assignments_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_center_mentor_assignments_firm_id"), ["firm_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_center_mentor_assignments_mentor_id"), ["mentor_id"], unique=False
        )

    op.create_table(
        "center_quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("supplier_id", sa.Uuid(), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("solutions", sa.JSON(), nullable=False),
        sa.Column("received_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["center_applications.id"],
            name=op.f("fk_center_quotes_application_id_center_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_quotes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["center_suppliers.id"],
            name=op.f("fk_center_quotes_supplier_id_center_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_quotes")),
    )
    with op.batch_alter_table("center_quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_quotes_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_center_quotes_company_id"), ["company_id"], unique=False)

    op.create_table(
        "center_mentor_visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("visited_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("confirmed_by_firm", sa.Boolean(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["center_mentor_assignments.id"],
            name=op.f("fk_center_mentor_visits_assignment_id_center_mentor_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_center_mentor_visits_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center_mentor_visits")),
    )
    with op.batch_alter_table("center_mentor_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_center_mentor_visits_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_center_mentor_visits_company_id"), ["company_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("center_mentor_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_mentor_visits_company_id"))
        batch_op.drop_index(batch_op.f("ix_center_mentor_visits_assignment_id"))

    op.drop_table("center_mentor_visits")
    with op.batch_alter_table("center_quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_quotes_company_id"))
        batch_op.drop_index(batch_op.f("ix_center_quotes_application_id"))

    op.drop_table("center_quotes")
    with op.batch_alter_table("center_mentor_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_mentor_assignments_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_center_mentor_assignments_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_mentor_assignments_company_id"))

    op.drop_table("center_mentor_assignments")
    with op.batch_alter_table("center_diagnosis_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_diagnosis_answers_diagnosis_id"))

    op.drop_table("center_diagnosis_answers")
    with op.batch_alter_table("center_application_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_application_transitions_application_id"))

    op.drop_table("center_application_transitions")
    with op.batch_alter_table("center_application_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_application_documents_company_id"))
        batch_op.drop_index(batch_op.f("ix_center_application_documents_application_id"))

    op.drop_table("center_application_documents")
    with op.batch_alter_table("center_application_deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_application_deadlines_company_id"))
        batch_op.drop_index(batch_op.f("ix_center_application_deadlines_application_id"))

    op.drop_table("center_application_deadlines")
    with op.batch_alter_table("center_action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_action_items_visit_id"))
        batch_op.drop_index(batch_op.f("ix_center_action_items_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_action_items_company_id"))

    op.drop_table("center_action_items")
    with op.batch_alter_table("center_supplier_solutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_supplier_solutions_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_center_supplier_solutions_company_id"))

    op.drop_table("center_supplier_solutions")
    with op.batch_alter_table("center_supplier_builds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_supplier_builds_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_center_supplier_builds_company_id"))

    op.drop_table("center_supplier_builds")
    with op.batch_alter_table("center_mentors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_mentors_user_id"))
        batch_op.drop_index(batch_op.f("ix_center_mentors_company_id"))

    op.drop_table("center_mentors")
    with op.batch_alter_table("center_firm_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_firm_members_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_firm_members_company_id"))

    op.drop_table("center_firm_members")
    with op.batch_alter_table("center_firm_capabilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_firm_capabilities_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_firm_capabilities_company_id"))

    op.drop_table("center_firm_capabilities")
    with op.batch_alter_table("center_firm_builds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_firm_builds_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_firm_builds_company_id"))

    op.drop_table("center_firm_builds")
    with op.batch_alter_table("center_diagnoses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_diagnoses_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_diagnoses_company_id"))

    op.drop_table("center_diagnoses")
    with op.batch_alter_table("center_consulting_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_consulting_visits_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_consulting_visits_company_id"))

    op.drop_table("center_consulting_visits")
    with op.batch_alter_table("center_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_applications_firm_id"))
        batch_op.drop_index(batch_op.f("ix_center_applications_company_id"))

    op.drop_table("center_applications")
    with op.batch_alter_table("center_suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_suppliers_company_id"))

    op.drop_table("center_suppliers")
    with op.batch_alter_table("center_firms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_firms_company_id"))

    op.drop_table("center_firms")
