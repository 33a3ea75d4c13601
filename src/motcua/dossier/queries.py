"""Every read of dossiers, permission-aware (house rule 7): one gate, ``get_dossier_for``.

The gate applies the jurisdiction *and* the need to know (``base.access``): which dossiers a role may open, which
personal fields it sees (in full, masked, or not at all), the scans and forms, the register and the search by ID
number. The functions that hand out personal data (``read_dossier_for``, ``read_document_for``, ``read_form_for``,
``inbox`` with a search, ``register_rows``) record the read themselves (``audit.actions.record_personal_data_read``),
one event per request, so no route can show the data without the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from motcua.audit.actions import record_personal_data_read
from motcua.base.access import Detail, NeedToKnow, Reach, Shown, filing_officer_id, mask, need_to_know, shown
from motcua.base.principal import Principal
from motcua.base.roles import DepartmentKind, Role
from motcua.calendar.hours import VIETNAM_TZ
from motcua.dossier.clock import badge_of
from motcua.dossier.clock_words import ACCEPTANCE_STATES, ClockBadge
from motcua.dossier.models import Dossier, DossierDocument, DossierEvent, FilingConsent
from motcua.dossier.workflow import (
    OPEN_STATES,
    STATUS_LABELS,
    SUPPLEMENT_TO_CONFIRM,
    SUPPLEMENT_WAIT_STATES,
    Status,
)
from motcua.kit.errors import Forbidden, NotFound, ValidationFailed
from motcua.kit.numbers import ascii_digits
from motcua.kit.text import fold
from motcua.org.models import Commune, Officer

#: The applicant's identity on a dossier: what ``NeedToKnow.identity`` shows in full, masked or not at all.
IDENTITY_FIELDS = ("id_number", "tax_code", "phone", "email", "address")


def _visible(principal: Principal) -> Select[Dossier]:
    """The dossiers the principal needs to know: its reach (``base.access``) within its jurisdiction."""
    reach = need_to_know(principal).dossiers
    if reach is Reach.NONE:
        return select(Dossier).where(false())
    if reach is Reach.OWN:  # a citizen account sees the dossiers it files or follows, nothing else
        return select(Dossier).where(Dossier.citizen_id == principal.id)
    query = select(Dossier).where(Dossier.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(or_(Dossier.receiving_commune_code == principal.commune_code,
                                Dossier.deciding_commune_code == principal.commune_code))
    if reach is Reach.FILED:  # a digital volunteer: only what they filed for a citizen, with the citizen's consent
        officer_id = filing_officer_id(principal)
        if officer_id is None:
            return select(Dossier).where(false())
        query = query.where(Dossier.id.in_(select(FilingConsent.dossier_id)
                                           .where(FilingConsent.helper_id == officer_id)))
    return query


def get_dossier_for(session: Session, principal: Principal, dossier_id: int) -> Dossier:
    """The dossier if the principal's jurisdiction covers its receiving or deciding commune and its role needs to
    know it (a volunteer: one they filed; a council member, an administrator: none); else 404."""
    dossier = session.scalar(_visible(principal).where(Dossier.id == dossier_id))
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def get_dossier_by_code_for(session: Session, principal: Principal, code: str) -> Dossier:
    dossier = session.scalar(_visible(principal).where(Dossier.code == code.strip().upper()))
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def shown_dossier(dossier: Dossier, sight: NeedToKnow) -> Shown:
    """The dossier with its identity fields as ``sight`` allows (full, masked or None)."""
    return Shown(dossier, {name: shown(getattr(dossier, name), sight.identity) for name in IDENTITY_FIELDS})


@dataclass(frozen=True)
class DossierRead:
    """A dossier handed out to be shown: ``shown`` is what a page or an answer renders; ``dossier`` is the row, for
    the reads that follow in the same request (timeline, ledger) and never for display."""

    dossier: Dossier
    shown: Shown
    documents: bool  # whether the scans and the printed forms are the principal's to open (the page lists them)


def _records_reads(principal: Principal) -> bool:
    """Officers' and tokens' reads are events; a citizen reading their own dossier is the data subject (Decree 13
    Art. 9(4)), not a disclosure."""
    return principal.kind != "citizen"


def _record_dossier_read(session: Session, principal: Principal, dossier: Dossier, now: datetime,
                         fields: list[str], detail: dict[str, object] | None = None) -> None:
    if _records_reads(principal):
        record_personal_data_read(session, actor=principal, now=now, object_kind="dossier", object_id=dossier.id,
                                  province_code=dossier.province_code,
                                  commune_code=dossier.deciding_commune_code, fields=fields, detail=detail)


def read_dossier_for(session: Session, principal: Principal, dossier_id: int, now: datetime, *,
                     with_identity: bool = True) -> DossierRead:
    """The dossier page (``with_identity``) or the API's answer (name and handling only): the gate, the fields as
    the role may see them, and the read recorded."""
    dossier = get_dossier_for(session, principal, dossier_id)
    sight = need_to_know(principal)
    view = shown_dossier(dossier, sight)
    fields = ["applicant_name"]
    detail: dict[str, object] = {}
    if with_identity:
        present = [name for name in IDENTITY_FIELDS if getattr(dossier, name)]
        if sight.identity is Detail.FULL:
            fields += present
        elif sight.identity is Detail.MASKED:
            detail["masked"] = present
    _record_dossier_read(session, principal, dossier, now, fields, detail)
    return DossierRead(dossier, view, sight.documents)


def _documents_gate(session: Session, principal: Principal, dossier_id: int) -> Dossier:
    dossier = get_dossier_for(session, principal, dossier_id)
    if not need_to_know(principal).documents:  # outside the need to know: as if it did not exist (house rule 7)
        raise NotFound("Không tìm thấy tài liệu.")
    return dossier


def read_document_for(session: Session, principal: Principal, dossier_id: int, document_id: int,
                      now: datetime) -> DossierDocument:
    """A scan of the dossier (its content is the citizen's papers): for the roles that need the documents."""
    dossier = _documents_gate(session, principal, dossier_id)
    doc = session.scalar(select(DossierDocument).where(DossierDocument.id == document_id,
                                                       DossierDocument.dossier_id == dossier.id))
    if doc is None:
        raise NotFound("Không tìm thấy tài liệu.")
    _record_dossier_read(session, principal, dossier, now, ["document"],
                         {"document_id": doc.id, "document_kind": doc.kind})
    return doc


def read_form_for(session: Session, principal: Principal, dossier_id: int, form: str, now: datetime) -> Dossier:
    """The dossier for printing one of its official forms, which carry the applicant's identity in full."""
    dossier = _documents_gate(session, principal, dossier_id)
    _record_dossier_read(session, principal, dossier, now,
                         ["applicant_name", *(n for n in IDENTITY_FIELDS if getattr(dossier, n))], {"form": form})
    return dossier


def timeline(session: Session, dossier: Dossier) -> list[DossierEvent]:
    return list(session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.id)))


