"""The notification outbox: messages to applicants (email, SMS, Zalo) written with the action, sent after commit.

Revision ID: 20261125_notify_outbox
Revises: 20261125_index
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_notify_outbox"
down_revision: str | None = "20261125_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("notification_outbox",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dedup_key", sa.String(length=200), nullable=False),
    sa.Column("kind", sa.String(length=30), nullable=False),
    sa.Column("channel", sa.String(length=10), nullable=False),
    sa.Column("recipient", sa.String(length=200), nullable=False),
    sa.Column("subject", sa.String(length=300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=True),
    sa.Column("status", sa.String(length=10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("provider_message_id", sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_notification_outbox_dossier_id_dossier")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    sa.UniqueConstraint("dedup_key", name=op.f("uq_notification_outbox_dedup_key"))
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_outbox_dossier_id"), ["dossier_id"], unique=False)
        # The worker's one question, "what is due?", for both pending rows and expired leases (see the model).
        batch_op.create_index("ix_notification_outbox_status_next_attempt", ["status", "next_attempt_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_status_next_attempt")
        batch_op.drop_index(batch_op.f("ix_notification_outbox_dossier_id"))
    op.drop_table("notification_outbox")
