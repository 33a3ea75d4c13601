"""A demo certificate authority: root CA → issuing CA → the leaders' and the seals' signing certificates.

In production the certificates come from a licensed CA (Decree 23/2025 on digital signatures; the agencies' seals
from the Government Cipher Committee's CA). For tests, training and ``make run`` the same shape is built here with
``cryptography``, so every path through signing and verification is exercised against real X.509: a chain to a
root, keyUsage digitalSignature + nonRepudiation, an OCSP address (AIA) and a CRL distribution point served by the
local revocation simulator (``esign.simulators.RevocationSimulator``), and a timestamp authority's certificate.

Everything lives in one directory (``Settings.esign_directory``)::

    pki.json                 the URLs the certificates point at, the passphrase of the demo PKCS#12 files
    root.{key,cert}.pem      the root CA (the trust anchor a verifier is given)
    issuing.{key,cert}.pem   the issuing CA: signs the end-entity certificates, the OCSP answers and the CRL
    tsa.{key,cert}.pem       the timestamp authority (extendedKeyUsage timeStamping)
    revoked.json             serial (hex) -> revocation time (ISO)
    certs/<name>.p12         issued certificates with their key (PKCS#12, passphrase)
    remote/<user>.p12        the keys the remote signing service holds for its users

``ensure_demo_pki`` is idempotent: it reuses what exists, so a demo's certificates survive restarts.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from motcua.kit.text import fold

DEMO_PASSPHRASE = "motcua-demo"  # noqa: S105 (the published passphrase of the demo's own PKCS#12 files)
KEY_BITS = 2048
COUNTRY = "VN"
_LOCK = threading.Lock()
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class IssuedCertificate:
    """One end-entity certificate with its key in a PKCS#12 file."""

    p12_path: Path
    passphrase: str
    certificate: x509.Certificate
    key: PrivateKeyTypes

    @property
    def serial(self) -> int:
        return self.certificate.serial_number

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class DemoPki:
    """The demo CA on disk. Cheap to rebuild from the directory (``load_demo_pki``)."""

    directory: Path
    ocsp_url: str
    crl_url: str
    root_cert: x509.Certificate
    root_key: PrivateKeyTypes
    issuing_cert: x509.Certificate
    issuing_key: PrivateKeyTypes
    tsa_cert: x509.Certificate
    tsa_key: PrivateKeyTypes

    # ---------------------------------------------------------------------------------------------- trust

    @property
    def trust_roots(self) -> list[bytes]:
        """DER of the root a verifier trusts (``verify_pdf(trust_roots=…)``)."""
        return [self.root_cert.public_bytes(serialization.Encoding.DER)]

    @property
    def chain(self) -> list[x509.Certificate]:
        """The CA certificates above an end-entity certificate, nearest first."""
        return [self.issuing_cert, self.root_cert]

    # ---------------------------------------------------------------------------------------------- issuing

    def issue_certificate(self, name: str, *, common_name: str, organisation: str, title: str | None = None,
                          unit: str | None = None, locality: str | None = None,
                          not_before: datetime | None = None, not_after: datetime | None = None,
                          passphrase: str = DEMO_PASSPHRASE, folder: str = "certs") -> IssuedCertificate:
        """Issue a signing certificate and write it with its key to ``<folder>/<name>.p12``.

        A leader's personal certificate: ``common_name`` is the person, ``title`` the office ("Chủ tịch"),
        ``organisation`` the People's Committee. An agency seal: ``common_name`` = ``organisation`` = the
        committee. The validity defaults to two years from a day ago; pass a past ``not_after`` for an expired one.
        """
        now = datetime.now(UTC)
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY)]
        if locality:
            attributes.append(x509.NameAttribute(NameOID.LOCALITY_NAME, locality))
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
        if unit:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
        if title:
            attributes.append(x509.NameAttribute(NameOID.TITLE, title))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        subject = x509.Name(attributes)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.issuing_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_signing_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(_authority_key_id(self.issuing_cert), critical=False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url))]),
                critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(self.crl_url)], relative_name=None, reasons=None,
                crl_issuer=None)]), critical=False)
        )
        cert = builder.sign(self.issuing_key, hashes.SHA256())  # type: ignore[arg-type]
        path = self.directory / folder / f"{_safe(name)}.p12"
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = pkcs12.serialize_key_and_certificates(
            name.encode("utf-8"), key, cert, self.chain,
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")))
        _write(path, blob)
        return IssuedCertificate(path, passphrase, cert, key)

    def issue_expired_certificate(self, name: str, *, common_name: str, organisation: str,
                                  title: str | None = None) -> IssuedCertificate:
        """A certificate whose validity ended yesterday (for the tests of the expiry refusal)."""
        now = datetime.now(UTC)
        return self.issue_certificate(name, common_name=common_name, organisation=organisation, title=title,
                                      not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))

    def load_issued(self, name: str, *, passphrase: str = DEMO_PASSPHRASE, folder: str = "certs"
                    ) -> IssuedCertificate | None:
        path = self.directory / folder / f"{_safe(name)}.p12"
        if not path.exists():
            return None
        key, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase.encode("utf-8"))
        assert key is not None and cert is not None
        return IssuedCertificate(path, passphrase, cert, key)

    def ensure_certificate(self, name: str, *, common_name: str, organisation: str, title: str | None = None,
                           folder: str = "certs") -> IssuedCertificate:
        """The certificate called ``name`` if it exists (and has not expired), else a new one."""
        existing = self.load_issued(name, folder=folder)
        if existing is not None and existing.certificate.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1):
            return existing
        return self.issue_certificate(name, common_name=common_name, organisation=organisation, title=title,
                                      folder=folder)

    # ---------------------------------------------------------------------------------------------- remote signing

    def enrol_remote(self, user: str, *, common_name: str, organisation: str, title: str | None = None
                     ) -> IssuedCertificate:
        """Give the remote signing service a key and certificate for ``user`` (kept under ``remote/``): the service
        holds its users' keys in its HSM and signs once the user approves on the phone."""
        return self.ensure_certificate(user, common_name=common_name, organisation=organisation, title=title,
                                       folder="remote")

    def remote_credential(self, user: str) -> IssuedCertificate | None:
        return self.load_issued(user, folder="remote")

    # ---------------------------------------------------------------------------------------------- revocation

    def revoke(self, serial: int, *, at: datetime | None = None) -> None:
        """Revoke a certificate: from now on the OCSP responder answers "revoked" and the CRL lists it."""
        with _LOCK:
            revoked = self._read_revoked()
            revoked[format(serial, "x")] = (at or datetime.now(UTC)).astimezone(UTC).isoformat()
            _write(self.directory / "revoked.json", json.dumps(revoked, indent=1).encode())

    def revoked(self) -> dict[int, datetime]:
        """Revoked serials and when, read from the directory each time (the simulator and tests share it)."""
        with _LOCK:
            return {int(k, 16): datetime.fromisoformat(v) for k, v in self._read_revoked().items()}

    def _read_revoked(self) -> dict[str, str]:
        path = self.directory / "revoked.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def certificate_der(self, cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.DER)


