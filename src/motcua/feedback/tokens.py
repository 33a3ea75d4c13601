"""Signed, short-lived links for the public pages — pure: HMAC-SHA256 with the application's secret key.

A link carries a purpose, an object id and an expiry; nothing else, so it says nothing about the object. Two
purposes exist: ``rate`` (a dossier, minted by the public lookup after a successful code + 4-digit check, so the
rating page needs no second check) and ``case`` (a feedback case, sent to the sender with the answer so that they
can read it and say whether they are satisfied). A link is accepted only for its own purpose, before its expiry,
with an untouched signature.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Literal

from motcua.kit.signing import b64, keyed_signature, unb64

Purpose = Literal["rate", "case"]

RATE_LINK_LIFETIME = timedelta(hours=1)
"""From the lookup's result card to the rating page: long enough to fill nine answers on a slow phone."""
CASE_LINK_LIFETIME = timedelta(days=30)
"""The answer's link: the sender may read the answer and rate it for a month."""


def sign(secret: str, purpose: Purpose, object_id: int, expires: datetime) -> str:
    payload = f"{purpose}.{object_id}.{int(expires.timestamp())}"
    return f"{b64(payload.encode('ascii'))}.{keyed_signature(secret, payload)}"


def verify(secret: str, token: str, purpose: Purpose, now: datetime) -> int | None:
    """The object id the token was signed for, or None (bad signature, other purpose, expired, malformed)."""
    try:
        encoded, signature = token.split(".", 1)
        payload = unb64(encoded).decode("ascii")
        kind, object_id, expires = payload.split(".")
        if not hmac.compare_digest(signature, keyed_signature(secret, payload)):
            return None
        if kind != purpose or int(expires) < int(now.timestamp()):
            return None
        value = int(object_id)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if 1 <= value <= 2**31 - 1 else None
