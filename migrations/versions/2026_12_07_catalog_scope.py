"""A procedure version is national or provincial, and immutable: one version per procedure, scope and date.

Issue 13, finding 1: a province administrator's import creates versions of that province (``province_code``); the
national catalogue changes only through ``motcua catalog import``. NULL never equals NULL in a unique constraint,
so the old (procedure_id, effective_from) constraint becomes two partial unique indexes, one per scope.

Revision ID: 20261207_catalog_scope
Revises: 20261127_audit_prev_hash
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_catalog_scope"
down_revision: str | None = "20261127_audit_prev_hash"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NATIONAL = sa.text("province_code IS NULL")
_PROVINCIAL = sa.text("province_code IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("procedure_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_procedure_version_province_code_province"), "province",
                                    ["province_code"], ["code"])
        batch_op.drop_constraint("uq_procedure_version_procedure_id_effective_from", type_="unique")
    op.create_index("uq_procedure_version_national", "procedure_version", ["procedure_id", "effective_from"],
                    unique=True, sqlite_where=_NATIONAL, postgresql_where=_NATIONAL)
    op.create_index("uq_procedure_version_provincial", "procedure_version",
                    ["procedure_id", "province_code", "effective_from"], unique=True,
                    sqlite_where=_PROVINCIAL, postgresql_where=_PROVINCIAL)


def downgrade() -> None:
    op.drop_index("uq_procedure_version_provincial", table_name="procedure_version")
    op.drop_index("uq_procedure_version_national", table_name="procedure_version")
    op.execute("DELETE FROM procedure_version WHERE province_code IS NOT NULL")
    with op.batch_alter_table("procedure_version", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_procedure_version_procedure_id_effective_from",
                                          ["procedure_id", "effective_from"])
        batch_op.drop_constraint("fk_procedure_version_province_code_province", type_="foreignkey")
        batch_op.drop_column("province_code")
