"""The one place the results domain meets the signers of ``motcua.integrations.esign`` (docs/esign.md).

A ``SigningCredential`` names how a person or a seal signs; ``signer_for`` turns it into the integration's signer and
``sign_with`` signs one PDF with a visible Vietnamese box where the layout left room for it (PAdES, RFC 3161
timestamp, revocation data embedded). The integration's errors are ``MotcuaError`` subclasses with their Vietnamese
message (wrong PIN, token removed, expired or revoked certificate, the remote approval refused or timed out), so the
action that called it rolls back whole: no half-signed result.

What a credential's ``reference`` holds (secrets never):

* ``pkcs12``: the path of the ``.p12`` file; its passphrase is read from ``<path>.pass`` beside it (mode 600, in the
  PKI directory), never from the database;
* ``pkcs11``: JSON ``{"token": label, "key": key label, "module": PKCS#11 module (default SoftHSM2's),
  "conf": SoftHSM2 configuration (demo)}``; the PIN is typed by the leader at signing time;
* ``remote``: the leader's user id at the remote signing service (``MOTCUA_ESIGN_REMOTE_URL``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from motcua.config import Settings
from motcua.integrations.esign.demo import trust_roots
from motcua.integrations.esign.errors import CertificateUnusable, RemotePendingYet, SigningRefused
from motcua.integrations.esign.pdf import Appearance, RemotePending, finish_remote, sign_pdf, start_remote
from motcua.integrations.esign.signers import SOFTHSM_MODULE, Pkcs11Signer, Pkcs12Signer, RemoteSigner, Signer
from motcua.kit.errors import MotcuaError
from motcua.results.models import SigningCredential
from motcua.results.render import Box

__all__ = [
    "CertificateFacts",
    "RemotePending",
    "RemotePendingYet",
    "SigningContext",
    "SigningRefused",
    "SigningUnavailable",
    "Stamp",
    "certificate_facts",
    "finish_remote_signature",
    "sign_with",
    "signer_for",
    "signing_context",
    "start_remote_signature",
]


class SigningUnavailable(MotcuaError):
    status_code = 503
    code = "signing_unavailable"
    default_message = ("Chưa cấu hình dịch vụ cấp dấu thời gian (MOTCUA_ESIGN_TSA_URL) nên chưa ký số được; dùng ký "
                       "tay (in, ký, quét và tải lên).")


@dataclass(frozen=True)
class SigningContext:
    """What the server's settings say about signing (``Settings.esign_*``)."""

    timestamp_url: str = ""
    remote_url: str = ""
    trust_roots: tuple[bytes, ...] = ()
    http_timeout: float = 10.0


def signing_context(settings: Settings) -> SigningContext:
    """The settings' trust services (``MOTCUA_ESIGN_*``; the demo's simulators under ``make run``)."""
    return SigningContext(timestamp_url=settings.esign_tsa_url, remote_url=settings.esign_remote_url,
                          trust_roots=tuple(trust_roots(settings)), http_timeout=settings.integration_http_timeout)


@dataclass(frozen=True)
class Stamp:
    """Who signs and how the visible box reads."""

    name: str
    title: str
    organisation: str
    field_name: str


