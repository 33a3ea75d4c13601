"""Indicator 2.1 for one dossier in one period (Decision 766/QĐ-TTg, docs/legal.md §7; Decree 118/2025 Art. 19(5)).

Working hours are the default 07:30–11:30 and 13:00–17:00 (8 h a day); a due instant is 17:00 of the due day.
Calendar facts used (docs/legal.md §4): 1/1/2026 holiday, Fri 2/1/2026 announced day off, Sat 10/1/2026 make-up working
day (CV 12729/VPCP-KGVX), Tết 2026 off Sat 14/2 – Sun 22/2.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from motcua.calendar import VIETNAM_TZ, ClockLedger, NaiveDatetimeError, WorkingSpan
from motcua.index.judge import DossierFacts, contributions, end_of_processing, judge
from tests.clock_helpers import DAY, H, month, started, vn


def facts(
    ledger: ClockLedger,
    *,
    processed: datetime | None = None,
    returned: datetime | None = None,
    ended: datetime | None = None,
    requests: tuple[datetime, ...] = (),
) -> DossierFacts:
    if processed is not None:
        ledger = ledger.finish(processed)
    return DossierFacts(ledger.events[0].at, ledger, processed, returned, ended, requests)


def local(instant: datetime) -> datetime:
    return instant.astimezone(VIETNAM_TZ)


# --------------------------------------------------------------------------------------------- the calendar


def test_tet_2026_on_time_and_late() -> None:
    """Received Wed 11/2 09:00, 3 working days: Thu 12 (1), Fri 13 (2), Tết 14–22/2 off, Mon 23/2 (3) → 17:00."""
    ledger = started(vn(2026, 2, 11, 9), 3)
    feb = month(2026, 2)
    on_time = judge(facts(ledger, processed=vn(2026, 2, 23, 16)), *feb)
    assert on_time is not None
    assert on_time.on_time and on_time.reason == "finished_on_time" and not on_time.open_at_end
    assert local(on_time.due_at) == vn(2026, 2, 23, 17)
    assert on_time.late_by == WorkingSpan(0)
    assert on_time.explanation == "Hoàn thành đúng hạn (hạn 17:00 23/02/2026)"

    late = judge(facts(ledger, processed=vn(2026, 2, 24, 10)), *feb)
    assert late is not None
    assert not late.on_time and late.reason == "finished_late"
    # Mon 23/2 17:00 → Tue 24/2 10:00 = 07:30–10:00 = 2.5 working hours
    assert late.late_by == WorkingSpan(5 * H // 2)
    assert late.explanation == "Trễ 2,5 giờ làm việc (hạn 17:00 23/02/2026)"


def test_day_off_2_january_2026_gives_an_extra_day() -> None:
    """Received Tue 30/12/2025 15:00, 2 working days: Wed 31/12 (1); Thu 1/1 holiday, Fri 2/1 announced day off,
    weekend; Mon 5/1 (2) → due Mon 5/1 17:00. Finished Mon 5/1 16:30: on time (it would be late on Fri 2/1)."""
    ledger = started(vn(2025, 12, 30, 15), 2)
    judgement = judge(facts(ledger, processed=vn(2026, 1, 5, 16, 30)), *month(2026, 1))
    assert judgement is not None
    assert judgement.on_time
    assert local(judgement.due_at) == vn(2026, 1, 5, 17)


def test_make_up_saturday_10_january_2026_counts() -> None:
    """Received Thu 8/1 14:00, 2 working days: Fri 9 (1), Sat 10/1 make-up working day (2) → due Sat 10/1 17:00.
    Finished Mon 12/1 09:00: late by Mon 07:30–09:00 = 1.5 h (Sunday is not working time)."""
    ledger = started(vn(2026, 1, 8, 14), 2)
    judgement = judge(facts(ledger, processed=vn(2026, 1, 12, 9)), *month(2026, 1))
    assert judgement is not None
    assert local(judgement.due_at) == vn(2026, 1, 10, 17)
    assert not judgement.on_time
    assert judgement.late_by == WorkingSpan(3 * H // 2)
    assert judgement.explanation == "Trễ 1,5 giờ làm việc (hạn 17:00 10/01/2026)"


# --------------------------------------------------------------------------------------------- waiting for the citizen


def test_supplement_restarts_the_clock_finished_after_the_first_due_but_on_time() -> None:
    """§7: supplement time is subtracted — through the ledger, whose due restarts from zero (Art. 19(5)).

    Received Mon 12/1 08:00, 3 wd → due Thu 15/1 17:00. Supplement asked Tue 13/1 10:00, complete Mon 19/1 09:00:
    3 wd from Mon 19/1 → Tue 20 (1), Wed 21 (2), Thu 22/1 (3) → 17:00. Finished Wed 21/1 15:00, six days after
    the first due date: on time."""
    ledger = started(vn(2026, 1, 12, 8), 3).pause(vn(2026, 1, 13, 10), "supplement")
    ledger = ledger.restart_from_zero(vn(2026, 1, 19, 9))
    f = facts(ledger, processed=vn(2026, 1, 21, 15), requests=(vn(2026, 1, 13, 10),))
    judgement = judge(f, *month(2026, 1))
    assert judgement is not None
    assert judgement.on_time and judgement.reason == "finished_on_time"
    assert local(judgement.due_at) == vn(2026, 1, 22, 17)
    assert judgement.judged_at > vn(2026, 1, 15, 17)
    assert judgement.supplement_requests == 1


def test_fee_pause_is_subtracted_by_the_ledger() -> None:
    """A fee pause Tue 13/1 10:00 → Wed 14/1 10:00 (one working day) moves the due Thu 15/1 → Fri 16/1 17:00.
    Finished Fri 16/1 16:00: on time; without the pause it is late by Fri 07:30–11:30 + 13:00–16:00 = 7 h."""
    plain = started(vn(2026, 1, 12, 8), 3)
    paused = plain.pause(vn(2026, 1, 13, 10), "fee").resume(vn(2026, 1, 14, 10))
    jan = month(2026, 1)
    with_pause = judge(facts(paused, processed=vn(2026, 1, 16, 16)), *jan)
    without = judge(facts(plain, processed=vn(2026, 1, 16, 16)), *jan)
    assert with_pause is not None and without is not None
    assert with_pause.on_time and local(with_pause.due_at) == vn(2026, 1, 16, 17)
    assert not without.on_time and without.late_by == WorkingSpan(7 * H)


def test_asked_to_supplement_twice_is_late_whatever_the_dates() -> None:
    """Decree 118 Art. 11(2)(c) and §7: a second supplement request counts as late.

    Received Mon 12/1 08:00 with 10 wd; supplements asked Tue 13/1 and Thu 15/1, each completed the next morning;
    the last restart (Fri 16/1 09:00) gives a due of Fri 30/1 17:00; finished Mon 19/1 10:00 — long before it."""
    requests = (vn(2026, 1, 13, 10), vn(2026, 1, 15, 10))
    ledger = started(vn(2026, 1, 12, 8), 10).pause(requests[0], "supplement").restart_from_zero(vn(2026, 1, 14, 9))
    ledger = ledger.pause(requests[1], "supplement").restart_from_zero(vn(2026, 1, 16, 9))
    judgement = judge(facts(ledger, processed=vn(2026, 1, 19, 10), requests=requests), *month(2026, 1))
    assert judgement is not None
    assert local(judgement.due_at) == vn(2026, 1, 30, 17)
    assert not judgement.on_time
    assert judgement.reason == "supplemented_more_than_once"
    assert judgement.late_by == WorkingSpan(0)  # not late by the dates
    assert judgement.explanation == "Yêu cầu bổ sung 2 lần: tính là trễ hạn"


def test_second_request_still_pending_at_the_end_is_late() -> None:
    requests = (vn(2026, 1, 13, 10), vn(2026, 1, 15, 10))
    ledger = started(vn(2026, 1, 12, 8), 10).pause(requests[0], "supplement").restart_from_zero(vn(2026, 1, 14, 9))
    ledger = ledger.pause(requests[1], "supplement")
    judgement = judge(facts(ledger, requests=requests), *month(2026, 1))
    assert judgement is not None
    assert judgement.open_at_end and not judgement.on_time
    assert judgement.reason == "supplemented_more_than_once"
    assert judgement.judged_at == requests[1]


def test_waiting_for_a_supplement_at_the_end_is_judged_at_the_request() -> None:
    """§7: a dossier waiting for a supplement uses the time of the request, not the period's end.

    Received Mon 5/1 08:00, 3 wd → Tue 6 (1), Wed 7 (2), Thu 8/1 (3) → due Thu 8/1 17:00."""
    jan_start, jan_end = month(2026, 1)
    asked_in_time = started(vn(2026, 1, 5, 8), 3).pause(vn(2026, 1, 7, 10), "supplement")
    judgement = judge(facts(asked_in_time, requests=(vn(2026, 1, 7, 10),)), jan_start, jan_end)
    assert judgement is not None
    assert judgement.reason == "waiting_supplement" and judgement.open_at_end and judgement.on_time
    assert judgement.judged_at == vn(2026, 1, 7, 10)
    assert local(judgement.due_at) == vn(2026, 1, 8, 17)
    assert judgement.explanation == (
        "Chờ bổ sung hồ sơ: tính tại thời điểm yêu cầu bổ sung 10:00 07/01/2026, trong hạn (hạn 17:00 08/01/2026)"
    )
    # asked Fri 9/1 10:00, the day after the due: late by Fri 07:30–10:00 = 2.5 h
    asked_late = started(vn(2026, 1, 5, 8), 3).pause(vn(2026, 1, 9, 10), "supplement")
    late = judge(facts(asked_late, requests=(vn(2026, 1, 9, 10),)), jan_start, jan_end)
    assert late is not None
    assert late.reason == "waiting_supplement" and not late.on_time
    assert late.late_by == WorkingSpan(5 * H // 2)
    assert late.explanation.endswith("trễ 2,5 giờ làm việc (hạn 17:00 08/01/2026)")


# --------------------------------------------------------------------------------------------- the period


def test_open_at_the_end_within_time() -> None:
    """Received Thu 29/1 09:00, 5 wd → Fri 30/1 (1), Mon 2/2 … Thu 5/2 (5) → due 5/2 17:00; open at 1/2 00:00."""
    jan_start, jan_end = month(2026, 1)
    judgement = judge(facts(started(vn(2026, 1, 29, 9), 5)), jan_start, jan_end)
    assert judgement is not None
    assert judgement.on_time and judgement.open_at_end and judgement.reason == "open_within_time"
    assert judgement.judged_at == jan_end
    assert local(judgement.due_at) == vn(2026, 2, 5, 17)


def test_open_at_the_end_beyond_time() -> None:
    """Received Mon 26/1 08:00, 2 wd → due Wed 28/1 17:00; open at Sun 1/2 00:00: late by Thu 29 + Fri 30 = 2 days."""
    judgement = judge(facts(started(vn(2026, 1, 26, 8), 2)), *month(2026, 1))
    assert judgement is not None
    assert not judgement.on_time and judgement.reason == "open_late"
    assert judgement.late_by == WorkingSpan(2 * DAY)
    assert judgement.explanation == "Đang giải quyết, trễ 2 ngày làm việc (hạn 17:00 28/01/2026)"


def test_dossiers_outside_the_period_do_not_count() -> None:
    ledger = started(vn(2026, 1, 26, 8), 2)
    jan_start, jan_end = month(2026, 1)
    feb_start, feb_end = month(2026, 2)
    assert judge(facts(ledger, processed=vn(2026, 1, 30, 10)), feb_start, feb_end) is None  # ended before
    assert judge(facts(started(vn(2026, 2, 5, 8), 2)), jan_start, jan_end) is None  # received after
    assert judge(facts(started(jan_end, 2)), jan_start, jan_end) is None  # received at the end: half-open
    at_start = judge(facts(ledger, ended=feb_start), feb_start, feb_end)  # ended exactly at the start: counts
    assert at_start is not None and at_start.judged_at == feb_start
    with pytest.raises(ValueError, match="empty period"):
        judge(facts(ledger), jan_end, jan_start)


def test_end_of_processing_prefers_processed_then_returned_then_ended() -> None:
    ledger = started(vn(2026, 1, 5, 8), 3)
    a, b, c = vn(2026, 1, 6, 9), vn(2026, 1, 7, 9), vn(2026, 1, 8, 9)
    assert end_of_processing(DossierFacts(ledger.events[0].at, ledger, a, b, c)) == a
    assert end_of_processing(DossierFacts(ledger.events[0].at, ledger, None, b, c)) == b
    assert end_of_processing(DossierFacts(ledger.events[0].at, ledger, None, None, c)) == c
    assert end_of_processing(DossierFacts(ledger.events[0].at, ledger, None, None, None)) is None
    refused = judge(DossierFacts(ledger.events[0].at, ledger, None, None, c), *month(2026, 1))  # refused Thu 8/1
    assert refused is not None and refused.on_time and refused.judged_at == c


def test_facts_refuse_naive_instants() -> None:
    ledger = started(vn(2026, 1, 5, 8), 3)
    with pytest.raises(NaiveDatetimeError):
        DossierFacts(ledger.events[0].at, ledger, datetime(2026, 1, 6, 9), None, None)


# --------------------------------------------------------------------------------------------- monthly contributions


def test_a_dossier_spanning_three_months_contributes_to_each() -> None:
    """Received Mon 26/1 08:00, 20 wd: Jan 27–30 (4), Feb 2–13 (14), Tết, Feb 23–27 (19), Mon 2/3 (20) → due
    2/3 17:00. Finished Wed 4/3 10:00: late by Tue 3/3 (8 h) + Wed 07:30–10:00 (2.5 h) = 1 day 2.5 h."""
    f = facts(started(vn(2026, 1, 26, 8), 20), processed=vn(2026, 3, 4, 10))
    months = contributions(f, now=vn(2026, 3, 15, 12))
    assert [m.month for m in months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    jan, feb, mar = (m.judgement for m in months)
    assert jan.reason == "open_within_time" and jan.judged_at == vn(2026, 2, 1)
    assert feb.reason == "open_within_time" and feb.judged_at == vn(2026, 3, 1)
    assert mar.reason == "finished_late" and local(mar.due_at) == vn(2026, 3, 2, 17)
    assert mar.late_by == WorkingSpan(DAY + 5 * H // 2)
    assert mar.explanation == "Trễ 1 ngày 2,5 giờ làm việc (hạn 17:00 02/03/2026)"


def test_an_open_dossier_runs_to_now() -> None:
    f = facts(started(vn(2026, 1, 26, 8), 20))
    now = vn(2026, 2, 10, 12)
    months = contributions(f, now=now)
    assert [m.month for m in months] == [date(2026, 1, 1), date(2026, 2, 1)]
    assert months[-1].judgement.judged_at == now and months[-1].judgement.on_time


def test_months_are_vietnamese_months() -> None:
    """Received Sun 1/3/2026 06:00 in Vietnam = Sat 28/2 23:00 UTC: a March dossier, not a February one."""
    f = facts(started(vn(2026, 3, 1, 6), 5), processed=vn(2026, 3, 5, 9))
    assert [m.month for m in contributions(f, now=vn(2026, 3, 31))] == [date(2026, 3, 1)]
    assert [m.month for m in contributions(f, now=vn(2026, 3, 31), tz=UTC)] == [date(2026, 2, 1), date(2026, 3, 1)]
