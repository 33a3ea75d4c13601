"""The front desk's statistics pages and their Excel export: a commune's centre (``/quay/{commune}/thong-ke``) and a
province (``/quay/tinh/{province}/thong-ke``)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, get_now, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar.hours import to_vietnam_time
from motcua.kit.dates import date_range
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import Forbidden, NotFound, ValidationFailed
from motcua.kit.excel import workbook_bytes, write_sheet
from motcua.org.models import Commune, Province
from motcua.org.queries import get_commune_for
from motcua.queue.stats import MAX_DAYS, MAX_PROVINCE_DAYS, Group, QueueStats, queue_stats
from motcua.queue.views import COMMUNE_CODE
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROVINCE_CODE = Path(pattern=r"^\d{2}$")
#: Who reads a centre's statistics: its director and the commune's leaders and administrator; the province's
#: monitor and administrator for every commune of the province.
STATS_ROLES = (Role.CENTRE_DIRECTOR, Role.APPROVER, Role.ADMIN, Role.PROVINCE_MONITOR)
PROVINCE_ROLES = (Role.PROVINCE_MONITOR, Role.ADMIN)
FROM = Query(default=None, alias="from")
TO = Query(default=None, alias="to")


def _range(first: date | None, last: date | None, now: datetime, max_days: int) -> tuple[date, date]:
    return date_range(first, last, today=to_vietnam_time(now).date(), default_days=30, max_days=max_days)


def _commune_stats(session: Session, principal: Principal, commune_code: str, first: date | None,
                   last: date | None, now: datetime) -> QueueStats:
    commune = get_commune_for(session, principal, commune_code)
    if principal.commune_code is not None and not principal.has_role(Role.CENTRE_DIRECTOR, Role.APPROVER,
                                                                     Role.ADMIN):
        raise Forbidden("Chỉ lãnh đạo Trung tâm, lãnh đạo xã và quản trị viên xem được thống kê lấy số.")
    start, end = _range(first, last, now, MAX_DAYS)
    return queue_stats(session, [commune], start, end, today=to_vietnam_time(now).date(),
                       scope=f"{commune.kind.capitalize()} {commune.name}")


def _province_stats(session: Session, principal: Principal, province_code: str, first: date | None,
                    last: date | None, now: datetime) -> QueueStats:
    province = session.get(Province, province_code)
    if province is None or province.code != principal.province_code:
        raise NotFound()
    if principal.commune_code is not None:
        raise Forbidden("Thống kê toàn tỉnh dành cho cán bộ cấp tỉnh.")
    start, end = _range(first, last, now, MAX_PROVINCE_DAYS)
    communes = list(session.scalars(select(Commune).where(Commune.province_code == province.code)))
    return queue_stats(session, communes, start, end, today=to_vietnam_time(now).date(),
                       scope=f"Tỉnh {province.name}")


def _page(request: Request, stats: QueueStats | None, base: str, *, province: bool, error: str | None = None,
          values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "queue/stats.html", {"s": stats, "base": base, "province": province, "error": error,
                                                "values": values or {}}, status_code=status_code)


def _raw(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "")[:10] for k in ("from", "to")}


@router.get("/quay/{commune_code}/thong-ke", response_class=HTMLResponse)
def commune_stats_page(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    first: date | None = FROM,
    last: date | None = TO,
    principal: Principal = Depends(require_roles(*STATS_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    base = f"/quay/{commune_code}/thong-ke"
    try:
        stats = _commune_stats(session, principal, commune_code, first, last, now)
    except ValidationFailed as exc:
        return _page(request, None, base, province=False, error=exc.message, values=_raw(request), status_code=422)
    return _page(request, stats, base, province=False, values=_raw(request))


@router.get("/quay/{commune_code}/thong-ke.xlsx")
def commune_stats_export(
    commune_code: str = COMMUNE_CODE,
    first: date | None = FROM,
    last: date | None = TO,
    principal: Principal = Depends(require_roles(*STATS_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    stats = _commune_stats(session, principal, commune_code, first, last, now)
    return Response(stats_xlsx(stats), media_type=XLSX,
                    headers=disposition_headers(f"thong-ke-lay-so-{commune_code}-{stats.first}-{stats.last}.xlsx"))


@router.get("/quay/tinh/{province_code}/thong-ke", response_class=HTMLResponse)
def province_stats_page(
    request: Request,
    province_code: str = PROVINCE_CODE,
    first: date | None = FROM,
    last: date | None = TO,
    principal: Principal = Depends(require_roles(*PROVINCE_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    base = f"/quay/tinh/{province_code}/thong-ke"
    try:
        stats = _province_stats(session, principal, province_code, first, last, now)
    except ValidationFailed as exc:
        return _page(request, None, base, province=True, error=exc.message, values=_raw(request), status_code=422)
    return _page(request, stats, base, province=True, values=_raw(request))


@router.get("/quay/tinh/{province_code}/thong-ke.xlsx")
def province_stats_export(
    province_code: str = PROVINCE_CODE,
    first: date | None = FROM,
    last: date | None = TO,
    principal: Principal = Depends(require_roles(*PROVINCE_ROLES)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    stats = _province_stats(session, principal, province_code, first, last, now)
    return Response(stats_xlsx(stats), media_type=XLSX,
                    headers=disposition_headers(f"thong-ke-lay-so-tinh-{province_code}-{stats.first}-{stats.last}.xlsx"))


# ------------------------------------------------------------------------------------------------ Excel

HEADERS = ("", "Số phiếu", "Đã phục vụ", "Vắng mặt", "Chờ đến hết ngày", "Chờ p50 (phút)", "Chờ p90 (phút)",
           "Phục vụ p50 (phút)", "Phục vụ p90 (phút)", "Lượt đánh giá", "Hài lòng (%)")
WIDTHS = (34, 11, 11, 11, 13, 11, 11, 12, 12, 11, 11)


def _row(g: Group) -> list[object]:
    return [g.label, g.tickets, g.served, g.no_show, g.left_waiting, g.wait_p50, g.wait_p90, g.service_p50,
            g.service_p90, g.rated, g.satisfied_percent]


def stats_xlsx(stats: QueueStats) -> bytes:
    """One sheet per breakdown, the layout of the index's exports (``kit.excel.write_sheet``)."""
    wb = Workbook()
    lines = [f"{stats.scope} — từ {stats.first:%d/%m/%Y} đến {stats.last:%d/%m/%Y}",
             "Chờ = gọi − lấy số; phục vụ = hoàn thành − gọi; p50/p90: phân vị theo thứ hạng gần nhất."]
    sheets: list[tuple[str, str, list[Group]]] = [
        ("Tổng hợp", "Thống kê lấy số thứ tự", [stats.total]),
        ("Lĩnh vực", "Theo lĩnh vực", stats.by_field),
        ("Quầy", "Theo quầy", stats.by_counter),
        ("Cán bộ", "Theo cán bộ", stats.by_officer),
        ("Giờ", "Theo giờ lấy số", stats.by_hour),
    ]
    if stats.communes > 1:
        sheets.append(("Xã, phường", "Theo xã, phường", stats.by_commune))
    for index, (name, title, groups) in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = name
        write_sheet(ws, title, lines, (name, *HEADERS[1:]), [_row(g) for g in groups], WIDTHS)
    ws = wb.create_sheet("Giờ cao điểm")
    write_sheet(ws, "Giờ cao điểm", lines, ("Giờ", "Số phiếu", "Trung bình mỗi ngày"),
                [[f"{b.hour:02d}:00–{b.hour:02d}:59", b.tickets, b.per_day] for b in stats.busiest], (16, 12, 18))
    wb.properties.creator = "motcua"
    return workbook_bytes(wb)
