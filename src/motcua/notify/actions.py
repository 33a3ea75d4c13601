"""Writes to the outbox, in the caller's transaction and without committing (house rule 3).

Enqueueing is one INSERT per channel: it never waits on a mail server or a provider, so an officer's request is
never slower, and never fails, because a sender is down. The message exists exactly when the action it announces
committed — a rolled-back action leaves no notice behind, a committed one cannot lose its notice.

Replays are harmless: each row carries a ``dedup_key`` (dossier, kind, channel, event) under a unique constraint and
is inserted with ``ON CONFLICT DO NOTHING``, so an action retried after a lost response, or two code paths
announcing the same event, enqueue one message per channel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from motcua.calendar import CalendarError
from motcua.db import affected_rows, dialect_insert
from motcua.dossier.clock import dossier_ledger
from motcua.dossier.codes import PLACEHOLDER_PREFIX
from motcua.dossier.models import Dossier
from motcua.kit.clock import as_utc
from motcua.notify.models import Channel, NoticeKind, NotificationOutbox, OutboxStatus
from motcua.notify.templates import NoticeContext, lookup_url, render
from motcua.org.models import Commune


class NoticeExtra(TypedDict, total=False):
    """What the action knows and the dossier row does not (any key may be left out)."""

    note: str  # the officer's words: the papers to supplement, the reason for the delay
    previous_due_at: datetime  # the appointment an extension replaced (Art. 19(6))
    supplement_due_at: datetime  # overrides the ledger's Art. 19(5) expiry
    event_key: str | int  # overrides the dossier version as the event part of the dedup key


def contacts(dossier: Dossier) -> list[tuple[Channel, str]]:
    """The channels the applicant can be reached on: email if given; SMS and Zalo (same number) if a phone is."""
    found: list[tuple[Channel, str]] = []
    if dossier.email:
        found.append((Channel.EMAIL, dossier.email.strip()))
    if dossier.phone:
        phone = dossier.phone.strip()
        found += [(Channel.SMS, phone), (Channel.ZALO, phone)]
    return found


def _insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """One INSERT … ON CONFLICT (dedup_key) DO NOTHING, the rows as parameters (compiled once, then cached)."""
    statement = dialect_insert(session, cast(Table, NotificationOutbox.__table__))
    session.execute(statement.on_conflict_do_nothing(index_elements=["dedup_key"]), list(rows))


def enqueue(session: Session, *, dedup_key: str, kind: NoticeKind | str, channel: Channel | str, recipient: str,
            subject: str, body: str, now: datetime, dossier_id: int | None = None) -> NotificationOutbox:
    """One message, due at once; the row already queued under ``dedup_key`` if there is one."""
    return enqueue_many(session, [dict(dedup_key=dedup_key, kind=NoticeKind(kind).value,
                                       channel=Channel(channel).value, recipient=recipient, subject=subject,
                                       body=body, dossier_id=dossier_id)], now=now)[0]


def enqueue_many(session: Session, messages: Sequence[dict[str, Any]], *, now: datetime,
                 fetch: bool = True) -> list[NotificationOutbox]:
    """Several messages in one statement (keys as in ``enqueue``); returned in the order given (not read back when
    ``fetch`` is false: a workflow action, which holds hot rows until its commit, saves the round trip)."""
    if not messages:
        return []
    at = as_utc(now)
    rows = [{**m, "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": at, "created_at": at,
             "last_error": None, "sent_at": None, "provider_message_id": None} for m in messages]
    _insert_ignoring_duplicates(session, rows)
    if not fetch:
        return []
    keys = [m["dedup_key"] for m in messages]
    found = {row.dedup_key: row for row in session.scalars(
        select(NotificationOutbox).where(NotificationOutbox.dedup_key.in_(keys)))}
    return [found[key] for key in keys]


def notice_context(session: Session, dossier: Dossier, kind: NoticeKind, *, now: datetime, public_base_url: str,
                   extra: NoticeExtra | None = None) -> NoticeContext:
    """The facts a notice about ``dossier`` states, read in the caller's transaction."""
    extra = extra or {}
    commune = session.get_one(Commune, dossier.receiving_commune_code)
    supplement_due = extra.get("supplement_due_at")
    if kind is NoticeKind.SUPPLEMENT_REQUESTED and supplement_due is None and dossier.clock_events:
        try:  # a supplement after appraisal pauses the clock; its lapse is the ledger's (15 days, Art. 19(5))
            supplement_due = dossier_ledger(session, dossier).supplement_expires_at(now)
        except CalendarError:
            supplement_due = None
    return NoticeContext(
        code=dossier.code,
        procedure_name=dossier.procedure_name,
        applicant_name=dossier.applicant_name,
        centre_name=f"Trung tâm Phục vụ hành chính công {commune.kind} {commune.name}",
        short_name=f"UBND {commune.kind} {commune.name}",
        lookup_url=lookup_url(public_base_url, dossier.code),
        at=as_utc(now),
        due_at=as_utc(dossier.due_at) if dossier.due_at else None,
        note=extra.get("note", "").strip(),
        supplement_due_at=supplement_due,
        previous_due_at=extra.get("previous_due_at"),
    )


