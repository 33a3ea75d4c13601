"""Append to the audit log in the caller's transaction (house rule 3).

Each event's hash covers its own content and the previous event's hash, so editing or deleting a past row breaks
the chain and ``motcua audit verify`` names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent, AuditHead
from motcua.auth.principal import Principal
from motcua.kit.clock import as_utc

GENESIS_HASH = "0" * 64


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
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "prev": prev_hash,
            "at": as_utc(at).isoformat(timespec="microseconds"),
            "actor": [actor_kind, actor_id],
            "action": action,
            "object": [object_kind, object_id],
            "where": [province_code, commune_code],
            "data": data,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


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
_NEXT_SEQ = update(_HEAD).where(_HEAD.c.id == 1).values(seq=_HEAD.c.seq + 1).returning(_HEAD.c.seq, _HEAD.c.hash)
_INSERT_EVENT = insert(cast(Table, AuditEvent.__table__))
_SET_HASH = update(_HEAD).where(_HEAD.c.id == 1).values(hash=bindparam("digest"))
"""Core statements built once: every audited write runs them, most often while holding other hot rows."""


def record_personal_data_read(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    object_kind: str,
    object_id: str | int,
    province_code: str | None,
    commune_code: str | None,
    fields: list[str],
) -> None:
    """Reading a person's personal data is itself an event (Decree 13/2023/NĐ-CP on personal data protection)."""
    record(
        session,
        actor=actor,
        action="personal_data.read",
        now=now,
        object_kind=object_kind,
        object_id=object_id,
        province_code=province_code,
        commune_code=commune_code,
        data={"fields": fields},
    )
