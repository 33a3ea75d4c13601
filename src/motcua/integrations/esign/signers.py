"""The signers behind one adapter: a PKCS#12 file, a PKCS#11 token (a leader's USB token; SoftHSM2 stands in for it
in tests and the demo) and a remote signing service (the phone app officials approve signatures with).

``sign_pdf`` asks a ``Signer`` to ``open()``; what it gets (``OpenSigner``) is pyHanko's signer plus the certificate
and its chain, so the checks before signing (expiry, revocation) are the same whatever holds the key. The remote
service is different in kind — it answers later — and goes through ``start_remote`` / ``finish_remote`` in
``esign.pdf`` instead; ``RemoteSigner`` here is only its HTTP client.

Errors of the key holders are translated to ``esign.errors`` with a Vietnamese message (wrong PIN, token absent or
pulled out, service refused or timed out).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import re
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers as hanko_signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

from motcua.integrations.esign.errors import (
    CertificateUnusable,
    RemoteUnavailable,
    TokenAbsent,
    WrongPin,
)

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for the trust services' clients: loading the CA bundle costs ~80 ms, once per process."""
    return ssl.create_default_context()


@dataclass
class OpenSigner:
    """A signer ready to sign: pyHanko's signer, the signing certificate and the CA certificates above it."""

    hanko: hanko_signers.Signer
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate] = field(default_factory=list)


class Signer(Protocol):
    """Anything ``sign_pdf`` can sign with."""

    kind: str

    def open(self) -> contextlib.AbstractContextManager[OpenSigner]: ...


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


# ------------------------------------------------------------------------------------------------ PKCS#12


@dataclass(frozen=True)
class Pkcs12Signer:
    """A certificate and key in a PKCS#12 (.p12/.pfx) file protected by a passphrase — how a CA delivers a soft
    certificate, and the agency seal's certificate on the server."""

    path: Path
    passphrase: str
    kind: str = "pkcs12"

    @contextlib.contextmanager
    def open(self) -> Iterator[OpenSigner]:
        try:
            blob = Path(self.path).read_bytes()
        except OSError as exc:
            raise CertificateUnusable("Không đọc được tệp chứng thư số (PKCS#12). Văn bản chưa được ký.") from exc
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(blob, self.passphrase.encode("utf-8"))
        except ValueError as exc:
            raise WrongPin("Mật khẩu của tệp chứng thư số (PKCS#12) không đúng hoặc tệp bị hỏng. Văn bản chưa được "
                           "ký.") from exc
        if key is None or cert is None:
            raise CertificateUnusable()
        key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        chain = [_asn1(c) for c in extra]
        signer = _LoadedKeySigner(signing_cert=_asn1(cert), signing_key=key_info,
                                  cert_registry=SimpleCertificateStore.from_certs(chain))
        signer.loaded_key = key
        yield OpenSigner(signer, _asn1(cert), chain)


