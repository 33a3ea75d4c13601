"""Template filters that turn the ledger's exact numbers into what a person reads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from motcua.web.templating import vnd, work_hours


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
