"""Every write to a dossier and its timeline (house rules 2–4): check the workflow table, change state with a guarded
UPDATE, append the timeline event and the audit event — all in the caller's transaction. No other module writes a
dossier, a timeline line or a dossier document (``codes.assign_code`` issues the Art. 28 code for ``create_dossier``).

``create_dossier`` is the one way a dossier comes into being: the counter intake (``receive_dossier``, Decree 118
Art. 15–17) and the portal's online filing (``portal.actions.filing``) check what is particular to them and hand it
a ``NewDossier``. ``DossierImport`` writes dossiers that come with their history (the demo year). ``perform`` carries
out any other row of the workflow table. Two officers acting on the same dossier at once: the guarded ``UPDATE …
WHERE version = :seen`` lets exactly one through; the other gets ``Conflict`` with a clear message and nothing
changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, Literal, NotRequired, TypedDict, cast

from sqlalchemy import Table, TableClause, column, insert, select, table, text, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import INTAKE_ROLES, DepartmentKind, Role
from motcua.calendar import (
    CalendarError,
    ClockEvent,
    Extended,
    ExtendedByLaw,
    Finished,
    HandedOver,
    Paused,
    RestartedFromZero,
    Started,
    TimeLimit,
    WorkCalendar,
    WorkingHours,
    due_instant,
    end_of_office_day,
    moved_by_working_days,
    paper_transfer_deadline,
    to_vietnam_time,
)
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.fees import owed_fees
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.queries import version_in_force
from motcua.config import get_settings
from motcua.db import affected_rows, dialect_insert
from motcua.dossier.clock import dossier_ledger, event_to_json, intake_supplement_expires_at, ledger_of
from motcua.dossier.codes import PLACEHOLDER_PREFIX, assign_code
from motcua.dossier.files import FileStore, inspect_upload, refuse_path_tricks
from motcua.dossier.hooks import dossiers_changed, reusable_documents
from motcua.dossier.models import (
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierDraft,
    DossierEvent,
    DraftFile,
)
from motcua.dossier.queries import get_dossier_for
from motcua.dossier.schemas import ActionIn, IntakeIn, PaperIn
from motcua.dossier.workflow import (
    CREATING,
    END_STATES,
    MACHINE,
    OPEN_STATES,
    Action,
    Status,
    Transition,
    available_actions,
    plan,
)
from motcua.kit.clock import as_utc
from motcua.kit.errors import Conflict, Forbidden, MotcuaError, NotFound, ValidationFailed
from motcua.kit.statemachine import Effects
from motcua.kit.text import fold
from motcua.notify.actions import DossierNotice, NoticeExtra, enqueue_for_dossier, enqueue_staff_alert
from motcua.notify.models import NoticeKind, NotificationOutbox
from motcua.org.models import Commune, Officer, OfficerRole, Province

SUPPLEMENT_WINDOW = TimeLimit(3, "working_days")
"""Decree 118 Art. 19(5): a dossier that needs supplementing is sent back within 3 working days of its receipt — the
general rule; a procedure whose sector law sets another window carries it (``supplement_request_window_wd`` in its
version's data). A request after the window is still allowed, so the citizen never loses the dossier, but it is
recorded as late (the timeline event's ``late_request``) and the dossier page says so (docs/legal.md §3)."""
CORRECTION_LIMIT = TimeLimit(3, "working_days")
"""Decree 118 Art. 23(1): a wrong result is corrected and returned within 3 working days."""
INTERCOMMUNE_TRANSFER = TimeLimit(1, "working_days")
"""Art. 14(2), 20(1): a dossier received for another commune goes on paper within 1 working day."""


#: The notices the applicant gets (notify/), by workflow action; the intake's are chosen in ``receive_dossier``.
NOTICES: dict[Action, NoticeKind] = {
    Action.REQUEST_SUPPLEMENT: NoticeKind.SUPPLEMENT_REQUESTED,  # Art. 19(5): what is missing, 15 days
    Action.REQUEST_SUPPLEMENT_AGAIN: NoticeKind.SUPPLEMENT_REQUESTED,  # the supplement sent was still incomplete
    Action.REQUEST_ONLINE_SUPPLEMENT: NoticeKind.SUPPLEMENT_REQUESTED,  # Art. 17(1)-(2): online, in place
    Action.EXTEND: NoticeKind.EXTENDED,  # Art. 19(6): the apology and the new date
    Action.EXTEND_BY_LAW: NoticeKind.EXTENDED_BY_LAW,  # the sector law's extra days and the new appointment
    Action.APPROVE: NoticeKind.RESULT_READY,
    Action.RETURN_RESULT: NoticeKind.RETURNED,
}


def _base_url() -> str:
    """The public address links in notices point to, when the caller (a view, with its app's settings) gives none."""
    return get_settings().public_base_url


def notice_of(session: Session, dossier: Dossier, kind: NoticeKind, *, now: datetime) -> DossierNotice:
    """What a notice about ``dossier`` states, read in the caller's transaction: the facts notify renders.

    Call it after the state change and after the dossier has its Art. 28 code (at intake the code is issued last).
    """
    if dossier.code.startswith(PLACEHOLDER_PREFIX):
        raise ValueError("the dossier has no code yet: enqueue notifications after the code is issued")
    commune = session.get_one(Commune, dossier.receiving_commune_code)
    supplement_due = None
    if kind is NoticeKind.SUPPLEMENT_REQUESTED and dossier.clock_events:
        try:  # a supplement after appraisal pauses the clock; its lapse is the ledger's (15 days, Art. 19(5))
            supplement_due = dossier_ledger(session, dossier).supplement_expires_at(now)
        except CalendarError:
            supplement_due = None
    elif kind is NoticeKind.SUPPLEMENT_REQUESTED and dossier.status == Status.INTAKE_SUPPLEMENT.value:
        supplement_due = intake_supplement_expires_at(session, dossier)  # online, asked in place (Art. 17(2))
    return DossierNotice(
        dossier_id=dossier.id, code=dossier.code, version=dossier.version, procedure_name=dossier.procedure_name,
        applicant_name=dossier.applicant_name, email=dossier.email, phone=dossier.phone, commune_kind=commune.kind,
        commune_name=commune.name, due_at=dossier.due_at, supplement_due_at=supplement_due)


def announce(session: Session, dossier: Dossier, kind: NoticeKind | str, *, now: datetime, public_base_url: str,
             extra: NoticeExtra | None = None, fetch: bool = True) -> list[NotificationOutbox]:
    """Tell the applicant of ``dossier`` about ``kind`` on every channel they gave (notify's outbox); no commit."""
    kind = NoticeKind(kind)
    return enqueue_for_dossier(session, notice_of(session, dossier, kind, now=now), kind, now=now,
                               public_base_url=public_base_url, extra=extra, fetch=fetch)


def _notice_extra(act: Action, note: str, previous_due: datetime | None) -> NoticeExtra:
    extra: NoticeExtra = {"note": note} if note else {}
    if act in (Action.EXTEND, Action.EXTEND_BY_LAW) and previous_due is not None:
        extra["previous_due_at"] = as_utc(previous_due)
    return extra


def legal_extensions_of(version: ProcedureVersion) -> list[dict[str, Any]]:
    """The legal extensions the procedure version lists (``catalog.schemas.LegalExtension``); a version stored
    before they existed has none."""
    return list(version.data.get("legal_extensions", []))


def legal_grounds_used(dossier: Dossier) -> set[str]:
    """The grounds of the legal extensions already applied to the dossier (its clock's ``extended_by_law``)."""
    return {e["ground"] for e in dossier.clock_events or [] if e.get("type") == "extended_by_law"}


def _legal_extension(version: ProcedureVersion, key: str | None, field_name: str) -> dict[str, Any]:
    """The version's legal extension ``key``, or a Vietnamese refusal naming the field (422)."""
    if not key:
        raise ValidationFailed("Chọn căn cứ gia hạn theo luật.", fields={field_name: "Bắt buộc."})
    found = next((x for x in legal_extensions_of(version) if x.get("key") == key), None)
    if found is None:
        name = version.data.get("name", "")
        raise ValidationFailed(f"Thủ tục «{name}» không có căn cứ gia hạn theo luật «{key}».",
                               fields={field_name: "Không thuộc danh mục của thủ tục."})
    return found


def _extended_by_law(at: datetime, extension: Mapping[str, Any]) -> ExtendedByLaw:
    return ExtendedByLaw(at, int(extension["working_days"]), str(extension["key"]), str(extension["ground"]))


def _legal_extension_data(extension: Mapping[str, Any], due: datetime | None,
                          previous_due: datetime | None) -> dict[str, Any]:
    """What the timeline and the audit keep of a legal extension: the ground, its days, the appointments."""
    return {"ground": extension["key"], "basis": extension["ground"], "condition": extension.get("condition", ""),
            "working_days": int(extension["working_days"]),
            "new_due": as_utc(due).isoformat() if due is not None else None,
            "previous_due": as_utc(previous_due).isoformat() if previous_due is not None else None}


def _legal_extension_notice(extension: Mapping[str, Any], note: str) -> str:
    return f"{extension['ground']} — {extension.get('condition', '')}: {note}" if note else str(extension["ground"])


@dataclass(frozen=True)
class Upload:
    requirement_key: str | None
    filename: str
    data: bytes


@dataclass(frozen=True)
class IntakeResult:
    dossier: Dossier
    replayed: bool  # the same idempotency key was seen before: nothing new was written
    events: tuple[DossierEvent, ...] = ()  # the timeline written by this intake (empty on a replay)


class DossierRow(TypedDict):
    """Every column of a dossier row, as the one writer of dossiers writes it (``create_dossier``, and
    ``DossierImport`` for dossiers that come with their history). A TypedDict so that a new column of ``Dossier``
    is a key every builder of a row must set (mypy refuses one that does not; a test holds this list to the table).
    ``id`` is given only by an import, which numbers its rows itself."""

    id: NotRequired[int]
    code: str
    version: int
    status: str
    province_code: str
    receiving_commune_code: str
    deciding_commune_code: str
    procedure_version_id: int
    procedure_code: str
    procedure_name: str
    channel: int
    filed_by: str
    citizen_id: int | None
    applicant_kind: str
    applicant_name: str
    applicant_name_folded: str
    id_number: str | None
    tax_code: str | None
    phone: str | None
    email: str | None
    address: str
    address_commune_code: str | None
    received_at: Any  # instants and JSON: a datetime and a list, or an import's storage text (``DossierImport``)
    due_at: Any
    original_due_at: Any
    paper_transfer_due: Any
    processed_at: Any
    returned_at: Any
    ended_at: Any
    correction_due: Any
    clock_events: Any
    supplement_count: int
    supplement_requested_at: Any
    extended: bool
    current_department: str | None
    handler_id: int | None
    received_by_id: int | None
    paid_online: bool
    owed_fee_vnd: int
    fee_lines_owed: list[int] | None
    fee_exemption: str | None
    identity_verified: bool
    result_summary: str | None
    idempotency_scope: str | None
    idempotency_key: str | None
    request_digest: str | None
    created_at: Any


class EventRow(TypedDict):
    """Every column of a timeline line (``DossierEvent``), as ``DossierRow`` is of a dossier."""

    dossier_id: int
    at: Any
    action: str
    from_status: str | None
    to_status: str
    actor_id: int | None
    actor_name: str
    department: str | None
    note: str
    data: Any


@dataclass(frozen=True)
class StoredFile:
    """A document of a new dossier, checked by content and already in the file store."""

    requirement_key: str | None
    name: str  # the requirement's name, or the file's own
    file_key: str
    file_name: str
    content_type: str
    size: int
    reused_from_id: int | None = None
    """The document of the citizen's store this item reuses instead of a new scan (Decision 766, 4.3): the same
    file, already in the file store."""


@dataclass(frozen=True)
class Idempotency:
    """A create's idempotency key (the API's ``Idempotency-Key``, the intake form's one-time key), the scope it is
    unique in and the digest of the request it came with: the same key with another request is refused."""

    scope: str
    key: str
    digest: str


@dataclass(frozen=True)
class NewDossier:
    """A dossier about to be created, whichever way it comes in; what differs between the ways in is data here.

    ``action`` is the workflow row that creates it: at the counter ``receive`` (the clock starts, Art. 17(3)),
    ``request_intake_supplement`` or ``refuse_intake`` (Art. 17(1), (2)); online ``submit_online`` (Art. 17(2): the
    centre accepts it within 8 working hours, then the clock starts). ``filed_by`` says who filed it (the citizen, a
    counter officer or a digital volunteer for the citizen, docs/legal.md §9) and ``citizen_id`` the account that
    follows it online. ``note`` and ``event_data`` go on the first line of the timeline.
    """

    action: Action
    data: IntakeIn
    receiving: Commune
    deciding: Commune
    procedure: Procedure
    version: ProcedureVersion
    filed_by: str
    citizen_id: int | None = None
    documents: Sequence[StoredFile] = ()
    note: str = ""
    event_data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    idempotency: Idempotency | None = None
    legal_extension: Mapping[str, Any] | None = None
    """At the counter, one of the version's legal extensions applied with the receipt (``action`` receive only):
    the appointment on the receipt is already the moved one."""
    legal_extension_note: str = ""
    identity_verified: bool = False
    """The applicant's identity was checked against the population database (identity adapter, or a VNeID-verified
    citizen account filing for themselves): indicator 4.5b."""


ACCEPTANCE_LIMIT = TimeLimit(8, "working_hours")
"""Art. 17(2): an online dossier is accepted, or the applicant asked to supplement it, within 8 working hours."""

#: The notice each way in sends the applicant (the counter's refusal sends none: the citizen holds the slip).
INTAKE_NOTICES: dict[Status, NoticeKind] = {
    Status.RECEIVED: NoticeKind.RECEIVED,
    Status.INTAKE_INCOMPLETE: NoticeKind.SUPPLEMENT_REQUESTED,
    Status.SUBMITTED: NoticeKind.SUBMITTED,
}


def _digest(data: IntakeIn, uploads: Sequence[Upload]) -> str:
    body = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    files = "|".join(f"{u.requirement_key}:{hashlib.sha256(u.data).hexdigest()}" for u in uploads)
    return hashlib.sha256(f"{body}#{files}".encode()).hexdigest()


def _actor_officer_id(actor: Principal) -> int | None:
    """The person who acts: the officer, or the officer an API token acts on behalf of (never the token's own id)."""
    return actor.officer_id


def _new_event(dossier: Dossier, *, actor: Principal, action: str, from_status: str | None, to_status: str,
               now: datetime, note: str = "", data: dict[str, Any] | None = None) -> DossierEvent:
    # A token's full_name is "<officer> (qua API: <token>)" (auth.queries.token_actor_name): the timeline names the
    # person who answers for the act, never the token's free-text name alone.
    row = EventRow(dossier_id=dossier.id, at=now, action=action, from_status=from_status, to_status=to_status,
                   actor_id=_actor_officer_id(actor), actor_name=(actor.full_name or actor.name)[:120],
                   department=dossier.current_department, note=note, data=data or {})
    return DossierEvent(**row)


def _event(session: Session, dossier: Dossier, *, actor: Principal, action: str, from_status: str | None,
           to_status: str, now: datetime, note: str = "", data: dict[str, Any] | None = None) -> DossierEvent:
    event = _new_event(dossier, actor=actor, action=action, from_status=from_status, to_status=to_status, now=now,
                       note=note, data=data)
    session.add(event)
    return event


#: The catalogue's form of a paper → the form received when the intake does not say (an original or a copy: the
#: original, which the officer changes to a copy at the counter).
_DEFAULT_FORM = {"original": "original", "copy": "copy", "certified_copy": "certified_copy",
                 "original_or_copy": "original"}


def received_papers(version_data: Mapping[str, Any], data: IntakeIn) -> list[dict[str, Any]]:
    """What was received, as the receipt lists it (Decree 118 Art. 17(1), its form: STT, tên giấy tờ, hình thức,
    số lượng): the papers ticked, in the catalogue's order, each with the form and number of copies the intake gave,
    else the catalogue's; an online dossier's papers are electronic. The unticked ones are not listed."""
    present = set(data.documents_present)
    out: list[dict[str, Any]] = []
    for doc in version_data.get("documents", []):
        if doc["key"] not in present:
            continue
        given = data.papers.get(doc["key"])
        form: str
        if given is not None:
            form, count = given.form, given.count
        elif data.channel == 2:
            form, count = "electronic", 1
        else:
            form, count = _DEFAULT_FORM.get(str(doc.get("form", "")), "original"), int(doc.get("count", 1) or 1)
        out.append({"key": doc["key"], "name": doc["name"], "form": form, "count": count})
    return out


def create_dossier(session: Session, *, actor: Principal, new: NewDossier, now: datetime,
                   public_base_url: str | None = None) -> IntakeResult:
    """The one way a dossier comes into being (house rule 2): its row, documents, the first line of its timeline,
    the index queue, its Art. 28 code, the applicant's notice (and, online, the centre's alert), the audit event.

    The caller has checked what is particular to its way in (the counter's outcome, the portal's draft and consent)
    and stored the files. With an idempotency key, a create seen before writes nothing and answers with the dossier
    that holds the key: the unique (scope, key) decides it, on PostgreSQL after waiting for the other transaction.
    """
    row = plan(new.action, Status.NEW, actor.roles)
    assert row.target is not None  # every creating row names its state
    status = row.target
    data, receiving, deciding, version = new.data, new.receiving, new.deciding, new.version
    calendar = calendar_for_province(session, receiving.province_code)
    hours = working_hours_for(session, receiving.province_code)
    clock: list[dict[str, Any]] = []
    due = original_due = paper_due = None
    if new.legal_extension is not None and status is not Status.RECEIVED:
        raise ValidationFailed("Chỉ áp dụng gia hạn theo luật cho hồ sơ được tiếp nhận (đủ thành phần).",
                               fields={"legal_extension": "Không áp dụng được."})
    unextended_due = None
    if status is Status.RECEIVED:  # Art. 17(3): the time limit runs from the receipt of the complete dossier
        clock = [event_to_json(Started(now, version.time_limit()))]
        if new.legal_extension is not None:  # the sector law's extra days, written on the receipt
            unextended_due = ledger_of(clock, calendar, hours, version.data).due(now)
            clock.append(event_to_json(_extended_by_law(now, new.legal_extension)))
        due = original_due = ledger_of(clock, calendar, hours, version.data).due(now)
        paper_due = (due_instant(now, INTERCOMMUNE_TRANSFER, calendar, hours) if deciding.code != receiving.code
                     else paper_transfer_deadline(now, calendar, hours))
    elif status is Status.SUBMITTED:  # the centre's 8 working hours to accept it (Art. 17(2)); no clock yet
        due = due_instant(now, ACCEPTANCE_LIMIT, calendar, hours)
    owed = owed_fees(version.data, data.fee_options, data.fee_exemption)  # refused before anything is written
    key = new.idempotency
    values = DossierRow(
        code=f"{PLACEHOLDER_PREFIX}{uuid.uuid4().hex}", version=1, status=status.value,
        province_code=receiving.province_code, receiving_commune_code=receiving.code,
        deciding_commune_code=deciding.code, procedure_version_id=version.id, procedure_code=new.procedure.code,
        procedure_name=new.procedure.name, channel=data.channel, filed_by=new.filed_by, citizen_id=new.citizen_id,
        applicant_kind=data.applicant_kind, applicant_name=data.applicant_name,
        applicant_name_folded=fold(data.applicant_name), id_number=data.id_number, tax_code=data.tax_code,
        phone=data.phone, email=str(data.email) if data.email else None, address=data.address,
        address_commune_code=data.address_commune_code, received_at=now, due_at=due, original_due_at=original_due,
        paper_transfer_due=paper_due, processed_at=None, returned_at=None,
        ended_at=now if status in END_STATES else None, correction_due=None, clock_events=clock,
        supplement_count=0, supplement_requested_at=None, extended=False,
        current_department=DepartmentKind.SERVICE_CENTRE.value, handler_id=None,
        received_by_id=_actor_officer_id(actor) if status is not Status.SUBMITTED else None, paid_online=False,
        owed_fee_vnd=owed.total_vnd, fee_lines_owed=owed.line_numbers, fee_exemption=owed.exemption,
        identity_verified=new.identity_verified, result_summary=None,
        idempotency_scope=key.scope if key else None, idempotency_key=key.key if key else None,
        request_digest=key.digest if key else None, created_at=now,
    )
    # The dossier is written under a placeholder code; the code is issued last (below).
    dossier = session.scalars(_insert_once(session), [values]).one_or_none()
    if dossier is None:
        assert key is not None  # without a key nothing conflicts
        seen = session.scalars(select(Dossier).where(Dossier.idempotency_scope == key.scope,
                                                     Dossier.idempotency_key == key.key)).one()
        if seen.request_digest != key.digest:
            raise Conflict("Khóa chống gửi trùng (Idempotency-Key) đã dùng cho một yêu cầu khác.")
        return IntakeResult(seen, replayed=True)
    for doc in new.documents:
        session.add(DossierDocument(dossier_id=dossier.id, requirement_key=doc.requirement_key, name=doc.name,
                                    file_key=doc.file_key, file_name=doc.file_name, content_type=doc.content_type,
                                    kind="input", size=doc.size, uploaded_at=now,
                                    uploaded_by_id=_actor_officer_id(actor), reused_from_id=doc.reused_from_id))
    event_data = dict(new.event_data)
    event_data["papers"] = received_papers(version.data, data)
    event_data["fees"] = [{"name": name, "amount_vnd": amount} for name, amount in owed.applying]
    if data.event_date is not None:
        event_data["event_date"] = data.event_date.isoformat()
    if owed.exemption is not None:
        event_data["fee_exemption"] = {"key": owed.exemption, "ground": owed.ground}
    event_data["owed_fee_vnd"] = owed.total_vnd
    if status is Status.SUBMITTED and due is not None:
        event_data["acceptance_due"] = due.isoformat()
    event = _event(session, dossier, actor=actor, action=row.action.value, from_status=None, to_status=status.value,
                   now=now, note=new.note, data=event_data)
    events = [event]
    if new.legal_extension is not None:
        events.append(_event(session, dossier, actor=actor, action=Action.EXTEND_BY_LAW.value,
                             from_status=status.value, to_status=status.value, now=now,
                             note=new.legal_extension_note,
                             data=_legal_extension_data(new.legal_extension, due, unextended_due)))
    if status is Status.RECEIVED:
        dossiers_changed(session, [dossier.id])  # the service index counts it (Decision 766)
    session.flush()
    # The two rows every intake of the body shares — the day's code counter and the audit chain's head — are
    # locked from their first write to the commit, so they are written last: concurrent counters queue only for
    # these few statements, not for the whole intake (bench/intake.py measures it).
    assign_code(session, dossier, deciding, to_vietnam_time(now).date())
    base_url = public_base_url or _base_url()
    kind = INTAKE_NOTICES.get(status)
    if kind is not None:
        notice = notice_of(session, dossier, kind, now=now)
        enqueue_for_dossier(session, notice, kind, now=now, public_base_url=base_url,
                            extra={"note": new.note} if new.note else {}, fetch=False)
        if status is Status.SUBMITTED:
            enqueue_staff_alert(session, notice, _reception_staff(session, receiving.code), now=now,
                                public_base_url=base_url)
    record(session, actor=actor, action=f"dossier.{row.action.value}", now=now, object_kind="dossier",
           object_id=dossier.id, province_code=dossier.province_code, commune_code=receiving.code,
           data={"code": dossier.code, "procedure": new.procedure.code, "channel": data.channel,
                 "filed_by": new.filed_by})
    if new.legal_extension is not None:
        record(session, actor=actor, action=f"dossier.{Action.EXTEND_BY_LAW.value}", now=now, object_kind="dossier",
               object_id=dossier.id, province_code=dossier.province_code, commune_code=receiving.code,
               data={"code": dossier.code, "from": status.value, "to": status.value,
                     **_legal_extension_data(new.legal_extension, due, unextended_due)})
    return IntakeResult(dossier, replayed=False, events=tuple(events))


def _reception_staff(session: Session, commune_code: str) -> list[tuple[int, str | None, str | None]]:
    """The active reception officers of the commune (id, email, phone): who is alerted to an online dossier."""
    rows = session.execute(
        select(Officer.id, Officer.email, Officer.phone).join(OfficerRole)
        .where(Officer.commune_code == commune_code, Officer.active.is_(True),
               OfficerRole.role == Role.RECEPTION.value))
    return [(officer_id, email, phone) for officer_id, email, phone in rows]


def receive_dossier(session: Session, *, actor: Principal, data: IntakeIn, uploads: Sequence[Upload],
                    store: FileStore, now: datetime, idempotency_key: str | None = None,
                    max_upload_bytes: int = 10 * 1024 * 1024, public_base_url: str | None = None) -> IntakeResult:
    """Tiếp nhận hồ sơ at the counter: received (clock starts), incomplete (supplement slip) or refused.

    Every outcome gets a dossier code (Art. 28) so the slip handed to the citizen can be traced. Files are
    checked by content before anything is written; they are stored before the commit, and a crash between the two
    leaves only unreferenced files that ``motcua housekeeping`` sweeps.
    """
    if not actor.has_role(*INTAKE_ROLES) or actor.commune_code is None:
        raise Forbidden("Chỉ cán bộ tiếp nhận của Trung tâm Phục vụ hành chính công được tiếp nhận hồ sơ.")
    receiving = session.get_one(Commune, actor.commune_code)
    deciding_code = data.deciding_commune_code or receiving.code
    deciding = session.get(Commune, deciding_code)
    if deciding is None or deciding.province_code != receiving.province_code:
        raise ValidationFailed("Cơ quan giải quyết phải là một xã, phường trong tỉnh (Điều 14).",
                               fields={"deciding_commune_code": "Không thuộc tỉnh."})
    day = to_vietnam_time(now).date()
    procedure, version = version_in_force(session, data.procedure_code, day, receiving.province_code)
    required = {d["key"]: d for d in version.data.get("documents", [])}
    data = with_reused_present(data)
    unknown = [k for k in data.documents_present if k not in required]
    if unknown:
        raise ValidationFailed("Giấy tờ không thuộc thành phần hồ sơ của thủ tục.",
                               fields={"documents_present": ", ".join(unknown)})
    missing = [d["name"] for k, d in required.items() if d.get("mandatory", True) and k not in data.documents_present]
    if data.outcome == "received" and missing:
        raise ValidationFailed(
            "Hồ sơ chưa đủ thành phần; hãy lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Điều 17(1)).",
            fields={"documents_present": "Còn thiếu: " + "; ".join(missing)},
        )
    if data.channel == 2 and "online" not in version.data.get("channels", ["online"]):
        raise ValidationFailed("Thủ tục này không tiếp nhận trực tuyến.", fields={"channel": "Không hỗ trợ."})
    legal_extension = (_legal_extension(version, data.legal_extension, "legal_extension")
                       if data.legal_extension is not None else None)
    checked = []
    for upload in uploads:
        if upload.requirement_key is not None and upload.requirement_key not in required:
            raise ValidationFailed("Tệp đính kèm không thuộc thành phần hồ sơ.",
                                   fields={"files": upload.requirement_key})
        checked.append((upload, inspect_upload(upload.filename, upload.data, max_bytes=max_upload_bytes)))
    action = {"received": Action.RECEIVE, "incomplete": Action.REQUEST_INTAKE_SUPPLEMENT,
              "refused": Action.REFUSE_INTAKE}[data.outcome]
    plan(action, Status.NEW, actor.roles)  # before any file is stored
    reused = reused_documents(session, actor=actor, data=data, citizen_id=None, id_number=data.id_number,
                              procedure_code=procedure.code, required=required, now=now)
    documents = reused + [StoredFile(upload.requirement_key,
                            required[upload.requirement_key]["name"] if upload.requirement_key else info.safe_name,
                            store.put(info, upload.data), info.safe_name, info.content_type, info.size)
                 for upload, info in checked]
    key = (Idempotency(f"{actor.kind}:{actor.id}", idempotency_key, _digest(data, uploads)) if idempotency_key
           else None)
    return create_dossier(session, actor=actor, now=now, public_base_url=public_base_url, new=NewDossier(
        action=action, data=data, receiving=receiving, deciding=deciding, procedure=procedure, version=version,
        filed_by="officer" if data.channel == 2 else "citizen", documents=documents, note=data.reasons,
        event_data={"missing": missing} if missing else {}, idempotency=key, legal_extension=legal_extension,
        legal_extension_note=data.legal_extension_note))


def with_reused_present(data: IntakeIn) -> IntakeIn:
    """An item reused from the citizen's store is received (electronically): ticked, whatever the form said."""
    if not data.reused:
        return data
    papers = {**data.papers, **{key: PaperIn(form="electronic", count=1) for key in data.reused}}
    return data.model_copy(update={"documents_present": list(dict.fromkeys([*data.documents_present, *data.reused])),
                                   "papers": papers})


def reused_documents(session: Session, *, actor: Principal, data: IntakeIn, citizen_id: int | None,
                     id_number: str | None, procedure_code: str, required: Mapping[str, Mapping[str, Any]],
                     now: datetime) -> list[StoredFile]:
    """The items of a new dossier that reuse documents of the citizen's electronic store (kho dữ liệu điện tử)
    instead of a new scan (Decree 45/2020 Art. 14: a result already issued electronically is not asked for again;
    Decision 766, 4.3). Each choice must be one the store offers now for that item and that applicant
    (``hooks.reusable_documents``: still valid, the applicant's, of the kind the item asks for); the new item is the
    same file, with ``reused_from_id`` pointing to the earlier document. ``id_number`` is whose store: the ID number
    the counter typed, or the one the population database confirmed for the citizen's account online."""
    if not data.reused:
        return []
    unknown = [key for key in data.reused if key not in required]
    if unknown:
        raise ValidationFailed("Giấy tờ tái sử dụng không thuộc thành phần hồ sơ của thủ tục.",
                               fields={"reused": ", ".join(unknown)})
    offered = {(o.requirement_key, o.document_id)
               for answer in reusable_documents(session, actor, id_number, citizen_id, procedure_code,
                                                list(data.reused), now) for o in answer}
    refused = [key for key, document_id in data.reused.items() if (key, document_id) not in offered]
    if refused:
        raise ValidationFailed("Giấy tờ chọn từ kho dữ liệu không còn hiệu lực hoặc không phải của người nộp hồ sơ; "
                               "hãy tiếp nhận bản giấy.", fields={"reused": ", ".join(refused)})
    out = []
    for key, document_id in data.reused.items():
        earlier = session.get_one(DossierDocument, document_id)
        out.append(StoredFile(key, str(required[key]["name"]), earlier.file_key, earlier.file_name,
                              earlier.content_type, earlier.size, reused_from_id=earlier.id))
    return out


# ------------------------------------------------------------------------------------------------ drafts

def attach_draft_file(session: Session, *, draft: DossierDraft, requirement_key: str, filename: str, data: bytes,
                      store: FileStore, now: datetime, max_upload_bytes: int) -> DraftFile:
    """Attach one file to a draft (the portal's and the counter's): checked by content (type, size, bombs,
    executables, names), stored once in the file store, one row per requirement and content. The caller has checked
    who owns the draft and that ``requirement_key`` belongs to its procedure."""
    refuse_path_tricks(filename)
    info = inspect_upload(filename, data, max_bytes=max_upload_bytes)
    key = store.put(info, data)
    existing = session.scalar(select(DraftFile).where(DraftFile.draft_id == draft.id,
                                                      DraftFile.requirement_key == requirement_key,
                                                      DraftFile.file_key == key))
    if existing is not None:
        return existing
    attached = DraftFile(draft_id=draft.id, requirement_key=requirement_key, file_key=key, file_name=info.safe_name,
                         content_type=info.content_type, size=info.size, uploaded_at=now)
    session.add(attached)
    draft.updated_at = now
    session.flush()
    return attached


def draft_files(session: Session, draft: DossierDraft) -> list[DraftFile]:
    return list(session.scalars(select(DraftFile).where(DraftFile.draft_id == draft.id).order_by(DraftFile.id)))


def counter_draft_for(session: Session, actor: Principal, draft_id: int, *,
                      closed_too: bool = False) -> DossierDraft:
    """The counter draft if it is this officer's own and still open (or, with ``closed_too``, already saved as a
    dossier: a double submit replays that dossier); 404 otherwise (a draft id in a form is input)."""
    draft = session.scalar(select(DossierDraft).where(
        DossierDraft.id == draft_id, DossierDraft.officer_id == actor.officer_id,
        DossierDraft.officer_id.is_not(None)))
    if draft is None or (draft.submitted_at is not None and not closed_too):
        raise NotFound("Không tìm thấy các tệp đã giữ lại của lần tiếp nhận trước; vui lòng đính kèm lại.")
    return draft


def keep_counter_uploads(session: Session, *, actor: Principal, draft_id: int | None, keep: Sequence[int],
                         procedure_code: str, uploads: Sequence[Upload], store: FileStore, now: datetime,
                         max_upload_bytes: int) -> tuple[DossierDraft | None, dict[str, str]]:
    """An intake refused for a mistake in the form keeps the scans attached to it (issue 16, item 2): each is
    checked and kept in the officer's draft, which the re-rendered form carries, so the saved dossier has them.
    Files kept before and unticked (``keep`` lists those still ticked) leave the draft first. Returns the draft
    (None when nothing is kept) and, by file name, why a file could not be kept: a file is never dropped silently."""
    if actor.officer_id is None or actor.commune_code is None:
        return None, {}
    draft = drop_draft_files(session, actor=actor, draft_id=draft_id, keep=keep) if draft_id is not None else None
    if not uploads:
        return draft, {}
    if draft is None:
        draft = DossierDraft(officer_id=actor.officer_id, citizen_id=None, procedure_code=procedure_code[:20],
                             commune_code=actor.commune_code, fields={}, created_at=now, updated_at=now)
        session.add(draft)
        session.flush()
    refused: dict[str, str] = {}
    for upload in uploads:
        try:
            with session.begin_nested():
                attach_draft_file(session, draft=draft, requirement_key=upload.requirement_key or "",
                                  filename=upload.filename, data=upload.data, store=store, now=now,
                                  max_upload_bytes=max_upload_bytes)
        except MotcuaError as exc:
            refused[upload.filename] = exc.message
    draft.procedure_code = procedure_code[:20]
    return draft, refused


def drop_draft_files(session: Session, *, actor: Principal, draft_id: int, keep: Sequence[int],
                     closed_too: bool = False) -> DossierDraft:
    """The officer's draft, without the kept files the officer unticked (the housekeeping sweep removes a stored
    file nothing else holds). A closed draft (``closed_too``: the submit of a dossier saved already) is unchanged."""
    draft = counter_draft_for(session, actor, draft_id, closed_too=closed_too)
    if draft.submitted_at is not None:
        return draft
    for attached in draft_files(session, draft):
        if attached.id not in keep:
            session.delete(attached)
    session.flush()
    return draft


def draft_uploads(session: Session, draft: DossierDraft, store: FileStore) -> list[Upload]:
    """The draft's kept files as uploads of the intake: checked again and stored with the dossier like the others."""
    return [Upload(f.requirement_key or None, f.file_name, store.read(f.file_key)) for f in draft_files(session, draft)]


def close_counter_draft(session: Session, *, draft: DossierDraft, dossier: Dossier, now: datetime) -> None:
    """The dossier is saved with the draft's files: the draft is closed (as a submitted portal draft is)."""
    draft.submitted_at = now
    draft.dossier_id = dossier.id


_INSERTS: dict[str, Any] = {}


def _insert_once(session: Session) -> Any:
    """The intake's ``INSERT … ON CONFLICT (idempotency) DO NOTHING RETURNING``, built once per backend: the values
    go as parameters, so the statement is the same for every intake (building it per call cost more than running
    the cached one)."""
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get(dialect)
    if statement is None:
        statement = _INSERTS[dialect] = (
            dialect_insert(session, Dossier)
            .on_conflict_do_nothing(index_elements=[Dossier.idempotency_scope, Dossier.idempotency_key])
            .returning(Dossier))
    return statement


# ------------------------------------------------------------------------------------------------ the workflow


def _step_for(version: ProcedureVersion, role: Role) -> str | None:
    steps = [s for s in version.data.get("process", []) if s.get("role") == role.value]
    return steps[0]["key"] if steps else None


def _check_handler(session: Session, dossier: Dossier, handler_id: int | None) -> Officer:
    if handler_id is None:
        raise ValidationFailed("Chọn cán bộ xử lý.", fields={"handler_id": "Bắt buộc."})
    officer = session.scalar(
        select(Officer).join(OfficerRole).where(Officer.id == handler_id, Officer.active.is_(True),
                                                Officer.commune_code == dossier.deciding_commune_code,
                                                OfficerRole.role == Role.SPECIALIST.value)
    )
    if officer is None:
        raise ValidationFailed("Cán bộ được phân công phải là chuyên viên đang làm việc của xã giải quyết.",
                               fields={"handler_id": "Không hợp lệ."})
    return officer


#: The handler's appraisal acts (thẩm định, Decree 118 Art. 19(1)-(5)): whoever did one of them appraised the dossier.
APPRAISAL_ACTIONS: frozenset[Action] = frozenset({
    Action.REQUEST_SUPPLEMENT, Action.PROPOSE_REFUSAL, Action.SUBMIT_FOR_APPROVAL,
})
#: The decisions of the head of the competent body on what was appraised (Art. 19, 19(3), 23(1)).
DECIDING_ACTIONS: frozenset[Action] = frozenset({Action.APPROVE, Action.CONFIRM_REFUSAL, Action.FINISH_CORRECTION})
SINGLE_OFFICER_MARK = "single_officer"
"""Key of an approval event's data when the province let the appraiser approve too (shown on the timeline)."""


def appraisers(session: Session, dossier: Dossier) -> set[int]:
    """The officers who appraised the dossier: its assigned handler and whoever did an appraisal act, read from the
    timeline (an act through an API token counts for the officer the token acts for)."""
    found: set[int] = {i for i in session.scalars(select(DossierEvent.actor_id).where(
        DossierEvent.dossier_id == dossier.id, DossierEvent.action.in_([a.value for a in APPRAISAL_ACTIONS]),
        DossierEvent.actor_id.is_not(None))) if i is not None}
    if dossier.handler_id is not None:
        found.add(dossier.handler_id)
    return found


def _separation(session: Session, actor: Principal, dossier: Dossier) -> Literal["apart", "allowed", "refused"]:
    """Separation of duties (issue 13, finding 8): the person who appraised a dossier does not decide on it.

    Decree 118 Art. 19 gives appraisal to the assigned handler and the decision to the head of the competent body;
    one person doing both removes the only review the dossier gets. People and tokens are checked alike, by the
    officer who acts (``Principal.officer_id``). A province may allow it for communes where one person holds both
    posts (``Province.allow_single_officer_approval``): "allowed", and the decision is marked on the timeline.
    """
    officer_id = actor.officer_id
    if officer_id is None or officer_id not in appraisers(session, dossier):
        return "apart"
    allowed = session.scalar(select(Province.allow_single_officer_approval)
                             .where(Province.code == dossier.province_code))
    return "allowed" if allowed else "refused"


class _Situation:
    """What the workflow's guards read (``workflow.Situation``) for ``actor`` acting on ``dossier`` at ``now``; the
    answers that need the calendar, the ledger or the timeline are computed when a guard first asks."""

    def __init__(self, session: Session, actor: Principal, dossier: Dossier, now: datetime) -> None:
        self.session, self.actor, self.dossier, self.now = session, actor, dossier, now
        self.receiving_commune_code: str = dossier.receiving_commune_code
        self.deciding_commune_code: str = dossier.deciding_commune_code
        self.handler_id: int | None = dossier.handler_id
        self.supplement_count: int = dossier.supplement_count

    @cached_property
    def separation(self) -> Literal["apart", "allowed", "refused"]:
        return _separation(self.session, self.actor, self.dossier)

    @cached_property
    def supplement_expired(self) -> bool:
        dossier = self.dossier
        if not dossier.clock_events:  # an online dossier asked to supplement before its acceptance (Art. 17(1)-(2))
            expires = intake_supplement_expires_at(self.session, dossier)
            return expires is not None and self.now > expires
        return dossier_ledger(self.session, dossier).supplement_expired(self.now)

    @property
    def status(self) -> Status:
        return Status(self.dossier.status)

    @cached_property
    def legal_extensions_left(self) -> tuple[str, ...]:
        if not self.dossier.clock_events:
            return ()
        version = self.session.get_one(ProcedureVersion, self.dossier.procedure_version_id)
        used = legal_grounds_used(self.dossier)
        return tuple(x["key"] for x in legal_extensions_of(version) if x["key"] not in used)

    @cached_property
    def extension_refusal(self) -> str | None:
        if not self.dossier.clock_events:
            return "Hồ sơ chưa được tiếp nhận."
        refusal = dossier_ledger(self.session, self.dossier).extension_refusal(self.now)
        return refusal.message if refusal is not None else None


def supplement_window(version_data: Mapping[str, Any]) -> TimeLimit:
    """The window to ask for a supplement after receipt: the procedure's own (sector law), else Art. 19(5)'s 3 wd."""
    days = version_data.get("supplement_request_window_wd")
    return TimeLimit(int(days), "working_days") if days else SUPPLEMENT_WINDOW


def supplement_window_ends(dossier: Dossier, version_data: Mapping[str, Any], calendar: WorkCalendar,
                           hours: WorkingHours) -> datetime | None:
    """When the window to ask for a supplement closes: counted from the receipt of the complete dossier, the
    clock's start (Art. 17(3); an online dossier's acceptance, not its filing); None before the clock starts."""
    if not dossier.clock_events:
        return None
    started = datetime.fromisoformat(dossier.clock_events[0]["at"])
    return due_instant(started, supplement_window(version_data), calendar, hours)


def offered_actions(session: Session, actor: Principal, dossier: Dossier, now: datetime) -> list[Transition]:
    """The buttons of a dossier for ``actor`` at ``now``: the rows whose state, roles and guards ``perform`` would
    let through (``workflow.available_actions`` in the same situation), so a page or the API never offers what
    ``perform`` refuses, nor hides what it accepts."""
    return available_actions(dossier.status, actor.roles, _Situation(session, actor, dossier, now))


@dataclass
class _Step:
    """One action being carried out: what its effect handlers read, and the columns they write."""

    session: Session
    actor: Principal
    dossier: Dossier
    row: Transition
    data: ActionIn
    now: datetime
    version: ProcedureVersion
    calendar: WorkCalendar
    hours: WorkingHours
    values: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # the timeline event's data


def _clock_start(step: _Step) -> ClockEvent:
    """Art. 17(2)-(3): the clock runs from the acceptance of the complete dossier, by the officer who accepts it."""
    step.values["received_by_id"] = _actor_officer_id(step.actor)
    return Started(step.now, step.version.time_limit())


def _clock_hand_over(step: _Step) -> ClockEvent | None:
    """Art. 18: the next step of the internal process takes the clock (when the procedure's process has it)."""
    assert step.row.hands_to is not None
    name = _step_for(step.version, step.row.hands_to)
    return HandedOver(step.now, name) if name else None


def _clock_pause_supplement(step: _Step) -> ClockEvent:
    """Art. 19(5): the clock waits for the citizen's supplement; every request is counted (Art. 11(2)(c) allows one:
    a second — the centre found the supplement still incomplete — counts late for the index, docs/legal.md §7)."""
    step.values.update(supplement_count=step.dossier.supplement_count + 1, supplement_requested_at=step.now)
    return Paused(step.now, "supplement")


def _clock_restart(step: _Step) -> ClockEvent:
    """Art. 19(5): the centre has the complete dossier again (received at the counter, or the citizen's online
    supplement confirmed complete by a centre officer): the time limit starts again from zero."""
    return RestartedFromZero(step.now)


def _clock_extend(step: _Step) -> ClockEvent:
    """Art. 19(6): the apology letter's new date, a working day, at the end of its office day."""
    new_date = step.data.new_due_date
    if new_date is None:
        raise ValidationFailed("Chọn ngày hẹn trả mới.", fields={"new_due_date": "Bắt buộc."})
    if not step.calendar.is_workday(new_date):
        raise ValidationFailed("Ngày hẹn mới phải là ngày làm việc.", fields={"new_due_date": "Không hợp lệ."})
    step.values["extended"] = True
    return Extended(step.now, end_of_office_day(new_date, step.hours), step.data.note)


def _clock_extend_by_law(step: _Step) -> ClockEvent:
    """The sector law's extra working days on one of the procedure version's grounds (each once, the ledger's rule);
    the appointment the index compares with moves by the same days, since it legally moved."""
    extension = _legal_extension(step.version, step.data.legal_extension, "legal_extension")
    event = _extended_by_law(step.now, extension)
    if step.dossier.original_due_at is not None:
        step.values["original_due_at"] = moved_by_working_days(as_utc(step.dossier.original_due_at),
                                                               event.working_days, step.calendar, step.hours)
    step.extra.update(_legal_extension_data(extension, None, step.dossier.due_at))
    return event


def _clock_finish(step: _Step) -> ClockEvent | None:
    """The decision, closure, withdrawal or stop ends the clock — if one ran: a dossier withdrawn before the centre
    accepted it online never had one (Art. 17(2), 21)."""
    return Finished(step.now) if step.dossier.clock_events else None


def _clock_none(step: _Step) -> None:
    return None


#: The clock effects the workflow table names, carried out on a dossier's stored ledger.
CLOCK_EFFECTS: Effects[Transition, _Step, ClockEvent | None] = MACHINE.effects({
    "none": _clock_none, "start": _clock_start, "hand_over": _clock_hand_over,
    "pause_supplement": _clock_pause_supplement, "ask_again": _clock_pause_supplement, "restart": _clock_restart,
    "extend": _clock_extend,
    "extend_by_law": _clock_extend_by_law, "finish": _clock_finish,
})


def _assign(step: _Step) -> None:
    handler = _check_handler(step.session, step.dossier, step.data.handler_id)
    step.values["handler_id"] = handler.id
    step.extra["handler"] = handler.full_name


def _approve(step: _Step) -> None:
    step.values.update(processed_at=step.now, result_summary=step.data.result_summary or step.data.note or None)


def _submit_for_approval(step: _Step) -> None:
    """The handler's draft of the result (số, ký hiệu, trích yếu) travels with the submission, on the timeline: the
    leader reads it beside the approve button (issue 16, item 7)."""
    if step.data.result_summary:
        step.extra["draft"] = step.data.result_summary


def _confirm_refusal(step: _Step) -> None:
    step.values.update(processed_at=step.now, result_summary=step.data.note or None)


def _return_result(step: _Step) -> None:
    step.values["returned_at"] = step.now


def _missing_items(step: _Step) -> None:
    """The list of what to add (Art. 16(3), 17(1): once, completely), as the procedure's document names."""
    required = {d["key"]: d["name"] for d in step.version.data.get("documents", [])}
    unknown = [k for k in step.data.missing if k not in required]
    if unknown:
        raise ValidationFailed("Giấy tờ cần bổ sung không thuộc thành phần hồ sơ của thủ tục.",
                               fields={"missing": ", ".join(unknown)})
    if step.data.missing:
        step.extra["missing"] = [required[k] for k in dict.fromkeys(step.data.missing)]


def _request_supplement(step: _Step) -> None:
    """Art. 19(5): asked within the procedure's window from receipt (3 working days unless sector law sets another).
    Later is allowed — refusing would leave the citizen without a way to complete the dossier — and is recorded as
    late on the timeline and in the audit event."""
    _missing_items(step)
    ends = supplement_window_ends(step.dossier, step.version.data, step.calendar, step.hours)
    if ends is not None:
        step.extra["window_ends"] = ends.isoformat()
        step.extra["late_request"] = step.now > ends


def _request_online_supplement(step: _Step) -> None:
    """Art. 17(1)-(2): the online dossier keeps its code and waits for the citizen; no clock runs, and the
    centre's 8 working hours are answered. The 15 days of ``intake_supplement_expires_at`` run from now."""
    _missing_items(step)
    step.values.update(supplement_requested_at=step.now, due_at=None,
                       received_by_id=_actor_officer_id(step.actor))  # who examined it, as at the counter


def _supply_at_intake(step: _Step) -> None:
    """The citizen supplemented an online dossier before its acceptance: the centre has 8 working hours again to
    accept it or ask once more (Art. 17(2))."""
    step.values["due_at"] = due_instant(step.now, ACCEPTANCE_LIMIT, step.calendar, step.hours)


def _start_correction(step: _Step) -> None:
    """Art. 23(1): the corrected result is due within 3 working days."""
    step.values["correction_due"] = due_instant(step.now, CORRECTION_LIMIT, step.calendar, step.hours)


#: What an action records of its own beyond its row's clock effect, department and ending: the handler it names, the
#: decision and its date, the return, the correction's limit.
RECORDS: dict[Action, Callable[[_Step], None]] = {
    Action.ASSIGN: _assign, Action.APPROVE: _approve, Action.CONFIRM_REFUSAL: _confirm_refusal,
    Action.SUBMIT_FOR_APPROVAL: _submit_for_approval,
    Action.RETURN_RESULT: _return_result, Action.START_CORRECTION: _start_correction,
    Action.REQUEST_SUPPLEMENT: _request_supplement, Action.REQUEST_SUPPLEMENT_AGAIN: _missing_items,
    Action.REQUEST_ONLINE_SUPPLEMENT: _request_online_supplement, Action.SUPPLY_AT_INTAKE: _supply_at_intake,
}


def perform(session: Session, *, actor: Principal, dossier_id: int, action: Action | str, data: ActionIn,
            now: datetime, public_base_url: str | None = None) -> Dossier:
    """Carry out one row of the workflow table on a dossier (every action except the intake): the table and the
    row's guards decide (``workflow.plan``), the row's clock effect moves the ledger, one guarded UPDATE writes."""
    dossier = get_dossier_for(session, actor, dossier_id)
    if data.version != dossier.version:  # first: whoever acted on an old view learns that, whatever else is true
        raise Conflict("Hồ sơ vừa được cán bộ khác cập nhật. Vui lòng tải lại trang để xem trạng thái mới.")
    situation = _Situation(session, actor, dossier, now)
    row = plan(action, dossier.status, actor.roles, situation)
    if row.action in CREATING:
        raise NotFound()
    if row.needs_note and len(data.note) < 5:
        raise ValidationFailed("Ghi rõ lý do hoặc nội dung (ít nhất 5 ký tự).", fields={"note": "Bắt buộc."})
    step = _Step(session=session, actor=actor, dossier=dossier, row=row, data=data, now=now,
                 version=session.get_one(ProcedureVersion, dossier.procedure_version_id),
                 calendar=calendar_for_province(session, dossier.province_code),
                 hours=working_hours_for(session, dossier.province_code))
    if row.action in DECIDING_ACTIONS and situation.separation == "allowed":
        step.extra[SINGLE_OFFICER_MARK] = True
    record_own = RECORDS.get(row.action)
    if record_own is not None:
        record_own(step)
    clock_event = CLOCK_EFFECTS.apply(row, step)
    values = step.values
    if row.moves_to is not None:
        values["current_department"] = (DepartmentKind.SERVICE_CENTRE.value if row.moves_to == "centre"
                                        else step.version.handling_department)
    if row.target is not None:  # a dossier has ended exactly when its status is final (a correction reopens it)
        values["ended_at"] = now if row.target in END_STATES else None
    if clock_event is not None:
        events = [*dossier.clock_events, event_to_json(clock_event)]
        try:
            ledger = ledger_of(events, step.calendar, step.hours, step.version.data)
        except CalendarError as exc:
            raise ValidationFailed(exc.message) from exc
        values["clock_events"] = events
        values["due_at"] = ledger.due(now)
        if dossier.original_due_at is None:  # the first due date promised (an online dossier's, at its acceptance)
            values["original_due_at"] = values["due_at"]
    target = row.target.value if row.target is not None else dossier.status
    guarded = (update(Dossier)
               .where(Dossier.id == dossier.id, Dossier.version == data.version, Dossier.status == dossier.status)
               .values(status=target, version=Dossier.version + 1, **values))
    previous, previous_due = dossier.status, dossier.due_at  # before the UPDATE, which syncs the loaded object
    if affected_rows(session, guarded) != 1:
        raise Conflict("Hồ sơ vừa được cán bộ khác xử lý. Vui lòng tải lại trang để xem trạng thái mới.")
    session.refresh(dossier)
    act, extra = row.action, step.extra
    if isinstance(clock_event, Extended | ExtendedByLaw):
        extra["new_due"] = as_utc(dossier.due_at).isoformat() if dossier.due_at else None
    _event(session, dossier, actor=actor, action=act.value, from_status=previous, to_status=target, now=now,
           note=data.note, data=extra)
    dossiers_changed(session, [dossier.id])  # the service index folds it again (Decision 766)
    notice = NOTICES.get(act)
    if notice is not None:
        note = (_legal_extension_notice(_legal_extension(step.version, data.legal_extension, "legal_extension"),
                                        data.note) if act is Action.EXTEND_BY_LAW else data.note)
        announce(session, dossier, notice, now=now, public_base_url=public_base_url or _base_url(),
                 extra=_notice_extra(act, note, previous_due), fetch=False)
    record(session, actor=actor, action=f"dossier.{act.value}", now=now, object_kind="dossier", object_id=dossier.id,
           province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "from": previous, "to": target, **extra})
    return dossier


def mark_paid_online(session: Session, *, actor: Principal, dossier: Dossier, order_ref: str, now: datetime) -> bool:
    """Thanh toán trực tuyến: the dossier's fees are all paid online (DuocThanhToanTrucTuyen, Decision 766
    indicator 3.6). Guarded, so concurrent returns of the gateway mark it once; returns whether this call did."""
    won = affected_rows(session, update(Dossier).where(Dossier.id == dossier.id, Dossier.paid_online.is_(False))
                        .values(paid_online=True))
    if won != 1:
        return False
    dossiers_changed(session, [dossier.id])  # indicator 3.6 counts it
    record(session, actor=actor, action="dossier.paid_online", now=now, object_kind="dossier", object_id=dossier.id,
           province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "order": order_ref})
    return True


