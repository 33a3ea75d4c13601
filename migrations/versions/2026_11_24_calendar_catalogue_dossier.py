"""Calendar announcements and working hours, the procedure catalogue, dossiers, code counters, API token roles.

Revision ID: 20261124_catalogue_dossier
Revises: 20261124_audit_append_only
Create Date: 2026-11-24 15:51:11.866951
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_catalogue_dossier"
down_revision: str | None = "20261124_audit_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("dossier_code_counter",
    sa.Column("agency_id", sa.String(length=40), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("last_seq", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("agency_id", "day", name=op.f("pk_dossier_code_counter"))
    )
    op.create_table("lookup_attempt",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("ip", sa.String(length=64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("success", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_attempt"))
    )
    with op.batch_alter_table("lookup_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lookup_attempt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lookup_attempt_ip"), ["ip"], unique=False)

    op.create_table("procedure",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code", sa.String(length=20), nullable=False),
    sa.Column("name", sa.Text(), nullable=False),
    sa.Column("name_folded", sa.Text(), nullable=False),
    sa.Column("field", sa.String(length=200), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure")),
    sa.UniqueConstraint("code", name=op.f("uq_procedure_code"))
    )
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_name_folded"), ["name_folded"], unique=False)

    op.create_table("procedure_version",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("procedure_id", sa.Integer(), nullable=False),
    sa.Column("effective_from", sa.Date(), nullable=False),
    sa.Column("time_limit_amount", sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column("time_limit_unit", sa.String(length=20), nullable=False),
    sa.Column("handling_department", sa.String(length=30), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["procedure_id"], ["procedure.id"], name=op.f("fk_procedure_version_procedure_id_procedure")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_version")),
    sa.UniqueConstraint("procedure_id", "effective_from", name=op.f("uq_procedure_version_procedure_id_effective_from"))
    )
    with op.batch_alter_table("procedure_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_version_procedure_id"), ["procedure_id"], unique=False)

    op.create_table("province_working_hours",
    sa.Column("province_code", sa.String(length=2), nullable=False),
    sa.Column("intervals", sa.String(length=100), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["province_code"], ["province.code"], name=op.f("fk_province_working_hours_province_code_province")),
    sa.PrimaryKeyConstraint("province_code", name=op.f("pk_province_working_hours"))
    )
    op.create_table("calendar_announcement",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("day", sa.Date(), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("scope", sa.String(length=10), nullable=False),
    sa.Column("document", sa.String(length=200), nullable=False),
    sa.Column("note", sa.String(length=300), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["recorded_by_id"], ["officer.id"], name=op.f("fk_calendar_announcement_recorded_by_id_officer")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_announcement")),
    sa.UniqueConstraint("day", "scope", name=op.f("uq_calendar_announcement_day_scope"))
    )
    with op.batch_alter_table("calendar_announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_announcement_day"), ["day"], unique=False)

    op.create_table("dossier",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code", sa.String(length=40), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=30), nullable=False),
    sa.Column("province_code", sa.String(length=2), nullable=False),
    sa.Column("receiving_commune_code", sa.String(length=5), nullable=False),
    sa.Column("deciding_commune_code", sa.String(length=5), nullable=False),
    sa.Column("procedure_version_id", sa.Integer(), nullable=False),
    sa.Column("procedure_code", sa.String(length=20), nullable=False),
    sa.Column("procedure_name", sa.Text(), nullable=False),
    sa.Column("channel", sa.Integer(), nullable=False),
    sa.Column("filed_by", sa.String(length=20), nullable=False),
    sa.Column("applicant_kind", sa.String(length=20), nullable=False),
    sa.Column("applicant_name", sa.String(length=200), nullable=False),
    sa.Column("applicant_name_folded", sa.String(length=200), nullable=False),
    sa.Column("id_number", sa.String(length=12), nullable=True),
    sa.Column("tax_code", sa.String(length=14), nullable=True),
    sa.Column("phone", sa.String(length=15), nullable=True),
    sa.Column("email", sa.String(length=200), nullable=True),
    sa.Column("address", sa.String(length=300), nullable=False),
    sa.Column("address_commune_code", sa.String(length=5), nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("original_due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("paper_transfer_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("correction_due", sa.DateTime(timezone=True), nullable=True),
    sa.Column("clock_events", sa.JSON(), nullable=False),
    sa.Column("supplement_count", sa.Integer(), nullable=False),
    sa.Column("supplement_requested_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("extended", sa.Boolean(), nullable=False),
    sa.Column("current_department", sa.String(length=30), nullable=True),
    sa.Column("handler_id", sa.Integer(), nullable=True),
    sa.Column("received_by_id", sa.Integer(), nullable=True),
    sa.Column("paid_online", sa.Boolean(), nullable=False),
    sa.Column("result_summary", sa.Text(), nullable=True),
    sa.Column("idempotency_scope", sa.String(length=40), nullable=True),
    sa.Column("idempotency_key", sa.String(length=100), nullable=True),
    sa.Column("request_digest", sa.String(length=64), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["address_commune_code"], ["commune.code"], name=op.f("fk_dossier_address_commune_code_commune")),
    sa.ForeignKeyConstraint(["deciding_commune_code"], ["commune.code"], name=op.f("fk_dossier_deciding_commune_code_commune")),
    sa.ForeignKeyConstraint(["handler_id"], ["officer.id"], name=op.f("fk_dossier_handler_id_officer")),
    sa.ForeignKeyConstraint(["procedure_version_id"], ["procedure_version.id"], name=op.f("fk_dossier_procedure_version_id_procedure_version")),
    sa.ForeignKeyConstraint(["province_code"], ["province.code"], name=op.f("fk_dossier_province_code_province")),
    sa.ForeignKeyConstraint(["received_by_id"], ["officer.id"], name=op.f("fk_dossier_received_by_id_officer")),
    sa.ForeignKeyConstraint(["receiving_commune_code"], ["commune.code"], name=op.f("fk_dossier_receiving_commune_code_commune")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier")),
    sa.UniqueConstraint("code", name=op.f("uq_dossier_code")),
    sa.UniqueConstraint("idempotency_scope", "idempotency_key", name=op.f("uq_dossier_idempotency_scope_idempotency_key"))
    )
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_applicant_name_folded"), ["applicant_name_folded"], unique=False)
        batch_op.create_index("ix_dossier_deciding_status_due", ["deciding_commune_code", "status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_procedure_version_id"), ["procedure_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_province_code"), ["province_code"], unique=False)
        batch_op.create_index("ix_dossier_receiving_received", ["receiving_commune_code", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_status"), ["status"], unique=False)

    op.create_table("dossier_document",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("requirement_key", sa.String(length=40), nullable=True),
    sa.Column("name", sa.String(length=300), nullable=False),
    sa.Column("file_key", sa.String(length=80), nullable=False),
    sa.Column("file_name", sa.String(length=200), nullable=False),
    sa.Column("content_type", sa.String(length=40), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_document_dossier_id_dossier")),
    sa.ForeignKeyConstraint(["uploaded_by_id"], ["officer.id"], name=op.f("fk_dossier_document_uploaded_by_id_officer")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_document"))
    )
    with op.batch_alter_table("dossier_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_document_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_document_file_key"), ["file_key"], unique=False)

    op.create_table("dossier_event",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("dossier_id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(length=40), nullable=False),
    sa.Column("from_status", sa.String(length=30), nullable=True),
    sa.Column("to_status", sa.String(length=30), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("actor_name", sa.String(length=120), nullable=False),
    sa.Column("department", sa.String(length=30), nullable=True),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["officer.id"], name=op.f("fk_dossier_event_actor_id_officer")),
    sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_event_dossier_id_dossier")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_event"))
    )
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_event_dossier_id"), ["dossier_id"], unique=False)

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roles", sa.String(length=200), server_default="", nullable=False))



def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("roles")

    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_event_dossier_id"))

    op.drop_table("dossier_event")
    with op.batch_alter_table("dossier_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_document_file_key"))
        batch_op.drop_index(batch_op.f("ix_dossier_document_dossier_id"))

    op.drop_table("dossier_document")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_status"))
        batch_op.drop_index("ix_dossier_receiving_received")
        batch_op.drop_index(batch_op.f("ix_dossier_province_code"))
        batch_op.drop_index(batch_op.f("ix_dossier_procedure_version_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_phone"))
        batch_op.drop_index(batch_op.f("ix_dossier_id_number"))
        batch_op.drop_index("ix_dossier_deciding_status_due")
        batch_op.drop_index(batch_op.f("ix_dossier_applicant_name_folded"))

    op.drop_table("dossier")
    with op.batch_alter_table("calendar_announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_announcement_day"))

    op.drop_table("calendar_announcement")
    op.drop_table("province_working_hours")
    with op.batch_alter_table("procedure_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_version_procedure_id"))

    op.drop_table("procedure_version")
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_name_folded"))

    op.drop_table("procedure")
    with op.batch_alter_table("lookup_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lookup_attempt_ip"))
        batch_op.drop_index(batch_op.f("ix_lookup_attempt_at"))

    op.drop_table("lookup_attempt")
    op.drop_table("dossier_code_counter")
