"""The citizen portal: accounts, one-time codes, sessions, drafts, assisted-filing consents, fee payments; the
dossier's citizen account and the kind of each document (input, supplement, result).

Revision ID: 20261126_portal
Revises: 20261126_feedback
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261126_portal"
down_revision: str | None = "20261126_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("citizen_account",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("phone", sa.String(length=15), nullable=True),
    sa.Column("email", sa.String(length=200), nullable=True),
    sa.Column("full_name", sa.String(length=200), nullable=False),
    sa.Column("id_number", sa.String(length=12), nullable=True),
    sa.Column("vneid_level", sa.Integer(), server_default="0", nullable=False),
    sa.Column("identity_checked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("identity_reference", sa.String(length=100), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_account")),
    sa.UniqueConstraint("email", name=op.f("uq_citizen_account_email")),
    sa.UniqueConstraint("phone", name=op.f("uq_citizen_account_phone")),
    )
    with op.batch_alter_table("citizen_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citizen_account_id_number"), ["id_number"], unique=False)

    op.create_table("otp_challenge",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("destination", sa.String(length=200), nullable=False),
    sa.Column("purpose", sa.String(length=20), nullable=False),
    sa.Column("code_hash", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ip", sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_challenge")),
    )
    with op.batch_alter_table("otp_challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_otp_challenge_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_otp_challenge_destination"), ["destination"], unique=False)
        batch_op.create_index(batch_op.f("ix_otp_challenge_ip"), ["ip"], unique=False)

    op.create_table("citizen_session",
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("citizen_id", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["citizen_id"], ["citizen_account.id"], name=op.f("fk_citizen_session_citizen_id_citizen_account"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_citizen_session")),
    )
    with op.batch_alter_table("citizen_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citizen_session_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_citizen_session_expires_at"), ["expires_at"], unique=False)

    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_dossier_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_dossier_citizen_id_citizen_account"), "citizen_account",
                                    ["citizen_id"], ["id"])
    with op.batch_alter_table("dossier_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), server_default="input", nullable=False))

    op.create_table("dossier_draft",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("citizen_id", sa.Integer(), nullable=False),
    sa.Column("procedure_code", sa.String(length=20), nullable=False),
    sa.Column("commune_code", sa.String(length=5), nullable=False),
    sa.Column("fields", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("dossier_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["citizen_id"], ["citizen_account.id"], name=op.f("fk_dossier_draft_citizen_id_citizen_account")),
    sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_dossier_draft_commune_code_commune")),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_draft_dossier_id_dossier")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_draft")),
    )
    with op.batch_alter_table("dossier_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_draft_citizen_id"), ["citizen_id"], unique=False)

    op.create_table("draft_file",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("draft_id", sa.Integer(), nullable=False),
    sa.Column("requirement_key", sa.String(length=40), nullable=False),
    sa.Column("file_key", sa.String(length=80), nullable=False),
    sa.Column("file_name", sa.String(length=200), nullable=False),
    sa.Column("content_type", sa.String(length=40), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["draft_id"], ["dossier_draft.id"], name=op.f("fk_draft_file_draft_id_dossier_draft"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_file")),
    sa.UniqueConstraint("draft_id", "requirement_key", "file_key", name=op.f("uq_draft_file_draft_id_requirement_key_file_key")),
    )
    with op.batch_alter_table("draft_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_file_draft_id"), ["draft_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_draft_file_file_key"), ["file_key"], unique=False)

    op.create_table("filing_consent",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("citizen_name", sa.String(length=200), nullable=False),
    sa.Column("citizen_phone", sa.String(length=15), nullable=True),
    sa.Column("method", sa.String(length=10), nullable=False),
    sa.Column("file_key", sa.String(length=80), nullable=True),
    sa.Column("helper_id", sa.Integer(), nullable=False),
    sa.Column("helper_role", sa.String(length=20), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_filing_consent_dossier_id_dossier")),
    sa.ForeignKeyConstraint(["helper_id"], ["officer.id"], name=op.f("fk_filing_consent_helper_id_officer")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_filing_consent")),
    sa.UniqueConstraint("dossier_id", name=op.f("uq_filing_consent_dossier_id")),
    )
    with op.batch_alter_table("filing_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filing_consent_helper_id"), ["helper_id"], unique=False)

    op.create_table("fee_payment",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("order_ref", sa.String(length=60), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("amount_vnd", sa.Integer(), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("provider_ref", sa.String(length=100), nullable=True),
    sa.Column("status", sa.String(length=10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("confirmed", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_fee_payment_dossier_id_dossier")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_payment")),
    sa.UniqueConstraint("order_ref", name=op.f("uq_fee_payment_order_ref")),
    )
    with op.batch_alter_table("fee_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_payment_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    op.drop_table("fee_payment")
    op.drop_table("filing_consent")
    op.drop_table("draft_file")
    op.drop_table("dossier_draft")
    with op.batch_alter_table("dossier_document", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_dossier_citizen_id_citizen_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_dossier_citizen_id"))
        batch_op.drop_column("citizen_id")
    op.drop_table("citizen_session")
    op.drop_table("otp_challenge")
    op.drop_table("citizen_account")
