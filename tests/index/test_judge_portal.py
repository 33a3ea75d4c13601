"""Indicator 2.1 on the national portal's rule, beside the legal clock (docs/legal.md §7; Decision 766/QĐ-TTg).

docs/legal.md §7: on time for the index = end of processing − (supplement completed − supplement requested) ≤
the original appointment (the receipt's), the wait in wall-clock time; more than one request is late; a dossier
waiting for a supplement is judged at the request; end of processing = processed, else returned, else stopped /
refused / withdrawn. On time for the citizen = the legal clock, which restarts from zero with a new appointment
after a supplement (Decree 118/2025 Art. 19(5)).

Working hours 07:30–11:30 and 13:00–17:00; a due instant is 17:00 of the due day; the receipt's day is not
counted, and a receipt at or after 17:00 counts from the next working day (docs/legal.md §4). Calendar facts
used: Sat 10/1/2026 is a make-up working day (CV 12729/VPCP-KGVX); Tết 2026 is off Sat 14/2 – Sun 22/2.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from motcua.calendar import VIETNAM_TZ, ClockLedger, NaiveDatetimeError, WorkingSpan
from motcua.calendar.index_clock import (
    SupplementWait,
    first_appointment,
    index_verdict,
    on_time_verdicts,
    supplement_waits,
)
from motcua.index.judge import DossierFacts, contributions, judge
from tests.clock_helpers import DAY, H, month, started, vn


def facts(ledger: ClockLedger, *, processed: datetime | None = None, returned: datetime | None = None,
          ended: datetime | None = None, original_due: datetime | None = None) -> DossierFacts:
    requests = tuple(w.requested_at for w in supplement_waits(ledger.events))
    return DossierFacts(ledger.events[0].at, ledger, processed, returned, ended, requests, original_due)


def local(instant: datetime) -> datetime:
    return instant.astimezone(VIETNAM_TZ)


def example() -> tuple[ClockLedger, datetime]:
    """The issue's example, with 5 working days: 4 used, 10 days waiting for the citizen, 4 more.

    Received Fri 9/1/2026 07:30 → the appointment: Sat 10/1 (make-up working day, 1), Mon 12 (2), Tue 13 (3),
    Wed 14 (4), Thu 15/1 (5) → Thu 15/1 17:00. Supplement asked Tue 13/1 17:00, after Fri 9, Sat 10, Mon 12 and
    Tue 13: 4 working days used. Complete supplement Fri 23/1 17:00: 10 days later. Processed Thu 29/1 17:00, after
    Mon 26 – Thu 29: 4 more working days."""
    ledger = started(vn(2026, 1, 9, 7, 30), 5).pause(vn(2026, 1, 13, 17), "supplement")
    ledger = ledger.restart_from_zero(vn(2026, 1, 23, 17))
    processed = vn(2026, 1, 29, 17)
    return ledger.finish(processed), processed


# --------------------------------------------------------------------------------------------- the issue's example


def test_the_issues_example_is_late_for_the_index_and_on_time_for_the_citizen() -> None:
    """docs/legal.md §7. For the citizen: the supplement arrived at 17:00, after the working day, so the new time
    limit counts from Mon 26/1 (not counted): Tue 27 (1), Wed 28 (2), Thu 29 (3), Fri 30 (4), Mon 2/2 (5) → due
    Mon 2/2 17:00; processed Thu 29/1 17:00: on time. For the index: Thu 29/1 17:00 − (Fri 23/1 17:00 − Tue 13/1
    17:00 = 10 days) = Mon 19/1 17:00, 4 days after the appointment Thu 15/1 17:00: late."""
    ledger, processed = example()
    assert ledger.used(vn(2026, 1, 13, 17)) == WorkingSpan(4 * DAY)  # before the request
    assert ledger.used(processed) == WorkingSpan(4 * DAY)  # after the restart
    assert local(first_appointment(ledger)) == vn(2026, 1, 15, 17)

    judgement = judge(facts(ledger, processed=processed), *month(2026, 1))
    assert judgement is not None
    assert judgement.on_time and judgement.reason == "finished_on_time"  # the legal clock: what v1 counts
    assert local(judgement.due_at) == vn(2026, 2, 2, 17)
    index = judgement.index
    assert not index.on_time and index.reason == "late"
    assert index.judged_at == processed
    assert index.waited == timedelta(days=10)
    assert local(index.counted_at) == vn(2026, 1, 19, 17)
    assert local(index.appointment) == vn(2026, 1, 15, 17)
    assert index.late_by == timedelta(days=4)
    assert index.supplement_requests == 1 and not index.awaiting_supplement

    verdicts = on_time_verdicts(ledger, vn(2026, 1, 15, 17), processed, None, None, now=vn(2026, 2, 5, 9))
    assert verdicts.finished and verdicts.judged_at == processed
    assert verdicts.citizen and local(verdicts.due_at) == vn(2026, 2, 2, 17)
    assert not verdicts.index.on_time


def test_the_stored_appointment_is_the_one_compared_with() -> None:
    """§7: the appointment printed on the receipt (``Dossier.original_due_at``), not one re-derived later from a
    calendar that changed since (an announced day off after the receipt moves the ledger's, not the receipt's).
    Example dossier with a receipt that had promised Fri 16/1 17:00 instead: Mon 19/1 17:00 is still late; with
    Mon 19/1 17:00 on the receipt it is on time (counted ≤ appointment)."""
    ledger, processed = example()
    later = judge(facts(ledger, processed=processed, original_due=vn(2026, 1, 16, 17)), *month(2026, 1))
    assert later is not None and not later.index.on_time and local(later.index.appointment) == vn(2026, 1, 16, 17)
    exact = judge(facts(ledger, processed=processed, original_due=vn(2026, 1, 19, 17)), *month(2026, 1))
    assert exact is not None and exact.index.on_time and exact.index.late_by == timedelta(0)


# --------------------------------------------------------------------------------------------- agreeing, disagreeing


def test_without_a_supplement_both_verdicts_agree() -> None:
    """§7: nothing to subtract and nothing restarts, so both compare the end of processing with the same
    appointment. Received Mon 12/1 08:00, 3 wd → Tue 13 (1), Wed 14 (2), Thu 15/1 (3) → Thu 15/1 17:00."""
    ledger = started(vn(2026, 1, 12, 8), 3)
    for processed, expected in ((vn(2026, 1, 15, 16), True), (vn(2026, 1, 15, 17), True),
                                (vn(2026, 1, 16, 9), False)):
        judgement = judge(facts(ledger.finish(processed), processed=processed), *month(2026, 1))
        assert judgement is not None
        assert judgement.on_time is expected and judgement.index.on_time is expected, processed
        assert judgement.index.waited == timedelta(0) and judgement.index.counted_at == processed
        assert local(judgement.index.appointment) == local(judgement.due_at) == vn(2026, 1, 15, 17)


def test_a_fee_pause_is_not_subtracted_by_the_index() -> None:
    """§7 subtracts the supplement wait only. A fee pause Tue 13/1 10:00 → Wed 14/1 10:00 moves the legal due
    Thu 15/1 → Fri 16/1 17:00 (one working day); processed Fri 16/1 16:00: on time for the citizen, late for the
    index (Fri 16/1 16:00 > Thu 15/1 17:00)."""
    ledger = started(vn(2026, 1, 12, 8), 3).pause(vn(2026, 1, 13, 10), "fee").resume(vn(2026, 1, 14, 10))
    processed = vn(2026, 1, 16, 16)
    judgement = judge(facts(ledger.finish(processed), processed=processed), *month(2026, 1))
    assert judgement is not None
    assert judgement.on_time and local(judgement.due_at) == vn(2026, 1, 16, 17)
    assert not judgement.index.on_time and judgement.index.waited == timedelta(0)


def test_asked_to_supplement_twice_is_late_for_the_index() -> None:
    """§7 (Decree 118 Art. 11(2)(c)): a second request counts as late whatever the dates.

    Received Mon 12/1 08:00, 10 wd → appointment Mon 26/1 17:00. Supplements asked Tue 13/1 10:00 and Thu 15/1
    10:00, each complete at 09:00 the next day (23 h + 23 h); processed Mon 19/1 10:00 → counted Sat 17/1 12:00,
    nine days early, and still late. The citizen's clock (last restart Fri 16/1 09:00 → due Fri 30/1 17:00) says
    on time."""
    ledger = started(vn(2026, 1, 12, 8), 10).pause(vn(2026, 1, 13, 10), "supplement")
    ledger = ledger.restart_from_zero(vn(2026, 1, 14, 9)).pause(vn(2026, 1, 15, 10), "supplement")
    processed = vn(2026, 1, 19, 10)
    ledger = ledger.restart_from_zero(vn(2026, 1, 16, 9)).finish(processed)
    judgement = judge(facts(ledger, processed=processed), *month(2026, 1))
    assert judgement is not None
    index = judgement.index
    assert index.waited == timedelta(hours=46) and local(index.counted_at) == vn(2026, 1, 17, 12)
    assert local(index.appointment) == vn(2026, 1, 26, 17)
    assert not index.on_time and index.reason == "supplemented_more_than_once" and index.supplement_requests == 2
    assert index.late_by == timedelta(0)  # not late by the dates
    verdicts = on_time_verdicts(ledger, None, processed, None, None, now=vn(2026, 2, 1))
    assert verdicts.citizen and local(verdicts.due_at) == vn(2026, 1, 30, 17)
    assert not verdicts.index.on_time


# --------------------------------------------------------------------------------------------- waiting, ending


def test_waiting_for_a_supplement_at_the_periods_end_is_judged_at_the_request() -> None:
    """§7: the open wait runs to the period's end, so what is compared is the time of the request.

    Received Mon 5/1 08:00, 3 wd → Tue 6 (1), Wed 7 (2), Thu 8/1 (3) → appointment Thu 8/1 17:00. Asked Wed 7/1
    10:00 and still waiting at Sun 1/2 00:00: counted Wed 7/1 10:00, on time. Asked Fri 9/1 10:00: late."""
    jan = month(2026, 1)
    in_time = started(vn(2026, 1, 5, 8), 3).pause(vn(2026, 1, 7, 10), "supplement")
    judgement = judge(facts(in_time), *jan)
    assert judgement is not None and judgement.open_at_end
    index = judgement.index
    assert index.on_time and index.awaiting_supplement and index.judged_at == jan[1]
    assert index.counted_at == vn(2026, 1, 7, 10) and index.waited == jan[1] - vn(2026, 1, 7, 10)

    too_late = started(vn(2026, 1, 5, 8), 3).pause(vn(2026, 1, 9, 10), "supplement")
    late = judge(facts(too_late), *jan)
    assert late is not None
    assert not late.index.on_time and late.index.counted_at == vn(2026, 1, 9, 10)
    assert late.index.late_by == timedelta(hours=17)  # Thu 8/1 17:00 → Fri 9/1 10:00, wall clock

    # the page's view of the first one on Mon 12/1 09:00: the same verdict, "so far"
    verdicts = on_time_verdicts(in_time, None, None, None, None, now=vn(2026, 1, 12, 9))
    assert not verdicts.finished and verdicts.index.on_time and verdicts.index.counted_at == vn(2026, 1, 7, 10)
    # the legal clock is paused with what was left at the request: Wed 10:00–11:30, 13:00–17:00 and Thu
    assert verdicts.citizen and in_time.left(vn(2026, 1, 12, 9)) == WorkingSpan(DAY + 11 * H // 2)


def test_a_dossier_closed_without_its_supplement_is_judged_at_the_request() -> None:
    """§7: end of processing = stopped/closed; the wait never completed, so it runs to that end and the instant
    compared is the request. Asked Wed 7/1 10:00, closed Fri 23/1 09:00 (15 days without the supplement, Art.
    19(5)): counted Wed 7/1 10:00 ≤ Thu 8/1 17:00, on time for the index."""
    requested, closed = vn(2026, 1, 7, 10), vn(2026, 1, 23, 9)
    ledger = started(vn(2026, 1, 5, 8), 3).pause(requested, "supplement").finish(closed)
    assert supplement_waits(ledger.events) == (SupplementWait(requested, None),)
    judgement = judge(facts(ledger, ended=closed), *month(2026, 1))
    assert judgement is not None and not judgement.open_at_end
    assert judgement.index.on_time and judgement.index.counted_at == requested


def test_a_wait_completed_before_the_periods_end_is_subtracted_in_full() -> None:
    """§7 on an open dossier: received Mon 26/1 08:00, 3 wd → appointment Thu 29/1 17:00. Asked Tue 27/1 10:00,
    complete Fri 30/1 10:00 (72 h); still open at Sun 1/2 00:00 → counted Thu 29/1 00:00: within time."""
    ledger = started(vn(2026, 1, 26, 8), 3).pause(vn(2026, 1, 27, 10), "supplement")
    ledger = ledger.restart_from_zero(vn(2026, 1, 30, 10))
    judgement = judge(facts(ledger), *month(2026, 1))
    assert judgement is not None and judgement.open_at_end
    assert judgement.index.waited == timedelta(hours=72) and not judgement.index.awaiting_supplement
    assert judgement.index.counted_at == vn(2026, 1, 29) and judgement.index.on_time


def test_end_of_processing_is_processed_else_returned_else_refused() -> None:
    """§7: end of processing = processed, else returned, else stopped/refused/withdrawn.

    Received Mon 5/1 08:00, 3 wd → appointment Thu 8/1 17:00. Supplement asked Tue 6/1 10:00, complete Wed 7/1
    10:00 (24 h). The legal clock restarts Wed 7/1 10:00: Thu 8 (1), Fri 9 (2), Sat 10/1 make-up day (3) → due
    Sat 10/1 17:00.
    * processed Fri 9/1 09:00 (returned Mon 12/1 09:00): judged at processed; index: Thu 8/1 09:00, on time;
      citizen: on time.
    * returned Mon 12/1 09:00, no processed time: judged at returned; index: Sun 11/1 09:00, late; citizen: late.
    * refused Fri 9/1 16:00: judged at the refusal; index: Thu 8/1 16:00, on time; citizen: on time."""
    ledger = started(vn(2026, 1, 5, 8), 3).pause(vn(2026, 1, 6, 10), "supplement")
    ledger = ledger.restart_from_zero(vn(2026, 1, 7, 10))
    processed, returned, refused = vn(2026, 1, 9, 9), vn(2026, 1, 12, 9), vn(2026, 1, 9, 16)
    jan, now = month(2026, 1), vn(2026, 1, 20, 9)
    cases = (
        (dict(processed=processed, returned=returned), processed, vn(2026, 1, 8, 9), True, True),
        (dict(returned=returned), returned, vn(2026, 1, 11, 9), False, False),
        (dict(ended=refused), refused, vn(2026, 1, 8, 16), True, True),
    )
    for ends, judged_at, counted_at, index_on_time, citizen in cases:
        clock = ledger.finish(judged_at)
        judgement = judge(facts(clock, **ends), *jan)
        assert judgement is not None and judgement.index.judged_at == judged_at, ends
        assert judgement.index.counted_at == counted_at and judgement.index.on_time is index_on_time, ends
        assert judgement.on_time is citizen and local(judgement.due_at) == vn(2026, 1, 10, 17), ends
        verdicts = on_time_verdicts(clock, None, ends.get("processed"), ends.get("returned"), ends.get("ended"),
                                    now)
        assert verdicts.finished and verdicts.judged_at == judged_at, ends
        assert verdicts.citizen is citizen and verdicts.index.on_time is index_on_time, ends


# --------------------------------------------------------------------------------------------- the calendar


def test_tet_the_wait_is_subtracted_in_wall_clock_time() -> None:
    """§7: the portal subtracts timestamps, so a wait across Tết counts in full. Real calendar, by hand:

    Received Tue 10/2/2026 09:00, 5 wd: Wed 11 (1), Thu 12 (2), Fri 13 (3), Tết Sat 14 – Sun 22/2 off, Mon 23 (4),
    Tue 24/2 (5) → appointment Tue 24/2 17:00. Supplement asked Fri 13/2 10:00, complete Mon 23/2 10:00: 10 days,
    of which only 8 working hours (Fri 10:00–11:30 and 13:00–17:00, Mon 07:30–10:00). Processed Thu 5/3 10:00.
    * Index: Thu 5/3 10:00 − 10 days = Mon 23/2 10:00 ≤ Tue 24/2 17:00: on time (less 8 working hours it would
      be late: the appointment would move one working day only, to Wed 25/2 17:00).
    * Citizen: restart Mon 23/2 10:00: Tue 24 (1), Wed 25 (2), Thu 26 (3), Fri 27 (4), Mon 2/3 (5) → due Mon 2/3
      17:00; late by Tue 3/3 + Wed 4/3 + Thu 07:30–10:00 = 2 days 2.5 h."""
    ledger = started(vn(2026, 2, 10, 9), 5).pause(vn(2026, 2, 13, 10), "supplement")
    ledger = ledger.restart_from_zero(vn(2026, 2, 23, 10))
    processed = vn(2026, 3, 5, 10)
    ledger = ledger.finish(processed)
    assert local(first_appointment(ledger)) == vn(2026, 2, 24, 17)
    judgement = judge(facts(ledger, processed=processed), *month(2026, 3))
    assert judgement is not None
    assert not judgement.on_time and local(judgement.due_at) == vn(2026, 3, 2, 17)
    assert judgement.late_by == WorkingSpan(2 * DAY + 5 * H // 2)
    assert judgement.index.on_time and judgement.index.waited == timedelta(days=10)
    assert local(judgement.index.counted_at) == vn(2026, 2, 23, 10)


# --------------------------------------------------------------------------------------------- the pieces


def test_events_after_the_instant_judged_are_not_looked_at() -> None:
    """A month judged before the supplement was requested knows nothing of it (periods are judged as they were):
    the example dossier in a period ending Mon 12/1 00:00 is open, within time, with no request."""
    ledger, _ = example()
    verdict = index_verdict(ledger.events, vn(2026, 1, 15, 17), vn(2026, 1, 12))
    assert verdict.on_time and verdict.supplement_requests == 0 and verdict.waited == timedelta(0)
    # at Wed 14/1 12:00 the request is pending: judged at it
    pending = index_verdict(ledger.events, vn(2026, 1, 15, 17), vn(2026, 1, 14, 12))
    assert pending.awaiting_supplement and pending.counted_at == vn(2026, 1, 13, 17)


def test_every_month_carries_both_verdicts() -> None:
    """The example received in January and processed the same month; a copy processed Mon 2/2 17:00 is open at
    January's end (waiting over: counted Sun 1/2 00:00 − 10 days = Thu 22/1 00:00, late) and finished in February
    (Mon 2/2 17:00 − 10 days = Fri 23/1 17:00, late), on time for the citizen both months (due Mon 2/2 17:00)."""
    processed = vn(2026, 2, 2, 17)
    clock = started(vn(2026, 1, 9, 7, 30), 5).pause(vn(2026, 1, 13, 17), "supplement")
    clock = clock.restart_from_zero(vn(2026, 1, 23, 17)).finish(processed)
    months = contributions(facts(clock, processed=processed), now=vn(2026, 2, 10))
    jan, feb = (m.judgement for m in months)
    assert jan.on_time and not jan.index.on_time and local(jan.index.counted_at) == vn(2026, 1, 22)
    assert feb.on_time and not feb.index.on_time and local(feb.index.counted_at) == vn(2026, 1, 23, 17)


def test_naive_instants_are_refused() -> None:
    ledger, processed = example()
    with pytest.raises(NaiveDatetimeError):
        index_verdict(ledger.events, datetime(2026, 1, 15, 17), processed)
    with pytest.raises(NaiveDatetimeError):
        facts(ledger, processed=processed, original_due=datetime(2026, 1, 15, 17))
