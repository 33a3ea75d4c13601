"""Finding 15 (issue 13): the audit chain was unkeyed, so someone with database rights who dropped the triggers
could rewrite a row, recompute every later hash, and `motcua audit verify` still said ok.

The rule (NIST SP 800-92 §4.3 / OWASP ASVS 4.0 7.3.4: protect log integrity against those who can write the store):
the chain is HMAC-SHA256 under a key kept outside the database, so a chain recomputed without the key is detected.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from motcua.audit.actions import GENESIS_HASH, audit_key, event_digest, record
from motcua.audit.models import AuditEvent, AuditHead
from motcua.audit.queries import verify_chain
from tests.audit.test_chain import ACTOR, tamper
from tests.factories import T0


def _write(session: Session, n: int) -> None:
    for i in range(n):
        record(session, actor=ACTOR, action="test.event", now=T0, object_kind="thing", object_id=i,
               province_code="25", commune_code="08218", data={"i": i})
    session.commit()


def _rewrite_from(session: Session, first: int, digest: Callable[..., str]) -> None:
    """Recompute the hash of every event from ``first`` on with ``digest`` and write them, and the head, in SQL."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.seq >= first).order_by(AuditEvent.seq)).all()
    prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == first - 1)) or GENESIS_HASH
    conn = session.connection()
    for event in events:
        session.refresh(event)
        new = digest(seq=event.seq, prev_hash=prev, at=event.at, actor_kind=event.actor_kind,
                     actor_id=event.actor_id, action=event.action, object_kind=event.object_kind,
                     object_id=event.object_id, province_code=event.province_code,
                     commune_code=event.commune_code, data=event.data)
        conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s"),
                     {"p": prev, "h": new, "s": event.seq})
        prev = new
    conn.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})
    session.expire_all()


def test_finding_15_a_chain_recomputed_without_the_key_does_not_verify(session: Session) -> None:
    """Rewrite a row, recompute every later hash with plain SHA-256 (the old rule) or with a wrong key: verify
    names the rewritten row. The chain is ok under the right key before, and a chain recomputed with the right key
    (which only the server holds) verifies, which shows the key is what decides."""
    _write(session, 8)
    assert verify_chain(session).ok
    target = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1).offset(3)).one()

    tamper(session.connection(), "UPDATE audit_event SET data = :d WHERE seq = :s", {"d": '{"i":999}', "s": target})
    _rewrite_from(session, target, lambda **row: event_digest(**row, keyed=False))
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == target, result

    wrong = b"a key the attacker guessed, not the server's"
    _rewrite_from(session, target, lambda **row: event_digest(**row, key=wrong))
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == target, result

    _rewrite_from(session, target, lambda **row: event_digest(**row, key=audit_key()))
    assert verify_chain(session).ok


def test_finding_15_events_before_the_switch_keep_the_old_rule(session: Session) -> None:
    """An upgraded database: the events written before the migration keep their plain SHA-256 hashes and verify
    with that rule, up to the switch point recorded in the head; every event after it is keyed."""
    _write(session, 5)
    last = session.scalar(select(AuditHead.seq).where(AuditHead.id == 1))
    tamper(session.connection(), "SELECT 1", {})  # the triggers dropped only to stage the old rows
    _rewrite_from(session, 1, lambda **row: event_digest(**row, keyed=False))  # as an old version wrote them
    assert not verify_chain(session).ok
    session.execute(text("UPDATE audit_head SET keyed_from = :k WHERE id = 1"), {"k": last + 1})
    _write(session, 3)
    result = verify_chain(session)
    assert result.ok and result.keyed_from == last + 1 and result.checked == last + 3
