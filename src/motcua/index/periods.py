"""Periods of the service index: whole months, quarters, years or ranges of months, as ``?period=`` names them
(``2026-11``, ``2026-Q4``, ``2026-H1``, ``2026``, ``2026-01..2026-06``), as the national portal's Decision 766 page
offers them (month, quarter, six months, year, a range). Pure: what a period is, not what it scores."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from motcua.calendar import VIETNAM_TZ
from motcua.index.definitions import NoMetricSetInForce, all_metric_sets, metric_set_for
from motcua.kit.errors import ValidationFailed

#: The first whole month an index can be computed for: Decision 766/QĐ-TTg took effect on 23/6/2022.
FIRST_MONTH = date(2022, 7, 1)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$")


def add_months(month: date, n: int) -> date:
    """The first day of the month ``n`` months after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months ``[start, end)``: the rollups are monthly, as the national portal's reports are."""

    kind: str  # month | quarter | half | year | custom
    start: date
    end: date
    value: str
    current: date | None = None  # the month of "today" when the period was asked for (a period may reach past it)

    @property
    def last_month(self) -> date:
        """The period's last month that has begun: where a dossier still open is judged (Decision 766, 2.1)."""
        last = add_months(self.end, -1)
        return last if self.current is None else max(self.start, min(last, self.current))

    @property
    def label(self) -> str:
        last = add_months(self.end, -1)
        if self.kind == "month":
            return f"Tháng {self.start.month}/{self.start.year}"
        if self.kind == "quarter":
            return f"Quý {(self.start.month - 1) // 3 + 1}/{self.start.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.start.month == 1 else 'cuối'} năm {self.start.year}"
        if self.kind == "year":
            return f"Năm {self.start.year}"
        return f"Từ tháng {self.start.month}/{self.start.year} đến tháng {last.month}/{last.year}"

    @property
    def months(self) -> list[date]:
        out, month = [], self.start
        while month < self.end:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def start_instant(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)

    @property
    def end_instant(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)

    def previous(self) -> Period:
        span = len(self.months)
        start = add_months(self.start, -span)
        return Period(self.kind, start, self.start, period_value(self.kind, start, self.start), self.current)


def period_value(kind: str, start: date, end: date) -> str:
    """What ``?period=`` takes for the period of that kind starting at ``start`` and ending before ``end``."""
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if kind == "half":
        return f"{start.year}-H{1 if start.month == 1 else 2}"
    if kind == "year":
        return f"{start.year}"
    return f"{start:%Y-%m}..{add_months(end, -1):%Y-%m}"


def parse_period(value: str | None, today: date) -> Period:
    """``2026-11`` (month), ``2026-Q4`` (quarter), ``2026-H1`` (the first six months; ``H2`` the last six),
    ``2026`` (year), ``2026-01..2026-06`` (months, inclusive); empty: the current month."""
    period = _parse_period(value, today)
    if period.start < FIRST_MONTH or period.end > date(today.year + 1, 1, 1):
        raise ValidationFailed(f"Kỳ không hợp lệ: chỉ tính từ tháng {FIRST_MONTH.month}/{FIRST_MONTH.year} (Quyết định "
                               f"766/QĐ-TTg có hiệu lực 23/6/2022) đến hết năm {today.year}.",
                               fields={"period": "Ngoài phạm vi."})
    return replace(period, current=date(today.year, today.month, 1))


def _parse_period(value: str | None, today: date) -> Period:
    text = (value or "").strip()
    bad = ValidationFailed("Kỳ không hợp lệ: dùng dạng 2026-11, 2026-Q4, 2026-H1, 2026 hoặc 2026-01..2026-06.",
                           fields={"period": "Không hợp lệ."})
    try:
        if not text:
            start = date(today.year, today.month, 1)
            return Period("month", start, add_months(start, 1), f"{start:%Y-%m}")
        if m := _MONTH.match(text):
            start = date(int(m[1]), int(m[2]), 1)
            return Period("month", start, add_months(start, 1), text)
        if m := _QUARTER.match(text):
            start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return Period("quarter", start, add_months(start, 3), text)
        if m := _HALF.match(text):
            start = date(int(m[1]), 6 * int(m[2]) - 5, 1)
            return Period("half", start, add_months(start, 6), text)
        if m := _YEAR.match(text):
            start = date(int(m[1]), 1, 1)
            return Period("year", start, add_months(start, 12), text)
        if m := _RANGE.match(text):
            first = _parse_period(m[1], today).start
            last = _parse_period(m[2], today).start
            if last < first or len(Period("custom", first, add_months(last, 1), text).months) > 120:
                raise bad
            return Period("custom", first, add_months(last, 1), text)
    except ValueError:
        raise bad from None
    raise bad



def index_period(value: str | None, today: date) -> Period:
    """``parse_period``, refusing a period that no metric set covers (before Decision 766 took effect on
    23/6/2022): its ranking cannot be scored, and its previous period or trend could fall before year 1.

    Without a value, the last month that is over: a ranking of the few days of a month just begun jumps
    ("▲119") on a handful of dossiers, and the portal publishes whole months."""
    if not (value or "").strip():
        value = f"{add_months(date(today.year, today.month, 1), -1):%Y-%m}"
    period = parse_period(value, today)
    try:
        metric_set_for(add_months(period.end, -1))
    except NoMetricSetInForce:
        since = min(s.valid_from for s in all_metric_sets())
        message = (f"Chưa có bộ chỉ số áp dụng cho kỳ này: Bộ chỉ số theo Quyết định 766/QĐ-TTg áp dụng từ "
                   f"{since:%d/%m/%Y}.")
        raise ValidationFailed(f"Kỳ không hợp lệ. {message}", fields={"period": message}) from None
    return period
