"""JSON routes of the dossier: intake (with an idempotency key), search, one dossier, workflow actions, forms,
documents, and the public lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Header, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_principal, get_now, require_csrf
from motcua.base.principal import Principal
from motcua.db import commit_before_answering
from motcua.dossier import printing
from motcua.dossier.actions import Upload, add_document, offered_actions, perform, receive_dossier
from motcua.dossier.deps import client_ip, get_store
from motcua.dossier.files import FileStore
from motcua.dossier.lookups import public_lookup
from motcua.dossier.models import Dossier, DossierEvent
from motcua.dossier.queries import InboxFilter, inbox, read_dossier_for, read_form_for, timeline
from motcua.dossier.schemas import (
    ActionIn,
    DossierEventOut,
    DossierOut,
    DossierPage,
    IntakeIn,
    LegalExtensionOut,
    LookupOut,
)
from motcua.dossier.workflow import STATUS_LABELS, Action, Status
from motcua.kit.schemas import error_responses

router = APIRouter(tags=["dossiers"])

DOSSIER_ID = Path(ge=1, le=2**31 - 1)
IDEMPOTENCY_KEY = Header(default=None, alias="Idempotency-Key", min_length=8, max_length=100,
                         pattern=r"^[A-Za-z0-9_.:-]+$",
                         description="A client-chosen key; a retried request with the same key and body returns the "
                                     "dossier created the first time instead of creating another (409 if the body "
                                     "differs).")


def _legal_extension_out(event: DossierEvent) -> LegalExtensionOut | None:
    data = event.data or {}
    if event.action != Action.EXTEND_BY_LAW.value or "ground" not in data:
        return None
    return LegalExtensionOut(ground=data["ground"], basis=data.get("basis", ""),
                             working_days=int(data.get("working_days", 0)), new_due=data.get("new_due"))


def dossier_out(session: Session, dossier: Dossier, principal: Principal, *, now: datetime, with_events: bool = True,
                events: Sequence[DossierEvent] = ()) -> DossierOut:
    """The dossier as the API shows it; ``events``, when the caller has just written the whole timeline (an intake),
    saves reading it back."""
    return DossierOut(
        id=dossier.id, code=dossier.code, version=dossier.version, status=dossier.status,
        status_label=STATUS_LABELS[Status(dossier.status)], procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name, receiving_commune_code=dossier.receiving_commune_code,
        deciding_commune_code=dossier.deciding_commune_code, channel=dossier.channel, filed_by=dossier.filed_by,
        applicant_name=dossier.applicant_name, received_at=dossier.received_at, due_at=dossier.due_at,
        processed_at=dossier.processed_at, returned_at=dossier.returned_at, supplement_count=dossier.supplement_count,
        extended=dossier.extended, current_department=dossier.current_department, handler_id=dossier.handler_id,
        allowed_actions=[t.action for t in offered_actions(session, principal, dossier, now)],
        events=[DossierEventOut(at=e.at, action=e.action, from_status=e.from_status, to_status=e.to_status,
                                actor_name=e.actor_name, note=e.note,
                                single_officer=bool((e.data or {}).get("single_officer")),
                                legal_extension=_legal_extension_out(e))
                for e in events or timeline(session, dossier)]
        if with_events else [],
    )


@router.post("/dossiers", response_model=DossierOut, status_code=201, dependencies=[Depends(require_csrf)],
             summary="Receive a dossier at the counter (Decree 118 Art. 17)", responses=error_responses(403, 409))
def create_dossier(
    data: IntakeIn,
    request: Request,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> Response:
    result = receive_dossier(session, actor=principal, data=data, uploads=(), store=store, now=now,
                             idempotency_key=idempotency_key,
                             public_base_url=request.app.state.settings.public_base_url)
    commit_before_answering(session)
    body = dossier_out(session, result.dossier, principal, now=now, events=result.events)
    # Serialised by pydantic in one step (the counter's busiest route: no dict of Python objects in between).
    return Response(body.model_dump_json(), media_type="application/json",
                    status_code=200 if result.replayed else 201,
                    headers={"Location": f"/api/v1/dossiers/{result.dossier.id}"})


@router.post("/dossiers/{dossier_id}/documents", response_model=DossierOut, status_code=201,
             dependencies=[Depends(require_csrf)], summary="Attach a scanned document (PDF, JPEG or PNG)",
             responses=error_responses(403, 404, 409, 413))
def upload_document(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    file: UploadFile = File(description="PDF, JPEG or PNG, checked by content"),
    requirement_key: str | None = Form(default=None, max_length=40, pattern=r"^[a-z0-9_]{1,40}$"),
    kind: Literal["input", "result"] = Form(default="input", description="input (a filed document) or result (the "
                                            "electronic result, Art. 22)"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    store: FileStore = Depends(get_store),
    now: datetime = Depends(get_now),
) -> DossierOut:
    dossier = add_document(session, actor=principal, dossier_id=dossier_id,
                           upload=Upload(requirement_key, file.filename or "", file.file.read()), store=store,
                           now=now, max_upload_bytes=request.app.state.settings.max_upload_bytes, kind=kind)
    return dossier_out(session, dossier, principal, now=now)


@router.get("/dossiers", response_model=DossierPage, summary="The caller's inbox, or a search",
            responses=error_responses(403))
def list_dossiers(
    q: str | None = Query(default=None, max_length=100,
                          description="Code, name (with or without diacritics), ID number or phone"),
    status: Status | None = Query(default=None),
    overdue: bool = Query(default=False),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=1_000_000),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> DossierPage:
    rows, total = inbox(session, principal, InboxFilter(status=status.value if status else None, q=q,
                                                        overdue=overdue, limit=limit, offset=offset), now)
    return DossierPage(items=[dossier_out(session, d, principal, now=now, with_events=False) for d in rows],
                       total=total)


@router.get("/dossiers/{dossier_id}", response_model=DossierOut, summary="One dossier with its timeline",
            responses=error_responses(404))
def get_dossier(
    dossier_id: int = DOSSIER_ID,
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> DossierOut:
    read = read_dossier_for(session, principal, dossier_id, now, with_identity=False)
    return dossier_out(session, read.dossier, principal, now=now)


@router.post("/dossiers/{dossier_id}/actions/{action}", response_model=DossierOut,
             dependencies=[Depends(require_csrf)], summary="Carry out a workflow action (see docs/workflow.md)",
             responses=error_responses(403, 404, 409))
def act_on_dossier(
    data: ActionIn,
    request: Request,
    dossier_id: int = DOSSIER_ID,
    action: Action = Path(description="A row of the workflow table"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> DossierOut:
    dossier = perform(session, actor=principal, dossier_id=dossier_id, action=action, data=data, now=now,
                      public_base_url=request.app.state.settings.public_base_url)
    return dossier_out(session, dossier, principal, now=now)


@router.get("/dossiers/{dossier_id}/forms/{form}", summary="An official form of the dossier as PDF",
            responses={200: {"content": {"application/pdf": {}}}, **error_responses(404)},
            response_class=Response)
def get_form(
    request: Request,
    dossier_id: int = DOSSIER_ID,
    form: str = Path(pattern=r"^(receipt|supplement_request|refusal_intake|refusal_processing|apology_extension|"
                              r"stop_notice|control_slip)$"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dossier = read_form_for(session, principal, dossier_id, form, now)
    pdf = printing.form_pdf(session, dossier, form, base_url=request.app.state.settings.public_base_url, now=now)
    return Response(pdf, media_type="application/pdf")


@router.get("/lookup", response_model=LookupOut, summary="Public lookup by code and the last 4 digits",
            openapi_extra={"security": []}, responses=error_responses(404, 429))
def lookup(
    request: Request,
    code: str = Query(min_length=10, max_length=40),
    secret: str = Query(min_length=4, max_length=4, pattern=r"^\d{4}$",
                        description="Last 4 digits of the applicant's phone or ID number"),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dossier = public_lookup(session, code=code, secret=secret, ip=client_ip(request), now=now)
    if dossier is None:  # answered, not raised, so that the failed attempt is committed and counted
        return JSONResponse({"error": {"code": "not_found",
                                       "message": "Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập."}},
                            status_code=404)
    out = LookupOut(code=dossier.code, procedure_name=dossier.procedure_name, status=dossier.status,
                    status_label=STATUS_LABELS[Status(dossier.status)], received_at=dossier.received_at,
                    due_at=dossier.due_at, returned_at=dossier.returned_at)
    return JSONResponse(out.model_dump(mode="json"))
