"""One audit chain per commune (plus one per province for province-level events and one for system events), a head
row per chain, and daily anchors of every chain's head.

What happens to the events already written. They form one chain over the whole country: each ``prev_hash`` is the
hash of the event before it in the country, whatever its commune, and each hash covers that global ``seq``. Split
into per-commune chains they would have to be linked again, that is hashed again, and a log re-hashed by a
migration proves nothing about what was there before it (the hashes are the tamper evidence; recomputing them is
exactly what an attacker would do). So they are not touched: every existing event goes into a chain of its own,
``legacy``, with ``chain_seq`` = its old ``seq`` and its original ``prev_hash`` and ``hash``, so the same bytes
verify by the same rule as before (the body still names ``seq``, now read from ``chain_seq``). The old head's
``seq``, ``hash`` and ``keyed_from`` become the ``legacy`` chain's head; no writer ever adds to that chain
(``audit.actions.chain_key`` never returns it), so it stays exactly as long as it was at the upgrade, which the
first daily anchor then records. New events go into the per-commune chains, each from the genesis hash.

``seq`` becomes ``id``: the order of insertion across chains, from a database sequence (the old values kept), no
longer gap-free and no longer hashed. The append-only triggers are lifted only for the carry-over and put back; the
new ``audit_anchor`` table gets the same triggers.

Downgrade is possible only while no event was written to the new chains: those cannot be put back into one chain
without re-hashing them, so the downgrade refuses.

Revision ID: 20261207_audit_chains
Revises: 20261207_secrets
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_audit_chains"
down_revision: str | None = "20261207_secrets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_GENESIS = "0" * 64


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _lift_append_only() -> None:
    if _postgresql():
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:  # a batch copy of the table would drop them anyway
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")


def _append_only(table: str, *, existing_function: bool) -> None:
    """The triggers of 20261124_audit_append_only, for ``table``."""
    if _postgresql():
        if not existing_function:  # the function names audit_event in its message; the anchors get their own
            op.execute(
                f"""
                CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP;
                END $$
                """
            )
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
        else:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only ({verb} refused)'); END")


def upgrade() -> None:
    bind = op.get_bind()
    _lift_append_only()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", new_column_name="id", existing_type=_BIGINT, existing_nullable=False)
        batch_op.add_column(sa.Column("chain", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("chain_seq", _BIGINT, nullable=True))
    op.execute("UPDATE audit_event SET chain = 'legacy', chain_seq = id")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("chain", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("chain_seq", existing_type=_BIGINT, nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_chain_chain_seq"), ["chain", "chain_seq"])
    if _postgresql():
        # SQLite's INTEGER PRIMARY KEY numbers new rows by itself; PostgreSQL needs a sequence past the old rows.
        op.execute("CREATE SEQUENCE audit_event_id_seq OWNED BY audit_event.id")
        op.execute("SELECT setval('audit_event_id_seq', coalesce((SELECT max(id) FROM audit_event), 0) + 1, false)")
        op.execute("ALTER TABLE audit_event ALTER COLUMN id SET DEFAULT nextval('audit_event_id_seq')")
    _append_only("audit_event", existing_function=True)

    old = bind.execute(sa.text("SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1")).one_or_none()
    op.drop_table("audit_head")
    head = op.create_table(
        "audit_head",
        sa.Column("chain", sa.String(length=16), nullable=False),
        sa.Column("seq", _BIGINT, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("keyed_from", _BIGINT, server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_head")),
    )
    if old is not None and old.seq > 0:
        op.bulk_insert(head, [{"chain": "legacy", "seq": old.seq, "hash": old.hash, "keyed_from": old.keyed_from}])

    op.create_table(
        "audit_anchor",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heads", sa.Text(), nullable=False),
        sa.Column("heads_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_audit_anchor")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_anchor_hash")),
    )
    _append_only("audit_anchor", existing_function=False)


def downgrade() -> None:
    bind = op.get_bind()
    newer = bind.execute(sa.text("SELECT count(*) FROM audit_event WHERE chain <> 'legacy'")).scalar_one()
    if newer:
        raise RuntimeError(f"{newer} audit events were written to the per-commune chains; they cannot be put back "
                           "into one chain without re-hashing them, which would destroy their tamper evidence")
    if _postgresql():
        op.execute("DROP TRIGGER audit_anchor_no_truncate ON audit_anchor")
        op.execute("DROP TRIGGER audit_anchor_append_only ON audit_anchor")
        op.execute("DROP FUNCTION audit_anchor_append_only()")
    op.drop_table("audit_anchor")
    legacy = bind.execute(sa.text("SELECT seq, hash, keyed_from FROM audit_head WHERE chain = 'legacy'")).one_or_none()
    op.drop_table("audit_head")
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", _BIGINT, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), server_default=_GENESIS, nullable=False),
        sa.Column("keyed_from", _BIGINT, server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    seq, digest, keyed_from = (0, _GENESIS, 1) if legacy is None else legacy
    op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": digest, "keyed_from": keyed_from}])
    _lift_append_only()
    if _postgresql():
        op.execute("ALTER TABLE audit_event ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE audit_event_id_seq")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_chain_chain_seq"), type_="unique")
        batch_op.drop_column("chain_seq")
        batch_op.drop_column("chain")
        batch_op.alter_column("id", new_column_name="seq", existing_type=_BIGINT, existing_nullable=False)
    _append_only("audit_event", existing_function=True)
