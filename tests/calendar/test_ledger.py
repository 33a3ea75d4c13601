"""The dossier's clock ledger: pauses, restart from zero, the one extension, steps that overran.

Decree 118/2025/NĐ-CP Art. 19(5) (supplement after appraisal: restart from zero; 15 days then the centre
closes the dossier), Art. 19(6) (apology and new date at least one day before the due date, only once);
docs/legal.md §4 (waiting for the citizen is not the officer's time; lateness belongs to the step that overran).
Dates are in January 2026: Mon 5/1 is a working day, Sat 10/1 a make-up working day (CV 12729/VPCP-KGVX).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.calendar import (
    VIETNAM_TZ,
    ClockLedger,
    ExtensionAlreadyUsed,
    ExtensionTooLate,
    InvalidExtension,
    LedgerOrderError,
    NaiveDatetimeError,
    StepBudget,
    TimeLimit,
    UnknownStep,
    WorkingSpan,
)
from tests.clock_helpers import CAL, DAY, H, vn


def local(instant: datetime) -> datetime:
    return instant.astimezone(VIETNAM_TZ)


def three_days() -> ClockLedger:
    """Received Mon 12/1/2026 08:00 with 3 working days → due Thu 15/1 17:00."""
    return ClockLedger.start(vn(2026, 1, 12, 8), TimeLimit(3, "working_days"), CAL)


def test_start_and_plain_reading() -> None:
    ledger = three_days()
    assert local(ledger.due(vn(2026, 1, 12, 9))) == vn(2026, 1, 15, 17)
    assert ledger.due(vn(2026, 1, 12, 9)).tzinfo is UTC
    # Mon 08:00 → Tue 08:00 = 3.5 + 4 + 0.5 hours = one working day
    assert ledger.used(vn(2026, 1, 13, 8)) == WorkingSpan(DAY)
    assert ledger.left(vn(2026, 1, 13, 8)).microseconds == 2 * DAY + DAY - H // 2  # rest of Tue + Wed + Thu
    assert not ledger.is_late(vn(2026, 1, 15, 17))
    assert ledger.late_by(vn(2026, 1, 15, 17)) == WorkingSpan(0)


def test_fee_pause_moves_the_due_by_the_working_time_waited() -> None:
    """Waiting for a fee is not the officer's time: Tue 10:00 → Wed 10:00 is one working day."""
    ledger = three_days().pause(vn(2026, 1, 13, 10), "fee")
    left_at_pause = ledger.left(vn(2026, 1, 13, 10))
    assert ledger.left(vn(2026, 1, 13, 16)) == left_at_pause  # frozen while paused
    assert ledger.used(vn(2026, 1, 13, 16)) == ledger.used(vn(2026, 1, 13, 10))
    assert ledger.state(vn(2026, 1, 13, 16)).status == "paused"
    resumed = ledger.resume(vn(2026, 1, 14, 10))
    assert local(resumed.due(vn(2026, 1, 14, 11))) == vn(2026, 1, 16, 17)
    assert resumed.left(vn(2026, 1, 14, 10)) == left_at_pause
    assert resumed.supplement_expires_at(vn(2026, 1, 14, 11)) is None


def test_pause_over_a_weekend_costs_nothing() -> None:
    """A pause from Fri 17:00 to Mon 07:30 spans no working time, so the due does not move."""
    ledger = ClockLedger.start(vn(2026, 1, 14, 8), TimeLimit(3, "working_days"), CAL)
    assert local(ledger.due(vn(2026, 1, 14, 9))) == vn(2026, 1, 19, 17)  # Wed + 3 → Mon 19/1
    due_before = ledger.due(vn(2026, 1, 16, 12))
    paused = ledger.pause(vn(2026, 1, 16, 17), "fee").resume(vn(2026, 1, 19, 7, 30))
    assert paused.due(vn(2026, 1, 19, 8)) == due_before


def test_supplement_restarts_from_zero() -> None:
    """Art. 19(5): when the complete supplement arrives, the time limit starts again from zero."""
    ledger = three_days().pause(vn(2026, 1, 13, 10), "supplement")
    with pytest.raises(LedgerOrderError, match="restart_from_zero"):
        ledger.resume(vn(2026, 1, 14, 9))
    restarted = ledger.restart_from_zero(vn(2026, 1, 19, 9))
    assert local(restarted.due(vn(2026, 1, 19, 10))) == vn(2026, 1, 22, 17)
    assert restarted.used(vn(2026, 1, 19, 9)) == WorkingSpan(0)
    assert restarted.used(vn(2026, 1, 19, 10)) == WorkingSpan(H)


def test_restart_needs_a_pending_supplement() -> None:
    with pytest.raises(LedgerOrderError):
        three_days().restart_from_zero(vn(2026, 1, 13, 9))
    with pytest.raises(LedgerOrderError):
        three_days().pause(vn(2026, 1, 13, 9), "fee").restart_from_zero(vn(2026, 1, 13, 10))


