"""Finding 15 (issue 13): the audit chain was unkeyed, so someone with database rights who dropped the triggers
could rewrite a row, recompute every later hash, and `motcua audit verify` still said ok.

The rule (NIST SP 800-92 §4.3 / OWASP ASVS 4.0 7.3.4: protect log integrity against those who can write the store):
the chain is HMAC-SHA256 under a key kept outside the database, so a chain recomputed without the key is detected.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from motcua.audit.actions import GENESIS_HASH, audit_key, event_digest, record
from motcua.audit.models import AuditEvent
from motcua.audit.queries import verify_chain
from tests.audit.test_chain import ACTOR, CHAIN, tamper
from tests.factories import T0


def _write(session: Session, n: int) -> None:
    for i in range(n):
        record(session, actor=ACTOR, action="test.event", now=T0, object_kind="thing", object_id=i,
               province_code="25", commune_code="08218", data={"i": i})
    session.commit()


def _rewrite_from(session: Session, first: int, digest: Callable[..., str], chain: str = CHAIN) -> None:
    """Recompute the hash of every event of ``chain`` from ``first`` on with ``digest`` and write them, and the
    chain's head, in SQL."""
    events = session.execute(select(AuditEvent.__table__).where(AuditEvent.chain == chain,
                                                                AuditEvent.chain_seq >= first)
                             .order_by(AuditEvent.chain_seq)).all()
    prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.chain == chain,
                                                        AuditEvent.chain_seq == first - 1)) or GENESIS_HASH
    conn = session.connection()
    for event in events:
        new = digest(seq=event.chain_seq, prev_hash=prev, at=event.at, actor_kind=event.actor_kind,
                     actor_id=event.actor_id, action=event.action, object_kind=event.object_kind,
                     object_id=event.object_id, province_code=event.province_code,
                     commune_code=event.commune_code, data=event.data)
        conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                     {"p": prev, "h": new, "i": event.id})
        prev = new
    conn.execute(text("UPDATE audit_head SET hash = :h WHERE chain = :c"), {"h": prev, "c": chain})


def test_finding_15_a_chain_recomputed_without_the_key_does_not_verify(session: Session) -> None:
    """Rewrite a row, recompute every later hash of its chain with plain SHA-256 (the old rule) or with a wrong
    key: verify names the rewritten row. The chain is ok under the right key before, and a chain recomputed with
    the right key (which only the server holds) verifies, which shows the key is what decides."""
    _write(session, 8)
    assert verify_chain(session).ok
    target = 5

    tamper(session.connection(), "UPDATE audit_event SET data = :d WHERE chain = :c AND chain_seq = :s",
           {"d": '{"i":999}', "c": CHAIN, "s": target})
    _rewrite_from(session, target, lambda **row: event_digest(**row, keyed=False))
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, target)], result

    wrong = b"a key the attacker guessed, not the server's"
    _rewrite_from(session, target, lambda **row: event_digest(**row, key=wrong))
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, target)], result

    _rewrite_from(session, target, lambda **row: event_digest(**row, key=audit_key()))
    assert verify_chain(session).ok


def test_finding_15_a_commune_chain_is_keyed_whatever_its_head_says(session: Session) -> None:
    """Only the legacy chain (the events written before the per-commune chains) has an unkeyed start, recorded in
    its head's ``keyed_from``. A commune's chain is keyed from its first row: rewritten with plain SHA-256 and its
    head's ``keyed_from`` moved past the end, it still does not verify."""
    _write(session, 5)
    tamper(session.connection(), "SELECT 1", {})
    _rewrite_from(session, 1, lambda **row: event_digest(**row, keyed=False))
    session.execute(text("UPDATE audit_head SET keyed_from = 99 WHERE chain = :c"), {"c": CHAIN})
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, 1)], result


def test_finding_15_legacy_events_before_the_switch_keep_the_old_rule(session: Session) -> None:
    """An upgraded database: the legacy chain's events written before the keyed hashes keep their plain SHA-256
    hashes and verify with that rule, up to the switch point recorded in its head; the events after it are keyed.
    (The migration that builds the legacy chain is tested in tests/audit/test_migration.py.)"""
    prev = GENESIS_HASH
    for seq in range(1, 6):
        row = dict(at=T0, actor_kind="system", actor_id=None, action="test.old", object_kind=None, object_id=None,
                   province_code=None, commune_code=None, data="{}")
        digest = event_digest(seq=seq, prev_hash=prev, **row, keyed=seq >= 4)
        session.execute(insert(AuditEvent).values(chain="legacy", chain_seq=seq, prev_hash=prev, hash=digest, **row))
        prev = digest
    session.execute(text("INSERT INTO audit_head (chain, seq, hash, keyed_from) VALUES ('legacy', 5, :h, 4)"),
                    {"h": prev})
    result = verify_chain(session)
    legacy = result.chain("legacy")
    assert result.ok and legacy is not None and legacy.keyed_from == 4 and legacy.checked == 5
    session.execute(text("UPDATE audit_head SET keyed_from = 6 WHERE chain = 'legacy'"))
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [("legacy", 4)]
