"""The front desk's second slice (issue 18): opening hours, appointments with a capacity per slot, check-in at the
kiosk, the reminder the day before, no-shows released after the grace period, tickets by SMS and from the portal with
a per-phone limit. Each rule with the Vietnamese message the citizen reads."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.calendar.hours import VIETNAM_TZ
from motcua.kit.errors import TooManyRequests, ValidationFailed
from motcua.notify.models import NoticeKind, NotificationOutbox
from motcua.org.models import Commune
from motcua.queue import booking, hours
from motcua.queue.booking import CheckInRefused, OutsideHours, SlotFull
from motcua.queue.booking_models import QueueBooking, QueueOpeningHours
from motcua.queue.hours import CentreClosed
from motcua.queue.models import QueueTicket
from tests.factories import CHI_TIEN, other_commune

MORNING = (time(7, 30), time(11, 30))
SATURDAY_MORNING = [(), (), (), (), (), (MORNING,), ()]


def vn(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    """An instant in Hà Nội; 23 November 2026 is a Monday, the 24th a holiday (Ngày Văn hóa Việt Nam)."""
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM_TZ)


def chi_tien(session: Session) -> Commune:
    commune = session.get(Commune, CHI_TIEN)
    assert commune is not None
    return commune


def with_saturday(session: Session) -> Commune:
    """Chí Tiên's own week: the default weekdays and Saturday morning."""
    commune = chi_tien(session)
    week = [tuple(d) for d in hours.DEFAULT_WEEK]
    week[5] = (MORNING,)
    hours.set_week(session, actor=SYSTEM, province_code="25", commune=commune, week=week, now=vn(20, 9))
    return commune


def book(session: Session, at: datetime, *, phone: str = "0912000101", field: str = "civil_status",
         now: datetime | None = None, commune: Commune | None = None) -> QueueBooking:
    return booking.book(session, commune=commune or chi_tien(session), field=field, slot_start=at, name="Nguyễn Văn An",
                        phone=phone, citizen_id=None, now=now or vn(20, 9))


# ------------------------------------------------------------------------------------------------ opening hours


def test_default_hours_are_weekday_sessions_and_a_commune_may_open_saturday_morning(session):
    """Without any row: Monday–Friday 07:30–11:30 and 13:30–17:00; a commune's own week replaces the default as a
    whole (Chí Tiên opens Saturday mornings), and another commune keeps the default."""
    commune = chi_tien(session)
    assert hours.is_open(session, commune, vn(23, 10)) and hours.is_open(session, commune, vn(23, 13, 30))
    assert not hours.is_open(session, commune, vn(23, 12)) and not hours.is_open(session, commune, vn(23, 17))
    assert not hours.is_open(session, commune, vn(28, 9))  # Saturday
    with_saturday(session)
    assert hours.sessions_on(session, commune, date(2026, 11, 28)) == (MORNING,)
    assert hours.is_open(session, commune, vn(28, 9)) and not hours.is_open(session, commune, vn(28, 14))
    other = session.get(Commune, other_commune(session))
    assert other is not None and not hours.is_open(session, other, vn(28, 9))


def test_the_province_default_applies_to_communes_without_their_own_week(session):
    commune = chi_tien(session)
    hours.set_week(session, actor=SYSTEM, province_code="25", commune=None, now=vn(20, 9),
                   week=[((time(8, 0), time(11, 0)),)] * 5 + [(), ()])
    assert hours.week_of(session, commune).source == "province"
    assert not hours.is_open(session, commune, vn(23, 7, 45)) and hours.is_open(session, commune, vn(23, 8))
    assert not hours.is_open(session, commune, vn(23, 14))


def test_closed_on_the_legal_calendars_holidays_even_on_an_opening_weekday(session):
    """Tết Dương lịch (1 January 2027, a Friday) is a holiday (Labour Code 2019 Art. 112): the centre is closed, and
    the kiosk's message names the next opening (Monday 4 January, 07:30)."""
    commune = chi_tien(session)
    assert hours.sessions_on(session, commune, date(2027, 1, 1)) == ()
    message = hours.closed_message(session, commune, vn(1, 9, month=1, year=2027))
    assert message is not None and "mở cửa lại lúc 07:30 Thứ Hai, 04/01/2027" in message


