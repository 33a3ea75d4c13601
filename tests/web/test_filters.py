"""Template filters that turn the ledger's exact numbers into what a person reads."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import motcua.web
from motcua.web.templating import time_limit, vnd, work_hours


@pytest.mark.parametrize(("hours", "shown"), [
    (Decimal("0.0020442208333333333333"), "0"),  # seconds after a receipt: not a 30-digit decimal on a phone
    (Decimal("7.3274221191666"), "7,3"),  # a decimal comma, as Vietnamese write it
    (Decimal("3.5"), "3,5"),
    (Decimal("0.96"), "1"),
    (Decimal("10"), "10"),  # not 1E+1
    (0, "0"),
])
def test_working_hours_are_shown_to_a_tenth(hours: Decimal | int, shown: str) -> None:
    assert work_hours(hours) == shown


def test_fees_group_thousands_with_a_dot() -> None:
    assert vnd(100000) == "100.000 đ"
    assert vnd(None) == "—"


@pytest.mark.parametrize(("amount", "unit", "shown"), [
    (1, "same_day", "Trong ngày"),  # chứng thực, khai sinh: "trong ngày", never "1 trong ngày" or "1 same_day"
    (Decimal("5"), "working_days", "5 ngày làm việc"),
    (Decimal("1.5"), "working_days", "1,5 ngày làm việc"),
    (Decimal("10"), "working_days", "10 ngày làm việc"),
    (8, "working_hours", "8 giờ làm việc"),
    (30, "calendar_days", "30 ngày"),
])
def test_a_time_limit_reads_as_the_catalogue_writes_it(amount: Decimal | int, unit: str, shown: str) -> None:
    assert time_limit(amount, unit) == shown


def test_no_page_prints_a_time_limits_unit_code() -> None:
    """The stored unit (working_days, same_day…) is a code: every page words it through ``time_limit``."""
    templates = Path(motcua.web.__file__).parent / "templates"
    raw = [str(p.relative_to(templates)) for p in templates.rglob("*.html")
           if re.search(r"\{\{[^}]*time_limit_unit[^}]*\}\}", p.read_text("utf-8"))
           and "time_limit(" not in p.read_text("utf-8")]
    assert not raw, raw
