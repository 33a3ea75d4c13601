"""Every read of ratings and feedback cases, permission-aware (house rule 7): one gate, ``get_case_for``.

Also the public form's rate check and the counters the service index reads (see the package docstring). The public
check of a case by code and contact records its tries, so it is an action (``feedback.actions.public_case_lookup``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from motcua.audit.actions import record_personal_data_read
from motcua.base.access import Detail, Shown, need_to_know, shown
from motcua.base.principal import Principal
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import Status
from motcua.feedback.models import DossierRating, FeedbackCase, FeedbackEvent
from motcua.feedback.tokens import RATE_LINK_LIFETIME, sign
from motcua.feedback.workflow import OPEN_STATES, CaseStatus
from motcua.kit.clock import as_utc
from motcua.kit.errors import Forbidden, NotFound, TooManyRequests
from motcua.org.models import Commune

#: Dossier states in which the applicant may rate the handling: a decision has reached them. Returned (Art. 22);
#: being corrected after a wrong result was returned (Art. 23(1) — exactly when a rating matters); refused after
#: appraisal, whose refusal slip is the result (Art. 19(3)). Not rated: a dossier refused or sent back at the
#: counter (never received, no handling), withdrawn by the applicant, stopped or closed without the supplement —
#: no result reached the applicant; they can still send a phản ánh through the feedback form.
RATEABLE_STATES: frozenset[Status] = frozenset({Status.RETURNED, Status.IN_CORRECTION, Status.REFUSED})

DUE_SOON = timedelta(days=2)
FORM_MAX_PER_HOUR = 5
"""The public form's limit: cases received from one address in an hour (a citizen with five grievances at once can
still call or come to the centre; a script cannot fill the commune's list)."""
FORM_WINDOW = timedelta(hours=1)

#: The sender's contact on a case: what ``NeedToKnow.feedback_contact`` shows in full, masked or not at all.
CONTACT_FIELDS = ("sender_phone", "sender_email")


def ip_digest(ip: str) -> str:
    """The sender's address is kept only as a digest, and only for the form's limit (Decree 13/2023: minimum data)."""
    return hashlib.sha256(f"motcua-feedback:{ip}".encode()).hexdigest()


# ------------------------------------------------------------------------------------------------ ratings


def may_be_rated(dossier: Dossier) -> bool:
    return Status(dossier.status) in RATEABLE_STATES


def rating_of(session: Session, dossier_id: int) -> DossierRating | None:
    return session.scalar(select(DossierRating).where(DossierRating.dossier_id == dossier_id))


def rating_link(session: Session, dossier: Dossier, *, secret_key: str, now: datetime) -> str | None:
    """The signed link to rate ``dossier``, when it may be rated and has not been (None otherwise). For pages whose
    reader has already proved they hold the dossier (the lookup's code and 4 digits, the portal's account), so the
    link is the proof the rating page needs."""
    if not may_be_rated(dossier) or rating_of(session, dossier.id) is not None:
        return None
    return "/danh-gia?t=" + sign(secret_key, "rate", dossier.id, now + RATE_LINK_LIFETIME)


def case_of_rating(session: Session, rating_id: int) -> FeedbackCase | None:
    """The feedback case a dissatisfied rating opened, if any."""
    return session.scalar(select(FeedbackCase).where(FeedbackCase.rating_id == rating_id))


def case_by_id(session: Session, case_id: int) -> FeedbackCase | None:
    """A case for a public page that already holds a signed link to it (the link is the proof)."""
    return session.get(FeedbackCase, case_id)


def dossier_by_id(session: Session, dossier_id: int) -> Dossier | None:
    """A dossier for a public page that already holds a signed link to it (no jurisdiction: the link is the proof)."""
    return session.get(Dossier, dossier_id)


# ------------------------------------------------------------------------------------------------ the gate


def _may_read(principal: Principal) -> bool:
    """Who reads cases (``base.access``): the centre's counter and director of the commune, the province's monitors
    (read only); an API token in those roles."""
    return need_to_know(principal).feedback_cases


