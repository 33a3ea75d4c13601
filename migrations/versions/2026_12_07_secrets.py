"""Issue 13, secrets: the public lookup's attempts name the dossier code they tried (a limit per code, whatever the
address); the audit chain is keyed (HMAC) from the next event on, and the head records where that switch happened.

Revision ID: 20261207_secrets
Revises: 20261207_token_officer
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_secrets"
down_revision: str | None = "20261207_token_officer"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lookup_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_lookup_attempt_code"), ["code"], unique=False)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("keyed_from", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                      server_default="1", nullable=False))
    # The events already written keep their plain SHA-256 hashes; the next one is the first keyed one.
    op.execute("UPDATE audit_head SET keyed_from = seq + 1")


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("keyed_from")
    with op.batch_alter_table("lookup_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lookup_attempt_code"))
        batch_op.drop_column("code")