def ensure_demo_pki(directory: Path, *, ocsp_url: str, crl_url: str) -> DemoPki:
    """The demo CA in ``directory``: loaded when it exists with the same revocation URLs, else created.

    The URLs are written into every certificate (AIA OCSP, CRL distribution point), so a PKI made for other URLs
    (a simulator moved to another port) is rebuilt from scratch: its certificates would point nowhere.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        meta_path = directory / "pki.json"
        if meta_path.exists():
            meta = json.loads(meta_path.read_text())
            if meta.get("ocsp_url") == ocsp_url and meta.get("crl_url") == crl_url:
                return load_demo_pki(directory)
            for stale in [*directory.glob("*.pem"), *directory.glob("*/*.p12"), directory / "revoked.json"]:
                stale.unlink(missing_ok=True)
        now = datetime.now(UTC)
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        root_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
                               x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua (thử nghiệm)"),
                               x509.NameAttribute(NameOID.COMMON_NAME, "motcua Demo Root CA")])
        root = _ca_certificate(root_name, root_name, root_key.public_key(), root_key, None, now, days=3650,
                               path_length=1)
        issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        issuing_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua (thử nghiệm)"),
                                  x509.NameAttribute(NameOID.COMMON_NAME, "motcua Demo Issuing CA")])
        issuing = _ca_certificate(issuing_name, root_name, issuing_key.public_key(), root_key, root, now,
                                  days=3650, path_length=0)
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        tsa = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
                                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua (thử nghiệm)"),
                                     x509.NameAttribute(NameOID.COMMON_NAME, "motcua Demo TSA")]))
            .issuer_name(issuing_name)
            .public_key(tsa_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False)
            .add_extension(_authority_key_id(issuing), critical=False)
            .sign(issuing_key, hashes.SHA256())
        )
        for stem, key, cert in (("root", root_key, root), ("issuing", issuing_key, issuing), ("tsa", tsa_key, tsa)):
            _write(directory / f"{stem}.key.pem", key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            _write(directory / f"{stem}.cert.pem", cert.public_bytes(serialization.Encoding.PEM))
        _write(meta_path, json.dumps({"ocsp_url": ocsp_url, "crl_url": crl_url,
                                      "passphrase": DEMO_PASSPHRASE}, indent=1).encode())
        return load_demo_pki(directory)


def load_demo_pki(directory: Path) -> DemoPki:
    meta = json.loads((directory / "pki.json").read_text())

    def key(stem: str) -> PrivateKeyTypes:
        # Our own files: the slow RSA consistency check (tens of ms a key) is skipped.
        return serialization.load_pem_private_key((directory / f"{stem}.key.pem").read_bytes(), None,
                                                  unsafe_skip_rsa_key_validation=True)

    def cert(stem: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate((directory / f"{stem}.cert.pem").read_bytes())

    return DemoPki(directory=directory, ocsp_url=meta["ocsp_url"], crl_url=meta["crl_url"],
                   root_cert=cert("root"), root_key=key("root"), issuing_cert=cert("issuing"),
                   issuing_key=key("issuing"), tsa_cert=cert("tsa"), tsa_key=key("tsa"))


def ensure_demo_identities(pki: DemoPki, people: Sequence[tuple[str, str, str, str]]) -> dict[str, IssuedCertificate]:
    """For ``make run``: a personal certificate per ``(name, person, title, committee)`` and a seal certificate per
    committee (``seal-<committee>``). Existing ones are reused."""
    issued: dict[str, IssuedCertificate] = {}
    for name, person, title, committee in people:
        issued[name] = pki.ensure_certificate(name, common_name=person, organisation=committee, title=title)
        seal = f"seal-{committee}"
        if seal not in issued:
            issued[seal] = pki.ensure_certificate(seal, common_name=committee, organisation=committee)
    return issued


def _ca_certificate(subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey, signing_key: rsa.RSAPrivateKey,
                    issuer_cert: x509.Certificate | None, now: datetime, *, days: int,
                    path_length: int) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer_cert is not None:
        builder = builder.add_extension(_authority_key_id(issuer_cert), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _signing_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                         encipher_only=False, decipher_only=False)


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _safe(name: str) -> str:
    """A file name for ``name``: kept as is when already plain ASCII, else folded with a short hash of the original
    (so "xã Chí Tiên" and "xã Chí Tiến" stay apart)."""
    plain = _NAME.sub("_", name)[:100] or "_"
    if plain == name:
        return plain
    return f"{_NAME.sub('_', fold(name))[:100]}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a reader never sees half a key."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)
