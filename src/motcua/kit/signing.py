"""The pieces every signed value of motcua is made of (the public links, the known-device cookie): unpadded
URL-safe base64 and an HMAC-SHA256 signature with the application's secret key. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def keyed_signature(secret: str, payload: str) -> str:
    """HMAC-SHA256 of ``payload`` under ``secret``, base64: compare with ``hmac.compare_digest``."""
    return b64(hmac.new(secret.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).digest())