def documents(session: Session, dossier: Dossier) -> list[DossierDocument]:
    return list(session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == dossier.id)
                                .order_by(DossierDocument.id)))


@dataclass(frozen=True)
class Provenance:
    """How a document came into the dossier (số hóa, issue 17): who digitised it and when (the officer at the counter,
    or the citizen online), the SHA-256 of the file (its key in the content-addressed store), or the earlier
    dossier whose document it reuses from the citizen's store."""

    by: str | None
    sha256: str
    reused_from_code: str | None


def provenance(session: Session, docs: list[DossierDocument]) -> dict[int, Provenance]:
    officers = {i for d in docs if (i := d.uploaded_by_id) is not None}
    names: dict[int, str] = {i: n for i, n in session.execute(
        select(Officer.id, Officer.full_name).where(Officer.id.in_(officers)))} if officers else {}
    earlier = {i for d in docs if (i := d.reused_from_id) is not None}
    codes: dict[int, str] = {i: c for i, c in session.execute(
        select(DossierDocument.id, Dossier.code).join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .where(DossierDocument.id.in_(earlier)))} if earlier else {}
    return {d.id: Provenance(names.get(d.uploaded_by_id) if d.uploaded_by_id else None, d.file_key.replace("/", ""),
                             codes.get(d.reused_from_id) if d.reused_from_id else None) for d in docs}


