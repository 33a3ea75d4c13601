"""The working-day calendar (lịch ngày làm việc) of one province.

A day is a working day (ngày làm việc) when it is Monday–Friday and not a public holiday (Labour Code 2019
Art. 112, with Art. 111(3) "nghỉ bù" for a holiday on a weekend), unless an announcement makes it a day off;
a Saturday or Sunday is a working day only when announced as a make-up day (ngày làm bù) or swapped by the
``holidays`` package. Opening a centre on Saturday morning does not make Saturday a working day (docs/legal.md §4;
see ``hours.OpeningHours``).

Design: everything is precomputed once for the supported range into arrays indexed by day offset —
``is_workday`` and the cumulative count of working days — plus the sorted list of working days. "Add n
working days" is then two index look-ups (scalar: Python lists; vectorised: numpy gathers), O(1) per date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from motcua.calendar.announcements import Announcement, shipped_announcements
from motcua.calendar.errors import AnnouncementConflict, CalendarError, CalendarRangeError, InvalidDates
from motcua.calendar.holidays_vn import WEEKEND, statutory_calendar
from motcua.kit.numbers import is_ascii_digits

SUPPORTED_FIRST = date(2020, 1, 1)
SUPPORTED_LAST = date(2035, 12, 31)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

DayKind = Literal["workday", "weekend", "holiday", "announced_day_off", "make_up_workday"]


@dataclass(frozen=True)
class DayInfo:
    """Why a day is or is not a working day, with the name and legal source to show an officer."""

    day: date
    kind: DayKind
    is_workday: bool
    name: str | None = None
    document: str | None = None


class WorkCalendar:
    """Working days of one province (national rules + national and that province's announcements).

    ``announcements=None`` means the shipped ones (``announcements.json``); pass an explicit iterable to
    combine them with an administrator's records, e.g. ``[*shipped_announcements(), *rows]``. Announcements
    for other provinces are ignored; those outside ``first..last`` are ignored too (no date outside the
    range can be asked for).
    """

    __slots__ = (
        "_announced",
        "_before",
        "_before_list",
        "_first_epoch",
        "_first_ord",
        "_holidays",
        "_is_work",
        "_is_work_list",
        "_n_days",
        "_n_work",
        "_package_workdays",
        "_work_epoch",
        "_work_ord_list",
        "first",
        "last",
        "province",
    )

    def __init__(
        self,
        province: str | None = None,
        announcements: Iterable[Announcement] | None = None,
        *,
        first: date = SUPPORTED_FIRST,
        last: date = SUPPORTED_LAST,
    ) -> None:
        if first > last:
            raise CalendarRangeError(
                f"calendar range is empty: {first} > {last}",
                "Khoảng thời gian của lịch không hợp lệ (ngày đầu sau ngày cuối).",
            )
        if province is not None and not (len(province) == 2 and is_ascii_digits(province)):
            raise CalendarError(
                f"province must be a two-digit code (Decision 19/2025/QĐ-TTg) or None, got {province!r}",
                f"Mã tỉnh không hợp lệ: {province!r}.",
            )
        self.province = province
        self.first = first
        self.last = last
        statutory = statutory_calendar(first.year, last.year)
        self._holidays = statutory.holidays
        self._package_workdays = statutory.weekend_workdays
        chosen = shipped_announcements() if announcements is None else tuple(announcements)
        self._announced = self._check_announcements(chosen)

        self._first_ord = first.toordinal()
        self._first_epoch = self._first_ord - _EPOCH_ORDINAL
        self._n_days = last.toordinal() - self._first_ord + 1
        flags = [self._base_workday(first + timedelta(days=i)) for i in range(self._n_days)]
        for day, ann in self._announced.items():
            flags[day.toordinal() - self._first_ord] = ann.kind == "make_up_workday"

        is_work = np.array(flags, dtype=np.bool_)
        cumulative = np.cumsum(is_work, dtype=np.int64)
        before = cumulative - is_work  # working days strictly before a day == index of its roll-forward day
        work_offsets = np.flatnonzero(is_work).astype(np.int64)
        self._is_work: npt.NDArray[np.bool_] = is_work
        self._before: npt.NDArray[np.int64] = before
        self._work_epoch: npt.NDArray[np.int64] = work_offsets + self._first_epoch
        self._n_work = int(work_offsets.size)
        self._is_work_list: list[bool] = flags
        self._before_list: list[int] = before.tolist()
        self._work_ord_list: list[int] = (work_offsets + self._first_ord).tolist()

    # ----------------------------------------------------------------------------------------- construction

    def _base_workday(self, day: date) -> bool:
        if day in self._holidays:
            return False
        return day.weekday() not in WEEKEND or day in self._package_workdays

    def _package_has(self, ann: Announcement) -> bool:
        if ann.kind == "day_off":
            return ann.day in self._holidays
        return ann.day in self._package_workdays

    def _check_announcements(self, announcements: Iterable[Announcement]) -> dict[date, Announcement]:
        """Reject contradictions rather than guess which document wins (an officer corrects the record)."""
        by_day: dict[date, Announcement] = {}
        shipped = set(shipped_announcements())
        for ann in dict.fromkeys(announcements):  # identical records are one announcement
            if not ann.applies_to(self.province) or not (self.first <= ann.day <= self.last):
                continue
            if ann in shipped and self._package_has(ann):
                # A newer ``holidays`` release caught up with a swap we ship: nothing left to apply.
                continue
            when = f"{ann.day:%d/%m/%Y}"
            other = by_day.get(ann.day)
            if other is not None:
                if other.kind != ann.kind:
                    raise AnnouncementConflict(
                        f"{ann.day.isoformat()} is announced both as a day off and as a make-up working day "
                        f"({other.document} [{other.scope}] vs {ann.document} [{ann.scope}])",
                        f"Ngày {when} vừa được thông báo là ngày nghỉ vừa là ngày làm bù "
                        f"({other.document} và {ann.document}).",
                    )
                raise AnnouncementConflict(
                    f"{ann.day.isoformat()} is announced twice as {ann.kind} "
                    f"({other.document} [{other.scope}] and {ann.document} [{ann.scope}])",
                    f"Ngày {when} đã được thông báo theo {other.document}; không ghi trùng.",
                )
            holiday = self._holidays.get(ann.day)
            base_work = self._base_workday(ann.day)
            if ann.kind == "day_off":
                if holiday is not None:
                    raise AnnouncementConflict(
                        f"day off announced on {ann.day.isoformat()} ({ann.document}) which is already a "
                        f"public holiday: {holiday}",
                        f"Ngày {when} đã là ngày nghỉ lễ ({holiday}); "
                        f"không cần thông báo nghỉ ({ann.document}).",
                    )
                if not base_work:
                    raise AnnouncementConflict(
                        f"day off announced on {ann.day.isoformat()} ({ann.document}) which is already a "
                        "weekend day",
                        f"Ngày {when} đã là ngày nghỉ cuối tuần; không cần thông báo nghỉ ({ann.document}).",
                    )
            else:
                if holiday is not None:
                    raise AnnouncementConflict(
                        f"make-up working day announced on {ann.day.isoformat()} ({ann.document}) which is a "
                        f"public holiday: {holiday}",
                        f"Ngày {when} là ngày nghỉ lễ ({holiday}), "
                        f"không thể là ngày làm bù ({ann.document}).",
                    )
                if base_work:
                    raise AnnouncementConflict(
                        f"make-up working day announced on {ann.day.isoformat()} ({ann.document}) which is "
                        f"already a working day",
                        f"Ngày {when} vốn đã là ngày làm việc; không thể là ngày làm bù ({ann.document}).",
                    )
            by_day[ann.day] = ann
        return by_day

    # ----------------------------------------------------------------------------------------- scalar API

    def _offset(self, day: date) -> int:
        if isinstance(day, datetime):
            raise InvalidDates(
                f"expected a date, got the datetime {day!r}: convert it to Vietnamese local time first",
                "Cần một ngày (không kèm giờ); hãy đổi thời điểm sang giờ Việt Nam trước.",
            )
        i = day.toordinal() - self._first_ord
        if i < 0 or i >= self._n_days:
            raise self._out_of_range(day)
        return i

    def _out_of_range(self, day: date | None = None) -> CalendarRangeError:
        what = f"{day.isoformat()} is" if day is not None else "the result is"
        shown = f"Ngày {day:%d/%m/%Y}" if day is not None else "Kết quả tính hạn"
        return CalendarRangeError(
            f"{what} outside the supported calendar {self.first.isoformat()}..{self.last.isoformat()}",
            f"{shown} nằm ngoài khoảng lịch được hỗ trợ ({self.first:%d/%m/%Y}–{self.last:%d/%m/%Y}).",
        )

    def is_workday(self, day: date) -> bool:
        return self._is_work_list[self._offset(day)]

    def roll_forward(self, day: date) -> date:
        """The day itself if it is a working day, else the next working day (Civil Code 2015 Art. 148(5))."""
        return self.add_working_days(day, 0)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day``; a non-working ``day`` first rolls forward to a working day.

        Why rolling: a dossier received on a non-working day counts from the next working time (docs/legal.md §4),
        and the first day is not counted (Civil Code 2015 Art. 147(2)). Same as
        ``numpy.busday_offset(roll="forward")``.
        """
        i = day.toordinal() - self._first_ord
        if i < 0 or i >= self._n_days or isinstance(day, datetime):
            self._offset(day)  # raises the right typed error
        k = self._before_list[i] + n
        if k < 0 or k >= self._n_work:
            raise self._out_of_range()
        return date.fromordinal(self._work_ord_list[k])

    def count_working_days(self, start: date, end: date) -> int:
        """Working days in ``(start, end]`` — the first day is not counted (Civil Code 2015 Art. 147(2))."""
        i, j = self._offset(start), self._offset(end)
        return (self._before_list[j] + self._is_work_list[j]) - (self._before_list[i] + self._is_work_list[i])

    def working_days_before(self, day: date) -> int:
        """Working days from the first supported day up to, not including, ``day`` (the clock position)."""
        return self._before_list[self._offset(day)]

    def working_day_at(self, k: int) -> date:
        """The working day at position ``k`` (inverse of ``working_days_before`` on working days)."""
        if k < 0 or k >= self._n_work:
            raise self._out_of_range()
        return date.fromordinal(self._work_ord_list[k])

    def describe(self, day: date) -> DayInfo:
        i = self._offset(day)
        ann = self._announced.get(day)
        if ann is not None:
            kind: DayKind = "make_up_workday" if ann.kind == "make_up_workday" else "announced_day_off"
            return DayInfo(day, kind, self._is_work_list[i], ann.note or None, ann.document)
        holiday = self._holidays.get(day)
        if holiday is not None:
            return DayInfo(day, "holiday", False, holiday, "Bộ luật Lao động 2019, Điều 111–112")
        if day in self._package_workdays:
            return DayInfo(day, "make_up_workday", True, "Ngày làm bù", "Lịch nghỉ lễ đã được Chính phủ công bố")
        if day.weekday() in WEEKEND:
            return DayInfo(day, "weekend", False)
        return DayInfo(day, "workday", True)

    def describe_range(self, start: date, end: date) -> list[DayInfo]:
        """Every day of ``start..end`` that is not an ordinary weekday/weekend (calendar page, audit)."""
        self._offset(start), self._offset(end)
        out: list[DayInfo] = []
        day = start
        while day <= end:
            info = self.describe(day)
            if info.kind not in ("workday", "weekend"):
                out.append(info)
            day += timedelta(days=1)
        return out

    @property
    def announcements(self) -> tuple[Announcement, ...]:
        """The announcements in force in this calendar, by date."""
        return tuple(self._announced[d] for d in sorted(self._announced))

    def non_working_weekdays(self) -> list[date]:
        """Monday–Friday days that are not working days (numpy busday ``holidays=``)."""
        return [
            date.fromordinal(self._first_ord + i)
            for i in range(self._n_days)
            if not self._is_work_list[i] and (self._first_ord + i - 1) % 7 < 5
        ]

    def weekend_workdays(self) -> list[date]:
        """Saturdays/Sundays that are working days — what a numpy weekmask cannot express."""
        return [
            date.fromordinal(self._first_ord + i)
            for i in range(self._n_days)
            if self._is_work_list[i] and (self._first_ord + i - 1) % 7 >= 5
        ]

    # ----------------------------------------------------------------------------------------- vectorised API

    def is_workday_array(self, dates: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return self._is_work[self._offsets(dates)]

    def add_working_days_array(self, dates: npt.ArrayLike, n: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
        """Vectorised ``add_working_days``: ``datetime64[D]`` dates, integer ``n`` (broadcast), same rules."""
        offsets = self._offsets(dates)
        steps = np.asarray(n)
        if steps.dtype.kind not in "iu":
            raise InvalidDates(
                f"the number of working days must be an integer array, got dtype {steps.dtype}",
                "Số ngày làm việc phải là số nguyên.",
            )
        k = self._before[offsets] + steps
        if k.size and (int(k.min()) < 0 or int(k.max()) >= self._n_work):
            raise self._out_of_range()
        return self._work_epoch[k].view("datetime64[D]")

    def _offsets(self, dates: npt.ArrayLike) -> npt.NDArray[np.int64]:
        arr = np.asarray(dates)
        if arr.dtype != np.dtype("datetime64[D]"):
            raise InvalidDates(
                f"expected datetime64[D] dates, got dtype {arr.dtype}: "
                "convert instants to Vietnamese dates first",
                "Cần mảng ngày (datetime64[D]) theo giờ Việt Nam.",
            )
        offsets = arr.view(np.int64) - self._first_epoch
        if offsets.size and (int(offsets.min()) < 0 or int(offsets.max()) >= self._n_days):
            ordinal = int(offsets[(offsets < 0) | (offsets >= self._n_days)][0]) + self._first_ord
            valid = 1 <= ordinal <= date.max.toordinal()  # NaT and absurd values have no date to show
            shown = date.fromordinal(ordinal) if valid else None
            raise self._out_of_range(shown)
        return offsets

    def __repr__(self) -> str:
        scope = self.province or "national"
        span = f"{self.first.isoformat()}..{self.last.isoformat()}"
        return f"WorkCalendar({scope}, {span}, {self._n_work} working days)"


@lru_cache(maxsize=64)
def calendar_for(province: str | None = None) -> WorkCalendar:
    """The cached calendar of a province (or the national one) with the shipped announcements only."""
    return WorkCalendar(province)
