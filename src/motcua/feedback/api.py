"""JSON routes of feedback: the public submission of a case (with an idempotency key) and of a rating (code + last
4 digits), and the officers' and tokens' reads of cases."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_principal, get_now
from motcua.base.access import Shown
from motcua.base.principal import Principal
from motcua.dossier.deps import client_ip
from motcua.dossier.lookups import public_lookup
from motcua.feedback.actions import citizen_actor, offered_case_actions, rate_dossier, receive_case
from motcua.feedback.models import FeedbackCase, FeedbackEvent
from motcua.feedback.queries import CaseFilter, case_events, list_cases, read_case_for
from motcua.feedback.schemas import (
    FeedbackCaseOut,
    FeedbackEventOut,
    FeedbackIn,
    FeedbackPage,
    FeedbackReceiptOut,
    RatingIn,
    RatingOut,
)
from motcua.feedback.workflow import STATUS_LABELS, CaseStatus
from motcua.kit.errors import MotcuaError
from motcua.kit.schemas import error_responses

router = APIRouter(tags=["feedback"])

CASE_ID = Path(ge=1, le=2**31 - 1)
IDEMPOTENCY_KEY = Header(default=None, alias="Idempotency-Key", min_length=8, max_length=100,
                         pattern=r"^[A-Za-z0-9_.:-]+$",
                         description="A client-chosen key; a retried request with the same key and body returns the "
                                     "case created the first time (200) instead of creating another (409 if the body "
                                     "differs).")
PUBLIC: dict[str, object] = {"security": []}


def _answered(exc: MotcuaError) -> JSONResponse:
    """An error answered rather than raised, so that what the failed request must leave behind (a failed dossier-code
    check, counted against the address) is committed; the same envelope as the application's handler."""
    body: dict[str, object] = {"code": exc.code, "message": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
    return JSONResponse({"error": body}, status_code=exc.status_code, headers=headers)


def case_out(case: FeedbackCase | Shown, principal: Principal, now: datetime,
             events: list[FeedbackEvent] | None = None) -> FeedbackCaseOut:
    return FeedbackCaseOut(
        id=case.id, code=case.code, version=case.version, status=case.status,
        status_label=STATUS_LABELS[CaseStatus(case.status)], kind=case.kind, source=case.source,
        commune_code=case.commune_code, subject=case.subject, content=case.content, sender_name=case.sender_name,
        sender_phone=case.sender_phone, sender_email=case.sender_email, dossier_code=case.dossier_code,
        received_at=case.received_at, refuse_due=case.refuse_due, info_due=case.info_due,
        answer_due=case.answer_due, publish_due=case.publish_due, due_at=case.due_at, handled_at=case.handled_at,
        handled_on_time=case.handled_on_time, refusal_reason=case.refusal_reason, info_request=case.info_request,
        answer=case.answer, sender_satisfied=case.sender_satisfied,
        allowed_actions=[t.action.value for t in offered_case_actions(principal, case, now)],
        events=[FeedbackEventOut(at=e.at, action=e.action, from_status=e.from_status, to_status=e.to_status,
                                 actor_name=e.actor_name, note=e.note) for e in events or ()],
    )


@router.post("/feedback", response_model=FeedbackReceiptOut, status_code=201, openapi_extra=PUBLIC,
             summary="Send a phản ánh or kiến nghị (public)", responses=error_responses(409, 429))
def create_feedback(
    data: FeedbackIn,
    request: Request,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        result = receive_case(session, data=data, now=now, ip=client_ip(request), idempotency_key=idempotency_key,
                              scope="api")
    except MotcuaError as exc:
        return _answered(exc)
    case = result.case
    out = FeedbackReceiptOut(code=case.code, status=case.status, status_label=STATUS_LABELS[CaseStatus(case.status)],
                             received_at=case.received_at, answer_due=case.answer_due)
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if result.replayed else 201)


@router.get("/feedback", response_model=FeedbackPage, summary="The caller's feedback cases, most urgent first",
            responses=error_responses(403))
def list_feedback(
    status: CaseStatus | None = Query(default=None, description="Default: the open cases and the answers to publish"),
    overdue: bool = Query(default=False),
    commune_code: str | None = Query(default=None, pattern=r"^\d{5}$", description="Province users: one commune"),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=1_000_000),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> FeedbackPage:
    rows, total = list_cases(session, principal, CaseFilter(status=status.value if status else None, overdue=overdue,
                                                            commune_code=commune_code, limit=limit, offset=offset),
                             now, with_contact=True)
    return FeedbackPage(items=[case_out(c, principal, now) for c in rows], total=total)


@router.get("/feedback/{case_id}", response_model=FeedbackCaseOut, summary="One feedback case with its history",
            responses=error_responses(403, 404))
def get_feedback(
    case_id: int = CASE_ID,
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> FeedbackCaseOut:
    case = read_case_for(session, principal, case_id, now)
    return case_out(case, principal, now, case_events(session, case))


@router.post("/ratings", response_model=RatingOut, status_code=201, openapi_extra=PUBLIC,
             summary="Rate the handling of a dossier (public: code + last 4 digits; Decree 118 Art. 31–33)",
             responses=error_responses(404, 409, 429))
def create_rating(
    data: RatingIn,
    request: Request,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dossier = public_lookup(session, code=data.code, secret=data.secret, ip=client_ip(request), now=now)
    if dossier is None:  # answered, not raised, so that the failed attempt is committed and counted
        return JSONResponse({"error": {"code": "not_found",
                                       "message": "Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập."}},
                            status_code=404)
    result = rate_dossier(session, dossier=dossier, scores=data.scores, comment=data.comment, channel=data.channel,
                          now=now, actor=citizen_actor(dossier.province_code, dossier.applicant_name))
    out = RatingOut(dossier_code=dossier.code, satisfied=result.rating.satisfied, rated_at=result.rating.rated_at,
                    feedback_case_code=result.case.code if result.case else None)
    return JSONResponse(out.model_dump(mode="json"), status_code=201)