def recompute_due_dates(session: Session, province_code: str | None, now: datetime) -> int:
    """Re-derive ``due_at`` of every open dossier (of a province, or all when ``None``); returns how many changed.

    Runs inside the caller's transaction, after an announcement was recorded or withdrawn, so the change and the
    recomputation commit together. Dossiers are read in batches; each changed one is updated by id.
    """
    query = (select(Dossier.id, Dossier.province_code, Dossier.clock_events, Dossier.due_at, ProcedureVersion.data)
             .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
             .where(Dossier.status.in_([s.value for s in OPEN_STATES])))
    if province_code is not None:
        query = query.where(Dossier.province_code == province_code)
    changed_ids: list[int] = []
    calendars: dict[str, tuple[WorkCalendar, WorkingHours]] = {}
    for row in session.execute(query.execution_options(yield_per=1000)):
        if row.province_code not in calendars:
            calendars[row.province_code] = (calendar_for_province(session, row.province_code),
                                            working_hours_for(session, row.province_code))
        calendar, hours = calendars[row.province_code]
        due = ledger_of(row.clock_events, calendar, hours, row.data).due(now)
        if row.due_at is None or due != as_utc(row.due_at):
            session.execute(update(Dossier).where(Dossier.id == row.id).values(due_at=due))
            changed_ids.append(row.id)
    if changed_ids:
        dossiers_changed(session, changed_ids)  # their judgement by the service index may change
    return len(changed_ids)


