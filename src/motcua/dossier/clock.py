"""The bridge between a stored dossier and the pure legal clock (``motcua.calendar.ledger``).

A dossier stores its clock as a list of events (JSON); the due date shown, sorted on and counted by the index is
derived from them with the province's calendar and working hours. When an announcement changes the calendar,
``dossier.actions.recompute_due_dates`` re-derives ``due_at`` for every open dossier of the province in one batch.
``on_time_verdicts`` gives the dossier page both answers to "on time?": for the citizen and for the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from motcua.calendar import (
    SUPPLEMENT_EXPIRY,
    ClockEvent,
    ClockLedger,
    Extended,
    ExtendedByLaw,
    Finished,
    HandedOver,
    Paused,
    RestartedFromZero,
    Resumed,
    Started,
    StepBudget,
    TimeLimit,
    WorkCalendar,
    WorkingHours,
    due_instant,
)
from motcua.calendar.errors import LedgerError
from motcua.calendar.index_clock import OnTimeVerdicts
from motcua.calendar.index_clock import on_time_verdicts as verdicts_of
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.models import ProcedureVersion
from motcua.dossier.clock_words import ClockBadge, clock_badge
from motcua.dossier.models import Dossier
from motcua.kit.clock import as_utc


def event_to_json(event: ClockEvent) -> dict[str, Any]:
    at = event.at.isoformat()
    if isinstance(event, Started):
        return {"type": "started", "at": at, "amount": str(event.limit.amount), "unit": event.limit.unit}
    if isinstance(event, Paused):
        return {"type": "paused", "at": at, "reason": event.reason}
    if isinstance(event, Resumed):
        return {"type": "resumed", "at": at}
    if isinstance(event, RestartedFromZero):
        return {"type": "restarted", "at": at}
    if isinstance(event, Extended):
        return {"type": "extended", "at": at, "new_due": event.new_due.isoformat(), "document": event.document}
    if isinstance(event, ExtendedByLaw):
        return {"type": "extended_by_law", "at": at, "working_days": event.working_days, "ground": event.ground,
                "basis": event.basis}
    if isinstance(event, HandedOver):
        return {"type": "handed_over", "at": at, "step": event.step}
    return {"type": "finished", "at": at}


def event_from_json(raw: dict[str, Any]) -> ClockEvent:
    at = datetime.fromisoformat(raw["at"])
    kind = raw["type"]
    if kind == "started":
        return Started(at, TimeLimit(Decimal(raw["amount"]), raw["unit"]))
    if kind == "paused":
        return Paused(at, raw["reason"])
    if kind == "resumed":
        return Resumed(at)
    if kind == "restarted":
        return RestartedFromZero(at)
    if kind == "extended":
        return Extended(at, datetime.fromisoformat(raw["new_due"]), raw.get("document", ""))
    if kind == "extended_by_law":
        return ExtendedByLaw(at, int(raw["working_days"]), raw["ground"], raw.get("basis", ""))
    if kind == "handed_over":
        return HandedOver(at, raw["step"])
    if kind == "finished":
        return Finished(at)
    raise ValueError(f"unknown clock event {kind!r}")


def step_budgets(version_data: dict[str, Any]) -> tuple[StepBudget, ...]:
    """The internal process of a procedure version as the ledger's step budgets (quy trình nội bộ)."""
    return tuple(
        StepBudget(step=s["key"], body=s["department"],
                   budget=TimeLimit(Decimal(str(s["budget_amount"])), s["budget_unit"]))
        for s in version_data.get("process", [])
    )


def ledger_of(events: Sequence[dict[str, Any]], calendar: WorkCalendar, hours: WorkingHours,
              version_data: dict[str, Any]) -> ClockLedger:
    return ClockLedger(calendar, hours, step_budgets(version_data), tuple(event_from_json(e) for e in events))


def dossier_ledger(session: Session, dossier: Dossier) -> ClockLedger:
    """The dossier's ledger read against its province's current calendar and hours."""
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    return ledger_of(dossier.clock_events, calendar_for_province(session, dossier.province_code),
                     working_hours_for(session, dossier.province_code), version.data)


def on_time_verdicts(dossier: Dossier, ledger: ClockLedger, now: datetime) -> OnTimeVerdicts | None:
    """On time for the citizen (the legal clock) and for the index (the portal's 2.1: the appointment on the
    receipt less the supplement waits), docs/legal.md §7 — final once processing ended, else as of ``now``;
    ``None`` before the clock starts. ``ledger`` is ``dossier_ledger(dossier)``, which the page has built."""
    if not dossier.clock_events:
        return None
    return verdicts_of(ledger, _utc(dossier.original_due_at), _utc(dossier.processed_at),
                       _utc(dossier.returned_at), _utc(dossier.ended_at), now)


def _utc(instant: datetime | None) -> datetime | None:
    return None if instant is None else as_utc(instant)


def intake_supplement_expires_at(session: Session, dossier: Dossier) -> datetime | None:
    """An online dossier asked to supplement in place before acceptance lapses, like one asked after appraisal,
    15 days after the (latest) request (Art. 19(5), read by analogy): then the centre may close it."""
    if dossier.clock_events or dossier.supplement_requested_at is None:
        return None
    return due_instant(as_utc(dossier.supplement_requested_at), SUPPLEMENT_EXPIRY,
                       calendar_for_province(session, dossier.province_code),
                       working_hours_for(session, dossier.province_code))


def badge_of(session: Session, dossier: Dossier, now: datetime, ledger: ClockLedger | None = None) -> ClockBadge:
    """The dossier's clock in words (``clock_words.clock_badge``) at ``now``: what the inbox, the dossier page and
    the home page's counts show. ``ledger`` is ``dossier_ledger(dossier)`` when the caller has built it."""
    state = expires = None
    if dossier.clock_events:
        try:
            ledger = ledger if ledger is not None else dossier_ledger(session, dossier)
            state = ledger.state(now)
            expires = ledger.supplement_expires_at(now)
        except LedgerError:  # read before its receipt (a page of the past): no clock yet
            state = expires = None
    else:
        expires = intake_supplement_expires_at(session, dossier)
    return clock_badge(dossier.status, state, now, due_at=_utc(dossier.due_at), supplement_expires=expires)
