"""The one place the results domain meets the signers of ``motcua.integrations.esign``.

A ``SigningCredential`` names how a person or a seal signs; ``sign_with`` turns it into the integration's signer and
signs one PDF with a visible appearance in the box the layout left for it. Errors come back as the integration's
``MotcuaError`` subclasses with their Vietnamese message (wrong PIN, token removed, expired or revoked certificate),
so the action that called it rolls back whole: no half-signed result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from motcua.kit.errors import MotcuaError
from motcua.results.models import SigningCredential
from motcua.results.render import Box


class SigningUnavailable(MotcuaError):
    status_code = 503
    code = "signing_unavailable"
    default_message = "Chức năng ký số chưa sẵn sàng trên máy chủ này; dùng ký tay (in, ký, quét và tải lên)."


@dataclass(frozen=True)
class SigningContext:
    """What the server's settings say about signing (``Settings.esign_*``)."""

    timestamp_url: str = ""
    remote_url: str = ""
    trust_roots: tuple[bytes, ...] = ()
    http_timeout: float = 10.0


@dataclass(frozen=True)
class Stamp:
    """Who signs and how the visible box reads."""

    name: str
    title: str
    organisation: str
    field_name: str


def sign_with(credential: SigningCredential, pdf: bytes, box: Box | None, stamp: Stamp, *, now: datetime,
              context: SigningContext, pin: str | None = None) -> bytes:
    """Sign ``pdf`` once with ``credential`` (PAdES, timestamped, revocation embedded) and return the new bytes."""
    raise SigningUnavailable()


class SigningRefused(MotcuaError):
    status_code = 409


class RemotePendingYet(SigningRefused):
    status_code = 202


@dataclass(frozen=True)
class RemotePending:
    request_id: str

    def to_json(self) -> str:
        return self.request_id

    @classmethod
    def from_json(cls, text: str) -> RemotePending:
        return cls(text)


def start_remote_signature(credential: SigningCredential, pdf: bytes, box: Box | None, stamp: Stamp, *,
                           now: datetime, context: SigningContext, description: str) -> RemotePending:
    raise SigningUnavailable()


def finish_remote_signature(pending: RemotePending, *, context: SigningContext) -> bytes:
    raise SigningUnavailable()