DOCUMENT_KINDS = ("input", "supplement", "result")
#: How a result document was signed (``DossierDocument.signature``).
RESULT_SIGNATURES = ("digital", "paper")
#: States in which each kind of document may be attached: the electronic result (Art. 22) once the decision is taken.
_ATTACHABLE: dict[str, frozenset[Status]] = {
    "input": OPEN_STATES | {Status.RESULT_READY, Status.IN_CORRECTION},
    "supplement": frozenset({Status.AWAITING_SUPPLEMENT, Status.INTAKE_SUPPLEMENT}),
    "result": frozenset({Status.AWAITING_APPROVAL, Status.RESULT_READY, Status.IN_CORRECTION}),
}


def check_may_attach_result(actor: Principal, dossier: Dossier) -> None:
    """Who may attach the official electronic result (kết quả điện tử, Decree 118 Art. 22; a corrected one, Art.
    23(1)): the deciding commune's handler of the dossier, or an approver of the deciding commune — the body that
    decides issues the result (Art. 19, 20(1)); the receiving commune of a dossier filed elsewhere (Art. 14) only
    hands it over. The dossier page asks ``may_attach_result`` (the same rule) before it offers the form.
    """
    if Status(dossier.status) not in _ATTACHABLE["result"]:
        raise ValidationFailed("Ở trạng thái này của hồ sơ không đính kèm được kết quả.")
    if actor.commune_code != dossier.deciding_commune_code:
        raise Forbidden("Kết quả điện tử do xã giải quyết hồ sơ đính kèm.")
    is_handler = (actor.has_role(Role.SPECIALIST) and actor.officer_id is not None
                  and actor.officer_id == dossier.handler_id)
    if not (is_handler or actor.has_role(Role.APPROVER)):
        raise Forbidden("Chỉ chuyên viên được phân công xử lý hồ sơ hoặc lãnh đạo phê duyệt của xã giải quyết được "
                        "đính kèm kết quả điện tử.")


