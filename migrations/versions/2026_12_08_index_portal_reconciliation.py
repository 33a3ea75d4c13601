"""Reconciliation with the national portal's published Decision 766 statistics (issue 15, item 6): the imported
statistics files (``index_portal_import``) and their rows, one per unit and indicator (``index_portal_row``).

Revision ID: 20261208_index_reconciliation
Revises: 20261207_index_portal_rule
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_index_reconciliation"
down_revision: str | None = "20261207_index_portal_rule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("index_portal_import",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("province_code", sa.String(length=2), nullable=False),
    sa.Column("period", sa.String(length=20), nullable=False),
    sa.Column("period_start", sa.Date(), nullable=False),
    sa.Column("period_end", sa.Date(), nullable=False),
    sa.Column("metric_set", sa.String(length=40), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.String(length=120), nullable=False),
    sa.Column("file_name", sa.String(length=200), nullable=False),
    sa.Column("file_format", sa.String(length=8), nullable=False),
    sa.Column("file_digest", sa.String(length=64), nullable=False),
    sa.Column("file_content", sa.LargeBinary(), nullable=False),
    sa.Column("units", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["province_code"], ["province.code"],
                            name=op.f("fk_index_portal_import_province_code_province")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_index_portal_import")),
    sa.UniqueConstraint("province_code", "period", name=op.f("uq_index_portal_import_province_code_period")),
    )
    op.create_table("index_portal_row",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("import_id", sa.Integer(), nullable=False),
    sa.Column("place", sa.String(length=60), nullable=False),
    sa.Column("unit_code", sa.String(length=10), nullable=False),
    sa.Column("unit_name", sa.String(length=200), nullable=False),
    sa.Column("level", sa.String(length=10), nullable=False),
    sa.Column("indicator", sa.String(length=20), nullable=False),
    sa.Column("counts", sa.JSON(), nullable=False),
    sa.Column("ratio", sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column("score", sa.Numeric(precision=9, scale=4), nullable=True),
    sa.Column("max_score", sa.Numeric(precision=9, scale=4), nullable=False),
    sa.ForeignKeyConstraint(["import_id"], ["index_portal_import.id"],
                            name=op.f("fk_index_portal_row_import_id_index_portal_import"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_index_portal_row")),
    )
    with op.batch_alter_table("index_portal_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_index_portal_row_import_id"), ["import_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("index_portal_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_portal_row_import_id"))
    op.drop_table("index_portal_row")
    op.drop_table("index_portal_import")
