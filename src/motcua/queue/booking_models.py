"""The front desk's second slice (issue 18): opening hours, online appointments and tickets taken away from the kiosk.

Concurrency (house rule 4):

* a slot's capacity is enforced by a **counted insert under a unique constraint**: a booking takes a numbered place
  ``1..capacity`` of its (commune, field, slot), and ``(commune_code, field, slot_start, place)`` is unique. Two
  citizens taking the last place both try place *n*; the database lets exactly one row in, the other finds no free
  place left. A cancelled or released booking gives its place back (``place`` set to NULL, which no unique
  constraint counts);
* the per-phone limit of tickets taken by SMS or from the portal works the same way: a ticket takes the number
  ``1..limit`` of its (commune, day, phone) under a primary key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class QueueOpeningHours(Base):
    """Giờ mở cửa: one row per weekday (0 = Monday) of a scope — a province's default (the 2-digit province code) or
    a commune's own week (its 5-digit code), which replaces the default as a whole. ``intervals``:
    ``"07:30-11:30,13:30-17:00"``; empty: closed that weekday."""

    __tablename__ = "queue_opening_hours"

    scope: Mapped[str] = mapped_column(String(5), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervals: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))


class QueueSlotCapacity(Base):
    """How many appointments a commune takes per slot of a field (absent: ``booking.DEFAULT_CAPACITY``)."""

    __tablename__ = "queue_slot_capacity"

    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), primary_key=True)
    field: Mapped[str] = mapped_column(String(30), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)


class QueueBooking(Base):
    """Lịch hẹn: a slot of a field at a commune's centre, booked by a citizen from the portal.

    ``status``: booked → checked_in (a ticket was issued on arrival) | cancelled (by the citizen) | no_show (not
    checked in by the slot's start plus the grace period; released by the worker)."""

    __tablename__ = "queue_booking"
    __table_args__ = (
        UniqueConstraint("commune_code", "field", "slot_start", "place"),
        Index("ix_queue_booking_day", "commune_code", "day", "status"),
        Index("ix_queue_booking_due", "status", "slot_start"),
        Index("ix_queue_booking_phone", "commune_code", "phone", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # what the QR code carries: "LH-7K3M9QX2"
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    field: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)  # the slot's date in Vietnam
    slot_start: Mapped[datetime] = mapped_column(UtcDateTime())
    slot_end: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[int | None] = mapped_column(Integer)  # 1..capacity while it holds a place; NULL once given back
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(15))  # 0xxxxxxxxx: the reminder and check-in by phone
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_account.id"))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_ticket.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # cancelled or released as a no-show


class QueuePhoneTicket(Base):
    """A ticket taken by SMS or from the portal, counted per commune, day and phone (the per-phone limit); the phone
    is kept only as a digest (Decree 13/2023: minimum data)."""

    __tablename__ = "queue_phone_ticket"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    phone_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1..PHONE_MAX_PER_DAY
    channel: Mapped[str] = mapped_column(String(10))  # "sms" | "portal"
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_ticket.id"))  # set in the same transaction
    #: The SMS gateway's id of the message that asked (a webhook delivered twice issues one ticket).
    source_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class QueuePriorityGroup(Base):
    """A priority group a province adds to the four the law names (``queue.fields.PRIORITY_GROUPS``), e.g. "Trẻ em
    dưới 6 tuổi đi cùng"; ``code`` is what a ticket records (``"25-1"``). Withdrawn, not deleted: old tickets keep
    their label."""

    __tablename__ = "queue_priority_group"
    __table_args__ = (UniqueConstraint("province_code", "label"),)

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