def may_attach_result(actor: Principal, dossier: Dossier) -> bool:
    """Whether the page offers the result upload: exactly when ``check_may_attach_result`` lets it through."""
    try:
        check_may_attach_result(actor, dossier)
    except (Forbidden, ValidationFailed):
        return False
    return True


def add_document(session: Session, *, actor: Principal, dossier_id: int, upload: Upload, store: FileStore,
                 now: datetime, max_upload_bytes: int = 10 * 1024 * 1024, kind: str = "input",
                 signature: str | None = None) -> Dossier:
    """Attach one scan to an open dossier (số hóa hồ sơ), a citizen's supplement, or the electronic result (kết quả
    điện tử, Art. 22) the citizen downloads — with ``signature`` ``digital`` or ``paper`` when the result domain
    issues it signed. The same file for the same item twice is one document."""
    dossier = get_dossier_for(session, actor, dossier_id)
    if kind not in _ATTACHABLE:
        raise ValidationFailed("Loại tài liệu không hợp lệ.", fields={"kind": "Không hợp lệ."})
    if signature is not None and (kind != "result" or signature not in RESULT_SIGNATURES):
        raise ValidationFailed("Chỉ kết quả giải quyết mới có chữ ký; loại chữ ký không hợp lệ.",
                               fields={"signature": "Không hợp lệ."})
    if actor.kind == "citizen":
        if kind != "supplement":
            raise Forbidden("Công dân chỉ nộp được tài liệu bổ sung khi được yêu cầu.")
        refuse_path_tricks(upload.filename)
    elif kind == "result":
        check_may_attach_result(actor, dossier)
    else:
        if not actor.has_role(Role.RECEPTION, Role.SPECIALIST):
            raise Forbidden("Chỉ cán bộ tiếp nhận hoặc chuyên viên được đính kèm tài liệu.")
        if actor.commune_code not in (dossier.receiving_commune_code, dossier.deciding_commune_code):
            raise Forbidden("Hồ sơ này do xã khác giải quyết.")
    if Status(dossier.status) not in _ATTACHABLE[kind]:
        raise ValidationFailed("Hồ sơ đã kết thúc; không đính kèm thêm được." if kind == "input"
                               else "Ở trạng thái này của hồ sơ không đính kèm được loại tài liệu này.")
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    required = {d["key"]: d for d in version.data.get("documents", [])}
    if upload.requirement_key is not None and upload.requirement_key not in required:
        raise ValidationFailed("Tệp đính kèm không thuộc thành phần hồ sơ.", fields={"requirement_key": "Không có."})
    info = inspect_upload(upload.filename, upload.data, max_bytes=max_upload_bytes)
    key = store.put(info, upload.data)
    existing = session.scalar(select(DossierDocument).where(
        DossierDocument.dossier_id == dossier.id, DossierDocument.file_key == key, DossierDocument.kind == kind,
        DossierDocument.requirement_key.is_(None) if upload.requirement_key is None
        else DossierDocument.requirement_key == upload.requirement_key))
    if existing is not None:
        return dossier
    name = (required[upload.requirement_key]["name"] if upload.requirement_key
            else "Kết quả giải quyết (bản điện tử)" if kind == "result" else info.safe_name)
    session.add(DossierDocument(dossier_id=dossier.id, requirement_key=upload.requirement_key, name=name,
                                file_key=key, file_name=info.safe_name, content_type=info.content_type, kind=kind,
                                size=info.size, uploaded_at=now, uploaded_by_id=_actor_officer_id(actor),
                                signature=signature))
    dossiers_changed(session, [dossier.id])  # the index counts stored inputs and results (Decision 766, 4.1–4.2)
    record(session, actor=actor, action="dossier.document_added", now=now, object_kind="dossier",
           object_id=dossier.id, province_code=dossier.province_code,
           commune_code=actor.commune_code or dossier.deciding_commune_code,
           data={"code": dossier.code, "file": key, "item": upload.requirement_key, "kind": kind,
                 **({"signature": signature} if signature else {})})
    return dossier


