"""Property tests of the working-day calendar and the working-time clock (Hypothesis).

On numpy: ``numpy.busday_offset`` describes working days by a weekmask plus a holiday list, so a Saturday
worked in exchange (ngày làm bù: 26/4/2025, 10/1/2026, 22/8/2026) cannot be expressed with the usual Mon–Fri
weekmask. Two honest comparisons follow: (1) with weekmask "1111111" and *every* non-working day of our calendar
as a holiday, numpy can express the calendar exactly, and the results must agree everywhere; (2) with the
ordinary Mon–Fri weekmask and our non-working weekdays as holidays, they must agree whenever no make-up day
lies between the start and our result — and where one does, ours must be earlier (a make-up day is one more
working day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.calendar import (
    DEFAULT_WORKING_HOURS,
    VIETNAM_TZ,
    TimeLimit,
    add_working_time,
    calendar_for,
    due_date,
    due_instant,
    working_time_between,
)

CAL = calendar_for()
FIRST, LAST = date(2020, 1, 1), date(2033, 6, 30)  # leave room: 500 working days are ~2 years
ALL_DAYS = [CAL.first + timedelta(days=i) for i in range((CAL.last - CAL.first).days + 1)]
NON_WORKING = np.array([d for d in ALL_DAYS if not CAL.is_workday(d)], dtype="datetime64[D]")
EXACT = np.busdaycalendar(weekmask="1111111", holidays=NON_WORKING)
MON_FRI = np.busdaycalendar(weekmask="1111100", holidays=np.array(CAL.non_working_weekdays(), dtype="datetime64[D]"))
MAKE_UP = set(CAL.weekend_workdays())

days = st.dates(min_value=FIRST, max_value=LAST)
steps = st.integers(min_value=0, max_value=250)
instants = st.builds(
    lambda d, minutes, offset: datetime.combine(d, datetime.min.time(), tzinfo=UTC)
    + timedelta(minutes=minutes)
    - timedelta(hours=offset),
    days,
    st.integers(min_value=0, max_value=24 * 60 - 1),
    st.integers(min_value=-12, max_value=14),
).map(lambda t: t.astimezone(timezone(timedelta(hours=3))))  # any zone: only the instant matters


@given(days, steps)
def test_adding_then_counting_back_gives_n(day: date, n: int) -> None:
    result = CAL.add_working_days(day, n)
    assert CAL.is_workday(result)
    assert CAL.count_working_days(CAL.roll_forward(day), result) == n
    assert result >= day


@given(days, steps)
def test_agrees_with_numpy_exact_calendar(day: date, n: int) -> None:
    ours = CAL.add_working_days(day, n)
    theirs = np.busday_offset(np.datetime64(day, "D"), n, roll="forward", busdaycal=EXACT)
    assert np.datetime64(ours, "D") == theirs


@given(days, steps)
def test_agrees_with_numpy_mon_fri_unless_a_make_up_day_intervenes(day: date, n: int) -> None:
    ours = CAL.add_working_days(day, n)
    theirs = np.busday_offset(np.datetime64(day, "D"), n, roll="forward", busdaycal=MON_FRI).astype(date)
    if any(day <= m <= max(ours, theirs) for m in MAKE_UP):
        assert ours <= theirs
    else:
        assert ours == theirs


@given(st.lists(st.tuples(days, steps), min_size=1, max_size=50))
def test_vectorised_equals_scalar(pairs: list[tuple[date, int]]) -> None:
    dates = np.array([d for d, _ in pairs], dtype="datetime64[D]")
    n = np.array([k for _, k in pairs], dtype=np.int64)
    out = CAL.add_working_days_array(dates, n).astype(date).tolist()
    assert out == [CAL.add_working_days(d, k) for d, k in pairs]


limits = st.one_of(
    st.builds(TimeLimit, st.integers(0, 60), st.just("working_days")),
    st.builds(TimeLimit, st.integers(0, 90), st.just("calendar_days")),
    st.builds(TimeLimit, st.integers(0, 6), st.just("months")),
    st.builds(TimeLimit, st.integers(0, 1), st.just("same_day")),
    st.builds(TimeLimit, st.integers(1, 200), st.just("working_hours")),
)


@settings(max_examples=300)
@given(instants, limits)
def test_a_due_date_is_never_a_non_working_day(receipt: datetime, limit: TimeLimit) -> None:
    due = due_instant(receipt, limit, CAL)
    assert due > receipt
    assert CAL.is_workday(due_date(receipt, limit, CAL))
    local_due = due.astimezone(VIETNAM_TZ)
    assert CAL.is_workday(local_due.date())
    assert DEFAULT_WORKING_HOURS.opening < local_due.time() <= DEFAULT_WORKING_HOURS.closing


@given(instants, st.integers(min_value=1, max_value=400 * 3600))
def test_working_time_round_trip(start: datetime, seconds: int) -> None:
    us = seconds * 1_000_000
    end = add_working_time(start, us, CAL, DEFAULT_WORKING_HOURS)
    assert working_time_between(start, end, CAL, DEFAULT_WORKING_HOURS) == us
    assert end > start
    # the earliest such instant: one microsecond earlier is not enough
    assert working_time_between(start, end - timedelta(microseconds=1), CAL, DEFAULT_WORKING_HOURS) < us


@given(days, steps, steps)
def test_adding_is_monotonic_and_composes(day: date, a: int, b: int) -> None:
    once = CAL.add_working_days(day, a + b)
    assert once == CAL.add_working_days(CAL.add_working_days(day, a), b)
    assert (CAL.add_working_days(day, a) <= CAL.add_working_days(day, b)) == (a <= b)
