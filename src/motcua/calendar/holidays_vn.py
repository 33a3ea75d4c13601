"""Statutory public holidays of Viet Nam (ngày nghỉ lễ, tết), taken from the ``holidays`` package.

Why the package: it implements Labour Code 2019 Art. 112 (1 Jan; Tết, 5 days by the lunar calendar; Hùng
Kings 10/3 lunar; 30 Apr; 1 May; 2 Sep plus one adjacent day; 24 Nov from 2026) on the **Vietnamese**
lunisolar calendar (UTC+7, ``VIETNAMESE_CALENDAR``), which differs from the Chinese one in some years (Tết
2030 is Sat 2 Feb in Viet Nam, Sun 3 Feb in China). It applies Art. 111(3) — a holiday on the weekly rest
day is taken on the next working day ("nghỉ bù") — and it carries some government day swaps ("Ngày nghỉ
(thay cho ngày …)") together with the Saturday worked in exchange (``weekend_workdays``). Swaps it lacks are
recorded as announcements (``announcements.json``), never patched here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

CULTURE_DAY_NAME = "Ngày Văn hóa Việt Nam"
CULTURE_DAY_FIRST_YEAR = 2026
WEEKEND = frozenset({5, 6})
"""Saturday and Sunday: the weekly rest of state bodies (40-hour week, Decision 188/1999/QĐ-TTg)."""


@dataclass(frozen=True)
class StatutoryCalendar:
    """Holidays by date (Vietnamese names) and the weekend days the package says are worked in exchange."""

    holidays: Mapping[date, str]
    weekend_workdays: frozenset[date]


@lru_cache(maxsize=8)
def statutory_calendar(first_year: int, last_year: int) -> StatutoryCalendar:
    """The national statutory calendar for ``first_year..last_year`` inclusive (cached; ~0.1 s)."""
    package = holidays.country_holidays("VN", years=range(first_year, last_year + 1), language="vi")
    days: dict[date, str] = {d: str(name) for d, name in package.items() if first_year <= d.year <= last_year}
    days = with_culture_day(days, first_year, last_year)
    workdays = frozenset(
        d
        for d in getattr(package, "weekend_workdays", set())
        if first_year <= d.year <= last_year and d not in days
    )
    return StatutoryCalendar(holidays=dict(sorted(days.items())), weekend_workdays=workdays)


def with_culture_day(days: Mapping[date, str], first_year: int, last_year: int) -> dict[date, str]:
    """Add 24 Nov from 2026 when the installed ``holidays`` release predates it.

    Why: Vietnamese Culture Day (Ngày Văn hóa Việt Nam, 24/11) is a paid holiday from 2026 (docs/legal.md §4; the
    ``holidays`` package cites Resolution 80-NQ/TW); older ``holidays`` releases lack it. If it falls on a
    weekend, Labour Code Art. 111(3) gives the next working day that is not already a holiday.
    """
    result = dict(days)
    for year in range(max(first_year, CULTURE_DAY_FIRST_YEAR), last_year + 1):
        day = date(year, 11, 24)
        if day in result:
            continue
        result[day] = CULTURE_DAY_NAME
        if day.weekday() in WEEKEND:
            observed = day + timedelta(days=1)
            while observed.weekday() in WEEKEND or observed in result:
                observed += timedelta(days=1)
            result[observed] = f"{CULTURE_DAY_NAME} (nghỉ bù)"
    return result
