"""Due dates of administrative procedures (hạn giải quyết, ngày hẹn trả kết quả).

Rules and the choices made where the law leaves one:

* The clock runs from receipt of a complete dossier, the time printed on the receipt (Decree 118/2025 Art. 17(3)).
  A receipt outside working time (after closing, on a weekend, holiday or announced day off) counts from the
  next working time (docs/legal.md §4) — for every unit.
* Terms in days, months: the first day is not counted (Civil Code 2015 Art. 147(2)); a month term ends on the
  corresponding day of the last month, or that month's last day if it has none (Art. 148(3)); a term whose last
  day is not a working day ends at the end of the next working day (Art. 148(5)).
* Terms in hours start at the instant itself (Art. 147(1)) and only working hours count (Decree 118 Art. 17(2)).
* **Due instant convention: the end of the office day** (the closing time of the province's working hours,
  default 17:00 local) of the due date, not 24:00. Civil Code Art. 148(6) ends a *day* at 24:00, but the receipt
  (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) prints a date *and* time to collect the result, which the centre can
  only honour while it is open; the national portal counts on-time against that appointment; and a term in
  working hours that runs out on the same day ends at the closing time too, so all units agree. A caller that
  needs the Civil Code instant takes ``due_date`` and adds a day at 00:00.
* Same-day procedures (trả trong ngày, e.g. chứng thực): received by 15:00 on a working day → the end of that
  day; received after 15:00 (strictly later than 15:00:00) → the end of the next working day (docs/legal.md §4).
* Paper transfer to the competent body: the same working day, or the *start* of the next working day if received
  after 15:00 (Decree 118/2025 Art. 18, 20(2)) — ``paper_transfer_deadline``.

Every instant is read in Asia/Ho_Chi_Minh and returned as an aware UTC datetime (house rule 5).
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from motcua.calendar.errors import CalendarRangeError, InvalidTimeLimit, NegativeTimeLimit, UnknownTimeUnit
from motcua.calendar.hours import (
    DEFAULT_WORKING_HOURS,
    US_PER_HOUR,
    VIETNAM_TZ,
    WorkingHours,
    add_working_time,
    to_vietnam_time,
)
from motcua.calendar.workdays import WorkCalendar

TimeUnit = Literal["working_days", "working_hours", "calendar_days", "same_day", "months"]
TIME_UNITS: frozenset[str] = frozenset(get_args(TimeUnit))
_WHOLE_UNITS = frozenset({"working_days", "calendar_days", "months"})

SAME_DAY_CUTOFF = time(15, 0)
"""Decree 118/2025 Art. 20(2) and practice for same-day procedures: after 15:00 the work moves to the next day."""

CATALOGUE_UNITS: dict[str, TimeUnit] = {
    "ngày làm việc": "working_days",
    "giờ": "working_hours",
    "giờ làm việc": "working_hours",
    "ngày": "calendar_days",
    "tháng": "months",
    "trong ngày": "same_day",
}
"""The catalogue's unit labels (docs/legal.md §4). "ngày" without "làm việc" means calendar days: Vietnamese legal
drafting says "ngày làm việc" whenever working days are meant. "giờ" in a procedure means working hours."""


@dataclass(frozen=True)
class TimeLimit:
    """A procedure's time limit (thời hạn giải quyết): an amount and a unit.

    Whole units (working days, calendar days, months) take whole amounts; working hours take a ``Decimal`` (e.g.
    1.5); ``same_day`` takes 0 or 1 ("trong ngày"). Floats are refused: a binary fraction is not a legal amount.
    """

    amount: int | Decimal
    unit: TimeUnit

    def __post_init__(self) -> None:
        if self.unit not in TIME_UNITS:
            raise UnknownTimeUnit(
                f"unknown time-limit unit {self.unit!r}; expected one of {sorted(TIME_UNITS)}",
                f"Đơn vị thời hạn không hợp lệ: {self.unit!r}.",
            )
        amount = self.amount
        if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
            raise InvalidTimeLimit(
                f"time-limit amount must be an int or Decimal, got {type(amount).__name__} {amount!r}",
                "Thời hạn phải là một số (nguyên hoặc thập phân chính xác).",
            )
        if isinstance(amount, Decimal) and not amount.is_finite():
            raise InvalidTimeLimit(f"time-limit amount {amount} is not finite", "Thời hạn không hợp lệ.")
        if amount < 0:
            raise NegativeTimeLimit(
                f"time limit cannot be negative: {amount} {self.unit}",
                f"Thời hạn không được là số âm ({amount}).",
            )
        if self.unit in _WHOLE_UNITS or self.unit == "same_day":
            if amount != int(amount):
                raise InvalidTimeLimit(
                    f"{self.unit} need a whole amount, got {amount}; express fractions in working_hours",
                    f"Thời hạn tính theo ngày/tháng phải là số nguyên ({amount}); hãy quy đổi ra giờ làm việc.",
                )
            object.__setattr__(self, "amount", int(amount))
        if self.unit == "same_day" and self.amount not in (0, 1):
            raise InvalidTimeLimit(
                f"a same-day limit takes amount 0 or 1, got {amount}",
                "Thời hạn trong ngày chỉ nhận giá trị 0 hoặc 1.",
            )
        if self.unit == "working_hours" and Decimal(amount) * US_PER_HOUR % 1:
            raise InvalidTimeLimit(
                f"{amount} working hours is finer than a microsecond",
                f"Thời hạn {amount} giờ quá chi tiết.",
            )

    @classmethod
    def from_catalogue(cls, amount: int | Decimal, label: str) -> TimeLimit:
        """From a catalogue row: amount and the Vietnamese unit label ("ngày làm việc", "giờ", "ngày", "tháng")."""
        unit = CATALOGUE_UNITS.get(" ".join(label.lower().split()))
        if unit is None:
            raise UnknownTimeUnit(
                f"unknown catalogue unit label {label!r}; expected one of {sorted(CATALOGUE_UNITS)}",
                f"Đơn vị thời hạn không hợp lệ: {label!r}.",
            )
        return cls(amount, unit)

    def working_us(self, hours: WorkingHours) -> int:
        """The limit as working microseconds — only for working units (step budgets, working-hour terms)."""
        if self.unit == "working_hours":
            return int(Decimal(self.amount) * US_PER_HOUR)
        if self.unit == "working_days":
            return int(self.amount) * hours.day_us
        raise InvalidTimeLimit(
            f"{self.unit} cannot be expressed as working time",
            "Chỉ thời hạn tính bằng ngày làm việc hoặc giờ làm việc mới quy đổi được ra thời gian làm việc.",
        )


def end_of_office_day(day: date, hours: WorkingHours = DEFAULT_WORKING_HOURS) -> datetime:
    """The due instant of a due date (see the module docstring: end of office hours, not 24:00)."""
    return datetime.combine(day, hours.closing, tzinfo=VIETNAM_TZ).astimezone(UTC)


def start_of_office_day(day: date, hours: WorkingHours = DEFAULT_WORKING_HOURS) -> datetime:
    return datetime.combine(day, hours.opening, tzinfo=VIETNAM_TZ).astimezone(UTC)


def receipt_day(receipt: datetime, calendar: WorkCalendar, hours: WorkingHours = DEFAULT_WORKING_HOURS) -> date:
    """The working day a receipt counts on: its own day until closing time, else the next working day."""
    local = to_vietnam_time(receipt)
    day = local.date()
    if calendar.is_workday(day):
        return day if local.time() < hours.closing else calendar.add_working_days(day, 1)
    return calendar.roll_forward(day)


def add_months(day: date, months: int) -> date:
    """Civil Code 2015 Art. 148(3): the corresponding day of the last month, or its last day if it has none."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def same_day_due_date(
    receipt: datetime,
    calendar: WorkCalendar,
    hours: WorkingHours = DEFAULT_WORKING_HOURS,
    cutoff: time = SAME_DAY_CUTOFF,
) -> date:
    """Same-day procedures: that working day if received by ``cutoff`` (15:00), else the next working day."""
    local = to_vietnam_time(receipt)
    day = local.date()
    if not calendar.is_workday(day):
        return calendar.roll_forward(day)
    t = local.time()
    return day if t <= cutoff and t < hours.closing else calendar.add_working_days(day, 1)