class _LoadedKeySigner(hanko_signers.SimpleSigner):
    """pyHanko's ``SimpleSigner`` parses the key again for every signature (twice per PDF: the size estimate, then
    the signature); an RSA key already loaded signs directly, the size estimate costs nothing."""

    loaded_key: Any = None

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        key = self.loaded_key
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if isinstance(key, rsa.RSAPrivateKey) and mechanism == "rsassa_pkcs1v15":
            if dry_run:
                return bytes(key.key_size // 8)
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return self.sign_raw(data, digest_algorithm)


# ------------------------------------------------------------------------------------------------ PKCS#11

_P11_LOCK = threading.Lock()
_TOKEN_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def _token_lock(module_path: str, token_label: str) -> threading.Lock:
    with _P11_LOCK:
        return _TOKEN_LOCKS.setdefault((module_path, token_label), threading.Lock())


@dataclass(frozen=True)
class Pkcs11Signer:
    """A key on a PKCS#11 token (a USB token, an HSM; SoftHSM2 in tests and the demo), unlocked by its PIN.

    The certificate is read from the token (label ``cert_label``, default ``key_label``); the CA certificates
    stored on it come along as the chain.
    """

    module_path: str
    token_label: str
    pin: str
    key_label: str
    cert_label: str | None = None
    kind: str = "pkcs11"

    @contextlib.contextmanager
    def open(self) -> Iterator[OpenSigner]:
        # One signature at a time per token in this process: PKCS#11 logs in per application, not per session, so
        # a second login while the first session is open would fail (or, worse, not check the second PIN).
        with _token_lock(self.module_path, self.token_label), self._open() as opened:
            yield opened

    @contextlib.contextmanager
    def _open(self) -> Iterator[OpenSigner]:
        import pkcs11
        from pkcs11 import exceptions as p11
        from pyhanko.sign.pkcs11 import PKCS11Signer

        try:
            lib = pkcs11.lib(self.module_path)
            token = lib.get_token(token_label=self.token_label)
        except (p11.NoSuchToken, p11.TokenNotPresent, p11.TokenNotRecognised, p11.SlotIDInvalid,
                p11.DeviceRemoved, p11.MultipleTokensReturned) as exc:
            raise TokenAbsent() from exc
        except (OSError, RuntimeError) as exc:  # the module itself is missing or broken
            raise TokenAbsent() from exc
        try:
            session = token.open(user_pin=self.pin)
        except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange) as exc:
            raise WrongPin() from exc
        except p11.PinLocked as exc:
            raise WrongPin("Thiết bị ký số đã bị khóa do nhập sai mã PIN nhiều lần. Văn bản chưa được ký; vui lòng "
                           "liên hệ tổ chức cung cấp dịch vụ để mở khóa.") from exc
        except p11.PKCS11Error as exc:
            raise TokenAbsent() from exc
        try:
            try:
                chain = _token_ca_certificates(session)
                signer = PKCS11Signer(session, cert_label=self.cert_label or self.key_label,
                                      key_label=self.key_label, ca_chain=chain)
                cert = signer.signing_cert
            except p11.PKCS11Error as exc:
                raise TokenAbsent() from exc
            except Exception as exc:  # pyHanko: no such key or certificate on the token
                raise CertificateUnusable("Không tìm thấy khóa hoặc chứng thư số trên thiết bị ký số. Văn bản chưa "
                                          "được ký.") from exc
            yield OpenSigner(signer, cert, chain)
        finally:
            with contextlib.suppress(Exception):  # a session already gone with its token
                session.close()


def _token_ca_certificates(session: Any) -> list[asn1_x509.Certificate]:
    """The CA certificates stored on the token (the chain above the signer's). Other people's certificates that
    share the token are left out: they would be embedded in every signature."""
    from pkcs11 import Attribute, ObjectClass

    found = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        cert = asn1_x509.Certificate.load(obj[Attribute.VALUE])
        if cert.ca:
            found.append(cert)
    return found


@dataclass(frozen=True)
class SoftHsmToken:
    """A SoftHSM2 token: the module and configuration to reach it, and how to open it."""

    conf_path: Path
    label: str
    pin: str
    so_pin: str
    module_path: str = SOFTHSM_MODULE

    def signer(self, key_label: str, *, pin: str | None = None) -> Pkcs11Signer:
        return Pkcs11Signer(self.module_path, self.label, self.pin if pin is None else pin, key_label)


