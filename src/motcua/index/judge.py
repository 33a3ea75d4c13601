"""Indicator 2.1 for one dossier in one period: finished early or on time (Decision 766/QĐ-TTg, docs/legal.md §7).

Two verdicts per dossier and period, each for its purpose:

* ``Judgement.on_time`` — against the **legal clock**, the verdict version 1 of the metric definitions counts.
  ``ClockLedger.due`` moves the due instant with every pause and restarts the limit from zero after a supplement
  (Decree 118/2025 Art. 19(5)), so comparing with ``ledger.due(instant)`` takes the waiting out by the law's
  reckoning, with a new appointment after a supplement.
* ``Judgement.index`` — the **national portal's rule** (``calendar.index_clock.index_verdict``): the end of
  processing less the wall-clock time spent waiting for the supplement, compared with the *original* appointment
  (``DossierFacts.original_due_at``). A dossier that used 4 of its 5 working days, waited 10 days for the citizen
  and took 4 more is on time by the first and late by the second. A metric set that follows the portal counts
  this one.

Common to both, as the portal applies them:

* End of processing = the time it was processed (NgayKetThucXuLy), else returned, else stopped / refused /
  withdrawn.
* A dossier still open at the period's end is judged at the period's end ("still within time" counts as on time).
* A dossier waiting for a supplement at the period's end is judged at the time of that request.
* A dossier asked to supplement **more than once** is late whatever the dates (Decree 118 Art. 11(2)(c): one
  request per dossier; a second one counts as late in the index).

Periods are half-open ``[start, end)``. Pure: every instant comes in as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from motcua.calendar import VIETNAM_TZ, ClockLedger, WorkingSpan, index_clock, to_vietnam_time
from motcua.calendar.index_clock import IndexVerdict, first_appointment, index_verdict

Reason = Literal[
    "finished_on_time",
    "finished_late",
    "open_within_time",
    "open_late",
    "waiting_supplement",
    "supplemented_more_than_once",
]


@dataclass(frozen=True)
class DossierFacts:
    """What 2.1 needs from one dossier; instants are aware (UTC in the database)."""

    received_at: datetime
    """NgayTiepNhan: receipt of the complete dossier, when the clock started (Art. 17(3))."""
    ledger: ClockLedger
    processed_at: datetime | None
    """NgayKetThucXuLy: the result is ready ("Đã xử lý xong")."""
    returned_at: datetime | None
    ended_at: datetime | None
    """Stopped, refused, withdrawn or closed (Art. 19(3), 19(5), 21)."""
    supplement_requests: tuple[datetime, ...] = ()
    """Every request to supplement after receipt (yêu cầu bổ sung, hoàn thiện hồ sơ, Art. 19(5))."""
    original_due_at: datetime | None = None
    """The appointment printed on the receipt (``Dossier.original_due_at``), which the portal's rule compares with;
    ``None``: the one the ledger's start gives (``index_clock.first_appointment``)."""

    def __post_init__(self) -> None:
        for instant in (self.received_at, self.processed_at, self.returned_at, self.ended_at, self.original_due_at):
            if instant is not None:
                to_vietnam_time(instant)  # refuses a naive datetime
        for request in self.supplement_requests:
            to_vietnam_time(request)
        if not self.ledger.events:
            raise ValueError("only a dossier whose clock has started (a receipt was issued) is judged")


def end_of_processing(facts: DossierFacts) -> datetime | None:
    """NgayKetThucXuLy as §7 defines it: processed, else returned, else stopped/refused/withdrawn/closed."""
    return index_clock.end_of_processing(facts.processed_at, facts.returned_at, facts.ended_at)


def appointment(facts: DossierFacts) -> datetime:
    """The original appointment the portal's rule compares with."""
    return first_appointment(facts.ledger) if facts.original_due_at is None else facts.original_due_at


@dataclass(frozen=True)
class Judgement:
    """One dossier's contribution to 2.1 in one period: counted in the denominator, on time or not."""

    on_time: bool
    judged_at: datetime
    """The instant compared with the appointment: end of processing, the period's end, or the supplement request."""
    due_at: datetime
    """``ledger.due(judged_at)``: the appointment with pauses and restarts already applied."""
    open_at_end: bool
    reason: Reason
    late_by: WorkingSpan
    """Working time past ``due_at``; zero when on time."""
    index: IndexVerdict
    """On time for the index, by the national portal's rule (original appointment less the supplement waits),
    judged at the end of processing or the period's end."""
    supplement_requests: int = 0
    """Requests to supplement made up to ``judged_at``."""

    @property
    def explanation(self) -> str:
        """Vietnamese, for the officer who asks why a dossier counted as late."""
        due = f"hạn {_vn(self.due_at)}"
        if self.reason == "supplemented_more_than_once":
            return f"Yêu cầu bổ sung {self.supplement_requests} lần: tính là trễ hạn"
        if self.reason == "finished_on_time":
            return f"Hoàn thành đúng hạn ({due})"
        if self.reason == "finished_late":
            return f"{_late_text(self.late_by)} ({due})"
        if self.reason == "open_within_time":
            return f"Đang giải quyết, còn trong hạn ({due})"
        if self.reason == "open_late":
            return f"Đang giải quyết, {_late_text(self.late_by).lower()} ({due})"
        state = "trong hạn" if self.on_time else _late_text(self.late_by).lower()
        return f"Chờ bổ sung hồ sơ: tính tại thời điểm yêu cầu bổ sung {_vn(self.judged_at)}, {state} ({due})"


