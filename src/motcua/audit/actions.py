"""Append to the audit log in the caller's transaction (house rule 3).

Each event's hash covers its own content and the previous event's hash, so editing or deleting a past row breaks
the chain and ``motcua audit verify`` names the first broken row.

The hash is keyed: HMAC-SHA256 (RFC 2104) under the audit key, which is kept outside the database
(``audit_key``). A plain hash chain only shows edits made by someone who did not recompute it: anyone who can
write the table (and drop its append-only triggers) could rewrite a row and recompute every later hash (issue 13,
finding 15). Without the key, recomputed hashes do not match, and ``verify`` names the first rewritten row.
Events written before the switch to keyed hashes (``audit_head.keyed_from``) keep their plain SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent, AuditHead
from motcua.base.principal import Principal
from motcua.config import get_settings
from motcua.kit.clock import as_utc

GENESIS_HASH = "0" * 64
AUDIT_KEY_LABEL = b"motcua/audit-chain/v1"


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


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The key XOR ipad and XOR opad of RFC 2104 §2 (block size 64 bytes for SHA-256), so that PostgreSQL can
    compute HMAC-SHA256 with its built-in ``sha256`` as ``sha256(opad || sha256(ipad || message))``; the pads are
    bound parameters of the statement, never stored."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def canonical_json(data: dict[str, Any]) -> str:
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
    """The canonical text an event's hash is taken of (``event_digest``; ``pg_record_params`` splits it)."""
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
    """Write one event. The head row is updated first, which takes its lock, so concurrent writers queue.

    Three statements: the head's ``UPDATE … RETURNING``, the event's INSERT and the head's new hash. A caller that
    holds other hot rows calls this last, just before its commit, to keep the queue short.
    """
    seq, prev_hash = session.execute(_NEXT_SEQ).one()
    actor_kind, actor_id = actor.audit_actor
    at = as_utc(now)
    payload = canonical_json(data or {})
    oid = None if object_id is None else str(object_id)
    row = dict(seq=seq, at=at, actor_kind=actor_kind, actor_id=actor_id, action=action, object_kind=object_kind,
               object_id=oid, province_code=province_code, commune_code=commune_code, data=payload)
    digest = event_digest(prev_hash=prev_hash, **row)
    session.execute(_INSERT_EVENT, {**row, "prev_hash": prev_hash, "hash": digest})
    session.execute(_SET_HASH, {"digest": digest})


_HEAD = cast(Table, AuditHead.__table__)
_NEXT_SEQ = (update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1, prev_hash=_HEAD.c.hash)
             .returning(_HEAD.c.seq, _HEAD.c.hash))
_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))
_SET_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(hash=bindparam("digest"))
"""Core statements built once: every audited write runs them, most often while holding other hot rows."""


_SEQ_MARK = "\ue000seq\ue000"
_PREV_MARK = "\ue000prev\ue000"


PG_RECORD_CTES = (
    "audit_h AS (UPDATE audit_head SET seq = audit_head.seq + 1, prev_hash = audit_head.hash,"
    " hash = encode(sha256(:a_opad || sha256(:a_ipad || convert_to(replace(:a_before_prev, :a_late, issued.value)"
    " || audit_head.hash || :a_between || (audit_head.seq + 1)::text || :a_after_seq, 'UTF8'))), 'hex')"
    " FROM issued WHERE audit_head.id = 1 RETURNING audit_head.seq, audit_head.prev_hash, audit_head.hash),"
    " audit_e AS (INSERT INTO audit_event (seq, at, actor_kind, actor_id, action, object_kind, object_id,"
    " province_code, commune_code, data, prev_hash, hash)"
    " SELECT audit_h.seq, :a_at, :a_actor_kind, :a_actor_id, :a_action, :a_object_kind, :a_object_id,"
    " :a_province_code, :a_commune_code, replace(:a_data, :a_late, issued.value), audit_h.prev_hash, audit_h.hash"
    " FROM audit_h, issued)"
)
"""``record`` as two CTEs of a caller's PostgreSQL statement (parameters from ``pg_record_params``), for a writer
whose event names a value the same statement produces: the intake's dossier code, issued under a row lock held to
the commit, where one statement instead of three round trips keeps that lock short (``dossier.sealing``).

The caller's statement has a CTE ``issued`` with one row whose column ``value`` is that value. The head's
``UPDATE`` takes the chain's lock and computes the event's hash in SQL from the same canonical body as
``event_digest`` (HMAC-SHA256 of its UTF-8 bytes, written out with the built-in ``sha256`` and the key's pads as
parameters: ``hmac_pads``), so ``motcua audit verify`` checks these events like any other."""


def pg_record_params(*, actor: Principal, action: str, now: datetime, object_kind: str | None, object_id: str | int,
                     province_code: str | None, commune_code: str | None, data: dict[str, Any],
                     late: str) -> dict[str, Any]:
    """The parameters (``a_…``) of ``PG_RECORD_CTES``; ``data`` holds the text ``late`` where ``issued.value`` goes."""
    actor_kind, actor_id = actor.audit_actor
    at = as_utc(now)
    payload = canonical_json(data)
    row = dict(at=at, actor_kind=actor_kind, actor_id=actor_id, action=action, object_kind=object_kind,
               object_id=str(object_id), province_code=province_code, commune_code=commune_code, data=payload)
    body = _digest_body(seq=_SEQ_MARK, prev_hash=_PREV_MARK, at=at, actor_kind=actor_kind, actor_id=actor_id,
                        action=action, object_kind=object_kind, object_id=str(object_id),
                        province_code=province_code, commune_code=commune_code, data=payload)
    # The marks are private-use characters JSON leaves as they are; the seq mark loses its quotes (a number).
    before_prev, rest = body.split(_PREV_MARK)
    between, after_seq = rest.split(f'"{_SEQ_MARK}"')
    if late in between or late in after_seq:
        raise ValueError("the late value belongs in the event's data")
    params = {f"a_{k}": v for k, v in row.items()}
    ipad, opad = hmac_pads(audit_key())
    params.update(a_late=late, a_before_prev=before_prev, a_between=between, a_after_seq=after_seq, a_ipad=ipad,
                  a_opad=opad)
    return params


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
