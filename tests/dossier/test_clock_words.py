"""The clock in words (issue 16, item 6): each state of the dossier's clock has its own wording and tone, and the
inbox, the dossier page and the home page take it from ``clock_words.clock_badge``.

The states are built by hand as the ledger reports them (``ClockState``: working time used and left, late by), so
each rule is read off the state, not off the code that computes it; the last tests go through a real ledger for
the supplement's deadline (15 calendar days, Decree 118 Art. 19(5), counted from the day after the request).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from motcua.calendar import ClockLedger, Paused, TimeLimit, WorkCalendar
from motcua.calendar.ledger import ClockState, WorkingSpan
from motcua.dossier.clock_words import clock_badge, due_soon_threshold, span_words
from motcua.dossier.workflow import Status

HOUR = 3_600_000_000
DAY = 8 * HOUR  # a working day of the default hours (07:30–11:30, 13:00–17:00)
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 7 December 2026, 10:00 in Hà Nội


def state(status: str = "running", *, used: int = 0, left: int = 0, late_by: int = 0, pause: Paused | None = None,
          days: int = 3) -> ClockState:
    """A ledger's reading: ``used``/``left``/``late_by`` in working µs, the limit ``days`` working days."""
    return ClockState(status=status, limit=TimeLimit(days, "working_days"),  # type: ignore[arg-type]
                      due=datetime(2026, 12, 10, 10, 0, tzinfo=UTC), used=WorkingSpan(used), left=WorkingSpan(left),
                      late_by=WorkingSpan(late_by), is_late=late_by > 0, pause=pause, extended=False,
                      current_step=None, steps=())


