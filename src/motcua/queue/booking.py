"""Online appointments (đặt lịch hẹn), check-in on arrival, and tickets taken by SMS or from the portal (issue 18).

Slots: each session of the centre's opening hours (``queue.hours``) is cut into ``SLOT_MINUTES`` slots; a slot of a
field holds ``capacity`` appointments (set by the commune per field, ``DEFAULT_CAPACITY`` otherwise). A booking takes
a numbered place ``1..capacity`` under a unique constraint (``booking_models``): of two citizens booking the last
place at the same instant exactly one gets it, whatever the backend.

Check-in: at the kiosk, by the booking code (what the QR code carries; a hall's QR scanner types it into the box) or
the phone number, on the booking's day from ``CHECK_IN_EARLY`` before the slot to ``NO_SHOW_GRACE`` after its start.
The booking becomes an ordinary ticket of its field, numbered as the kiosk numbers (``actions.issue_ticket``), called
in arrival order with the walk-ins: the slot's capacity already spreads appointments over the day, and one calling
rule (priority groups, then arrival) stays the only one the hall has to understand (docs/queue.md).

The worker reminds each booking once the day before (SMS through the outbox) and releases the bookings nobody checked
in ``NO_SHOW_GRACE`` after the slot's start (their place goes back to the slot).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.calendar.hours import VIETNAM_TZ, to_vietnam_time
from motcua.db import affected_rows, dialect_insert
from motcua.kit.errors import Conflict, Forbidden, MotcuaError, NotFound, TooManyRequests, ValidationFailed
from motcua.notify.actions import enqueue
from motcua.notify.models import Channel, NoticeKind, NotificationOutbox
from motcua.notify.templates import strip_diacritics
from motcua.org.models import Commune
from motcua.queue import actions
from motcua.queue.booking_models import QueueBooking, QueuePhoneTicket, QueueSlotCapacity
from motcua.queue.fields import FIELDS, FIELDS_BY_CODE
from motcua.queue.hours import check_open, sessions_on, week_of
from motcua.queue.models import QueueTicket
from motcua.queue.queries import local_day

SLOT_MINUTES = 30
DEFAULT_CAPACITY = 4  # appointments per 30-minute slot and field: about one counter's half hour
MAX_CAPACITY = 50
BOOK_AHEAD_DAYS = 14
#: Open appointments one phone may hold at one commune (a family books a few; a script books the day).
PHONE_MAX_BOOKINGS = 3
CHECK_IN_EARLY = timedelta(minutes=30)
NO_SHOW_GRACE = timedelta(minutes=15)
#: Tickets one phone may take per commune and day by SMS and from the portal together.
PHONE_MAX_PER_DAY = 3
#: The reminder goes from this hour (Vietnam) on the day before: no SMS in the night.
REMINDER_FROM_HOUR = 7

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from a screen
_CODE = re.compile(r"^LH[A-Z2-9]{8}$")
_PHONE = re.compile(r"^0\d{9}$")

STATUS_LABELS = {"booked": "Đã đặt", "checked_in": "Đã đến (đã cấp số)", "cancelled": "Đã hủy",
                 "no_show": "Không đến (đã giải phóng chỗ)"}


class SlotFull(Conflict):
    code = "slot_full"


class OutsideHours(ValidationFailed):
    code = "outside_hours"


class CheckInRefused(ValidationFailed):
    code = "check_in_refused"


# ------------------------------------------------------------------------------------------------ input


def normalise_phone(raw: str) -> str:
    """``0912 345 678``, ``+84912345678`` → ``0912345678``; a clear message otherwise."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _PHONE.match(digits):
        message = "Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678)."
        raise ValidationFailed(message, fields={"phone": message})
    return digits


def phone_digest(phone: str) -> str:
    return hashlib.sha256(f"motcua-queue-phone:{phone}".encode()).hexdigest()


def normalise_code(raw: str) -> str | None:
    code = re.sub(r"[\s\-]", "", raw or "").upper()
    return code if _CODE.match(code) else None


def _check_field(field: str) -> None:
    if field not in FIELDS_BY_CODE:
        raise ValidationFailed("Vui lòng chọn lĩnh vực cần giải quyết.", fields={"field": "Chưa chọn lĩnh vực."})


