"""Pages of the citizen portal (Cổng dịch vụ công của xã), under /cong-dan: sign in with a one-time code, file
online, follow a dossier (supplement, withdraw, letters, result, payment), check one's identity; and assisted
filing (/ho-tro-nop) for digital volunteers and counter officers. Large text, one column, works at 360 px."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from motcua.auth.deps import DB_SESSION, get_now, read_form, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import ASSISTED_FILING_ROLES
from motcua.calendar import to_vietnam_time
from motcua.catalog.queries import version_in_force
from motcua.docstore.queries import reusable_for, store_document, store_items
from motcua.dossier import printing
from motcua.dossier.actions import Upload
from motcua.dossier.deps import client_ip, get_store
from motcua.dossier.files import FileStore
from motcua.dossier.queries import get_dossier_for
from motcua.dossier.schemas import IntakeIn
from motcua.dossier.workflow import ACTION_LABELS, STATUS_LABELS, Action
from motcua.integrations.identity import identity_adapter
from motcua.integrations.payment import payment_adapter
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import MotcuaError, NotFound, field_errors
from motcua.org.models import Commune
from motcua.org.queries import list_communes_for
from motcua.portal.actions.accounts import (
    check_code,
    citizen_principal,
    parse_destination,
    request_code,
    sign_in,
    sign_out,
    verify_identity,
)
from motcua.portal.actions.filing import (
    attach_to_draft,
    draft_files,
    file_on_behalf,
    get_draft_for,
    remove_from_draft,
    save_draft,
    send_consent_code,
    start_draft,
    submit_draft,
    supply_online,
    withdraw_online,
)
from motcua.portal.actions.payments import settle_payment, start_payment
from motcua.portal.deps import CITIZEN_COOKIE, current_citizen
from motcua.portal.models import CitizenAccount
from motcua.portal.queries import (
    CITIZEN_FORMS,
    citizen_dossier_page,
    citizen_results,
    commune_picker,
    my_dossiers,
    my_drafts,
    online_procedures,
)
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

# One Path object per parameter name: FastAPI binds a Path's alias to the first parameter that uses it.
DRAFT_ID = Path(ge=1, le=2**31 - 1)
#: The draft form: the applicant's fields and one file input per required document, far under 60 of each; the
#: route declares it and every reader of the form (the CSRF check first) parses with it (``auth.deps.read_form``).
DRAFT_FORM_LIMITS: Any = {"max_fields": 60, "max_files": 60}
DOSSIER_ID = Path(ge=1, le=2**31 - 1)
FILE_ID = Path(ge=1, le=2**31 - 1)
DOCUMENT_ID = Path(ge=1, le=2**31 - 1)


def _labels() -> dict[str, object]:
    return {"status_labels": {s.value: v for s, v in STATUS_LABELS.items()},
            "action_labels": {a.value: v for a, v in ACTION_LABELS.items()}}


def _safe_next(target: str) -> str:
    """Only a path of this site (never //host or a scheme): an open redirect would make phishing links."""
    return target if target.startswith("/cong-dan") and not target.startswith("//") else "/cong-dan"


# ------------------------------------------------------------------------------------------------ signing in


@router.get("/cong-dan/dang-nhap", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = Query(default="/cong-dan", max_length=300),
                 via: str = Query(default="phone", max_length=10,
                                  description="phone (the number pad on a phone) or email")) -> Response:
    return render(request, "portal/sign_in.html", {"step": "destination", "values": {}, "errors": {},
                                                   "next": _safe_next(next), "via": _via(via)})


def _via(value: str) -> str:
    """The sign-in field's keyboard: a phone number by default (most citizens), an e-mail address on request."""
    return "email" if value == "email" else "phone"


@router.post("/cong-dan/dang-nhap", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def sign_in_send(
    request: Request,
    destination: str = Form(default="", max_length=200),
    next: str = Form(default="/cong-dan", max_length=300),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values = {"destination": destination}
    try:
        target = parse_destination(destination)
        request_code(session, destination=target, purpose="login", ip=client_ip(request), now=now,
                     key=request.app.state.settings.secret_key)
    except MotcuaError as exc:
        context = {"step": "destination", "values": values, "next": _safe_next(next),
                   "errors": {"destination": exc.message}, "via": _via("email" if "@" in destination else "phone")}
        return render(request, "portal/sign_in.html", context, status_code=exc.status_code)
    return render(request, "portal/sign_in.html", {"step": "code", "values": {"destination": target.value},
                                                   "errors": {}, "next": _safe_next(next)})


@router.post("/cong-dan/xac-thuc", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def sign_in_verify(
    request: Request,
    destination: str = Form(default="", max_length=200),
    code: str = Form(default="", max_length=10),
    full_name: str = Form(default="", max_length=200),
    next: str = Form(default="/cong-dan", max_length=300),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values = {"destination": destination, "full_name": full_name}
    context = {"step": "code", "values": values, "next": _safe_next(next)}
    try:
        target = parse_destination(destination)
        if not check_code(session, destination=target, purpose="login", code=code, now=now,
                          key=request.app.state.settings.secret_key):
            return render(request, "portal/sign_in.html", {**context, "errors": {
                "code": "Mã xác thực không đúng hoặc đã hết hạn."}}, status_code=422)  # the failed try is kept
        _account, token = sign_in(session, destination=target, full_name=full_name, now=now, ip=client_ip(request))
    except MotcuaError as exc:
        if exc.fields.get("full_name"):
            session.rollback()  # the code is not used up: the new citizen only has to add their name
            return render(request, "portal/sign_in.html", {**context, "step": "name", "values": {
                **values, "code": code}, "errors": {"full_name": exc.message}}, status_code=422)
        return render(request, "portal/sign_in.html", {**context, "errors": {"code": exc.message}},
                      status_code=exc.status_code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(CITIZEN_COOKIE, token, httponly=True, samesite="lax", max_age=7 * 24 * 3600,
                        secure=request.url.scheme == "https")
    return response


@router.post("/cong-dan/dang-xuat", dependencies=[Depends(require_csrf)])
def sign_out_submit(request: Request, session: Session = DB_SESSION) -> Response:
    token = request.cookies.get(CITIZEN_COOKIE)
    if token:
        sign_out(session, token=token)
    response = RedirectResponse("/cong-dan/dang-nhap", status_code=303)
    response.delete_cookie(CITIZEN_COOKIE)
    return response


# ------------------------------------------------------------------------------------------------ home, identity


@router.get("/cong-dan", response_class=HTMLResponse)
def portal_home(
    request: Request,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
) -> Response:
    return render(request, "portal/home.html", {"citizen": citizen, "dossiers": my_dossiers(session, citizen.id),
                                                "drafts": my_drafts(session, citizen.id), **_labels()})


@router.post("/cong-dan/dinh-danh", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def identity_submit(
    request: Request,
    id_number: str = Form(default="", max_length=20),
    full_name: str = Form(default="", max_length=200),
    birth_date: str = Form(default="", max_length=10),
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        born = date.fromisoformat(birth_date) if birth_date else None
    except ValueError:
        born = None
    values = {"id_number": id_number, "full_name": full_name, "birth_date": birth_date}
    try:
        result = verify_identity(session, account=citizen, id_number=id_number.strip(),
                                 full_name=full_name or citizen.full_name, birth_date=born,
                                 adapter=identity_adapter(request.app.state.settings), now=now, ip=client_ip(request))
    except MotcuaError as exc:
        session.rollback()  # a refusal before the database was asked: nothing to keep
        error = exc
    else:
        if result.error is None:
            return RedirectResponse("/cong-dan?identity=1", status_code=303)
        error = result.error  # the try is kept (committed with the request) so that the limits count it
    return render(request, "portal/home.html", {
        "citizen": session.get_one(CitizenAccount, citizen.id), "dossiers": my_dossiers(session, citizen.id),
        "drafts": my_drafts(session, citizen.id), "identity_error": error.message,
        "identity_fields": error.fields, "identity_values": values, **_labels()}, status_code=error.status_code)


# ------------------------------------------------------------------------------------------------ filing


@router.get("/cong-dan/thu-tuc", response_class=HTMLResponse)
def procedures_page(
    request: Request,
    q: str = Query(default="", max_length=100),
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return render(request, "portal/procedures.html", {
        "q": q, "procedures": online_procedures(session, q, now), "picker": commune_picker(session, citizen.id)})


@router.post("/cong-dan/ho-so-nhap", dependencies=[Depends(require_csrf)])
def draft_create(
    procedure_code: str = Form(default="", max_length=20),
    commune_code: str = Form(default="", max_length=5),
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    draft = start_draft(session, citizen=citizen, procedure_code=procedure_code, commune_code=commune_code, now=now)
    return RedirectResponse(f"/cong-dan/ho-so-nhap/{draft.id}", status_code=303)


def _draft_page(request: Request, session: Session, citizen: CitizenAccount, draft_id: int, now: datetime,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    draft = get_draft_for(session, citizen, draft_id)
    commune = session.get_one(Commune, draft.commune_code)
    procedure, version = version_in_force(session, draft.procedure_code, to_vietnam_time(now).date(),
                                          commune.province_code)
    offers: dict[str, list[Any]] = {}
    keys = [str(d["key"]) for d in version.data.get("documents", [])]
    for offer in reusable_for(session, citizen_principal(citizen), citizen.id_number, citizen.id, procedure.code,
                              keys, now):  # the citizen's own store (issue 17): no new scan for these items
        offers.setdefault(offer.requirement_key, []).append(offer)
    return render(request, "portal/draft.html", {
        "offers": offers, "reused": draft.fields.get("reused") or {},
        "draft": draft, "procedure": procedure, "version": version.data, "files": draft_files(session, draft),
        "commune": commune, "errors": errors or {},
        "max_mb": request.app.state.settings.max_upload_bytes // (1024 * 1024)}, status_code=status_code)


@router.get("/cong-dan/ho-so-nhap/{draft_id}", response_class=HTMLResponse)
def draft_page(
    request: Request,
    draft_id: int = DRAFT_ID,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return _draft_page(request, session, citizen, draft_id, now)


@router.post("/cong-dan/ho-so-nhap/{draft_id}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)],
             form_limits=DRAFT_FORM_LIMITS)
def draft_save(
    request: Request,
    draft_id: int = DRAFT_ID,
    form: FormData = Depends(read_form),  # parsed once, with the route's limits (the CSRF check read it first)
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    """One form: the applicant's fields, any files chosen (one input per required document), then save or submit."""
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "intent")}
    errors: dict[str, str] = {}
    save_draft(session, citizen=citizen, draft_id=draft_id, fields=fields, now=now)  # 404/409 end the request
    for key, value in form.multi_items():
        if key.startswith("file_") and not isinstance(value, str) and value.filename:
            data = value.file.read()  # spooled by the parser already: a plain read in this worker thread
            try:
                attach_to_draft(session, citizen=citizen, draft_id=draft_id, requirement_key=key[5:],
                                filename=value.filename, data=data, store=store, now=now,
                                max_upload_bytes=request.app.state.settings.max_upload_bytes)
            except MotcuaError as exc:
                errors[key] = exc.message  # the other files and the fields are kept
    session.commit()  # what was typed and every accepted file stay in the draft, whatever the submission does
    if form.get("intent") == "submit" and not errors:
        try:
            dossier = submit_draft(session, citizen=citizen, actor=citizen_principal(citizen), draft_id=draft_id,
                                   now=now, public_base_url=request.app.state.settings.public_base_url)
        except MotcuaError as exc:
            session.rollback()  # nothing of a refused submission stays
            errors = {**{f"field_{k}": v for k, v in exc.fields.items()}, "form": exc.message}
        else:
            return RedirectResponse(f"/cong-dan/ho-so/{dossier.id}?nop=1", status_code=303)
    if errors:
        return _draft_page(request, session, citizen, draft_id, now, errors, status_code=422)
    return RedirectResponse(f"/cong-dan/ho-so-nhap/{draft_id}?saved=1", status_code=303)


@router.post("/cong-dan/ho-so-nhap/{draft_id}/tep/{file_id}/xoa", dependencies=[Depends(require_csrf)])
def draft_file_remove(
    draft_id: int = DRAFT_ID,
    file_id: int = FILE_ID,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
) -> Response:
    remove_from_draft(session, citizen=citizen, draft_id=draft_id, file_id=file_id)
    return RedirectResponse(f"/cong-dan/ho-so-nhap/{draft_id}", status_code=303)


# ------------------------------------------------------------------------------------------------ following


@router.get("/cong-dan/ho-so/{dossier_id}", response_class=HTMLResponse)
def follow_page(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return _follow(request, session, citizen, dossier_id, now)


def _follow(request: Request, session: Session, citizen: CitizenAccount, dossier_id: int, now: datetime,
            error: MotcuaError | None = None) -> Response:
    page = citizen_dossier_page(session, citizen_principal(citizen), dossier_id,
                       secret_key=request.app.state.settings.secret_key, now=now)
    return render(request, "portal/dossier.html", {
        "page": page, "d": page.dossier, "Action": Action, "paid": request.query_params.get("paid"),
        "supply_error": error.message if error else None, **_labels()},
        status_code=error.status_code if error else 200)


#: The supplement form's file inputs, one per item the officer asked for: ``item_<document key>``, each taking
#: several files (a two-sided card, a contract of many pages).
ITEM_FIELD = "item_"


def supplement_uploads(form: FormData, file_keys: list[str], files: list[UploadFile]) -> list[Upload]:
    """The files of a supplement, each with the item of the procedure's checklist it answers: from the inputs of
    the items asked for (``item_<key>``), and from the other-item picker (``file_keys`` with ``files``: one item for
    all its files when one is chosen, else pair by pair). An input left empty sends no file."""
    uploads = [Upload(name.removeprefix(ITEM_FIELD)[:40] or None, value.filename or "", value.file.read())
               for name, value in form.multi_items()
               if name.startswith(ITEM_FIELD) and not isinstance(value, str) and value.filename]
    keys = file_keys * len(files) if len(file_keys) == 1 else file_keys
    uploads += [Upload(key or None, f.filename or "", f.file.read())
                for key, f in zip(keys, files, strict=False) if f.filename]
    return uploads


@router.post("/cong-dan/ho-so/{dossier_id}/bo-sung", dependencies=[Depends(require_csrf)])
def supply_submit(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    version: int = Form(ge=1, le=2**31 - 1),
    note: str = Form(default="", max_length=2000),
    file_keys: list[str] = Form(default=[], max_length=20),
    files: list[UploadFile] = File(default=[], max_length=20),
    form: FormData = Depends(read_form),  # the items' own inputs (``item_<key>``); parsed once with the route's limits
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    uploads = supplement_uploads(form, file_keys, files)
    try:
        supply_online(session, actor=citizen_principal(citizen), dossier_id=dossier_id, version=version,
                      uploads=uploads, note=note, store=store, now=now,
                      max_upload_bytes=request.app.state.settings.max_upload_bytes,
                      public_base_url=request.app.state.settings.public_base_url)
    except MotcuaError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        session.rollback()  # nothing of a refused supplement stays: the request still stands, the citizen sends again
        return _follow(request, session, citizen, dossier_id, now, exc)
    return RedirectResponse(f"/cong-dan/ho-so/{dossier_id}?bo-sung=1", status_code=303)


@router.post("/cong-dan/ho-so/{dossier_id}/rut", dependencies=[Depends(require_csrf)])
def withdraw_submit(
    dossier_id: int = DOSSIER_ID,
    version: int = Form(ge=1, le=2**31 - 1),
    reason: str = Form(default="", max_length=2000),
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    withdraw_online(session, actor=citizen_principal(citizen), dossier_id=dossier_id, version=version, reason=reason,
                    now=now)
    return RedirectResponse(f"/cong-dan/ho-so/{dossier_id}?rut=1", status_code=303)


@router.get("/cong-dan/ho-so/{dossier_id}/mau/{form}.pdf")
def citizen_form(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    form: str = Path(pattern=r"^[a-z_]{4,30}$"),
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dossier = get_dossier_for(session, citizen_principal(citizen), dossier_id)
    if form not in CITIZEN_FORMS:
        raise NotFound("Không có biểu mẫu này.")
    pdf = printing.form_pdf(session, dossier, form, base_url=request.app.state.settings.public_base_url, now=now)
    return Response(pdf, media_type="application/pdf",
                    headers=disposition_headers(f"{dossier.code}-{form}.pdf", disposition="inline"))


@router.get("/cong-dan/ho-so/{dossier_id}/ket-qua/{document_id}")
def citizen_result(
    dossier_id: int = DOSSIER_ID,
    document_id: int = DOCUMENT_ID,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
) -> Response:
    """The electronic result (Art. 22), downloadable once the result is ready."""
    dossier = get_dossier_for(session, citizen_principal(citizen), dossier_id)
    doc = next((d for d in citizen_results(session, dossier) if d.id == document_id), None)
    if doc is None:
        raise NotFound("Không tìm thấy kết quả.")
    return Response(store.read(doc.file_key), media_type=doc.content_type,
                    headers=disposition_headers(f"{dossier.code}-ket-qua-{doc.file_name}"))


@router.get("/cong-dan/kho-du-lieu", response_class=HTMLResponse)
def store_page(
    request: Request,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """Kho dữ liệu điện tử: the citizen's results and digitised papers with their validity (issue 17). Keyed by
    the ID number only once the population database confirmed it, and by the dossiers the account follows."""
    items = store_items(session, id_number=citizen.id_number, citizen_id=citizen.id, now=now)
    return render(request, "portal/store.html", {"citizen": citizen, "items": items})


@router.get("/cong-dan/kho-du-lieu/{document_id}")
def store_download(
    document_id: int = DOCUMENT_ID,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
) -> Response:
    doc = store_document(session, id_number=citizen.id_number, citizen_id=citizen.id, document_id=document_id)
    if doc is None:
        raise NotFound("Không tìm thấy giấy tờ.")
    return Response(store.read(doc.file_key), media_type=doc.content_type,
                    headers=disposition_headers(doc.file_name))


@router.post("/cong-dan/ho-so/{dossier_id}/thanh-toan", dependencies=[Depends(require_csrf)])
def payment_start(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    fee_index: int = Form(default=0, ge=0, le=50),
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    base = str(request.base_url).rstrip("/")
    pay_url = start_payment(session, actor=citizen_principal(citizen), dossier_id=dossier_id, fee_index=fee_index,
                            adapter=payment_adapter(request.app.state.settings),
                            return_url=f"{base}/cong-dan/thanh-toan/ket-qua", now=now)
    return RedirectResponse(pay_url, status_code=303)


@router.get("/cong-dan/thanh-toan/ket-qua")
def payment_return(
    request: Request,
    citizen: CitizenAccount = Depends(current_citizen),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    params = {k: v[:500] for k, v in list(request.query_params.items())[:40]}
    payment = settle_payment(session, actor=citizen_principal(citizen), params=params,
                             adapter=payment_adapter(request.app.state.settings), now=now)
    return RedirectResponse(f"/cong-dan/ho-so/{payment.dossier_id}?paid={quote(payment.status)}", status_code=303)


# ------------------------------------------------------------------------------------------------ assisted filing


def _assist_page(request: Request, session: Session, principal: Principal, now: datetime, values: dict[str, object],
                 errors: dict[str, str], status_code: int = 200) -> Response:
    code = str(values.get("procedure_code") or "")
    checklist: list[dict[str, object]] = []
    if code:
        try:
            _, version = version_in_force(session, code, to_vietnam_time(now).date(), principal.province_code)
            checklist = list(version.data.get("documents", []))
        except MotcuaError as exc:
            errors = {**errors, "procedure_code": exc.message}
    return render(request, "portal/assist.html", {
        "procedures": online_procedures(session, None, now, limit=500), "values": values, "errors": errors,
        "checklist": checklist, "communes": list_communes_for(session, principal)}, status_code=status_code)


@router.get("/ho-tro-nop", response_class=HTMLResponse)
def assist_page(
    request: Request,
    procedure: str = Query(default="", max_length=20),
    principal: Principal = Depends(require_roles(*ASSISTED_FILING_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return _assist_page(request, session, principal, now, {"procedure_code": procedure,
                                                           "commune_code": principal.commune_code or ""}, {})


@router.post("/ho-tro-nop/ma-dong-y", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def assist_send_code(
    request: Request,
    phone: str = Form(default="", max_length=20),
    principal: Principal = Depends(require_roles(*ASSISTED_FILING_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    send_consent_code(session, actor=principal, phone=phone, ip=client_ip(request), now=now,
                      key=request.app.state.settings.secret_key)
    return render(request, "portal/consent_sent.html", {"phone": phone})


@router.post("/ho-tro-nop", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def assist_submit(
    request: Request,
    procedure_code: str = Form(default="", max_length=20),
    commune_code: str = Form(default="", max_length=5),
    applicant_name: str = Form(default="", max_length=300),
    id_number: str = Form(default="", max_length=40),
    phone: str = Form(default="", max_length=40),
    email: str = Form(default="", max_length=300),
    address: str = Form(default="", max_length=400),
    consent_method: str = Form(default="", max_length=10),
    consent_code: str = Form(default="", max_length=10),
    file_keys: list[str] = Form(default=[], max_length=50),
    files: list[UploadFile] = File(default=[], max_length=50),
    consent_scan: UploadFile | None = File(default=None),
    principal: Principal = Depends(require_roles(*ASSISTED_FILING_ROLES)),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    values: dict[str, object] = {
        "procedure_code": procedure_code, "commune_code": commune_code, "applicant_name": applicant_name,
        "id_number": id_number.strip(), "phone": phone.strip(), "email": email.strip(), "address": address,
        "consent_method": consent_method}
    try:
        data = IntakeIn.model_validate({
            "procedure_code": procedure_code, "applicant_name": applicant_name, "id_number": id_number.strip() or None,
            "phone": phone.strip() or None, "email": email.strip() or None, "address": address, "channel": 2})
    except ValidationError as exc:
        return _assist_page(request, session, principal, now, values, field_errors(exc), status_code=422)
    uploads = [Upload(key or None, f.filename or "", f.file.read())
               for key, f in zip(file_keys, files, strict=False) if f.filename]
    scan = (Upload(None, consent_scan.filename, consent_scan.file.read())
            if consent_scan is not None and consent_scan.filename else None)
    try:
        dossier = file_on_behalf(session, actor=principal, data=data, commune_code=commune_code, uploads=uploads,
                                 consent_method=consent_method, consent_code=consent_code, consent_scan=scan,
                                 store=store, now=now, max_upload_bytes=request.app.state.settings.max_upload_bytes,
                                 public_base_url=request.app.state.settings.public_base_url,
                                 code_key=request.app.state.settings.secret_key)
    except MotcuaError as exc:
        session.rollback()
        errors = {"files": exc.message} if exc.code == "upload_rejected" else dict(exc.fields)
        return _assist_page(request, session, principal, now, values, {**errors, "form": exc.message},
                            status_code=exc.status_code)
    return render(request, "portal/assist_done.html", {"d": dossier})

