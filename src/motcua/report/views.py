"""Pages of the service index (Decision 766/QĐ-TTg): the province's ranking dashboard and a commune's dashboard,
and their Excel exports; the published monthly rankings and their check; the fair-play flags; the commune's periodic
report (Excel). The ranking is published to every officer of the province; a commune's page follows the
jurisdiction rule (its query's gate answers 404 outside it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now, require_csrf
from motcua.base.principal import Principal
from motcua.calendar import to_vietnam_time
from motcua.index.actions import publish_snapshot
from motcua.index.fairplay import RULES, fair_play
from motcua.index.periods import Period, index_period, parse_period
from motcua.index.reconcile import MAX_FILE_BYTES, PortalFileError, import_portal_file
from motcua.kit.clock import to_local
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import Conflict, Forbidden, MotcuaError, ValidationFailed
from motcua.report import excel
from motcua.report.deps import PERIOD, requested_period
from motcua.report.periodic import file_name, periodic_workbook
from motcua.report.queries.dashboards import commune_dashboard, province_dashboard
from motcua.report.queries.periods import previous_month, recent_periods, report_period
from motcua.report.queries.rankings import ranking_table, sort_value
from motcua.report.queries.reconciliation import imports_overview, reconciliation_of
from motcua.report.queries.snapshots import checked_snapshot, snapshots_overview
from motcua.report.schemas import commune_charts, province_charts
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

COMMUNE_CODE = Path(pattern=r"^\d{5}$", description="5-digit commune code (Decision 19/2025/QĐ-TTg)")
SNAPSHOT_ID = Path(ge=1, le=2**31 - 1)
#: The period of the fair-play page and the periodic report (empty: the last month that is over).
LAST_PERIOD = Query(default=None, max_length=20, description="2026-11, 2026-Q4, 2026-H1, 2026 or 2026-01..2026-06")

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
    sort: str | None = Query(default=None, max_length=40, description="the column: rank, name, percent, points, "
                             "on_time, counted, change, previous or g-<group code>"),
    direction: str | None = Query(default=None, alias="dir", max_length=4, description="asc or desc"),
    q: str | None = Query(default=None, max_length=100, description="commune name, with or without diacritics"),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    today = _today(now)
    chosen, error = _period_or_error(period, today)
    context: dict[str, object] = {"choices": recent_periods(today), "error": error, "dash": None, "table": None,
                                  "sort_value": sort_value,
                                  "period_value": chosen.value if chosen else (period or "")}
    if chosen is None:
        return render(request, "index_province.html", context, status_code=422)
    dash = province_dashboard(session, principal, chosen)
    table = ranking_table(dash.ranking, sort=sort, direction=direction, q=q)
    return render(request, "index_province.html", {**context, "dash": dash, "table": table,
                                                   "charts": province_charts(dash)})


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


# ------------------------------------------------------------------------ published rankings, fair play, periodic


async def province_officer(principal: Principal = Depends(current_officer)) -> Principal:
    if not principal.is_province_level:
        raise Forbidden("Trang này dành cho cán bộ cấp tỉnh.")
    return principal


def _snapshots_page(request: Request, session: Session, principal: Principal, now: datetime,
                    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Response:
    page = snapshots_overview(session, principal)
    return render(request, "index_snapshots.html", {
        "snapshots": page.snapshots, "may_publish": page.may_publish,
        "values": values or {"month": previous_month(now)}, "errors": errors or {}}, status_code=status_code)


@router.get("/index/snapshots", response_class=HTMLResponse)
def snapshots_page(
    request: Request,
    principal: Principal = Depends(province_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return _snapshots_page(request, session, principal, now)


@router.post("/index/snapshots", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def snapshot_publish(
    request: Request,
    month: str = Form(default="", max_length=20),
    principal: Principal = Depends(province_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values = {"month": month.strip()}
    try:
        period = parse_period(values["month"] or "-", to_local(now).date())
        if period.kind != "month":
            raise ValidationFailed("Chọn một tháng, dạng 2026-10.", fields={"month": "Chọn một tháng."})
        snapshot = publish_snapshot(session, actor=principal, province_code=principal.province_code,
                                    month=period.start, now=now)
    except (ValidationFailed, Conflict) as exc:
        session.rollback()
        errors = {"month": exc.fields.get("month") or exc.fields.get("period") or exc.message, "form": exc.message}
        return _snapshots_page(request, session, principal, now, values, errors, status_code=exc.status_code)
    return RedirectResponse(f"/index/snapshots/{snapshot.id}?published=1", status_code=303)


@router.get("/index/snapshots/{snapshot_id}", response_class=HTMLResponse)
def snapshot_page(
    request: Request,
    snapshot_id: int = SNAPSHOT_ID,
    published: bool = Query(default=False),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    view, check = checked_snapshot(session, principal, snapshot_id, now)
    return render(request, "index_snapshot.html", {"view": view, "check": check, "published": published})


@router.get("/index/fair-play", response_class=HTMLResponse)
def fair_play_page(
    request: Request,
    period: str | None = LAST_PERIOD,
    principal: Principal = Depends(province_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    chosen = report_period(period, now)
    report = fair_play(session, principal, principal.province_code, chosen)
    return render(request, "index_fairplay.html", {"report": report, "rules": RULES, "period": chosen})


@router.get("/index/communes/{code}/report.xlsx")
def periodic_report_file(
    code: str = COMMUNE_CODE,
    period: str | None = LAST_PERIOD,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    chosen = report_period(period, now)
    data = periodic_workbook(session, principal, code, chosen, now)
    return _xlsx(data, file_name(code, chosen))


# ------------------------------------------------------------------------ reconciliation with the national portal

IMPORT_ID = Path(ge=1, le=2**31 - 1)
#: Dossiers listed under one difference on the page (all of them, up to ``LATE_IN_EXCEL``, in the Excel file).
DOSSIERS_PER_DIFFERENCE = 50


def _reconciliation_list(request: Request, session: Session, principal: Principal, problems: list[str] | None = None,
                         error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "index_reconciliation.html", {
        "imports": imports_overview(session, principal), "problems": problems or [], "error": error,
        "max_mb": MAX_FILE_BYTES // (1024 * 1024)}, status_code=status_code)


@router.get("/index/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
) -> Response:
    return _reconciliation_list(request, session, principal)


@router.post("/index/reconciliation", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def reconciliation_import(
    request: Request,
    file: UploadFile | None = File(default=None),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    imports_overview(session, principal)  # the gate first: a refused officer learns nothing of the file
    data = file.file.read(MAX_FILE_BYTES + 1) if file is not None else b""
    try:
        if not data:
            raise PortalFileError(["Chưa chọn tệp thống kê (JSON hoặc Excel tải từ trang Chỉ số 766 của Cổng)"])
        imp = import_portal_file(session, actor=principal, data=data, file_name=(file.filename if file else "") or "",
                                 now=now)
    except PortalFileError as exc:
        session.rollback()
        return _reconciliation_list(request, session, principal, problems=exc.problems, error=exc.message,
                                    status_code=exc.status_code)
    except MotcuaError as exc:
        session.rollback()
        return _reconciliation_list(request, session, principal, error=exc.message, status_code=exc.status_code)
    return RedirectResponse(f"/index/reconciliation/{imp.id}?imported=1", status_code=303)


# Registered before /index/reconciliation/{import_id} (an id is a number, so "12.xlsx" never matched it anyway).
@router.get("/index/reconciliation/{import_id}.xlsx")
def reconciliation_export(
    import_id: int = IMPORT_ID,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    rec = reconciliation_of(session, principal, import_id, now, dossier_limit=LATE_IN_EXCEL)
    return _xlsx(excel.reconciliation_xlsx(rec), f"doi-soat-chi-so-766-{rec.imp.province_code}-{rec.period.value}.xlsx")


@router.get("/index/reconciliation/{import_id}", response_class=HTMLResponse)
def reconciliation_detail(
    request: Request,
    import_id: int = IMPORT_ID,
    imported: bool = Query(default=False),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    rec = reconciliation_of(session, principal, import_id, now, dossier_limit=DOSSIERS_PER_DIFFERENCE)
    return render(request, "index_reconciliation_detail.html", {"rec": rec, "imported": imported})