# ------------------------------------------------------------------------------------------------ slots


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, Vietnam time
    end: datetime
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def capacity_of(session: Session, commune_code: str, field: str) -> int:
    value = session.scalar(select(QueueSlotCapacity.capacity).where(
        QueueSlotCapacity.commune_code == commune_code, QueueSlotCapacity.field == field))
    return DEFAULT_CAPACITY if value is None else value


def capacities(session: Session, commune_code: str) -> dict[str, int]:
    c = QueueSlotCapacity
    rows: dict[str, int] = {f: n for f, n in session.execute(
        select(c.field, c.capacity).where(c.commune_code == commune_code))}
    return {f.code: rows.get(f.code, DEFAULT_CAPACITY) for f in FIELDS}


def slot_starts(session: Session, commune: Commune, day: date) -> list[tuple[datetime, datetime]]:
    """The slots of a day: each opening session cut into ``SLOT_MINUTES`` pieces (a shorter tail is not a slot)."""
    out = []
    step = timedelta(minutes=SLOT_MINUTES)
    for start, end in sessions_on(session, commune, day):
        at = datetime.combine(day, start, tzinfo=VIETNAM_TZ)
        closes = datetime.combine(day, end, tzinfo=VIETNAM_TZ)
        while at + step <= closes:
            out.append((at, at + step))
            at += step
    return out


def slots_on(session: Session, commune: Commune, field: str, day: date) -> list[Slot]:
    capacity = capacity_of(session, commune.code, field)
    b = QueueBooking
    taken = {to_vietnam_time(s): n for s, n in session.execute(
        select(b.slot_start, func.count()).where(b.commune_code == commune.code, b.field == field, b.day == day,
                                                 b.place.is_not(None)).group_by(b.slot_start))}
    return [Slot(s, e, capacity, taken.get(s, 0)) for s, e in slot_starts(session, commune, day)]


def bookable_days(session: Session, commune: Commune, now: datetime) -> list[date]:
    """The days ahead (today included) on which the centre opens, up to ``BOOK_AHEAD_DAYS``."""
    today = local_day(now)
    week = week_of(session, commune)
    return [d for d in (today + timedelta(days=k) for k in range(BOOK_AHEAD_DAYS + 1))
            if sessions_on(session, commune, d, week)]


# ------------------------------------------------------------------------------------------------ booking


def _new_code() -> str:
    return "LH" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _citizen_actor(commune: Commune, citizen_id: int | None) -> Principal:
    return Principal(kind="citizen" if citizen_id is not None else "anonymous", id=citizen_id, name="citizen",
                     province_code=commune.province_code, commune_code=commune.code,
                     roles=frozenset({Role.APPLICANT}))


