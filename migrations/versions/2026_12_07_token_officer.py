"""API tokens act on behalf of a named officer; a province may allow one officer to appraise and approve.

Issue 13, findings 5 and 8. ``api_token.officer_id`` names the officer a token acts for. Existing tokens had none:
a live token is bound to the officer who issued it only when that officer is active, holds every role the token
carries, has the token's jurisdiction (the same commune, or the province for a province-wide token) and the token
carries at most one of the separated roles (reception, specialist, approver); every other live token is revoked,
and its integration needs a new token issued for a named officer (docs/operations.md).

``province.allow_single_officer_approval`` is off everywhere.

Revision ID: 20261207_token_officer
Revises: 20261207_portal
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_token_officer"
down_revision: str | None = "20261207_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEPARATED = {"reception", "specialist", "approver"}


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_token_officer_id"), ["officer_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_api_token_officer_id_officer"), "officer", ["officer_id"], ["id"])
    # A plain ADD COLUMN (with its default) on both backends: a batch on SQLite would copy and drop ``province``,
    # which communes and officers reference — refused with foreign keys on, once the table holds data.
    op.add_column("province", sa.Column("allow_single_officer_approval", sa.Boolean(), server_default=sa.false(),
                                        nullable=False))

    conn = op.get_bind()
    now = datetime.now(UTC)
    tokens = conn.execute(sa.text(
        "SELECT t.id, t.roles, t.commune_code, t.province_code, o.id AS officer, o.active, o.commune_code AS oc,"
        " o.province_code AS op FROM api_token t LEFT JOIN officer o ON o.id = t.created_by"
        " WHERE t.revoked_at IS NULL")).mappings().all()
    for t in tokens:
        roles = {r for r in (t["roles"] or "").split(",") if r}
        held = {r for (r,) in conn.execute(sa.text("SELECT role FROM officer_role WHERE officer_id = :o"),
                                           {"o": t["officer"]})} if t["officer"] is not None else set()
        bindable = (t["officer"] is not None and bool(t["active"]) and roles <= held
                    and len(roles & _SEPARATED) <= 1 and t["op"] == t["province_code"] and t["oc"] == t["commune_code"])
        if bindable:
            conn.execute(sa.text("UPDATE api_token SET officer_id = :o WHERE id = :id"),
                         {"o": t["officer"], "id": t["id"]})
        else:
            conn.execute(sa.text("UPDATE api_token SET revoked_at = :now WHERE id = :id"), {"now": now, "id": t["id"]})


def downgrade() -> None:
    with op.batch_alter_table("province", schema=None) as batch_op:
        batch_op.drop_column("allow_single_officer_approval")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_token_officer_id_officer"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_token_officer_id"))
        batch_op.drop_column("officer_id")
