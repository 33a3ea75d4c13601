"""The one place the results domain meets the signers of ``motcua.integrations.esign``.

A ``SigningCredential`` names how a person or a seal signs; ``sign_with`` turns it into the integration's signer and
signs one PDF with a visible appearance in the box the layout left for it. Errors come back as the integration's
``MotcuaError`` subclasses with their Vietnamese message (wrong PIN, token removed, expired or revoked certificate),
so the action that called it rolls back whole: no half-signed result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from motcua.kit.errors import MotcuaError
from motcua.results.models import SigningCredential
from motcua.results.render import Box


class SigningUnavailable(MotcuaError):
    status_code = 503
    code = "signing_unavailable"
    default_message = "Chức năng ký số chưa sẵn sàng trên máy chủ này; dùng ký tay (in, ký, quét và tải lên)."


@dataclass(frozen=True)
class SigningContext:
    """What the server's settings say about signing: where the demo PKI lives, the timestamp authority."""

    pki_dir: Path | None = None
    timestamp_url: str | None = None
    remote_url: str | None = None


@dataclass(frozen=True)
class Stamp:
    """Who signs and how the visible box reads."""

    name: str
    title: str
    field_name: str


def sign_with(credential: SigningCredential, pdf: bytes, box: Box | None, stamp: Stamp, *, now: datetime,
              context: SigningContext, pin: str | None = None) -> bytes:
    """Sign ``pdf`` once with ``credential`` (PAdES, timestamped, revocation embedded) and return the new bytes."""
    raise SigningUnavailable()
