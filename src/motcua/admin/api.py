"""JSON routes of the organisation package."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_principal, get_now
from motcua.base.principal import Principal
from motcua.kit.schemas import error_responses
from motcua.org.queries import get_commune_for, list_communes_for, read_officer_for
from motcua.org.schemas import CommuneDetailOut, CommuneOut, OfficerOut

router = APIRouter(tags=["organisation"])


@router.get("/communes", response_model=list[CommuneOut], summary="Communes in the caller's jurisdiction")
def list_communes(
    q: str | None = Query(default=None, max_length=100, description="Name, with or without diacritics"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
) -> list[CommuneOut]:
    return [CommuneOut.model_validate(c) for c in list_communes_for(session, principal, q)]


@router.get("/communes/{code}", response_model=CommuneDetailOut, summary="A commune and the units merged into it",
            responses=error_responses(404))
def get_commune(
    code: str = Path(pattern=r"^\d{5}$"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
) -> CommuneDetailOut:
    return CommuneDetailOut.model_validate(get_commune_for(session, principal, code))


@router.get("/officers/{officer_id}", response_model=OfficerOut, summary="An officer (reading it is audited)",
            responses=error_responses(404))
def get_officer(
    officer_id: int = Path(ge=1, le=2**31 - 1),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> OfficerOut:
    officer = read_officer_for(session, principal, officer_id, now=now, fields=["full_name"])
    return OfficerOut(
        id=officer.id,
        username=officer.username,
        full_name=officer.full_name,
        province_code=officer.province_code,
        commune_code=officer.commune_code,
        roles=sorted(r.role for r in officer.roles),
        active=officer.active,
    )
