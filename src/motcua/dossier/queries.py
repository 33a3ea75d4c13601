"""Every read of dossiers, permission-aware (house rule 7): one gate, ``get_dossier_for``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from motcua.auth.principal import Principal
from motcua.calendar.hours import VIETNAM_TZ
from motcua.dossier.models import Dossier, DossierDocument, DossierEvent, LookupAttempt
from motcua.dossier.workflow import OPEN_STATES, STATUS_LABELS, Status
from motcua.kit.clock import as_utc
from motcua.kit.errors import NotFound, TooManyRequests, ValidationFailed
from motcua.kit.text import fold
from motcua.org.roles import DepartmentKind, Role

DUE_SOON = timedelta(days=2)
LOOKUP_MAX_FAILURES = 10
LOOKUP_WINDOW = timedelta(minutes=15)
#: Wrong answers a dossier code takes in an hour, from all addresses together: 4 digits are 10,000 guesses, and a
#: limit per address alone is escaped by many addresses (issue 13, finding 10; OWASP ASVS 4.0 2.2.1, NIST SP
#: 800-63B §5.2.2: throttle per what is attacked). At 5 an hour a guess takes about 1,000 hours on average.
LOOKUP_CODE_MAX_FAILURES = 5
LOOKUP_CODE_LENGTH = 40
LOOKUP_CODE_WINDOW = timedelta(hours=1)


def _visible(principal: Principal) -> Select[Dossier]:
    if principal.kind == "citizen":  # a citizen account sees the dossiers it files or follows, nothing else
        return select(Dossier).where(Dossier.citizen_id == principal.id)
    query = select(Dossier).where(Dossier.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(or_(Dossier.receiving_commune_code == principal.commune_code,
                                Dossier.deciding_commune_code == principal.commune_code))
    return query


def get_dossier_for(session: Session, principal: Principal, dossier_id: int) -> Dossier:
    """The dossier if the principal's jurisdiction covers its receiving or deciding commune; else 404."""
    dossier = session.scalar(_visible(principal).where(Dossier.id == dossier_id))
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def get_dossier_by_code_for(session: Session, principal: Principal, code: str) -> Dossier:
    dossier = session.scalar(_visible(principal).where(Dossier.code == code.strip().upper()))
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


def timeline(session: Session, dossier: Dossier) -> list[DossierEvent]:
    return list(session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.id)))


def documents(session: Session, dossier: Dossier) -> list[DossierDocument]:
    return list(session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == dossier.id)
                                .order_by(DossierDocument.id)))


@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None
    q: str | None = None
    only_mine: bool = False
    overdue: bool = False
    limit: int = 50
    offset: int = 0


def _inbox_states(principal: Principal) -> set[Status]:
    """What each role works on: the counter receives and returns, divisions appraise, approvers decide."""
    states: set[Status] = set()
    if principal.has_role(Role.RECEPTION):
        states |= {Status.SUBMITTED, Status.RECEIVED, Status.AWAITING_SUPPLEMENT, Status.RESULT_READY}
    if principal.has_role(Role.SPECIALIST):
        states |= {Status.IN_APPRAISAL, Status.IN_CORRECTION}
    if principal.has_role(Role.APPROVER):
        states |= {Status.TRANSFERRED, Status.AWAITING_APPROVAL, Status.REFUSAL_PROPOSED, Status.IN_CORRECTION}
    if principal.has_role(Role.CENTRE_DIRECTOR):
        states |= set(OPEN_STATES)
    return states


def search_condition(q: str) -> ColumnElement[bool]:
    """By code, by name without diacritics ("dang van duc" finds "Đặng Văn Đức"), by ID number, by phone."""
    text = q.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [Dossier.code == text.upper(), Dossier.applicant_name_folded.contains(fold(text))]
    if len(digits) >= 4 and digits == text.replace(" ", ""):
        conditions += [Dossier.id_number == digits, Dossier.phone == digits, Dossier.code.contains(digits)]
    return or_(*conditions)


