"""Text folding so that "dang van duc" finds "Đặng Văn Đức"."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d included) and collapse white space."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


def slug(text: str) -> str:
    """An ASCII identifier built from a Vietnamese name ("Chí Tiên" → "chitien")."""
    return re.sub(r"[^a-z0-9]", "", fold(text))