def due_date(
    receipt: datetime,
    limit: TimeLimit,
    calendar: WorkCalendar,
    hours: WorkingHours = DEFAULT_WORKING_HOURS,
    *,
    same_day_cutoff: time = SAME_DAY_CUTOFF,
) -> date:
    """The due date (ngày hẹn trả) in Vietnamese local time; see the module docstring for the rules."""
    unit = limit.unit
    if unit == "working_days":
        return calendar.add_working_days(receipt_day(receipt, calendar, hours), int(limit.amount))
    if unit == "same_day":
        return same_day_due_date(receipt, calendar, hours, same_day_cutoff)
    if unit == "working_hours":
        return to_vietnam_time(due_instant(receipt, limit, calendar, hours)).date()
    start = receipt_day(receipt, calendar, hours)
    amount = int(limit.amount)
    try:
        last = add_months(start, amount) if unit == "months" else start + timedelta(days=amount)
    except (OverflowError, ValueError) as exc:
        raise CalendarRangeError(
            f"{limit.amount} {unit} from {start.isoformat()} is beyond any calendar",
            "Thời hạn vượt quá khoảng lịch được hỗ trợ.",
        ) from exc
    return calendar.roll_forward(last)


def due_instant(
    receipt: datetime,
    limit: TimeLimit,
    calendar: WorkCalendar,
    hours: WorkingHours = DEFAULT_WORKING_HOURS,
    *,
    same_day_cutoff: time = SAME_DAY_CUTOFF,
) -> datetime:
    """The due instant (aware, UTC): end of the office day of ``due_date``; for working hours, the exact instant."""
    if limit.unit == "working_hours":
        return add_working_time(receipt, limit.working_us(hours), calendar, hours).astimezone(UTC)
    day = due_date(receipt, limit, calendar, hours, same_day_cutoff=same_day_cutoff)
    return end_of_office_day(day, hours)


