"""Instants and ledgers of the clock tests, written as the legal calendar counts them (docs/legal.md §4).

Working hours are the default 07:30–11:30 and 13:00–17:00 (8 h a day); durations of a ledger are microseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime

from motcua.calendar import VIETNAM_TZ, ClockLedger, TimeLimit, calendar_for

CAL = calendar_for()
H = 3600 * 10**6  # one working hour in microseconds
DAY = 8 * H


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VIETNAM_TZ)


def month(y: int, m: int) -> tuple[datetime, datetime]:
    """The half-open month [1st 00:00, next 1st 00:00) in Vietnam time, as UTC instants."""
    nxt = (y + m // 12, m % 12 + 1)
    return vn(y, m, 1).astimezone(UTC), vn(*nxt, 1).astimezone(UTC)


def started(at: datetime, days: int) -> ClockLedger:
    return ClockLedger.start(at, TimeLimit(days, "working_days"), CAL)
