"""The dependency every index route shares: the period asked for in ``?period=``."""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, Query

from motcua.auth.deps import get_now
from motcua.calendar import to_vietnam_time
from motcua.index.periods import Period, index_period

PERIOD = Query(default=None, max_length=40,
               description="A month `2026-11`, a quarter `2026-Q4`, six months `2026-H1`, a year `2026` or months "
                           "`2026-01..2026-06`; "
                           "empty: the last month that is over")


def requested_period(period: str | None = PERIOD, now: datetime = Depends(get_now)) -> Period:
    """The period asked for, as of today in Vietnam; a malformed one is a 422 with the Vietnamese message."""
    return index_period(period, to_vietnam_time(now).date())
