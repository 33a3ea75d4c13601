"""The demo's trust services and signing credentials (``make run`` with ``MOTCUA_SIMULATORS=true``).

``start_esign_simulators`` starts the revocation service, the timestamp authority and the remote signing service on
127.0.0.1, creates the demo certificate authority under ``Settings.esign_directory / "demo-ca"`` (kept across
restarts: the revocation simulator comes back on the port written into the certificates when it is free) and points
the settings at them. ``demo_pkcs11_signer`` and ``demo_remote_signer`` give a leader a certificate on the demo
SoftHSM2 token, or at the remote service; ``demo_seal_signer`` the committee's seal (PKCS#12 on the server).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from motcua.integrations.esign.pki import DemoPki, ensure_demo_pki, load_demo_pki
from motcua.integrations.esign.signers import (
    SOFTHSM_MODULE,
    Pkcs11Signer,
    Pkcs12Signer,
    RemoteSigner,
    import_to_token,
    init_softhsm_token,
)
from motcua.integrations.esign.simulators import RemoteSigningSimulator, RevocationSimulator, TimestampSimulator

if TYPE_CHECKING:
    from motcua.config import Settings

DEMO_TOKEN_LABEL = "motcua-demo"  # noqa: S105 (a token's label, not a secret)
DEMO_TOKEN_PIN = "123456"  # noqa: S105 (the demo token's published PIN)
DEMO_CA = "demo-ca"


def demo_pki_dir(settings: Settings) -> Path:
    return settings.esign_directory / DEMO_CA


class EsignServices:
    """The three trust services of the demo, started together on 127.0.0.1 over the demo CA in ``directory``."""

    def __init__(self, directory: Path, *, remote_timeout_seconds: float = 300.0) -> None:
        self.directory = directory
        self.remote_timeout_seconds = remote_timeout_seconds
        self.revocation: RevocationSimulator | None = None
        self.tsa: TimestampSimulator | None = None
        self.remote: RemoteSigningSimulator | None = None
        self.pki: DemoPki | None = None

    def start(self) -> EsignServices:
        self.revocation = _start_on_previous_port(self.directory)
        self.tsa = TimestampSimulator(self.directory).start()
        self.remote = RemoteSigningSimulator(self.directory, timeout_seconds=self.remote_timeout_seconds).start()
        self.pki = ensure_demo_pki(self.directory, ocsp_url=self.revocation.ocsp_url,
                                   crl_url=self.revocation.crl_url)
        return self

    def stop(self) -> None:
        for simulator in (self.remote, self.tsa, self.revocation):
            if simulator is not None:
                simulator.stop()

    def __enter__(self) -> EsignServices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def configure(self, settings: Settings) -> None:
        """Point ``esign_tsa_url`` and ``esign_remote_url`` at the simulators, in place and in the environment
        (which uvicorn's worker processes read their settings from)."""
        assert self.tsa is not None and self.remote is not None
        for name, value in (("esign_tsa_url", self.tsa.url), ("esign_remote_url", self.remote.base_url)):
            setattr(settings, name, value)
            os.environ[f"MOTCUA_{name.upper()}"] = value

    def lines(self) -> list[str]:
        assert self.revocation is not None and self.tsa is not None and self.remote is not None
        return [f"Dịch vụ OCSP/CRL của CA thử nghiệm (mô phỏng) {self.revocation.base_url}",
                f"Máy chủ cấp dấu thời gian TSA (mô phỏng) {self.tsa.url}",
                f"Ứng dụng ký số từ xa (mô phỏng) {self.remote.base_url}"]


_RUNNING: list[EsignServices] = []  # ``motcua serve``'s services live as long as the process


def start_esign_simulators(settings: Settings) -> list[str]:
    """Start the three trust services' simulators, make sure the demo CA exists and set ``esign_tsa_url`` and
    ``esign_remote_url``. Returns console lines."""
    services = EsignServices(demo_pki_dir(settings)).start()
    services.configure(settings)
    _RUNNING.append(services)
    return services.lines()


def _start_on_previous_port(directory: Path) -> RevocationSimulator:
    """The certificates carry the revocation service's address: reuse the port of an existing demo CA."""
    port = 0
    meta = directory / "pki.json"
    if meta.exists():
        try:
            port = urlsplit(load_demo_pki(directory).ocsp_url).port or 0
        except (OSError, ValueError, KeyError):
            port = 0
    try:
        return RevocationSimulator(directory, port=port).start()
    except OSError:  # taken: a new CA will be made for the new address
        return RevocationSimulator(directory).start()


def trust_roots(settings: Settings) -> list[bytes]:
    """DER of the roots verification trusts: ``esign_trust_roots`` files, else the demo CA's root (if any)."""
    if settings.esign_trust_roots.strip():
        roots: list[bytes] = []
        for name in settings.esign_trust_roots.split(","):
            data = Path(name.strip()).read_bytes()
            cert = (x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data
                    else x509.load_der_x509_certificate(data))
            roots.append(cert.public_bytes(serialization.Encoding.DER))
        return roots
    directory = demo_pki_dir(settings)
    return load_demo_pki(directory).trust_roots if (directory / "pki.json").exists() else []


def demo_pki(settings: Settings) -> DemoPki:
    return load_demo_pki(demo_pki_dir(settings))


def demo_pkcs11_signer(settings: Settings, *, key_label: str, person: str, title: str, committee: str,
                       pin: str = DEMO_TOKEN_PIN) -> Pkcs11Signer:
    """The leader's key on the demo SoftHSM2 token (created, with a certificate from the demo CA, the first time).
    ``pin`` is what the leader typed: the token checks it when ``sign_pdf`` opens it."""
    pki = demo_pki(settings)
    token = init_softhsm_token(settings.esign_directory / "softhsm", label=DEMO_TOKEN_LABEL, pin=DEMO_TOKEN_PIN)
    marker = token.conf_path.parent / f"{key_label}.imported"  # beside the tokens the key went into
    issued = pki.load_issued(f"token-{key_label}")
    if issued is None or not marker.exists():
        issued = pki.ensure_certificate(f"token-{key_label}", common_name=person, organisation=committee,
                                        title=title)
        import_to_token(token, label=key_label, key=issued.key, certificate=issued.certificate, chain=pki.chain)
        marker.write_text(format(issued.serial, "x"))
    return Pkcs11Signer(SOFTHSM_MODULE, DEMO_TOKEN_LABEL, pin, key_label)


def demo_seal_signer(settings: Settings, *, committee: str, name: str | None = None) -> Pkcs12Signer:
    """The committee's seal certificate (PKCS#12 on the server), created the first time."""
    issued = demo_pki(settings).ensure_certificate(name or f"seal-{committee}", common_name=committee,
                                                   organisation=committee)
    return Pkcs12Signer(issued.p12_path, issued.passphrase)


def demo_remote_signer(settings: Settings, *, user: str, person: str, title: str, committee: str) -> RemoteSigner:
    """The leader enrolled at the remote signing service (the simulator holds the key)."""
    demo_pki(settings).enrol_remote(user, common_name=person, organisation=committee, title=title)
    return RemoteSigner(settings.esign_remote_url, user, timeout=settings.integration_http_timeout)
