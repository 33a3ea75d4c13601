"""Pages of the service index: published monthly rankings and their check, fair-play flags, the commune's
periodic report (Excel)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now, require_csrf
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.index.actions import publish_snapshot
from motcua.index.fairplay import RULES, fair_play
from motcua.index.periodic import XLSX, file_name, periodic_workbook
from motcua.index.queries import Period, parse_period
from motcua.index.snapshots import checked_snapshot, list_snapshots
from motcua.kit.clock import to_local
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import Conflict, Forbidden, ValidationFailed
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

SNAPSHOT_ID = Path(ge=1, le=2**31 - 1)
COMMUNE_CODE = Path(pattern=r"^\d{5}$")
PERIOD = Query(default=None, max_length=20, description="2026-11, 2026-Q4, 2026 or 2026-01..2026-06")


async def province_officer(principal: Principal = Depends(current_officer)) -> Principal:
    if not principal.is_province_level:
        raise Forbidden("Trang này dành cho cán bộ cấp tỉnh.")
    return principal


def _previous_month(now: datetime) -> str:
    today = to_local(now).date()
    first = date(today.year, today.month, 1)
    last = date.fromordinal(first.toordinal() - 1)
    return f"{last:%Y-%m}"


def _period(value: str | None, now: datetime) -> Period:
    """The period asked for; by default the last month that is over (a report is made after the month)."""
    return parse_period(value or _previous_month(now), to_local(now).date())


def _may_publish(principal: Principal) -> bool:
    return principal.is_province_level and principal.has_role(Role.PROVINCE_MONITOR, Role.ADMIN)


def _snapshots_page(request: Request, session: Session, principal: Principal, now: datetime,
                    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Response:
    return render(request, "index_snapshots.html", {
        "snapshots": list_snapshots(session, principal), "may_publish": _may_publish(principal),
        "values": values or {"month": _previous_month(now)}, "errors": errors or {}}, status_code=status_code)


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
    period: str | None = PERIOD,
    principal: Principal = Depends(province_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    chosen = _period(period, now)
    report = fair_play(session, principal, principal.province_code, chosen)
    return render(request, "index_fairplay.html", {"report": report, "rules": RULES, "period": chosen})


@router.get("/index/communes/{code}/report.xlsx")
def periodic_report_file(
    code: str = COMMUNE_CODE,
    period: str | None = PERIOD,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    chosen = _period(period, now)
    data = periodic_workbook(session, principal, code, chosen, now)
    return Response(data, media_type=XLSX,
                    headers=disposition_headers(file_name(code, chosen)))
