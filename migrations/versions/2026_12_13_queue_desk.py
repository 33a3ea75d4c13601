"""The officers' side of the front desk (issue 18): who sits at which counter today, a counter's pause, a ticket's
transfer to another counter or field, the dossier received from a ticket and the rating at the counter.

Existing data: new nullable columns on queue_counter and queue_ticket, and new tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261213_queue_desk"
down_revision: str | None = "20261212_queue_booking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_counter") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paused_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_queue_counter_paused_by_id_officer"), "officer", ["paused_by_id"], ["id"])
    with op.batch_alter_table("queue_ticket") as batch:
        batch.add_column(sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("target_counter_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("target_field", sa.String(30), nullable=True))
        batch.add_column(sa.Column("dossier_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_queue_ticket_target_counter_id_queue_counter"), "queue_counter",
                                 ["target_counter_id"], ["id"])
        batch.create_foreign_key(op.f("fk_queue_ticket_dossier_id_dossier"), "dossier", ["dossier_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_queue_ticket_dossier_id"), ["dossier_id"])
    op.create_table(
        "queue_seat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["commune_code"], ["commune.code"], name=op.f("fk_queue_seat_commune_code_commune")),
        sa.ForeignKeyConstraint(["counter_id"], ["queue_counter.id"],
                                name=op.f("fk_queue_seat_counter_id_queue_counter")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_queue_seat_officer_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_seat")),
        sa.UniqueConstraint("day", "counter_id", name=op.f("uq_queue_seat_day_counter_id")),
        sa.UniqueConstraint("day", "officer_id", name=op.f("uq_queue_seat_day_officer_id")),
    )
    op.create_table(
        "queue_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("from_counter_id", sa.Integer(), nullable=False),
        sa.Column("from_field", sa.String(30), nullable=False),
        sa.Column("to_counter_id", sa.Integer(), nullable=True),
        sa.Column("to_field", sa.String(30), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["queue_ticket.id"],
                                name=op.f("fk_queue_transfer_ticket_id_queue_ticket")),
        sa.ForeignKeyConstraint(["from_counter_id"], ["queue_counter.id"],
                                name=op.f("fk_queue_transfer_from_counter_id_queue_counter")),
        sa.ForeignKeyConstraint(["to_counter_id"], ["queue_counter.id"],
                                name=op.f("fk_queue_transfer_to_counter_id_queue_counter")),
        sa.ForeignKeyConstraint(["by_id"], ["officer.id"], name=op.f("fk_queue_transfer_by_id_officer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_transfer")),
    )
    op.create_index(op.f("ix_queue_transfer_ticket_id"), "queue_transfer", ["ticket_id"])
    op.create_table(
        "queue_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("feedback_case_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["queue_ticket.id"],
                                name=op.f("fk_queue_rating_ticket_id_queue_ticket")),
        sa.ForeignKeyConstraint(["commune_code"], ["commune.code"],
                                name=op.f("fk_queue_rating_commune_code_commune")),
        sa.ForeignKeyConstraint(["counter_id"], ["queue_counter.id"],
                                name=op.f("fk_queue_rating_counter_id_queue_counter")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"], name=op.f("fk_queue_rating_officer_id_officer")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_queue_rating_dossier_id_dossier")),
        sa.ForeignKeyConstraint(["feedback_case_id"], ["feedback_case.id"],
                                name=op.f("fk_queue_rating_feedback_case_id_feedback_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_rating")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_queue_rating_ticket_id")),
    )
    op.create_index("ix_queue_rating_commune_rated", "queue_rating", ["commune_code", "rated_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_rating_commune_rated", table_name="queue_rating")
    op.drop_table("queue_rating")
    op.drop_index(op.f("ix_queue_transfer_ticket_id"), table_name="queue_transfer")
    op.drop_table("queue_transfer")
    op.drop_table("queue_seat")
    with op.batch_alter_table("queue_ticket") as batch:
        batch.drop_constraint(op.f("uq_queue_ticket_dossier_id"), type_="unique")
        batch.drop_constraint(op.f("fk_queue_ticket_dossier_id_dossier"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_queue_ticket_target_counter_id_queue_counter"), type_="foreignkey")
        batch.drop_column("dossier_id")
        batch.drop_column("target_field")
        batch.drop_column("target_counter_id")
        batch.drop_column("transferred_at")
    with op.batch_alter_table("queue_counter") as batch:
        batch.drop_constraint(op.f("fk_queue_counter_paused_by_id_officer"), type_="foreignkey")
        batch.drop_column("paused_by_id")
        batch.drop_column("paused_at")
