"""Working hours (giờ làm việc), a centre's opening hours (giờ tiếp nhận hồ sơ) and the working-time clock.

Why hours matter: Decree 118/2025 Art. 17(2) counts online receipt in **working hours** (accept or ask for a
supplement within 8 working hours; staff alerted within 2 hours) and Art. 24(3) moves online fees within 8
working hours; Civil Code 2015 Art. 147(1) starts a term in hours at the very instant it is set. Working hours
are set per province by the provincial People's Committee (default 07:30–11:30 and 13:00–17:00, 8 hours).

The clock: every instant maps to a *working position* — microseconds of working time elapsed since the first
supported day. Adding a working duration or measuring one between two instants is arithmetic on positions, and
mapping a position back to an instant is O(1) (working-day index + the day's intervals). Between intervals
(lunch, night, weekends) the position does not move; mapped back, a position lands on the *earliest* instant
(the end of an interval, never the start of the next), so "8 working hours from 07:30" ends at 17:00 that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from motcua.calendar.errors import InvalidWorkingHours, NaiveDatetimeError
from motcua.calendar.workdays import WorkCalendar

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
"""Indochina Time, UTC+7, no daylight saving since 1975: every legal time in this package is read here."""

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND

Interval = tuple[time, time]
DEFAULT_INTERVALS: tuple[Interval, ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _time(us: int) -> time:
    seconds, micro = divmod(us, US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


def _check_intervals(intervals: Sequence[Interval], what: str) -> tuple[Interval, ...]:
    checked = tuple((start, end) for start, end in intervals)
    previous_end: time | None = None
    for start, end in checked:
        if not isinstance(start, time) or not isinstance(end, time) or start.tzinfo or end.tzinfo:
            raise InvalidWorkingHours(
                f"{what}: interval bounds must be naive local times, got {start!r}-{end!r}",
                f"{what}: giờ bắt đầu/kết thúc phải là giờ địa phương.",
            )
        if start >= end:
            raise InvalidWorkingHours(
                f"{what}: interval {start:%H:%M}-{end:%H:%M} is empty or runs backwards",
                f"{what}: khung giờ {start:%H:%M}–{end:%H:%M} không hợp lệ.",
            )
        if previous_end is not None and start < previous_end:
            raise InvalidWorkingHours(
                f"{what}: interval {start:%H:%M}-{end:%H:%M} overlaps or is out of order",
                f"{what}: khung giờ {start:%H:%M}–{end:%H:%M} chồng lấn hoặc sai thứ tự.",
            )
        previous_end = end
    return checked


def parse_intervals(spec: str | Iterable[str]) -> tuple[Interval, ...]:
    """``"07:30-11:30,13:00-17:00"`` (or a list of ``"HH:MM-HH:MM"``), as a setting or admin page holds it."""
    parts = [p.strip() for p in spec.split(",")] if isinstance(spec, str) else [p.strip() for p in spec]
    out: list[Interval] = []
    for part in filter(None, parts):
        try:
            start_s, end_s = part.split("-")
            out.append((time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())))
        except ValueError as exc:
            raise InvalidWorkingHours(
                f"cannot read the interval {part!r}; expected HH:MM-HH:MM",
                f"Không đọc được khung giờ {part!r}; cần dạng GG:PP-GG:PP.",
            ) from exc
    return tuple(out)


@dataclass(frozen=True)
class WorkingHours:
    """Working hours of a province's state bodies, the same on every working day (make-up days included)."""

    intervals: tuple[Interval, ...] = DEFAULT_INTERVALS
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _ends: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _before: tuple[int, ...] = field(init=False, repr=False, compare=False)
    day_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        intervals = _check_intervals(self.intervals, "Working hours")
        if not intervals:
            raise InvalidWorkingHours(
                "working hours need at least one interval",
                "Chưa khai báo giờ làm việc.",
            )
        starts = tuple(_us(s) for s, _ in intervals)
        ends = tuple(_us(e) for _, e in intervals)
        before: list[int] = []
        total = 0
        for s, e in zip(starts, ends, strict=True):
            before.append(total)
            total += e - s
        object.__setattr__(self, "intervals", intervals)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_before", tuple(before))
        object.__setattr__(self, "day_us", total)

    @classmethod
    def parse(cls, spec: str | Iterable[str]) -> WorkingHours:
        return cls(parse_intervals(spec))

    @property
    def opening(self) -> time:
        return self.intervals[0][0]

    @property
    def closing(self) -> time:
        return self.intervals[-1][1]

    @property
    def day_length(self) -> timedelta:
        return timedelta(microseconds=self.day_us)

    def elapsed(self, t: time) -> int:
        """Working microseconds of a working day that have passed at local time ``t``."""
        us = _us(t)
        done = 0
        for s, e in zip(self._starts, self._ends, strict=True):
            if us <= s:
                break
            done += min(us, e) - s
        return done

    def time_at(self, elapsed_us: int) -> time:
        """The earliest local time at which ``elapsed_us`` (0 < · ≤ day) of the working day have passed."""
        for s, e, before in zip(self._starts, self._ends, self._before, strict=True):
            if elapsed_us <= before + (e - s):
                return _time(s + max(elapsed_us - before, 0))
        return self.closing

    def contains(self, t: time) -> bool:
        us = _us(t)
        return any(s <= us < e for s, e in zip(self._starts, self._ends, strict=True))


