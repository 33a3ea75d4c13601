"""Known devices — pure: a long-lived cookie, signed with the application's secret key, that a browser receives
after a successful login and that lets the right password through while the account is being attacked elsewhere.

OWASP ASVS 4.0 V2.2.1 and NIST SP 800-63B §5.2.2 ask that failed-login limits do not become a way to lock the owner
out. The cookie proves only that this browser once logged in to this account; the password is still required, and
failures from a known device are throttled per device. It is signed like the public links (``feedback/tokens.py``):
HMAC-SHA256 over a purpose, the officer's id, a random device id and an expiry, so it cannot be forged or moved to
another account, and it says nothing about the account beyond its id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from motcua.kit.signing import b64, keyed_signature, unb64

DEVICE_COOKIE_PREFIX = "motcua_device_"
DEVICE_COOKIE_PATH = "/login"
"""Sent only to the login form: nowhere else does the server need it."""
DEVICE_LIFETIME = timedelta(days=180)
_PURPOSE = "device"


@dataclass(frozen=True)
class KnownDevice:
    officer_id: int
    device_id: str


def device_cookie_name(username: str) -> str:
    """One cookie per account, so that officers sharing a counter computer are each known on it."""
    return DEVICE_COOKIE_PREFIX + hashlib.sha256(username.lower().encode("utf-8")).hexdigest()[:16]


def new_device_id() -> str:
    return secrets.token_urlsafe(12)


def sign_device(secret: str, officer_id: int, device_id: str, now: datetime) -> str:
    expires = int((now + DEVICE_LIFETIME).timestamp())
    payload = f"{_PURPOSE}.{officer_id}.{device_id}.{expires}"
    return f"{b64(payload.encode('ascii'))}.{keyed_signature(secret, payload)}"


def verify_device(secret: str, token: str | None, now: datetime) -> KnownDevice | None:
    """The device the cookie was signed for, or None (absent, bad signature, expired, malformed)."""
    if not token or len(token) > 300:
        return None
    try:
        encoded, signature = token.split(".", 1)
        payload = unb64(encoded).decode("ascii")
        purpose, officer_id, device_id, expires = payload.split(".")
        if not hmac.compare_digest(signature, keyed_signature(secret, payload)):
            return None
        if purpose != _PURPOSE or int(expires) < int(now.timestamp()) or not device_id:
            return None
        return KnownDevice(int(officer_id), device_id)
    except (ValueError, UnicodeDecodeError):
        return None
