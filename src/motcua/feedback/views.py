"""Pages of ratings and feedback: the public rating page, the public PAKN form and case page, the published answers,
and the officers' list and case page.

Public pages never show a dossier or a case to someone who has not proved they hold it: the dossier code with the
last 4 digits of the applicant's phone or ID number (``public_lookup``, rate-limited), the case code with the
sender's phone or email (same budget), or a signed short-lived link (``feedback.tokens``) minted after such a proof.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now, read_form, require_csrf
from motcua.base.principal import Principal
from motcua.dossier.deps import client_ip
from motcua.dossier.lookups import public_lookup
from motcua.dossier.models import Dossier
from motcua.feedback.actions import (
    act_on_case,
    case_link,
    citizen_actor,
    may_rate_answer,
    offered_case_actions,
    public_case_lookup,
    rate_answer,
    rate_dossier,
    receive_case,
)
from motcua.feedback.criteria import CRITERIA, NOT_APPLICABLE, SCALE
from motcua.feedback.models import FeedbackCase
from motcua.feedback.queries import (
    CaseFilter,
    case_by_id,
    case_events,
    case_of_rating,
    commune_names,
    communes_for_form,
    dossier_by_id,
    list_cases,
    may_be_rated,
    published_answers,
    rating_of,
    read_case_for,
    urgency,
)
from motcua.feedback.schemas import CaseActionIn, FeedbackIn, vietnamese_errors
from motcua.feedback.tokens import CASE_LINK_LIFETIME, RATE_LINK_LIFETIME, sign, verify
from motcua.feedback.workflow import ACTION_LABELS, STATUS_LABELS, CaseStatus
from motcua.kit.errors import MotcuaError, ValidationFailed, field_errors
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

CASE_ID = Path(ge=1, le=2**31 - 1)
ACTION_KEY = Path(pattern=r"^[a-z_]{4,30}$")
TOKEN = Query(default="", max_length=200, description="a signed link (feedback.tokens)")
KIND_LABELS = {"report": "Phản ánh", "proposal": "Kiến nghị"}
SOURCE_LABELS = {"form": "Người dân gửi", "rating": "Từ đánh giá không hài lòng"}


def _secret(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


def _labels() -> dict[str, object]:
    return {"status_labels": {s.value: v for s, v in STATUS_LABELS.items()},
            "action_labels": {a.value: v for a, v in ACTION_LABELS.items()},
            "kind_labels": KIND_LABELS, "source_labels": SOURCE_LABELS}


# ------------------------------------------------------------------------------------------------ ratings


def _rating_page(request: Request, session: Session, *, dossier: Dossier | None, token: str, code: str,
                 errors: dict[str, str], values: dict[str, str] | None = None, sent: bool = False,
                 status_code: int = 200) -> Response:
    rating = rating_of(session, dossier.id) if dossier is not None else None
    case = case_of_rating(session, rating.id) if rating is not None else None
    state = "ask"
    if dossier is not None:
        state = "rated" if rating is not None else ("form" if may_be_rated(dossier) else "not_rateable")
    return render(request, "feedback/rating.html", {
        "dossier": dossier, "token": token, "code": code, "errors": errors, "values": values or {}, "state": state,
        "rating": rating, "case": case, "sent": sent, "criteria": CRITERIA, "scale": SCALE,
        "not_applicable": NOT_APPLICABLE,
    }, status_code=status_code)


@router.get("/danh-gia", response_class=HTMLResponse)
def rating_page(
    request: Request,
    t: str = TOKEN,
    ma: str = Query(default="", max_length=40, description="the dossier code, to prefill"),
    da_gui: bool = Query(default=False, description="just sent"),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dossier = None
    errors: dict[str, str] = {}
    if t:
        dossier_id = verify(_secret(request), t, "rate", now)
        dossier = dossier_by_id(session, dossier_id) if dossier_id else None
        if dossier is None:
            errors["form"] = ("Liên kết đánh giá đã hết hạn hoặc không hợp lệ. Vui lòng nhập mã hồ sơ và 4 chữ số "
                              "cuối số điện thoại hoặc số định danh.")
    return _rating_page(request, session, dossier=dossier, token=t if dossier else "", code=ma, errors=errors,
                        sent=da_gui)


async def _form_scores(request: Request) -> dict[str, str]:
    """The nine answers, named ``c_<criterion>`` (read from the form Starlette has already parsed and cached)."""
    form = await read_form(request)
    return {c.key: str(form.get(f"c_{c.key}", ""))[:4] for c in CRITERIA}


def _parse_scores(raw: dict[str, str]) -> dict[str, int]:
    """"2" | "1" | "0" → the score; "" or "na" → not answered; anything else → -1, which the action refuses."""
    scores: dict[str, int] = {}
    for key, value in raw.items():
        if value in ("", "na"):
            continue
        scores[key] = int(value) if value in ("0", "1", "2") else -1
    return scores


@router.post("/danh-gia", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def rating_submit(
    request: Request,
    t: str = Form(default="", max_length=200),
    code: str = Form(default="", max_length=40),
    secret: str = Form(default="", max_length=20),
    comment: str = Form(default="", max_length=1000),
    raw_scores: dict[str, str] = Depends(_form_scores),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    token = t
    values = {**raw_scores, "comment": comment}
    dossier = None
    if token:
        dossier_id = verify(_secret(request), token, "rate", now)
        dossier = dossier_by_id(session, dossier_id) if dossier_id else None
    if dossier is None:
        token = ""
        try:
            dossier = public_lookup(session, code=code, secret=secret, ip=client_ip(request), now=now)
        except ValidationFailed as exc:
            return _rating_page(request, session, dossier=None, token="", code=code, values=values,
                                errors={**exc.fields, "form": exc.message}, status_code=422)
        if dossier is None:  # answered, not raised: the failed attempt is committed and counted
            return _rating_page(request, session, dossier=None, token="", code=code, values=values,
                                errors={"form": "Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập."}, status_code=404)
        token = sign(_secret(request), "rate", dossier.id, now + RATE_LINK_LIFETIME)
    try:
        rate_dossier(session, dossier=dossier, scores=_parse_scores(raw_scores), comment=comment, channel="qr",
                     now=now, actor=citizen_actor(dossier.province_code, dossier.applicant_name))
    except MotcuaError as exc:
        session.rollback()  # nothing of a refused rating stays
        errors = {key.removeprefix("scores."): message for key, message in exc.fields.items()}
        dossier = dossier_by_id(session, dossier.id)
        return _rating_page(request, session, dossier=dossier, token=token, code=code, values=values,
                            errors={**errors, "form": exc.message}, status_code=exc.status_code)
    return RedirectResponse(f"/danh-gia?t={quote(token)}&da_gui=true", status_code=303)


# ------------------------------------------------------------------------------------------------ public PAKN


def _form_page(request: Request, session: Session, values: dict[str, str], errors: dict[str, str],
               status_code: int = 200) -> Response:
    return render(request, "feedback/form.html", {
        "values": values, "errors": errors, "communes": communes_for_form(session), "kind_labels": KIND_LABELS,
    }, status_code=status_code)


@router.get("/phan-anh", response_class=HTMLResponse)
def feedback_form(
    request: Request,
    xa: str = Query(default="", max_length=5, description="the commune, to preselect"),
    ma: str = Query(default="", max_length=40, description="a dossier code, to prefill"),
    session: Session = DB_SESSION,
) -> Response:
    return _form_page(request, session, {"commune_code": xa, "dossier_code": ma, "kind": "report"}, {})


@router.post("/phan-anh", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def feedback_submit(
    request: Request,
    commune_code: str = Form(default="", max_length=10),
    kind: str = Form(default="report", max_length=10),
    subject: str = Form(default="", max_length=400),
    content: str = Form(default="", max_length=10_000),
    sender_name: str = Form(default="", max_length=300),
    phone: str = Form(default="", max_length=40),
    email: str = Form(default="", max_length=300),
    dossier_code: str = Form(default="", max_length=60),
    submission: str = Form(default="", max_length=100, description="one per form load: a double submit is one"),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values = {"commune_code": commune_code, "kind": kind, "subject": subject, "content": content,
              "sender_name": sender_name, "phone": phone, "email": email, "dossier_code": dossier_code}
    try:
        data = FeedbackIn.model_validate({**values, "phone": phone or None, "email": email or None,
                                          "dossier_code": dossier_code or None})
    except ValidationError as exc:
        return _form_page(request, session, values, vietnamese_errors(field_errors(exc)), status_code=422)
    try:
        result = receive_case(session, data=data, now=now, ip=client_ip(request),
                              idempotency_key=submission or None, scope="form")
    except MotcuaError as exc:  # answered, not raised: a failed dossier-code check is committed and counted
        response = _form_page(request, session, values, {**exc.fields, "form": exc.message},
                              status_code=exc.status_code)
        if "retry_after" in exc.extra:
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response
    link = case_link("", _secret(request), result.case, now)
    return RedirectResponse(f"{link}&moi=true", status_code=303)


def _case_public_page(request: Request, session: Session, *, case: FeedbackCase | None, token: str, code: str,
                      now: datetime, errors: dict[str, str], new: bool = False, status_code: int = 200) -> Response:
    names = commune_names(session, {case.commune_code}) if case is not None else {}
    return render(request, "feedback/case_public.html", {
        "case": case, "token": token, "code": code, "errors": errors, "new": new,
        "commune_name": names.get(case.commune_code, "") if case is not None else "",
        "may_rate": case is not None and may_rate_answer(case, now), **_labels(),
    }, status_code=status_code)


@router.get("/phan-anh/tra-loi", response_class=HTMLResponse)
def case_public_page(
    request: Request,
    t: str = TOKEN,
    moi: bool = Query(default=False, description="just received"),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    case = None
    errors: dict[str, str] = {}
    if t:
        case_id = verify(_secret(request), t, "case", now)
        case = case_by_id(session, case_id) if case_id else None
        if case is None:
            errors["form"] = ("Liên kết đã hết hạn hoặc không hợp lệ. Vui lòng nhập mã phản ánh, kiến nghị và số điện "
                              "thoại hoặc thư điện tử đã dùng khi gửi.")
    return _case_public_page(request, session, case=case, token=t if case else "", code="", now=now, errors=errors,
                             new=moi)


@router.post("/phan-anh/tra-loi", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def case_public_submit(
    request: Request,
    t: str = Form(default="", max_length=200),
    code: str = Form(default="", max_length=30),
    contact: str = Form(default="", max_length=200),
    satisfied: Literal["", "yes", "no"] = Form(default=""),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    case = None
    if t:
        case_id = verify(_secret(request), t, "case", now)
        case = case_by_id(session, case_id) if case_id else None
    if case is None:
        case = public_case_lookup(session, code=code, contact=contact, ip=client_ip(request), now=now)
        if case is None:  # answered, not raised: the failed attempt is committed and counted
            return _case_public_page(request, session, case=None, token="", code=code, now=now, status_code=404,
                                     errors={"form": "Không tìm thấy phản ánh, kiến nghị với mã và thông tin liên hệ "
                                                     "đã nhập."})
    if satisfied:
        try:
            rate_answer(session, case=case, satisfied=satisfied == "yes", now=now,
                        actor=citizen_actor(case.province_code, case.sender_name))
        except MotcuaError as exc:
            session.rollback()
            case = case_by_id(session, case.id)
            token = sign(_secret(request), "case", case.id, now + CASE_LINK_LIFETIME) if case is not None else ""
            return _case_public_page(request, session, case=case, token=token, code="", now=now,
                                     errors={"form": exc.message}, status_code=exc.status_code)
    return RedirectResponse(case_link("", _secret(request), case, now), status_code=303)


@router.get("/phan-anh/cong-khai", response_class=HTMLResponse)
def published_page(
    request: Request,
    xa: str = Query(default="", max_length=5, pattern=r"^(\d{5})?$"),
    session: Session = DB_SESSION,
) -> Response:
    """Công khai kết quả trả lời: subject and answer only — never the sender or the content they wrote."""
    rows = published_answers(session, xa or None)
    return render(request, "feedback/published.html", {
        "rows": rows, "names": commune_names(session, {c.commune_code for c in rows}), "xa": xa,
        "communes": communes_for_form(session), **_labels()})


# ------------------------------------------------------------------------------------------------ officers


@router.get("/feedback", response_class=HTMLResponse)
def cases_page(
    request: Request,
    status: Literal[""] | CaseStatus | None = Query(default=None, description='"" means the work to do'),
    overdue: bool = Query(default=False),
    xa: str = Query(default="", max_length=5, pattern=r"^(\d{5})?$", description="province users: one commune"),
    page: int = Query(default=1, ge=1, le=10_000),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    flt = CaseFilter(status=status.value if status else None, overdue=overdue, commune_code=xa or None, limit=50,
                     offset=(page - 1) * 50)
    rows, total = list_cases(session, principal, flt, now)
    return render(request, "feedback/cases.html", {
        "rows": [(c, urgency(c, now)) for c in rows], "total": total, "status": flt.status or "",
        "overdue": overdue, "xa": xa, "page": page, "pages": max(1, (total + 49) // 50),
        "statuses": [(s.value, label) for s, label in STATUS_LABELS.items() if s is not CaseStatus.NEW],
        "names": commune_names(session, {c.commune_code for c in rows}) if principal.is_province_level else {},
        **_labels(),
    })


@router.get("/feedback/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: int = CASE_ID,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    case = read_case_for(session, principal, case_id, now)
    actions = offered_case_actions(principal, case, now)  # what act_on_case would accept, guards included
    return render(request, "feedback/case.html", {
        "c": case, "events": case_events(session, case), "actions": actions, "urgency": urgency(case, now),
        "commune_name": commune_names(session, {case.commune_code}).get(case.commune_code, ""), **_labels(),
    })


@router.post("/feedback/{case_id}/actions/{action}", dependencies=[Depends(require_csrf)])
def case_action(
    request: Request,
    case_id: int = CASE_ID,
    action: str = ACTION_KEY,
    version: int = Form(ge=1, le=2**31 - 1),
    note: str = Form(default="", max_length=5000),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    data = CaseActionIn(version=version, note=note)
    settings = request.app.state.settings
    act_on_case(session, actor=principal, case_id=case_id, action=action, data=data, now=now,
                public_base_url=settings.public_base_url, secret=settings.secret_key)
    return RedirectResponse(f"/feedback/{case_id}?done={action}", status_code=303)
