"""Append to the audit log in the caller's transaction (house rule 3).

The log is one hash chain per commune, one per province for province-level events and one for system events
(``chain_key``). Each event's hash covers its own content, its place in its chain and the previous event's hash, so
editing or deleting a past row breaks its chain and ``motcua audit verify`` names the chain and the first broken
row. One chain per commune, not one for the country, because every writer locks its chain's head until its commit:
with one head, every audited write in the country queued behind every other. A daily anchor (``record_anchor``)
records every chain's head, so that a chain cut at its end is detected too.

The hash is keyed: HMAC-SHA256 (RFC 2104) under the audit key, which is kept outside the database
(``audit_key``). A plain hash chain only shows edits made by someone who did not recompute it: anyone who can
write the table (and drop its append-only triggers) could rewrite a row and recompute every later hash.
Without the key, recomputed hashes do not match, and ``verify`` names the first rewritten row.
Events written before the switch to keyed hashes (the ``legacy`` chain's ``audit_head.keyed_from``) keep their
plain SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from motcua.audit.models import AuditAnchor, AuditEvent, AuditHead
from motcua.base.principal import Principal
from motcua.config import get_settings
from motcua.db import UtcDateTime, dialect_insert
from motcua.kit.clock import as_utc, to_local

GENESIS_HASH = "0" * 64
AUDIT_KEY_LABEL = b"motcua/audit-chain/v1"
SYSTEM_CHAIN = "sys"
LEGACY_CHAIN = "legacy"
ANCHOR_LOCK = 28_310_001  # PostgreSQL advisory lock key of the daily anchor


def audit_key() -> bytes:
    """The key of the chain's HMAC: ``MOTCUA_AUDIT_KEY`` if set, else derived from ``MOTCUA_SECRET_KEY``.

    Derived as HMAC-SHA256(secret key, "motcua/audit-chain/v1"): a key-derivation function in HMAC mode (NIST SP
    800-108r1 §4.1, with the label as fixed input), so the audit key reveals nothing of the secret key and no
    signature made with the secret key for another purpose (feedback links, one-time codes, each with its own
    label or message form) can equal it. Both live outside the database: someone who can write the database but
    not read the server's environment cannot recompute the chain. ``MOTCUA_AUDIT_KEY`` separates the two, so that
    the secret key can be rotated without re-keying the audit chain.
    """
    settings = get_settings()
    return _derive_audit_key(settings.audit_key, settings.secret_key)


@lru_cache(maxsize=4)
def _derive_audit_key(configured: str, secret_key: str) -> bytes:
    if configured:
        return configured.encode("utf-8")
    return hmac.new(secret_key.encode("utf-8"), AUDIT_KEY_LABEL, hashlib.sha256).digest()


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_digest(
    *,
    seq: int,
    prev_hash: str,
    at: datetime,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    object_kind: str | None,
    object_id: str | None,
    province_code: str | None,
    commune_code: str | None,
    data: str,
    key: bytes | None = None,
    keyed: bool = True,
) -> str:
    """The event's hash: HMAC-SHA256 under ``key`` (default ``audit_key()``); ``keyed=False`` is the plain SHA-256
    of the events written before the chain was keyed."""
    body = _digest_body(seq=seq, prev_hash=prev_hash, at=at, actor_kind=actor_kind, actor_id=actor_id, action=action,
                        object_kind=object_kind, object_id=object_id, province_code=province_code,
                        commune_code=commune_code, data=data).encode("utf-8")
    if not keyed:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(audit_key() if key is None else key, body, hashlib.sha256).hexdigest()


def _digest_body(*, seq: int | str, prev_hash: str, at: datetime, actor_kind: str, actor_id: str | None, action: str,
                 object_kind: str | None, object_id: str | None, province_code: str | None,
                 commune_code: str | None, data: str) -> str:
    """The canonical text an event's hash is taken of (``event_digest``)."""
    return canonical_json({
        "seq": seq,
        "prev": prev_hash,
        "at": as_utc(at).isoformat(timespec="microseconds"),
        "actor": [actor_kind, actor_id],
        "action": action,
        "object": [object_kind, object_id],
        "where": [province_code, commune_code],
        "data": data,
    })


