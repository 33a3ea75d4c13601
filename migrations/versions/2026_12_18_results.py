"""Electronic results (issue 17): result templates (versions), drafts on their way to signing, the body's register
of issued documents (sổ văn bản, per issuer and year) and the signing credentials of officers and agency seals.

Existing data: none; every table is new.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261218_results"
down_revision: str | None = "20261217_index_store_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code", name="fk_result_template_province_code_province"), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("doc_type", sa.String(10), nullable=False),
        sa.Column("signer_title", sa.String(200), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("officer.id", name="fk_result_template_created_by_id_officer"), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_result_template"),
        sa.UniqueConstraint("procedure_code", "scope", "effective_from",
                            name="uq_result_template_procedure_code_scope_effective_from"),
    )
    op.create_index("ix_result_template_procedure_code", "result_template", ["procedure_code"])
    op.create_table(
        "result_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossier.id", name="fk_result_draft_dossier_id_dossier"), nullable=False),
        sa.Column("commune_code", sa.String(5), sa.ForeignKey("commune.code", name="fk_result_draft_commune_code_commune"), nullable=False),
        sa.Column("province_code", sa.String(2), sa.ForeignKey("province.code", name="fk_result_draft_province_code_province"), nullable=False),
        sa.Column("template_id", sa.Integer(), sa.ForeignKey("result_template.id", name="fk_result_draft_template_id_result_template"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), sa.ForeignKey("officer.id", name="fk_result_draft_drafted_by_id_officer"), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_reason", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("signer_id", sa.Integer(), sa.ForeignKey("officer.id", name="fk_result_draft_signer_id_officer"), nullable=True),
        sa.Column("remote", sa.JSON(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("number_text", sa.String(60), nullable=True),
        sa.Column("verification_code", sa.String(32), nullable=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("dossier_document.id", name="fk_result_draft_document_id_dossier_document"), nullable=True),
        sa.Column("signature", sa.String(10), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_result_draft"),
        sa.UniqueConstraint("verification_code", name="uq_result_draft_verification_code"),
    )
    op.create_index("ix_result_draft_dossier_id", "result_draft", ["dossier_id"])
    op.create_index("ix_result_draft_commune_status", "result_draft", ["commune_code", "status"])
    op.create_table(
        "result_register_counter",
        sa.Column("issuer", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issuer", "year", name="pk_result_register_counter"),
    )
    op.create_table(
        "signing_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id", name="fk_signing_credential_officer_id_officer"), nullable=True),
        sa.Column("commune_code", sa.String(5), sa.ForeignKey("commune.code", name="fk_signing_credential_commune_code_commune"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reference", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("serial", sa.String(80), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signing_credential"),
    )
    op.create_index("ix_signing_credential_officer_id", "signing_credential", ["officer_id"])
    op.create_index("ix_signing_credential_commune_code", "signing_credential", ["commune_code"])


def downgrade() -> None:
    op.drop_table("signing_credential")
    op.drop_table("result_register_counter")
    op.drop_table("result_draft")
    op.drop_table("result_template")