#: Open dossiers whose clock runs (not waiting for the citizen): their stored due instant is current, so "past it"
#: is overdue. A paused dossier's due instant moves while it waits and is stored as of the pause.
RUNNING_STATES: frozenset[Status] = OPEN_STATES - SUPPLEMENT_WAIT_STATES
#: Queues of the inbox, each a filter of "my work" the home page counts and links to (issue 16, item 4).
Queue = Literal["online", "overdue", "due_soon", "to_confirm", "to_assign"]
QUEUES: tuple[Queue, ...] = ("online", "overdue", "due_soon", "to_confirm", "to_assign")
QUEUE_LABELS: dict[str, str] = {
    "online": "Nộp trực tuyến chờ tiếp nhận",
    "overdue": "Quá hạn",
    "due_soon": "Sắp đến hạn",
    "to_confirm": "Bổ sung chờ xác nhận",
    "to_assign": "Chờ phân công",
}
#: Which queues each role works from (the home page shows these counts).
QUEUE_ROLES: dict[str, tuple[Role, ...]] = {
    "online": (Role.RECEPTION, Role.CENTRE_DIRECTOR),
    "overdue": (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.CENTRE_DIRECTOR),
    "due_soon": (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.CENTRE_DIRECTOR),
    "to_confirm": (Role.RECEPTION, Role.CENTRE_DIRECTOR),
    "to_assign": (Role.APPROVER, Role.CENTRE_DIRECTOR),
}
#: A due instant further than this is never "due soon" (at most one working day before it, which no run of days
#: off in the Vietnamese calendar stretches past 15 calendar days): the candidates are read by this bound and then
#: judged by the clock's own rule (``clock_words.due_soon_threshold``).
DUE_SOON_HORIZON = timedelta(days=15)


@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None
    q: str | None = None
    only_mine: bool = False
    overdue: bool = False
    queue: str | None = None  # one of QUEUES
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class InboxRow:
    dossier: Dossier
    clock: ClockBadge


def _inbox_states(principal: Principal) -> set[Status]:
    """What each role works on: the counter receives and returns, divisions appraise, approvers decide."""
    states: set[Status] = set()
    if principal.has_role(Role.RECEPTION):
        states |= {Status.SUBMITTED, Status.RECEIVED, Status.AWAITING_SUPPLEMENT, Status.RESULT_READY,
                   Status.INTAKE_SUPPLEMENT, *SUPPLEMENT_TO_CONFIRM}
    if principal.has_role(Role.SPECIALIST):
        states |= {Status.IN_APPRAISAL, Status.IN_CORRECTION}
    if principal.has_role(Role.APPROVER):
        states |= {Status.TRANSFERRED, Status.AWAITING_APPROVAL, Status.REFUSAL_PROPOSED, Status.IN_CORRECTION}
    if principal.has_role(Role.CENTRE_DIRECTOR):
        states |= set(OPEN_STATES)
    return states


def _id_like(text: str) -> str | None:
    """The digits of a search that is a number (an ID number, a phone, part of a code), else None."""
    digits = ascii_digits(text)
    return digits if len(digits) >= 4 and digits == text.replace(" ", "") else None


def search_condition(q: str, *, by_id: bool = False) -> ColumnElement[bool]:
    """By code, by name without diacritics ("dang van duc" finds "Đặng Văn Đức"), and — for the roles whose need to
    know includes it (``by_id``) — by ID number or phone."""
    text = q.strip()
    conditions = [Dossier.code == text.upper(), Dossier.applicant_name_folded.contains(fold(text))]
    digits = _id_like(text)
    if digits is not None:
        conditions.append(Dossier.code.contains(digits))
        if by_id:
            conditions += [Dossier.id_number == digits, Dossier.phone == digits]
    return or_(*conditions)


def search_term_kind(q: str) -> tuple[str, str | None]:
    """What a search looked for, for its audit event: the kind, and a number only masked (never in clear)."""
    digits = _id_like(q.strip())
    if digits is None:
        return "code_or_name", None
    if len(digits) in (9, 12):
        kind = "id_number"
    elif digits.startswith("0") and len(digits) in (10, 11):
        kind = "phone"
    else:
        kind = "digits"
    return kind, mask(digits)


def _priority(now: datetime) -> ColumnElement[int]:
    """The order of "my work" (issue 16, item 4): online dossiers waiting for acceptance (8 working hours, Art.
    17(2)), then overdue ones, then supplements to confirm, then the running ones by due date; results waiting to be
    returned and dossiers waiting for the citizen after them."""
    running = [s.value for s in RUNNING_STATES]
    return case(
        (Dossier.status.in_([s.value for s in ACCEPTANCE_STATES]), 0),
        (and_(Dossier.status.in_(running), Dossier.due_at < now), 1),
        (Dossier.status.in_([s.value for s in SUPPLEMENT_TO_CONFIRM]), 2),
        (Dossier.status.in_(running), 3),
        (Dossier.status == Status.RESULT_READY.value, 5),
        else_=4,
    )