DEFAULT_WORKING_HOURS = WorkingHours()


# --------------------------------------------------------------------------------------------- working clock


def to_vietnam_time(instant: datetime) -> datetime:
    """The instant in Asia/Ho_Chi_Minh; a naive datetime is refused (its instant is unknown)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(
            f"naive datetime {instant.isoformat()}: pass an aware datetime (UTC or Asia/Ho_Chi_Minh)",
            "Thời điểm thiếu múi giờ; cần thời điểm có múi giờ (UTC hoặc giờ Việt Nam).",
        )
    return instant.astimezone(VIETNAM_TZ)


def working_position(instant: datetime, calendar: WorkCalendar, hours: WorkingHours) -> int:
    """Working microseconds elapsed from the calendar's first day to ``instant``."""
    local = to_vietnam_time(instant)
    day = local.date()
    position = calendar.working_days_before(day) * hours.day_us
    if calendar.is_workday(day):
        position += hours.elapsed(local.time())
    return position


def instant_at(position: int, calendar: WorkCalendar, hours: WorkingHours) -> datetime:
    """The earliest instant (Vietnamese local, aware) whose working position is ``position``."""
    k, rest = divmod(position, hours.day_us)
    if rest == 0 and k > 0:
        return datetime.combine(calendar.working_day_at(k - 1), hours.closing, tzinfo=VIETNAM_TZ)
    return datetime.combine(calendar.working_day_at(k), hours.time_at(rest), tzinfo=VIETNAM_TZ)


def add_working_time(
    instant: datetime, duration_us: int, calendar: WorkCalendar, hours: WorkingHours
) -> datetime:
    """``instant`` plus a working duration: time outside working hours does not count (Art. 17(2))."""
    if duration_us == 0:
        return to_vietnam_time(instant)
    return instant_at(working_position(instant, calendar, hours) + duration_us, calendar, hours)


def working_time_between(start: datetime, end: datetime, calendar: WorkCalendar, hours: WorkingHours) -> int:
    """Working microseconds from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return working_position(end, calendar, hours) - working_position(start, calendar, hours)


def next_working_time(instant: datetime, calendar: WorkCalendar, hours: WorkingHours) -> datetime:
    """``instant`` if inside working hours of a working day, else the start of the next working interval.

    Why: a dossier received outside working time is counted from the next working time (docs/legal.md §4).
    """
    local = to_vietnam_time(instant)
    day = local.date()
    if calendar.is_workday(day):
        us = _us(local.time())
        for s, e in zip(hours._starts, hours._ends, strict=True):
            if us < e:
                return local if us >= s else datetime.combine(day, _time(s), tzinfo=VIETNAM_TZ)
        day = calendar.add_working_days(day, 1)
    else:
        day = calendar.roll_forward(day)
    return datetime.combine(day, hours.opening, tzinfo=VIETNAM_TZ)


# --------------------------------------------------------------------------------------------- opening hours


@dataclass(frozen=True)
class OpeningHours:
    """When a centre's counters serve citizens — which is **not** the same as working days.

    Why separate: some centres open on Saturday mornings by local decision, yet public servants do not
    work Saturdays and deadlines count only working days (docs/legal.md §4); opening hours never change a due
    date. Closed on public holidays and announced days off; on a make-up working day (ngày làm bù) the
    counters keep ``make_up_day`` hours (default: Monday's).
    """

    weekly: tuple[tuple[Interval, ...], ...]
    make_up_day: tuple[Interval, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise InvalidWorkingHours(
                f"opening hours need 7 weekdays (Monday first), got {len(self.weekly)}",
                "Giờ tiếp nhận phải khai báo đủ 7 ngày trong tuần.",
            )
        names = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
        weekly = tuple(
            _check_intervals(day, f"Opening hours ({names[i]})") for i, day in enumerate(self.weekly)
        )
        object.__setattr__(self, "weekly", weekly)
        if self.make_up_day is not None:
            make_up = _check_intervals(self.make_up_day, "Opening hours (làm bù)")
            object.__setattr__(self, "make_up_day", make_up)

    @classmethod
    def standard(
        cls, hours: WorkingHours = DEFAULT_WORKING_HOURS, saturday: Sequence[Interval] = ()
    ) -> OpeningHours:
        """Working hours Monday–Friday, optionally Saturday (e.g. 07:30–11:30), closed Sunday."""
        return cls(weekly=(*(hours.intervals,) * 5, tuple(saturday), ()))

    @classmethod
    def from_mapping(cls, days: Mapping[int, Sequence[Interval]]) -> OpeningHours:
        """``{weekday (0 = Monday): intervals}``; absent weekdays are closed."""
        return cls(weekly=tuple(tuple(days.get(i, ())) for i in range(7)))

    def intervals_on(self, day: date, calendar: WorkCalendar) -> tuple[Interval, ...]:
        info = calendar.describe(day)
        if info.kind in ("holiday", "announced_day_off"):
            return ()
        if info.kind == "make_up_workday" and day.weekday() >= 5:
            return self.make_up_day if self.make_up_day is not None else self.weekly[0]
        return self.weekly[day.weekday()]

    def is_open(self, instant: datetime, calendar: WorkCalendar) -> bool:
        local = to_vietnam_time(instant)
        t = local.time()
        return any(s <= t < e for s, e in self.intervals_on(local.date(), calendar))
