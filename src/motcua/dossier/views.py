"""Pages of the officer workspace: inbox, counter intake, the dossier page, forms, the register."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, NoReturn

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES, INTAKE_ROLES
from motcua.calendar import to_vietnam_time
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.queries import search_procedures, version_in_force
from motcua.db import commit_before_answering
from motcua.dossier import printing
from motcua.dossier.actions import (
    Upload,
    add_document,
    legal_extensions_of,
    legal_grounds_used,
    may_attach_result,
    offered_actions,
    perform,
    receive_dossier,
)
from motcua.dossier.clock import badge_of, dossier_ledger, on_time_verdicts
from motcua.dossier.deps import get_store
from motcua.dossier.files import FileStore
from motcua.dossier.queries import (
    QUEUE_LABELS,
    InboxFilter,
    Queue,
    documents,
    inbox,
    inbox_rows,
    queue_counts,
    read_document_for,
    read_dossier_for,
    read_form_for,
    register_rows,
    timeline,
    workload_by_department,
)
from motcua.dossier.schemas import ActionIn, IntakeIn
from motcua.dossier.workflow import ACTION_LABELS, STATUS_LABELS, Action, Status, transition
from motcua.kit.dates import date_range
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import MotcuaError, ValidationFailed, field_errors
from motcua.kit.numbers import form_int
from motcua.org.models import Commune
from motcua.org.queries import list_communes_for
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

DOSSIER_ID = Path(ge=1, le=2**31 - 1)
FORM_KEY = Path(pattern=r"^[a-z_]{4,30}$")
ACTION_KEY = Path(pattern=r"^[a-z_]{4,30}$")


_KEPT_FIELDS = ("procedure_code", "outcome", "applicant_kind", "applicant_name", "id_number", "tax_code", "phone",
                "email", "address", "channel", "deciding_commune_code", "reasons", "legal_extension",
                "legal_extension_note", "fee_exemption")


def _labels() -> dict[str, object]:
    return {"status_labels": {s.value: v for s, v in STATUS_LABELS.items()},
            "department_names": {d.value: v for d, v in DEPARTMENT_NAMES.items()}}


@router.get("/dossiers", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    q: str | None = Query(default=None, max_length=100),
    status: Literal[""] | Status | None = Query(default=None, description='"" (the form\'s default) means "my work"'),
    mine: bool = Query(default=False),
    overdue: bool = Query(default=False),
    queue: Literal[""] | Queue | None = Query(default=None, description="one list of my work (the home page's)"),
    page: int = Query(default=1, ge=1, le=10_000),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    flt = InboxFilter(status=status.value if status else None, q=q, only_mine=mine, overdue=overdue,
                      queue=queue or None, limit=50, offset=(page - 1) * 50)
    rows, total = inbox(session, principal, flt, now)
    counts = queue_counts(session, principal, now) if not q and not flt.status else {}
    return render(request, "dossiers.html", {
        "rows": inbox_rows(session, rows, now), "total": total, "q": q or "", "status": flt.status,
        "mine": mine, "overdue": overdue, "queue": queue or "", "counts": counts, "queue_labels": QUEUE_LABELS,
        "page": page, "pages": max(1, (total + 49) // 50),
        "statuses": list(STATUS_LABELS.items())[1:], "workload": workload_by_department(session, principal),
        **_labels(),
    })


def _intake_form(request: Request, session: Session, principal: Principal, now: datetime,
                 values: dict[str, object], errors: dict[str, str], status_code: int = 200) -> Response:
    procedures = search_procedures(session)
    code = str(values.get("procedure_code") or "")
    checklist: list[dict[str, object]] = []
    version_data: dict[str, object] = {}
    if code:
        try:
            _, version = version_in_force(session, code, to_vietnam_time(now).date(), principal.province_code)
            version_data = version.data
            checklist = list(version.data.get("documents", []))
        except MotcuaError as exc:
            errors = {**errors, "procedure_code": exc.message}
    return render(request, "intake.html", {
        "procedures": procedures, "values": values, "errors": errors, "checklist": checklist,
        "procedure": version_data, "communes": list_communes_for(session, principal),
    }, status_code=status_code)


@router.get("/dossiers/new", response_class=HTMLResponse)
def intake_page(
    request: Request,
    procedure: str | None = Query(default=None, max_length=20),
    principal: Principal = Depends(require_roles(*INTAKE_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values: dict[str, object] = {"procedure_code": procedure or "", "channel": 1, "applicant_kind": "person",
                                 "deciding_commune_code": principal.commune_code or ""}
    if request.headers.get("HX-Request") == "true":  # the procedure changed: keep what was typed
        params = request.query_params
        values.update({k: params[k][:300] for k in _KEPT_FIELDS if k in params})
        values["documents_present"] = params.getlist("documents_present")
    return _intake_form(request, session, principal, now, values, {})


@router.post("/dossiers", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def intake_submit(
    request: Request,
    procedure_code: str = Form(default="", max_length=20),
    outcome: str = Form(default="received", max_length=20),
    applicant_kind: str = Form(default="person", max_length=20),
    applicant_name: str = Form(default="", max_length=300),
    id_number: str = Form(default="", max_length=40),
    tax_code: str = Form(default="", max_length=40),
    phone: str = Form(default="", max_length=40),
    email: str = Form(default="", max_length=300),
    address: str = Form(default="", max_length=400),
    channel: str = Form(default="1", max_length=2),
    deciding_commune_code: str = Form(default="", max_length=10),
    documents_present: list[str] = Form(default=[], max_length=50),
    reasons: str = Form(default="", max_length=3000),
    legal_extension: str = Form(default="", max_length=40),
    legal_extension_note: str = Form(default="", max_length=3000),
    fee_options: list[str] = Form(default=[], max_length=20),
    fee_exemption: str = Form(default="", max_length=40),
    file_keys: list[str] = Form(default=[], max_length=50),
    files: list[UploadFile] = File(default=[], max_length=50),
    submission: str = Form(default="", max_length=100, description="one per form load: a double submit is one"),
    principal: Principal = Depends(require_roles(*INTAKE_ROLES)),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    values: dict[str, object] = {
        "procedure_code": procedure_code, "outcome": outcome, "applicant_kind": applicant_kind,
        "applicant_name": applicant_name, "id_number": id_number.strip(), "tax_code": tax_code.strip(),
        "phone": phone.strip(), "email": email.strip(), "address": address, "channel": channel,
        "deciding_commune_code": deciding_commune_code, "documents_present": documents_present, "reasons": reasons,
        "legal_extension": legal_extension, "legal_extension_note": legal_extension_note,
        "fee_options": fee_options, "fee_exemption": fee_exemption,
    }
    try:
        channel_number = form_int(channel, field="channel", label="Kênh tiếp nhận", maximum=99)
        data = IntakeIn.model_validate({
            **values, "channel": channel if channel_number is None else channel_number,
            "id_number": values["id_number"] or None, "tax_code": values["tax_code"] or None,
            "phone": values["phone"] or None, "email": values["email"] or None,
            "deciding_commune_code": deciding_commune_code or None, "legal_extension": legal_extension or None,
            "fee_options": [n for o in fee_options
                            if (n := form_int(o, field="fee_options", label="Khoản phí, lệ phí", maximum=99))
                            is not None],
            "fee_exemption": fee_exemption or None,
        })
    except ValidationError as exc:
        return _intake_form(request, session, principal, now, values, field_errors(exc), status_code=422)
    except ValidationFailed as exc:
        return _intake_form(request, session, principal, now, values, {**exc.fields, "form": exc.message},
                            status_code=exc.status_code)
    uploads = [Upload(key or None, f.filename or "", f.file.read())
               for key, f in zip(file_keys, files, strict=False) if f.filename]
    try:
        result = receive_dossier(session, actor=principal, data=data, uploads=uploads, store=store, now=now,
                                 idempotency_key=submission or None,
                                 max_upload_bytes=request.app.state.settings.max_upload_bytes,
                                 public_base_url=request.app.state.settings.public_base_url)
        commit_before_answering(session)
    except MotcuaError as exc:
        session.rollback()  # nothing of a refused intake stays (its code number included)
        errors = {"files": exc.message} if exc.code == "upload_rejected" else dict(exc.fields)
        return _intake_form(request, session, principal, now, values, {**errors, "form": exc.message},
                            status_code=exc.status_code)
    return RedirectResponse(f"/dossiers/{result.dossier.id}?received=1", status_code=303)


@router.get("/dossiers/{dossier_id}", response_class=HTMLResponse)
def dossier_page(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    read = read_dossier_for(session, principal, dossier_id, now)
    dossier = read.dossier
    ledger = dossier_ledger(session, dossier) if dossier.clock_events else None
    state = ledger.state(now) if ledger is not None else None
    verdicts = on_time_verdicts(dossier, ledger, now) if ledger is not None else None
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    step_names = {s["key"]: s["name"] for s in version.data.get("process", [])}
    actions = offered_actions(session, principal, dossier, now)  # what perform would accept, guards included
    events = timeline(session, dossier)
    drafts = [e for e in events if e.action == Action.SUBMIT_FOR_APPROVAL.value]
    handlers = printing.specialists(session, dossier) if any(t.action is Action.ASSIGN for t in actions) else []
    used = legal_grounds_used(dossier)
    legal_extensions = [x for x in legal_extensions_of(version) if x["key"] not in used]
    return render(request, "dossier.html", {
        "d": read.shown, "events": events, "documents": documents(session, dossier) if read.documents else [],
        "state": state, "verdicts": verdicts, "step_names": step_names, "actions": actions, "handlers": handlers,
        "legal_extensions": legal_extensions,
        "clock": badge_of(session, dossier, now, ledger),
        "draft": (drafts[-1].data or {}).get("draft", "") if drafts else "",
        "done": request.query_params.get("done", ""), "done_label": _done_label(request.query_params.get("done", "")),
        "may_attach_result": may_attach_result(principal, dossier),  # the action's own rule (Art. 22, 23(1))
        "forms": printing.forms_for(events) if read.documents else [],
        "action_labels": {a.value: v for a, v in ACTION_LABELS.items()},
        "receiving": session.get(Commune, dossier.receiving_commune_code),
        "deciding": session.get(Commune, dossier.deciding_commune_code), **_labels(),
        "checklist": list(version.data.get("documents", [])),
        "late_requests": [(e, datetime.fromisoformat(e.data["window_ends"])) for e in events
                          if e.data and e.data.get("late_request")],  # Art. 19(5): asked after the window
    })


@router.post("/dossiers/{dossier_id}/actions/{action}", dependencies=[Depends(require_csrf)])
def dossier_action(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    action: str = ACTION_KEY,
    version: int = Form(ge=1, le=2**31 - 1),
    note: str = Form(default="", max_length=2000),
    handler_id: str = Form(default="", max_length=12),
    new_due_date: str = Form(default="", max_length=10),
    result_summary: str = Form(default="", max_length=2000),
    legal_extension: str = Form(default="", max_length=40),
    missing: list[str] = Form(default=[], max_length=50, description="supplement requests: the documents to add"),
    confirmed: str = Form(default="", max_length=1, description="1: the officer ticked the confirmation box the "
                                                                 "page shows with a final action (asked by the "
                                                                 "browser; not required of other clients)"),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    transition(action)  # an unknown action is a 404 here as in perform
    handler = form_int(handler_id, field="handler_id", label="Cán bộ được phân công")
    try:
        data = ActionIn.model_validate({
            "version": version, "note": note, "handler_id": handler,
            "new_due_date": new_due_date or None, "result_summary": result_summary or None,
            "legal_extension": legal_extension or None,
            "missing": [key[:40] for key in missing],
        })
    except ValidationError as exc:
        raise_validation(exc)
    perform(session, actor=principal, dossier_id=dossier_id, action=action, data=data, now=now,
            public_base_url=request.app.state.settings.public_base_url)
    return RedirectResponse(f"/dossiers/{dossier_id}?done={action}", status_code=303)


@router.post("/dossiers/{dossier_id}/result", dependencies=[Depends(require_csrf)])
def dossier_result_upload(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    file: UploadFile = File(),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    """Đính kèm kết quả điện tử (Art. 22): the file the citizen downloads from the portal."""
    add_document(session, actor=principal, dossier_id=dossier_id,
                 upload=Upload(None, file.filename or "", file.file.read()), store=store, now=now,
                 max_upload_bytes=request.app.state.settings.max_upload_bytes, kind="result")
    return RedirectResponse(f"/dossiers/{dossier_id}?done=result", status_code=303)


def _done_label(done: str) -> str:
    """The action named by ``?done=`` after it was carried out: the page says "Đã thực hiện: <label>." (never the
    empty "Đã thực hiện: ." it said for the result upload, which is no action of the table)."""
    return {a.value: label for a, label in ACTION_LABELS.items()}.get(done, "")


def raise_validation(exc: ValidationError) -> NoReturn:
    fields = field_errors(exc)
    raise ValidationFailed("; ".join(fields.values()), fields=fields)


@router.get("/dossiers/{dossier_id}/forms/{form}.pdf")
def dossier_form(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    form: str = FORM_KEY,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dossier = read_form_for(session, principal, dossier_id, form, now)
    pdf = printing.form_pdf(session, dossier, form, base_url=request.app.state.settings.public_base_url, now=now)
    return Response(pdf, media_type="application/pdf",
                    headers=disposition_headers(f"{dossier.code}-{form}.pdf", disposition="inline"))


@router.get("/dossiers/{dossier_id}/documents/{document_id}")
def dossier_document(
    dossier_id: int = DOSSIER_ID,
    document_id: int = Path(ge=1, le=2**31 - 1),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    doc = read_document_for(session, principal, dossier_id, document_id, now)
    return Response(store.read(doc.file_key), media_type=doc.content_type,
                    headers=disposition_headers(doc.file_name, disposition="inline"))


@router.get("/register.xlsx")
def register_export(
    date_from: date | None = Query(default=None, alias="from"),
    date_to: date | None = Query(default=None, alias="to"),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    first, last = date_range(date_from, date_to, today=to_vietnam_time(now).date(), default_days=30, max_days=366)
    rows = register_rows(session, principal, first, last, now)
    content = printing.register(session, principal, rows, first, last, now)
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=disposition_headers(f"so-theo-doi-{first}-{last}.xlsx"))