def _visible(principal: Principal) -> Select[FeedbackCase]:
    if not _may_read(principal):
        raise Forbidden("Chỉ cán bộ tiếp nhận, giám đốc Trung tâm Phục vụ hành chính công và cán bộ theo dõi cấp tỉnh "
                        "được xem phản ánh, kiến nghị.")
    query = select(FeedbackCase).where(FeedbackCase.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(FeedbackCase.commune_code == principal.commune_code)
    return query


def get_case_for(session: Session, principal: Principal, case_id: int) -> FeedbackCase:
    """The case if the principal's jurisdiction covers its commune; else 404 (never someone else's data)."""
    case = session.scalar(_visible(principal).where(FeedbackCase.id == case_id))
    if case is None:
        raise NotFound("Không tìm thấy phản ánh, kiến nghị.")
    return case


def shown_case(case: FeedbackCase, principal: Principal) -> Shown:
    """The case with the sender's contact as the principal's need to know allows (full, masked or None)."""
    detail = need_to_know(principal).feedback_contact
    return Shown(case, {name: shown(getattr(case, name), detail) for name in CONTACT_FIELDS})


def _contact_shown(case: FeedbackCase, principal: Principal) -> list[str]:
    detail = need_to_know(principal).feedback_contact
    return [name for name in CONTACT_FIELDS if getattr(case, name)] if detail is Detail.FULL else []


def read_case_for(session: Session, principal: Principal, case_id: int, now: datetime) -> Shown:
    """One case to show (page or API): the gate, the sender's contact as the role may see it, the read recorded."""
    case = get_case_for(session, principal, case_id)
    record_personal_data_read(session, actor=principal, now=now, object_kind="feedback_case", object_id=case.id,
                              province_code=case.province_code, commune_code=case.commune_code,
                              fields=["sender_name", *_contact_shown(case, principal)])
    return shown_case(case, principal)


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None  # None: the open cases and the answers still to publish
    overdue: bool = False
    commune_code: str | None = None  # province users: one commune
    limit: int = 50
    offset: int = 0


def list_cases(session: Session, principal: Principal, flt: CaseFilter, now: datetime, *, with_contact: bool = False
               ) -> tuple[list[Shown], int]:
    """The commune's cases, most urgent first (the next deadline soonest; overdue at the top; waiting last), each
    with the sender's contact as the role may see it. ``with_contact`` (the API's list shows it): one read event
    naming the cases whose sender's phone or email went out in full."""
    query = _visible(principal)
    if flt.commune_code:
        query = query.where(FeedbackCase.commune_code == flt.commune_code)
    if flt.status:
        query = query.where(FeedbackCase.status == flt.status)
    else:
        query = query.where(FeedbackCase.status.in_([s.value for s in (*OPEN_STATES, CaseStatus.ANSWERED)]))
    if flt.overdue:
        query = query.where(FeedbackCase.due_at < now)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(FeedbackCase.due_at.is_(None), FeedbackCase.due_at, FeedbackCase.id)
                                .limit(flt.limit).offset(flt.offset)))
    disclosed = [c.id for c in rows if _contact_shown(c, principal)] if with_contact else []
    if disclosed:
        record_personal_data_read(session, actor=principal, now=now, object_kind="feedback_cases", object_id=None,
                                  province_code=principal.province_code, commune_code=principal.commune_code,
                                  fields=["sender_name", *CONTACT_FIELDS], detail={"ids": disclosed})
    return [shown_case(c, principal) for c in rows], int(total)


def urgency(case: FeedbackCase | Shown, now: datetime) -> str:
    """overdue | due_soon | ok | waiting | done — how the list marks a row."""
    if case.due_at is None:
        return "waiting" if case.status == CaseStatus.AWAITING_INFO else "done"
    due = as_utc(case.due_at)
    if due < now:
        return "overdue"
    return "due_soon" if due - now <= DUE_SOON else "ok"


