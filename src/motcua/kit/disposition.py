"""The ``Content-Disposition`` header of every download, built one way (RFC 6266 with RFC 5987 / RFC 8187).

Why: HTTP header values are ISO-8859-1 on the wire (RFC 9110 §5.5), so a Vietnamese file name written raw into
``filename="…"`` ("Giấy khai sinh.png") cannot be encoded, and the server fails half-way through the answer (a 500
and a reset connection). RFC 6266 §4.3 gives the remedy every browser understands: a plain-ASCII ``filename``
fallback for old clients plus ``filename*=UTF-8''…`` carrying the real name percent-encoded (RFC 5987 §3.2 /
RFC 8187 §3.2.1); a client that knows ``filename*`` prefers it (RFC 6266 §4.3). CR, LF and other control characters,
quotes and backslashes are removed as well, so a stored name can never split the header or end the quoted string.
"""

from __future__ import annotations

import unicodedata
from typing import Literal
from urllib.parse import quote

# RFC 5987 §3.2.1 attr-char beyond what urllib.parse.quote always keeps (letters, digits and "_.-~").
_ATTR_CHAR_EXTRA = "!#$&+^`|"
_FALLBACK = "tep-tai-ve"


def _printable(name: str) -> str:
    """The name without control characters (CR/LF included), quotes and backslashes, NFC-normalised."""
    text = unicodedata.normalize("NFC", name)
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" and ch not in '"\\')
    return " ".join(kept.split())


def ascii_fallback(name: str) -> str:
    """The ``filename`` parameter: Vietnamese letters without their marks (đ → d), anything else non-ASCII → ``_``."""
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    out = "".join(ch if " " <= ch <= "~" else "_" for ch in plain)
    return out or _FALLBACK


def content_disposition(filename: str, *, disposition: Literal["attachment", "inline"] = "attachment") -> str:
    """``attachment; filename="ascii-fallback"; filename*=UTF-8''percent-encoded`` (RFC 6266 §4.1, §4.3)."""
    name = _printable(filename) or _FALLBACK
    encoded = quote(name, safe=_ATTR_CHAR_EXTRA, encoding="utf-8")
    return f"{disposition}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{encoded}"


def disposition_headers(filename: str, *,
                        disposition: Literal["attachment", "inline"] = "attachment") -> dict[str, str]:
    """The headers argument of a download ``Response``: ``{"Content-Disposition": …}``."""
    return {"Content-Disposition": content_disposition(filename, disposition=disposition)}
