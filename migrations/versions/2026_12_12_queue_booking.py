"""The centre's front desk, second slice (issue 18): opening hours (a province's default week and a commune's own),
appointment capacities per field, online appointments (bookings) and the per-phone count of tickets taken by SMS
or from the portal; the priority groups a province adds to the four the law names.

Existing data: new tables only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261212_queue_booking"
down_revision: str | None = "20261211_queue_display"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_opening_hours",
        sa.Column("scope", sa.String(5), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("intervals", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["officer.id"],
                                name=op.f("fk_queue_opening_hours_updated_by_id_officer")),
        sa.PrimaryKeyConstraint("scope", "weekday", name=op.f("pk_queue_opening_hours")),
    )
    op.create_table(
        "queue_slot_capacity",
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["commune_code"], ["commune.code"],
                                name=op.f("fk_queue_slot_capacity_commune_code_commune")),
        sa.PrimaryKeyConstraint("commune_code", "field", name=op.f("pk_queue_slot_capacity")),
    )
    op.create_table(
        "queue_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(15), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_queue_booking_commune_code_commune")),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizen_account.id"],
                                name=op.f("fk_queue_booking_citizen_id_citizen_account")),
        sa.ForeignKeyConstraint(["ticket_id"], ["queue_ticket.id"], name=op.f("fk_queue_booking_ticket_id_queue_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_booking")),
        sa.UniqueConstraint("code", name=op.f("uq_queue_booking_code")),
        sa.UniqueConstraint("commune_code", "field", "slot_start", "place",
                            name=op.f("uq_queue_booking_commune_code_field_slot_start_place")),
    )
    op.create_index("ix_queue_booking_day", "queue_booking", ["commune_code", "day", "status"])
    op.create_index("ix_queue_booking_due", "queue_booking", ["status", "slot_start"])
    op.create_index("ix_queue_booking_phone", "queue_booking", ["commune_code", "phone", "day"])
    op.create_table(
        "queue_phone_ticket",
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("phone_digest", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("source_ref", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["queue_ticket.id"],
                                name=op.f("fk_queue_phone_ticket_ticket_id_queue_ticket")),
        sa.PrimaryKeyConstraint("commune_code", "day", "phone_digest", "n", name=op.f("pk_queue_phone_ticket")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_queue_phone_ticket_source_ref")),
    )
    op.create_table(
        "queue_priority_group",
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["province_code"], ["province.code"],
                                name=op.f("fk_queue_priority_group_province_code_province")),
        sa.ForeignKeyConstraint(["created_by_id"], ["officer.id"],
                                name=op.f("fk_queue_priority_group_created_by_id_officer")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_queue_priority_group")),
        sa.UniqueConstraint("province_code", "label", name=op.f("uq_queue_priority_group_province_code_label")),
    )
    op.create_index(op.f("ix_queue_priority_group_province_code"), "queue_priority_group", ["province_code"])


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_priority_group_province_code"), table_name="queue_priority_group")
    op.drop_table("queue_priority_group")
    op.drop_table("queue_phone_ticket")
    op.drop_index("ix_queue_booking_phone", table_name="queue_booking")
    op.drop_index("ix_queue_booking_due", table_name="queue_booking")
    op.drop_index("ix_queue_booking_day", table_name="queue_booking")
    op.drop_table("queue_booking")
    op.drop_table("queue_slot_capacity")
    op.drop_table("queue_opening_hours")
