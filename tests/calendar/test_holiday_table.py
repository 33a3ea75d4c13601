"""Every holiday and swap of 2025, 2026 and 2027 and the days around them, each row naming its rule and source.

Rules: Labour Code 2019 Art. 112(1) (the holidays), Art. 111(3) (a holiday on the weekly rest day is taken on
the next working day — "nghỉ bù"); government announcements of swaps for public servants. 2027 has no
announcement yet: its rows follow the Labour Code as implemented by the ``holidays`` package.
"""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from motcua.calendar import WorkCalendar, calendar_for, shipped_announcements, verified_days
from motcua.calendar.holidays_vn import statutory_calendar, with_culture_day

W, WE, H, OFF, MU = "workday", "weekend", "holiday", "announced_day_off", "make_up_workday"
A112 = "Labour Code 2019 Art. 112(1)"
A111 = "Labour Code 2019 Art. 111(3) nghỉ bù"
CV12729 = "CV 12729/VPCP-KGVX (New Year 2026 swap)"
TET25 = "Tết Ất Tỵ 2025: off 25/1–2/2"
TET26 = "Tết Bính Ngọ 2026: off 14/2–22/2"
SWAP25 = "2025 swap: Fri 2/5 off, Sat 26/4 worked"
SWAP26 = "2026 swap: Mon 31/8 off, Sat 22/8 worked"

