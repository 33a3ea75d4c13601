"""The hall display of the front desk (issue 18): the per-commune event log the displays follow live (server-sent
events resumed from the last event number) and its per-commune counter; a ticket's optional phone number, for the
SMS sent when its turn is near.

Existing data: new tables; the new column is empty on existing tickets.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261211_queue_display"
down_revision: str | None = "20261210_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("queue_ticket", sa.Column("phone", sa.String(10), nullable=True))
    op.create_table(
        "queue_event_counter",
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commune_code", name=op.f("pk_queue_event_counter")),
    )
    op.create_table(
        "queue_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(12), nullable=False),
        sa.Column("field", sa.String(30), nullable=False),
        sa.Column("counter_number", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["queue_ticket.id"], ondelete="CASCADE",
                                name=op.f("fk_queue_event_ticket_id_queue_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_event")),
        sa.UniqueConstraint("commune_code", "seq", name=op.f("uq_queue_event_commune_code_seq")),
    )


def downgrade() -> None:
    op.drop_table("queue_event")
    op.drop_table("queue_event_counter")
    op.drop_column("queue_ticket", "phone")
