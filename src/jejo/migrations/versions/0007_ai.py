"""ai: model registry, findings, playbooks and their actions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("equipment_code", sa.String(length=64), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("data_ref", sa.String(length=300), nullable=False),
        sa.Column("data_start", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("data_end", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("artifact", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=128), nullable=True),
        sa.Column("approved_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("scored_until", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ai_models_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_models")),
        sa.UniqueConstraint("company_id", "name", "version", name="uq_ai_models_name_version"),
    )
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_models_company_id"), ["company_id"], unique=False)

    op.create_table(
        "ai_playbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("cooldown_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ai_playbooks_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_playbooks")),
        sa.UniqueConstraint("company_id", "code", name="uq_ai_playbooks_company_code"),
    )
    with op.batch_alter_table("ai_playbooks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_playbooks_company_id"), ["company_id"], unique=False)

    op.create_table(
        "ai_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("equipment_code", sa.String(length=64), nullable=True),
        sa.Column("lot_code", sa.String(length=64), nullable=True),
        sa.Column("window_start", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("feedback_by", sa.String(length=128), nullable=True),
        sa.Column("feedback_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("feedback_note", sa.String(length=500), nullable=True),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ai_findings_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["ai_models.id"],
            name=op.f("fk_ai_findings_model_id_ai_models"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_findings")),
        sa.UniqueConstraint("company_id", "code", name="uq_ai_findings_company_code"),
    )
    with op.batch_alter_table("ai_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_findings_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_ai_findings_dedup", ["company_id", "dedup_key", "window_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_findings_model_id"), ["model_id"], unique=False)

    op.create_table(
        "ai_playbook_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(length=40), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", jejo.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ai_playbook_actions_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["ai_findings.id"],
            name=op.f("fk_ai_playbook_actions_finding_id_ai_findings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["ai_playbooks.id"],
            name=op.f("fk_ai_playbook_actions_playbook_id_ai_playbooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_playbook_actions")),
        sa.UniqueConstraint("company_id", "idempotency_key", name="uq_ai_playbook_actions_key"),
    )
    with op.batch_alter_table("ai_playbook_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_playbook_actions_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            "ix_ai_playbook_actions_cooldown",
            ["company_id", "playbook_id", "subject", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_ai_playbook_actions_playbook_id"), ["playbook_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ai_playbook_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_playbook_actions_playbook_id"))
        batch_op.drop_index("ix_ai_playbook_actions_cooldown")
        batch_op.drop_index(batch_op.f("ix_ai_playbook_actions_company_id"))

    op.drop_table("ai_playbook_actions")
    with op.batch_alter_table("ai_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_findings_model_id"))
        batch_op.drop_index("ix_ai_findings_dedup")
        batch_op.drop_index(batch_op.f("ix_ai_findings_company_id"))

    op.drop_table("ai_findings")
    with op.batch_alter_table("ai_playbooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_playbooks_company_id"))

    op.drop_table("ai_playbooks")
    with op.batch_alter_table("ai_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_models_company_id"))

    op.drop_table("ai_models")
