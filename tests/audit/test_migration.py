"""The migration from one audit chain for the country to one chain per commune (20261207_audit_chains), on a log
written before it: the old events are kept as they were, as the ``legacy`` chain, and still verify by their own
rule; new events go into the per-commune chains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from motcua.audit.actions import GENESIS_HASH, event_digest, record
from motcua.audit.models import AuditEvent
from motcua.audit.queries import verify_chain
from motcua.db import UtcDateTime
from motcua.migrate import alembic_config, upgrade
from tests.audit.test_chain import ACTOR, tamper
from tests.conftest import database_before
from tests.factories import T0

REVISION = "20261207_audit_chains"
KEYED_FROM = 5  # the old chain was keyed (issue 13, finding 15) from its 5th event on

#: The old ``audit_event``: ``seq`` was the place in the one chain of the country.
OLD_EVENT = sa.table("audit_event", *(sa.column(c) for c in (
    "seq", "actor_kind", "actor_id", "action", "object_kind", "object_id", "province_code", "commune_code", "data",
    "prev_hash", "hash")), sa.column("at", UtcDateTime()))
#: Where the old events happened: communes, a province, the system, mixed in one chain as they were written.
WHERE = [("25", "08218"), ("25", "08221"), (None, None), ("25", None), ("25", "08218"), ("01", "00004"),
         ("25", "08221"), ("25", "08218")]


@pytest.fixture
def before(db, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """An empty database of the test's backend, migrated to just before ``REVISION``."""
    with database_before(db.kind, tmp_path, REVISION) as made:
        yield made


def _old_chain(engine: Engine) -> list[str]:
    """Eight events as the old ``record`` wrote them: one chain, ``seq`` 1..8, the first four with plain SHA-256
    (before the chain was keyed), the rest keyed; the head at 8 with ``keyed_from`` 5. Returns the hashes."""
    hashes, prev = [], GENESIS_HASH
    with engine.begin() as conn:
        for seq, (province, commune) in enumerate(WHERE, start=1):
            row = dict(at=T0, actor_kind="officer", actor_id="7", action="test.old", object_kind="thing",
                       object_id=str(seq), province_code=province, commune_code=commune, data=f'{{"i":{seq}}}')
            digest = event_digest(seq=seq, prev_hash=prev, keyed=seq >= KEYED_FROM, **row)
            conn.execute(sa.insert(OLD_EVENT).values(seq=seq, prev_hash=prev, hash=digest, **row))
            hashes.append(digest)
            prev = digest
        conn.execute(text("UPDATE audit_head SET seq = 8, hash = :h, prev_hash = :p, keyed_from = :k WHERE id = 1"),
                     {"h": hashes[-1], "p": hashes[-2], "k": KEYED_FROM})
    return hashes


def test_the_old_chain_becomes_the_legacy_chain_untouched_and_verifies(before):
    """The carry-over keeps the tamper evidence: every old event keeps its hash and its link (its old ``seq`` is
    its ``chain_seq`` in the ``legacy`` chain, and its ``id``), the legacy chain verifies with its unkeyed start,
    new events go to their communes' chains from 1 with ids after the old ones, and an edit of an old row is still
    named."""
    url, engine = before
    hashes = _old_chain(engine)
    upgrade(url)
    with Session(engine) as session:
        rows = session.execute(select(AuditEvent.id, AuditEvent.chain, AuditEvent.chain_seq, AuditEvent.hash)
                               .order_by(AuditEvent.id)).all()
        assert [(r.id, r.chain, r.chain_seq, r.hash) for r in rows] == [
            (seq, "legacy", seq, digest) for seq, digest in enumerate(hashes, start=1)]
        result = verify_chain(session)
        legacy = result.chain("legacy")
        assert result.ok, result.problem
        assert legacy is not None and legacy.checked == 8 and legacy.keyed_from == KEYED_FROM

        for commune in ("08218", "08221", "08218"):
            record(session, actor=ACTOR, action="test.new", now=T0, province_code="25", commune_code=commune)
        session.commit()
        new = session.execute(select(AuditEvent.id, AuditEvent.chain, AuditEvent.chain_seq)
                              .where(AuditEvent.action == "test.new").order_by(AuditEvent.id)).all()
        assert [(r.chain, r.chain_seq) for r in new] == [("c:08218", 1), ("c:08221", 1), ("c:08218", 2)]
        assert min(r.id for r in new) > 8
        result = verify_chain(session)
        assert result.ok, result.problem
        assert result.chain("legacy") == legacy

        tamper(session.connection(), "UPDATE audit_event SET data = '{}' WHERE chain = 'legacy' AND chain_seq = 6",
               {})
        result = verify_chain(session)
        assert [(c.chain, c.bad_seq) for c in result.broken] == [("legacy", 6)]
        session.rollback()


def test_the_legacy_chain_cut_at_its_end_is_detected(before):
    """The old head's place is carried over to the legacy chain's head: its last rows deleted, verify names the
    first missing one."""
    url, engine = before
    _old_chain(engine)
    upgrade(url)
    with engine.begin() as conn:
        tamper(conn, "DELETE FROM audit_event WHERE chain = 'legacy' AND chain_seq > 6", {})
    with Session(engine) as session:
        result = verify_chain(session)
        assert [(c.chain, c.bad_seq) for c in result.broken] == [("legacy", 7)]


def test_the_downgrade_refuses_once_a_commune_chain_has_events(before):
    """Events of the per-commune chains cannot go back into one chain without being hashed again: the downgrade
    stops rather than destroy their tamper evidence."""
    url, engine = before
    _old_chain(engine)
    upgrade(url)
    with Session(engine) as session, session.begin():
        record(session, actor=ACTOR, action="test.new", now=T0, province_code="25", commune_code="08218")
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(REVISION).down_revision
    with pytest.raises(RuntimeError, match="re-hashing"):
        command.downgrade(alembic_config(url), str(previous))


def test_the_downgrade_before_any_new_event_gives_the_one_chain_back(before):
    """Until a commune chain has events, the upgrade can be undone: the old table and head come back as they
    were, with the old append-only rule."""
    url, engine = before
    hashes = _old_chain(engine)
    upgrade(url)
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(REVISION).down_revision
    command.downgrade(alembic_config(url), str(previous))
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT hash FROM audit_event ORDER BY seq")).scalars()) == hashes
        head = conn.execute(text("SELECT seq, hash, keyed_from FROM audit_head WHERE id = 1")).one()
        assert tuple(head) == (8, hashes[-1], KEYED_FROM)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(text("DELETE FROM audit_event"))
