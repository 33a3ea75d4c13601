"""Giờ mở cửa: when a commune's centre receives citizens at its counters — the kiosk, the online booking and the
tickets by SMS or from the portal honour it.

Not the legal working hours: those (``calendar.hours.WorkingHours``, Decree 118's clock) stay as they are and never
move a due date. Opening hours are a week of sessions (morning and afternoon), a province's default and a commune's
own week that replaces it as a whole, closed on the legal calendar's holidays and announced days off
(``calendar.hours.OpeningHours`` reads the calendar through ``calendar.queries.calendar_for_province``). Without any
row the week is ``DEFAULT_WEEK``: Monday to Friday 07:30–11:30 and 13:30–17:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar.errors import CalendarError
from motcua.calendar.hours import VIETNAM_TZ, Interval, OpeningHours, to_vietnam_time
from motcua.calendar.queries import calendar_for_province
from motcua.db import affected_rows, dialect_insert
from motcua.kit.errors import Forbidden, ValidationFailed
from motcua.org.models import Commune
from motcua.queue.booking_models import QueueOpeningHours

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
MORNING: Interval = (time(7, 30), time(11, 30))
AFTERNOON: Interval = (time(13, 30), time(17, 0))
DEFAULT_WEEK: tuple[tuple[Interval, ...], ...] = ((MORNING, AFTERNOON),) * 5 + ((), ())
#: How far ahead "opens next" looks (a Tết break is at most 9 days).
LOOKAHEAD_DAYS = 21


class CentreClosed(ValidationFailed):
    code = "centre_closed"


@dataclass(frozen=True)
class Week:
    """The week a commune's centre keeps and where it comes from: ``commune``, ``province`` or ``default``."""

    days: tuple[tuple[Interval, ...], ...]
    source: str

    @property
    def opening(self) -> OpeningHours:
        return OpeningHours(weekly=self.days)


def format_intervals(intervals: Sequence[Interval]) -> str:
    return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in intervals)


def _parse(spec: str) -> tuple[Interval, ...]:
    out = []
    for part in filter(None, spec.split(",")):
        start, end = part.split("-")
        out.append((time.fromisoformat(start), time.fromisoformat(end)))
    return tuple(out)


def _stored_week(session: Session, scope: str) -> tuple[tuple[Interval, ...], ...] | None:
    rows = {r.weekday: r.intervals for r in session.scalars(
        select(QueueOpeningHours).where(QueueOpeningHours.scope == scope))}
    if not rows:
        return None
    return tuple(_parse(rows.get(i, "")) for i in range(7))


def province_week(session: Session, province_code: str) -> Week:
    days = _stored_week(session, province_code)
    return Week(DEFAULT_WEEK, "default") if days is None else Week(days, "province")


def week_of(session: Session, commune: Commune) -> Week:
    """The commune's own week, else its province's default, else ``DEFAULT_WEEK``."""
    days = _stored_week(session, commune.code)
    return province_week(session, commune.province_code) if days is None else Week(days, "commune")


def sessions_on(session: Session, commune: Commune, day: date, week: Week | None = None) -> tuple[Interval, ...]:
    """The sessions the centre keeps on ``day`` (Vietnam's date): none on a holiday or an announced day off; a make-up
    working day (ngày làm bù) on a weekend keeps Monday's sessions."""
    week = week if week is not None else week_of(session, commune)
    try:
        return week.opening.intervals_on(day, calendar_for_province(session, commune.province_code))
    except CalendarError:  # outside the years the calendar knows: no one can say it is open
        return ()


def is_open(session: Session, commune: Commune, instant: datetime) -> bool:
    local = to_vietnam_time(instant)
    return any(s <= local.time() < e for s, e in sessions_on(session, commune, local.date()))


def next_opening(session: Session, commune: Commune, instant: datetime) -> datetime | None:
    """The first instant at or after ``instant`` when the centre is open (Vietnam time), or None within three weeks."""
    local = to_vietnam_time(instant)
    week = week_of(session, commune)
    for k in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=k)
        for start, end in sessions_on(session, commune, day, week):
            opens = datetime.combine(day, start, tzinfo=VIETNAM_TZ)
            closes = datetime.combine(day, end, tzinfo=VIETNAM_TZ)
            if closes > local:
                return max(opens, local)
    return None


def when_text(moment: datetime) -> str:
    """``07:30 Thứ Hai, 14/12/2026`` (Vietnam time)."""
    local = to_vietnam_time(moment)
    return f"{local:%H:%M} {WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"


def closed_message(session: Session, commune: Commune, now: datetime) -> str | None:
    """None while the centre is open; else what the kiosk says: closed now, and when it opens next."""
    if is_open(session, commune, now):
        return None
    opens = next_opening(session, commune, now)
    tail = (f" Trung tâm mở cửa lại lúc {when_text(opens)}." if opens is not None
            else " Vui lòng xem lịch mở cửa của Trung tâm.")
    return f"Trung tâm Phục vụ hành chính công {commune.name} hiện ngoài giờ tiếp nhận nên chưa cấp số.{tail}"


