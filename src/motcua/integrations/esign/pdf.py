"""Signing a result PDF: PAdES (ETSI.CAdES.detached), an RFC 3161 timestamp, the revocation information embedded
(PAdES B-LT) and a visible signature box in Vietnamese.

Decree 118/2025 Art. 22: an electronic result carries the digital signature of the competent person and of the
agency (its seal), which is why a result is signed twice — the leader's personal signature, then the agency seal as
a second, incremental signature; each keeps validating after the other. The timestamp proves when it was signed and
the embedded OCSP answer that the certificate was good then, so the file verifies years later without the CA
(Decree 23/2021 / 45/2020 on electronic results).

``sign_pdf`` returns the complete signed file or raises an ``esign.errors`` refusal — never a half-signed file. The
remote signing service answers later, so it is split in two: ``start_remote`` prepares the document and sends the
request, ``finish_remote`` (called once the user answered) embeds the signature. ``RemotePending`` is plain data
(``to_json`` / ``from_json``) so a caller can keep it between two HTTP requests.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import threading
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import httpx
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    PdfTBSDocument,
    SigDSSPlacementPreference,
)
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from motcua.integrations.esign.aio import run_coroutine
from motcua.integrations.esign.errors import (
    DocumentUnsignable,
    RemotePendingYet,
    RemoteRefused,
    RemoteTimedOut,
    SigningRefused,
    TimestampUnavailable,
    TokenAbsent,
    WrongPin,
)
from motcua.integrations.esign.revocation import RevocationEvidence, check_revocation, check_validity
from motcua.integrations.esign.signers import OpenSigner, RemoteSigner, Signer, tls_context
from motcua.kit.errors import MotcuaError

FONT_PATH = Path(__file__).parent / "fonts" / "LiberationSerif-Regular.ttf"
VIETNAM = timezone(timedelta(hours=7), "ICT")
MD_ALGORITHM = "sha256"
_T = TypeVar("_T")


class _ExpectedNotes(logging.Filter):
    """Two warnings every signature would log, both expected here: pyHanko notes that it embeds revocation data
    without fetching (we fetched it ourselves, before signing), fontTools that it drops the font's FFTM table
    (FontForge's timestamps) from the subset."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return "fetching is not allowed" not in message and "FFTM NOT subset" not in message


for _name in ("pyhanko.sign.signers.pdf_signer", "fontTools.subset"):
    logging.getLogger(_name).addFilter(_ExpectedNotes())


@dataclass(frozen=True)
class Appearance:
    """The visible signature box: who signs, in which capacity, where on the page.

    ``page`` counts from 0; a negative page counts from the end (-1: the last page, where the signer's block of a
    Decree 30/2020 document sits). ``box`` is ``(x1, y1, x2, y2)`` in PDF points from the page's lower left.
    """

    signer: str
    title: str = ""
    organisation: str = ""
    page: int = -1
    box: tuple[float, float, float, float] = (330.0, 60.0, 565.0, 125.0)
    reason: str = ""
    location: str = ""
    font_size: int = 9

    def text(self, now: datetime) -> str:
        """The lines of the box: "Ký bởi: …", the title, the organisation, "Thời gian ký: dd/mm/yyyy HH:MM"
        (Vietnam time)."""
        lines = [f"Ký bởi: {self.signer}"]
        lines += [line for line in (self.title, self.organisation) if line and line != self.signer]
        moment = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(VIETNAM)
        lines.append(f"Thời gian ký: {moment:%d/%m/%Y %H:%M}")
        return "\n".join(lines)


class _ThousandUnitsAccumulator(GlyphAccumulator):
    """pyHanko writes the glyph widths (the CIDFont's /W, the TJ adjustments) in the font's own units, which PDF
    reads as thousandths of an em: right for a font of 1000 units per em, but Liberation Serif has 2048, and every
    letter came out twice as wide. HarfBuzz is asked for 1000-unit advances and the widths are scaled alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._own_units = self.units_per_em
        self.hb_font.scale = (1000, 1000)
        self.units_per_em = 1000

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        cached = self._glyphs.get(glyph_id)
        if cached is not None:
            return cached
        cid, width = super()._get_cid_and_width(glyph_id)
        self._glyphs[glyph_id] = result = cid, round(width * 1000 / self._own_units)
        return result


@dataclass(frozen=True)
class _FontFactory(GlyphAccumulatorFactory):
    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _ThousandUnitsAccumulator(writer=writer, font_handle=BytesIO(_font_bytes()), font_size=self.font_size,
                                         bcp47_lang_code="vi", obj_stream=obj_stream)


@functools.cache
def _font_bytes() -> bytes:
    return FONT_PATH.read_bytes()


class HttpTimeStamper(TimeStamper):
    """An RFC 3161 client over httpx that says plainly when the TSA is unavailable."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        super().__init__(include_nonce=True)
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            async with httpx.AsyncClient(timeout=self.timeout, verify=tls_context()) as client:
                reply = await client.post(self.url, content=req.dump(),
                                          headers={"Content-Type": "application/timestamp-query"})
        except httpx.HTTPError as exc:
            raise TimestampUnavailable() from exc
        if reply.status_code != 200 or reply.headers.get("content-type") != "application/timestamp-reply":
            raise TimestampUnavailable()
        try:
            return tsp.TimeStampResp.load(reply.content)
        except ValueError as exc:
            raise TimestampUnavailable() from exc


# ------------------------------------------------------------------------------------------------ signing


def sign_pdf(pdf: bytes, signer: Signer | RemoteSigner, appearance: Appearance, *, field_name: str, now: datetime,
             timestamp_url: str, embed_revocation: bool = True, trust_roots: Sequence[bytes] | None = None,
             http_timeout: float = 10.0, remote_wait_seconds: float = 300.0) -> bytes:
    """Sign ``pdf`` with a visible signature in a new field ``field_name`` (an incremental update: earlier
    signatures stay valid). Returns the whole signed file, or raises a ``SigningRefused`` with a Vietnamese message.

    Before the key is used: the certificate must be valid at ``now`` and not revoked (OCSP, else CRL). Then a
    PAdES signature with a signature timestamp from ``timestamp_url`` and, with ``embed_revocation``, the
    certificates and the OCSP/CRL answers in the document's DSS (B-LT). ``trust_roots`` (DER) is the anchor the
    chain is built to; by default the self-signed certificate of the signer's own chain.

    A ``RemoteSigner`` blocks until the user answers (polling each second, at most ``remote_wait_seconds``); a
    web request should use ``start_remote``/``finish_remote`` instead.
    """
    if isinstance(signer, RemoteSigner):
        pending = start_remote(pdf, signer, appearance, field_name=field_name, now=now, timestamp_url=timestamp_url,
                               embed_revocation=embed_revocation, trust_roots=trust_roots, http_timeout=http_timeout)
        waited, pause = 0.0, threading.Event()
        while True:
            try:
                return finish_remote(pending, http_timeout=http_timeout)
            except RemotePendingYet:
                if waited >= remote_wait_seconds:
                    raise RemoteTimedOut() from None
                pause.wait(1.0)
                waited += 1.0
    return _guarded(_sign(pdf, signer, appearance, field_name=field_name, now=now, timestamp_url=timestamp_url,
                          embed_revocation=embed_revocation, trust_roots=trust_roots, http_timeout=http_timeout))


async def _sign(pdf: bytes, signer: Signer, appearance: Appearance, *, field_name: str, now: datetime,
                timestamp_url: str, embed_revocation: bool, trust_roots: Sequence[bytes] | None,
                http_timeout: float) -> bytes:
    writer = _writer(pdf, field_name)
    with signer.open() as opened:
        evidence = _precheck(opened.certificate, opened.chain, now, http_timeout)
        pdf_signer = _pdf_signer(writer, opened, appearance, field_name=field_name, evidence=evidence,
                                 timestamp_url=timestamp_url, embed_revocation=embed_revocation,
                                 trust_roots=trust_roots, http_timeout=http_timeout)
        output = BytesIO()
        await pdf_signer.async_sign_pdf(writer, appearance_text_params={"body": appearance.text(now)},
                                        output=output)
    return output.getvalue()


def _precheck(cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate], now: datetime,
              timeout: float) -> RevocationEvidence:
    check_validity(cert, now)
    return check_revocation(cert, chain, timeout=timeout)


