"""Reading and verifying the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.actions import GENESIS_HASH, audit_key, event_digest
from motcua.audit.models import AuditEvent, AuditHead
from motcua.base.principal import Principal


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str | None = None
    keyed_from: int = 1  # events before this one were checked with the old, unkeyed rule


def verify_chain(session: Session, progress: Callable[[int], None] | None = None,
                 key: bytes | None = None) -> VerifyResult:
    """Walk the chain in order and recompute every link with the audit key (``key``, default ``audit_key()``);
    stop at the first row that does not fit. Rows before ``audit_head.keyed_from`` are checked with the plain
    SHA-256 they were written with."""
    key = audit_key() if key is None else key
    keyed_from = session.scalar(select(AuditHead.keyed_from).where(AuditHead.id == 1)) or 1
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000))
    for (event,) in rows:
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"row {expected_seq} is missing (next is {event.seq})")
        if event.prev_hash != prev_hash:
            return VerifyResult(False, checked, event.seq, f"row {event.seq} does not link to row {event.seq - 1}")
        digest = event_digest(
            seq=event.seq,
            prev_hash=event.prev_hash,
            at=event.at,
            actor_kind=event.actor_kind,
            actor_id=event.actor_id,
            action=event.action,
            object_kind=event.object_kind,
            object_id=event.object_id,
            province_code=event.province_code,
            commune_code=event.commune_code,
            data=event.data,
            key=key,
            keyed=event.seq >= keyed_from,
        )
        if digest != event.hash:
            return VerifyResult(False, checked, event.seq, f"row {event.seq} was changed after it was written",
                                keyed_from)
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress(1)
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one_or_none()
    if head is None:
        return VerifyResult(False, checked, None, "the chain head row is missing")
    if head.seq != checked or head.hash != prev_hash:
        return VerifyResult(False, checked, checked + 1, f"rows after {checked} were deleted (head is at {head.seq})",
                            keyed_from)
    return VerifyResult(True, checked, keyed_from=keyed_from)


def count_events(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def recent_events_for(session: Session, principal: Principal, limit: int = 50) -> list[AuditEvent]:
    """The latest events an officer may see: the province's for province users, the commune's otherwise."""
    query = select(AuditEvent).where(AuditEvent.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(AuditEvent.commune_code == principal.commune_code)
    return list(session.scalars(query.order_by(AuditEvent.seq.desc()).limit(limit)))