def _queue_condition(queue: str, principal: Principal, now: datetime) -> ColumnElement[bool]:
    running = Dossier.status.in_([s.value for s in RUNNING_STATES])
    if queue == "online":
        return Dossier.status.in_([s.value for s in ACCEPTANCE_STATES])
    if queue == "overdue":
        return and_(running, Dossier.due_at < now)
    if queue == "due_soon":  # candidates; the clock's rule decides (``_due_soon``)
        return and_(running, Dossier.due_at >= now, Dossier.due_at < now + DUE_SOON_HORIZON)
    if queue == "to_confirm":
        return Dossier.status.in_([s.value for s in SUPPLEMENT_TO_CONFIRM])
    if queue == "to_assign":  # transferred to the division, no handler named yet (Art. 19(1)): the leader's list
        return and_(Dossier.status == Status.TRANSFERRED.value, Dossier.handler_id.is_(None),
                    Dossier.deciding_commune_code == principal.commune_code)
    raise ValidationFailed("Danh sách hồ sơ không hợp lệ.", fields={"queue": "Không hợp lệ."})


def _my_work(principal: Principal, flt: InboxFilter, now: datetime) -> Select[Dossier]:
    """The dossiers of the inbox before ordering: a search, a status, or the officer's own work (a queue of it)."""
    sight = need_to_know(principal)
    if sight.dossiers is Reach.NONE:
        raise Forbidden("Vai trò của bạn không cần xem hồ sơ của người dân (chỉ xem số liệu tổng hợp).")
    query = _visible(principal)
    if flt.q:
        query = query.where(search_condition(flt.q, by_id=sight.search_by_id))
    elif flt.status:
        query = query.where(Dossier.status == flt.status)
    else:
        states = _inbox_states(principal)
        if states:
            query = query.where(Dossier.status.in_([s.value for s in states]))
    if flt.queue:
        query = query.where(_queue_condition(flt.queue, principal, now))
    if flt.only_mine and principal.officer_id is not None:  # the officer's own work, never a token's id
        query = query.where(Dossier.handler_id == principal.officer_id)
    if flt.overdue:
        query = query.where(_queue_condition("overdue", principal, now))
    # divisions see what is at their desk (their commune decides it); the counter sees what is at the counter
    divisions_only = (principal.has_role(Role.SPECIALIST, Role.APPROVER)
                      and not principal.has_role(Role.RECEPTION, Role.CENTRE_DIRECTOR))
    if principal.commune_code is not None and not flt.q and divisions_only:
        query = query.where(Dossier.deciding_commune_code == principal.commune_code)
    return query


def _due_soon(session: Session, dossiers: list[Dossier], now: datetime) -> list[InboxRow]:
    rows = [InboxRow(d, badge_of(session, d, now)) for d in dossiers]
    return [r for r in rows if r.clock.kind == "due_soon"]


def inbox(session: Session, principal: Principal, flt: InboxFilter, now: datetime) -> tuple[list[Dossier], int]:
    """The officer's work, most urgent first (``_priority``, then the due date); or a search, which is recorded."""
    query = _my_work(principal, flt, now)
    ordered = query.order_by(_priority(now), Dossier.due_at.is_(None), Dossier.due_at, Dossier.id)
    if flt.queue == "due_soon":  # judged row by row by the clock's rule: a handful of candidates
        found = [r.dossier for r in _due_soon(session, list(session.scalars(ordered)), now)]
        rows, total = found[flt.offset:flt.offset + flt.limit], len(found)
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(session.scalars(ordered.limit(flt.limit).offset(flt.offset)))
    if flt.q and _records_reads(principal):
        # A search finds people: one event per search with what was looked for (kind, masked) and what it returned.
        kind, term = search_term_kind(flt.q)
        record_personal_data_read(session, actor=principal, now=now, object_kind="dossier_search", object_id=None,
                                  province_code=principal.province_code, commune_code=principal.commune_code,
                                  fields=["applicant_name"], detail={"term_kind": kind, "term": term,
                                                                     "ids": [d.id for d in rows],
                                                                     "total": total})
    return rows, int(total)


def inbox_rows(session: Session, dossiers: list[Dossier], now: datetime) -> list[InboxRow]:
    """The inbox's rows with their clocks in words (``clock.badge_of``)."""
    return [InboxRow(d, badge_of(session, d, now)) for d in dossiers]