TABLE: list[tuple[date, str, str]] = [
    # ---- 2025 -------------------------------------------------------------------------------------------
    (date(2024, 12, 31), W, "day before New Year"),
    (date(2025, 1, 1), H, f"{A112} New Year"),
    (date(2025, 1, 2), W, "day after New Year"),
    (date(2025, 1, 24), W, f"{TET25}: last working day before"),
    (date(2025, 1, 25), WE, TET25),
    (date(2025, 1, 26), WE, TET25),
    (date(2025, 1, 27), H, f"{TET25}; {A112} Tết (29 Tết, in place of Sat 1/2)"),
    (date(2025, 1, 28), H, f"{TET25}; eve"),
    (date(2025, 1, 29), H, f"{TET25}; mùng 1"),
    (date(2025, 1, 30), H, f"{TET25}; mùng 2"),
    (date(2025, 1, 31), H, f"{TET25}; mùng 3"),
    (date(2025, 2, 1), H, f"{TET25}; mùng 4 on a Saturday"),
    (date(2025, 2, 2), WE, TET25),
    (date(2025, 2, 3), W, f"{TET25}: back to work"),
    (date(2025, 4, 4), W, "day before Hùng Kings 2025"),
    (date(2025, 4, 7), H, f"{A112} Hùng Kings 10/3 lunar"),
    (date(2025, 4, 8), W, "day after Hùng Kings"),
    (date(2025, 4, 25), W, SWAP25),
    (date(2025, 4, 26), MU, f"{SWAP25}: Saturday worked"),
    (date(2025, 4, 27), WE, SWAP25),
    (date(2025, 4, 28), W, SWAP25),
    (date(2025, 4, 29), W, SWAP25),
    (date(2025, 4, 30), H, f"{A112} 30/4"),
    (date(2025, 5, 1), H, f"{A112} 1/5"),
    (date(2025, 5, 2), H, f"{SWAP25}: Friday off"),
    (date(2025, 5, 3), WE, SWAP25),
    (date(2025, 5, 5), W, "back to work after 30/4–1/5"),
    (date(2025, 8, 29), W, "day before National Day break"),
    (date(2025, 8, 30), WE, "National Day 2025"),
    (date(2025, 9, 1), H, f"{A112} 2/9 plus one adjacent day (Mon 1/9)"),
    (date(2025, 9, 2), H, f"{A112} 2/9"),
    (date(2025, 9, 3), W, "after National Day"),
    (date(2025, 11, 24), W, "24/11 is a holiday only from 2026"),
    # ---- 2026 -------------------------------------------------------------------------------------------
    (date(2025, 12, 31), W, "day before New Year 2026"),
    (date(2026, 1, 1), H, f"{A112} New Year"),
    (date(2026, 1, 2), OFF, f"{CV12729}: Friday off (missing from holidays 0.109)"),
    (date(2026, 1, 3), WE, CV12729),
    (date(2026, 1, 4), WE, CV12729),
    (date(2026, 1, 5), W, f"{CV12729}: back to work"),
    (date(2026, 1, 9), W, CV12729),
    (date(2026, 1, 10), MU, f"{CV12729}: Saturday worked (missing from holidays 0.109)"),
    (date(2026, 1, 11), WE, CV12729),
    (date(2026, 2, 13), W, f"{TET26}: last working day before"),
    (date(2026, 2, 14), WE, TET26),
    (date(2026, 2, 15), WE, TET26),
    (date(2026, 2, 16), H, f"{TET26}; eve (29 Tết, month of 29 days)"),
    (date(2026, 2, 17), H, f"{TET26}; mùng 1"),
    (date(2026, 2, 18), H, f"{TET26}; mùng 2"),
    (date(2026, 2, 19), H, f"{TET26}; mùng 3"),
    (date(2026, 2, 20), H, f"{TET26}; mùng 4"),
    (date(2026, 2, 21), WE, TET26),
    (date(2026, 2, 22), WE, TET26),
    (date(2026, 2, 23), W, f"{TET26}: back to work"),
    (date(2026, 4, 24), W, "Friday before Hùng Kings 2026"),
    (date(2026, 4, 26), H, f"{A112} Hùng Kings on Sunday"),
    (date(2026, 4, 27), H, f"{A111}: Hùng Kings on Sun 26/4 → Mon 27/4"),
    (date(2026, 4, 28), W, "between Hùng Kings and 30/4"),
    (date(2026, 4, 29), W, "between Hùng Kings and 30/4"),
    (date(2026, 4, 30), H, f"{A112} 30/4"),
    (date(2026, 5, 1), H, f"{A112} 1/5"),
    (date(2026, 5, 4), W, "back to work"),
    (date(2026, 8, 21), W, SWAP26),
    (date(2026, 8, 22), MU, f"{SWAP26}: Saturday worked"),
    (date(2026, 8, 24), W, SWAP26),
    (date(2026, 8, 28), W, "last working day before National Day 2026"),
    (date(2026, 8, 29), WE, "National Day 2026"),
    (date(2026, 8, 31), H, f"{SWAP26}: Monday off"),
    (date(2026, 9, 1), H, f"{A112} one day adjacent to 2/9 (Tue 1/9)"),
    (date(2026, 9, 2), H, f"{A112} 2/9"),
    (date(2026, 9, 3), W, "after National Day"),
    (date(2026, 11, 23), W, "before Culture Day"),
    (date(2026, 11, 24), H, "Vietnamese Culture Day, a holiday from 2026 (docs/legal.md §4)"),
    (date(2026, 11, 25), W, "after Culture Day"),
    # ---- 2027 (no announcement yet: Labour Code rules only) ---------------------------------------------
    (date(2026, 12, 31), W, "day before New Year 2027"),
    (date(2027, 1, 1), H, f"{A112} New Year"),
    (date(2027, 1, 4), W, "after New Year"),
    (date(2027, 2, 3), W, "before Tết 2027"),
    (date(2027, 2, 4), H, f"{A112}+{A111}: 29 Tết in place of mùng 1 on Saturday"),
    (date(2027, 2, 5), H, f"{A112} eve"),
    (date(2027, 2, 6), H, f"{A112} mùng 1 on Saturday"),
    (date(2027, 2, 7), H, f"{A112} mùng 2 on Sunday"),
    (date(2027, 2, 8), H, f"{A112} mùng 3"),
    (date(2027, 2, 9), H, f"{A112} mùng 4"),
    (date(2027, 2, 10), H, f"{A112}+{A111}: mùng 5 in place of mùng 2 on Sunday"),
    (date(2027, 2, 11), W, "back to work after Tết 2027"),
    (date(2027, 4, 15), W, "before Hùng Kings 2027"),
    (date(2027, 4, 16), H, f"{A112} Hùng Kings (Fri)"),
    (date(2027, 4, 19), W, "after Hùng Kings"),
    (date(2027, 4, 30), H, f"{A112} 30/4 (Fri)"),
    (date(2027, 5, 1), H, f"{A112} 1/5 on Saturday"),
    (date(2027, 5, 3), H, f"{A111}: 1/5 on Saturday → Monday 3/5"),
    (date(2027, 5, 4), W, "after the 1/5 nghỉ bù"),
    (date(2027, 9, 1), W, "before National Day 2027"),
    (date(2027, 9, 2), H, f"{A112} 2/9 (Thu)"),
    (date(2027, 9, 3), H, f"{A112} adjacent day (Fri 3/9)"),
    (date(2027, 9, 6), W, "after National Day"),
    (date(2027, 11, 24), H, "Vietnamese Culture Day (Wed)"),
    (date(2027, 11, 25), W, "after Culture Day"),
]


