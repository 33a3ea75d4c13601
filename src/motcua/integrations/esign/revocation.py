"""The checks a certificate passes before it may sign: still valid at ``now``, not revoked (OCSP, else the CRL).

Refusing here, before the key is used, is what lets ``sign_pdf`` promise "complete signed bytes or an error": a
signature made with an expired or revoked certificate has no legal value (Decree 23/2025 on digital signatures), so
it is never made. The OCSP answer (or the CRL) fetched here is the same one pyHanko embeds in the document (PAdES
B-LT), so what the signer was checked against is what a verifier later reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

import httpx
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from motcua.integrations.esign.errors import CertificateExpired, CertificateRevoked, RevocationUnavailable
from motcua.integrations.esign.signers import tls_context

_VN = timezone(timedelta(hours=7), "ICT")  # Vietnam: the dates in the messages are local


@dataclass(frozen=True)
class RevocationEvidence:
    """DER of the OCSP responses and CRLs showing the certificate was not revoked (embedded in the PDF)."""

    ocsps: list[bytes] = field(default_factory=list)
    crls: list[bytes] = field(default_factory=list)


def check_validity(cert: asn1_x509.Certificate, now: datetime) -> None:
    """Refuse a certificate outside its validity period at ``now``."""
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)
    if moment > not_after:
        raise CertificateExpired(f"Chứng thư số của người ký đã hết hạn từ ngày {not_after.astimezone(_VN):%d/%m/%Y}. "
                                 "Văn bản chưa được ký; vui lòng gia hạn chứng thư số với tổ chức cung cấp dịch vụ "
                                 "chứng thực chữ ký số.")
    if moment < not_before:
        raise CertificateExpired(f"Chứng thư số của người ký chỉ có hiệu lực từ ngày "
                                 f"{not_before.astimezone(_VN):%d/%m/%Y}. Văn bản chưa được ký.")


def check_revocation(cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate], *,
                     timeout: float = 10.0) -> RevocationEvidence:
    """Ask the certificate's OCSP responder, else fetch its CRL. Raises ``CertificateRevoked`` when revoked,
    ``RevocationUnavailable`` when neither answers with a verifiable statement. A certificate carrying no revocation
    address at all (no AIA OCSP, no CRL distribution point) cannot be checked and passes with no evidence."""
    issuer = next((c for c in chain if c.subject == cert.issuer), None)
    ocsp_urls, crl_urls = list(cert.ocsp_urls), _crl_urls(cert)
    if not ocsp_urls and not crl_urls:
        return RevocationEvidence()
    if issuer is None:
        raise RevocationUnavailable("Thiếu chứng thư của tổ chức cấp (CA) nên không kiểm tra được tình trạng thu hồi. "
                                    "Văn bản chưa được ký.")
    subject_c = x509.load_der_x509_certificate(cert.dump())
    issuer_c = x509.load_der_x509_certificate(issuer.dump())
    for url in ocsp_urls:
        answer = _ask_ocsp(url, subject_c, issuer_c, timeout)
        if answer is not None:
            return RevocationEvidence(ocsps=[answer])
    for url in crl_urls:
        answer = _fetch_crl(url, subject_c, issuer_c, timeout)
        if answer is not None:
            return RevocationEvidence(crls=[answer])
    raise RevocationUnavailable()


def _crl_urls(cert: asn1_x509.Certificate) -> list[str]:
    urls: list[str] = []
    for point in cert.crl_distribution_points:
        url = point.url
        if url:
            urls.append(url)
    return urls


def _ask_ocsp(url: str, cert: x509.Certificate, issuer: x509.Certificate, timeout: float) -> bytes | None:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303 (RFC 6960's CertID)
    try:
        reply = httpx.post(url, content=request.public_bytes(Encoding.DER), timeout=timeout, verify=tls_context(),
                           headers={"Content-Type": "application/ocsp-request"})
    except httpx.HTTPError:
        return None
    if reply.status_code != 200:
        return None
    try:
        response = ocsp.load_der_ocsp_response(reply.content)
    except ValueError:
        return None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return None
    if response.serial_number != cert.serial_number or not _signed_by(issuer, response.signature,
                                                                       response.tbs_response_bytes,
                                                                       response.signature_hash_algorithm):
        return None
    if response.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        raise _revoked(response.revocation_time_utc)
    if response.certificate_status != ocsp.OCSPCertStatus.GOOD:
        return None
    return reply.content


def _fetch_crl(url: str, cert: x509.Certificate, issuer: x509.Certificate, timeout: float) -> bytes | None:
    try:
        reply = httpx.get(url, timeout=timeout, verify=tls_context())
    except httpx.HTTPError:
        return None
    if reply.status_code != 200:
        return None
    try:
        crl = x509.load_der_x509_crl(reply.content)
    except ValueError:
        return None
    if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        return None
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is not None:
        raise _revoked(entry.revocation_date_utc)
    return reply.content


def _revoked(at: datetime | None) -> CertificateRevoked:
    if at is None:
        return CertificateRevoked()
    return CertificateRevoked(f"Chứng thư số của người ký đã bị thu hồi từ {at.astimezone(_VN):%H:%M ngày %d/%m/%Y}. "
                              "Văn bản chưa được ký; vui lòng liên hệ tổ chức cung cấp dịch vụ chứng thực chữ ký số.")


def _signed_by(issuer: x509.Certificate, signature: bytes, data: bytes,
               algorithm: hashes.HashAlgorithm | None) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm or hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm or hashes.SHA256()))
        else:
            return False
    except InvalidSignature:
        return False
    return True