def chain_key(province_code: str | None, commune_code: str | None) -> str:
    """The chain an event belongs to: its commune's (``c:08218``), else its province's (``p:25``, a province-level
    action), else the system's (``sys``). ``legacy`` (the single chain written before) is never returned: that chain
    does not grow."""
    if commune_code is not None:
        return f"c:{commune_code}"
    if province_code is not None:
        return f"p:{province_code}"
    return SYSTEM_CHAIN


def record(
    session: Session,
    *,
    actor: Principal,
    action: str,
    now: datetime,
    object_kind: str | None = None,
    object_id: str | int | None = None,
    province_code: str | None = None,
    commune_code: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Write one event to the end of its chain (``chain_key``). The chain's head row is written first, which takes
    its lock: concurrent writers of the same commune queue, those of other communes do not wait.

    Three statements: the head's upsert (``INSERT … ON CONFLICT (chain) DO UPDATE SET seq = seq + 1 RETURNING``,
    which creates the head on the chain's first event and is race-free on both backends: a second writer of a new
    chain waits for the first's insert and then updates it), the event's INSERT and the head's new hash (one
    statement on PostgreSQL, whose CTEs may write). A caller
    that holds other hot rows calls this last, just before its commit, to keep the queue short.
    """
    chain = chain_key(province_code, commune_code)
    seq, prev_hash = session.execute(_next_seq(session), {"key": chain}).one()
    actor_kind, actor_id = actor.audit_actor
    at = as_utc(now)
    payload = canonical_json(data or {})
    oid = None if object_id is None else str(object_id)
    row: dict[str, Any] = dict(at=at, actor_kind=actor_kind, actor_id=actor_id, action=action,
                               object_kind=object_kind, object_id=oid, province_code=province_code,
                               commune_code=commune_code, data=payload)
    digest = event_digest(seq=seq, prev_hash=prev_hash, **row)
    params = {**row, "chain": chain, "chain_seq": seq, "prev_hash": prev_hash, "hash": digest}
    if session.get_bind().dialect.name == "postgresql":
        # One round trip for the event and the head's new hash: the head is locked until the commit, and every
        # round trip under that lock is one the commune's other writers wait for (bench/intake.py, one commune).
        session.execute(_PG_LINK, params)
    else:
        session.execute(_INSERT_EVENT, params)
        session.execute(_SET_HASH, {"key": chain, "digest": digest})


_HEAD = cast(Table, AuditHead.__table__)
_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))
_SET_HASH = update(_HEAD).where(_HEAD.c.chain == bindparam("key")).values(hash=bindparam("digest"))
_PG_LINK = text(
    "WITH e AS (INSERT INTO audit_event (at, actor_kind, actor_id, action, object_kind, object_id, province_code,"
    " commune_code, data, chain, chain_seq, prev_hash, hash) VALUES (:at, :actor_kind, :actor_id, :action,"
    " :object_kind, :object_id, :province_code, :commune_code, :data, :chain, :chain_seq, :prev_hash, :hash)"
    " RETURNING chain) UPDATE audit_head SET hash = :hash FROM e WHERE audit_head.chain = e.chain"
).bindparams(bindparam("at", type_=UtcDateTime()))
_NEXT_SEQS: dict[str, Any] = {}
"""Core statements built once: every audited write runs them, most often while holding other hot rows."""


def _next_seq(session: Session) -> Any:
    """The head's upsert for the session's backend (each has its own ``ON CONFLICT``), built once per backend."""
    dialect = session.get_bind().dialect.name
    statement = _NEXT_SEQS.get(dialect)
    if statement is None:
        upsert = dialect_insert(session, _HEAD).values(chain=bindparam("key"), seq=1, hash=GENESIS_HASH)
        statement = _NEXT_SEQS[dialect] = (
            upsert.on_conflict_do_update(index_elements=[_HEAD.c.chain], set_={"seq": _HEAD.c.seq + 1})
            .returning(_HEAD.c.seq, _HEAD.c.hash))
    return statement


def anchor_digests(*, day: date, at: datetime, heads: str, prev_hash: str, key: bytes | None = None
                   ) -> tuple[str, str]:
    """An anchor's ``heads_hash`` (HMAC-SHA256 of the heads' canonical JSON) and ``hash`` (HMAC-SHA256 of the day,
    the instant, ``heads_hash`` and the previous anchor's hash), under ``key`` (default ``audit_key()``)."""
    key = audit_key() if key is None else key
    heads_hash = hmac.new(key, heads.encode("utf-8"), hashlib.sha256).hexdigest()
    body = canonical_json({"day": day.isoformat(), "at": as_utc(at).isoformat(timespec="microseconds"),
                           "heads": heads_hash, "prev": prev_hash})
    return heads_hash, hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def record_anchor(session: Session, *, now: datetime) -> AuditAnchor | None:
    """Record today's anchor (the day in Vietnam) unless there is one: every chain's head — chain, seq, hash,
    sorted by chain — under one keyed hash, linked to the previous anchor. Returns it, or None when today's (or a
    later day's) exists.

    A chain's events and head are both in the database, so someone who can write it could cut a chain's last
    events and set its head back (or delete a whole chain); the anchor remembers where each chain stood, and
    ``verify`` refuses a chain that is now shorter than, or differs from, the latest anchor. Run by the worker's
    round and by ``motcua housekeeping``; on PostgreSQL one at a time (an advisory lock held to the commit), so two
    workers never both link to the same previous anchor.
    """
    day = to_local(now).date()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ANCHOR_LOCK})
    if session.get(AuditAnchor, day) is not None:
        return None
    latest = session.scalars(select(AuditAnchor).order_by(AuditAnchor.day.desc()).limit(1)).one_or_none()
    if latest is not None and latest.day > day:
        return None  # a clock behind the latest anchor's day: the anchors are chained in order of their days
    heads = [[chain, seq, digest] for chain, seq, digest in session.execute(
        select(AuditHead.chain, AuditHead.seq, AuditHead.hash).where(AuditHead.seq > 0).order_by(AuditHead.chain))]
    payload = canonical_json(heads)
    at = as_utc(now)
    prev = GENESIS_HASH if latest is None else latest.hash
    heads_hash, digest = anchor_digests(day=day, at=at, heads=payload, prev_hash=prev)
    anchor = AuditAnchor(day=day, at=at, heads=payload, heads_hash=heads_hash, prev_hash=prev, hash=digest)
    session.add(anchor)
    session.flush()
    return anchor


def record_personal_data_read(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    object_kind: str,
    object_id: str | int | None,
    province_code: str | None,
    commune_code: str | None,
    fields: list[str],
    detail: dict[str, Any] | None = None,
) -> None:
    """Reading a person's personal data is itself an event (Decree 13/2023/NĐ-CP on personal data protection,
    Art. 27: the controller keeps a record of who processed what; OWASP ASVS 4.0 V7.1.3 / V8.3.5: access to
    sensitive data is logged, without logging the data itself).

    Written by the access gate that hands the data out, one event per request (a list names the ids it showed in
    ``detail``, never one event per row). ``fields`` names what was shown; ``detail`` holds the search term's kind
    and masked value, the ids returned, an export's row count and period — never an ID number or phone in clear.
    """
    record(
        session,
        actor=actor,
        action="personal_data.read",
        now=now,
        object_kind=object_kind,
        object_id=object_id,
        province_code=province_code,
        commune_code=commune_code,
        data={"fields": fields, **(detail or {})},
    )