def _writer(pdf: bytes, field_name: str) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        signed = list(fields.enumerate_sig_fields(writer.prev, filled_status=True, with_name=field_name))
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise DocumentUnsignable() from exc
    if signed:
        raise DocumentUnsignable(f"Văn bản đã có chữ ký ở ô ký \"{field_name}\": không ký đè lên chữ ký đã có.")
    return writer


def _page_index(writer: IncrementalPdfFileWriter, page: int) -> int:
    count = int(writer.root["/Pages"]["/Count"])
    index = page if page >= 0 else count + page
    if not 0 <= index < count:
        raise DocumentUnsignable(f"Văn bản chỉ có {count} trang: không đặt được ô chữ ký ở trang {page + 1}.")
    return index


def _roots(trust_roots: Sequence[bytes] | None, chain: list[asn1_x509.Certificate]) -> list[asn1_x509.Certificate]:
    if trust_roots:
        return [asn1_x509.Certificate.load(der) for der in trust_roots]
    return [c for c in chain if c.self_signed] or chain[-1:]


def _pdf_signer(writer: IncrementalPdfFileWriter, opened: OpenSigner, appearance: Appearance, *, field_name: str,
                evidence: RevocationEvidence, timestamp_url: str, embed_revocation: bool,
                trust_roots: Sequence[bytes] | None, http_timeout: float) -> signers.PdfSigner:
    context = ValidationContext(trust_roots=_roots(trust_roots, opened.chain), other_certs=opened.chain,
                                ocsps=evidence.ocsps, crls=evidence.crls, allow_fetching=False,
                                revocation_mode="soft-fail")
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm=MD_ALGORITHM, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=embed_revocation, validation_context=context if embed_revocation else None,
        reason=appearance.reason or None, location=appearance.location or None,
        # The DSS goes into the signature's own revision (covered by the signature, no extra update after it).
        dss_settings=DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
                                        include_vri=False))
    font = _FontFactory(str(FONT_PATH), font_size=appearance.font_size)
    # Left-aligned, shrunk to fit the box when a title is long (never clipped).
    style = TextStampStyle(stamp_text="%(body)s", border_width=1,
                           text_box_style=TextBoxStyle(font=font, font_size=appearance.font_size, leading=
                                                       round(appearance.font_size * 1.3)),
                           inner_content_layout=SimpleBoxLayoutRule(
                               x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MID,
                               margins=Margins.uniform(6), inner_content_scaling=InnerScaling.SHRINK_TO_FIT))
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=_page_index(writer, appearance.page),
                               box=tuple(round(v) for v in appearance.box))  # type: ignore[arg-type]
    return signers.PdfSigner(meta, signer=opened.hanko, timestamper=HttpTimeStamper(timestamp_url,
                                                                                     timeout=http_timeout),
                             stamp_style=style, new_field_spec=spec)


