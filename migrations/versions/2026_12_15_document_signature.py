"""Electronic results and the citizen's store (issue 17): how a result document was signed
(``dossier_document.signature``: digital or paper) and which earlier document an item reuses
(``dossier_document.reused_from_id``).

Existing data: both NULL — results uploaded before are of unknown signing, and nothing was reused.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261215_document_signature"
down_revision: str | None = "20261214_index_fee_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_document") as batch:
        batch.add_column(sa.Column("signature", sa.String(10), nullable=True))
        batch.add_column(sa.Column("reused_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_dossier_document_reused_from_id_dossier_document", "dossier_document",
                                 ["reused_from_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("dossier_document") as batch:
        batch.drop_constraint("fk_dossier_document_reused_from_id_dossier_document", type_="foreignkey")
        batch.drop_column("reused_from_id")
        batch.drop_column("signature")
