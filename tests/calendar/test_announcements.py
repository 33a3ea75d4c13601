"""Announcements (thông báo hoán đổi ngày làm việc): scope, validation and contradictions.

Contradictions are refused rather than resolved: which document wins is an officer's decision, and a silently
chosen winner would move due dates (Labour Code 2019 Art. 111–112; Decree 118/2025 Art. 19 deadlines).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from motcua.calendar import (
    VIETNAM_TZ,
    Announcement,
    AnnouncementConflict,
    CalendarError,
    InvalidAnnouncement,
    TimeLimit,
    WorkCalendar,
    due_date,
    shipped_announcements,
)


def ann(day: date, kind: str = "day_off", scope: str = "national", document: str = "TB 1/TEST") -> Announcement:
    return Announcement(day, kind, scope, document)


def test_province_announcement_applies_only_to_that_province() -> None:
    """A province may give its own day off (e.g. a local anniversary); other provinces keep working."""
    local = ann(date(2026, 3, 10), scope="25", document="QĐ 12/UBND-25")
    national = WorkCalendar(None, [local])
    phu_tho = WorkCalendar("25", [local])
    ha_noi = WorkCalendar("01", [local])
    assert national.is_workday(date(2026, 3, 10))
    assert ha_noi.is_workday(date(2026, 3, 10))
    assert not phu_tho.is_workday(date(2026, 3, 10))
    receipt = datetime(2026, 3, 9, 9, 0, tzinfo=VIETNAM_TZ)
    limit = TimeLimit(1, "working_days")
    assert due_date(receipt, limit, ha_noi) == date(2026, 3, 10)
    assert due_date(receipt, limit, phu_tho) == date(2026, 3, 11)


def test_province_calendar_keeps_national_announcements() -> None:
    cal = WorkCalendar("01", [*shipped_announcements(), ann(date(2026, 3, 10), scope="01")])
    assert not cal.is_workday(date(2026, 1, 2))  # national CV 12729/VPCP-KGVX
    assert not cal.is_workday(date(2026, 3, 10))


def test_identical_records_are_one_announcement() -> None:
    one = ann(date(2026, 3, 10))
    assert WorkCalendar(None, [one, one]).announcements == (one,)


CONFLICTS = [
    pytest.param([ann(date(2026, 3, 14), "make_up_workday"), ann(date(2026, 3, 14), "day_off")],
                 "both as a day off and as a make-up", id="same-day-off-and-make-up"),
    pytest.param([ann(date(2026, 3, 14), "make_up_workday"), ann(date(2026, 3, 14), "day_off", "25")],
                 "both as a day off and as a make-up", id="national-make-up-vs-province-off"),
    pytest.param([ann(date(2026, 3, 10)), ann(date(2026, 3, 10), document="TB 2/TEST")],
                 "announced twice", id="announced-twice"),
    pytest.param([ann(date(2026, 3, 11), "make_up_workday")], "already a working day",
                 id="make-up-on-a-wednesday"),
    pytest.param([ann(date(2025, 4, 26), "make_up_workday")], "already a working day",
                 id="make-up-already-in-package"),
    pytest.param([ann(date(2027, 5, 1), "make_up_workday")], "public holiday", id="make-up-on-saturday-holiday"),
    pytest.param([ann(date(2026, 1, 1))], "already a public holiday", id="off-on-new-year"),
    pytest.param([ann(date(2025, 5, 2))], "already a public holiday", id="off-already-in-package"),
    pytest.param([ann(date(2026, 3, 15))], "already a weekend day", id="off-on-a-sunday"),
]


@pytest.mark.parametrize(("announcements", "english"), CONFLICTS)
def test_contradictions_are_refused(announcements: list[Announcement], english: str) -> None:
    with pytest.raises(AnnouncementConflict) as info:
        WorkCalendar("25", announcements)
    assert english in str(info.value)
    assert info.value.message.startswith("Ngày ")  # Vietnamese message for the officer
    assert isinstance(info.value, CalendarError) and isinstance(info.value, ValueError)


def test_other_provinces_conflicts_do_not_block_this_calendar() -> None:
    clash = [ann(date(2026, 3, 14), "make_up_workday", "79"), ann(date(2026, 3, 14), "day_off", "79")]
    WorkCalendar("01", clash)  # Hà Nội does not read Hồ Chí Minh City's records
    with pytest.raises(AnnouncementConflict):
        WorkCalendar("79", clash)


def test_announcements_outside_the_range_are_ignored() -> None:
    """No date outside the range can be asked for, so they cannot change an answer."""
    cal = WorkCalendar(None, [ann(date(2040, 3, 13))])
    assert cal.announcements == ()


@pytest.mark.parametrize(
    ("kwargs", "english"),
    [
        ({"kind": "holiday"}, "unknown announcement kind"),
        ({"scope": "HN"}, "two-digit province code"),
        ({"scope": ""}, "two-digit province code"),
        ({"document": "  "}, "no source document"),
        ({"day": datetime(2026, 3, 10, tzinfo=VIETNAM_TZ)}, "must be a date"),
    ],
)
def test_malformed_announcements(kwargs: dict[str, object], english: str) -> None:
    base: dict[str, object] = {"day": date(2026, 3, 10), "kind": "day_off", "scope": "national", "document": "X"}
    with pytest.raises(InvalidAnnouncement, match=english) as info:
        Announcement(**{**base, **kwargs})
    assert info.value.message


def test_calendar_province_must_be_a_code() -> None:
    with pytest.raises(CalendarError):
        WorkCalendar("Hà Nội")


def test_a_holidays_release_that_catches_up_with_a_shipped_swap_changes_nothing(monkeypatch) -> None:
    """CV 12729/VPCP-KGVX (Fri 2 Jan 2026 off, Sat 10 Jan worked) is shipped because holidays 0.109 lacks it.
    If a later release adds it, the shipped record must become a no-op, not an AnnouncementConflict."""
    from motcua.calendar import workdays
    from motcua.calendar.holidays_vn import StatutoryCalendar, statutory_calendar

    real = statutory_calendar(2020, 2035)
    newer = StatutoryCalendar(
        holidays={**real.holidays, date(2026, 1, 2): "Ngày nghỉ (thay cho ngày 10/01/2026)"},
        weekend_workdays=real.weekend_workdays | {date(2026, 1, 10)},
    )
    monkeypatch.setattr(workdays, "statutory_calendar", lambda first, last: newer)
    calendar = WorkCalendar()
    assert not calendar.is_workday(date(2026, 1, 2))
    assert calendar.is_workday(date(2026, 1, 10))
    # An administrator's own redundant record is still refused: it is a mistake to point out.
    with pytest.raises(AnnouncementConflict):
        WorkCalendar(announcements=[Announcement(date(2026, 1, 2), "day_off", "national", "CV 1/UBND")])