def softhsm_conf(directory: Path) -> Path:
    """The SoftHSM2 configuration keeping its tokens under ``directory/tokens``. SoftHSM reads ``SOFTHSM2_CONF``
    once, when the module is loaded into the process: set it before the first PKCS#11 call."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = directory / "softhsm2.conf"
    text = f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    return conf


_READY_TOKENS: set[tuple[Path, str]] = set()  # tokens known to exist, in this process


def init_softhsm_token(directory: Path, *, label: str, pin: str, so_pin: str = "12345678") -> SoftHsmToken:
    """Create (or reuse) a SoftHSM2 token called ``label`` with its tokens under ``directory``, for tests and the
    demo. Points this process's ``SOFTHSM2_CONF`` at it."""
    current = os.environ.get("SOFTHSM2_CONF")
    # SoftHSM2 reads its configuration once per process: a configuration already in force is kept (its token
    # directory then holds this token too).
    conf = Path(current) if current and Path(current).exists() else softhsm_conf(directory)
    os.environ["SOFTHSM2_CONF"] = str(conf)
    if (conf, label) in _READY_TOKENS:
        return SoftHsmToken(conf, label, pin, so_pin)
    util = shutil.which("softhsm2-util")
    if util is None:
        raise RuntimeError("softhsm2-util is missing: run `make sysdeps` (Debian's softhsm2)")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    listing = subprocess.run([util, "--show-slots"], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    if not re.search(rf"^\s*Label:\s+{re.escape(label)}\s*$", listing.stdout, re.MULTILINE):
        subprocess.run([util, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],  # noqa: S603
                       env=env, capture_output=True, text=True, check=True)
        import pkcs11

        with _P11_LOCK:
            pkcs11.lib(SOFTHSM_MODULE).reinitialize()  # a module loaded earlier sees the new token
    _READY_TOKENS.add((conf, label))
    return SoftHsmToken(conf, label, pin, so_pin)


def import_to_token(token: SoftHsmToken, *, label: str, key: Any, certificate: x509.Certificate,
                    chain: list[x509.Certificate] = ()) -> None:  # type: ignore[assignment]
    """Put an RSA key and its certificate (and the CA certificates) on the token under ``label``, as a CA does when
    it hands a leader a USB token. Replaces objects of the same label."""
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pkcs11.util.rsa import decode_rsa_private_key

    assert isinstance(key, rsa.RSAPrivateKey)
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    object_id = label.encode("utf-8")[:32]
    with _token_lock(token.module_path, token.label):
        lib = pkcs11.lib(token.module_path)
        session = lib.get_token(token_label=token.label).open(user_pin=token.pin, rw=True)
        try:
            for old in list(session.get_objects({Attribute.LABEL: label})):
                old.destroy()
            attributes = decode_rsa_private_key(der_key)
            attributes.update({Attribute.LABEL: label, Attribute.ID: object_id, Attribute.TOKEN: True,
                               Attribute.PRIVATE: True, Attribute.SENSITIVE: True, Attribute.SIGN: True,
                               Attribute.EXTRACTABLE: False})
            session.create_object(attributes)
            for index, cert in enumerate([certificate, *chain]):
                cert_label = label if index == 0 else f"{label}-ca{index}"
                for old in list(session.get_objects({Attribute.LABEL: cert_label, Attribute.CLASS:
                                                     ObjectClass.CERTIFICATE})):
                    old.destroy()
                session.create_object({
                    Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True, Attribute.LABEL: cert_label,
                    Attribute.ID: object_id if index == 0 else f"{label}-ca{index}".encode()[:32],
                    Attribute.SUBJECT: cert.subject.public_bytes(), Attribute.ISSUER: cert.issuer.public_bytes(),
                    Attribute.SERIAL_NUMBER: _der_integer(cert.serial_number),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER)})
        finally:
            session.close()


def _der_integer(value: int) -> bytes:
    from asn1crypto.core import Integer

    return Integer(value).dump()


# ------------------------------------------------------------------------------------------------ remote

RemoteState = Literal["pending", "approved", "refused", "expired"]


@dataclass(frozen=True)
class RemoteSigner:
    """The client of a remote signing service: the service holds the user's key; each signature is a request the
    user approves (or refuses) on the phone, which may expire unanswered."""

    base_url: str
    user: str
    timeout: float = 10.0
    kind: str = "remote"

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=self.timeout, verify=tls_context())

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            with self._client() as client:
                answer = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RemoteUnavailable() from exc
        if answer.status_code >= 500:
            raise RemoteUnavailable()
        return answer

    def certificate(self) -> tuple[asn1_x509.Certificate, list[asn1_x509.Certificate]]:
        """The user's certificate and its CA chain, as the service publishes them."""
        answer = self._call("GET", f"/users/{self.user}/certificate")
        if answer.status_code == 404:
            raise CertificateUnusable("Người ký chưa đăng ký chứng thư số với dịch vụ ký số từ xa. Văn bản chưa "
                                      "được ký.")
        if answer.status_code != 200:
            raise RemoteUnavailable()
        body = answer.json()
        return (asn1_x509.Certificate.load(base64.b64decode(body["certificate"])),
                [asn1_x509.Certificate.load(base64.b64decode(c)) for c in body.get("chain", [])])

    def request(self, digest: bytes, description: str) -> str:
        """Ask the user to sign ``digest`` (SHA-256); returns the request's id."""
        answer = self._call("POST", "/sign-requests", json={
            "user": self.user, "digest": base64.b64encode(digest).decode(), "description": description})
        if answer.status_code != 201:
            raise RemoteUnavailable()
        return str(answer.json()["id"])

    def poll(self, request_id: str) -> tuple[RemoteState, bytes | None]:
        answer = self._call("GET", f"/sign-requests/{request_id}")
        if answer.status_code == 404:
            return "expired", None
        if answer.status_code != 200:
            raise RemoteUnavailable()
        body = answer.json()
        signature = body.get("signature")
        return body["state"], base64.b64decode(signature) if signature else None