def test_a_dossier_received_a_minute_ago_is_new_not_due_soon() -> None:
    """The complaint: one received a minute ago showed "Sắp đến hạn". New: its appointment, in neutral grey."""
    badge = clock_badge(Status.RECEIVED, state(used=HOUR // 60, left=3 * DAY - HOUR // 60), NOW)
    assert (badge.kind, badge.text, badge.tone) == ("new", "Mới tiếp nhận — hạn 10/12", "neutral")


def test_a_short_limit_just_received_is_not_due_soon_either() -> None:
    """A 4-working-hour procedure received a minute ago has all its time: not due soon."""
    badge = clock_badge(Status.RECEIVED, state(used=HOUR // 60, left=4 * HOUR - HOUR // 60, days=1), NOW)
    assert badge.kind == "new"


def test_running_says_the_working_days_left() -> None:
    badge = clock_badge(Status.IN_APPRAISAL, state(used=DAY, left=2 * DAY), NOW)
    assert (badge.kind, badge.text, badge.tone) == ("running", "Còn 2 ngày làm việc", "ok")
    assert clock_badge(Status.IN_APPRAISAL, state(used=DAY, left=DAY + 3 * HOUR), NOW).text == (
        "Còn 1 ngày 3 giờ làm việc")


@pytest.mark.parametrize(("granted_days", "left", "soon"), [
    (3, 4 * HOUR, True),  # 3 days: the last fifth is 4.8 h
    (3, 5 * HOUR, False),
    (15, DAY, True),  # 15 days: a fifth is 3 days, capped at one working day
    (15, DAY + HOUR, False),
])
def test_due_soon_is_the_last_fifth_and_at_most_one_working_day(granted_days: int, left: int, soon: bool) -> None:
    """docs/architecture.md, "The clock on the pages": due soon = the last 20 % of the time granted, at most 1 day."""
    used = granted_days * DAY - left
    badge = clock_badge(Status.IN_APPRAISAL, state(used=used, left=left, days=granted_days), NOW)
    assert (badge.kind == "due_soon") is soon, badge
    if soon:
        assert badge.text.startswith("Sắp đến hạn — còn ") and badge.tone == "soon"


def test_threshold_values() -> None:
    assert due_soon_threshold(WorkingSpan(0), WorkingSpan(3 * DAY)) == 3 * DAY // 5
    assert due_soon_threshold(WorkingSpan(10 * DAY), WorkingSpan(20 * DAY)) == DAY


def test_late_while_running_is_red_and_says_by_how_much() -> None:
    badge = clock_badge(Status.IN_APPRAISAL, state(used=3 * DAY, late_by=DAY + 2 * HOUR), NOW)
    assert (badge.kind, badge.text, badge.tone) == ("late", "Quá hạn 1 ngày 2 giờ làm việc", "late")


def test_paused_for_a_supplement_says_the_citizens_deadline() -> None:
    """Not "due soon" nor the old appointment: "Tạm dừng — hạn bổ sung 22/12", the 15 days of Art. 19(5)."""
    expires = datetime(2026, 12, 22, 10, 0, tzinfo=UTC)  # 17:00 on 22/12 in Hà Nội
    paused = state("paused", used=2 * DAY, left=HOUR, pause=Paused(NOW, "supplement"))
    badge = clock_badge(Status.AWAITING_SUPPLEMENT, paused, NOW, supplement_expires=expires)
    assert (badge.kind, badge.text, badge.tone) == ("paused", "Tạm dừng — hạn bổ sung 22/12", "paused")
    lapsed = clock_badge(Status.AWAITING_SUPPLEMENT, paused, expires + timedelta(minutes=1),
                         supplement_expires=expires)
    assert lapsed.kind == "supplement_lapsed" and "có thể đóng hồ sơ" in lapsed.text
    sent = clock_badge(Status.SUPPLEMENT_SUBMITTED, paused, NOW, supplement_expires=expires)
    assert sent.text == "Tạm dừng — bổ sung chờ xác nhận"
    fee = clock_badge(Status.IN_APPRAISAL, state("paused", pause=Paused(NOW, "fee")), NOW)
    assert fee.text == "Tạm dừng — chờ nộp phí"


def test_finished_early_on_time_and_late() -> None:
    """A finished clock never shows time left: early (a working day or more before the due instant), on time,
    or late by how much."""
    early = clock_badge(Status.RETURNED, state("finished", used=DAY, left=2 * DAY), NOW)
    assert (early.kind, early.text, early.tone) == ("finished_early", "Trả kết quả trước hạn", "ok")
    on_time = clock_badge(Status.RESULT_READY, state("finished", used=3 * DAY - HOUR, left=HOUR), NOW)
    assert (on_time.kind, on_time.text) == ("finished_on_time", "Đúng hạn")
    late = clock_badge(Status.RETURNED, state("finished", used=5 * DAY, late_by=2 * DAY), NOW)
    assert (late.kind, late.text, late.tone) == ("finished_late", "Trễ hạn 2 ngày làm việc", "late")
    refused = clock_badge(Status.REFUSED, state("finished", used=DAY, left=2 * DAY), NOW)
    assert refused.text == "Kết thúc trước hạn"  # no result to return


def test_online_dossier_awaiting_acceptance_and_no_clock() -> None:
    """Art. 17(2): 8 working hours to accept an online dossier — its own wording, red once past."""
    due = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # 15:30 in Hà Nội
    waiting = clock_badge(Status.SUBMITTED, None, NOW, due_at=due)
    assert (waiting.kind, waiting.text, waiting.tone) == ("awaiting_acceptance", "Chờ tiếp nhận — hạn 15:30 07/12",
                                                          "soon")
    assert clock_badge(Status.SUBMITTED, None, due + timedelta(minutes=1), due_at=due).kind == "acceptance_late"
    assert clock_badge(Status.INTAKE_REFUSED, None, NOW).text == "Chưa tính thời hạn"


def test_every_kind_has_its_own_words() -> None:
    texts = {
        clock_badge(Status.RECEIVED, state(used=0, left=3 * DAY), NOW).text,
        clock_badge(Status.IN_APPRAISAL, state(used=DAY, left=2 * DAY), NOW).text,
        clock_badge(Status.IN_APPRAISAL, state(used=3 * DAY - HOUR, left=HOUR), NOW).text,
        clock_badge(Status.IN_APPRAISAL, state(used=3 * DAY, late_by=DAY), NOW).text,
        clock_badge(Status.RETURNED, state("finished", left=2 * DAY), NOW).text,
        clock_badge(Status.RETURNED, state("finished", left=HOUR), NOW).text,
        clock_badge(Status.RETURNED, state("finished", late_by=DAY), NOW).text,
    }
    assert len(texts) == 7


def test_span_words() -> None:
    assert span_words(WorkingSpan(2 * DAY)) == "2 ngày làm việc"
    assert span_words(WorkingSpan(5 * HOUR + HOUR // 2)) == "5 giờ làm việc"
    assert span_words(WorkingSpan(HOUR // 3)) == "dưới 1 giờ làm việc"


def test_a_real_ledger_paused_for_a_supplement_gives_the_15_day_deadline() -> None:
    """Asked on Monday 7/12: 15 calendar days from the next day (Civil Code Art. 147) end on Tuesday 22/12."""
    ledger = ClockLedger.start(NOW - timedelta(days=1, hours=20), TimeLimit(3, "working_days"), WorkCalendar())
    ledger = ledger.pause(NOW, "supplement")
    later = NOW + timedelta(days=2)
    badge = clock_badge(Status.AWAITING_SUPPLEMENT, ledger.state(later), later,
                        supplement_expires=ledger.supplement_expires_at(later))
    assert badge.text == "Tạm dừng — hạn bổ sung 22/12"
