"""Reading dossiers for the index: the columns, documents and index facts ``index.facts`` judges, for the fold
(``index.tasks``) and for a snapshot judged afresh (``index.snapshots``) alike — one reader, so both apply the same
rules to the same inputs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from motcua.calendar import ClockLedger, WorkCalendar, WorkingHours
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.models import ProcedureVersion
from motcua.dossier.clock import ledger_of
from motcua.dossier.models import Dossier, DossierDocument
from motcua.index.facts import DossierRow, VersionFacts
from motcua.index.models import IndexDossierFact
from motcua.kit.clock import as_utc

_INPUT_KINDS = ("input", "supplement")


@dataclass(frozen=True)
class ReadDossier:
    row: DossierRow
    code: str
    version: VersionFacts
    ledger: ClockLedger


def _utc(instant: datetime | None) -> datetime | None:
    """SQLite gives timestamps back without their zone; they are stored in UTC."""
    return None if instant is None else as_utc(instant)


def _document_kinds(session: Session, ids: Sequence[int]) -> dict[int, set[str]]:
    """Per dossier: the kinds of its documents, with ``result:digital`` for a digitally signed result and
    ``reused`` for an item reusing the citizen's store."""
    kinds: dict[int, set[str]] = {}
    for dossier_id, kind, signature, reused in session.execute(
            select(DossierDocument.dossier_id, DossierDocument.kind, DossierDocument.signature,
                   DossierDocument.reused_from_id.is_not(None)).where(DossierDocument.dossier_id.in_(ids))
            .distinct()):
        mine = kinds.setdefault(dossier_id, set())
        mine.add(kind)
        if kind == "result" and signature == "digital":
            mine.add("result:digital")
        if reused:
            mine.add("reused")
    return kinds


def _facts(session: Session, ids: Sequence[int], until: datetime | None) -> dict[int, tuple[bool, bool]]:
    """(dissatisfied, feedback case) per dossier, as recorded by ``until`` (None: everything recorded)."""
    out: dict[int, tuple[bool, bool]] = {}
    for f in session.execute(select(IndexDossierFact).where(IndexDossierFact.dossier_id.in_(ids))).scalars():
        def seen(at: datetime | None) -> bool:
            return at is not None and (until is None or as_utc(at) <= until)
        out[f.dossier_id] = (seen(f.dissatisfied_at), seen(f.feedback_case_at))
    return out


def read_dossiers(session: Session, where: Sequence[ColumnElement[bool]], facts_until: datetime | None = None,
                  chunk: int = 2000) -> Iterator[ReadDossier]:
    """Every dossier matching ``where`` (by id), with its version's facts, its ledger on its province's calendar,
    its document kinds and its index facts (recorded by ``facts_until``, default all)."""
    d = Dossier
    query = (select(d.id, d.code, d.province_code, d.deciding_commune_code, d.procedure_code, d.channel, d.filed_by,
                    d.paid_online, d.received_at, d.processed_at, d.returned_at, d.ended_at, d.clock_events,
                    d.original_due_at, d.procedure_version_id, d.owed_fee_vnd, d.identity_verified,
                    d.applicant_kind, d.id_number, d.citizen_id)
             .where(*where).order_by(d.id))
    versions: dict[int, VersionFacts] = {}
    calendars: dict[str, tuple[WorkCalendar, WorkingHours]] = {}
    rows: list[Any] = list(session.execute(query))
    for start in range(0, len(rows), chunk):
        batch = rows[start:start + chunk]
        ids = [r.id for r in batch]
        kinds = _document_kinds(session, ids)
        facts = _facts(session, ids, facts_until)
        for r in batch:
            if r.procedure_version_id not in versions:
                v = session.execute(select(ProcedureVersion.handling_department, ProcedureVersion.data)
                                    .where(ProcedureVersion.id == r.procedure_version_id)).one()
                versions[r.procedure_version_id] = VersionFacts.of(v.handling_department, v.data)
            if r.province_code not in calendars:
                calendars[r.province_code] = (calendar_for_province(session, r.province_code),
                                              working_hours_for(session, r.province_code))
            version = versions[r.procedure_version_id]
            calendar, hours = calendars[r.province_code]
            mine = kinds.get(r.id, set())
            dissatisfied, case = facts.get(r.id, (False, False))
            row = DossierRow(r.id, r.province_code, r.deciding_commune_code, r.procedure_code, r.channel, r.filed_by,
                             r.paid_online, as_utc(r.received_at), _utc(r.processed_at), _utc(r.returned_at),
                             _utc(r.ended_at), r.clock_events, _utc(r.original_due_at),
                             owed_fee_vnd=int(r.owed_fee_vnd or 0), identity_verified=bool(r.identity_verified),
                             has_inputs=bool(mine & set(_INPUT_KINDS)), has_result="result" in mine,
                             has_digital_result="result:digital" in mine, has_reused="reused" in mine,
                             store_owner=bool((r.applicant_kind == "person" and r.id_number)
                                              or r.citizen_id is not None),
                             dissatisfied=dissatisfied, feedback_case=case)
            yield ReadDossier(row, r.code, version, ledger_of(r.clock_events, calendar, hours, dict(version.data)))
