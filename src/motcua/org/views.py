"""Pages of the organisation: communes of the province, a commune's bodies and staff, an officer."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from motcua.audit.actions import record_personal_data_read
from motcua.auth.deps import current_officer, get_now, get_session
from motcua.auth.principal import Principal
from motcua.org.queries import commune_staff, get_commune_for, get_officer_for, list_communes_for
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

COMMUNE_CODE = Path(pattern=r"^\d{5}$", description="5-digit commune code (Decision 19/2025/QĐ-TTg)")


@router.get("/communes", response_class=HTMLResponse)
def communes_page(
    request: Request,
    q: str | None = Query(default=None, max_length=100),
    principal: Principal = Depends(current_officer),
    session: Session = Depends(get_session),
) -> Response:
    return render(request, "communes.html", {"communes": list_communes_for(session, principal, q), "q": q or ""})


@router.get("/communes/{code}", response_class=HTMLResponse)
def commune_page(
    request: Request,
    code: str = COMMUNE_CODE,
    principal: Principal = Depends(current_officer),
    session: Session = Depends(get_session),
) -> Response:
    commune = get_commune_for(session, principal, code)
    return render(request, "commune.html", {"commune": commune, "staff": commune_staff(session, commune)})


@router.get("/officers/{officer_id}", response_class=HTMLResponse)
def officer_page(
    request: Request,
    officer_id: int = Path(ge=1, le=2**31 - 1),
    principal: Principal = Depends(current_officer),
    session: Session = Depends(get_session),
    now: datetime = Depends(get_now),
) -> Response:
    officer = get_officer_for(session, principal, officer_id)
    record_personal_data_read(session, actor=principal, now=now, object_kind="officer", object_id=officer.id,
                              province_code=officer.province_code, commune_code=officer.commune_code,
                              fields=["email", "phone"])
    return render(request, "officer.html", {"officer": officer})
