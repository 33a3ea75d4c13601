"""Writes to the outbox, in the caller's transaction and without committing (house rule 3).

Enqueueing is one INSERT per channel: it never waits on a mail server or a provider, so an officer's request is
never slower, and never fails, because a sender is down. The message exists exactly when the action it announces
committed — a rolled-back action leaves no notice behind, a committed one cannot lose its notice.

Replays are harmless: each row carries a ``dedup_key`` (dossier, kind, channel, event) under a unique constraint and
is inserted with ``ON CONFLICT DO NOTHING``, so an action retried after a lost response, or two code paths
announcing the same event, enqueue one message per channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from motcua.db import affected_rows, dialect_insert
from motcua.kit.clock import as_utc
from motcua.notify.models import Channel, NoticeKind, NotificationOutbox, OutboxStatus
from motcua.notify.templates import NoticeContext, lookup_url, render, staff_alert_text, strip_diacritics


@dataclass(frozen=True)
class DossierNotice:
    """What a notice about one dossier needs: its facts as they stand after the event, and where the applicant is
    reached. The dossier's writer (``dossier.actions``) builds it; notify never reads a dossier itself."""

    dossier_id: int
    code: str  # the Art. 28 code, already issued
    version: int  # the dossier's version after the event: the event part of the dedup key
    procedure_name: str
    applicant_name: str
    email: str | None
    phone: str | None  # SMS and Zalo go to the same number
    commune_kind: str  # of the receiving commune, whose centre speaks: "xã", "phường"
    commune_name: str
    due_at: datetime | None  # ngày hẹn trả kết quả as it stands after the event
    supplement_due_at: datetime | None = None  # the Art. 19(5) expiry of a supplement asked after appraisal


class NoticeExtra(TypedDict, total=False):
    """What the action knows and the dossier row does not (any key may be left out)."""

    note: str  # the officer's words: the papers to supplement, the reason for the delay
    previous_due_at: datetime  # the appointment an extension replaced (Art. 19(6))
    supplement_due_at: datetime  # overrides the notice's Art. 19(5) expiry
    event_key: str | int  # overrides the dossier version as the event part of the dedup key


def contacts(notice: DossierNotice) -> list[tuple[Channel, str]]:
    """The channels the applicant can be reached on: email if given; SMS and Zalo (same number) if a phone is."""
    found: list[tuple[Channel, str]] = []
    if notice.email:
        found.append((Channel.EMAIL, notice.email.strip()))
    if notice.phone:
        phone = notice.phone.strip()
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


def notice_context(notice: DossierNotice, *, now: datetime, public_base_url: str,
                   extra: NoticeExtra | None = None) -> NoticeContext:
    """The facts a notice about the dossier states."""
    extra = extra or {}
    return NoticeContext(
        code=notice.code,
        procedure_name=notice.procedure_name,
        applicant_name=notice.applicant_name,
        centre_name=f"Trung tâm Phục vụ hành chính công {notice.commune_kind} {notice.commune_name}",
        short_name=f"UBND {notice.commune_kind} {notice.commune_name}",
        lookup_url=lookup_url(public_base_url, notice.code),
        at=as_utc(now),
        due_at=as_utc(notice.due_at) if notice.due_at else None,
        note=extra.get("note", "").strip(),
        supplement_due_at=extra.get("supplement_due_at", notice.supplement_due_at),
        previous_due_at=extra.get("previous_due_at"),
    )


def enqueue_for_dossier(session: Session, notice: DossierNotice, kind: NoticeKind | str, *, now: datetime,
                        public_base_url: str, extra: NoticeExtra | None = None,
                        fetch: bool = True) -> list[NotificationOutbox]:
    """Tell the applicant of the dossier about ``kind`` on every channel they gave; no commit.

    The event part of the dedup key is the dossier's ``version``, which every state change increments: the same
    event enqueued twice is one message, the same kind on a later event (a second extension is refused by law,
    but a second result after a correction is not) is a new one.
    """
    messages = notice_messages(notice, kind, now=now, public_base_url=public_base_url, extra=extra)
    return enqueue_many(session, messages, now=now, fetch=fetch)


def notice_messages(notice: DossierNotice, kind: NoticeKind | str, *, now: datetime, public_base_url: str,
                    extra: NoticeExtra | None = None) -> list[dict[str, Any]]:
    """The messages ``enqueue_for_dossier`` queues (keys as in ``enqueue``), rendered, not written."""
    kind = NoticeKind(kind)
    extra = extra or {}
    reach = contacts(notice)
    if not reach:
        return []
    ctx = notice_context(notice, now=now, public_base_url=public_base_url, extra=extra)
    event = extra.get("event_key", notice.version)
    messages = []
    for channel, recipient in reach:
        rendered = render(kind, channel, ctx)
        messages.append(dict(dedup_key=f"{notice.dossier_id}:{kind.value}:{channel.value}:{event}", kind=kind.value,
                             channel=channel.value, recipient=recipient, subject=rendered.subject,
                             body=rendered.body, dossier_id=notice.dossier_id))
    return messages


def enqueue_staff_alert(session: Session, notice: DossierNotice, staff: Sequence[tuple[int, str | None, str | None]],
                        *, now: datetime, public_base_url: str) -> None:
    """Art. 17(2): the centre's staff are alerted to an online dossier within 2 hours — here at once, by email and
    SMS to each of ``staff`` (officer id, email, phone), through the outbox (sent after the commit)."""
    text = staff_alert_text(notice.code, notice.procedure_name, notice.applicant_name, notice.due_at or now,
                            f"{public_base_url.rstrip('/')}/dossiers/{notice.dossier_id}")
    messages = []
    for officer_id, email, phone in staff:
        for channel, recipient in ((Channel.EMAIL, email), (Channel.SMS, phone)):
            if recipient:
                body = strip_diacritics(text) if channel is Channel.SMS else text
                messages.append(dict(dedup_key=f"{notice.dossier_id}:staff_alert:{officer_id}:{channel.value}",
                                     kind=NoticeKind.STAFF_ALERT.value, channel=channel.value, recipient=recipient,
                                     subject=f"Hồ sơ trực tuyến chờ tiếp nhận: {notice.code}", body=body,
                                     dossier_id=notice.dossier_id))
    enqueue_many(session, messages, now=now, fetch=False)


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