def queue_counts(session: Session, principal: Principal, now: datetime) -> dict[str, int]:
    """The officer's home page: how many of their dossiers are in each queue of their roles (the same filters the
    inbox's queues apply, so each count is the length of the list it links to). Personal data: none."""
    if need_to_know(principal).dossiers is Reach.NONE or principal.commune_code is None:
        return {}
    counts: dict[str, int] = {}
    for queue in QUEUES:
        if not principal.has_role(*QUEUE_ROLES[queue]):
            continue
        query = _my_work(principal, InboxFilter(queue=queue), now)
        if queue == "due_soon":
            counts[queue] = len(_due_soon(session, list(session.scalars(query)), now))
        else:
            counts[queue] = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    return counts


def register_rows(session: Session, principal: Principal, first: date, last: date, now: datetime) -> list[Dossier]:
    """Sổ theo dõi hồ sơ: every dossier received by the commune in the period — names, addresses and phones of
    every row, so only for the roles that keep the register; the export is recorded with its size and period."""
    if not need_to_know(principal).register:
        raise Forbidden("Chỉ bộ phận một cửa và lãnh đạo được xuất sổ theo dõi hồ sơ.")
    start = datetime.combine(first, datetime.min.time(), tzinfo=VIETNAM_TZ)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=VIETNAM_TZ)
    query = _visible(principal).where(and_(Dossier.received_at >= start, Dossier.received_at < end))
    rows = list(session.scalars(query.order_by(Dossier.received_at, Dossier.id)))
    if _records_reads(principal):
        record_personal_data_read(session, actor=principal, now=now, object_kind="dossier_register", object_id=None,
                                  province_code=principal.province_code, commune_code=principal.commune_code,
                                  fields=["applicant_name", "address", "phone"],
                                  detail={"rows": len(rows), "from": first.isoformat(), "to": last.isoformat()})
    return rows


def workload_by_department(session: Session, principal: Principal) -> dict[str, int]:
    """Open dossiers per body (where each one is now), for the centre director's view: one GROUP BY."""
    visible = _visible(principal).where(Dossier.status.in_([s.value for s in OPEN_STATES]))
    rows = session.execute(visible.with_only_columns(Dossier.current_department, func.count())
                           .group_by(Dossier.current_department))
    return {str(k or DepartmentKind.SERVICE_CENTRE.value): int(v) for k, v in rows}


def status_label(status: str) -> str:
    return STATUS_LABELS[Status(status)]


@dataclass(frozen=True)
class CommuneActivity:
    """One commune's day at a glance for the province: dossiers received today and in the last 7 days (at its
    counters), and its open dossiers past their appointment (those it decides)."""

    received_today: int = 0
    received_week: int = 0
    overdue: int = 0


def province_activity(session: Session, principal: Principal, now: datetime) -> dict[str, CommuneActivity]:
    """Counts only, per commune of the officer's province: what a province monitor follows without opening a
    dossier (the counts carry no personal data, so every province-level officer may read them)."""
    if principal.commune_code is not None:
        raise Forbidden("Chỉ cán bộ cấp tỉnh xem được hoạt động của các xã, phường trong tỉnh.")
    local = now.astimezone(VIETNAM_TZ)
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    communes = select(Commune.code).where(Commune.province_code == principal.province_code)
    counts: dict[str, dict[str, int]] = {}
    received = (select(Dossier.receiving_commune_code, func.count())
                .where(Dossier.receiving_commune_code.in_(communes)).group_by(Dossier.receiving_commune_code))
    for key, since in (("received_today", today), ("received_week", today - timedelta(days=6))):
        for code, n in session.execute(received.where(Dossier.received_at >= since)):
            counts.setdefault(code, {})[key] = int(n)
    overdue = session.execute(
        select(Dossier.deciding_commune_code, func.count())
        .where(Dossier.deciding_commune_code.in_(communes), Dossier.status.in_([s.value for s in OPEN_STATES]),
               Dossier.due_at < now)
        .group_by(Dossier.deciding_commune_code))
    for code, n in overdue:
        counts.setdefault(code, {})["overdue"] = int(n)
    return {code: CommuneActivity(**c) for code, c in counts.items()}


def result_ready_codes(session: Session, commune_code: str, *, limit: int = 60) -> list[str]:
    """The hall's liveboard (issue 18): the codes of the dossiers whose result waits at the commune's centre to be
    collected (``RESULT_READY``), the most recently finished first. Codes only — shown on a public screen, so never a
    name or any other personal data (Decree 13/2023: minimum data)."""
    return list(session.scalars(
        select(Dossier.code)
        .where(Dossier.receiving_commune_code == commune_code, Dossier.status == Status.RESULT_READY.value)
        .order_by(Dossier.processed_at.desc(), Dossier.id.desc()).limit(limit)))