def test_no_ticket_by_sms_or_portal_outside_opening_hours(session):
    with pytest.raises(CentreClosed, match=r"hiện ngoài giờ tiếp nhận nên chưa cấp số\. Trung tâm mở cửa lại lúc "
                                           "13:30 Thứ Hai, 23/11/2026"):
        booking.take_remote_ticket(session, commune=chi_tien(session), field="land", phone="0912000101",
                                   channel="portal", ip="192.0.2.1", now=vn(23, 12))


# ------------------------------------------------------------------------------------------------ booking


def test_a_booking_outside_opening_hours_is_refused(session):
    """A slot must be one of the opening hours' 30-minute slots: not at lunch, not on a Saturday the centre is
    closed, not in the past."""
    with pytest.raises(OutsideHours, match="Khung giờ 12:00 ngày 25/11/2026 nằm ngoài giờ mở cửa của Trung tâm"):
        book(session, vn(25, 12))
    with pytest.raises(OutsideHours, match="nằm ngoài giờ mở cửa"):
        book(session, vn(28, 8))
    with pytest.raises(OutsideHours, match="nằm ngoài giờ mở cửa"):
        book(session, vn(25, 8, 10))  # not a slot's start
    with pytest.raises(OutsideHours, match="Khung giờ 08:00 ngày 20/11/2026 đã qua"):
        book(session, vn(20, 8), now=vn(20, 9))
    assert book(session, vn(25, 16, 30)).slot_end == vn(25, 17)  # the last slot of the afternoon


def test_a_full_slot_is_refused_and_a_cancellation_gives_the_place_back(session):
    commune = chi_tien(session)
    booking.set_capacities(session, actor=SYSTEM, commune=commune, values={"civil_status": 2}, now=vn(20, 9))
    first = book(session, vn(25, 8), phone="0912000101")
    book(session, vn(25, 8), phone="0912000102")
    with pytest.raises(SlotFull, match="Khung giờ 08:00–08:30 ngày 25/11/2026 của lĩnh vực Hộ tịch đã hết chỗ "
                                       r"\(2 lịch hẹn\). Vui lòng chọn khung giờ khác."):
        book(session, vn(25, 8), phone="0912000103")
    assert book(session, vn(25, 8), field="land", phone="0912000103").field == "land"  # another field's places
    booking.cancel(session, booking=first, now=vn(20, 10))
    assert (first.status, first.place) == ("cancelled", None)
    assert book(session, vn(25, 8), phone="0912000103").place == 1
    slots = {s.label: s.free for s in booking.slots_on(session, commune, "civil_status", date(2026, 11, 25))}
    assert slots["08:00–08:30"] == 0 and slots["08:30–09:00"] == 2


def test_one_phone_holds_at_most_three_open_bookings(session):
    for hour in (8, 9, 10):
        book(session, vn(25, hour))
    with pytest.raises(TooManyRequests, match="Số điện thoại này đang có 3 lịch hẹn chưa đến"):
        book(session, vn(26, 8))
    assert book(session, vn(26, 8), phone="0912000102").status == "booked"


def test_bad_name_and_phone_have_their_messages(session):
    with pytest.raises(ValidationFailed, match="Số điện thoại phải gồm 10 chữ số"):
        book(session, vn(25, 8), phone="12345")
    with pytest.raises(ValidationFailed, match="Vui lòng nhập họ và tên"):
        booking.book(session, commune=chi_tien(session), field="land", slot_start=vn(25, 8), name="  ",
                     phone="0912000101", citizen_id=None, now=vn(20, 9))
    assert book(session, vn(25, 8), phone="+84 912 000 101").phone == "0912000101"


# ------------------------------------------------------------------------------------------------ check-in


def test_check_in_turns_the_booking_into_a_ticket_numbered_as_the_kiosk(session):
    """On its day, from 30 minutes before the slot: the booking becomes a ticket of its field, next in the kiosk's
    sequence; a second check-in says the number it already has."""
    commune = chi_tien(session)
    row = book(session, vn(25, 9))
    booking.take_remote_ticket(session, commune=commune, field="civil_status", phone="0912000199", channel="portal",
                               ip="192.0.2.9", now=vn(25, 8))  # HT-001, a walk-in from the portal
    with pytest.raises(CheckInRefused, match=f"Lịch hẹn {row.code} lúc 09:00: quý khách có thể xác nhận từ 08:30"):
        booking.check_in(session, commune=commune, key=row.code, ip="192.0.2.1", now=vn(25, 8, 29))
    done = booking.check_in(session, commune=commune, key=row.code.lower(), ip="192.0.2.1", now=vn(25, 8, 30))
    ticket = session.get(QueueTicket, done.ticket_id)
    assert done.status == "checked_in" and ticket is not None and ticket.number == "HT-002"
    with pytest.raises(CheckInRefused, match="Số thứ tự của quý khách là HT-002"):
        booking.check_in(session, commune=commune, key=row.code, ip="192.0.2.1", now=vn(25, 8, 31))


