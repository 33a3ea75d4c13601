"""From a stored dossier to its contributions to the index, month by month — pure: the caller reads the rows.

What each contribution carries, and why:

* 2.1 (on time): the judgement of ``index.judge`` for the month, with the step and body of the internal process
  that overran (docs/legal.md §4: lateness belongs to the step that overran) so that a dashboard can say why.
  ``on_time`` is the legal clock's verdict, the one version 1 of the definitions counts. The portal's verdict
  (original appointment less the supplement waits, ``Judgement.index``) is judged too but not stored: a metric
  set that counts it needs a column for it in ``index_contribution`` and a counter in the rollups — a
  migration — filled here from ``judgement.index.on_time``.
* 3.3 (filed online): only in the month of receipt; a dossier filed online by an officer or a digital volunteer
  (assisted filing, ``filed_by`` ≠ citizen) is counted apart, so a commune cannot pass its own filing off as
  citizens filing online.
* 3.6 (paid online): only in the month of receipt, for procedures with a fee (phí, lệ phí).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from motcua.calendar import VIETNAM_TZ, ClockLedger
from motcua.index.judge import DossierFacts, contributions


@dataclass(frozen=True)
class DossierRow:
    """The columns of a dossier the index reads (one SELECT in ``index.tasks``)."""

    id: int
    province_code: str
    deciding_commune_code: str
    procedure_code: str
    channel: int
    filed_by: str
    paid_online: bool
    received_at: datetime
    processed_at: datetime | None
    returned_at: datetime | None
    ended_at: datetime | None
    clock_events: list[dict[str, Any]]
    original_due_at: datetime | None = None
    """The appointment printed on the receipt: what the portal's 2.1 compares with."""


@dataclass(frozen=True)
class VersionFacts:
    """What the index needs of the procedure version a dossier was received under."""

    department: str
    has_fee: bool
    data: Mapping[str, Any]

    @classmethod
    def of(cls, handling_department: str, data: Mapping[str, Any]) -> VersionFacts:
        fee = sum(int(f.get("amount_vnd", 0)) for f in data.get("fees", []))
        return cls(handling_department, fee > 0, data)


def month_of(instant: datetime) -> date:
    local = instant.astimezone(VIETNAM_TZ)
    return date(local.year, local.month, 1)


def supplement_requests(clock_events: list[dict[str, Any]]) -> tuple[datetime, ...]:
    """Every request to supplement after receipt: the clock's pauses for a supplement (Art. 19(5))."""
    return tuple(datetime.fromisoformat(e["at"]) for e in clock_events
                 if e["type"] == "paused" and e.get("reason") == "supplement")


def contribution_rows(row: DossierRow, version: VersionFacts, ledger: ClockLedger,
                      now: datetime) -> list[dict[str, Any]]:
    """The ``index_contribution`` rows of one dossier as of ``now`` (none when its clock never started)."""
    if not row.clock_events or row.clock_events[0]["type"] != "started":
        return []
    facts = DossierFacts(received_at=row.received_at, ledger=ledger, processed_at=row.processed_at,
                         returned_at=row.returned_at, ended_at=row.ended_at,
                         supplement_requests=supplement_requests(row.clock_events),
                         original_due_at=row.original_due_at)
    receipt_month = month_of(row.received_at)
    online = row.channel == 2
    rows = []
    for item in contributions(facts, now):
        judgement = item.judgement
        overrun = [] if judgement.on_time else ledger.overrun_steps(judgement.judged_at)
        first = item.month == receipt_month
        rows.append({
            "dossier_id": row.id, "month": item.month, "province_code": row.province_code,
            "commune_code": row.deciding_commune_code, "procedure_code": row.procedure_code,
            "department": version.department, "received": first, "counted": True, "on_time": judgement.on_time,
            "on_time_index": judgement.index.on_time,
            "open_at_end": judgement.open_at_end, "reason": judgement.reason, "judged_at": judgement.judged_at,
            "due_at": judgement.due_at, "late_hours": judgement.late_by.total_hours.quantize(Decimal("0.01")),
            "late_step": overrun[-1].step if overrun else None, "late_body": overrun[-1].body if overrun else None,
            "supplement_requests": judgement.supplement_requests, "explanation": judgement.explanation,
            "online_by_citizen": first and online and row.filed_by == "citizen",
            "online_assisted": first and online and row.filed_by != "citizen",
            "with_fee": first and version.has_fee, "paid_online": first and version.has_fee and row.paid_online,
        })
    return rows