# ------------------------------------------------------------------------------------------------ remote


@dataclass(frozen=True)
class RemotePending:
    """A remote signature waiting for the user's answer: the prepared document and what to finish it with.
    Plain data; ``to_json``/``from_json`` to keep it between requests."""

    request_id: str
    base_url: str
    user: str
    document: bytes
    document_digest: bytes
    reserved_region_start: int
    reserved_region_end: int
    signed_attrs: bytes
    certificate: bytes
    chain: tuple[bytes, ...]
    timestamp_url: str

    def to_json(self) -> str:
        def b64(value: bytes) -> str:
            return base64.b64encode(value).decode()

        return json.dumps({
            "request_id": self.request_id, "base_url": self.base_url, "user": self.user,
            "document": b64(self.document), "document_digest": b64(self.document_digest),
            "reserved_region_start": self.reserved_region_start, "reserved_region_end": self.reserved_region_end,
            "signed_attrs": b64(self.signed_attrs), "certificate": b64(self.certificate),
            "chain": [b64(c) for c in self.chain], "timestamp_url": self.timestamp_url})

    @classmethod
    def from_json(cls, text: str) -> RemotePending:
        data: dict[str, Any] = json.loads(text)
        raw = {k: base64.b64decode(data[k]) for k in ("document", "document_digest", "signed_attrs", "certificate")}
        return cls(request_id=data["request_id"], base_url=data["base_url"], user=data["user"],
                   reserved_region_start=int(data["reserved_region_start"]),
                   reserved_region_end=int(data["reserved_region_end"]),
                   chain=tuple(base64.b64decode(c) for c in data["chain"]), timestamp_url=data["timestamp_url"],
                   **raw)


def start_remote(pdf: bytes, signer: RemoteSigner, appearance: Appearance, *, field_name: str, now: datetime,
                 timestamp_url: str, embed_revocation: bool = True, trust_roots: Sequence[bytes] | None = None,
                 http_timeout: float = 10.0, description: str = "") -> RemotePending:
    """Prepare ``pdf`` for the signature (the same checks and the same document as ``sign_pdf``) and send the
    signing request to the user's phone. Returns what ``finish_remote`` needs."""
    return _guarded(_start_remote(pdf, signer, appearance, field_name=field_name, now=now,
                                  timestamp_url=timestamp_url, embed_revocation=embed_revocation,
                                  trust_roots=trust_roots, http_timeout=http_timeout, description=description))


