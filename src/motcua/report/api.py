"""JSON routes of the service index (Decision 766/QĐ-TTg): the province ranking, one commune's scorecard, the
dossiers that cost it points. Same reads as the dashboards (``report.queries``), same gates: the ranking is published
to every officer and token of the province; a commune's details follow the jurisdiction rule (404 outside it)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_principal, get_now
from motcua.base.principal import Principal
from motcua.index.periods import Period
from motcua.kit.schemas import error_responses
from motcua.report.deps import requested_period
from motcua.report.queries.communes import late_dossiers
from motcua.report.queries.dashboards import commune_dashboard, province_dashboard
from motcua.report.queries.reconciliation import imports_overview, reconciliation_of
from motcua.report.schemas import (
    CommuneIndexOut,
    LateDossierOut,
    LatePage,
    PortalImportOut,
    RankingOut,
    ReconciliationOut,
    commune_index_out,
)

router = APIRouter(tags=["service index"])

COMMUNE_CODE = Path(pattern=r"^\d{5}$", description="5-digit commune code (Decision 19/2025/QĐ-TTg)")


@router.get("/index/ranking", response_model=RankingOut, responses=error_responses(404),
            summary="Every commune of the caller's province ranked by the service index (Decision 766)")
def ranking(
    principal: Principal = Depends(current_principal),  # first: no credentials is a 401 before any other check
    chosen: Period = Depends(requested_period),
    session: Session = DB_SESSION,
) -> RankingOut:
    return RankingOut.of(province_dashboard(session, principal, chosen))


@router.get("/index/communes/{code}", response_model=CommuneIndexOut, responses=error_responses(404),
            summary="One commune's scorecard, rank, trend and breakdowns")
def commune_index(
    code: str = COMMUNE_CODE,
    principal: Principal = Depends(current_principal),  # first: no credentials is a 401 before any other check
    chosen: Period = Depends(requested_period),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> CommuneIndexOut:
    return commune_index_out(commune_dashboard(session, principal, code, chosen, now, late_limit=0))


@router.get("/index/communes/{code}/late", response_model=LatePage, responses=error_responses(404),
            summary="The dossiers counted late on indicator 2.1 in the period, most late first, and why")
def commune_late(
    code: str = COMMUNE_CODE,
    principal: Principal = Depends(current_principal),  # first: no credentials is a 401 before any other check
    chosen: Period = Depends(requested_period),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=1_000_000),
    session: Session = DB_SESSION,
) -> LatePage:
    rows, total = late_dossiers(session, principal, code, chosen, limit, offset)
    return LatePage(items=[LateDossierOut.of(d) for d in rows], total=total)


@router.get("/index/reconciliation", response_model=list[PortalImportOut], responses=error_responses(403),
            summary="The province's imports of the national portal's published 766 statistics, latest period first")
def reconciliation_imports(
    principal: Principal = Depends(current_principal),  # first: no credentials is a 401 before any other check
    session: Session = DB_SESSION,
) -> list[PortalImportOut]:
    return [PortalImportOut.of(i) for i in imports_overview(session, principal)]


@router.get("/index/reconciliation/{import_id}", response_model=ReconciliationOut,
            responses=error_responses(403, 404),
            summary="Every commune and indicator where motcua's score differs from the portal's by more than 0.01")
def reconciliation_detail(
    import_id: int = Path(ge=1, le=2**31 - 1),
    principal: Principal = Depends(current_principal),  # first: no credentials is a 401 before any other check
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> ReconciliationOut:
    return ReconciliationOut.of(reconciliation_of(session, principal, import_id, now, dossier_limit=200))
