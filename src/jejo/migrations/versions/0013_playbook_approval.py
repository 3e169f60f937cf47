"""playbook actions that wait for a role's approval and can be reverted

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 15:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jejo.core.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ai_playbooks") as batch:
        batch.add_column(sa.Column("approve_role", sa.String(length=32), nullable=True))
    with op.batch_alter_table("ai_playbook_actions") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("decided_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reverted_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("reverted_at", jejo.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_playbook_actions") as batch:
        for name in ("reverted_at", "reverted_by", "decided_at", "decided_by", "reason"):
            batch.drop_column(name)
    with op.batch_alter_table("ai_playbooks") as batch:
        batch.drop_column("approve_role")