def case_events(session: Session, case: FeedbackCase | Shown) -> list[FeedbackEvent]:
    return list(session.scalars(select(FeedbackEvent).where(FeedbackEvent.case_id == case.id)
                                .order_by(FeedbackEvent.id)))


def commune_names(session: Session, codes: set[str]) -> dict[str, str]:
    rows = session.execute(select(Commune.code, Commune.kind, Commune.name).where(Commune.code.in_(sorted(codes))))
    return {code: f"{kind.capitalize()} {name}" for code, kind, name in rows}


def communes_for_form(session: Session) -> list[Commune]:
    """The communes a citizen may address (every commune the installation serves), by province then name."""
    return list(session.scalars(select(Commune).order_by(Commune.province_code, Commune.name_folded)))


def published_answers(session: Session, commune_code: str | None, limit: int = 50) -> list[FeedbackCase]:
    """Công khai kết quả trả lời: the answers made public, newest first (the page shows subject and answer only)."""
    query = select(FeedbackCase).where(FeedbackCase.status == CaseStatus.PUBLISHED.value)
    if commune_code:
        query = query.where(FeedbackCase.commune_code == commune_code)
    return list(session.scalars(query.order_by(FeedbackCase.published_at.desc(), FeedbackCase.id.desc())
                                .limit(limit)))


# ------------------------------------------------------------------------------------------------ public checks


def check_form_rate(session: Session, *, digest: str, now: datetime) -> None:
    received = session.scalar(select(func.count()).select_from(FeedbackCase).where(
        FeedbackCase.ip_digest == digest, FeedbackCase.received_at > now - FORM_WINDOW)) or 0
    if received >= FORM_MAX_PER_HOUR:
        raise TooManyRequests("Bạn đã gửi nhiều phản ánh, kiến nghị trong một giờ. Vui lòng thử lại sau, hoặc liên hệ "
                              "trực tiếp Trung tâm Phục vụ hành chính công.",
                              retry_after=int(FORM_WINDOW.total_seconds()))


# ------------------------------------------------------------------------------------------------ the index


@dataclass(frozen=True)
class FeedbackCounters:
    """Indicators 5.2 and 5.3 of a commune over a period: cases handled (answered or refused) in it, of those the
    ones handled within their limit, and the senders' verdicts on them."""

    handled: int
    handled_on_time: int
    rated: int  # the sender said satisfied or not
    satisfied: int


@dataclass(frozen=True)
class RatingCounters:
    """Indicator 5.4's dissatisfied rate of a commune over a period: ratings given in it, of those dissatisfied."""

    rated: int
    dissatisfied: int


def feedback_counters(session: Session, commune_code: str, start: datetime, end: datetime) -> FeedbackCounters:
    """Cases of ``commune_code`` handled in ``[start, end)``; one aggregate query on (commune, handled_at)."""
    c = FeedbackCase
    row = session.execute(
        select(func.count(),
               func.count().filter(c.handled_on_time.is_(True)),
               func.count().filter(c.sender_satisfied.is_not(None)),
               func.count().filter(c.sender_satisfied.is_(True)))
        .where(c.commune_code == commune_code, c.handled_at >= start, c.handled_at < end)
    ).one()
    return FeedbackCounters(handled=int(row[0]), handled_on_time=int(row[1]), rated=int(row[2]),
                            satisfied=int(row[3]))


def rating_counters(session: Session, commune_code: str, start: datetime, end: datetime) -> RatingCounters:
    """Ratings of dossiers decided by ``commune_code`` given in ``[start, end)``."""
    r = DossierRating
    row = session.execute(
        select(func.count(), func.count().filter(r.satisfied.is_(False)))
        .where(r.commune_code == commune_code, r.rated_at >= start, r.rated_at < end)
    ).one()
    return RatingCounters(rated=int(row[0]), dissatisfied=int(row[1]))
