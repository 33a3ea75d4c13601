"""Every group of version 2 of the index fed from what motcua records (issue 15): the fee each dossier actually
owes, the applicant's identity verified at intake, the index's own facts of ratings and feedback cases, and the new
counters of each contribution and of both rollups.

Existing data:

* ``dossier.owed_fee_vnd`` of a dossier received before fees were chosen at intake is every fee of its version that
  costs something — what the portal asked it to pay (``fee_lines_owed`` stays NULL: every line);
* ``dossier.identity_verified`` is set for a dossier a citizen filed from an account the population database
  verified at VNeID level 2;
* ``index_dossier_fact`` and ``index_feedback_case`` are filled from the ratings and feedback cases on record, with
  the rule of ``feedback.actions.late_at`` written in SQL;
* the new counters start at zero, so every dossier is queued for the worker's fold (``index_pending``), which
  judges it again and fills them (``motcua index rebuild`` does it at once), as ``20261207_index_portal_rule`` did.
  Version 1 reads none of them, and its published snapshots keep their content.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261208_index_counts"
down_revision: str | None = "20261208_index_reconciliation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUPS = ("index_rollup", "index_rollup_commune")
FLAGS = ("owed_fee", "owed_fee_paid_online", "unsatisfactory_dossiers", "results_issued", "e_results", "digitised",
         "certified_copies", "e_certified_copies", "vneid_verified")
ROLLUP_COLUMNS = (*FLAGS, "ended_unsatisfactory_dossiers")


def _utc() -> sa.types.TypeEngine[object]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("owed_fee_vnd", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("fee_lines_owed", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("fee_exemption", sa.String(40), nullable=True))
        batch.add_column(sa.Column("identity_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
    for flag in FLAGS:
        op.add_column("index_contribution", sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in ROLLUPS:
        for column in ROLLUP_COLUMNS:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "index_dossier_fact",
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossier.id"), primary_key=True),
        sa.Column("dissatisfied_at", _utc(), nullable=True),
        sa.Column("feedback_case_at", _utc(), nullable=True),
    )
    op.create_table(
        "index_feedback_case",
        sa.Column("case_id", sa.Integer(), primary_key=True),
        sa.Column("province_code", sa.String(10), nullable=False),
        sa.Column("commune_code", sa.String(10), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.Column("late_at", _utc(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
    )
    op.create_index("ix_index_feedback_case_commune_received", "index_feedback_case", ["commune_code", "received_at"])

    bind = op.get_bind()
    for version_id, data in bind.execute(sa.text("SELECT id, data FROM procedure_version")).all():
        fees = (json.loads(data) if isinstance(data, str) else data or {}).get("fees", [])
        total = sum(int(fee.get("amount_vnd") or 0) for fee in fees if int(fee.get("amount_vnd") or 0) > 0)
        if total:
            bind.execute(sa.text("UPDATE dossier SET owed_fee_vnd = :total WHERE procedure_version_id = :id"),
                         {"total": total, "id": version_id})
    op.execute("UPDATE dossier SET identity_verified = true WHERE filed_by = 'citizen' AND citizen_id IN "
               "(SELECT id FROM citizen_account WHERE vneid_level >= 2 AND identity_checked_at IS NOT NULL)")
    op.execute("INSERT INTO index_feedback_case (case_id, province_code, commune_code, received_at, closed_at, "
               "late_at, satisfied) SELECT id, province_code, commune_code, received_at, "
               "COALESCE(refused_at, published_at), "
               "CASE WHEN refused_at IS NOT NULL THEN NULL "
               "WHEN answered_at IS NOT NULL AND handled_on_time = false THEN answer_due "
               "WHEN answered_at IS NOT NULL AND (published_at IS NULL OR published_at > publish_due) THEN publish_due "
               "WHEN answered_at IS NOT NULL THEN NULL "
               "WHEN status = 'awaiting_info' THEN NULL "
               "ELSE answer_due END, sender_satisfied FROM feedback_case")
    op.execute("INSERT INTO index_dossier_fact (dossier_id, dissatisfied_at, feedback_case_at) "
               "SELECT d.id, (SELECT MIN(r.rated_at) FROM dossier_rating r WHERE r.dossier_id = d.id "
               "AND r.satisfied = false), (SELECT MIN(c.received_at) FROM feedback_case c WHERE c.dossier_id = d.id) "
               "FROM dossier d WHERE EXISTS (SELECT 1 FROM dossier_rating r WHERE r.dossier_id = d.id "
               "AND r.satisfied = false) OR EXISTS (SELECT 1 FROM feedback_case c WHERE c.dossier_id = d.id)")
    op.execute("INSERT INTO index_pending (dossier_id) SELECT id FROM dossier")


def downgrade() -> None:
    op.drop_index("ix_index_feedback_case_commune_received", table_name="index_feedback_case")
    op.drop_table("index_feedback_case")
    op.drop_table("index_dossier_fact")
    for table in ROLLUPS:
        with op.batch_alter_table(table) as batch:
            for column in reversed(ROLLUP_COLUMNS):
                batch.drop_column(column)
    with op.batch_alter_table("index_contribution") as batch:
        for flag in reversed(FLAGS):
            batch.drop_column(flag)
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("identity_verified")
        batch.drop_column("fee_exemption")
        batch.drop_column("fee_lines_owed")
        batch.drop_column("owed_fee_vnd")
