"""Indicator 2.1 on the national portal's rule beside the legal clock: ``on_time_index`` on each contribution and its
sums on both rollups (version 2 of the Decision 766 definitions counts it).

The new columns start false and zero, which would score every stored month's 2.1 at 0 under version 2. So every
dossier is queued for the worker's fold (``index_pending``), which judges it again and fills them; ``motcua index
rebuild`` does the same at once. Version 1 does not read them, and its published snapshots keep their content.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_index_portal_rule"
down_revision: str | None = "20261207_audit_chains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUPS = ("index_rollup", "index_rollup_commune")


def upgrade() -> None:
    op.add_column("index_contribution", sa.Column("on_time_index", sa.Boolean(), nullable=False,
                                                  server_default=sa.false()))
    for table in ROLLUPS:
        op.add_column(table, sa.Column("on_time_index", sa.Integer(), nullable=False, server_default="0"))
        op.add_column(table, sa.Column("ended_on_time_index", sa.Integer(), nullable=False, server_default="0"))
    op.execute("INSERT INTO index_pending (dossier_id) SELECT id FROM dossier")


def downgrade() -> None:
    for table in ROLLUPS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("ended_on_time_index")
            batch.drop_column("on_time_index")
    with op.batch_alter_table("index_contribution") as batch:
        batch.drop_column("on_time_index")
