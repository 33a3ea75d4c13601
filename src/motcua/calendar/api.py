"""JSON routes of the calendar: days, announcements, working hours."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_principal, get_now, require_csrf
from motcua.base.principal import Principal
from motcua.calendar import actions
from motcua.calendar.models import CalendarAnnouncement
from motcua.calendar.queries import announcements_for, calendar_for_province
from motcua.calendar.schemas import AnnouncementIn, AnnouncementOut, CalendarChangeOut, WorkingHoursIn
from motcua.calendar.workdays import SUPPORTED_FIRST, SUPPORTED_LAST
from motcua.kit.dates import date_range
from motcua.kit.schemas import error_responses

router = APIRouter(tags=["calendar"])


class DayOut(BaseModel):
    day: date
    kind: str
    is_workday: bool
    name: str | None
    document: str | None


def _out(row: CalendarAnnouncement | None) -> AnnouncementOut | None:
    return None if row is None else AnnouncementOut(id=row.id, day=row.day, kind=row.kind, scope=row.scope,
                                                     document=row.document, note=row.note)


@router.get("/calendar/days", response_model=list[DayOut], summary="Working days of the caller's province")
def days(
    start: date = Query(alias="from"),
    end: date = Query(alias="to"),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
) -> list[DayOut]:
    start, end = date_range(start, end, today=start, max_days=400, earliest=SUPPORTED_FIRST, latest=SUPPORTED_LAST)
    calendar = calendar_for_province(session, principal.province_code)
    return [DayOut(day=d.day, kind=d.kind, is_workday=d.is_workday, name=d.name, document=d.document)
            for d in calendar.describe_range(start, end)]


@router.get("/calendar/announcements", response_model=list[AnnouncementOut],
            summary="Announcements recorded for the caller's province (national ones included)")
def list_announcements(
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
) -> list[AnnouncementOut]:
    return [a for a in map(_out, announcements_for(session, principal.province_code)) if a is not None]


@router.post("/calendar/announcements", response_model=CalendarChangeOut, status_code=201,
             dependencies=[Depends(require_csrf)], responses=error_responses(403),
             summary="Record a day off or make-up working day; open dossiers' due dates are recomputed")
def create_announcement(
    data: AnnouncementIn,
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> CalendarChangeOut:
    change = actions.record_announcement(session, actor=principal, data=data, now=now)
    return CalendarChangeOut(announcement=_out(change.announcement), recomputed=change.recomputed)


@router.delete("/calendar/announcements/{announcement_id}", response_model=CalendarChangeOut,
               dependencies=[Depends(require_csrf)], responses=error_responses(403, 404),
               summary="Withdraw an announcement recorded by mistake")
def delete_announcement(
    announcement_id: int = Path(ge=1, le=2**31 - 1),
    reason: str = Query(min_length=3, max_length=300),
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> CalendarChangeOut:
    change = actions.withdraw_announcement(session, actor=principal, announcement_id=announcement_id,
                                           reason=reason, now=now)
    return CalendarChangeOut(announcement=None, recomputed=change.recomputed)


@router.put("/calendar/working-hours", response_model=CalendarChangeOut, dependencies=[Depends(require_csrf)],
            responses=error_responses(403), summary="Set the province's working hours")
def put_working_hours(
    data: WorkingHoursIn,
    principal: Principal = Depends(current_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> CalendarChangeOut:
    change = actions.set_working_hours(session, actor=principal, province_code=principal.province_code,
                                       spec=data.intervals, now=now)
    return CalendarChangeOut(announcement=None, recomputed=change.recomputed)
