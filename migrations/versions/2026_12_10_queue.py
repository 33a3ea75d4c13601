"""The centre's front desk, first slice (issue 18): counters with the fields they serve, queue tickets and the
per-day ticket counters that number them gap-free per commune, field and day.

Existing data: new tables only.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261210_queue"
down_revision: str | None = "20261209_counter_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("fields", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_queue_counter_commune_code_commune")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_counter")),
        sa.UniqueConstraint("commune_code", "number", name=op.f("uq_queue_counter_commune_code_number")),
    )
    op.create_index(op.f("ix_queue_counter_commune_code"), "queue_counter", ["commune_code"])
    op.create_table(
        "queue_ticket_counter",
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commune_code", "field", "day", name=op.f("pk_queue_ticket_counter")),
    )
    op.create_table(
        "queue_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(12), nullable=False),
        sa.Column("priority_group", sa.String(30), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("ip_digest", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.Column("recalls", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_queue_ticket_commune_code_commune")),
        sa.ForeignKeyConstraint(["counter_id"], ["queue_counter.id"],
                                name=op.f("fk_queue_ticket_counter_id_queue_counter")),
        sa.ForeignKeyConstraint(["called_by_id"], ["officer.id"], name=op.f("fk_queue_ticket_called_by_id_officer")),
        sa.ForeignKeyConstraint(["finished_by_id"], ["officer.id"],
                                name=op.f("fk_queue_ticket_finished_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_ticket")),
        sa.UniqueConstraint("commune_code", "field", "day", "seq", name=op.f("uq_queue_ticket_commune_code_field_day_seq")),
    )
    op.create_index("ix_queue_ticket_waiting", "queue_ticket", ["commune_code", "day", "status", "field"])
    op.create_index("ix_queue_ticket_address", "queue_ticket", ["commune_code", "ip_digest", "issued_at"])
    op.create_index(op.f("ix_queue_ticket_counter_id"), "queue_ticket", ["counter_id"])


def downgrade() -> None:
    op.drop_table("queue_ticket")
    op.drop_table("queue_ticket_counter")
    op.drop_index(op.f("ix_queue_counter_commune_code"), table_name="queue_counter")
    op.drop_table("queue_counter")
