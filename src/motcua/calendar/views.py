"""The calendar page: the year's days off and make-up days with their sources; admins record announcements."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import actions
from motcua.calendar.hours import to_vietnam_time
from motcua.calendar.queries import announcements_for, calendar_for_province, working_hours_for
from motcua.calendar.schemas import AnnouncementIn
from motcua.calendar.workdays import SUPPORTED_FIRST, SUPPORTED_LAST
from motcua.kit.errors import Forbidden, MotcuaError, field_errors
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)


async def _province_admin(principal: Principal = Depends(require_roles(Role.ADMIN))) -> Principal:
    """The calendar is kept by the province's administrators (``actions._check_admin``): a commune administrator's
    form is refused before it is read, so a refusal never looks like a mistake in the form (403, not 422)."""
    if not principal.is_province_level:
        raise Forbidden("Chỉ quản trị viên cấp tỉnh được cập nhật lịch làm việc.")
    return principal


def _page(request: Request, session: Session, principal: Principal, now: datetime, year: int | None,
          values: dict[str, object], errors: dict[str, str], message: str | None = None,
          status_code: int = 200) -> Response:
    year = year or to_vietnam_time(now).year
    calendar = calendar_for_province(session, principal.province_code)
    days = [d for d in calendar.describe_range(date(year, 1, 1), date(year, 12, 31))
            if d.kind in ("holiday", "announced_day_off", "make_up_workday")]
    hours = working_hours_for(session, principal.province_code)
    return render(request, "calendar.html", {
        "year": year, "days": days, "announcements": announcements_for(session, principal.province_code),
        "hours": ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in hours.intervals), "values": values,
        "errors": errors, "message": message, "is_admin": principal.has_role(Role.ADMIN)
        and principal.is_province_level, "years": range(max(SUPPORTED_FIRST.year, 2025), SUPPORTED_LAST.year + 1),
    }, status_code=status_code)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    year: int | None = Query(default=None, ge=SUPPORTED_FIRST.year, le=SUPPORTED_LAST.year),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return _page(request, session, principal, now, year, {"scope": principal.province_code}, {})


@router.post("/admin/calendar/announcements", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def announcement_create(
    request: Request,
    day: str = Form(default="", max_length=20),
    kind: str = Form(default="", max_length=30),
    scope: str = Form(default="", max_length=10),
    document: str = Form(default="", max_length=400),
    note: str = Form(default="", max_length=600),
    principal: Principal = Depends(_province_admin),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    values: dict[str, object] = {"day": day, "kind": kind, "scope": scope, "document": document, "note": note}
    try:
        data = AnnouncementIn.model_validate(values)
        change = actions.record_announcement(session, actor=principal, data=data, now=now)
    except ValidationError as exc:
        return _page(request, session, principal, now, None, values, field_errors(exc), status_code=422)
    except MotcuaError as exc:
        session.rollback()
        return _page(request, session, principal, now, None, values, {**exc.fields, "form": exc.message},
                     status_code=exc.status_code)
    return _page(request, session, principal, now, data.day.year, {"scope": principal.province_code}, {},
                 message=f"Đã ghi nhận thông báo; {change.recomputed} hồ sơ đang giải quyết được tính lại ngày hẹn.")


@router.post("/admin/calendar/announcements/{announcement_id}/withdraw", dependencies=[Depends(require_csrf)])
def announcement_withdraw(
    announcement_id: int = Path(ge=1, le=2**31 - 1),
    reason: str = Form(default="", max_length=300),
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    actions.withdraw_announcement(session, actor=principal, announcement_id=announcement_id, reason=reason, now=now)
    return RedirectResponse("/calendar", status_code=303)


@router.post("/admin/calendar/working-hours", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def working_hours_set(
    request: Request,
    intervals: str = Form(default="", max_length=100),
    principal: Principal = Depends(_province_admin),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        change = actions.set_working_hours(session, actor=principal, province_code=principal.province_code,
                                           spec=intervals, now=now)
    except MotcuaError as exc:
        session.rollback()
        return _page(request, session, principal, now, None, {"intervals": intervals},
                     {**exc.fields, "form": exc.message}, status_code=exc.status_code)
    return _page(request, session, principal, now, None, {}, {},
                 message=f"Đã cập nhật giờ làm việc; {change.recomputed} hồ sơ được tính lại ngày hẹn.")
