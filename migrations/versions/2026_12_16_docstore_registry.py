"""The registry of issued results (issue 17, ``docstore.models.IssuedDocument``): each result motcua issued with its
SHA-256, number, issuing body, signature kind and signers, and the verification code its QR carries; revocation
(cancelled or corrected, Decree 118 Art. 23) kept beside it.

Existing data: none registered — results attached before were not issued through the registry.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261216_docstore_registry"
down_revision: str | None = "20261215_document_signature"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issued_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("number", sa.String(60), nullable=False),
        sa.Column("issuing_body", sa.String(200), nullable=False),
        sa.Column("procedure_code", sa.String(20), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(10), nullable=False),
        sa.Column("signers", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name="fk_issued_document_dossier_id_dossier"),
        sa.ForeignKeyConstraint(["document_id"], ["dossier_document.id"],
                                name="fk_issued_document_document_id_dossier_document"),
        sa.ForeignKeyConstraint(["issued_by_id"], ["officer.id"], name="fk_issued_document_issued_by_id_officer"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["officer.id"], name="fk_issued_document_revoked_by_id_officer"),
        sa.PrimaryKeyConstraint("id", name="pk_issued_document"),
        sa.UniqueConstraint("code", name="uq_issued_document_code"),
        sa.UniqueConstraint("document_id", name="uq_issued_document_document_id"),
    )
    op.create_index("ix_issued_document_dossier_id", "issued_document", ["dossier_id"])
    op.create_index("ix_issued_document_sha256", "issued_document", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_issued_document_sha256", table_name="issued_document")
    op.drop_index("ix_issued_document_dossier_id", table_name="issued_document")
    op.drop_table("issued_document")