def test_supplement_expires_after_15_calendar_days() -> None:
    """Art. 19(5) "15 ngày": calendar days (the clause says "ngày làm việc" when it means working days)."""
    ledger = three_days().pause(vn(2026, 1, 13, 10), "supplement")
    assert local(ledger.supplement_expires_at(vn(2026, 1, 20)) or vn(1, 1, 1)) == vn(2026, 1, 28, 17)
    assert not ledger.supplement_expired(vn(2026, 1, 28, 16))
    assert ledger.supplement_expired(vn(2026, 1, 28, 17, 1))
    # requested Fri 16/1: the 15th day is Sat 31/1 → the end moves to Mon 2/2 (Civil Code Art. 148(5))
    friday = ClockLedger.start(vn(2026, 1, 14, 8), TimeLimit(5, "working_days"), CAL).pause(
        vn(2026, 1, 16, 10), "supplement"
    )
    assert local(friday.supplement_expires_at(vn(2026, 1, 20)) or vn(1, 1, 1)) == vn(2026, 2, 2, 17)


def test_a_supplement_asked_again_keeps_the_clock_waiting_and_its_15_days_start_again() -> None:
    """Art. 19(5): the centre finds the supplement still incomplete and asks again: the clock still waits (nothing
    runs between the two requests), the 15 days count from the new request, and the restart from zero comes only
    with the complete supplement. Asked Tue 13/1 10:00, again Mon 19/1 10:00: day 1 is Tue 20/1, day 15 Tue 3/2."""
    first = three_days().pause(vn(2026, 1, 13, 10), "supplement")
    again = first.pause(vn(2026, 1, 19, 10), "supplement")
    assert again.state(vn(2026, 1, 20, 9)).status == "paused"
    assert again.used(vn(2026, 1, 20, 9)) == first.used(vn(2026, 1, 13, 10))
    assert again.due(vn(2026, 1, 20, 9)) == first.due(vn(2026, 1, 20, 9))
    assert local(again.supplement_expires_at(vn(2026, 1, 20)) or vn(1, 1, 1)) == vn(2026, 2, 3, 17)
    with pytest.raises(LedgerOrderError):
        again.pause(vn(2026, 1, 20, 10), "fee")
    restarted = again.restart_from_zero(vn(2026, 1, 21, 9))  # Wed 21/1 + 3 working days → Mon 26/1 17:00
    assert local(restarted.due(vn(2026, 1, 21, 10))) == vn(2026, 1, 26, 17)


def test_extension_once_and_in_time() -> None:
    """Art. 19(6): the new date is proposed at least one day before the due date, and only once."""
    ledger = three_days()
    extended = ledger.extend(vn(2026, 1, 14, 16), vn(2026, 1, 20, 17), "Văn bản xin lỗi số 1")
    assert local(extended.due(vn(2026, 1, 16, 9))) == vn(2026, 1, 20, 17)
    assert extended.state(vn(2026, 1, 16, 9)).extended
    with pytest.raises(ExtensionAlreadyUsed) as second:
        extended.extend(vn(2026, 1, 16, 9), vn(2026, 1, 23, 17))
    assert "một lần" in second.value.message


@pytest.mark.parametrize(
    ("asked", "why"),
    [
        (vn(2026, 1, 15, 9), "on the due date itself"),
        (vn(2026, 1, 14, 18), "after closing the day before: reaches the centre on the due date"),
        (vn(2026, 1, 16, 9), "after the due date"),
    ],
)
def test_extension_requested_too_late(asked: datetime, why: str) -> None:
    with pytest.raises(ExtensionTooLate) as info:
        three_days().extend(asked, vn(2026, 1, 22, 17))
    assert "01 ngày" in info.value.message, why


def test_extension_must_move_the_date_later() -> None:
    with pytest.raises(InvalidExtension):
        three_days().extend(vn(2026, 1, 13, 9), vn(2026, 1, 15, 10))


def test_late_by_in_working_days_and_hours() -> None:
    ledger = ClockLedger.start(vn(2026, 1, 12, 8), TimeLimit(1, "working_days"), CAL)  # due Tue 13/1 17:00
    late = ledger.late_by(vn(2026, 1, 15, 10))  # Wed 8 h + Thu 07:30–10:00
    assert (late.days, late.hours) == (1, Decimal("2.5"))
    assert ledger.is_late(vn(2026, 1, 15, 10))
    assert ledger.left(vn(2026, 1, 15, 10)) == WorkingSpan(0)
    # after 17:00 on the due day: late, but no working time lost yet
    assert ledger.is_late(vn(2026, 1, 13, 18)) and not ledger.late_by(vn(2026, 1, 13, 18))
    finished = ledger.finish(vn(2026, 1, 14, 9))
    assert finished.late_by(vn(2026, 2, 1)) == WorkingSpan(int(1.5 * H))  # frozen at the result
    with pytest.raises(LedgerOrderError):
        finished.pause(vn(2026, 1, 14, 10), "fee")


