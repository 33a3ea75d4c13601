"""Citizens' ratings of dossier handling (one per dossier) and feedback cases (phản ánh, kiến nghị) with their history.

Revision ID: 20261126_feedback
Revises: 20261125_notify_outbox
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261126_feedback"
down_revision: str | None = "20261125_notify_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("dossier_rating",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("dossier_code", sa.String(length=40), nullable=False),
    sa.Column("province_code", sa.String(length=2), nullable=False),
    sa.Column("commune_code", sa.String(length=5), nullable=False),
    sa.Column("scores", sa.JSON(), nullable=False),
    sa.Column("satisfied", sa.Boolean(), nullable=False),
    sa.Column("comment", sa.Text(), nullable=False),
    sa.Column("channel", sa.String(length=10), nullable=False),
    sa.Column("actor_kind", sa.String(length=20), nullable=False),
    sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_dossier_rating_commune_code_commune")),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_rating_dossier_id_dossier")),
    sa.ForeignKeyConstraint(["province_code"], ["province.code"],
                            name=op.f("fk_dossier_rating_province_code_province")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_rating")),
    # One rating per dossier: of two submits at once, the constraint lets exactly one through.
    sa.UniqueConstraint("dossier_id", name=op.f("uq_dossier_rating_dossier_id"))
    )
    with op.batch_alter_table("dossier_rating", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_rating_commune_rated", ["commune_code", "rated_at"], unique=False)

    op.create_table("feedback_case",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code", sa.String(length=30), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("province_code", sa.String(length=2), nullable=False),
    sa.Column("commune_code", sa.String(length=5), nullable=False),
    sa.Column("kind", sa.String(length=10), nullable=False),
    sa.Column("source", sa.String(length=10), nullable=False),
    sa.Column("subject", sa.String(length=200), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("sender_name", sa.String(length=120), nullable=False),
    sa.Column("sender_phone", sa.String(length=15), nullable=True),
    sa.Column("sender_email", sa.String(length=200), nullable=True),
    sa.Column("dossier_code", sa.String(length=40), nullable=True),
    sa.Column("dossier_id", sa.Integer(), nullable=True),
    sa.Column("rating_id", sa.Integer(), nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("refuse_due", sa.DateTime(timezone=True), nullable=False),
    sa.Column("info_due", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer_due", sa.DateTime(timezone=True), nullable=False),
    sa.Column("publish_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("info_requested_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("info_received_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("handled_on_time", sa.Boolean(), nullable=True),
    sa.Column("refusal_reason", sa.Text(), nullable=True),
    sa.Column("info_request", sa.Text(), nullable=True),
    sa.Column("answer", sa.Text(), nullable=True),
    sa.Column("answered_by", sa.String(length=120), nullable=True),
    sa.Column("sender_satisfied", sa.Boolean(), nullable=True),
    sa.Column("sender_rated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("idempotency_scope", sa.String(length=20), nullable=True),
    sa.Column("idempotency_key", sa.String(length=100), nullable=True),
    sa.Column("request_digest", sa.String(length=64), nullable=True),
    sa.Column("ip_digest", sa.String(length=64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_feedback_case_commune_code_commune")),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_feedback_case_dossier_id_dossier")),
    sa.ForeignKeyConstraint(["province_code"], ["province.code"],
                            name=op.f("fk_feedback_case_province_code_province")),
    sa.ForeignKeyConstraint(["rating_id"], ["dossier_rating.id"],
                            name=op.f("fk_feedback_case_rating_id_dossier_rating")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_case")),
    sa.UniqueConstraint("code", name=op.f("uq_feedback_case_code")),
    sa.UniqueConstraint("idempotency_scope", "idempotency_key",
                        name=op.f("uq_feedback_case_idempotency_scope_idempotency_key")),
    sa.UniqueConstraint("rating_id", name=op.f("uq_feedback_case_rating_id"))
    )
    with op.batch_alter_table("feedback_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_case_dossier_id"), ["dossier_id"], unique=False)
        # The officers' list (the commune's cases by what is due), the index's counters (handled in a period) and
        # the public form's limit per address.
        batch_op.create_index("ix_feedback_case_commune_status_due", ["commune_code", "status", "due_at"],
                              unique=False)
        batch_op.create_index("ix_feedback_case_commune_handled", ["commune_code", "handled_at"], unique=False)
        batch_op.create_index("ix_feedback_case_ip_received", ["ip_digest", "received_at"], unique=False)

    op.create_table("feedback_event",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(length=20), nullable=False),
    sa.Column("from_status", sa.String(length=20), nullable=True),
    sa.Column("to_status", sa.String(length=20), nullable=False),
    sa.Column("actor_name", sa.String(length=120), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(["case_id"], ["feedback_case.id"], name=op.f("fk_feedback_event_case_id_feedback_case")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_event"))
    )
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_event_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_event_case_id"))
    op.drop_table("feedback_event")
    with op.batch_alter_table("feedback_case", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_case_ip_received")
        batch_op.drop_index("ix_feedback_case_commune_handled")
        batch_op.drop_index("ix_feedback_case_commune_status_due")
        batch_op.drop_index(batch_op.f("ix_feedback_case_dossier_id"))
    op.drop_table("feedback_case")
    with op.batch_alter_table("dossier_rating", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_rating_commune_rated")
    op.drop_table("dossier_rating")
