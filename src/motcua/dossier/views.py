"""Pages of the officer workspace: inbox, counter intake, the dossier page, forms, the register."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, NoReturn

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUploadFile

from motcua.auth.deps import DB_SESSION, current_officer, get_now, read_form, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES, INTAKE_ROLES
from motcua.calendar import to_vietnam_time
from motcua.catalog.fees import alternative_sets, deadline_rule
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.queries import search_procedures, version_in_force
from motcua.db import commit_before_answering
from motcua.dossier import printing
from motcua.dossier.actions import (
    Upload,
    add_document,
    close_counter_draft,
    counter_draft_for,
    draft_files,
    draft_uploads,
    drop_draft_files,
    keep_counter_uploads,
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
from motcua.dossier.hooks import (
    ReusableDocument,
    intake_ticket,
    received_from_ticket,
    reusable_documents,
    ticket_of,
)
from motcua.dossier.models import DossierDraft
from motcua.dossier.queries import (
    QUEUE_LABELS,
    InboxFilter,
    Queue,
    documents,
    inbox,
    inbox_rows,
    provenance,
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
from motcua.kit.text import fold
from motcua.org.models import Commune, Province
from motcua.org.queries import list_communes_for
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

#: The official forms may be framed by the site's own pages: the dossier page prints the receipt from a hidden frame
#: after "Lưu và in phiếu" (every other response is never framed, web.middleware).
SAME_ORIGIN_FRAME = {"X-Frame-Options": "SAMEORIGIN",
                     "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                                "frame-ancestors 'self'"}

DOSSIER_ID = Path(ge=1, le=2**31 - 1)
FORM_KEY = Path(pattern=r"^[a-z_]{4,30}$")
ACTION_KEY = Path(pattern=r"^[a-z_]{4,30}$")


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


PAPER_FORMS = (("original", "Bản chính"), ("copy", "Bản sao"), ("certified_copy", "Bản sao có chứng thực"))
_CATALOGUE_FORM = {"original": "original", "copy": "copy", "certified_copy": "certified_copy",
                   "original_or_copy": "original"}


def _fee_choices(data: dict[str, Any], values: dict[str, object], today: date) -> dict[str, object]:
    """Every fee line of the procedure for the counter form: the ones that always apply, each set of alternatives
    with the option checked — the officer's, else the one the deadline rule picks from the event's date, else the
    catalogue's first when no rule can decide (a set with a rule and no date waits for the officer) — and the
    exemptions with their legal ground."""
    fees = list(data.get("fees", []))
    rule = deadline_rule(data)
    options = values.get("fee_options")
    chosen = {str(o) for o in options} if isinstance(options, list) else set()
    event_date = values.get("event_date")
    suggested: int | None = None
    if rule is not None and isinstance(event_date, str) and event_date:
        try:
            suggested = rule.option(date.fromisoformat(event_date), today)
        except ValueError:
            suggested = None
    sets = []
    for name, members in alternative_sets(data).items():
        picked = next((i for i in members if str(i) in chosen), None)
        if picked is None:
            picked = suggested if rule is not None and rule.alternative == name else members[0]
        sets.append({"name": name, "ruled": rule is not None and rule.alternative == name,
                     "options": [{"index": i, "name": fees[i]["name"],
                                  "amount_vnd": int(fees[i].get("amount_vnd") or 0), "checked": i == picked}
                                 for i in members]})
    return {"always": [f for f in fees if not f.get("alternative")], "sets": sets, "rule": rule,
            "exemptions": list(data.get("fee_exemptions", []))}


def _intake_form(request: Request, session: Session, principal: Principal, now: datetime,
                 values: dict[str, object], errors: dict[str, str], status_code: int = 200, *,
                 draft: DossierDraft | None = None) -> Response:
    procedures = search_procedures(session)
    code = str(values.get("procedure_code") or "")
    checklist: list[dict[str, object]] = []
    version_data: dict[str, Any] = {}
    if code:
        try:
            _, version = version_in_force(session, code, to_vietnam_time(now).date(), principal.province_code)
            version_data = version.data
            checklist = list(version.data.get("documents", []))
        except MotcuaError as exc:
            errors = {**errors, "procedure_code": exc.message}
    if values.get("documents_present") is None:  # a fresh form: the mandatory papers ticked, the officer unticks
        values["documents_present"] = [str(d["key"]) for d in checklist if d.get("mandatory", True)]
    papers = values.get("papers") or {}
    rows = []
    for d in checklist:
        given = papers.get(str(d["key"]), {}) if isinstance(papers, dict) else {}
        rows.append({**d, "paper_form": given.get("form") or _CATALOGUE_FORM.get(str(d.get("form", "")), "original"),
                     "paper_count": given.get("count") or d.get("count", 1)})
    kept = draft_files(session, draft) if draft is not None else []
    known = {str(d["key"]) for d in checklist}
    offers: dict[str, list[ReusableDocument]] = {}
    id_number = str(values.get("id_number") or "")
    if code and checklist and len(id_number) == 12 and id_number.isdigit():  # the citizen's store (issue 17)
        for answer in reusable_documents(session, principal, id_number, None, code, sorted(known), now):
            for offer in answer:
                offers.setdefault(offer.requirement_key, []).append(offer)
    return render(request, "intake.html", {
        "procedures": [(p, fold(f"{p.name} {p.code} {p.field}")) for p in procedures], "values": values,
        "errors": errors, "checklist": rows, "procedure": version_data,
        "communes": list_communes_for(session, principal),
        "paper_forms": PAPER_FORMS, "draft": draft, "kept": kept, "offers": offers,
        "kept_elsewhere": [f for f in kept if f.requirement_key not in known],
        "fees": _fee_choices(version_data, values, to_vietnam_time(now).date()) if version_data else None,
        "today": to_vietnam_time(now).date().isoformat(),
    }, status_code=status_code)


def _default_address(session: Session, principal: Principal) -> str:
    """Most applicants live where they file: the commune and province, which the officer completes or replaces."""
    commune = session.get(Commune, principal.commune_code) if principal.commune_code else None
    if commune is None:
        return ""
    province = session.get(Province, commune.province_code)
    return f"{commune.kind.capitalize()} {commune.name}, tỉnh {province.name}" if province else ""


@router.get("/dossiers/new", response_class=HTMLResponse)
def intake_page(
    request: Request,
    procedure: str | None = Query(default=None, max_length=20),
    ticket: str | None = Query(default=None, max_length=12, description="the queue ticket being served"),
    principal: Principal = Depends(require_roles(*INTAKE_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values: dict[str, object] = {"procedure_code": procedure or "", "channel": 1, "applicant_kind": "person",
                                 "deciding_commune_code": principal.commune_code or "",
                                 "address": _default_address(session, principal)}
    errors: dict[str, str] = {}
    ticket_id = form_int(ticket or "", field="ticket", label="Số thứ tự")
    if ticket_id is not None:  # opened from the counter panel's "Tiếp nhận hồ sơ"
        try:
            values.update(_ticket_values(session, principal, ticket_id, now))
        except ValidationFailed as exc:
            errors = {"form": exc.message}
    draft = None
    if request.headers.get("HX-Request") == "true":  # the procedure changed: the page swaps its part only
        params = request.query_params
        values["procedure_code"] = params.get("procedure_code", "")[:20]
        values["event_date"] = params.get("event_date", "")[:10]
        values["id_number"] = params.get("id_number", "").strip()[:12]
        draft_id = form_int(params.get("draft_id", ""), field="draft_id", label="Tệp đã giữ lại")
        if draft_id is not None:
            draft = counter_draft_for(session, principal, draft_id)
    return _intake_form(request, session, principal, now, values, errors, draft=draft)


def _ticket_values(session: Session, principal: Principal, ticket_id: int, now: datetime) -> dict[str, object]:
    """The queue ticket the intake is received from, checked by the front desk (``hooks.intake_ticket``)."""
    shown = intake_ticket(session, principal, ticket_id, now)[0]
    return {"ticket": ticket_id, "ticket_number": shown.number, "ticket_counter": shown.counter}


def _uploads_by_paper(form: FormData) -> list[Upload]:
    """Each scan with the paper of its row: the n-th file input is the n-th row's (``file_keys``). The parsed form
    keeps the empty file inputs, which FastAPI's list of files leaves out: zipping that list with the keys paired a
    scan with the wrong paper whenever a row above it had none."""
    keys = [k if isinstance(k, str) else "" for k in form.getlist("file_keys")]
    parts = form.getlist("files")
    return [Upload(key or None, part.filename, part.file.read())
            for key, part in zip(keys, parts, strict=False)
            if isinstance(part, StarletteUploadFile) and part.filename]


def _papers_given(documents_present: list[str], keys: list[str], forms: list[str],
                  counts: list[str]) -> dict[str, dict[str, object]]:
    """The form and number of copies of each paper ticked, from the rows of the checklist (in the form's order)."""
    present = set(documents_present)
    out: dict[str, dict[str, object]] = {}
    for key, form, count in zip(keys, forms, counts, strict=False):
        if key in present:
            number = form_int(count, field="papers", label="Số lượng", maximum=99)
            out[key] = {"form": form, "count": number if number is not None else 1}
    return out


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
    paper_keys: list[str] = Form(default=[], max_length=50),
    paper_forms: list[str] = Form(default=[], max_length=50),
    paper_counts: list[str] = Form(default=[], max_length=50),
    reasons: str = Form(default="", max_length=3000),
    legal_extension: str = Form(default="", max_length=40),
    legal_extension_note: str = Form(default="", max_length=3000),
    fee_options: list[str] = Form(default=[], max_length=20),
    fee_exemption: str = Form(default="", max_length=40),
    event_date: str = Form(default="", max_length=10),
    reused: list[str] = Form(default=[], max_length=50, description="item:document of the citizen's store reused"),
    file_keys: list[str] = Form(default=[], max_length=50),
    files: list[UploadFile] = File(default=[], max_length=50),
    draft_id: str = Form(default="", max_length=12, description="the officer's draft holding scans kept"),
    keep_files: list[str] = Form(default=[], max_length=50, description="kept scans still ticked"),
    submission: str = Form(default="", max_length=100, description="one per form load: a double submit is one"),
    ticket: str = Form(default="", max_length=12, description="the queue ticket the dossier is received from"),
    form: FormData = Depends(read_form),
    principal: Principal = Depends(require_roles(*INTAKE_ROLES)),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    del file_keys, files  # declared for the schema of the form; paired in the form's order by _uploads_by_paper
    values: dict[str, object] = {
        "procedure_code": procedure_code, "outcome": outcome, "applicant_kind": applicant_kind,
        "applicant_name": applicant_name, "id_number": id_number.strip(), "tax_code": tax_code.strip(),
        "phone": phone.strip(), "email": email.strip(), "address": address, "channel": channel,
        "deciding_commune_code": deciding_commune_code, "documents_present": documents_present, "reasons": reasons,
        "legal_extension": legal_extension, "legal_extension_note": legal_extension_note,
        "fee_options": fee_options, "fee_exemption": fee_exemption, "event_date": event_date.strip(),
        "reused": reused,
    }
    uploads = _uploads_by_paper(form)
    settings = request.app.state.settings
    keep = [n for k in keep_files if (n := form_int(k, field="keep_files", label="Tệp đã giữ lại")) is not None]
    draft_number = form_int(draft_id, field="draft_id", label="Tệp đã giữ lại")

    def refused(errors: dict[str, str], status: int) -> Response:
        """Re-render the form with what was typed, keeping the scans in the officer's draft (never dropped)."""
        draft, not_kept = keep_counter_uploads(session, actor=principal, draft_id=draft_number, keep=keep,
                                               procedure_code=procedure_code, uploads=uploads, store=store,
                                               now=now, max_upload_bytes=settings.max_upload_bytes)
        if not_kept:
            errors = {**errors, "files": "; ".join(f"{name}: {why}" for name, why in not_kept.items())}
        return _intake_form(request, session, principal, now, values, errors, status_code=status, draft=draft)

    ticket_id: int | None = None
    try:
        papers = _papers_given(documents_present, paper_keys, paper_forms, paper_counts)
        values["papers"] = papers
        channel_number = form_int(channel, field="channel", label="Kênh tiếp nhận", maximum=99)
        data = IntakeIn.model_validate({
            **values, "channel": channel if channel_number is None else channel_number,
            "id_number": values["id_number"] or None, "tax_code": values["tax_code"] or None,
            "phone": values["phone"] or None, "email": values["email"] or None,
            "deciding_commune_code": deciding_commune_code or None, "legal_extension": legal_extension or None,
            "fee_options": [n for o in fee_options
                            if (n := form_int(o, field="fee_options", label="Khoản phí, lệ phí", maximum=99))
                            is not None],
            "fee_exemption": fee_exemption or None, "event_date": values["event_date"] or None,
            "reused": _reused_choices(reused),
        })
        _check_fee_chosen(session, principal, data, now)
        ticket_id = form_int(ticket, field="ticket", label="Số thứ tự")
        if ticket_id is not None:
            values.update(_ticket_values(session, principal, ticket_id, now))
    except ValidationError as exc:
        return refused(field_errors(exc), 422)
    except ValidationFailed as exc:
        return refused({**exc.fields, "form": exc.message}, exc.status_code)
    try:
        draft = (drop_draft_files(session, actor=principal, draft_id=draft_number, keep=keep, closed_too=True)
                 if draft_number is not None else None)
        kept = draft_uploads(session, draft, store) if draft is not None else []
        result = receive_dossier(session, actor=principal, data=data, uploads=[*uploads, *kept], store=store, now=now,
                                 idempotency_key=submission or None, max_upload_bytes=settings.max_upload_bytes,
                                 public_base_url=settings.public_base_url)
        if draft is not None:
            close_counter_draft(session, draft=draft, dossier=result.dossier, now=now)
        if ticket_id is not None and not result.replayed:  # the ticket records the dossier, in this transaction
            received_from_ticket(session, principal, ticket_id, result.dossier, now)
        commit_before_answering(session)
    except MotcuaError as exc:
        session.rollback()  # nothing of a refused intake stays (its code number included)
        errors = {"files": exc.message} if exc.code == "upload_rejected" else dict(exc.fields)
        return refused({**errors, "form": exc.message}, exc.status_code)
    return RedirectResponse(f"/dossiers/{result.dossier.id}?received=1", status_code=303)


def _reused_choices(chosen: list[str]) -> dict[str, object]:
    """``item:document`` of each store document the officer chose to reuse (issue 17) → {item: document}; a
    malformed value is left for the schema to refuse."""
    out: dict[str, object] = {}
    for value in chosen:
        key, _, document = value.partition(":")
        number = form_int(document, field="reused", label="Giấy tờ dùng lại")
        out[key] = number if number is not None else document
    return out


def _check_fee_chosen(session: Session, principal: Principal, data: IntakeIn, now: datetime) -> None:
    """At the counter a fee that a deadline decides is chosen, by the officer or from the event's date: the form
    does not fall back on the catalogue's first fee for it (issue 16, item 8)."""
    if data.outcome != "received" or data.fee_exemption is not None:
        return
    try:
        _, version = version_in_force(session, data.procedure_code, to_vietnam_time(now).date(),
                                      principal.province_code)
    except MotcuaError:
        return  # receive_dossier names the procedure's problem
    rule = deadline_rule(version.data)
    if rule is None or rule.on_time in data.fee_options or rule.late in data.fee_options:
        return
    raise ValidationFailed(f"Chọn lệ phí áp dụng ({rule.alternative.lower()}), hoặc nhập {rule.event.lower()} để "
                           "chọn tự động.", fields={"fee_options": "Chọn một khoản."})


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
    docs = documents(session, dossier) if read.documents else []
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
        "d": read.shown, "ticket": next((t for t in ticket_of(session, dossier) if t is not None), None),
        "events": events, "documents": docs, "provenance": provenance(session, docs),
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
                    headers={**disposition_headers(f"{dossier.code}-{form}.pdf", disposition="inline"),
                             **SAME_ORIGIN_FRAME})


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
