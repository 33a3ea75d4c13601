"""Local stand-ins for the trust services a signature needs: a timestamp authority (RFC 3161), the CA's revocation
service (OCSP, RFC 6960, and CRLs, RFC 5280) and a remote signing service (the phone app officials approve
signatures with). Real HTTP on 127.0.0.1, like the other national systems' simulators
(``motcua.integrations.simulators``), so the signing code talks to them exactly as to the real ones.

They read the demo CA from its directory on every request (``esign.pki``): a certificate revoked by a test or an
operator is reported revoked by the next OCSP answer.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.x509 import ocsp
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from motcua.integrations.esign.aio import run_coroutine
from motcua.integrations.esign.pki import DemoPki, load_demo_pki
from motcua.integrations.simulators import ProviderSimulator, Reply

OCSP_VALIDITY = timedelta(days=7)
CRL_VALIDITY = timedelta(days=7)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class _PkiSimulator(ProviderSimulator):
    """The CA directory is read on each request: the simulator can start before the PKI exists (its URL goes into
    the certificates)."""

    def __init__(self, pki_dir: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.pki_dir = pki_dir

    def pki(self) -> DemoPki:
        """The CA, reloaded when its directory was rebuilt (revocations are read afresh by ``DemoPki.revoked``)."""
        try:
            stamp = (self.pki_dir / "pki.json").stat().st_mtime_ns
        except FileNotFoundError:
            stamp = 0
        with self._lock:
            cached = getattr(self, "_pki_cache", None)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        pki = load_demo_pki(self.pki_dir)
        with self._lock:
            self._pki_cache = (stamp, pki)
        return pki


class TimestampSimulator(_PkiSimulator):
    """An RFC 3161 timestamp authority: ``POST /`` (or ``/tsa``) with ``application/timestamp-query``, answers
    ``application/timestamp-reply`` signed by the demo TSA certificate. ``fail_all()`` is the TSA being down."""

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        failure = self._take_failure()
        if failure is not None:
            return Reply(failure, b"unavailable", "text/plain")
        if method != "POST":
            return Reply(405, b"POST an RFC 3161 timestamp query", "text/plain")
        if headers.get("content-type", "").split(";")[0].strip() != "application/timestamp-query":
            return Reply(415, b"expected application/timestamp-query", "text/plain")
        try:
            request = tsp.TimeStampReq.load(raw)
            request.native  # noqa: B018 (parses the whole request: a malformed one is refused here)
        except ValueError:
            return Reply(400, b"malformed timestamp query", "text/plain")
        pki = self.pki()
        stamper = DummyTimeStamper(
            tsa_cert=_asn1_cert(pki.tsa_cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(pki.tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(pki.issuing_cert)]),
            fixed_dt=datetime.now(UTC))
        response = run_coroutine(stamper.async_request_tsa_response(request))
        with self._lock:
            self.requests_by_key["timestamp"] += 1
        return Reply(200, response.dump(), "application/timestamp-reply")

    @property
    def url(self) -> str:
        return f"{self.base_url}/tsa"


class RevocationSimulator(_PkiSimulator):
    """The demo CA's revocation service: ``POST /ocsp`` (DER request, RFC 6960; ``GET /ocsp/<base64>`` too) and
    ``GET /crl`` (the issuing CA's CRL, DER). Answers are signed by the issuing CA itself."""

    @property
    def ocsp_url(self) -> str:
        return f"{self.base_url}/ocsp"

    @property
    def crl_url(self) -> str:
        return f"{self.base_url}/crl"

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        failure = self._take_failure()
        if failure is not None:
            return Reply(failure, b"unavailable", "text/plain")
        route = urlsplit(path).path
        if route == "/crl" and method == "GET":
            return Reply(200, self._crl(), "application/pkix-crl")
        if route.startswith("/ocsp"):
            if method == "GET" and route.startswith("/ocsp/"):
                raw = base64.b64decode(unquote(route.removeprefix("/ocsp/")))
            elif method != "POST":
                return Reply(405, b"", "text/plain")
            try:
                request = ocsp.load_der_ocsp_request(raw)
            except ValueError:
                return Reply(200, ocsp.OCSPResponseBuilder.build_unsuccessful(
                    ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(serialization.Encoding.DER),
                    "application/ocsp-response")
            return Reply(200, self._ocsp(request), "application/ocsp-response")
        return Reply(404, b"not found", "text/plain")

    def _ocsp(self, request: ocsp.OCSPRequest) -> bytes:
        pki = self.pki()
        now = datetime.now(UTC).replace(microsecond=0)
        issuer_key_hash = _key_hash(pki.issuing_cert, request.hash_algorithm)
        if request.issuer_key_hash != issuer_key_hash:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        revoked_at = pki.revoked().get(request.serial_number)
        status = ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number, algorithm=request.hash_algorithm, cert_status=status,
            this_update=now - timedelta(minutes=1), next_update=now + OCSP_VALIDITY,
            revocation_time=revoked_at.replace(tzinfo=None) if revoked_at else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, pki.issuing_cert)
        try:
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(nonce, critical=False)
        except x509.ExtensionNotFound:
            pass
        with self._lock:
            self.requests_by_key["ocsp"] += 1
        return builder.sign(pki.issuing_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]

    def _crl(self) -> bytes:
        pki = self.pki()
        now = datetime.now(UTC).replace(microsecond=0)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(pki.issuing_cert.subject)
                   .last_update(now - timedelta(minutes=1)).next_update(now + CRL_VALIDITY)
                   .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                       pki.issuing_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value),
                       critical=False))
        for serial, at in pki.revoked().items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build())
        with self._lock:
            self.requests_by_key["crl"] += 1
        return builder.sign(pki.issuing_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)  # type: ignore[arg-type]


