"""The audit head keeps the hash before its own, so a writer that links its event in one SQL statement (the
intake on PostgreSQL, ``audit.actions.pg_record_ctes``) can read it back from the head's ``UPDATE``.

Revision ID: 20261127_audit_prev_hash
Revises: 20261126_portal
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261127_audit_prev_hash"
down_revision: str | None = "20261126_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), server_default="0" * 64, nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("prev_hash")
