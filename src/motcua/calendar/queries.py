"""Reads of the calendar tables: the working calendar and hours a province's deadlines are computed with."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy import ColumnElement, bindparam, or_, select
from sqlalchemy.orm import Session

from motcua.calendar.announcements import NATIONAL, Announcement, shipped_announcements
from motcua.calendar.hours import DEFAULT_WORKING_HOURS, WorkingHours
from motcua.calendar.models import CalendarAnnouncement, ProvinceWorkingHours
from motcua.calendar.workdays import WorkCalendar

_cache: dict[tuple[str | None, tuple[Announcement, ...]], WorkCalendar] = {}
_cache_lock = threading.Lock()


def as_announcement(row: CalendarAnnouncement) -> Announcement:
    return Announcement(day=row.day, kind=row.kind, scope=row.scope, document=row.document,  # type: ignore[arg-type]
                        note=row.note)


def _rows_filter(province_code: str | None) -> ColumnElement[bool]:
    scopes = [NATIONAL] if province_code is None else [NATIONAL, province_code]
    return CalendarAnnouncement.scope.in_(scopes)


def recorded_announcements(session: Session, province_code: str | None) -> list[CalendarAnnouncement]:
    """Announcements recorded in the database that apply to a province (national ones included)."""
    return list(session.scalars(select(CalendarAnnouncement).where(_rows_filter(province_code))
                                .order_by(CalendarAnnouncement.day, CalendarAnnouncement.scope)))


def build_calendar(province_code: str | None, rows: Sequence[Announcement]) -> WorkCalendar:
    """The calendar from the shipped announcements plus recorded ones (raises ``AnnouncementConflict``)."""
    return WorkCalendar(province_code, [*shipped_announcements(), *rows])


def calendar_for_province(session: Session, province_code: str | None) -> WorkCalendar:
    """The working calendar of a province, cached by the content of the records that apply to it.

    The records are read in the caller's transaction (a handful of rows), so a recorded or withdrawn
    announcement is seen by the very next computation, and two databases never share a wrong entry.
    """
    rows = tuple(
        Announcement(day=r.day, kind=r.kind, scope=r.scope, document=r.document, note=r.note)
        for r in session.execute(_APPLYING, {"scopes": [NATIONAL] if province_code is None
                                             else [NATIONAL, province_code]})
    )
    key = (province_code, rows)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    calendar = build_calendar(province_code, rows)
    with _cache_lock:
        if len(_cache) > 64:
            _cache.clear()
        _cache[key] = calendar
    return calendar


def working_hours_for(session: Session, province_code: str) -> WorkingHours:
    """The province's configured working hours, or the default 07:30–11:30, 13:00–17:00."""
    spec = session.scalar(_HOURS, {"province_code": province_code})
    return DEFAULT_WORKING_HOURS if spec is None else WorkingHours.parse(spec)


_APPLYING = (
    select(CalendarAnnouncement.day, CalendarAnnouncement.kind, CalendarAnnouncement.scope,
           CalendarAnnouncement.document, CalendarAnnouncement.note)
    .where(CalendarAnnouncement.scope.in_(bindparam("scopes", expanding=True)))
    .order_by(CalendarAnnouncement.day, CalendarAnnouncement.scope)
)
_HOURS = select(ProvinceWorkingHours.intervals).where(ProvinceWorkingHours.province_code == bindparam("province_code"))
"""Built once: every deadline computation runs them."""


def announcements_for(session: Session, province_code: str) -> list[CalendarAnnouncement]:
    """What the calendar page lists for a province: national records and the province's own."""
    return list(session.scalars(
        select(CalendarAnnouncement)
        .where(or_(CalendarAnnouncement.scope == NATIONAL, CalendarAnnouncement.scope == province_code))
        .order_by(CalendarAnnouncement.day.desc())
    ))
