"""The answer of ``/xac-minh`` (public and API): a PDF's signatures, checked by the signature adapter
(``integrations.esign.verify_pdf``), and the registry of issued results, as one verdict in words a citizen or a
receiving agency can act on.

It says, for each signature, whether it is valid, who signed and when (the RFC 3161 timestamp when there is one);
whether the document changed since signing — a byte changed ("đã bị thay đổi") or an incremental update appended
after the signature ("bị sửa đổi sau khi ký"); whether the file is the one motcua issued for dossier X (its SHA-256
registered at issue) or unknown to motcua; and whether that result was revoked (cancelled or corrected, Decree
118/2025 Art. 23) and since when. Electronic results have legal value only while signed and unchanged (Art. 22;
Decree 45/2020 Art. 11).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from motcua.docstore.actions import check_upload_budget, count_code_try, is_code
from motcua.docstore.models import IssuedDocument
from motcua.docstore.queries import PublicEntry, issued_by_code, issued_by_sha256, public_entry
from motcua.dossier.files import UploadRejected, inspect_upload
from motcua.dossier.lookups import check_lookup_budget
from motcua.kit.errors import NotFound


class SignatureFacts(Protocol):
    """One signature as the adapter reports it (``integrations.esign.verify.SignatureCheck``)."""

    @property
    def signer_name(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def organisation(self) -> str | None: ...
    @property
    def signing_time(self) -> datetime | None: ...
    @property
    def timestamp_time(self) -> datetime | None: ...
    @property
    def timestamp_valid(self) -> bool: ...
    @property
    def intact(self) -> bool: ...
    @property
    def trusted(self) -> bool: ...
    @property
    def revoked(self) -> bool | None: ...
    @property
    def modification(self) -> str: ...
    @property
    def valid(self) -> bool: ...


class PdfFacts(Protocol):
    """A whole file as the adapter reports it (``integrations.esign.verify.PdfVerification``)."""

    @property
    def sha256(self) -> str: ...
    @property
    def parsed(self) -> bool: ...
    @property
    def signatures(self) -> Sequence[SignatureFacts]: ...


Change = Literal["unchanged", "changed", "modified_after_signing", "unsigned"]
Tone = Literal["ok", "warn", "bad"]


@dataclass(frozen=True)
class SignatureLine:
    signer: str
    title: str | None
    organisation: str | None
    signed_at: datetime | None
    timestamped: bool
    valid: bool
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """What the page and the API show. ``entry`` is the registered result the file is (an upload whose hash is
    registered) or is compared with (``/xac-minh/{code}``); ``matches`` whether the uploaded file is that result
    byte for byte (None: no file uploaded)."""

    tone: Tone
    headline: str
    sha256: str | None
    signatures: tuple[SignatureLine, ...]
    change: Change | None
    entry: PublicEntry | None
    matches: bool | None
    revoked: bool

    @property
    def valid(self) -> bool:
        return self.tone == "ok"


def _line(s: SignatureFacts) -> SignatureLine:
    problems = []
    if s.modification == "broken" or not s.intact:  # nothing else can be judged of a signature that does not match
        problems.append("Chữ ký không khớp với nội dung: văn bản đã bị thay đổi.")
        stamped = s.timestamp_time is not None and s.timestamp_valid
        return SignatureLine(s.signer_name, s.title, s.organisation, s.timestamp_time if stamped else s.signing_time,
                             stamped, False, tuple(problems))
    if s.modification == "modified_after_signing":
        problems.append("Văn bản bị sửa đổi sau khi ký (có phần cập nhật được thêm vào sau chữ ký).")
    if not s.trusted:
        problems.append("Chứng thư số không do tổ chức cung cấp dịch vụ chứng thực được tin cậy cấp, hoặc không còn "
                        "hiệu lực khi ký.")
    if s.revoked is True:
        problems.append("Chứng thư số của người ký đã bị thu hồi.")
    stamped = s.timestamp_time is not None and s.timestamp_valid
    return SignatureLine(s.signer_name, s.title, s.organisation, s.timestamp_time if stamped else s.signing_time,
                         stamped, s.valid, tuple(problems))


def _change(facts: PdfFacts) -> Change:
    kinds = {s.modification for s in facts.signatures}
    if not facts.signatures:
        return "unsigned"
    if "broken" in kinds or not all(s.intact for s in facts.signatures):
        return "changed"
    if "modified_after_signing" in kinds:
        return "modified_after_signing"
    return "unchanged"


def verdict(session: Session, facts: PdfFacts, *, expected: IssuedDocument | None = None) -> Verdict:
    """The answer for an uploaded file: checked against ``expected`` (the registry entry of ``/xac-minh/{code}``),
    else looked up in the registry by its hash."""
    lines = tuple(_line(s) for s in facts.signatures)
    change = _change(facts)
    issued = expected if expected is not None else issued_by_sha256(session, facts.sha256)
    entry = public_entry(session, issued) if issued is not None else None
    matches = issued is not None and issued.sha256 == facts.sha256
    revoked = issued is not None and issued.revoked_at is not None
    all_valid = bool(lines) and all(line.valid for line in lines)
    tone: Tone
    if change == "changed":
        tone, headline = "bad", "Văn bản đã bị thay đổi sau khi ký: không còn giá trị."
    elif change == "modified_after_signing":
        tone, headline = "bad", "Văn bản bị sửa đổi sau khi ký: phần thêm vào không được chữ ký bảo đảm."
    elif change == "unsigned":
        tone, headline = "bad", "Văn bản không có chữ ký số."
    elif not all_valid:
        tone, headline = "bad", "Chữ ký số không hợp lệ."
    elif expected is not None and not matches:
        tone, headline = "warn", ("Chữ ký số hợp lệ nhưng tệp không trùng với văn bản đã cấp theo mã xác minh này "
                                  "(mã băm khác).")
    elif revoked:
        tone, headline = "bad", "Chữ ký số hợp lệ nhưng kết quả này đã bị hủy hoặc đính chính."
    elif issued is None:
        tone, headline = "warn", ("Chữ ký số hợp lệ, nhưng văn bản không có trong sổ kết quả đã cấp của hệ thống "
                                  "(không do hệ thống này cấp).")
    else:
        tone, headline = "ok", "Văn bản hợp lệ: đúng văn bản đã cấp, chữ ký số hợp lệ, không bị thay đổi."
    return Verdict(tone, headline, facts.sha256, lines, change, entry, matches if issued is not None else None,
                   revoked)


def registry_verdict(session: Session, issued: IssuedDocument) -> Verdict:
    """``/xac-minh/{code}`` without a file: what the registry says of the result the QR names."""
    entry = public_entry(session, issued)
    if issued.revoked_at is not None:
        return Verdict("bad", "Kết quả này đã bị hủy hoặc đính chính; văn bản không còn giá trị.", None, (), None,
                       entry, None, True)
    return Verdict("ok", "Kết quả này đã được cấp và đang có hiệu lực. Tải tệp lên để đối chiếu chữ ký và nội dung.",
                   None, (), None, entry, None, False)


# ------------------------------------------------------------------------------------------------ the requests

MSG_NOT_PDF = "Chỉ xác minh được tệp PDF (văn bản điện tử có chữ ký số)."


def verify_upload(session: Session, *, filename: str, data: bytes, check: Callable[[bytes], PdfFacts], ip: str,
                  now: datetime, max_bytes: int, code: str | None = None) -> Verdict:
    """An uploaded file, checked like every upload (``dossier.files.inspect_upload``: size, a readable PDF, no
    active content; a refusal is a 422 in Vietnamese), then its signatures (``check``: the signature adapter) and
    the registry — against the result of ``code`` when the page was opened from a QR. Counted for the address's
    budget before the work (``actions.check_upload_budget``)."""
    expected = None
    if code is not None:
        expected = verify_code_entry(session, code=code, ip=ip, now=now)
        if expected is None:
            raise NotFound("Không tìm thấy kết quả với mã xác minh này.")
    check_upload_budget(session, ip=ip, now=now)
    checked = inspect_upload(filename or "van-ban.pdf", data, max_bytes=max_bytes)
    if checked.content_type != "application/pdf":
        raise UploadRejected(MSG_NOT_PDF, reason="wrong_type", fields={"file": MSG_NOT_PDF})
    return verdict(session, check(data), expected=expected)


def verify_code_entry(session: Session, *, code: str, ip: str, now: datetime) -> IssuedDocument | None:
    """The registered result a QR names (None: unknown). Tries are counted with the public lookup's, so an address
    guessing codes meets its budget of failures (``dossier.lookups.check_lookup_budget``)."""
    check_lookup_budget(session, ip=ip, code=f"~{code[:38]}", now=now)
    issued = issued_by_code(session, code) if is_code(code) else None
    count_code_try(session, ip=ip, code=code, found=issued is not None, now=now)
    return issued


def verify_code(session: Session, *, code: str, ip: str, now: datetime) -> Verdict | None:
    issued = verify_code_entry(session, code=code, ip=ip, now=now)
    return None if issued is None else registry_verdict(session, issued)
