"""Pages of electronic results: the province administrator's templates, a dossier's result from draft to issue, and
the leader's list of results waiting for a signature (Kết quả chờ ký).

An action that can fail half-way (signing, the scan's upload) runs in a savepoint: on a refusal the savepoint is
rolled back — no number taken, no file attached — and the page is shown again with the Vietnamese message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from motcua.auth.deps import DB_SESSION, current_officer, get_now, read_form, require_csrf
from motcua.base.principal import Principal
from motcua.dossier.deps import get_store
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.queries import get_dossier_for, read_dossier_for
from motcua.kit.clock import to_local
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import MotcuaError, NotFound, ValidationFailed, field_errors
from motcua.kit.jsonsafe import loads as safe_loads
from motcua.kit.numbers import form_int
from motcua.results import actions
from motcua.results.models import ResultDraft, ResultTemplate
from motcua.results.queries import (
    check_template_admin,
    drafts_of,
    export_rows,
    pending_for,
    template_for,
    templates_for,
    versions_of,
)
from motcua.results.render import Letterhead, render_pdf
from motcua.results.sandbox import FIELD_KINDS
from motcua.results.schemas import EXCHANGE_FORMAT, STANDARD_FIELDS, TemplateFile, TemplateIn, template_dict
from motcua.results.signing import SigningContext, signing_context
from motcua.results.workflow import ACTION_LABELS, STATUS_LABELS, DraftAction, DraftStatus
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

DOSSIER_ID = Path(ge=1, le=2**31 - 1)
DRAFT_ID = Path(ge=1, le=2**31 - 1)
TEMPLATE_ID = Path(ge=1, le=2**31 - 1)
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, media_type="application/pdf", headers=disposition_headers(name, disposition="inline"))


# ------------------------------------------------------------------------------------------------ templates


def _form_values(template: ResultTemplate | None) -> dict[str, Any]:
    if template is None:
        return {"procedure_code": "", "effective_from": "", "name": "", "title": "", "doc_type": "QĐ",
                "signer_title": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", "recipients": "Như trên\nLưu: VT",
                "fields": "[]", "body": "<p></p>"}
    data = template_dict(template)
    return {**data, "recipients": "\n".join(data["recipients"]),
            "fields": json.dumps(data["fields"], ensure_ascii=False, indent=1)}


def _template_form(request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int = 200,
                   message: str = "") -> Response:
    return render(request, "results/template_form.html", {
        "values": values, "errors": errors, "message": message, "standard": STANDARD_FIELDS,
        "kinds": FIELD_KINDS}, status_code=status_code)


@router.get("/mau-ket-qua", response_class=HTMLResponse)
def templates_page(request: Request, principal: Principal = Depends(current_officer),
                   session: Session = DB_SESSION) -> Response:
    province = check_template_admin(principal)
    return render(request, "results/templates.html", {
        "rows": templates_for(session, province), "province": province,
        "imported": request.query_params.get("imported", "")})


@router.get("/mau-ket-qua/moi", response_class=HTMLResponse)
def template_new(request: Request, from_id: int | None = Query(default=None, alias="tu", ge=1, le=2**31 - 1),
                 principal: Principal = Depends(current_officer), session: Session = DB_SESSION) -> Response:
    province = check_template_admin(principal)
    base = template_for(session, province, from_id) if from_id else None
    values = _form_values(base)
    values["effective_from"] = ""  # a new version needs its own date
    return _template_form(request, values, {})


@router.post("/mau-ket-qua", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def template_save(
    request: Request,
    procedure_code: str = Form(default="", max_length=20),
    effective_from: str = Form(default="", max_length=10),
    name: str = Form(default="", max_length=300),
    title: str = Form(default="", max_length=320),
    doc_type: str = Form(default="", max_length=10),
    signer_title: str = Form(default="", max_length=200),
    recipients: str = Form(default="", max_length=4000),
    fields: str = Form(default="[]", max_length=20_000),
    body: str = Form(default="", max_length=25_000),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    check_template_admin(principal)
    values = {"procedure_code": procedure_code.strip(), "effective_from": effective_from, "name": name,
              "title": title.replace("\r", ""), "doc_type": doc_type.strip(),
              "signer_title": signer_title.replace("\r", ""),
              "recipients": recipients, "fields": fields, "body": body.replace("\r\n", "\n")}
    try:
        parsed_fields = safe_loads((fields or "[]").encode("utf-8"))
    except (ValueError, MotcuaError):
        return _template_form(request, values, {"fields": "Danh sách trường không phải JSON hợp lệ."}, 422)
    try:
        data = TemplateIn.model_validate({**values, "effective_from": effective_from or None,
                                          "recipients": recipients.splitlines(), "fields": parsed_fields})
    except ValidationError as exc:
        errors = {key.split(".")[0]: msg for key, msg in field_errors(exc).items()}
        return _template_form(request, values, errors, 422)
    try:
        with session.begin_nested():
            row = actions.save_template(session, actor=principal, data=data, now=now)
    except MotcuaError as exc:
        return _template_form(request, values, exc.fields or {"body": exc.message}, exc.status_code, exc.message)
    return RedirectResponse(f"/mau-ket-qua/{row.id}?saved=1", status_code=303)


@router.get("/mau-ket-qua/xuat.json")
def templates_export(principal: Principal = Depends(current_officer), session: Session = DB_SESSION) -> Response:
    province = check_template_admin(principal)
    payload = {"format": EXCHANGE_FORMAT, "templates": [template_dict(t) for t in export_rows(session, province)]}
    return Response(json.dumps(payload, ensure_ascii=False, indent=1), media_type="application/json",
                    headers=disposition_headers(f"mau-ket-qua-{province}.json"))


@router.post("/mau-ket-qua/nhap", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def templates_import(request: Request, file: UploadFile = File(), principal: Principal = Depends(current_officer),
                     session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    province = check_template_admin(principal)
    raw = file.file.read(MAX_IMPORT_BYTES + 1)
    try:
        if len(raw) > MAX_IMPORT_BYTES:
            raise ValidationFailed("Tệp quá lớn (tối đa 2 MB).")
        try:
            parsed = TemplateFile.model_validate(safe_loads(raw))
        except (ValueError, UnicodeDecodeError) as exc:
            detail = "; ".join(field_errors(exc).values()) if isinstance(exc, ValidationError) else str(exc)[:200]
            raise ValidationFailed(f"Tệp mẫu không hợp lệ: {detail}") from exc
        with session.begin_nested():
            counts = actions.import_templates(session, actor=principal, file=parsed, now=now)
    except MotcuaError as exc:
        return render(request, "results/templates.html", {
            "rows": templates_for(session, province), "province": province, "import_error": exc.message},
            status_code=exc.status_code)
    return RedirectResponse(f"/mau-ket-qua?imported={counts['created']}", status_code=303)


@router.get("/mau-ket-qua/{template_id}", response_class=HTMLResponse)
def template_page(request: Request, template_id: int = TEMPLATE_ID, principal: Principal = Depends(current_officer),
                  session: Session = DB_SESSION) -> Response:
    province = check_template_admin(principal)
    template = template_for(session, province, template_id)
    return render(request, "results/template.html", {
        "t": template, "versions": versions_of(session, province, template.procedure_code),
        "saved": request.query_params.get("saved") == "1", "province": province})


@router.get("/mau-ket-qua/{template_id}/xem-thu.pdf")
def template_preview(template_id: int = TEMPLATE_ID, code: str = Query(default="", alias="ho_so", max_length=40),
                     principal: Principal = Depends(current_officer), session: Session = DB_SESSION,
                     now: datetime = Depends(get_now)) -> Response:
    """The template against a real dossier of the province (by code), or its sample fields without one. The
    identity number is masked: the administrator checks the layout, not the citizen."""
    province = check_template_admin(principal)
    template = template_for(session, province, template_id)
    values: dict[str, Any] = {f.key: f.sample(large=False) for f in STANDARD_FIELDS}
    if code.strip():
        dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip().upper(),
                                                       Dossier.province_code == province))
        if dossier is None:
            raise NotFound("Không có hồ sơ mã này trong tỉnh.")
        values = actions.standard_values(session, dossier)
        values["so_dinh_danh"] = ("•" * 8 + values["so_dinh_danh"][-4:]) if values["so_dinh_danh"] else ""
        actions.record_preview(session, actor=principal, template=template, dossier=dossier, now=now)
    for field in template.fields:
        values[field["key"]] = [f"[{field['label']}]"] if field.get("kind") == "list" else f"[{field['label']}]"
    head = Letterhead(superior="", body_name="ỦY BAN NHÂN DÂN\nXÃ …", place="…", title=template.title,
                      number=actions.number_text(None, template.doc_type), signer_title=template.signer_title,
                      signer_name="(Họ và tên người ký)", recipients=(*template.recipients,),
                      paper_note="BẢN XEM THỬ — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ")
    return _pdf(render_pdf(head, template.body, values, now).pdf, f"xem-thu-{template.procedure_code}.pdf")


# ------------------------------------------------------------------------------------------------ a dossier's result


def _signing_context(request: Request) -> SigningContext:
    return signing_context(request.app.state.settings)


def _result_page(request: Request, session: Session, principal: Principal, dossier: Dossier, now: datetime, *,
                 error: str = "", errors: dict[str, str] | None = None, status_code: int = 200,
                 values: dict[str, Any] | None = None) -> Response:
    drafts = drafts_of(session, dossier.id)
    current = next((d for d in drafts if d.status != DraftStatus.ISSUED.value), None)
    issued = [d for d in drafts if d.status == DraftStatus.ISSUED.value]
    held, sit = actions.situation(principal, dossier)
    offered = {row.action for row in actions.workflow.allowed(current.status if current else DraftStatus.NEW, held,
                                                              sit)} if current else set()
    may_draft = (current is None and bool(held & {actions.workflow.Party.DRAFTER}) and sit.dossier_open
                 and actions.issued_before(session, dossier) is None)
    template = session.get(ResultTemplate, current.template_id) if current else None
    in_force = None if current else actions.template_in_force(session, dossier.procedure_code,
                                                               to_local(now).date(), dossier.province_code)
    personal, seal = actions.credentials_of(session, principal)
    return render(request, "results/draft.html", {
        "d": dossier, "draft": current, "issued": issued, "template": template, "in_force": in_force,
        "offered": offered, "may_draft": may_draft, "labels": ACTION_LABELS, "status_labels": STATUS_LABELS,
        "A": DraftAction, "values": values if values is not None else (current.values if current else {}),
        "error": error, "errors": errors or {}, "personal": personal, "seal": seal,
        "done": request.query_params.get("done", ""),
        "standard": actions.standard_values(session, dossier) if current and DraftAction.EDIT in offered else {},
    }, status_code=status_code)


@router.get("/ket-qua/ho-so/{dossier_id}", response_class=HTMLResponse)
def result_page(request: Request, dossier_id: int = DOSSIER_ID, principal: Principal = Depends(current_officer),
                session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    dossier = read_dossier_for(session, principal, dossier_id, now).dossier  # the read of personal data recorded
    return _result_page(request, session, principal, dossier, now)


@router.post("/ket-qua/ho-so/{dossier_id}/soan", dependencies=[Depends(require_csrf)])
def result_start(dossier_id: int = DOSSIER_ID, principal: Principal = Depends(current_officer),
                 session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    actions.start_draft(session, actor=principal, dossier_id=dossier_id, now=now)
    return RedirectResponse(f"/ket-qua/ho-so/{dossier_id}?done=create", status_code=303)


def _draft_and_dossier(session: Session, principal: Principal, draft_id: int) -> tuple[ResultDraft, Dossier]:
    draft = session.get(ResultDraft, draft_id)
    if draft is None:
        raise NotFound("Không tìm thấy kết quả.")
    return draft, get_dossier_for(session, principal, draft.dossier_id)


FORM_LIMITS: Any = {"max_fields": 80, "max_files": 1, "max_part_size": 64 * 1024}


@router.post("/ket-qua/{draft_id}/luu", response_class=HTMLResponse, dependencies=[Depends(require_csrf)],
             form_limits=FORM_LIMITS)
def result_save(request: Request, draft_id: int = DRAFT_ID, form: FormData = Depends(read_form),
                principal: Principal = Depends(current_officer), session: Session = DB_SESSION,
                now: datetime = Depends(get_now)) -> Response:
    """Save the variable parts (``f_<key>``, a list field one item a line); ``submit=1`` sends it for signing."""
    draft, dossier = _draft_and_dossier(session, principal, draft_id)
    fields = {key[2:]: str(value) for key, value in form.multi_items() if key.startswith("f_")}
    seen = form_int(str(form.get("version", "")), field="version", label="Phiên bản")
    submit = form.get("submit") == "1"
    try:
        with session.begin_nested():
            actions.save_draft(session, actor=principal, draft_id=draft.id, seen=seen or 0, values=fields, now=now,
                               submit=submit)
    except MotcuaError as exc:
        return _result_page(request, session, principal, dossier, now, error=exc.message, errors=exc.fields,
                            status_code=exc.status_code, values=fields)
    return RedirectResponse(f"/ket-qua/ho-so/{dossier.id}?done={'submit' if submit else 'edit'}", status_code=303)


@router.get("/ket-qua/{draft_id}/du-thao.pdf")
def result_draft_pdf(request: Request, draft_id: int = DRAFT_ID, principal: Principal = Depends(current_officer),
                     session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    """The draft for review, or to print for a hand signature: unnumbered (the register numbers it when the scan is
    uploaded; Decree 30/2020 Art. 15-16: a document is numbered when issued)."""
    draft, dossier = _draft_and_dossier(session, principal, draft_id)
    actions.check_may_read_draft(principal, dossier)
    rendered = actions.render_draft(session, draft, dossier, now, signer_name=actions.signer_hint(session, principal))
    return _pdf(rendered.pdf, f"du-thao-ket-qua-{dossier.code}.pdf")


def _leader_step(request: Request, session: Session, principal: Principal, draft_id: int, now: datetime,
                 step: Callable[[ResultDraft], Any], done: str) -> Response:
    draft, dossier = _draft_and_dossier(session, principal, draft_id)
    try:
        with session.begin_nested():
            step(draft)
    except MotcuaError as exc:
        session.expire_all()
        return _result_page(request, session, principal, dossier, now, error=exc.message, errors=exc.fields,
                            status_code=exc.status_code)
    return RedirectResponse(f"/ket-qua/ho-so/{dossier.id}?done={done}", status_code=303)


@router.post("/ket-qua/{draft_id}/tra-lai", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def result_return(request: Request, draft_id: int = DRAFT_ID, version: int = Form(ge=1, le=2**31 - 1),
                  reason: str = Form(default="", max_length=2000), principal: Principal = Depends(current_officer),
                  session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    return _leader_step(request, session, principal, draft_id, now, lambda d: actions.return_draft(
        session, actor=principal, draft_id=d.id, seen=version, reason=reason, now=now), "return")


@router.post("/ket-qua/{draft_id}/ky", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def result_sign(request: Request, draft_id: int = DRAFT_ID, version: int = Form(ge=1, le=2**31 - 1),
                pin: str = Form(default="", max_length=64), principal: Principal = Depends(current_officer),
                session: Session = DB_SESSION, store: FileStore = Depends(get_store),
                now: datetime = Depends(get_now)) -> Response:
    settings = request.app.state.settings
    return _leader_step(request, session, principal, draft_id, now, lambda d: actions.sign_draft(
        session, actor=principal, draft_id=d.id, seen=version, now=now, store=store,
        context=_signing_context(request), base_url=settings.public_base_url, pin=pin or None,
        max_upload_bytes=settings.max_upload_bytes), "sign")


@router.post("/ket-qua/{draft_id}/ky-tu-xa", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def result_remote_start(request: Request, draft_id: int = DRAFT_ID, version: int = Form(ge=1, le=2**31 - 1),
                        principal: Principal = Depends(current_officer), session: Session = DB_SESSION,
                        now: datetime = Depends(get_now)) -> Response:
    """The leader signs on the phone: the request goes to the remote service and the page waits (htmx polls)."""
    settings = request.app.state.settings
    return _leader_step(request, session, principal, draft_id, now, lambda d: actions.start_remote_signing(
        session, actor=principal, draft_id=d.id, seen=version, now=now, context=_signing_context(request),
        base_url=settings.public_base_url), "remote")


@router.post("/ket-qua/{draft_id}/tu-xa", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def result_remote_poll(request: Request, draft_id: int = DRAFT_ID, principal: Principal = Depends(current_officer),
                       session: Session = DB_SESSION, store: FileStore = Depends(get_store),
                       now: datetime = Depends(get_now)) -> Response:
    """Polled by the waiting page every few seconds (htmx): still waiting → the same fragment; answered → the page
    again (``HX-Redirect``; a browser without script follows the 303)."""
    settings = request.app.state.settings
    draft, dossier = _draft_and_dossier(session, principal, draft_id)
    page = f"/ket-qua/ho-so/{dossier.id}"
    try:
        with session.begin_nested():
            outcome = actions.poll_remote_signing(session, actor=principal, draft_id=draft.id, now=now, store=store,
                                                  context=_signing_context(request),
                                                  max_upload_bytes=settings.max_upload_bytes)
    except MotcuaError as exc:
        session.expire_all()
        if request.headers.get("HX-Request"):
            return render(request, "results/_remote.html", {"draft": draft, "error": exc.message})
        return _result_page(request, session, principal, dossier, now, error=exc.message,
                            status_code=exc.status_code)
    if outcome == "pending" and request.headers.get("HX-Request"):
        return render(request, "results/_remote.html", {"draft": draft, "error": ""})
    target = f"{page}?done={'sign' if outcome == 'issued' else 'remote_' + outcome}"
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post("/ket-qua/{draft_id}/ky-tay", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def result_paper(request: Request, draft_id: int = DRAFT_ID, version: int = Form(ge=1, le=2**31 - 1),
                 file: UploadFile = File(), principal: Principal = Depends(current_officer),
                 session: Session = DB_SESSION, store: FileStore = Depends(get_store),
                 now: datetime = Depends(get_now)) -> Response:
    settings = request.app.state.settings
    data = file.file.read(settings.max_upload_bytes + 1)
    return _leader_step(request, session, principal, draft_id, now, lambda d: actions.issue_on_paper(
        session, actor=principal, draft_id=d.id, seen=version, scan=data, filename=file.filename or "",
        now=now, store=store, max_upload_bytes=settings.max_upload_bytes), "paper")


@router.get("/ket-qua/cho-ky", response_class=HTMLResponse)
def pending_page(request: Request, principal: Principal = Depends(current_officer),
                 session: Session = DB_SESSION) -> Response:
    return render(request, "results/pending.html", {"rows": pending_for(session, principal),
                                                   "status_labels": STATUS_LABELS})
