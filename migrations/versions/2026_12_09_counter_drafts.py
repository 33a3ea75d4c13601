"""A counter officer's draft (issue 16): the scans of an intake refused for a mistake in the form are kept in the
drafts the citizen portal already uses (``dossier_draft``, ``draft_file``), owned by the officer instead of a
citizen account. ``citizen_id`` becomes nullable, ``officer_id`` is added, and a check keeps exactly one owner.

Existing data: every draft on record is a citizen's (``citizen_id`` set), so the check holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261209_counter_drafts"
down_revision: str | None = "20261208_index_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_draft") as batch:
        batch.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("officer_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_dossier_draft_officer_id_officer"), "officer", ["officer_id"], ["id"])
        batch.create_index(batch.f("ix_dossier_draft_officer_id"), ["officer_id"])
        batch.create_check_constraint(batch.f("ck_dossier_draft_one_owner"), "(citizen_id IS NULL) <> (officer_id IS NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM draft_file WHERE draft_id IN (SELECT id FROM dossier_draft WHERE officer_id IS NOT NULL)")
    op.execute("DELETE FROM dossier_draft WHERE officer_id IS NOT NULL")
    with op.batch_alter_table("dossier_draft") as batch:
        batch.drop_constraint(batch.f("ck_dossier_draft_one_owner"), type_="check")
        batch.drop_index(batch.f("ix_dossier_draft_officer_id"))
        batch.drop_constraint(batch.f("fk_dossier_draft_officer_id_officer"), type_="foreignkey")
        batch.drop_column("officer_id")
        batch.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