def paper_transfer_deadline(
    received: datetime,
    calendar: WorkCalendar,
    hours: WorkingHours = DEFAULT_WORKING_HOURS,
    cutoff: time = SAME_DAY_CUTOFF,
) -> datetime:
    """Deadline to hand a paper dossier to the competent body (chuyển hồ sơ giấy, Decree 118 Art. 18, 20(2)).

    The same working day (its end of office hours); if received after 15:00, the start of the next working day
    (its opening time). A paper received on a non-working day is handled on the next working day.
    """
    local = to_vietnam_time(received)
    day = local.date()
    if not calendar.is_workday(day):
        return end_of_office_day(calendar.roll_forward(day), hours)
    t = local.time()
    if t <= cutoff and t < hours.closing:
        return end_of_office_day(day, hours)
    return start_of_office_day(calendar.add_working_days(day, 1), hours)


def add_working_days(
    dates: npt.NDArray[np.datetime64], n: npt.NDArray[np.integer], calendar: WorkCalendar
) -> npt.NDArray[np.datetime64]:
    """Vectorised working-day addition (``datetime64[D]``; non-working dates roll forward first).

    Same semantics as ``WorkCalendar.add_working_days`` and ``numpy.busday_offset(roll="forward")``, but it
    honours make-up Saturdays, which a numpy weekmask cannot express. Used for bulk recomputation of open
    dossiers after an announcement changes.
    """
    return calendar.add_working_days_array(dates, n)
