"""Date ranges asked for in query strings (``?from=…&to=…``), checked before any arithmetic.

``date`` runs from year 1 to 9999, and ``to=0001-01-01`` minus 30 days or ``to=9999-12-31`` plus one day is an
``OverflowError``. Every route that takes a range goes through ``date_range``: each end
within sane years, from ≤ to, and a bounded span, or a 422 in Vietnamese naming the field (OWASP ASVS 4.0 V5.1.4,
structured data checked against its allowed range; house rule 6).
"""

from __future__ import annotations

from datetime import date, timedelta

from motcua.kit.errors import ValidationFailed

EARLIEST = date(2000, 1, 1)
"""No record of a one-stop centre this product keeps predates this (the one-stop mechanism dates from 2003)."""


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def date_range(first: date | None, last: date | None, *, today: date, default_days: int = 30,
               max_days: int = 366, earliest: date = EARLIEST, latest: date | None = None) -> tuple[date, date]:
    """``(first, last)``, inclusive: ``last`` defaults to today, ``first`` to ``default_days`` before ``last``.

    Each given end must lie in ``earliest``…``latest`` (default: the end of next year), ``first`` not after
    ``last``, and the span at most ``max_days``; otherwise ``ValidationFailed`` with the field (``from``/``to``).
    """
    latest = latest or date(today.year + 1, 12, 31)
    for field, value in (("from", first), ("to", last)):
        if value is not None and not earliest <= value <= latest:
            message = f"Ngày phải trong khoảng {_day(earliest)} – {_day(latest)}."
            raise ValidationFailed(f"Khoảng thời gian không hợp lệ: {message}", fields={field: message})
    last = last or min(max(today, earliest), latest)
    first = first or max(last - timedelta(days=default_days), earliest)
    if first > last:
        message = "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."
        raise ValidationFailed(f"Khoảng thời gian không hợp lệ: {message}", fields={"from": message})
    if (last - first).days > max_days:
        message = f"Khoảng thời gian tối đa {max_days} ngày."
        raise ValidationFailed(f"Khoảng thời gian không hợp lệ: {message}", fields={"to": message})
    return first, last