def test_check_in_by_phone_takes_todays_booking(session):
    commune = chi_tien(session)
    book(session, vn(26, 10), phone="0912000101")
    today = book(session, vn(25, 10), phone="0912000101")
    done = booking.check_in(session, commune=commune, key="0912 000 101", ip="192.0.2.1", now=vn(25, 9, 50))
    assert done.id == today.id
    with pytest.raises(CheckInRefused, match="Không có lịch hẹn nào với số điện thoại này"):
        booking.check_in(session, commune=commune, key="0912000777", ip="192.0.2.1", now=vn(25, 9, 50))


def test_yesterdays_or_tomorrows_booking_is_not_checked_in(session):
    """A booking is valid on its day only: yesterday's is over, tomorrow's waits for its day; another commune's
    code is unknown here."""
    commune = chi_tien(session)
    row = book(session, vn(25, 16))
    with pytest.raises(CheckInRefused, match=f"Lịch hẹn {row.code} là của ngày 25/11/2026, đã qua nên không còn "
                                             "hiệu lực"):
        booking.check_in(session, commune=commune, key=row.code, ip="192.0.2.1", now=vn(26, 8))
    with pytest.raises(CheckInRefused, match="là vào lúc 16:00 ngày 25/11/2026, không phải hôm nay"):
        booking.check_in(session, commune=commune, key=row.code, ip="192.0.2.1", now=vn(23, 16))
    other = session.get(Commune, other_commune(session))
    assert other is not None
    with pytest.raises(CheckInRefused, match=f"Không tìm thấy lịch hẹn {row.code} tại Trung tâm"):
        booking.check_in(session, commune=other, key=row.code, ip="192.0.2.1", now=vn(25, 16))
    assert session.get(QueueBooking, row.id).status == "booked"


# ------------------------------------------------------------------------------------------------ the worker's jobs


def _reminders(session: Session) -> list[NotificationOutbox]:
    return list(session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.kind == NoticeKind.BOOKING_REMINDER.value)))


def test_the_reminder_goes_once_the_day_before_from_seven_in_the_morning(session):
    """One SMS per booking, the day before (not in the night, not two days before, not twice)."""
    row = book(session, vn(26, 9))
    book(session, vn(27, 9), phone="0912000102")
    assert booking.remind_due(session, vn(25, 6, 59)) == 0
    assert booking.remind_due(session, vn(23, 10)) == 0  # two days before
    assert booking.remind_due(session, vn(25, 7)) == 1
    assert booking.remind_due(session, vn(25, 15)) == 0
    [sms] = _reminders(session)
    assert sms.recipient == "0912000101" and sms.channel == "sms" and sms.body.isascii()
    assert f"Nhac lich hen {row.code}" in sms.body and "luc 09:00 ngay 26/11/2026" in sms.body
    assert sms.body.startswith("UBND xa Chi Tien: ")


def test_a_no_show_is_released_after_the_grace_period_and_its_place_freed(session):
    """Not checked in by the slot's start + 15 minutes: marked no-show, its place goes back to walk-ins and bookers,
    and a late check-in is refused with the reason."""
    commune = chi_tien(session)
    booking.set_capacities(session, actor=SYSTEM, commune=commune, values={"civil_status": 1}, now=vn(20, 9))
    row = book(session, vn(25, 9))
    assert booking.release_no_shows(session, vn(25, 9, 14)) == 0
    with pytest.raises(SlotFull):
        book(session, vn(25, 9), phone="0912000102", now=vn(25, 8))
    assert booking.release_no_shows(session, vn(25, 9, 15)) == 1
    session.refresh(row)
    assert (row.status, row.place) == ("no_show", None)
    assert booking.release_no_shows(session, vn(25, 9, 30)) == 0
    with pytest.raises(CheckInRefused, match="đã quá 15 phút nên chỗ đã được giải phóng"):
        booking.check_in(session, commune=commune, key=row.code, ip="192.0.2.1", now=vn(25, 9, 16))
    free = booking.slots_on(session, commune, "civil_status", date(2026, 11, 25))
    assert next(s for s in free if s.label == "09:00–09:30").free == 1