PROCESS = (
    StepBudget("receive", "Trung tâm Phục vụ hành chính công", TimeLimit(4, "working_hours")),
    StepBudget("appraise", "Phòng Kinh tế", TimeLimit(1, "working_days")),
    StepBudget("approve", "Lãnh đạo UBND xã", TimeLimit(4, "working_hours")),
    StepBudget("return", "Trung tâm Phục vụ hành chính công", TimeLimit(4, "working_hours")),
)


def test_lateness_is_attributed_to_the_step_that_overran() -> None:
    """docs/legal.md §4: the internal process splits the limit; appraisal overran its one day by a day and an hour."""
    ledger = (
        ClockLedger.start(vn(2026, 1, 12, 8), TimeLimit(2, "working_days"), CAL, process=PROCESS)
        .hand_over(vn(2026, 1, 12, 9), "appraise")
        .pause(vn(2026, 1, 13, 8), "fee")  # an hour of the day waiting for a fee: not the body's time
        .resume(vn(2026, 1, 13, 9))
        .hand_over(vn(2026, 1, 14, 11), "approve")
        .hand_over(vn(2026, 1, 14, 14), "return")
    )
    now = vn(2026, 1, 14, 15)
    usage = {s.step: s for s in ledger.step_usage(now)}
    assert usage["receive"].used == WorkingSpan(H)
    # Mon 09:00–17:00 6.5 h + Tue 07:30–08:00 0.5 h + Tue 09:00–17:00 6.5 h + Wed 07:30–11:00 3.5 h = 17 h
    assert usage["appraise"].used.total_hours == Decimal("17")
    assert usage["approve"].used == WorkingSpan(int(1.5 * H))
    overrun = ledger.overrun_steps(now)
    assert [(s.step, s.body) for s in overrun] == [("appraise", "Phòng Kinh tế")]
    assert (overrun[0].over_by.days, overrun[0].over_by.hours) == (1, Decimal("1"))
    # the dossier itself is not late yet: due Wed 17:00 plus the fee hour = Thu 08:30
    assert local(ledger.due(now)) == vn(2026, 1, 15, 8, 30)
    assert not ledger.is_late(now)


def test_hand_over_to_an_unknown_step() -> None:
    ledger = ClockLedger.start(vn(2026, 1, 12, 8), TimeLimit(2, "working_days"), CAL, process=PROCESS)
    with pytest.raises(UnknownStep):
        ledger.hand_over(vn(2026, 1, 12, 9), "sign")


def test_events_must_be_in_order_and_in_sequence() -> None:
    ledger = three_days()
    with pytest.raises(LedgerOrderError):
        ledger.pause(vn(2026, 1, 12, 7), "fee")  # before the receipt
    with pytest.raises(LedgerOrderError):
        ledger.resume(vn(2026, 1, 13, 9))  # nothing to resume
    with pytest.raises(LedgerOrderError):
        ledger.pause(vn(2026, 1, 13, 9), "fee").pause(vn(2026, 1, 13, 10), "supplement")
    with pytest.raises(LedgerOrderError):
        ClockLedger(CAL).state(vn(2026, 1, 13))  # no receipt recorded


def test_reading_as_of_an_earlier_instant_ignores_later_events() -> None:
    ledger = three_days().pause(vn(2026, 1, 13, 10), "fee").resume(vn(2026, 1, 14, 10))
    assert local(ledger.due(vn(2026, 1, 13, 9))) == vn(2026, 1, 15, 17)
    with pytest.raises(LedgerOrderError):
        ledger.state(vn(2026, 1, 12, 7))  # before the receipt


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        three_days().used(datetime(2026, 1, 13, 9))
    with pytest.raises(NaiveDatetimeError):
        three_days().pause(datetime(2026, 1, 13, 9), "fee")


@given(st.integers(min_value=0, max_value=40 * 60), st.integers(min_value=1, max_value=40 * 60))
def test_a_fee_pause_never_changes_the_time_left(start_minutes: int, pause_minutes: int) -> None:
    """Whatever the timing, time left after resuming equals time left at the pause (docs/legal.md §4)."""
    from datetime import timedelta

    pause_at = vn(2026, 1, 12, 8) + timedelta(minutes=start_minutes)
    resume_at = pause_at + timedelta(minutes=pause_minutes)
    ledger = three_days().pause(pause_at, "fee").resume(resume_at)
    assert ledger.left(resume_at) == ledger.left(pause_at)
    assert ledger.used(resume_at) == ledger.used(pause_at)
