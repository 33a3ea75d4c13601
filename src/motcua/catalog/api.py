"""JSON routes of the catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_principal, get_now, require_csrf
from motcua.base.principal import Principal
from motcua.catalog.actions import import_catalogue
from motcua.catalog.queries import get_procedure, search_procedures
from motcua.catalog.schemas import Catalogue
from motcua.kit.schemas import error_responses

router = APIRouter(tags=["catalogue"])


class ProcedureSummary(BaseModel):
    code: str
    name: str
    field: str


class ProcedureDetail(ProcedureSummary):
    versions: list[dict[str, Any]]


class ImportOut(BaseModel):
    created: int
    versioned: int
    unchanged: int
    amended: int = Field(default=0, description="published versions whose legal extensions (gia hạn theo luật) "
                         "were recorded, nothing else differing")


@router.get("/procedures", response_model=list[ProcedureSummary], summary="Search the catalogue")
def list_procedures(
    q: str | None = Query(default=None, max_length=100, description="Name without diacritics, or code"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
) -> list[ProcedureSummary]:
    return [ProcedureSummary(code=p.code, name=p.name, field=p.field) for p in search_procedures(session, q)]


@router.get("/procedures/{code}", response_model=ProcedureDetail, responses=error_responses(404),
            summary="A procedure with every version (time limit, fees, documents, internal process)")
def procedure_detail(
    code: str = Path(pattern=r"^[0-9.]{3,20}$"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
) -> ProcedureDetail:
    procedure, versions = get_procedure(session, code, principal.province_code)
    return ProcedureDetail(code=procedure.code, name=procedure.name, field=procedure.field,
                           versions=[v.data for v in versions])


@router.post("/catalogue", response_model=ImportOut, dependencies=[Depends(require_csrf)],
             responses=error_responses(403, 409),
             summary="Import procedures of the caller's province (province administrators): new codes and new versions")
def import_procedures(
    data: Catalogue,
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> ImportOut:
    result = import_catalogue(session, actor=principal, catalogue=data, now=now, source="api")
    return ImportOut(created=result.created, versioned=result.versioned, unchanged=result.unchanged,
                     amended=result.amended)
