"""Indicators 4.3 and 4.4 of version 2 from the citizen's store (issue 17): each contribution says whether the dossier
reuses a document of the store (``reused_from_store``) and whether it is linked to a citizen's store
(``linked_to_store``), and both rollups count them.

Existing data: false and 0 until the index is rebuilt (``motcua index rebuild``) or the dossiers folded again; no
dossier reused anything before this version, and 4.1's narrowing to digitally signed results is applied by the same
rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261217_index_store_counters"
down_revision: str | None = "20261216_docstore_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FLAGS = ("reused_from_store", "linked_to_store")


def upgrade() -> None:
    for name in _FLAGS:  # adding a column with a constant default: no table rewrite on either backend
        op.add_column("index_contribution", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in ("index_rollup", "index_rollup_commune"):
        for name in _FLAGS:
            op.add_column(table, sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table in ("index_rollup_commune", "index_rollup", "index_contribution"):
        with op.batch_alter_table(table) as batch:
            for name in reversed(_FLAGS):
                batch.drop_column(name)
