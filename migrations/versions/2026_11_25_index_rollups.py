"""The service index (Decision 766/QĐ-TTg): per-dossier monthly contributions, monthly rollups (by commune, procedure
and division; and by commune alone for the rankings), the fold queue,
the worker's bookmarks and published snapshots.

Revision ID: 20261125_index
Revises: 20261124_dossier_inbox_index
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261125_index"
down_revision: str | None = "20261124_dossier_inbox_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "index_rollup",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("commune_code", sa.String(length=10), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=30), nullable=False),
        sa.Column("province_code", sa.String(length=10), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("online_by_citizen", sa.Integer(), nullable=False),
        sa.Column("online_assisted", sa.Integer(), nullable=False),
        sa.Column("with_fee", sa.Integer(), nullable=False),
        sa.Column("paid_online", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("ended_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "commune_code", "procedure_code", "department", name=op.f("pk_index_rollup")),
    )
    op.create_index("ix_index_rollup_province_month", "index_rollup", ["province_code", "month"], unique=False)
    op.create_table(
        "index_rollup_commune",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("commune_code", sa.String(length=10), nullable=False),
        sa.Column("province_code", sa.String(length=10), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("online_by_citizen", sa.Integer(), nullable=False),
        sa.Column("online_assisted", sa.Integer(), nullable=False),
        sa.Column("with_fee", sa.Integer(), nullable=False),
        sa.Column("paid_online", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("ended_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "commune_code", name=op.f("pk_index_rollup_commune")),
    )
    op.create_index(
        "ix_index_rollup_commune_province_month", "index_rollup_commune", ["province_code", "month"], unique=False
    )
    op.create_table(
        "index_state",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_index_state")),
    )
    op.create_table(
        "index_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("metric_set", sa.String(length=40), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_index_snapshot_province_code_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_snapshot")),
        sa.UniqueConstraint(
            "province_code", "month", "metric_set", name=op.f("uq_index_snapshot_province_code_month_metric_set")
        ),
    )
    op.create_table(
        "index_contribution",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("province_code", sa.String(length=10), nullable=False),
        sa.Column("commune_code", sa.String(length=10), nullable=False),
        sa.Column("procedure_code", sa.String(length=20), nullable=False),
        sa.Column("department", sa.String(length=30), nullable=False),
        sa.Column("received", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("open_at_end", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late_hours", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("late_step", sa.String(length=40), nullable=True),
        sa.Column("late_body", sa.String(length=30), nullable=True),
        sa.Column("supplement_requests", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("online_by_citizen", sa.Boolean(), nullable=False),
        sa.Column("online_assisted", sa.Boolean(), nullable=False),
        sa.Column("with_fee", sa.Boolean(), nullable=False),
        sa.Column("paid_online", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_index_contribution_dossier_id_dossier")),
        sa.PrimaryKeyConstraint("dossier_id", "month", name=op.f("pk_index_contribution")),
    )
    op.create_index(
        "ix_index_contribution_commune_month", "index_contribution", ["commune_code", "month", "on_time"], unique=False
    )
    op.create_table(
        "index_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_index_pending_dossier_id_dossier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_pending")),
    )
    op.create_index(op.f("ix_index_pending_dossier_id"), "index_pending", ["dossier_id"], unique=False)


def downgrade() -> None:
    for table in ("index_pending", "index_contribution", "index_snapshot", "index_state", "index_rollup_commune",
                  "index_rollup"):
        op.drop_table(table)
