"""The intake's last write on PostgreSQL, in one statement: the Art. 28 code, the timeline's first line, the index
queue, the applicant's notices and the audit event.

Why one statement. Two rows are locked by every intake from their first write to the commit: the body's code
counter of the day (``codes.py``, which keeps codes gap-free) and the audit chain's head (``audit/``). Written as
six statements, every round trip back to the application server — where the thread holding the locks also waits
its turn for the interpreter behind the other requests — kept those rows locked longer, and with 16 counters
receiving at once almost every intake stood queued on the counter (``bench/intake.py``; PostgreSQL's
``pg_stat_activity`` showed 15 of 16 backends waiting on it, the 16th idle in its transaction). Here the rows are
locked by one statement and released by the commit right after it.

The code is known only inside the statement, and the notices and the audit event name it: they are rendered with a
stand-in of the code's length (``stand_in``), which the database replaces with the code. A code longer than its
stand-in (the body's 10,000th dossier of a day) or an SMS clipped through the stand-in gets its notices rendered
again with the real code (``_rewrite_notices``); the audit event's hash is computed by the database from the same
canonical body as ``audit.actions.event_digest``, so ``motcua audit verify`` checks it like any other.

SQLite, whose writers are serialised for the whole transaction by ``BEGIN IMMEDIATE``, keeps the plain statements
(``actions.receive_dossier``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from motcua.audit.actions import PG_RECORD_CTES, pg_record_params
from motcua.base.principal import Principal
from motcua.dossier.codes import PLACEHOLDER_PREFIX, agency_id_of, format_code
from motcua.dossier.models import Dossier, DossierEvent
from motcua.kit.clock import as_utc
from motcua.notify.models import NotificationOutbox, OutboxStatus
from motcua.org.models import Commune


def stand_in(commune: Commune, day: date) -> str:
    """A random text as long as the day's four-digit codes of the body, starting with the placeholder mark."""
    width = len(format_code(agency_id_of(commune), day, 1))
    return PLACEHOLDER_PREFIX + secrets.token_hex(width)[: width - 1]


@dataclass(frozen=True)
class AuditEntry:
    """What ``audit.actions.record`` would be given; ``data`` names the code by the stand-in."""

    action: str
    province_code: str | None
    commune_code: str | None
    data: dict[str, Any]


def seal_intake(session: Session, dossier: Dossier, *, commune: Commune, day: date, now: datetime, actor: Principal,
                event: DossierEvent, fold: bool, notices: Sequence[dict[str, Any]], audit: AuditEntry,
                stand_in: str, rerender: Callable[[str], Sequence[dict[str, Any]]]) -> str:
    """Issue the code and write the rest of the intake in one statement; returns the code.

    ``event`` is the timeline's line, not yet added to the session (it becomes persistent here); ``notices`` are
    ``notify.actions.notice_messages`` rendered with ``stand_in``; ``rerender(code)`` renders them again with the
    real code, for the rare notice the stand-in could not be replaced in. The caller flushed everything else.
    """
    agency = agency_id_of(commune)
    params = pg_record_params(
        actor=actor, action=audit.action, now=now, object_kind="dossier", object_id=dossier.id,
        province_code=audit.province_code, commune_code=audit.commune_code, data=audit.data, late=stand_in)
    at = as_utc(now)
    params.update(
        id=dossier.id, agency=agency, day=day, prefix=f"{agency}-{day:%y%m%d}-", fold=fold, stand_in=stand_in,
        e_at=as_utc(event.at), e_action=event.action, e_from=event.from_status, e_to=event.to_status,
        e_actor_id=event.actor_id, e_actor_name=event.actor_name, e_department=event.department,
        e_note=event.note, e_data=json.dumps(event.data), n_at=at,
        n_pending=OutboxStatus.PENDING.value,
        **{f"n_{k}": [m[k] for m in notices] for k in ("dedup_key", "kind", "channel", "recipient", "subject", "body")},
    )
    row = session.execute(_SEAL, params).one()
    code, event_id = str(row.code), int(row.event_id)
    set_committed_value(dossier, "code", code)
    event.id = event_id
    make_transient_to_detached(event)
    session.add(event)
    if len(code) != len(stand_in) or any(not _replaced_whole(m, stand_in) for m in notices):
        _rewrite_notices(session, rerender(code))
    return code


def _replaced_whole(message: dict[str, Any], stand_in: str) -> bool:
    """Every trace of the stand-in in the message is the whole stand-in (an SMS clipped through it is not)."""
    return all(m.count(stand_in[:6]) == m.count(stand_in) for m in (message["subject"], message["body"]))


def _rewrite_notices(session: Session, messages: Sequence[dict[str, Any]]) -> None:
    outbox = cast(Table, NotificationOutbox.__table__)
    statement = (update(outbox).where(outbox.c.dedup_key == bindparam("key"))
                 .values(subject=bindparam("new_subject"), body=bindparam("new_body")))
    session.execute(statement, [{"key": m["dedup_key"], "new_subject": m["subject"], "new_body": m["body"]}
                                for m in messages])


_SEAL = text(" ".join([
    "WITH counter AS (INSERT INTO dossier_code_counter (agency_id, day, last_seq) VALUES (:agency, :day, 1)"
    " ON CONFLICT (agency_id, day) DO UPDATE SET last_seq = dossier_code_counter.last_seq + 1 RETURNING last_seq),"
    " issued AS (UPDATE dossier SET code = :prefix"
    " || lpad(counter.last_seq::text, greatest(4, length(counter.last_seq::text)), '0')"
    " FROM counter WHERE dossier.id = :id RETURNING dossier.code AS value),"
    " timeline AS (INSERT INTO dossier_event (dossier_id, at, action, from_status, to_status, actor_id, actor_name,"
    " department, note, data) VALUES (:id, :e_at, :e_action, :e_from, :e_to, :e_actor_id, :e_actor_name,"
    " :e_department, :e_note, CAST(:e_data AS JSON)) RETURNING id),"
    " queued AS (INSERT INTO index_pending (dossier_id) SELECT :id WHERE :fold),"
    " notices AS (INSERT INTO notification_outbox (dedup_key, kind, channel, recipient, subject, body, dossier_id,"
    " status, attempts, next_attempt_at, created_at)"
    " SELECT m.dedup_key, m.kind, m.channel, m.recipient, replace(m.subject, :stand_in, issued.value),"
    " replace(m.body, :stand_in, issued.value), :id, :n_pending, 0, :n_at, :n_at FROM issued,"
    " unnest(CAST(:n_dedup_key AS text[]), CAST(:n_kind AS text[]), CAST(:n_channel AS text[]),"
    " CAST(:n_recipient AS text[]), CAST(:n_subject AS text[]), CAST(:n_body AS text[]))"
    " AS m(dedup_key, kind, channel, recipient, subject, body)"
    " ON CONFLICT (dedup_key) DO NOTHING),",
    PG_RECORD_CTES,  # audit_h, audit_e
    "SELECT issued.value AS code, (SELECT id FROM timeline) AS event_id FROM issued",
]))
"""Locks, in the order every intake takes them: the counter, then the audit head (``audit_h``). The notices and
the audit event take the code from ``issued``; a statement's CTEs all run to completion, referenced or not."""