@pytest.mark.parametrize(("day", "kind", "rule"), TABLE, ids=[f"{d.isoformat()}-{k}" for d, k, _ in TABLE])
def test_day_kind(day: date, kind: str, rule: str) -> None:
    info = calendar_for().describe(day)
    assert info.kind == kind, f"{day} should be {kind} ({rule}), got {info}"
    assert info.is_workday == (kind in (W, MU)), rule
    assert calendar_for().is_workday(day) == info.is_workday


def test_2026_new_year_swap_comes_from_the_announcement_not_the_package() -> None:
    """CV 12729/VPCP-KGVX: without the shipped announcements Fri 2/1 would be worked and Sat 10/1 not."""
    bare = WorkCalendar(announcements=[])
    assert bare.is_workday(date(2026, 1, 2))
    assert not bare.is_workday(date(2026, 1, 10))
    shipped = calendar_for()
    assert not shipped.is_workday(date(2026, 1, 2))
    assert shipped.is_workday(date(2026, 1, 10))
    assert shipped.describe(date(2026, 1, 2)).document == "CV 12729/VPCP-KGVX"


def test_shipped_announcements_are_only_the_missing_ones() -> None:
    """Only what the package lacks is shipped (a day off on an existing holiday would be a conflict)."""
    assert {(a.day, a.kind) for a in shipped_announcements()} == {
        (date(2026, 1, 2), "day_off"),
        (date(2026, 1, 10), "make_up_workday"),
    }
    assert all(a.document for a in shipped_announcements())


@pytest.mark.parametrize("verified", verified_days(), ids=lambda v: v.day.isoformat())
def test_days_of_known_announcements_the_package_already_has(verified: object) -> None:
    """Regression guard for a ``holidays`` upgrade: each day of the 2025/2026 announcements stays right."""
    from motcua.calendar import VerifiedDay

    assert isinstance(verified, VerifiedDay)
    assert calendar_for().is_workday(verified.day) == (verified.expect == "workday"), verified


def test_tet_uses_the_vietnamese_lunar_calendar() -> None:
    """docs/legal.md §4: lunar dates on the UTC+7 calendar; Tết 2030 is Sat 2 Feb in Viet Nam, Sun 3 Feb in China."""
    cal = calendar_for()
    assert cal.describe(date(2030, 2, 2)).name == "Tết Nguyên Đán"
    china = holidays.country_holidays("CN", years=[2030], language="en_US")
    assert china.get(date(2030, 2, 3)) == "Chinese New Year (Spring Festival)"
    assert date(2030, 2, 2) not in china or "Eve" in str(china.get(date(2030, 2, 2)))


def test_culture_day_is_added_when_the_package_lacks_it() -> None:
    """24/11 from 2026 (docs/legal.md §4); on a weekend, the next working day (Art. 111(3))."""
    added = with_culture_day({}, 2025, 2030)
    assert date(2025, 11, 24) not in added
    assert date(2026, 11, 24) in added
    assert date(2029, 11, 24) in added and date(2029, 11, 26) in added  # Saturday → Monday
    assert date(2030, 11, 24) in added and date(2030, 11, 25) in added  # Sunday → Monday
    # with the package's own data nothing changes
    package = statutory_calendar(2026, 2030).holidays
    assert with_culture_day(package, 2026, 2030) == dict(package)


def test_make_up_days_reported_for_numpy() -> None:
    cal = calendar_for()
    assert {date(2025, 4, 26), date(2026, 1, 10), date(2026, 8, 22)} <= set(cal.weekend_workdays())
    weekdays_off = set(cal.non_working_weekdays())
    assert date(2026, 1, 2) in weekdays_off and date(2026, 2, 16) in weekdays_off
    assert all(d.weekday() < 5 for d in weekdays_off)


def test_describe_range_lists_the_special_days() -> None:
    days = calendar_for().describe_range(date(2026, 1, 1), date(2026, 1, 31))
    assert [(d.day, d.kind) for d in days] == [
        (date(2026, 1, 1), H),
        (date(2026, 1, 2), OFF),
        (date(2026, 1, 10), MU),
    ]
