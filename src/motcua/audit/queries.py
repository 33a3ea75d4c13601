"""Reading and verifying the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Row, Table, func, select
from sqlalchemy.orm import Session

from motcua.audit.actions import GENESIS_HASH, LEGACY_CHAIN, anchor_digests, audit_key, chain_key, event_digest
from motcua.audit.models import AuditAnchor, AuditEvent, AuditHead
from motcua.base.principal import Principal


@dataclass(frozen=True)
class ChainResult:
    """One chain's verdict: ``bad_seq`` is the chain's first row that does not fit (its ``chain_seq``)."""

    chain: str
    checked: int  # events of the chain that verified, from its first
    ok: bool = True
    bad_seq: int | None = None
    problem: str | None = None
    keyed_from: int = 1  # events before this one were checked with the old, unkeyed rule (the legacy chain)


@dataclass(frozen=True)
class AnchorResult:
    """The chain of daily anchors: ``bad_day`` is its first anchor that does not fit."""

    count: int  # anchors that verified
    latest: date | None = None  # the day of the latest one, if any
    latest_hash: str | None = None
    ok: bool = True
    bad_day: date | None = None
    problem: str | None = None


@dataclass(frozen=True)
class VerifyResult:
    chains: tuple[ChainResult, ...]
    anchors: AnchorResult

    @property
    def ok(self) -> bool:
        return self.anchors.ok and all(c.ok for c in self.chains)

    @property
    def checked(self) -> int:
        return sum(c.checked for c in self.chains)

    @property
    def broken(self) -> list[ChainResult]:
        return [c for c in self.chains if not c.ok]

    @property
    def problem(self) -> str | None:
        """Every problem found, the anchors' and one per broken chain, for a message; None when all is well."""
        found = [] if self.anchors.ok else [f"anchor {self.anchors.bad_day}: {self.anchors.problem}"]
        found += [f"chain {c.chain}, row {c.bad_seq}: {c.problem}" for c in self.broken]
        return "; ".join(found) or None

    def chain(self, key: str) -> ChainResult | None:
        return next((c for c in self.chains if c.chain == key), None)


_EVENT = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_ANCHOR = cast(Table, AuditAnchor.__table__)


class _Walk:
    """One chain walked in order: where it stands, and its first problem."""

    def __init__(self, chain: str, keyed_from: int) -> None:
        self.chain, self.keyed_from = chain, keyed_from
        self.expected, self.prev_hash, self.checked = 1, GENESIS_HASH, 0
        self.bad_seq: int | None = None
        self.problem: str | None = None

    def fail(self, seq: int, problem: str) -> None:
        self.bad_seq, self.problem = seq, problem

    def result(self) -> ChainResult:
        return ChainResult(self.chain, self.checked, self.problem is None, self.bad_seq, self.problem, self.keyed_from)