# ------------------------------------------------------------------------------------------------ per-phone limit


def test_three_tickets_a_day_per_phone_by_sms_or_portal(session):
    """Kiosk spamming by phone: 3 tickets a day per phone and commune over SMS and the portal together; another phone
    is not counted, and the next day starts again."""
    commune = chi_tien(session)

    def take(phone: str, now: datetime, channel: str = "portal") -> QueueTicket:
        return booking.take_remote_ticket(session, commune=commune, field="land", phone=phone, channel=channel,
                                          ip="192.0.2.1", now=now)

    assert [take("0912000101", vn(23, 9), c).number for c in ("portal", "sms", "portal")] == \
        ["DD-001", "DD-002", "DD-003"]
    with pytest.raises(TooManyRequests, match="Số điện thoại này đã lấy 3 số trong hôm nay tại Trung tâm Chí Tiên"):
        take("0912000101", vn(23, 10))
    assert take("0912000102", vn(23, 10)).number == "DD-004"
    assert take("0912000101", vn(25, 9)).number == "DD-001"
    assert session.scalar(select(func.count()).select_from(QueueTicket)) == 5


def test_an_sms_asks_for_a_ticket_and_the_answer_goes_through_the_outbox(session):
    """``LAYSO 08218 HT``: a ticket of Hộ tịch at Chí Tiên, answered by SMS (plain ASCII) with its number; the same
    message delivered twice issues one ticket; a wrong syntax is answered with the syntax."""
    outcome = booking.answer_sms(session, message_id="MO1", sender="0912000101", text="layso 08218 ht", now=vn(23, 9))
    assert outcome == "answered"
    assert booking.answer_sms(session, message_id="MO1", sender="0912000101", text="LAYSO 08218 HT",
                              now=vn(23, 9)) == "duplicate"
    booking.answer_sms(session, message_id="MO2", sender="0912000101", text="LAY SO 08218", now=vn(23, 9))
    booking.answer_sms(session, message_id="MO3", sender="0912000101", text="LAYSO 08218 HT", now=vn(23, 20))
    answers = {r.dedup_key: r.body for r in session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.kind == NoticeKind.QUEUE_SMS.value))}
    assert "So thu tu cua ban: HT-001 (Ho tich), chi co gia tri ngay 23/11/2026" in answers["sms:MO1"]
    assert "Sai cu phap. Soan: LAYSO <ma xa> <linh vuc>, vi du LAYSO 08218 HT" in answers["sms:MO2"]
    assert "ngoai gio tiep nhan" in answers["sms:MO3"] and "07:30 Thu Tu, 25/11/2026" in answers["sms:MO3"]
    assert all(body.isascii() for body in answers.values())
    assert session.scalar(select(func.count()).select_from(QueueTicket)) == 1


def test_the_demo_keeps_the_default_week_and_chi_tien_opens_saturday_mornings(session):
    """``motcua demo-data``: the province's default week is stored, Chí Tiên (the demo's front desk) has its own with
    Saturday morning; loading again changes nothing."""
    from motcua.demo.org import demo_opening_hours  # what load_demo_org runs for Chí Tiên (a minute to load all)

    demo_opening_hours(session, "25", [chi_tien(session)], vn(20, 9))
    demo_opening_hours(session, "25", [chi_tien(session)], vn(21, 9))
    commune = chi_tien(session)
    assert hours.province_week(session, "25").source == "province"
    assert hours.week_of(session, commune).source == "commune"
    assert hours.sessions_on(session, commune, date(2026, 11, 28)) == (MORNING,)
    other = session.get(Commune, other_commune(session))
    assert other is not None and hours.week_of(session, other).source == "province"
    assert hours.sessions_on(session, other, date(2026, 11, 28)) == ()
    assert session.scalar(select(func.max(QueueOpeningHours.updated_at))) == vn(20, 9)  # the second load kept them