def _key_hash(cert: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    bits = asn1_keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]  # the BIT STRING's bytes, without padding
    digest = hashes.Hash(algorithm)
    digest.update(bits)
    return digest.finalize()


RemoteState = Literal["pending", "approved", "refused", "expired"]
_STATE_VI = {"pending": "đang chờ xác nhận", "approved": "đã đồng ý ký", "refused": "đã từ chối",
             "expired": "đã hết hạn"}


@dataclass
class SignRequest:
    """One signature the service is asked for: waits for the user's answer on the phone."""

    id: str
    user: str
    digest: bytes  # the SHA-256 digest to sign (of the CMS signed attributes)
    description: str
    created: datetime
    state: RemoteState = "pending"
    signature: bytes | None = None


class RemoteSigningSimulator(_PkiSimulator):
    """A remote signing service (the kind officials approve from a phone app), holding its users' keys.

    - ``GET /users/<user>/certificate`` → ``{"certificate": b64 DER, "chain": [b64 DER…]}``
    - ``POST /sign-requests`` ``{"user", "digest" (b64 SHA-256), "description"}`` → 201 ``{"id", "state"}``
    - ``GET /sign-requests/<id>`` → ``{"state": pending|approved|refused|expired, "signature": b64}`` (RSA
      PKCS#1 v1.5 over the digest, made with the user's key once approved)
    - ``POST /sign-requests/<id>/approve`` | ``/refuse``: what the phone sends; ``GET /`` lists the waiting
      requests with buttons, for a human in the demo.

    A request not answered within ``timeout_seconds`` expires. Test hooks: ``approve(id)``, ``refuse(id)``,
    ``expire(id)``, ``auto_approve``.
    """

    prefix = "KYS"

    def __init__(self, pki_dir: Path, *, timeout_seconds: float = 300.0, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        super().__init__(pki_dir, host=host, port=port)
        self.timeout_seconds = timeout_seconds
        self.auto_approve = False
        self._requests: dict[str, SignRequest] = {}
        self._ids = itertools.count(1)
        self._state_lock = threading.Lock()

    # -------------------------------------------------------------------------------------------- test hooks

    @property
    def sign_requests(self) -> list[SignRequest]:
        with self._state_lock:
            return list(self._requests.values())

    def approve(self, request_id: str) -> None:
        self._decide(request_id, "approved")

    def refuse(self, request_id: str) -> None:
        self._decide(request_id, "refused")

    def expire(self, request_id: str) -> None:
        with self._state_lock:
            request = self._requests[request_id]
            if request.state == "pending":
                request.state = "expired"

    def _decide(self, request_id: str, state: RemoteState) -> bool:
        with self._state_lock:
            request = self._requests.get(request_id)
            if request is None:
                return False
            self._expire_if_due(request)
            if request.state != "pending":
                return False
            if state == "approved":
                credential = self.pki().remote_credential(request.user)
                if credential is None:
                    return False
                key = credential.key
                assert isinstance(key, rsa.RSAPrivateKey)
                request.signature = key.sign(request.digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
            request.state = state
            return True

    def _expire_if_due(self, request: SignRequest) -> None:
        if request.state == "pending" and datetime.now(UTC) - request.created > timedelta(
                seconds=self.timeout_seconds):
            request.state = "expired"

    # -------------------------------------------------------------------------------------------- protocol

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        failure = self._take_failure()
        if failure is not None:
            return Reply.json(failure, {"error": "service_unavailable"})
        route = urlsplit(path).path.rstrip("/") or "/"
        parts = route.strip("/").split("/")
        if method == "GET" and route == "/":
            return self._page()
        if method == "GET" and len(parts) == 3 and parts[0] == "users" and parts[2] == "certificate":
            credential = self.pki().remote_credential(unquote(parts[1]))
            if credential is None:
                return Reply.json(404, {"error": "unknown_user"})
            pki = self.pki()
            return Reply.json(200, {
                "certificate": base64.b64encode(credential.certificate_der).decode(),
                "chain": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in pki.chain]})
        if method == "POST" and route == "/sign-requests":
            return self._create(raw)
        if len(parts) >= 2 and parts[0] == "sign-requests":
            request_id = parts[1]
            if method == "GET" and len(parts) == 2:
                with self._state_lock:
                    request = self._requests.get(request_id)
                    if request is None:
                        return Reply.json(404, {"error": "not_found"})
                    self._expire_if_due(request)
                    answer: dict[str, Any] = {"id": request.id, "state": request.state}
                    if request.signature is not None:
                        answer["signature"] = base64.b64encode(request.signature).decode()
                return Reply.json(200, answer)
            if method == "POST" and len(parts) == 3 and parts[2] in ("approve", "refuse"):
                done = self._decide(request_id, "approved" if parts[2] == "approve" else "refused")
                if "text/html" in headers.get("accept", ""):
                    return Reply(303, b"", "text/plain", headers=(("Location", "/"),))
                return Reply.json(200 if done else 409, {"id": request_id, "done": done})
        return Reply.json(404, {"error": "not_found"})

    def _create(self, raw: bytes) -> Reply:
        try:
            body = json.loads(raw or b"null")
            user = str(body["user"])
            digest = base64.b64decode(body["digest"], validate=True)
        except (ValueError, KeyError, TypeError):
            return Reply.json(400, {"error": "invalid_request"})
        if len(digest) != 32:
            return Reply.json(400, {"error": "digest_must_be_sha256"})
        if self.pki().remote_credential(user) is None:
            return Reply.json(404, {"error": "unknown_user"})
        request = SignRequest(id=f"{self.prefix}{next(self._ids):08d}", user=user, digest=digest,
                              description=str(body.get("description", ""))[:500], created=datetime.now(UTC))
        with self._state_lock:
            self._requests[request.id] = request
        if self.auto_approve:
            self.approve(request.id)
        return Reply.json(201, {"id": request.id, "state": request.state})

    def _page(self) -> Reply:
        rows = []
        for request in reversed(self.sign_requests[-50:]):
            with self._state_lock:
                self._expire_if_due(request)
            buttons = ""
            if request.state == "pending":
                buttons = "".join(
                    f"<form method=\"post\" action=\"/sign-requests/{escape(request.id)}/{verb}\" "
                    f"style=\"display:inline\"><button type=\"submit\">{label}</button></form> "
                    for verb, label in (("approve", "Đồng ý ký"), ("refuse", "Từ chối")))
            rows.append(f"<li><b>{escape(request.user)}</b>: {escape(request.description)} "
                        f"<i>({_STATE_VI[request.state]})</i> {buttons}</li>")
        html = ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>Ứng dụng ký số từ xa (mô phỏng)</title></head><body><main>"
                "<h1>Ứng dụng ký số từ xa (mô phỏng)</h1>"
                f"<ol>{''.join(rows) or '<li>Không có yêu cầu ký nào.</li>'}</ol></main></body></html>")
        return Reply(200, html.encode("utf-8"), "text/html; charset=utf-8")
