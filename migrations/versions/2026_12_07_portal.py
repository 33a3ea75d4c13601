"""Issue 13, the citizen portal: one verified ID number per citizen account, and the identity tries counted in the
database (finding 3); fee lines paid one by one, and each order bound to the account that started it (finding 9).

Accounts that share a verified ID number (what finding 3 reproduced) lose their verification: which of them is the
citizen cannot be told from the data, so each verifies again under the new rules. Orders made before have no fee
line (``line_no`` NULL) and keep what they settled; a dossier already marked paid online stays so.

Revision ID: 20261207_portal
Revises: 20261207_login_lockout
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_portal"
down_revision: str | None = "20261207_login_lockout"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE citizen_account SET id_number = NULL, vneid_level = 0, identity_checked_at = NULL, "
        "identity_reference = NULL WHERE id_number IN (SELECT id_number FROM citizen_account "
        "WHERE id_number IS NOT NULL GROUP BY id_number HAVING COUNT(*) > 1)"))
    with op.batch_alter_table("citizen_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citizen_account_id_number"))
        batch_op.create_unique_constraint(batch_op.f("uq_citizen_account_id_number"), ["id_number"])

    op.create_table("identity_attempt",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("citizen_id", sa.Integer(), nullable=False),
    sa.Column("id_number_digest", sa.String(length=64), nullable=False),
    sa.Column("ip", sa.String(length=64), nullable=True),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("outcome", sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(["citizen_id"], ["citizen_account.id"],
                            name=op.f("fk_identity_attempt_citizen_id_citizen_account"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_attempt")),
    )
    with op.batch_alter_table("identity_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_attempt_attempted_at"), ["attempted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_attempt_citizen_id"), ["citizen_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_attempt_id_number_digest"), ["id_number_digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_attempt_ip"), ["ip"], unique=False)

    op.create_table("fee_line",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("line_no", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=300), nullable=False),
    sa.Column("amount_vnd", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=10), server_default="owed", nullable=False),
    sa.Column("order_ref", sa.String(length=60), nullable=True),
    sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_fee_line_dossier_id_dossier")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_line")),
    sa.UniqueConstraint("dossier_id", "line_no", name=op.f("uq_fee_line_dossier_id_line_no")),
    )
    with op.batch_alter_table("fee_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_line_dossier_id"), ["dossier_id"], unique=False)
    with op.batch_alter_table("fee_payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_no", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("citizen_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_fee_payment_citizen_id_citizen_account"), "citizen_account",
                                    ["citizen_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("fee_payment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_fee_payment_citizen_id_citizen_account"), type_="foreignkey")
        batch_op.drop_column("citizen_id")
        batch_op.drop_column("line_no")
    op.drop_table("fee_line")
    op.drop_table("identity_attempt")
    with op.batch_alter_table("citizen_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_citizen_account_id_number"), type_="unique")
        batch_op.create_index(batch_op.f("ix_citizen_account_id_number"), ["id_number"], unique=False)