def enqueue_for_dossier(session: Session, dossier: Dossier, kind: NoticeKind | str, *, now: datetime,
                        public_base_url: str, extra: NoticeExtra | None = None,
                        fetch: bool = True) -> list[NotificationOutbox]:
    """Tell the applicant of ``dossier`` about ``kind`` on every channel they gave; no commit.

    Call it after the state change and after the dossier has its Art. 28 code (at intake the code is issued last).
    The event part of the dedup key is the dossier's ``version``, which every state change increments: the same
    event enqueued twice is one message, the same kind on a later event (a second extension is refused by law,
    but a second result after a correction is not) is a new one.
    """
    if dossier.code.startswith(PLACEHOLDER_PREFIX):
        raise ValueError("the dossier has no code yet: enqueue notifications after the code is issued")
    messages = notice_messages(session, dossier, kind, now=now, public_base_url=public_base_url, extra=extra)
    return enqueue_many(session, messages, now=now, fetch=fetch)


def notice_messages(session: Session, dossier: Dossier, kind: NoticeKind | str, *, now: datetime,
                    public_base_url: str, extra: NoticeExtra | None = None,
                    code: str | None = None) -> list[dict[str, Any]]:
    """The messages ``enqueue_for_dossier`` queues (keys as in ``enqueue``), rendered, not written.

    ``code`` stands in for the dossier's code: a writer that issues the code in the same SQL statement as it
    queues the messages (the intake on PostgreSQL, ``dossier.sealing``) renders them with a stand-in of the
    code's length and has the database put the code in its place.
    """
    kind = NoticeKind(kind)
    extra = extra or {}
    reach = contacts(dossier)
    if not reach:
        return []
    ctx = notice_context(session, dossier, kind, now=now, public_base_url=public_base_url, extra=extra)
    if code is not None:
        ctx = dataclasses.replace(ctx, code=code, lookup_url=lookup_url(public_base_url, code))
    event = extra.get("event_key", dossier.version)
    messages = []
    for channel, recipient in reach:
        rendered = render(kind, channel, ctx)
        messages.append(dict(dedup_key=f"{dossier.id}:{kind.value}:{channel.value}:{event}", kind=kind.value,
                             channel=channel.value, recipient=recipient, subject=rendered.subject,
                             body=rendered.body, dossier_id=dossier.id))
    return messages


def requeue_dead(session: Session, *, now: datetime, ids: Sequence[int] | None = None) -> int:
    """Give dead messages a new series of attempts (after an administrator fixed an address or a provider account).

    Dead rows are never deleted, so nothing a provider refused is lost: it waits here for a decision.
    """
    statement = (update(NotificationOutbox).where(NotificationOutbox.status == OutboxStatus.DEAD.value)
                 .values(status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=as_utc(now))
                 .execution_options(synchronize_session=False))
    if ids is not None:
        statement = statement.where(NotificationOutbox.id.in_(list(ids)))
    return affected_rows(session, statement)
