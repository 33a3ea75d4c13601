"""The periods the index pages offer and assume."""

from __future__ import annotations

from datetime import date, datetime

from motcua.index.periods import Period, add_months, parse_period, period_value
from motcua.kit.clock import to_local


def recent_periods(today: date, months: int = 12) -> list[Period]:
    """What the period selector offers: the last ``months`` months, the last four quarters, the last two halves of a
    year, this year and last."""
    current = date(today.year, today.month, 1)
    out = [parse_period(f"{add_months(current, -i):%Y-%m}", today) for i in range(months)]
    quarter = date(current.year, 3 * ((current.month - 1) // 3) + 1, 1)
    out += [parse_period(period_value("quarter", q, q), today) for q in (add_months(quarter, -3 * i) for i in range(4))]
    half = date(current.year, 1 if current.month <= 6 else 7, 1)
    out += [parse_period(period_value("half", h, h), today) for h in (add_months(half, -6 * i) for i in range(2))]
    out += [parse_period(str(current.year - i), today) for i in range(2)]
    return out


def previous_month(now: datetime) -> str:
    """The last month that is over, as ``?period=`` names it."""
    today = to_local(now).date()
    first = date(today.year, today.month, 1)
    last = date.fromordinal(first.toordinal() - 1)
    return f"{last:%Y-%m}"


def report_period(value: str | None, now: datetime) -> Period:
    """The period asked for; by default the last month that is over (a report is made after the month)."""
    return parse_period(value or previous_month(now), to_local(now).date())
