"""Verifying a signed PDF: is each signature intact, by whom, when, trusted, revoked — and has the document changed
since it was signed?

This is what the public verification page (``/xac-minh``, issue 17 item 5) shows. Decree 118/2025 Art. 22 gives an
electronic result legal value only while its signatures are valid and the document is unchanged, so the answer
must be unambiguous for a citizen or a receiving agency:

- ``intact``: the signature covers the whole file (or only later signatures and validation data were appended);
- ``signed_later``: another signature was added after this one (the agency seal after the leader) — fine;
- ``modified_after_signing``: an incremental update changed the document after the signature;
- ``broken``: the bytes no longer match the signature (one flipped byte), or the file does not even parse.

Revocation is judged from the revocation data embedded at signing (PAdES B-LT) at the signature's timestamp time,
so a result stays verifiable after the CA's OCSP answer has expired — and without network (``allow_fetching``).
Pure data out; the caller chooses the words.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any, Literal

from asn1crypto import cms
from asn1crypto import parser as asn1_parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.diff_analysis.policy_api import DiffResult, SuspiciousModification
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from motcua.integrations.esign.aio import run_coroutine

Modification = Literal["intact", "signed_later", "modified_after_signing", "broken"]


@dataclass(frozen=True)
class SignatureCheck:
    """One signature of the document, as a verifier sees it."""

    field_name: str
    signer_name: str  # the certificate's CN: the person, or the committee for a seal
    title: str | None  # the certificate's title (leader's office), if any
    organisation: str | None  # O
    serial: int | None
    signing_time: datetime | None  # as the signer's software claimed (/M or signingTime)
    timestamp_time: datetime | None  # the RFC 3161 timestamp (trustworthy when timestamp_valid)
    timestamp_valid: bool
    intact: bool  # the digest matches and the signature value verifies with the certificate
    trusted: bool  # the certificate chains to a trust root and was valid (and not revoked) at signing
    revoked: bool | None  # True: revoked; False: shown good by revocation data; None: could not tell
    revocation_embedded: bool  # the document carries OCSP/CRL data for it (DSS, PAdES B-LT)
    modification: Modification
    detail: str  # pyHanko's own summary, for the logs and the curious
    change_detail: str = ""  # what changed after signing, as far as pyHanko tells (fields, or the suspicious change)

    @property
    def valid(self) -> bool:
        """The signature can be relied on: intact, trusted, not revoked, the document unchanged since (later
        signatures apart)."""
        return (self.intact and self.trusted and self.revoked is not True
                and self.modification in ("intact", "signed_later"))


@dataclass(frozen=True)
class PdfVerification:
    """The answer for a whole file."""

    sha256: str  # of the whole file: what the registry of issued results is looked up by
    parsed: bool  # False: not a readable PDF (e.g. a damaged file)
    signatures: tuple[SignatureCheck, ...]
    has_dss: bool  # the file carries a Document Security Store (embedded certificates/OCSP/CRL)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def valid(self) -> bool:
        """Signed, and every signature valid."""
        return self.parsed and self.signed and all(s.valid for s in self.signatures)

    @property
    def modified(self) -> bool:
        """The document changed after (some) signature: broken bytes or a changing incremental update."""
        return not self.parsed or any(s.modification in ("modified_after_signing", "broken") for s in self.signatures)


def verify_pdf(pdf: bytes, *, trust_roots: Sequence[bytes], now: datetime,
               allow_fetching: bool = False) -> PdfVerification:
    """Check every signature of ``pdf`` against ``trust_roots`` (DER certificates). Never raises on a damaged file:
    it is reported ``parsed=False`` or its signatures ``broken``.

    Each signature is judged at its timestamp's time (else at ``now``) with the revocation data embedded in the
    file; ``allow_fetching`` also asks the CA's OCSP/CRL servers, at ``now``.
    """
    digest = hashlib.sha256(pdf).hexdigest()
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:
        return PdfVerification(digest, False, (), False)
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots]
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except Exception:
        dss = None
    later_fields = [sig.field_name for sig in embedded]
    checks = tuple(_check(pdf, sig, later_fields[index + 1:], dss, roots, now, allow_fetching)
                   for index, sig in enumerate(embedded))
    return PdfVerification(digest, True, checks, dss is not None)


def _check(pdf: bytes, sig: EmbeddedPdfSignature, later_fields: list[str], dss: DocumentSecurityStore | None,
           roots: list[asn1_x509.Certificate], now: datetime, allow_fetching: bool) -> SignatureCheck:
    field_name = str(sig.field_name)
    try:
        cert = sig.signer_cert
    except Exception:
        return _broken(field_name, "the signature container cannot be read")
    ts_time = _timestamp_time(sig)
    moment = None if allow_fetching else (ts_time or now)
    kwargs: dict[str, Any] = {"trust_roots": roots, "allow_fetching": allow_fetching, "revocation_mode": "hard-fail",
              "moment": moment, "other_certs": list(sig.other_embedded_certs)}
    try:
        context = dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)
        ts_context = (dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs))
        status = run_coroutine(async_validate_pdf_signature(sig, signer_validation_context=context,
                                                             ts_validation_context=ts_context))
    except Exception as exc:
        return _broken(field_name, f"validation failed: {type(exc).__name__}", cert)
    timestamp = status.timestamp_validity
    intact = bool(status.intact and status.valid)
    problem = _container_problem(sig, roots, dss)
    if ts_time is not None and (timestamp is None or not (timestamp.intact and timestamp.valid)):
        problem = problem or "the signature's timestamp token was altered"
    if problem:
        return _broken(field_name, problem, cert)
    modification = _modification(status.coverage, status.diff_result, later_fields, intact,
                                 _trailing(pdf, sig.byte_range))
    revoked: bool | None = True if status.revoked else (False if status.trusted else None)
    subject = cert.subject.native
    return SignatureCheck(
        field_name=field_name, signer_name=str(subject.get("common_name", "")),
        title=subject.get("title"), organisation=subject.get("organization_name"),
        serial=int(cert.serial_number), signing_time=status.signer_reported_dt,
        timestamp_time=timestamp.timestamp if timestamp is not None else ts_time,
        timestamp_valid=bool(timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted),
        intact=intact, trusted=bool(status.trusted), revoked=revoked,
        revocation_embedded=dss is not None and bool(dss.ocsps or dss.crls),
        modification=modification, detail=status.summary(), change_detail=_change_detail(status.diff_result))


def _change_detail(diff: object) -> str:
    if isinstance(diff, DiffResult):
        level = diff.modification_level.name
        changed = ", ".join(sorted(diff.changed_form_fields))
        return f"{level}: {changed}" if changed else level
    if isinstance(diff, SuspiciousModification):
        return f"suspicious: {diff}"
    return ""


def _trailing(pdf: bytes, byte_range: object) -> bytes:
    """What follows the signed bytes, when no revision was added (``b""`` for a whole-file signature)."""
    try:
        _, _, start, length = (int(v) for v in byte_range)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return b""
    return pdf[start + length:].strip()


def _modification(coverage: SignatureCoverageLevel | None, diff: object, later_fields: list[str],
                  intact: bool, trailing: bytes) -> Modification:
    if not intact:
        return "broken"
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "intact"
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION or not isinstance(diff, DiffResult):
        return "modified_after_signing"  # uncovered bytes, or pyHanko found a suspicious change
    level = diff.modification_level
    if level == ModificationLevel.NONE:  # no new revision: bytes appended without one (or only blank lines)
        return "modified_after_signing" if trailing else "intact"
    if level == ModificationLevel.LTA_UPDATES:  # validation data (DSS) or a document timestamp appended
        return "signed_later" if later_fields else "intact"
    if level == ModificationLevel.FORM_FILLING and later_fields and set(diff.changed_form_fields) <= set(later_fields):
        return "signed_later"
    return "modified_after_signing"


def _container_problem(sig: EmbeddedPdfSignature, roots: list[asn1_x509.Certificate],
                       dss: DocumentSecurityStore | None) -> str | None:
    """The parts of the signature container no signature covers must be untouched too: the zero padding after it,
    the certificates carried in it and in its timestamp token (each a trust root itself or signed by its issuer),
    and the signer identifiers (naming a certificate carried). A flipped byte there leaves the digests intact but
    is still a modified file."""
    try:
        raw = bytes(sig.pkcs7_content)
        parsed = asn1_parser.parse(raw)
        length = len(parsed[3]) + len(parsed[4]) + len(parsed[5])
        if any(raw[length:]):
            return "the padding after the signature container was altered"
        containers = [sig.signed_data]
        for attribute in sig.signer_info["unsigned_attrs"] or []:
            if attribute["type"].native == "signature_time_stamp_token":
                containers += [token["content"] for token in attribute["values"]]
        for signed_data in containers:  # every field of the signer infos parsed: a mangled tag raises
            signed_data["version"].native  # noqa: B018
            signed_data["signer_infos"].native  # noqa: B018
        known = [x509.load_der_x509_certificate(c.dump()) for c in roots]
        if dss is not None:
            known += [x509.load_der_x509_certificate(c.dump()) for c in dss.load_certs()]
        carried = [[x509.load_der_x509_certificate(c.chosen.dump()) for c in signed_data["certificates"] or []]
                   for signed_data in containers]
    except Exception:
        return "the signature container cannot be read"
    try:
        return _carried_problem(containers, carried, known, {c.dump() for c in roots})
    except Exception:
        return "the signature container cannot be read"


def _carried_problem(containers: list[cms.SignedData], carried: list[list[x509.Certificate]],
                     known: list[x509.Certificate], root_ders: set[bytes]) -> str | None:
    everything = known + [cert for group in carried for cert in group]
    for signed_data, certs in zip(containers, carried, strict=True):
        for cert in certs:
            if cert.public_bytes(Encoding.DER) in root_ders:
                continue
            authority = _authority_id(cert)
            issuers = [c for c in everything
                       if c.subject == cert.issuer or (authority is not None and _key_id(c) == authority)]
            if issuers and not any(_issued_by(cert, issuer) for issuer in issuers):
                return f"the certificate of {cert.subject.rfc4514_string()} inside the signature was altered"
        for signer_info in signed_data["signer_infos"]:
            sid = signer_info["sid"]
            if sid.name != "issuer_and_serial_number":
                continue
            issuer, serial = sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native
            if not any(c.serial_number == serial and c.issuer.public_bytes() == issuer for c in certs + known):
                return "the signer identifier inside the signature was altered"
    return None


def _key_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def _authority_id(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    """The time in the signature's RFC 3161 token (read, not yet validated)."""
    try:
        unsigned = sig.signer_info["unsigned_attrs"]
        if not unsigned:
            return None
        for attribute in unsigned:
            if attribute["type"].native == "signature_time_stamp_token":
                token: cms.ContentInfo = attribute["values"][0]
                tst_info = token["content"]["encap_content_info"]["content"].parsed
                value = tst_info["gen_time"].native
                return value if isinstance(value, datetime) else None
    except Exception:
        return None
    return None


def _broken(field_name: str, detail: str, cert: asn1_x509.Certificate | None = None) -> SignatureCheck:
    subject = cert.subject.native if cert is not None else {}
    return SignatureCheck(
        field_name=field_name, signer_name=str(subject.get("common_name", "")), title=subject.get("title"),
        organisation=subject.get("organization_name"), serial=int(cert.serial_number) if cert is not None else None,
        signing_time=None, timestamp_time=None, timestamp_valid=False, intact=False, trusted=False, revoked=None,
        revocation_embedded=False, modification="broken", detail=detail)
