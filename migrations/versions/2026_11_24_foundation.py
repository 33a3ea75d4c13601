"""Foundation: units of 2025, officers and roles, login sessions, API tokens, the audit chain.

Revision ID: 20261124_foundation
Revises:
Create Date: 2026-11-24 13:54:47.669910
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261124_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_kind", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_object_id"), ["object_id"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain starts from a fixed genesis hash; every writer locks this row (motcua.audit.actions.record).
    audit_head = sa.table(
        "audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer), sa.column("hash", sa.String)
    )
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempt_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempt_ip"), ["ip"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_attempt_username"), ["username"], unique=False)

    op.create_table(
        "province",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_province")),
    )
    op.create_table(
        "commune",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_folded", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_commune_province_code_province")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_commune")),
        sa.UniqueConstraint("agency_id", name=op.f("uq_commune_agency_id")),
    )
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commune_name_folded"), ["name_folded"], unique=False)
        batch_op.create_index(batch_op.f("ix_commune_province_code"), ["province_code"], unique=False)

    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_department_commune_code_commune")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("commune_code", "kind", name=op.f("uq_department_commune_code_kind")),
    )
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_department_commune_code"), ["commune_code"], unique=False)

    op.create_table(
        "officer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("full_name_folded", sa.String(length=120), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_officer_commune_code_commune")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_officer_province_code_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer")),
        sa.UniqueConstraint("username", name=op.f("uq_officer_username")),
    )
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_officer_full_name_folded"), ["full_name_folded"], unique=False)
        batch_op.create_index(batch_op.f("ix_officer_province_code"), ["province_code"], unique=False)

    op.create_table(
        "predecessor_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=True),
        sa.Column("district", sa.String(length=120), nullable=True),
        sa.Column("province", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["commune.code"],
            name=op.f("fk_predecessor_unit_commune_code_commune"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predecessor_unit")),
    )
    with op.batch_alter_table("predecessor_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_predecessor_unit_commune_code"), ["commune_code"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["commune.code"], name=op.f("fk_api_token_commune_code_commune")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["officer.id"], name=op.f("fk_api_token_created_by_officer")),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_api_token_province_code_province")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_province_code"), ["province_code"], unique=False)

    op.create_table(
        "login_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
            name=op.f("fk_login_session_officer_id_officer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_login_session")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_session_officer_id"), ["officer_id"], unique=False)

    op.create_table(
        "officer_role",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
            name=op.f("fk_officer_role_officer_id_officer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("officer_id", "role", name=op.f("pk_officer_role")),
    )
    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("norm", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_post_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post")),
    )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_department_id"), ["department_id"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("concurrent", sa.Boolean(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_assignment_officer_id_officer"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_assignment_post_id_post")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint("officer_id", "post_id", name=op.f("uq_assignment_officer_id_post_id")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_post_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_officer_id"))

    op.drop_table("assignment")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_department_id"))

    op.drop_table("post")
    op.drop_table("officer_role")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_officer_id"))
        batch_op.drop_index(batch_op.f("ix_login_session_expires_at"))

    op.drop_table("login_session")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_province_code"))
        batch_op.drop_index(batch_op.f("ix_api_token_commune_code"))

    op.drop_table("api_token")
    with op.batch_alter_table("predecessor_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_predecessor_unit_commune_code"))

    op.drop_table("predecessor_unit")
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_province_code"))
        batch_op.drop_index(batch_op.f("ix_officer_full_name_folded"))
        batch_op.drop_index(batch_op.f("ix_officer_commune_code"))

    op.drop_table("officer")
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_department_commune_code"))

    op.drop_table("department")
    with op.batch_alter_table("commune", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commune_province_code"))
        batch_op.drop_index(batch_op.f("ix_commune_name_folded"))

    op.drop_table("commune")
    op.drop_table("province")
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempt_username"))
        batch_op.drop_index(batch_op.f("ix_login_attempt_ip"))
        batch_op.drop_index(batch_op.f("ix_login_attempt_at"))

    op.drop_table("login_attempt")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_object_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_commune_code"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