def check_open(session: Session, commune: Commune, now: datetime) -> None:
    """Tickets are issued only while the centre is open (the kiosk, SMS and the portal alike)."""
    message = closed_message(session, commune, now)
    if message is not None:
        raise CentreClosed(message)


# ------------------------------------------------------------------------------------------------ the writer


def parse_week(values: dict[str, str]) -> tuple[tuple[tuple[Interval, ...], ...], dict[str, str]]:
    """The hours form: per weekday ``open_{i}`` ("1" when open) and ``am_start_{i}``, ``am_end_{i}``,
    ``pm_start_{i}``, ``pm_end_{i}`` (HH:MM; a session left empty is not kept). Returns the week and the errors."""
    week: list[tuple[Interval, ...]] = []
    errors: dict[str, str] = {}
    for i, name in enumerate(WEEKDAYS):
        if values.get(f"open_{i}") != "1":
            week.append(())
            continue
        day: list[Interval] = []
        for part, label in (("am", "buổi sáng"), ("pm", "buổi chiều")):
            raw_start, raw_end = values.get(f"{part}_start_{i}", "").strip(), values.get(f"{part}_end_{i}", "").strip()
            if not raw_start and not raw_end:
                continue
            try:
                start, end = time.fromisoformat(raw_start), time.fromisoformat(raw_end)
                if len(raw_start) != 5 or len(raw_end) != 5:
                    raise ValueError(raw_start)
            except ValueError:
                errors[f"{part}_start_{i}"] = f"{name}, {label}: giờ phải có dạng GG:PP, ví dụ 07:30."
                continue
            if start >= end:
                errors[f"{part}_start_{i}"] = f"{name}, {label}: giờ đóng cửa phải sau giờ mở cửa."
                continue
            if day and start < day[-1][1]:
                errors[f"{part}_start_{i}"] = f"{name}: buổi chiều phải bắt đầu sau khi buổi sáng kết thúc."
                continue
            day.append((start, end))
        if not day and f"am_start_{i}" not in errors and f"pm_start_{i}" not in errors:
            errors[f"am_start_{i}"] = f"{name} được đánh dấu mở cửa: vui lòng nhập giờ của ít nhất một buổi."
        week.append(tuple(day))
    if not errors and not any(week):
        errors["form"] = "Trung tâm phải mở cửa ít nhất một ngày trong tuần."
    return tuple(week), errors


def _check_editor(actor: Principal, *, province_code: str, commune_code: str | None) -> None:
    if actor.kind == "system":
        return
    if not actor.has_role(Role.ADMIN) or actor.province_code != province_code:
        raise Forbidden("Chỉ quản trị viên được thiết lập giờ mở cửa.")
    if commune_code is None and not actor.is_province_level:
        raise Forbidden("Chỉ quản trị viên cấp tỉnh được đặt giờ mở cửa mặc định của tỉnh.")
    if commune_code is not None and actor.commune_code != commune_code:
        raise Forbidden("Chỉ quản trị viên của xã được đặt giờ mở cửa riêng của xã.")


def set_week(session: Session, *, actor: Principal, province_code: str, commune: Commune | None,
             week: Sequence[Sequence[Interval]], now: datetime) -> None:
    """Set a province's default week (``commune`` None) or a commune's own; one upsert per weekday; audited."""
    if len(week) != 7:
        raise ValidationFailed("Giờ mở cửa phải khai báo đủ 7 ngày trong tuần.")
    try:
        OpeningHours(weekly=tuple(tuple(d) for d in week))  # the calendar's own checks: ordered, not overlapping
    except CalendarError as exc:
        raise ValidationFailed(exc.message) from exc
    commune_code = commune.code if commune is not None else None
    _check_editor(actor, province_code=province_code, commune_code=commune_code)
    scope = commune_code or province_code
    rows = [{"scope": scope, "weekday": i, "intervals": format_intervals(day), "updated_at": now,
             "updated_by_id": actor.officer_id} for i, day in enumerate(week)]
    upsert = dialect_insert(session, QueueOpeningHours)
    session.execute(upsert.on_conflict_do_update(
        index_elements=[QueueOpeningHours.scope, QueueOpeningHours.weekday],
        set_={"intervals": upsert.excluded.intervals, "updated_at": upsert.excluded.updated_at,
              "updated_by_id": upsert.excluded.updated_by_id}), rows)
    record(session, actor=actor, action="queue.hours_set", now=now, object_kind="queue_opening_hours",
           object_id=scope, province_code=province_code, commune_code=commune_code,
           data={WEEKDAYS[i]: format_intervals(day) for i, day in enumerate(week)})


def reset_commune_week(session: Session, *, actor: Principal, commune: Commune, now: datetime) -> bool:
    """The commune goes back to the province's default week. True when it had its own."""
    _check_editor(actor, province_code=commune.province_code, commune_code=commune.code)
    removed = affected_rows(session, delete(QueueOpeningHours).where(QueueOpeningHours.scope == commune.code))
    if removed:
        record(session, actor=actor, action="queue.hours_reset", now=now, object_kind="queue_opening_hours",
               object_id=commune.code, province_code=commune.province_code, commune_code=commune.code, data={})
    return bool(removed)
