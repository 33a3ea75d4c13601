"""A partial index of the detailed rollup for 3.5–3.6's B and C (``index.rollups.fee_procedures``): only the rows
that owed a fee, with what the distinct-procedure counts group by, so a month of the whole country is read from the
index (bench/index.py, section 3).

Existing data: the index is built from the existing rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261214_index_fee_rollups"
down_revision: str | None = "20261213_queue_desk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_index_rollup_fees", "index_rollup",
                    ["month", "province_code", "commune_code", "procedure_code"],
                    postgresql_include=["department", "owed_fee", "owed_fee_paid_online"],
                    postgresql_where=sa.text("owed_fee > 0"), sqlite_where=sa.text("owed_fee > 0"))


def downgrade() -> None:
    op.drop_index("ix_index_rollup_fees", table_name="index_rollup")
