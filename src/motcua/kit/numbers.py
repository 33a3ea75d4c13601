"""Integers and digits typed into forms and query strings, read strictly as ASCII.

``str.isdigit`` is true for "²", "①" or "٣", which ``int`` then refuses or reads as another number (``channel=²``
would answer 500). Every form or query value that is a number goes through ``form_int``, and every "keep the digits"
goes through ``ascii_digits``: only 0-9 count (OWASP ASVS 4.0 V5.1.3, positive input
validation). Pydantic fields typed ``int`` are already strict and need none of this.
"""

from __future__ import annotations

from motcua.kit.errors import ValidationFailed

ASCII_DIGITS = frozenset("0123456789")
MAX_FORM_INT = 2**31 - 1
"""The largest id or count a form carries (a PostgreSQL INTEGER): longer digit strings are refused, not converted."""


def is_ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of 0-9 and nothing else (no sign, space, underscore, or other script)."""
    return bool(text) and all(ch in ASCII_DIGITS for ch in text)


def ascii_digits(text: str) -> str:
    """The ASCII digits of ``text`` in order ("091 234-5678" → "0912345678"); "²" and other digits are dropped."""
    return "".join(ch for ch in text if ch in ASCII_DIGITS)


def form_int(text: str | None, *, field: str, label: str = "Giá trị", maximum: int = MAX_FORM_INT) -> int | None:
    """A form or query value as an integer: None when empty, the number when it is 1-10 ASCII digits not above
    ``maximum``, otherwise ``ValidationFailed`` naming ``field`` in Vietnamese (a 422, never a 500)."""
    value = (text or "").strip()
    if not value:
        return None
    if not is_ascii_digits(value) or len(value) > len(str(maximum)) or int(value) > maximum:
        message = f"{label} phải là số nguyên dương viết bằng chữ số 0–9."
        raise ValidationFailed(message, fields={field: message})
    return int(value)
