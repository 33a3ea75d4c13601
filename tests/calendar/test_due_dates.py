"""Due dates (ngày hẹn trả kết quả) — each case names its rule.

Conventions under test (see ``motcua.calendar.deadlines``): the due instant is the end of the office day
(17:00 local by default); receipt outside working time counts from the next working time; Civil Code 2015
Art. 147–148 for terms in days and months; Decree 118/2025 Art. 17(2) for working hours; the 15:00 rule for
same-day procedures and paper transfers (Art. 18, 20(2)).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from motcua.calendar import (
    VIETNAM_TZ,
    CalendarError,
    CalendarRangeError,
    InvalidDates,
    InvalidTimeLimit,
    InvalidWorkingHours,
    NaiveDatetimeError,
    NegativeTimeLimit,
    OpeningHours,
    TimeLimit,
    UnknownTimeUnit,
    WorkingHours,
    add_working_days,
    calendar_for,
    due_date,
    due_instant,
    next_working_time,
    paper_transfer_deadline,
    working_time_between,
)

CAL = calendar_for()


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=VIETNAM_TZ)


def local(instant: datetime) -> datetime:
    assert instant.tzinfo is UTC, "due instants are returned in UTC"
    return instant.astimezone(VIETNAM_TZ)


WD = "working_days"

DUE_CASES = [
    # (receipt, limit, expected local due, rule)
    (vn(2026, 2, 13, 10), TimeLimit(3, WD), vn(2026, 2, 25, 17), "working days across Tết 2026 (off 14–22/2)"),
    (vn(2025, 1, 24, 10), TimeLimit(2, WD), vn(2025, 2, 4, 17), "working days across Tết 2025 (off 25/1–2/2)"),
    (vn(2026, 1, 5, 10), TimeLimit(1, WD), vn(2026, 1, 6, 17), "Civil Code Art. 147(2): first day not counted"),
    (vn(2026, 1, 5, 10), TimeLimit(0, WD), vn(2026, 1, 5, 17), "0 working days: end of the receipt day"),
    (vn(2026, 1, 5, 16, 59), TimeLimit(1, WD), vn(2026, 1, 6, 17), "received before closing: that day"),
    (vn(2026, 1, 5, 17), TimeLimit(1, WD), vn(2026, 1, 7, 17), "received at closing: counts from next day"),
    (vn(2026, 1, 5, 17, 30), TimeLimit(1, WD), vn(2026, 1, 7, 17), "after hours: next working time"),
    (vn(2026, 1, 5, 6, 0), TimeLimit(1, WD), vn(2026, 1, 6, 17), "before opening: that working day"),
    (vn(2026, 1, 5, 12, 0), TimeLimit(1, WD), vn(2026, 1, 6, 17), "lunch break: that working day"),
    (vn(2026, 1, 3, 10), TimeLimit(1, WD), vn(2026, 1, 6, 17), "on a Saturday: counts from Monday"),
    (vn(2026, 1, 1, 10), TimeLimit(1, WD), vn(2026, 1, 6, 17), "on New Year + CV 12729 day off: from Mon 5/1"),
    (vn(2026, 1, 9, 10), TimeLimit(1, WD), vn(2026, 1, 10, 17), "CV 12729: Sat 10/1/2026 is a working day"),
    (vn(2026, 1, 10, 9), TimeLimit(1, WD), vn(2026, 1, 12, 17), "received on the make-up Saturday"),
    (vn(2026, 4, 24, 10), TimeLimit(1, WD), vn(2026, 4, 28, 17), "Art. 111(3): Hùng Kings Sun 26/4 → Mon 27/4 off"),
    (vn(2026, 8, 21, 10), TimeLimit(1, WD), vn(2026, 8, 22, 17), "2026 swap: Sat 22/8 worked"),
    (vn(2026, 8, 28, 10), TimeLimit(1, WD), vn(2026, 9, 3, 17), "2026 swap: Mon 31/8 off; 1–2/9 National Day"),
    (vn(2026, 11, 23, 10), TimeLimit(1, WD), vn(2026, 11, 25, 17), "24/11/2026 Culture Day"),
    # same day (trả trong ngày) — the 15:00 rule
    (vn(2026, 1, 5, 14, 59), TimeLimit(0, "same_day"), vn(2026, 1, 5, 17), "same day: before 15:00"),
    (vn(2026, 1, 5, 15, 0), TimeLimit(0, "same_day"), vn(2026, 1, 5, 17), "same day: at 15:00:00 is not after"),
    (vn(2026, 1, 5, 15, 0, 1), TimeLimit(1, "same_day"), vn(2026, 1, 6, 17), "same day: after 15:00 → next day"),
    (vn(2025, 12, 31, 16), TimeLimit(0, "same_day"), vn(2026, 1, 5, 17), "after 15:00 before New Year + swap"),
    (vn(2026, 1, 9, 15, 30), TimeLimit(0, "same_day"), vn(2026, 1, 10, 17), "after 15:00 Fri → make-up Sat"),
    (vn(2026, 1, 17, 9), TimeLimit(0, "same_day"), vn(2026, 1, 19, 17), "same day on a Saturday → Monday"),
    (vn(2026, 1, 5, 5, 0), TimeLimit(0, "same_day"), vn(2026, 1, 5, 17), "same day before opening"),
    # working hours (Decree 118 Art. 17(2))
    (vn(2026, 1, 5, 7, 30), TimeLimit(8, "working_hours"), vn(2026, 1, 5, 17), "8 h from opening end at closing"),
    (vn(2026, 1, 5, 15), TimeLimit(8, "working_hours"), vn(2026, 1, 6, 15), "8 h overnight"),
    (vn(2026, 1, 5, 11), TimeLimit(2, "working_hours"), vn(2026, 1, 5, 14, 30), "2 h across lunch"),
    (vn(2026, 1, 5, 12), TimeLimit(8, "working_hours"), vn(2026, 1, 6, 11, 30), "received at lunch: from 13:00"),
    (vn(2026, 1, 5, 18), TimeLimit(8, "working_hours"), vn(2026, 1, 6, 17), "received after hours"),
    (vn(2026, 1, 16, 15), TimeLimit(8, "working_hours"), vn(2026, 1, 19, 15), "8 h across a weekend"),
    (vn(2026, 1, 16, 17, 30), TimeLimit(2, "working_hours"), vn(2026, 1, 19, 9, 30), "2 h alert, filed Fri night"),
    (vn(2026, 1, 9, 15), TimeLimit(8, "working_hours"), vn(2026, 1, 10, 15), "8 h into the make-up Saturday"),
    (vn(2026, 2, 13, 16), TimeLimit(8, "working_hours"), vn(2026, 2, 23, 16), "8 h across Tết"),
    (vn(2026, 1, 5, 8), TimeLimit(Decimal("1.5"), "working_hours"), vn(2026, 1, 5, 9, 30), "fractional hours"),
    # calendar days and months (Civil Code Art. 148(3), (5))
    (vn(2026, 1, 5, 10), TimeLimit(6, "calendar_days"), vn(2026, 1, 12, 17), "last day Sunday → Monday"),
    (vn(2026, 1, 5, 10), TimeLimit(5, "calendar_days"), vn(2026, 1, 10, 17), "last day a make-up Saturday stays"),
    (vn(2026, 2, 10, 10), TimeLimit(5, "calendar_days"), vn(2026, 2, 23, 17), "last day in Tết → after Tết"),
    (vn(2026, 1, 31, 10), TimeLimit(1, "months"), vn(2026, 3, 2, 17), "31/1 + 1 month = 28/2 (Sat) → Mon 2/3"),
    (vn(2026, 1, 15, 10), TimeLimit(1, "months"), vn(2026, 2, 23, 17), "15/1 + 1 month = 15/2 in Tết → 23/2"),
    (vn(2026, 4, 30, 10), TimeLimit(1, "months"), vn(2026, 6, 4, 17), "received on 30/4: counts from Mon 4/5"),
    (vn(2027, 12, 31, 10), TimeLimit(2, "months"), vn(2028, 2, 29, 17), "leap year: 31/12 + 2 months = 29/2"),
]


@pytest.mark.parametrize(("receipt", "limit", "expected", "rule"), DUE_CASES, ids=[c[3] for c in DUE_CASES])
def test_due_instant(receipt: datetime, limit: TimeLimit, expected: datetime, rule: str) -> None:
    due = due_instant(receipt, limit, CAL)
    assert local(due) == expected, rule
    assert due_date(receipt, limit, CAL) == expected.date(), rule
    assert CAL.is_workday(expected.date()), "a due date is always a working day"


def test_receipt_in_any_time_zone_is_read_in_vietnam() -> None:
    """House rule 5: instants are compared, not wall clocks — 11:00 UTC is 18:00 in Hà Nội, after hours."""
    limit = TimeLimit(1, WD)
    assert local(due_instant(datetime(2026, 1, 5, 3, 0, tzinfo=UTC), limit, CAL)) == vn(2026, 1, 6, 17)
    assert local(due_instant(datetime(2026, 1, 5, 11, 0, tzinfo=UTC), limit, CAL)) == vn(2026, 1, 7, 17)
    paris = datetime(2026, 1, 5, 4, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 10:00 in Viet Nam
    assert local(due_instant(paris, limit, CAL)) == vn(2026, 1, 6, 17)
    assert due_instant(paris, limit, CAL) == datetime(2026, 1, 6, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "expected", "rule"),
    [
        (vn(2026, 1, 5, 14), vn(2026, 1, 5, 17), "Art. 20(2): the same working day"),
        (vn(2026, 1, 5, 15), vn(2026, 1, 5, 17), "at 15:00 still the same day"),
        (vn(2026, 1, 5, 15, 30), vn(2026, 1, 6, 7, 30), "after 15:00: start of the next working day"),
        (vn(2026, 1, 5, 18), vn(2026, 1, 6, 7, 30), "after hours: start of the next working day"),
        (vn(2026, 2, 13, 15, 30), vn(2026, 2, 23, 7, 30), "after 15:00 before Tết 2026: after Tết"),
        (vn(2026, 1, 9, 15, 30), vn(2026, 1, 10, 7, 30), "after 15:00 Friday: the make-up Saturday"),
        (vn(2026, 1, 3, 10), vn(2026, 1, 5, 17), "received on a Saturday: handled Monday"),
    ],
)
def test_paper_transfer_deadline(received: datetime, expected: datetime, rule: str) -> None:
    assert local(paper_transfer_deadline(received, CAL)) == expected, rule


def test_province_working_hours_move_the_due_instant() -> None:
    """Working hours are the province's (provincial People's Committee decision)."""
    hours = WorkingHours.parse("08:00-12:00, 13:30-17:30")
    assert hours.day_length == timedelta(hours=8)
    assert local(due_instant(vn(2026, 1, 5, 10), TimeLimit(1, WD), CAL, hours)) == vn(2026, 1, 6, 17, 30)
    assert local(due_instant(vn(2026, 1, 5, 8), TimeLimit(5, "working_hours"), CAL, hours)) == vn(
        2026, 1, 5, 14, 30
    )
    assert local(due_instant(vn(2026, 1, 5, 17), TimeLimit(1, WD), CAL, hours)) == vn(2026, 1, 6, 17, 30)


def test_working_time_between_and_next_working_time() -> None:
    assert working_time_between(vn(2026, 1, 5, 11), vn(2026, 1, 5, 14), CAL, WorkingHours()) == 1.5 * 3600e6
    assert working_time_between(vn(2026, 1, 16, 16), vn(2026, 1, 19, 8), CAL, WorkingHours()) == 1.5 * 3600e6
    assert next_working_time(vn(2026, 1, 5, 12), CAL, WorkingHours()) == vn(2026, 1, 5, 13)
    assert next_working_time(vn(2026, 1, 5, 9), CAL, WorkingHours()) == vn(2026, 1, 5, 9)
    assert next_working_time(vn(2025, 12, 31, 17), CAL, WorkingHours()) == vn(2026, 1, 5, 7, 30)


def test_saturday_opening_does_not_make_saturday_a_working_day() -> None:
    """docs/legal.md §4: a centre open on Saturday morning serves citizens, but deadlines still skip Saturday."""
    opening = OpeningHours.standard(saturday=[(time(7, 30), time(11, 30))])
    assert opening.is_open(vn(2026, 1, 17, 9), CAL)
    assert not opening.is_open(vn(2026, 1, 17, 14), CAL)
    assert not opening.is_open(vn(2026, 1, 18, 9), CAL)  # Sunday
    assert not CAL.is_workday(date(2026, 1, 17))
    assert local(due_instant(vn(2026, 1, 17, 9), TimeLimit(1, WD), CAL)) == vn(2026, 1, 20, 17)
    assert not opening.is_open(vn(2027, 5, 1, 9), CAL)  # a Saturday that is a public holiday: closed
    assert not opening.is_open(vn(2026, 1, 2, 9), CAL)  # announced day off: closed
    assert opening.is_open(vn(2026, 1, 10, 14), CAL)  # make-up Saturday: full working hours
    assert opening.intervals_on(date(2026, 1, 10), CAL) == WorkingHours().intervals


def test_vectorised_add_working_days_matches_scalar() -> None:
    days = np.array(["2026-01-01", "2026-01-09", "2026-02-13", "2026-04-25", "2026-08-21"], dtype="datetime64[D]")
    steps = np.array([1, 1, 3, 1, 0])
    out = add_working_days(days, steps, CAL)
    expected = [CAL.add_working_days(d.astype(date), int(n)) for d, n in zip(days, steps, strict=True)]
    assert out.astype(date).tolist() == expected
    assert out.dtype == np.dtype("datetime64[D]")


# ----------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: TimeLimit(-1, WD), NegativeTimeLimit),
        (lambda: TimeLimit(Decimal("-0.5"), "working_hours"), NegativeTimeLimit),
        (lambda: TimeLimit(3, "weeks"), UnknownTimeUnit),
        (lambda: TimeLimit.from_catalogue(3, "tuần"), UnknownTimeUnit),
        (lambda: TimeLimit(1.5, "working_hours"), InvalidTimeLimit),
        (lambda: TimeLimit(True, WD), InvalidTimeLimit),
        (lambda: TimeLimit(Decimal("1.5"), WD), InvalidTimeLimit),
        (lambda: TimeLimit(Decimal("NaN"), "working_hours"), InvalidTimeLimit),
        (lambda: TimeLimit(2, "same_day"), InvalidTimeLimit),
        (lambda: TimeLimit(Decimal("1E-12"), "working_hours"), InvalidTimeLimit),
    ],
)
def test_bad_time_limits(make: Callable[[], object], error: type[CalendarError]) -> None:
    with pytest.raises(error) as info:
        make()
    err = info.value
    assert isinstance(err, ValueError)  # bad input, never a 500
    assert isinstance(err, CalendarError)
    assert err.message


def test_catalogue_labels() -> None:
    assert TimeLimit.from_catalogue(3, "Ngày làm việc") == TimeLimit(3, WD)
    assert TimeLimit.from_catalogue(8, "giờ") == TimeLimit(8, "working_hours")
    assert TimeLimit.from_catalogue(15, "ngày") == TimeLimit(15, "calendar_days")
    assert TimeLimit.from_catalogue(Decimal("2"), "tháng") == TimeLimit(2, "months")


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 1, 5, 10)
    for call in (
        lambda: due_instant(naive, TimeLimit(1, WD), CAL),
        lambda: due_instant(naive, TimeLimit(8, "working_hours"), CAL),
        lambda: paper_transfer_deadline(naive, CAL),
    ):
        with pytest.raises(NaiveDatetimeError) as info:
            call()
        assert "múi giờ" in info.value.message


def test_dates_outside_the_supported_range() -> None:
    with pytest.raises(CalendarRangeError):
        due_instant(vn(2019, 12, 31, 10), TimeLimit(1, WD), CAL)
    with pytest.raises(CalendarRangeError):
        due_instant(vn(2035, 12, 28, 10), TimeLimit(10, WD), CAL)  # result after 2035
    with pytest.raises(CalendarRangeError):
        due_instant(vn(2035, 12, 1, 10), TimeLimit(2, "months"), CAL)
    with pytest.raises(CalendarRangeError):
        due_instant(vn(2030, 1, 1, 10), TimeLimit(10**9, "calendar_days"), CAL)
    with pytest.raises(CalendarRangeError):
        CAL.is_workday(date(2036, 1, 1))
    with pytest.raises(CalendarRangeError):
        CAL.add_working_days(date(2020, 1, 2), -10)
    with pytest.raises(CalendarRangeError):
        add_working_days(np.array(["2026-01-05", "2040-01-01"], dtype="datetime64[D]"), np.array([1, 1]), CAL)
    with pytest.raises(CalendarRangeError):
        add_working_days(np.array(["2026-01-05", "NaT"], dtype="datetime64[D]"), np.array([1, 1]), CAL)
    with pytest.raises(CalendarRangeError):
        add_working_days(np.array(["2035-12-28"], dtype="datetime64[D]"), np.array([30]), CAL)


def test_non_dates_are_refused() -> None:
    with pytest.raises(InvalidDates):
        CAL.is_workday(vn(2026, 1, 5, 10))  # a datetime's date depends on its zone
    with pytest.raises(InvalidDates):
        add_working_days(np.array(["2026-01-05T10"], dtype="datetime64[s]"), np.array([1]), CAL)
    with pytest.raises(InvalidDates):
        add_working_days(np.array(["2026-01-05"], dtype="datetime64[D]"), np.array([1.0]), CAL)


@pytest.mark.parametrize(
    "spec",
    ["11:30-07:30", "07:30-11:30,11:00-17:00", "", "7h30-11h30", "13:00-17:00,07:30-11:30"],
)
def test_bad_working_hours(spec: str) -> None:
    with pytest.raises(InvalidWorkingHours):
        WorkingHours.parse(spec)


def test_bad_opening_hours() -> None:
    with pytest.raises(InvalidWorkingHours):
        OpeningHours(weekly=((),) * 6)