def verify_chain(session: Session, progress: Callable[[int], None] | None = None,
                 key: bytes | None = None) -> VerifyResult:
    """Walk every chain in order and recompute every link with the audit key (``key``, default ``audit_key()``);
    each chain stops at its first row that does not fit, and the others go on. Then each chain's end is held to its
    head row and to the latest daily anchor, and the anchors to their own chain.

    Rows of the ``legacy`` chain before its head's ``keyed_from`` are checked with the plain SHA-256 they were
    written with; every other chain is keyed from its first row.
    """
    key = audit_key() if key is None else key
    # Rows, not ORM objects: nothing cached in the session may stand in for what the database holds now.
    heads = {h.chain: h for h in session.execute(select(*_HEAD.c))}
    walks: dict[str, _Walk] = {}
    rows = session.execute(select(*_EVENT.c).order_by(_EVENT.c.chain, _EVENT.c.chain_seq)
                           .execution_options(yield_per=2000))
    for event in rows:
        walk = walks.get(event.chain)
        if walk is None:
            legacy = event.chain == LEGACY_CHAIN and event.chain in heads
            walk = walks[event.chain] = _Walk(event.chain, heads[event.chain].keyed_from if legacy else 1)
        if progress is not None:
            progress(1)
        if walk.problem is not None:
            continue
        seq = event.chain_seq
        if seq != walk.expected:
            walk.fail(walk.expected, f"row {walk.expected} is missing (next is {seq})")
            continue
        if event.prev_hash != walk.prev_hash:
            walk.fail(seq, f"row {seq} does not link to row {seq - 1}")
            continue
        if event.chain != LEGACY_CHAIN and event.chain != chain_key(event.province_code, event.commune_code):
            walk.fail(seq, f"row {seq} belongs to chain {chain_key(event.province_code, event.commune_code)}")
            continue
        digest = event_digest(
            seq=seq,
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
            keyed=seq >= walk.keyed_from,
        )
        if digest != event.hash:
            walk.fail(seq, f"row {seq} was changed after it was written")
            continue
        walk.prev_hash = event.hash
        walk.expected += 1
        walk.checked += 1
    for chain, head in heads.items():
        walk = walks.setdefault(chain, _Walk(chain, head.keyed_from if chain == LEGACY_CHAIN else 1))
        if walk.problem is None and head.seq > walk.checked:
            walk.fail(walk.checked + 1, f"rows after {walk.checked} were deleted (its head is at {head.seq})")
        elif walk.problem is None and (head.seq != walk.checked or head.hash != walk.prev_hash):
            walk.fail(walk.checked, f"its head ({head.seq}) does not match its last row ({walk.checked})")
    for chain, walk in walks.items():
        if walk.problem is None and chain not in heads:
            walk.fail(walk.checked + 1, "the chain's head row is missing")
    anchors = _verify_anchors(session, key)
    if anchors.ok and anchors.latest is not None:
        latest = session.execute(select(*_ANCHOR.c).where(_ANCHOR.c.day == anchors.latest)).one()
        _hold_to_anchor(session, walks, latest)
    return VerifyResult(tuple(walks[c].result() for c in sorted(walks)), anchors)


def _verify_anchors(session: Session, key: bytes) -> AnchorResult:
    prev, count, last = GENESIS_HASH, 0, None
    for anchor in session.execute(select(*_ANCHOR.c).order_by(_ANCHOR.c.day)):
        if anchor.prev_hash != prev:
            return AnchorResult(count, last, prev, False, anchor.day,
                                f"the anchor of {anchor.day} does not link to the one before it")
        heads_hash, digest = anchor_digests(day=anchor.day, at=anchor.at, heads=anchor.heads, prev_hash=prev, key=key)
        if (heads_hash, digest) != (anchor.heads_hash, anchor.hash):
            return AnchorResult(count, last, prev, False, anchor.day,
                                f"the anchor of {anchor.day} was changed after it was written")
        prev, count, last = anchor.hash, count + 1, anchor.day
    return AnchorResult(count, last, None if last is None else prev)


def _hold_to_anchor(session: Session, walks: dict[str, _Walk], anchor: Row[Any]) -> None:
    """A chain now shorter than the anchor recorded it, or whose row at the anchored place differs, was cut."""
    for chain, seq, digest in json.loads(anchor.heads):
        walk = walks.setdefault(chain, _Walk(chain, 1))
        if walk.problem is not None and (walk.bad_seq or 0) <= seq:
            continue  # already broken at or before the anchored place: that is the first problem
        anchored = session.scalar(select(_EVENT.c.hash).where(_EVENT.c.chain == chain, _EVENT.c.chain_seq == seq))
        if anchored is None:  # the rows up to a later problem exist, so the walk reached its end
            first = walk.checked + 1
            rows = f"row {seq} was" if first == seq else f"rows {first}–{seq} were"
            walk.fail(first, f"{rows} deleted (the anchor of {anchor.day} recorded the chain at {seq})")
        elif anchored != digest:
            walk.fail(seq, f"row {seq} differs from the anchor of {anchor.day}")


def count_events(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def recent_events_for(session: Session, principal: Principal, limit: int = 50) -> list[AuditEvent]:
    """The latest events an officer may see: the province's for province users, the commune's otherwise."""
    query = select(AuditEvent).where(AuditEvent.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(AuditEvent.commune_code == principal.commune_code)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
