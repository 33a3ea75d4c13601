"""The notification outbox (hộp thư đi): one row per message to one applicant on one channel.

Why a table and not a direct send: an action must never talk to a mail server inside the officer's request (house
rule 3). The row is written in the same transaction as the state change it announces, so it exists if and only if
the change committed; the worker sends it later and records what happened.

``next_attempt_at`` has two meanings, on purpose, so that one index ``(status, next_attempt_at)`` answers the
worker's only question ("what is due?"): for a ``pending`` row it is when to try next; for a ``sending`` row it is
when the claiming worker's lease expires — after that the row is due again (the worker is presumed dead).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class NoticeKind(StrEnum):
    """The moments of Decree 118/2025 at which the applicant is told something (Art. 12(5), 17, 19, 22)."""

    RECEIVED = "received"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    EXTENDED = "extended"
    EXTENDED_BY_LAW = "extended_by_law"  # the sector law's extra days (not an apology): the new appointment
    RESULT_READY = "result_ready"
    RETURNED = "returned"
    SUBMITTED = "submitted"  # filed online: acknowledged at once (Art. 17(2))
    STAFF_ALERT = "staff_alert"  # to the centre's reception officers: an online dossier waits (2 hours, Art. 17(2))
    OTP = "otp"  # a one-time code to sign in or to consent to assisted filing
    QUEUE_NEAR = "queue_near"  # to a queue ticket's holder: their number is called soon (queue.near)
    BOOKING_REMINDER = "booking_reminder"  # the front desk: an appointment tomorrow (issue 18), once per booking
    QUEUE_SMS = "queue_sms"  # the front desk: the answer to a ticket asked for by SMS (issue 18)


#: The kinds rendered from a dossier's facts by ``templates.render``; the staff alert has its own text
#: (``templates.staff_alert_text``) and the one-time code is written by the action that sends it (``portal.actions``).
DOSSIER_NOTICES: tuple[NoticeKind, ...] = (
    NoticeKind.RECEIVED, NoticeKind.SUBMITTED, NoticeKind.SUPPLEMENT_REQUESTED, NoticeKind.EXTENDED,
    NoticeKind.EXTENDED_BY_LAW, NoticeKind.RESULT_READY, NoticeKind.RETURNED,
)


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    ZALO = "zalo"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next_attempt_at
    SENDING = "sending"  # claimed by a worker until next_attempt_at (the lease)
    SENT = "sent"  # the provider accepted it (terminal)
    DEAD = "dead"  # refused for good or out of attempts (terminal until an administrator requeues it)


class NotificationOutbox(Base):
    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``{dossier}:{kind}:{channel}:{event}`` — an action replayed after a lost response enqueues nothing new.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    #: Rendered at enqueue time: the message says what was true when the event happened, whatever changes later.
    body: Mapped[str] = mapped_column(Text)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    #: Sends started (counted when claimed, so a message that crashes the worker every time still ends up dead).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
