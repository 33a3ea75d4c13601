"""The front desk's tables: counters, queue tickets and the per-day ticket counters.

Concurrency (house rule 4): a ticket's number comes from one counter row per (commune, field, day), incremented by
an atomic upsert inside the issuing transaction (as ``dossier.codes`` does), so numbers are unique and gap-free.
A ticket is called by a guarded ``UPDATE … WHERE id = :id AND status = 'waiting'``: of two officers who pick the
same ticket, exactly one changes it and the other picks again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class QueueCounter(Base):
    """Quầy: a counter of a commune's centre and the fields (``queue.fields``) it serves."""

    __tablename__ = "queue_counter"
    __table_args__ = (UniqueConstraint("commune_code", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # "Quầy số 2"
    name: Mapped[str] = mapped_column(String(100), default="")
    fields: Mapped[str] = mapped_column(String(200))  # field codes, comma-separated, in FIELDS order
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # "Tạm dừng": no calls until resumed
    paused_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))

    @property
    def field_codes(self) -> list[str]:
        return [c for c in self.fields.split(",") if c]


class QueueTicketCounter(Base):
    """The last number issued per commune, field and day (Vietnam's date)."""

    __tablename__ = "queue_ticket_counter"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    field: Mapped[str] = mapped_column(String(30), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class QueueTicket(Base):
    """Số thứ tự: a ticket taken at the kiosk. ``status``: waiting → called → done | no_show; a called ticket
    transferred to another counter or field is waiting again (``transferred_at``: at the front of its new queue;
    ``target_counter_id``: only that counter calls it; ``target_field``: the counters of that field call it)."""

    __tablename__ = "queue_ticket"
    __table_args__ = (
        UniqueConstraint("commune_code", "field", "day", "seq"),
        Index("ix_queue_ticket_waiting", "commune_code", "day", "status", "field"),
        Index("ix_queue_ticket_address", "commune_code", "ip_digest", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    field: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)  # the date in Vietnam when it was issued
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))  # "HT-012"
    priority_group: Mapped[str | None] = mapped_column(String(30))  # a PRIORITY_GROUPS code, or none
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    ip_digest: Mapped[str] = mapped_column(String(64))  # the kiosk's limit only (Decree 13/2023: minimum data)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("queue_counter.id"), index=True)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    # optional, for the "your turn is near" SMS (queue.near); cleared when the ticket is closed (minimum data)
    phone: Mapped[str | None] = mapped_column(String(10))

    transferred_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    target_counter_id: Mapped[int | None] = mapped_column(ForeignKey("queue_counter.id"))
    #: Transferred to another field: the queue it waits in now (``field`` and the number stay the ones it was
    #: issued with, so the day's numbering per field stays gap-free).
    target_field: Mapped[str | None] = mapped_column(String(30))
    #: The dossier received at the counter from this ticket (one at most; ``queue.desk.link_dossier``).
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), unique=True)


class QueueSeat(Base):
    """Who sits at which counter today ("Nhận quầy"): one officer at one counter, one counter per officer, per day
    (Vietnam's date). Moving to another counter moves the officer's row; the history is in the audit log."""

    __tablename__ = "queue_seat"
    __table_args__ = (UniqueConstraint("day", "counter_id"), UniqueConstraint("day", "officer_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    day: Mapped[date] = mapped_column(Date)
    counter_id: Mapped[int] = mapped_column(ForeignKey("queue_counter.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QueueTransfer(Base):
    """A called ticket sent on to another counter or field ("Chuyển"): from where, to where, by whom, when."""

    __tablename__ = "queue_transfer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("queue_ticket.id"), index=True)
    from_counter_id: Mapped[int] = mapped_column(ForeignKey("queue_counter.id"))
    from_field: Mapped[str] = mapped_column(String(30))
    to_counter_id: Mapped[int | None] = mapped_column(ForeignKey("queue_counter.id"))
    to_field: Mapped[str] = mapped_column(String(30))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class QueueRating(Base):
    """Đánh giá tại quầy: the citizen's one tap on the counter's tablet about the service just received, once per
    ticket (the unique ``ticket_id`` decides a double tap). ``score``: 2 rất hài lòng, 1 hài lòng, 0 không hài lòng
    (``feedback.criteria.SCALE``). A dissatisfied rating of a ticket with a dossier also opens a feedback case
    about that dossier through the feedback layer (``feedback_case_id``)."""

    __tablename__ = "queue_rating"
    __table_args__ = (Index("ix_queue_rating_commune_rated", "commune_code", "rated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("queue_ticket.id"), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    counter_id: Mapped[int] = mapped_column(ForeignKey("queue_counter.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    feedback_case_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_case.id"))
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QueueEventCounter(Base):
    """The last event number of a commune's hall (``queue.events``): one row per commune, incremented by an atomic
    upsert at the end of every queue change, so a commune's events are numbered 1, 2, 3… in commit order."""

    __tablename__ = "queue_event_counter"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class QueueEvent(Base):
    """What the hall display is told: a ticket issued, called, recalled, skipped or done, in the commune's order
    (``seq``). Numbers and counters only: no personal data."""

    __tablename__ = "queue_event"
    __table_args__ = (UniqueConstraint("commune_code", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    seq: Mapped[int] = mapped_column(Integer)  # the SSE message id the display resumes from (Last-Event-ID)
    kind: Mapped[str] = mapped_column(String(10))  # issue | call | recall | skip | done
    ticket_id: Mapped[int] = mapped_column(ForeignKey("queue_ticket.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(12))
    field: Mapped[str] = mapped_column(String(30))
    counter_number: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
