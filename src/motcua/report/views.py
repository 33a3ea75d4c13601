"""Pages of the service index (Decision 766/QĐ-TTg): the province's ranking dashboard and a commune's dashboard,
and their Excel exports. The ranking is published to every officer of the province; a commune's page follows the
jurisdiction rule (its query's gate answers 404 outside it)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now
from motcua.base.principal import Principal
from motcua.calendar import to_vietnam_time
from motcua.index.queries import Period, commune_dashboard, index_period, province_dashboard, recent_periods
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import ValidationFailed
from motcua.report import excel
from motcua.report.deps import PERIOD, requested_period
from motcua.report.schemas import commune_charts, province_charts
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

COMMUNE_CODE = Path(pattern=r"^\d{5}$", description="5-digit commune code (Decision 19/2025/QĐ-TTg)")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LATE_PER_PAGE = 50
#: The Excel export lists every late dossier of the period up to this many.
LATE_IN_EXCEL = 20_000


def _today(now: datetime) -> date:
    return to_vietnam_time(now).date()


def _xlsx(content: bytes, name: str) -> Response:
    return Response(content, media_type=XLSX, headers=disposition_headers(name))


def _period_or_error(period: str | None, today: date) -> tuple[Period | None, str | None]:
    """The period asked for, or the Vietnamese message the page shows next to the period field."""
    try:
        return index_period(period, today), None
    except ValidationFailed as exc:
        return None, exc.message


@router.get("/index", response_class=HTMLResponse)
def province_page(
    request: Request,
    period: str | None = PERIOD,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    today = _today(now)
    chosen, error = _period_or_error(period, today)
    context: dict[str, object] = {"choices": recent_periods(today), "error": error, "dash": None,
                                  "period_value": chosen.value if chosen else (period or "")}
    if chosen is None:
        return render(request, "index_province.html", context, status_code=422)
    dash = province_dashboard(session, principal, chosen)
    return render(request, "index_province.html", {**context, "dash": dash, "charts": province_charts(dash)})


@router.get("/index.xlsx")
def province_export(
    principal: Principal = Depends(current_officer),  # first: no credentials is a 401 before any other check
    chosen: Period = Depends(requested_period),
    session: Session = DB_SESSION,
) -> Response:
    dash = province_dashboard(session, principal, chosen)
    return _xlsx(excel.ranking_xlsx(dash), f"chi-so-phuc-vu-{dash.ranking.province_code}-{chosen.value}.xlsx")


# Registered before /index/communes/{code} so that "….xlsx" is not taken for a commune code.
@router.get("/index/communes/{code}.xlsx")
def commune_export(
    code: str = COMMUNE_CODE,
    principal: Principal = Depends(current_officer),  # first: no credentials is a 401 before any other check
    chosen: Period = Depends(requested_period),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    dash = commune_dashboard(session, principal, code, chosen, now, late_limit=LATE_IN_EXCEL)
    return _xlsx(excel.commune_xlsx(dash), f"chi-so-phuc-vu-{code}-{chosen.value}.xlsx")


@router.get("/index/communes/{code}", response_class=HTMLResponse)
def commune_page(
    request: Request,
    code: str = COMMUNE_CODE,
    period: str | None = PERIOD,
    late_page: int = Query(default=1, ge=1, le=10_000),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    today = _today(now)
    chosen, error = _period_or_error(period, today)
    context: dict[str, object] = {"choices": recent_periods(today), "error": error, "dash": None,
                                  "action": f"/index/communes/{code}",
                                  "period_value": chosen.value if chosen else (period or "")}
    if chosen is None:
        return render(request, "index_commune.html", context, status_code=422)
    dash = commune_dashboard(session, principal, code, chosen, now, late_limit=LATE_PER_PAGE,
                             late_offset=(late_page - 1) * LATE_PER_PAGE)
    return render(request, "index_commune.html", {
        **context, "dash": dash, "charts": commune_charts(dash), "late_page": late_page,
        "late_pages": max(1, (dash.late_total + LATE_PER_PAGE - 1) // LATE_PER_PAGE),
    })
