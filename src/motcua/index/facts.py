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

The flags version 2 counts (docs/legal.md §7). Each is a pure function of the dossier's row, its documents and its
index facts (``index_dossier_fact``), so that a set-based rebuild can mirror it exactly. Below, *first* means the
contribution's month is the month of receipt (``month = month_of(received_at)``, Vietnam time), *counted* is always
true for a stored contribution, and *ended* means ``counted AND NOT open_at_end`` (processing ended within the
month):

* ``owed_fee`` = first AND ``dossier.owed_fee_vnd > 0`` — the fee the dossier actually owed after the
  alternatives and the exemption chosen at intake (``catalog.fees``), 3.5–3.6's A denominator.
* ``owed_fee_paid_online`` = ``owed_fee`` AND ``dossier.paid_online`` — A's numerator.
* ``unsatisfactory_dossiers`` = counted AND (NOT ``on_time_index`` OR a dissatisfied rating is on record
  (``index_dossier_fact.dissatisfied_at IS NOT NULL``) OR a feedback case names the dossier
  (``index_dossier_fact.feedback_case_at IS NOT NULL``)) — 5.4, each dossier once. The facts are those recorded by
  the instant the fold runs (a published snapshot uses those recorded by its publication).
* ``results_issued`` = ended AND ``dossier.processed_at IS NOT NULL`` — a result was issued (4.1's denominator);
  counted in the month its processing ended, so once in any period.
* ``e_results`` = ``results_issued`` AND the dossier has a document of kind ``result`` signed digitally
  (``signature = 'digital'``: the electronic result, Decree 118 Art. 22, signed with a digital signature as Decree
  45/2020 Art. 11 requires). A result signed by hand and scanned (``paper``), or uploaded as it came (NULL), is
  digitised (4.2) but is not an electronic result.
* ``certified_copies`` = ``results_issued`` AND the procedure is a certification of copies from originals
  (``VersionFacts.certified_copy``: its name contains "bản sao từ bản chính"); ``e_certified_copies`` =
  ``certified_copies`` AND ``e_results`` — 4.6.
* ``digitised`` = first AND the dossier has a document of kind ``input`` or ``supplement`` AND
  (``dossier.processed_at IS NULL`` OR it has a document of kind ``result``) — 4.2: the inputs scanned or attached
  and, once finished, the result attached.
* ``vneid_verified`` = first AND ``dossier.identity_verified`` — 4.5b, recorded at intake.
* ``reused_from_store`` = first AND the dossier has a document that reuses one of the citizen's store
  (``dossier_document.reused_from_id IS NOT NULL``: chosen at intake instead of a new scan) — 4.3.
* ``linked_to_store`` = first AND the dossier belongs to a citizen's store — a person's with an ID number
  (``applicant_kind = 'person' AND id_number IS NOT NULL``) or followed by a citizen account (``citizen_id``) —
  AND it holds a document that is, or comes from, that store (an input or supplement, scanned or reused, or a
  result) — 4.4: its documents are in the citizen's store (``docstore.queries``), keyed to the citizen.
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
    owed_fee_vnd: int = 0
    identity_verified: bool = False
    has_inputs: bool = False
    """A document of kind input or supplement is stored."""
    has_result: bool = False
    """A document of kind result is stored."""
    has_digital_result: bool = False
    """A document of kind result signed digitally is stored (``signature = 'digital'``)."""
    has_reused: bool = False
    """A document reuses one of the citizen's store (``reused_from_id``)."""
    store_owner: bool = False
    """The dossier is a citizen's: a person's with an ID number, or followed by a citizen account."""
    dissatisfied: bool = False
    """A dissatisfied rating is on record (``index_dossier_fact.dissatisfied_at``)."""
    feedback_case: bool = False
    """A feedback case names the dossier (``index_dossier_fact.feedback_case_at``)."""


@dataclass(frozen=True)
class VersionFacts:
    """What the index needs of the procedure version a dossier was received under."""

    department: str
    has_fee: bool
    data: Mapping[str, Any]
    certified_copy: bool = False
    """A certification of copies from originals (chứng thực bản sao từ bản chính): indicator 4.6."""

    @classmethod
    def of(cls, handling_department: str, data: Mapping[str, Any]) -> VersionFacts:
        fee = sum(int(f.get("amount_vnd", 0)) for f in data.get("fees", []))
        return cls(handling_department, fee > 0, data, is_certified_copy(str(data.get("name", ""))))


def is_certified_copy(name: str) -> bool:
    """Whether a procedure certifies copies from originals (4.6), read off its name: the national catalogue names
    every such procedure "Chứng thực bản sao từ bản chính …"."""
    return "bản sao từ bản chính" in name.lower()


def month_of(instant: datetime) -> date:
    local = instant.astimezone(VIETNAM_TZ)
    return date(local.year, local.month, 1)


def supplement_requests(clock_events: list[dict[str, Any]]) -> tuple[datetime, ...]:
    """Every request to supplement after receipt: the clock's pauses for a supplement (Art. 19(5))."""
    return tuple(datetime.fromisoformat(e["at"]) for e in clock_events
                 if e["type"] == "paused" and e.get("reason") == "supplement")


def version_2_flags(row: DossierRow, version: VersionFacts, first: bool, open_at_end: bool,
                    on_time_index: bool) -> dict[str, bool]:
    """The flags of one contribution that version 2 counts (the rules in this module's docstring)."""
    owed = first and row.owed_fee_vnd > 0
    issued = not open_at_end and row.processed_at is not None
    electronic = issued and row.has_digital_result
    copies = issued and version.certified_copy
    return {
        "owed_fee": owed, "owed_fee_paid_online": owed and row.paid_online,
        "unsatisfactory_dossiers": not on_time_index or row.dissatisfied or row.feedback_case,
        "results_issued": issued, "e_results": electronic,
        "certified_copies": copies, "e_certified_copies": copies and electronic,
        "digitised": first and row.has_inputs and (row.processed_at is None or row.has_result),
        "vneid_verified": first and row.identity_verified,
        "reused_from_store": first and row.has_reused,
        "linked_to_store": first and row.store_owner and (row.has_inputs or row.has_result),
    }


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
            **version_2_flags(row, version, first, judgement.open_at_end, judgement.index.on_time),
        })
    return rows