def inbox(session: Session, principal: Principal, flt: InboxFilter, now: datetime) -> tuple[list[Dossier], int]:
    """The officer's work, most urgent first (due soonest; overdue at the top)."""
    query = _visible(principal)
    if flt.q:
        query = query.where(search_condition(flt.q))
    elif flt.status:
        query = query.where(Dossier.status == flt.status)
    else:
        states = _inbox_states(principal)
        if states:
            query = query.where(Dossier.status.in_([s.value for s in states]))
    if flt.only_mine and principal.id is not None:
        query = query.where(Dossier.handler_id == principal.id)
    if flt.overdue:
        query = query.where(Dossier.status.in_([s.value for s in OPEN_STATES]), Dossier.due_at < now)
    # divisions see what is at their desk (their commune decides it); the counter sees what is at the counter
    divisions_only = (principal.has_role(Role.SPECIALIST, Role.APPROVER)
                      and not principal.has_role(Role.RECEPTION, Role.CENTRE_DIRECTOR))
    if principal.commune_code is not None and not flt.q and divisions_only:
        query = query.where(Dossier.deciding_commune_code == principal.commune_code)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Dossier.due_at.is_(None), Dossier.due_at, Dossier.id)
                           .limit(flt.limit).offset(flt.offset))
    return list(rows), int(total)


def urgency(dossier: Dossier, now: datetime) -> str:
    """overdue | due_soon | ok | done — how the inbox marks a row (an online dossier waiting for acceptance is judged
    against its 8 working hours, Art. 17(2))."""
    if Status(dossier.status) not in OPEN_STATES | {Status.SUBMITTED} or dossier.due_at is None:
        return "done"
    due = as_utc(dossier.due_at)
    if due < now:
        return "overdue"
    return "due_soon" if due - now <= DUE_SOON else "ok"


def register_rows(session: Session, principal: Principal, first: date, last: date) -> list[Dossier]:
    """Sổ theo dõi hồ sơ: every dossier received by the commune in the period."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=VIETNAM_TZ)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=VIETNAM_TZ)
    query = _visible(principal).where(and_(Dossier.received_at >= start, Dossier.received_at < end))
    return list(session.scalars(query.order_by(Dossier.received_at, Dossier.id)))


def workload_by_department(session: Session, principal: Principal) -> dict[str, int]:
    """Open dossiers per body (where each one is now), for the centre director's view: one GROUP BY."""
    visible = _visible(principal).where(Dossier.status.in_([s.value for s in OPEN_STATES]))
    rows = session.execute(visible.with_only_columns(Dossier.current_department, func.count())
                           .group_by(Dossier.current_department))
    return {str(k or DepartmentKind.SERVICE_CENTRE.value): int(v) for k, v in rows}


def public_lookup(session: Session, *, code: str, secret: str, ip: str, now: datetime) -> Dossier | None:
    """Tra cứu hồ sơ: the code plus the last 4 digits of the applicant's phone or ID number.

    Rate-limited per address and per code (failures in a window, kept in the database so that every worker
    counts them): the code's limit holds whatever the address. A wrong pair and an unknown code give the same
    answer, and an unknown code is limited like a real one, so a lookup tells nothing about dossiers the person
    does not hold. Returns None on a miss (not an exception) so that the caller's transaction commits the failed
    attempt that the limits count.
    """
    since = now - LOOKUP_WINDOW
    failures = session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.ip == ip, LookupAttempt.at > since, LookupAttempt.success.is_(False))) or 0
    if failures >= LOOKUP_MAX_FAILURES:
        raise TooManyRequests("Bạn đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
                              retry_after=int(LOOKUP_WINDOW.total_seconds()))
    wanted = code.strip().upper()[:LOOKUP_CODE_LENGTH]
    on_code = session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.code == wanted, LookupAttempt.at > now - LOOKUP_CODE_WINDOW,
        LookupAttempt.success.is_(False))) or 0
    if on_code >= LOOKUP_CODE_MAX_FAILURES:
        raise TooManyRequests("Mã hồ sơ này đã bị tra cứu sai quá nhiều lần nên tạm khóa tra cứu trong 1 giờ. "
                              "Vui lòng thử lại sau hoặc liên hệ Bộ phận Một cửa nơi nộp hồ sơ.",
                              retry_after=int(LOOKUP_CODE_WINDOW.total_seconds()))
    digits = "".join(ch for ch in secret if ch.isdigit())
    if len(digits) != 4:
        raise ValidationFailed("Nhập 4 chữ số cuối của số điện thoại hoặc số định danh.",
                               fields={"secret": "Cần đúng 4 chữ số."})
    dossier = session.scalar(select(Dossier).where(Dossier.code == wanted))
    ok = dossier is not None and any(
        value and value.endswith(digits) for value in (dossier.phone, dossier.id_number)
    )
    session.add(LookupAttempt(ip=ip, at=now, success=ok, code=wanted))
    session.flush()
    return dossier if ok else None


def status_label(status: str) -> str:
    return STATUS_LABELS[Status(status)]