async def _start_remote(pdf: bytes, signer: RemoteSigner, appearance: Appearance, *, field_name: str, now: datetime,
                        timestamp_url: str, embed_revocation: bool, trust_roots: Sequence[bytes] | None,
                        http_timeout: float, description: str) -> RemotePending:
    cert, chain = signer.certificate()
    evidence = _precheck(cert, chain, now, http_timeout)
    placeholder = signers.ExternalSigner(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain),
                                         signature_value=bytes(_signature_size(cert)))
    writer = _writer(pdf, field_name)
    pdf_signer = _pdf_signer(writer, OpenSigner(placeholder, cert, chain), appearance, field_name=field_name,
                             evidence=evidence, timestamp_url=timestamp_url, embed_revocation=embed_revocation,
                             trust_roots=trust_roots, http_timeout=http_timeout)
    prepared, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
        writer, appearance_text_params={"body": appearance.text(now)}, output=BytesIO())
    attrs = await placeholder.signed_attrs(prepared.document_digest, MD_ALGORITHM, use_pades=True)
    digest = hashlib.sha256(attrs.dump()).digest()
    request_id = signer.request(digest, description or f"Ký văn bản ({field_name})")
    return RemotePending(request_id=request_id, base_url=signer.base_url, user=signer.user,
                         document=_read_all(output), document_digest=prepared.document_digest,
                         reserved_region_start=prepared.reserved_region_start,
                         reserved_region_end=prepared.reserved_region_end, signed_attrs=attrs.dump(),
                         certificate=cert.dump(), chain=tuple(c.dump() for c in chain), timestamp_url=timestamp_url)


def finish_remote(pending: RemotePending, *, http_timeout: float = 10.0) -> bytes:
    """The signed document once the user approved. Raises ``RemotePendingYet`` while waiting, ``RemoteRefused``
    or ``RemoteTimedOut`` when the request ended without a signature."""
    return _guarded(_finish_remote(pending, http_timeout=http_timeout))


async def _finish_remote(pending: RemotePending, *, http_timeout: float) -> bytes:
    client = RemoteSigner(pending.base_url, pending.user, timeout=http_timeout)
    state, signature = client.poll(pending.request_id)
    if state == "pending":
        raise RemotePendingYet()
    if state == "refused":
        raise RemoteRefused()
    if state != "approved" or signature is None:
        raise RemoteTimedOut()
    public_key = x509.load_der_x509_certificate(pending.certificate).public_key()
    try:
        assert isinstance(public_key, rsa.RSAPublicKey)
        public_key.verify(signature, pending.signed_attrs, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, AssertionError) as exc:
        raise SigningRefused("Chữ ký do dịch vụ ký số từ xa trả về không khớp với chứng thư số của người ký. Văn bản "
                             "chưa được ký.") from exc
    cert = asn1_x509.Certificate.load(pending.certificate)
    chain = [asn1_x509.Certificate.load(c) for c in pending.chain]
    signer = signers.ExternalSigner(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain),
                                    signature_value=signature)
    signed_data = await signer.async_sign_prescribed_attributes(
        MD_ALGORITHM, signed_attrs=cms.CMSAttributes.load(pending.signed_attrs),
        timestamper=HttpTimeStamper(pending.timestamp_url, timeout=http_timeout))
    output = BytesIO(pending.document)
    prepared = PreparedByteRangeDigest(document_digest=pending.document_digest,
                                       reserved_region_start=pending.reserved_region_start,
                                       reserved_region_end=pending.reserved_region_end)
    await PdfTBSDocument.async_finish_signing(output, prepared, signed_data)
    return output.getvalue()


def _read_all(stream: Any) -> bytes:
    stream.seek(0)
    return bytes(stream.read())


def _signature_size(cert: asn1_x509.Certificate) -> int:
    key = x509.load_der_x509_certificate(cert.dump()).public_key()
    return (key.key_size + 7) // 8 if isinstance(key, rsa.RSAPublicKey) else 72


# ------------------------------------------------------------------------------------------------ errors


def _guarded(coroutine: Awaitable[_T]) -> _T:
    """Run one signing step; whatever goes wrong comes out as a ``SigningRefused`` (the cause kept), so a caller
    never sees a library's exception nor a half-signed file."""
    try:
        return run_coroutine(coroutine)
    except MotcuaError:
        raise
    except Exception as exc:
        raise _classify(exc) from exc


def _classify(exc: BaseException) -> MotcuaError:
    from pkcs11 import exceptions as p11

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MotcuaError):
            return seen
        if isinstance(seen, p11.PinIncorrect | p11.PinInvalid | p11.PinLenRange):
            return WrongPin()
        if isinstance(seen, p11.PKCS11Error):
            return TokenAbsent()
        if isinstance(seen, TimestampRequestError):
            return TimestampUnavailable()
        if isinstance(seen, PdfError):
            return DocumentUnsignable()
        seen = seen.__cause__ or seen.__context__
    if isinstance(exc, SigningError):
        return SigningRefused(f"Không ký được văn bản ({exc}). Văn bản chưa được ký.")
    return SigningRefused()


