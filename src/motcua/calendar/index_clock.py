"""Indicator 2.1's clock as the national portal computes it, beside the citizen's legal clock (docs/legal.md §7).

A dossier has two answers to "was it on time?", each right for its purpose, and motcua keeps both:

* **On time for the citizen** — the legal clock of Decree 118/2025 (``ledger.ClockLedger``): a supplement restarts
  the time limit from zero with a new appointment (Art. 19(5)), a fee pause moves the due instant, the one apology
  extension sets a new date (Art. 19(6)).
* **On time for the index** — the rule the national public-service portal applies to indicator 2.1 of Decision
  766/QĐ-TTg (docs/legal.md §7): the end of processing, less the time the citizen spent supplementing
  (supplement completed − supplement requested), is compared with the **original appointment**, the one printed
  on the receipt (NgayHenTra). Nothing restarts and the apology extension does not move that appointment; a
  **legal extension** does (``ledger.ExtendedByLaw``: the procedure's own law allows the extra working days, so
  the appointment itself legally moved — the stored original appointment moves with it, and
  ``first_appointment`` adds them too).

The choices made for the index's rule, and why:

* **Waiting time is wall-clock time.** The portal subtracts one timestamp from another, so nights, weekends and
  holidays inside the wait are subtracted in full; a wait across Tết takes away its ten calendar days, not the
  one working day inside it. Subtracting working time instead would not reproduce the portal's verdicts.
* **Only supplement waits are subtracted** (the portal's formula names the supplement and nothing else); a fee
  pause of the legal clock is the citizen's time in law but not in the index.
* **A wait not completed by the instant judged runs to that instant**, which puts the instant compared at the
  request: a dossier waiting for a supplement at the period's end is judged at the time of the request (§7), and
  so is one that ended (closed for want of the supplement, withdrawn, stopped) while waiting.
* **Asked to supplement more than once → late**, whatever the dates (§7; one request per dossier, Decree 118
  Art. 11(2)(c)).
* **End of processing** = processed, else returned, else stopped / refused / withdrawn / closed; a dossier still
  open is judged at the period's end (for a page: now).

Pure: every instant and the appointment come in as arguments; instants are aware.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from motcua.calendar.deadlines import due_instant
from motcua.calendar.hours import to_vietnam_time
from motcua.calendar.ledger import (
    ClockEvent,
    ClockLedger,
    ExtendedByLaw,
    Finished,
    Paused,
    RestartedFromZero,
    Started,
    moved_by_working_days,
)

IndexReason = Literal["on_time", "late", "supplemented_more_than_once"]


def end_of_processing(processed_at: datetime | None, returned_at: datetime | None,
                      ended_at: datetime | None) -> datetime | None:
    """NgayKetThucXuLy as §7 defines it: processed, else returned, else stopped/refused/withdrawn/closed."""
    for instant in (processed_at, returned_at, ended_at):
        if instant is not None:
            return instant
    return None


def first_appointment(ledger: ClockLedger) -> datetime:
    """The appointment the receipt printed, read off the ledger's start (Art. 17(3)), moved by the legal extensions
    granted (``ExtendedByLaw``): for a dossier whose stored original appointment is missing. A calendar changed
    since the receipt may move it; the stored one does not."""
    start = ledger.events[0] if ledger.events else None
    if not isinstance(start, Started):
        raise ValueError("only a dossier whose clock has started has an appointment")
    appointment = due_instant(start.at, start.limit, ledger.calendar, ledger.hours)
    legal_days = sum(e.working_days for e in ledger.events if isinstance(e, ExtendedByLaw))
    return moved_by_working_days(appointment, legal_days, ledger.calendar, ledger.hours) if legal_days else appointment


@dataclass(frozen=True)
class SupplementWait:
    """One request to supplement (yêu cầu bổ sung, hoàn thiện hồ sơ, Art. 19(5)) and its completion."""

    requested_at: datetime
    completed_at: datetime | None
    """When the centre confirmed the supplement complete (the legal clock's restart), or asked again because it was
    not; None while awaited, or when the dossier ended without it."""

    def waited(self, until: datetime) -> timedelta:
        """Wall-clock time waited by ``until``; a wait still open then runs to ``until``."""
        if self.requested_at >= until:
            return timedelta(0)
        end = until if self.completed_at is None else min(self.completed_at, until)
        return end - self.requested_at


def supplement_waits(events: Iterable[ClockEvent]) -> tuple[SupplementWait, ...]:
    """The supplement waits of a clock, in order: each supplement pause with the restart that ended it."""
    waits: list[SupplementWait] = []
    pending: datetime | None = None
    for event in events:
        if isinstance(event, Paused) and event.reason == "supplement":
            if pending is not None:  # asked again while waiting: the first wait runs to the new request
                waits.append(SupplementWait(pending, event.at))
            pending = event.at
        elif isinstance(event, RestartedFromZero | Finished) and pending is not None:
            completed = event.at if isinstance(event, RestartedFromZero) else None
            waits.append(SupplementWait(pending, completed))
            pending = None
    if pending is not None:
        waits.append(SupplementWait(pending, None))
    return tuple(waits)


@dataclass(frozen=True)
class IndexVerdict:
    """On time for the index (the portal's rule for 2.1) at one instant."""

    on_time: bool
    judged_at: datetime
    """The end of processing, or — for a dossier still open — the period's end (or now)."""
    counted_at: datetime
    """``judged_at`` less the supplement waits: the instant compared with the appointment."""
    appointment: datetime
    """The original appointment (NgayHenTra on the receipt)."""
    waited: timedelta
    """Wall-clock time subtracted: the supplement waits up to ``judged_at``."""
    supplement_requests: int
    """Requests to supplement made up to ``judged_at``."""
    awaiting_supplement: bool
    """A request was pending at ``judged_at``: ``counted_at`` is then the time of that request."""

    @property
    def reason(self) -> IndexReason:
        if self.supplement_requests > 1:
            return "supplemented_more_than_once"
        return "on_time" if self.on_time else "late"

    @property
    def late_by(self) -> timedelta:
        """Wall-clock time past the appointment; zero when within it (a dossier late for asking twice included)."""
        return max(timedelta(0), self.counted_at - self.appointment)


def index_verdict(events: Iterable[ClockEvent], appointment: datetime, judged_at: datetime) -> IndexVerdict:
    """On time for the index at ``judged_at`` (end of processing, or the period's end for an open dossier).

    docs/legal.md §7: ``judged_at − Σ(supplement completed − supplement requested) ≤ appointment``, the waits in
    wall-clock time, and more than one request is late. Events after ``judged_at`` are not looked at.
    """
    to_vietnam_time(appointment)  # refuses a naive instant
    to_vietnam_time(judged_at)
    waits = [w for w in supplement_waits(events) if w.requested_at <= judged_at]
    waited = sum((w.waited(judged_at) for w in waits), timedelta(0))
    counted_at = judged_at - waited
    awaiting = any(w.completed_at is None or w.completed_at > judged_at for w in waits)
    return IndexVerdict(on_time=len(waits) <= 1 and counted_at <= appointment, judged_at=judged_at,
                        counted_at=counted_at, appointment=appointment, waited=waited,
                        supplement_requests=len(waits), awaiting_supplement=awaiting)


@dataclass(frozen=True)
class OnTimeVerdicts:
    """Both answers for one dossier at one instant: for the citizen (legal clock) and for the index (portal)."""

    judged_at: datetime
    finished: bool
    """Processing has ended (the verdicts are final); otherwise they hold "so far", at now."""
    citizen: bool
    """On time for the citizen: ``judged_at`` not later than the legal clock's due instant."""
    due_at: datetime
    """The legal clock's due instant at ``judged_at``: after a supplement, the new appointment."""
    index: IndexVerdict


def on_time_verdicts(ledger: ClockLedger, appointment: datetime | None, processed_at: datetime | None,
                     returned_at: datetime | None, ended_at: datetime | None, now: datetime) -> OnTimeVerdicts:
    """Both verdicts of a started dossier as of ``now``; ``appointment`` is its original one (``None``: the one
    its ledger's start gives, ``first_appointment``)."""
    finished = end_of_processing(processed_at, returned_at, ended_at)
    done = finished is not None and finished <= now
    judged_at = finished if finished is not None and done else now
    state = ledger.state(judged_at)
    original = first_appointment(ledger) if appointment is None else appointment
    index = index_verdict(ledger.events, original, judged_at)
    return OnTimeVerdicts(judged_at=judged_at, finished=done, citizen=not state.is_late, due_at=state.due,
                          index=index)
