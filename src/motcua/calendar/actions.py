"""Writes to the calendar: record or withdraw an announcement, set a province's working hours.

Each one is audited and, in the same transaction, re-derives the due dates of the open dossiers it affects
(docs/legal.md §4: "record such announcements … and recompute the due dates of open dossiers").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.auth.principal import Principal
from motcua.calendar.announcements import NATIONAL, Announcement
from motcua.calendar.errors import CalendarError
from motcua.calendar.hours import WorkingHours
from motcua.calendar.models import CalendarAnnouncement, ProvinceWorkingHours
from motcua.calendar.queries import as_announcement, build_calendar, recorded_announcements
from motcua.calendar.schemas import AnnouncementIn
from motcua.dossier.actions import recompute_due_dates
from motcua.kit.errors import Forbidden, NotFound, ValidationFailed
from motcua.org.roles import Role


class AnnouncementAlreadyRecorded(ValidationFailed):
    code = "announcement_already_recorded"


@dataclass(frozen=True)
class CalendarChange:
    announcement: CalendarAnnouncement | None
    recomputed: int  # open dossiers whose due date moved


def _check_admin(actor: Principal, scope: str) -> None:
    """Province-level administrators keep the calendar; the system (CLI) may too. Commune admins may not."""
    if actor.kind == "system":
        return
    if not actor.has_role(Role.ADMIN) or not actor.is_province_level:
        raise Forbidden("Chỉ quản trị viên cấp tỉnh được cập nhật lịch làm việc.")
    if scope not in (NATIONAL, actor.province_code):
        raise Forbidden("Chỉ được ghi thông báo cho toàn quốc hoặc cho tỉnh của mình.")


def _affected_province(scope: str) -> str | None:
    return None if scope == NATIONAL else scope


def record_announcement(session: Session, *, actor: Principal, data: AnnouncementIn, now: datetime) -> CalendarChange:
    """Ghi nhận thông báo nghỉ / làm bù; refuses one that contradicts another or the statutory calendar."""
    _check_admin(actor, data.scope)
    try:
        new = Announcement(day=data.day, kind=data.kind, scope=data.scope, document=data.document, note=data.note)
        # Check against every record that could share a day with it: all provinces' calendars it touches.
        provinces = [data.scope] if data.scope != NATIONAL else _provinces_with_records(session)
        for province in provinces:
            existing = [as_announcement(r) for r in recorded_announcements(session, province)]
            build_calendar(province, [*existing, new])
    except CalendarError as exc:
        raise ValidationFailed(exc.message, fields={"day": exc.message}) from exc
    row = CalendarAnnouncement(day=data.day, kind=data.kind, scope=data.scope, document=data.document,
                               note=data.note, recorded_at=now, recorded_by_id=actor.id if actor.kind == "officer"
                               else None)
    _insert_once(session, row)
    recomputed = recompute_due_dates(session, _affected_province(data.scope), now)
    record(session, actor=actor, action="calendar.announcement_recorded", now=now, object_kind="calendar_announcement",
           object_id=row.id, province_code=_affected_province(data.scope),
           data={"day": data.day.isoformat(), "kind": data.kind, "scope": data.scope, "document": data.document,
                 "recomputed": recomputed})
    return CalendarChange(row, recomputed)


def _insert_once(session: Session, row: CalendarAnnouncement) -> None:
    """Insert under the (day, scope) unique constraint, in a savepoint: the same announcement recorded twice — a
    second click, a second tab, the CLI and the web at once — is the calendar's "already recorded" error (422),
    never an IntegrityError (issue 13, finding 19; house rule 4: the constraint decides, not a check before)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        first = session.scalar(select(CalendarAnnouncement).where(CalendarAnnouncement.day == row.day,
                                                                  CalendarAnnouncement.scope == row.scope))
        document = first.document if first is not None else row.document
        message = f"Ngày {row.day:%d/%m/%Y} đã được thông báo theo {document}; không ghi trùng."
        raise AnnouncementAlreadyRecorded(message, fields={"day": message}) from exc


def _provinces_with_records(session: Session) -> list[str | None]:
    scopes = session.scalars(select(CalendarAnnouncement.scope).distinct()).all()
    return [None, *sorted(s for s in scopes if s != NATIONAL)]


def withdraw_announcement(session: Session, *, actor: Principal, announcement_id: int, reason: str,
                          now: datetime) -> CalendarChange:
    """Remove a record entered by mistake (the audit log keeps what it said and why it was withdrawn)."""
    row = session.get(CalendarAnnouncement, announcement_id)
    if row is None or (actor.kind != "system" and row.scope not in (NATIONAL, actor.province_code)):
        raise NotFound()
    _check_admin(actor, row.scope)
    if not reason.strip():
        raise ValidationFailed("Vui lòng ghi lý do hủy thông báo.", fields={"reason": "Bắt buộc."})
    snapshot = {"day": row.day.isoformat(), "kind": row.kind, "scope": row.scope, "document": row.document}
    scope = row.scope
    session.delete(row)
    session.flush()
    recomputed = recompute_due_dates(session, _affected_province(scope), now)
    record(session, actor=actor, action="calendar.announcement_withdrawn", now=now,
           object_kind="calendar_announcement", object_id=announcement_id, province_code=_affected_province(scope),
           data={**snapshot, "reason": reason.strip(), "recomputed": recomputed})
    return CalendarChange(None, recomputed)


def set_working_hours(session: Session, *, actor: Principal, province_code: str, spec: str,
                      now: datetime) -> CalendarChange:
    """Giờ làm việc of a province (counts working-hour limits, Art. 17(2)); open dossiers are recomputed."""
    _check_admin(actor, province_code)
    try:
        hours = WorkingHours.parse(spec)
    except CalendarError as exc:
        raise ValidationFailed(exc.message, fields={"intervals": exc.message}) from exc
    canonical = ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in hours.intervals)
    row = session.get(ProvinceWorkingHours, province_code)
    if row is None:
        session.add(ProvinceWorkingHours(province_code=province_code, intervals=canonical, updated_at=now))
    else:
        row.intervals, row.updated_at = canonical, now
    session.flush()
    recomputed = recompute_due_dates(session, province_code, now)
    record(session, actor=actor, action="calendar.working_hours_set", now=now, object_kind="province",
           object_id=province_code, province_code=province_code,
           data={"intervals": canonical, "recomputed": recomputed})
    return CalendarChange(None, recomputed)