def signer_for(credential: SigningCredential, *, context: SigningContext,
               pin: str | None = None) -> Signer | RemoteSigner:
    """The integration's signer for ``credential`` (frozen dataclasses: ``Signer``'s ``kind`` is read-only on them,
    which the protocol does not say, hence the casts)."""
    if credential.kind == "pkcs12":
        path = Path(credential.reference)
        secret = Path(f"{path}.pass")
        try:
            passphrase = secret.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CertificateUnusable("Không đọc được mật khẩu của tệp chứng thư số (PKCS#12) trên máy chủ. Văn bản "
                                      "chưa được ký.") from exc
        return cast(Signer, Pkcs12Signer(path, passphrase))
    if credential.kind == "pkcs11":
        try:
            ref = json.loads(credential.reference)
            token, key = str(ref["token"]), str(ref["key"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CertificateUnusable("Khai báo thiết bị ký số (PKCS#11) không hợp lệ. Văn bản chưa được ký.") from exc
        if ref.get("conf") and not os.environ.get("SOFTHSM2_CONF"):
            os.environ["SOFTHSM2_CONF"] = str(ref["conf"])  # SoftHSM2 reads it when the module is first loaded
        return cast(Signer, Pkcs11Signer(str(ref.get("module") or SOFTHSM_MODULE), token, pin or "", key))
    if credential.kind == "remote":
        if not context.remote_url:
            raise CertificateUnusable("Chưa cấu hình dịch vụ ký số từ xa (MOTCUA_ESIGN_REMOTE_URL). Văn bản chưa "
                                      "được ký.")
        return RemoteSigner(context.remote_url, credential.reference, timeout=context.http_timeout)
    raise CertificateUnusable()


def _appearance(stamp: Stamp, box: Box | None) -> Appearance:
    if box is None:
        return Appearance(signer=stamp.name, title=stamp.title, organisation=stamp.organisation)
    return Appearance(signer=stamp.name, title=stamp.title, organisation=stamp.organisation, page=box.page,
                      box=(box.x1, box.y1, box.x2, box.y2), font_size=7)


def sign_with(credential: SigningCredential, pdf: bytes, box: Box | None, stamp: Stamp, *, now: datetime,
              context: SigningContext, pin: str | None = None) -> bytes:
    """Sign ``pdf`` once with ``credential`` and return the new bytes (an incremental update)."""
    if not context.timestamp_url:
        raise SigningUnavailable()
    return sign_pdf(pdf, signer_for(credential, context=context, pin=pin), _appearance(stamp, box),
                    field_name=stamp.field_name, now=now, timestamp_url=context.timestamp_url,
                    trust_roots=list(context.trust_roots) or None, http_timeout=context.http_timeout)


def start_remote_signature(credential: SigningCredential, pdf: bytes, box: Box | None, stamp: Stamp, *,
                           now: datetime, context: SigningContext, description: str) -> RemotePending:
    """Send the signing request to the leader's phone; what ``finish_remote_signature`` needs is returned."""
    if not context.timestamp_url:
        raise SigningUnavailable()
    signer = signer_for(credential, context=context)
    assert isinstance(signer, RemoteSigner)
    return start_remote(pdf, signer, _appearance(stamp, box), field_name=stamp.field_name, now=now,
                        timestamp_url=context.timestamp_url, trust_roots=list(context.trust_roots) or None,
                        http_timeout=context.http_timeout, description=description)


def finish_remote_signature(pending: RemotePending, *, context: SigningContext) -> bytes:
    """The signed PDF once the leader approved; ``RemotePendingYet`` while waiting; refused or timed out: their
    errors."""
    return finish_remote(pending, http_timeout=context.http_timeout)


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    serial: str
    not_after: datetime


def certificate_facts(kind: str, reference: str, certificate: bytes | None = None) -> CertificateFacts:
    """What a credential row records of its certificate: from ``certificate`` (PEM or DER), else — for a PKCS#12
    file — from the file itself (its passphrase read from ``<path>.pass``)."""
    if certificate is not None:
        cert = (x509.load_pem_x509_certificate(certificate) if b"-----BEGIN" in certificate
                else x509.load_der_x509_certificate(certificate))
    elif kind == "pkcs12":
        path = Path(reference)
        try:
            passphrase = Path(f"{path}.pass").read_text(encoding="utf-8").strip().encode("utf-8")
            _key, loaded, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
        except (OSError, ValueError) as exc:
            raise CertificateUnusable("Không đọc được tệp PKCS#12 hoặc mật khẩu của nó (tệp .pass bên cạnh).") from exc
        if loaded is None:
            raise CertificateUnusable()
        cert = loaded
    else:
        raise CertificateUnusable("Cần tệp chứng thư số (PEM hoặc DER) của thiết bị ký hoặc tài khoản ký từ xa.")
    names = [a.value for a in cert.subject if a.oid in (NameOID.COMMON_NAME, NameOID.TITLE, NameOID.ORGANIZATION_NAME)]
    return CertificateFacts(subject=", ".join(str(n) for n in names), serial=format(cert.serial_number, "x"),
                            not_after=cert.not_valid_after_utc)
