"""Pages of the organisation: communes of the province, a commune's bodies and staff, an officer."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from motcua.admin.actions import create_officer, set_officer_active
from motcua.admin.schemas import OfficerCreate
from motcua.auth.deps import DB_SESSION, current_officer, get_now, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import ADMIN_ROLES, OFFICER_ROLES, PROVINCE_ROLES, ROLE_LABELS
from motcua.kit.errors import Conflict, ValidationFailed, field_errors
from motcua.org.actions import set_agency_id
from motcua.org.queries import (
    commune_page_for,
    list_communes_for,
    officer_page_for,
)
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

OFFICER_ID = Path(ge=1, le=2**31 - 1)
COMMUNE_CODE = Path(pattern=r"^\d{5}$", description="5-digit commune code (Decision 19/2025/QĐ-TTg)")


@router.get("/communes", response_class=HTMLResponse)
def communes_page(
    request: Request,
    q: str | None = Query(default=None, max_length=100),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
) -> Response:
    return render(request, "communes.html", {"communes": list_communes_for(session, principal, q), "q": q or ""})


@router.get("/communes/{code}", response_class=HTMLResponse)
def commune_page(
    request: Request,
    code: str = COMMUNE_CODE,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
) -> Response:
    page = commune_page_for(session, principal, code)
    return render(request, "commune.html", {"commune": page.commune, "staff": page.staff,
                                            "may_set_agency_id": page.may_set_agency_id})


@router.get("/officers/{officer_id}", response_class=HTMLResponse)
def officer_page(
    request: Request,
    officer_id: int = OFFICER_ID,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    page = officer_page_for(session, principal, officer_id, now=now)
    return render(request, "officer.html", {"officer": page.officer, "may_toggle_active": page.may_toggle_active})


def _officer_form(request: Request, session: Session, principal: Principal, values: dict[str, object],
                  errors: dict[str, str], status_code: int = 200) -> Response:
    roles = [(r.value, ROLE_LABELS[r]) for r in OFFICER_ROLES if principal.is_province_level or r not in PROVINCE_ROLES]
    return render(request, "officer_form.html", {
        "values": values, "errors": errors, "roles": roles, "communes": list_communes_for(session, principal),
        # a province-level officer (no commune): create_officer's jurisdiction check, for the province itself
        "may_choose_province": principal.may_see(principal.province_code, None),
    }, status_code=status_code)


@router.get("/admin/officers/new", response_class=HTMLResponse)
def officer_new(
    request: Request,
    principal: Principal = Depends(require_roles(*ADMIN_ROLES)),
    session: Session = DB_SESSION,
) -> Response:
    return _officer_form(request, session, principal, {"commune_code": principal.commune_code or ""}, {})


@router.post("/admin/officers", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def officer_create(
    request: Request,
    username: str = Form(default="", max_length=300),
    full_name: str = Form(default="", max_length=300),
    commune_code: str = Form(default="", max_length=20),
    email: str = Form(default="", max_length=300),
    phone: str = Form(default="", max_length=40),
    password: str = Form(default="", max_length=300),
    roles: list[str] = Form(default=[], max_length=20),
    principal: Principal = Depends(require_roles(*ADMIN_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values: dict[str, object] = {"username": username.strip(), "full_name": full_name, "email": email.strip(),
                                 "commune_code": commune_code, "phone": phone.strip(), "roles": roles}
    try:
        data = OfficerCreate.model_validate({
            **values,
            "password": password,
            "province_code": principal.province_code,
            "commune_code": commune_code or None,
            "email": email.strip() or None,
            "phone": phone.strip() or None,
        })
    except ValidationError as exc:
        return _officer_form(request, session, principal, values, field_errors(exc), status_code=422)
    try:
        officer = create_officer(session, actor=principal, data=data, now=now,
                                 demo=request.app.state.settings.demo)
    except (ValidationFailed, Conflict) as exc:
        return _officer_form(request, session, principal, values, exc.fields or {"username": exc.message},
                             status_code=exc.status_code)
    return RedirectResponse(f"/officers/{officer.id}?created=1", status_code=303)


@router.post("/communes/{code}/agency-id", dependencies=[Depends(require_csrf)])
def commune_set_agency_id(
    code: str = COMMUNE_CODE,
    agency_id: str = Form(default="", max_length=40),
    principal: Principal = Depends(require_roles(*ADMIN_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    set_agency_id(session, actor=principal, commune_code=code, agency_id=agency_id, now=now)
    return RedirectResponse(f"/communes/{code}?saved=1", status_code=303)


@router.post("/officers/{officer_id}/active", dependencies=[Depends(require_csrf)])
def officer_set_active(
    officer_id: int = OFFICER_ID,
    active: bool = Form(description="false locks the account, true unlocks it"),
    principal: Principal = Depends(require_roles(*ADMIN_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    set_officer_active(session, actor=principal, officer_id=officer_id, active=active, now=now)
    return RedirectResponse(f"/officers/{officer_id}", status_code=303)