# ------------------------------------------------------------------------------------------------ imports in bulk

IMPORT_DOSSIER_CHUNK = 2_000
IMPORT_EVENT_CHUNK = 10_000
IMPORT_CACHE_KIB = 256 * 1024


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What SQLAlchemy's SQLite DATETIME writes for a UTC instant ("YYYY-MM-DD HH:MM:SS.ffffff", no offset)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _same(value: Any) -> Any:
    return value


def _light(t: Table) -> TableClause:
    return table(t.name, *(column(c.name) for c in t.columns))


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


class DossierImport:
    """Dossiers that come with their history (``DossierRow`` and ``EventRow``, built by the caller), written in
    chunks in the caller's transaction: the demo year, and the importer of former units' dossiers to come.

    An import is not a person's act: it writes no notice (the applicants were told at the time) and no audit event
    per dossier, whose log would claim acts no one took here; ``finish`` records the import itself. Rows carry their
    ids and codes; ``finish`` sets the code counters to the last numbers issued and, on PostgreSQL, the id sequence
    past the rows. On SQLite, values come in the storage format SQLAlchemy's own types write (``dt``, ``json``:
    UTC wall time, JSON text) and go through a lightweight table clause without per-row type processing, which
    otherwise doubles the time; elsewhere they go through the mapped tables as they are.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.dt: Callable[[datetime | None], Any] = _sqlite_datetime if self.sqlite else _same
        self.json: Callable[[Any], Any] = json.dumps if self.sqlite else _same
        self.empty: Any = "{}" if self.sqlite else {}
        self._dossier = _light(_DOSSIER_TABLE) if self.sqlite else _DOSSIER_TABLE
        self._event = _light(_EVENT_TABLE) if self.sqlite else _EVENT_TABLE
        self.dossiers = 0
        self.events = 0

    @contextmanager
    def bulk(self) -> Iterator[DossierImport]:
        """On SQLite, a 256 MiB page cache for the load (the random-key indexes of a few hundred thousand
        dossiers page heavily in the default 2 MiB), back to what it was afterwards."""
        if not self.sqlite:
            yield self
            return
        before = self.session.execute(text("PRAGMA cache_size")).scalar_one()
        self.session.execute(text(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}"))
        try:
            yield self
        finally:
            self.session.execute(text(f"PRAGMA cache_size = {int(before)}"))

    def write(self, dossiers: list[DossierRow], events: list[EventRow]) -> None:
        """Insert the rows (and empty the lists, which the caller fills again)."""
        for chunk in _chunks(dossiers, IMPORT_DOSSIER_CHUNK):
            self.session.execute(insert(self._dossier), chunk)
        for chunk in _chunks(events, IMPORT_EVENT_CHUNK):
            self.session.execute(insert(self._event), chunk)
        self.dossiers += len(dossiers)
        self.events += len(events)
        dossiers.clear()
        events.clear()

    def finish(self, *, actor: Principal, province_code: str, source: str, now: datetime,
               existing: Mapping[tuple[str, date], int], last_seq: Mapping[tuple[str, date], int]) -> None:
        """The code counters (Art. 28(b)): one per (body, day) holding the last number the import issued —
        ``existing`` are the counters found before it, which it numbered after; the id sequence; the audit event."""
        new = [{"agency_id": a, "day": d, "last_seq": n} for (a, d), n in last_seq.items() if (a, d) not in existing]
        for chunk in _chunks(new, IMPORT_EVENT_CHUNK):
            self.session.execute(insert(_COUNTER_TABLE), chunk)
        for (agency, day), n in last_seq.items():
            if (agency, day) in existing:
                self.session.execute(update(DossierCodeCounter).where(DossierCodeCounter.agency_id == agency,
                                                                      DossierCodeCounter.day == day)
                                     .values(last_seq=n))
        if not self.dossiers:
            return
        if not self.sqlite:
            self.session.execute(text("SELECT setval(pg_get_serial_sequence('dossier', 'id'), "
                                      "(SELECT max(id) FROM dossier))"))
        record(self.session, actor=actor, action="dossier.imported", now=now, object_kind="province",
               object_id=province_code, province_code=province_code,
               data={"source": source, "dossiers": self.dossiers, "events": self.events})


_DOSSIER_TABLE = cast(Table, Dossier.__table__)
_EVENT_TABLE = cast(Table, DossierEvent.__table__)
_COUNTER_TABLE = cast(Table, DossierCodeCounter.__table__)