def _when(moment: datetime) -> str:
    local = to_vietnam_time(moment)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def book(session: Session, *, commune: Commune, field: str, slot_start: datetime, name: str, phone: str,
         citizen_id: int | None, now: datetime) -> QueueBooking:
    """Đặt lịch hẹn: a slot of the centre's opening hours, in the future, within ``BOOK_AHEAD_DAYS``, with a free
    place (counted insert under the unique constraint: the last place goes to exactly one citizen)."""
    _check_field(field)
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        message = "Vui lòng nhập họ và tên (tối đa 100 ký tự)."
        raise ValidationFailed(message, fields={"name": message})
    phone = normalise_phone(phone)
    start = to_vietnam_time(slot_start)
    day = start.date()
    label = f"{start:%H:%M} ngày {start:%d/%m/%Y}"
    slots = dict(slot_starts(session, commune, day))
    if start not in slots:
        raise OutsideHours(f"Khung giờ {label} nằm ngoài giờ mở cửa của Trung tâm. Vui lòng chọn một khung giờ "
                           "trong danh sách.", fields={"slot": "Ngoài giờ mở cửa."})
    if start <= now:
        raise OutsideHours(f"Khung giờ {label} đã qua. Vui lòng chọn một khung giờ sau thời điểm hiện tại.",
                           fields={"slot": "Đã qua."})
    if day > local_day(now) + timedelta(days=BOOK_AHEAD_DAYS):
        raise OutsideHours(f"Chỉ đặt lịch trước tối đa {BOOK_AHEAD_DAYS} ngày.", fields={"slot": "Quá xa."})
    b = QueueBooking
    held = session.scalar(select(func.count()).select_from(b).where(
        b.commune_code == commune.code, b.phone == phone, b.status == "booked", b.slot_start > now)) or 0
    if held >= PHONE_MAX_BOOKINGS:
        raise TooManyRequests(f"Số điện thoại này đang có {held} lịch hẹn chưa đến tại Trung tâm (tối đa "
                              f"{PHONE_MAX_BOOKINGS}). Vui lòng hủy bớt lịch cũ trước khi đặt thêm.")
    capacity = capacity_of(session, commune.code, field)
    if capacity == 0:
        raise ValidationFailed(f"Trung tâm không nhận đặt lịch hẹn lĩnh vực {FIELDS_BY_CODE[field].label}. Vui lòng "
                               "lấy số khi đến Trung tâm.", fields={"field": "Không nhận đặt lịch."})
    for _ in range(capacity + 5):
        places = set(session.scalars(select(b.place).where(
            b.commune_code == commune.code, b.field == field, b.slot_start == start, b.place.is_not(None))))
        free = next((p for p in range(1, capacity + 1) if p not in places), None)
        if free is None:
            raise SlotFull(f"Khung giờ {start:%H:%M}–{slots[start]:%H:%M} ngày {start:%d/%m/%Y} của lĩnh vực "
                           f"{FIELDS_BY_CODE[field].label} đã hết chỗ ({capacity} lịch hẹn). Vui lòng chọn khung "
                           "giờ khác.", fields={"slot": "Hết chỗ."})
        row = QueueBooking(code=_new_code(), commune_code=commune.code, field=field, day=day, slot_start=start,
                           slot_end=slots[start], place=free, name=name, phone=phone, citizen_id=citizen_id,
                           status="booked", created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue  # another citizen took that place (or, rarely, the code): look again
        record(session, actor=_citizen_actor(commune, citizen_id), action="queue.booking_created", now=now,
               object_kind="queue_booking", object_id=row.id, province_code=commune.province_code,
               commune_code=commune.code, data={"code": row.code, "field": field, "slot": start.isoformat()})
        return row
    raise Conflict("Nhiều người đang đặt cùng khung giờ. Vui lòng thử lại.")


def booking_by_code(session: Session, raw: str) -> QueueBooking:
    code = normalise_code(raw)
    row = session.scalar(select(QueueBooking).where(QueueBooking.code == code)) if code else None
    if row is None:
        raise NotFound("Không tìm thấy lịch hẹn với mã này.")
    return row


def cancel(session: Session, *, booking: QueueBooking, now: datetime) -> QueueBooking:
    """Hủy lịch hẹn by the citizen who holds its code: only before its slot starts; its place goes back."""
    if booking.status != "booked":
        raise Conflict(f"Lịch hẹn {booking.code} {STATUS_LABELS[booking.status].lower()}, không hủy được nữa.")
    if booking.slot_start <= now:
        raise Conflict(f"Lịch hẹn lúc {_when(booking.slot_start)} đã đến giờ, không hủy được nữa.")
    done = affected_rows(session, update(QueueBooking).where(QueueBooking.id == booking.id,
                                                             QueueBooking.status == "booked")
                         .values(status="cancelled", place=None, closed_at=now)
                         .execution_options(synchronize_session=False))
    if done != 1:
        raise Conflict("Lịch hẹn vừa được xử lý. Vui lòng tải lại trang.")
    session.refresh(booking)
    commune = session.get(Commune, booking.commune_code)
    assert commune is not None
    record(session, actor=_citizen_actor(commune, booking.citizen_id), action="queue.booking_cancelled", now=now,
           object_kind="queue_booking", object_id=booking.id, province_code=commune.province_code,
           commune_code=commune.code, data={"code": booking.code})
    return booking


# ------------------------------------------------------------------------------------------------ check-in


def _find_for_check_in(session: Session, commune: Commune, key: str, now: datetime) -> QueueBooking:
    code = normalise_code(key)
    if code is not None:
        row = session.scalar(select(QueueBooking).where(QueueBooking.code == code))
        if row is None or row.commune_code != commune.code:
            raise CheckInRefused(f"Không tìm thấy lịch hẹn {code} tại Trung tâm {commune.name}. Vui lòng kiểm tra "
                                 "lại mã hoặc lấy số tại máy.")
        return row
    try:
        phone = normalise_phone(key)
    except ValidationFailed as exc:
        raise CheckInRefused("Vui lòng nhập mã lịch hẹn (bắt đầu bằng LH) hoặc số điện thoại đã dùng khi đặt "
                             "lịch.") from exc
    b = QueueBooking
    rows = list(session.scalars(select(b).where(b.commune_code == commune.code, b.phone == phone)
                                .order_by(b.slot_start.desc())))
    today = local_day(now)
    todays = [r for r in rows if r.day == today]
    open_today = sorted((r for r in todays if r.status == "booked"), key=lambda r: r.slot_start)
    if open_today:
        return open_today[0]
    if todays:
        return todays[0]
    upcoming = sorted((r for r in rows if r.day > today and r.status == "booked"), key=lambda r: r.slot_start)
    if upcoming:
        return upcoming[0]
    if rows:
        return rows[0]
    raise CheckInRefused("Không có lịch hẹn nào với số điện thoại này tại Trung tâm. Vui lòng lấy số tại máy.")


def check_in(session: Session, *, commune: Commune, key: str, ip: str, now: datetime,
             grace: timedelta = NO_SHOW_GRACE) -> QueueBooking:
    """Xác nhận đến theo lịch hẹn: on its day, from ``CHECK_IN_EARLY`` before the slot to ``NO_SHOW_GRACE`` after its
    start; the booking becomes a ticket of its field (the kiosk's numbering)."""
    booking = _find_for_check_in(session, commune, key, now)
    today = local_day(now)
    slot = to_vietnam_time(booking.slot_start)
    if booking.status == "checked_in":
        ticket = session.get(QueueTicket, booking.ticket_id) if booking.ticket_id else None
        number = f" Số thứ tự của quý khách là {ticket.number}." if ticket is not None else ""
        raise CheckInRefused(f"Lịch hẹn {booking.code} đã được xác nhận lúc {_when(booking.checked_in_at or now)}."
                             f"{number}")
    if booking.status == "cancelled":
        raise CheckInRefused(f"Lịch hẹn {booking.code} đã bị hủy. Vui lòng lấy số tại máy.")
    if booking.day < today:
        raise CheckInRefused(f"Lịch hẹn {booking.code} là của ngày {booking.day:%d/%m/%Y}, đã qua nên không còn "
                             "hiệu lực. Vui lòng lấy số mới hoặc đặt lịch hẹn khác.")
    if booking.status == "no_show" or now > booking.slot_start + grace:
        raise CheckInRefused(f"Lịch hẹn {booking.code} lúc {slot:%H:%M} đã quá {_minutes(grace)} "
                             "phút nên chỗ đã được giải phóng. Vui lòng lấy số mới tại máy.")
    if booking.day > today:
        raise CheckInRefused(f"Lịch hẹn {booking.code} là vào lúc {slot:%H:%M} ngày {booking.day:%d/%m/%Y}, không "
                             "phải hôm nay. Vui lòng quay lại đúng ngày hẹn.")
    opens = slot - CHECK_IN_EARLY
    if now < opens:
        raise CheckInRefused(f"Lịch hẹn {booking.code} lúc {slot:%H:%M}: quý khách có thể xác nhận từ "
                             f"{to_vietnam_time(opens):%H:%M}. Vui lòng chờ đến giờ.")
    taken = affected_rows(session, update(QueueBooking).where(QueueBooking.id == booking.id,
                                                              QueueBooking.status == "booked")
                          .values(status="checked_in", checked_in_at=now)
                          .execution_options(synchronize_session=False))
    if taken != 1:
        raise CheckInRefused(f"Lịch hẹn {booking.code} vừa được xác nhận ở máy khác.")
    ticket = actions.issue_ticket(session, commune=commune, field=booking.field, priority_group=None, ip=ip, now=now)
    session.execute(update(QueueBooking).where(QueueBooking.id == booking.id).values(ticket_id=ticket.id)
                    .execution_options(synchronize_session=False))
    session.refresh(booking)
    record(session, actor=_citizen_actor(commune, booking.citizen_id), action="queue.booking_checked_in", now=now,
           object_kind="queue_booking", object_id=booking.id, province_code=commune.province_code,
           commune_code=commune.code, data={"code": booking.code, "ticket": ticket.number})
    return booking


# ------------------------------------------------------------------------------------------------ worker jobs


def _sms_prefix(commune: Commune) -> str:
    return f"UBND {commune.kind} {commune.name}: "


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def remind_due(session: Session, now: datetime, grace: timedelta = NO_SHOW_GRACE) -> int:
    """The reminder SMS the day before, once per booking: ``reminded_at`` is set by a guarded UPDATE (the worker
    that changes the row queues the message) and the outbox's dedup key would absorb a second one anyway."""
    local = to_vietnam_time(now)
    if local.hour < REMINDER_FROM_HOUR:
        return 0
    tomorrow = local.date() + timedelta(days=1)
    b = QueueBooking
    due = list(session.scalars(select(b).where(b.day == tomorrow, b.status == "booked", b.reminded_at.is_(None))
                               .order_by(b.id).limit(500)))
    sent = 0
    for booking in due:
        if affected_rows(session, update(b).where(b.id == booking.id, b.reminded_at.is_(None))
                         .values(reminded_at=now).execution_options(synchronize_session=False)) != 1:
            continue
        commune = session.get(Commune, booking.commune_code)
        assert commune is not None
        slot = to_vietnam_time(booking.slot_start)
        text = (f"{_sms_prefix(commune)}Nhắc lịch hẹn {booking.code} lĩnh vực {FIELDS_BY_CODE[booking.field].label} "
                f"lúc {slot:%H:%M} ngày {slot:%d/%m/%Y} tại Trung tâm Phục vụ hành chính công. Đến trước giờ hẹn, "
                f"nhập mã tại máy lấy số. Quá {_minutes(grace)} phút lịch hẹn sẽ bị hủy.")
        enqueue(session, dedup_key=f"booking:{booking.id}:reminder", kind=NoticeKind.BOOKING_REMINDER,
                channel=Channel.SMS, recipient=booking.phone, subject="Nhắc lịch hẹn", body=strip_diacritics(text),
                now=now)
        sent += 1
    return sent


def release_no_shows(session: Session, now: datetime, grace: timedelta = NO_SHOW_GRACE) -> int:
    """Bookings not checked in by their slot's start plus ``grace``: marked no-show, their place freed."""
    b = QueueBooking
    due = list(session.scalars(select(b).where(b.status == "booked", b.slot_start <= now - grace)
                               .order_by(b.slot_start, b.id).limit(1000)))
    released = 0
    for booking in due:
        if affected_rows(session, update(b).where(b.id == booking.id, b.status == "booked")
                         .values(status="no_show", place=None, closed_at=now)
                         .execution_options(synchronize_session=False)) != 1:
            continue
        commune = session.get(Commune, booking.commune_code)
        assert commune is not None
        record(session, actor=SYSTEM, action="queue.booking_no_show", now=now, object_kind="queue_booking",
               object_id=booking.id, province_code=commune.province_code, commune_code=commune.code,
               data={"code": booking.code})
        released += 1
    return released


# ------------------------------------------------------------------------------------------------ remote tickets


def take_remote_ticket(session: Session, *, commune: Commune, field: str, phone: str, channel: str, ip: str,
                       now: datetime, source_ref: str | None = None) -> QueueTicket:
    """A ticket for today by SMS or from the portal: only while the centre is open, numbered as the kiosk numbers,
    at most ``PHONE_MAX_PER_DAY`` per phone, commune and day (a counted insert under the primary key)."""
    _check_field(field)
    phone = normalise_phone(phone)
    check_open(session, commune, now)
    digest, day = phone_digest(phone), local_day(now)
    p = QueuePhoneTicket
    for _ in range(PHONE_MAX_PER_DAY + 3):
        count = session.scalar(select(func.count()).select_from(p).where(
            p.commune_code == commune.code, p.day == day, p.phone_digest == digest)) or 0
        if count >= PHONE_MAX_PER_DAY:
            raise TooManyRequests(f"Số điện thoại này đã lấy {PHONE_MAX_PER_DAY} số trong hôm nay tại Trung tâm "
                                  f"{commune.name} (tối đa {PHONE_MAX_PER_DAY} số mỗi ngày qua tin nhắn và Cổng dịch "
                                  "vụ công). Vui lòng lấy số tại máy ở Trung tâm.", retry_after=3600)
        row = QueuePhoneTicket(commune_code=commune.code, day=day, phone_digest=digest, n=count + 1, channel=channel,
                               source_ref=source_ref, created_at=now)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        ticket = actions.issue_ticket(session, commune=commune, field=field, priority_group=None, ip=ip, now=now)
        row.ticket_id = ticket.id
        session.flush()
        return ticket
    raise Conflict("Nhiều yêu cầu lấy số cùng lúc từ số điện thoại này. Vui lòng thử lại.")



def set_capacities(session: Session, *, actor: Principal, commune: Commune, values: dict[str, int],
                   now: datetime) -> None:
    """Số lịch hẹn mỗi khung giờ, per field: by the commune's own administrator; audited."""
    if actor.kind != "system" and (not actor.has_role(Role.ADMIN) or actor.commune_code != commune.code):
        raise Forbidden("Chỉ quản trị viên của xã được đặt số lịch hẹn mỗi khung giờ.")
    for field, capacity in values.items():
        _check_field(field)
        if not 0 <= capacity <= MAX_CAPACITY:
            raise ValidationFailed(f"Số lịch hẹn mỗi khung giờ từ 0 đến {MAX_CAPACITY}.",
                                   fields={f"cap_{field}": f"Từ 0 đến {MAX_CAPACITY}."})
    upsert = dialect_insert(session, QueueSlotCapacity)
    session.execute(upsert.on_conflict_do_update(
        index_elements=[QueueSlotCapacity.commune_code, QueueSlotCapacity.field],
        set_={"capacity": upsert.excluded.capacity}),
        [{"commune_code": commune.code, "field": f, "capacity": c} for f, c in values.items()])
    record(session, actor=actor, action="queue.capacity_set", now=now, object_kind="queue_slot_capacity",
           object_id=commune.code, province_code=commune.province_code, commune_code=commune.code, data=values)


# ------------------------------------------------------------------------------------------------ tickets by SMS

SMS_KEYWORD = "LAYSO"
_SMS = re.compile(r"^\s*LAY\s*SO\s+(\d{5})\s+([A-Z]{2})\s*$")
PREFIXES = {f.prefix: f.code for f in FIELDS}
SMS_HELP = ("Sai cú pháp. Soạn: LAYSO <mã xã> <lĩnh vực>, ví dụ LAYSO 08218 HT. Lĩnh vực: "
            + ", ".join(f"{f.prefix} {f.label.lower()}" for f in FIELDS) + ".")


def answer_sms(session: Session, *, message_id: str, sender: str, text: str, now: datetime) -> str:
    """A citizen texts ``LAYSO 08218 HT``: a ticket of that field at that commune today, answered by SMS through the
    outbox (the answer to a refused request says why). A message the gateway delivers twice (same id) issues one
    ticket and queues one answer (the outbox's dedup key)."""
    ref = f"sms:{message_id}"[:64]
    if session.scalar(select(NotificationOutbox.id).where(NotificationOutbox.dedup_key == ref)) is not None:
        return "duplicate"  # answered already: the gateway retried a delivery
    match = _SMS.match(strip_diacritics(text).upper())
    commune = session.get(Commune, match.group(1)) if match else None
    field = PREFIXES.get(match.group(2)) if match else None
    prefix = "UBND xa: "
    if match is None or field is None:
        reply = SMS_HELP
    elif commune is None:
        reply = f"Không có xã mã {match.group(1)}. {SMS_HELP}"
    else:
        prefix = _sms_prefix(commune)
        try:
            with session.begin_nested():
                ticket = take_remote_ticket(session, commune=commune, field=field, phone=sender, channel="sms",
                                            ip=f"sms:{phone_digest(sender)}", now=now, source_ref=ref)
        except MotcuaError as exc:
            reply = exc.message
        else:
            reply = (f"Số thứ tự của bạn: {ticket.number} ({FIELDS_BY_CODE[field].label}), chỉ có giá trị ngày "
                     f"{ticket.day:%d/%m/%Y}. Vui lòng đến Trung tâm và chờ gọi số.")
    enqueue(session, dedup_key=ref, kind=NoticeKind.QUEUE_SMS, channel=Channel.SMS, recipient=sender,
            subject="Lấy số thứ tự", body=strip_diacritics(prefix + reply), now=now)
    return "answered"