@dataclass(frozen=True)
class MonthJudgement:
    month: date
    """First day of the calendar month (Vietnam time)."""
    judgement: Judgement


def judge(facts: DossierFacts, start: datetime, end: datetime) -> Judgement | None:
    """The 2.1 judgement of ``facts`` for the period ``[start, end)``; None when the dossier does not count.

    It does not count when it was received at or after ``end``, or its processing ended before ``start``.
    """
    if not start < end:
        raise ValueError(f"empty period [{start.isoformat()}, {end.isoformat()})")
    if facts.received_at >= end:
        return None
    finished = end_of_processing(facts)
    if finished is not None and finished < start:
        return None
    ledger = facts.ledger
    waiting = False
    if finished is not None and finished < end:
        judged_at, open_at_end = finished, False
    else:
        judged_at, open_at_end = end, True
    # the portal's rule takes the instant before the move to a pending request: its subtraction of the open wait
    # lands on that request by itself
    index = index_verdict(ledger.events, appointment(facts), judged_at)
    if open_at_end:
        pause = ledger.state(end).pause
        if pause is not None and pause.reason == "supplement":
            judged_at, waiting = pause.at, True
    state = ledger.state(judged_at)
    due_at = state.due
    requests = sum(1 for request in facts.supplement_requests if request <= judged_at)
    within = judged_at <= due_at
    reason: Reason
    if requests > 1:
        reason = "supplemented_more_than_once"
    elif waiting:
        reason = "waiting_supplement"
    elif open_at_end:
        reason = "open_within_time" if within else "open_late"
    else:
        reason = "finished_on_time" if within else "finished_late"
    on_time = within and requests <= 1
    late_by = WorkingSpan(0, ledger.hours.day_us) if within else state.late_by
    return Judgement(
        on_time=on_time,
        judged_at=judged_at.astimezone(UTC),
        due_at=due_at,
        open_at_end=open_at_end,
        reason=reason,
        late_by=late_by,
        index=index,
        supplement_requests=requests,
    )


def contributions(facts: DossierFacts, now: datetime, tz: tzinfo = VIETNAM_TZ) -> list[MonthJudgement]:
    """One judgement per calendar month (in ``tz``) from the month of receipt to the month processing ended.

    A still-open dossier runs to the month of ``now``; each month is judged over ``[month start, min(next month
    start, now))`` — what a monthly rollup stores, so the current month can be recomputed until it closes.
    """
    to_vietnam_time(now)
    finished = end_of_processing(facts)
    last = now if finished is None or finished > now else finished
    month = _month_of(facts.received_at, tz)
    final = _month_of(last, tz)
    result: list[MonthJudgement] = []
    while month <= final:
        following = _next_month(month)
        start = datetime(month.year, month.month, 1, tzinfo=tz).astimezone(UTC)
        end = min(datetime(following.year, following.month, 1, tzinfo=tz).astimezone(UTC), now)
        if start < end:
            judgement = judge(facts, start, end)
            if judgement is not None:
                result.append(MonthJudgement(month, judgement))
        month = following
    return result


def _month_of(instant: datetime, tz: tzinfo) -> date:
    local = instant.astimezone(tz)
    return date(local.year, local.month, 1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _vn(instant: datetime) -> str:
    return f"{to_vietnam_time(instant):%H:%M %d/%m/%Y}"


def _late_text(span: WorkingSpan) -> str:
    """E.g. "Trễ 2 ngày 3 giờ làm việc"; a dossier finished after closing on its due day is late by no working time."""
    hours = span.hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    parts = []
    if span.days:
        parts.append(f"{span.days} ngày")
    if hours:
        parts.append(f"{_number(hours)} giờ")
    if not parts:
        return "Trễ hạn (sau giờ làm việc của ngày hẹn)"
    return f"Trễ {' '.join(parts)} làm việc"


def _number(value: Decimal) -> str:
    """4,5 — never 4.500000 (Vietnamese decimal comma)."""
    return format(value.normalize(), "f").replace(".", ",")
