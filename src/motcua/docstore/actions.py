"""The registry's one writer (house rule 2): a result issued is registered, a result cancelled or corrected is
revoked; each write is audited in the same transaction. And the verification page's tries, counted for its budget.

The interface the results domain calls at issue time (issue 17): ``new_verification_code`` before signing (the QR
printed on the result carries it), ``register_issued`` once the signed file is attached (its SHA-256 is what
``/xac-minh`` compares), ``revoke_issued`` when the result is cancelled or corrected (Decree 118/2025 Art. 23).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.docstore.models import IssuedDocument
from motcua.dossier.files import content_key
from motcua.dossier.lookups import count_lookup_attempt
from motcua.dossier.models import Dossier, DossierDocument, LookupAttempt
from motcua.dossier.queries import get_dossier_for
from motcua.kit.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from motcua.org.models import Commune

CODE_LENGTH = 16
_CODE = re.compile(r"^[A-Za-z0-9_-]{16}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
SIGNATURES = ("digital", "paper")


def new_verification_code() -> str:
    """A fresh code for ``/xac-minh/{code}``: 16 URL-safe characters from 12 random bytes (96 bits), so a code
    cannot be guessed and the page needs no second secret (the public lookup's 4 digits)."""
    return secrets.token_urlsafe(12)


def is_code(value: str) -> bool:
    return bool(_CODE.match(value))


def issuing_body(commune: Commune) -> str:
    """Tên cơ quan ban hành (Decree 30/2020 Appendix I): the commune's People's Committee decides and issues."""
    return f"Ủy ban nhân dân {commune.kind} {commune.name}"


def _check_issuer(actor: Principal, dossier: Dossier) -> None:
    """Who issues a result: the deciding commune's handler or leader (Decree 118 Art. 19, 20(1)) — the results
    domain acts as them — or the system (a batch, the demo)."""
    if actor.kind == "system":
        return
    if actor.commune_code != dossier.deciding_commune_code or not actor.has_role(Role.SPECIALIST, Role.APPROVER):
        raise Forbidden("Chỉ chuyên viên hoặc lãnh đạo của xã giải quyết hồ sơ được đăng ký kết quả đã cấp.")


def _dossier(session: Session, actor: Principal, dossier_id: int) -> Dossier:
    if actor.kind == "system":
        dossier = session.get(Dossier, dossier_id)
        if dossier is None:
            raise NotFound("Không tìm thấy hồ sơ.")
        return dossier
    return get_dossier_for(session, actor, dossier_id)


def register_issued(session: Session, *, actor: Principal, code: str, dossier_id: int, document_id: int,
                    sha256: str, number: str, signature: str, signers: list[str], now: datetime) -> None:
    """Register a result as issued: the document handed to the citizen (kind ``result`` of the dossier), its
    SHA-256 — which must be the stored file's, so the registry can never vouch for bytes motcua does not hold — its
    number, how it was signed and by whom. One registry row per document and per code (a second registration of
    either is a 409)."""
    if not is_code(code):
        raise ValidationFailed("Mã xác minh không hợp lệ.", fields={"code": "Cần 16 ký tự."})
    digest = sha256.strip().lower()
    if not _SHA256.match(digest):
        raise ValidationFailed("Mã băm SHA-256 không hợp lệ.", fields={"sha256": "Cần 64 ký tự hex."})
    if signature not in SIGNATURES:
        raise ValidationFailed("Loại chữ ký không hợp lệ.", fields={"signature": "digital hoặc paper."})
    number = number.strip()
    if not number or len(number) > 60:
        raise ValidationFailed("Thiếu số văn bản.", fields={"number": "Bắt buộc, tối đa 60 ký tự."})
    names = [s.strip()[:200] for s in signers if s.strip()]
    if not names:
        raise ValidationFailed("Thiếu người ký.", fields={"signers": "Ít nhất một người ký."})
    dossier = _dossier(session, actor, dossier_id)
    _check_issuer(actor, dossier)
    document = session.get(DossierDocument, document_id)
    if document is None or document.dossier_id != dossier.id or document.kind != "result":
        raise ValidationFailed("Tài liệu không phải kết quả của hồ sơ này.", fields={"document_id": "Không khớp."})
    if document.file_key != content_key(digest):
        raise ValidationFailed("Mã băm không khớp với tệp kết quả đã lưu.", fields={"sha256": "Không khớp."})
    commune = session.get_one(Commune, dossier.deciding_commune_code)
    row = IssuedDocument(code=code, dossier_id=dossier.id, document_id=document.id, sha256=digest, number=number,
                         issuing_body=issuing_body(commune), procedure_code=dossier.procedure_code,
                         procedure_name=dossier.procedure_name, signature=signature, signers=names, issued_at=now,
                         issued_by_id=actor.officer_id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Kết quả này (hoặc mã xác minh này) đã được đăng ký.") from exc
    record(session, actor=actor, action="docstore.issued", now=now, object_kind="dossier", object_id=dossier.id,
           province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "verification": code, "document": document.id, "sha256": digest,
                 "number": number, "signature": signature, "signers": names})


def revoke_issued(session: Session, *, actor: Principal, dossier_id: int, reason: str, now: datetime) -> int:
    """Revoke every result still in force of a dossier — cancelled, or replaced by a corrected one (Decree 118
    Art. 23) — with the reason; ``/xac-minh`` then says since when. A guarded UPDATE (``revoked_at IS NULL``): two
    revocations revoke once. Returns how many were revoked (0: none was in force)."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Nêu lý do hủy, đính chính kết quả.", fields={"reason": "Bắt buộc."})
    dossier = _dossier(session, actor, dossier_id)
    _check_issuer(actor, dossier)
    revoked = session.execute(
        update(IssuedDocument)
        .where(IssuedDocument.dossier_id == dossier.id, IssuedDocument.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:2000], revoked_by_id=actor.officer_id)
        .returning(IssuedDocument.code)).scalars().all()
    if revoked:
        record(session, actor=actor, action="docstore.revoked", now=now, object_kind="dossier",
               object_id=dossier.id, province_code=dossier.province_code,
               commune_code=dossier.deciding_commune_code,
               data={"code": dossier.code, "verifications": sorted(revoked), "reason": reason[:2000]})
    return len(revoked)


# ------------------------------------------------------------------------------------------------ the public page

#: The verification of an uploaded PDF reads and checks every signature (CPU, and the revocation data): an address
#: gets this many in a window, so the public page cannot be used to load the server.
UPLOAD_BUDGET = 30
UPLOAD_WINDOW = timedelta(minutes=15)
_UPLOAD_MARK = "~xac-minh"


def check_upload_budget(session: Session, *, ip: str, now: datetime) -> None:
    tries = session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.ip == ip, LookupAttempt.code == _UPLOAD_MARK, LookupAttempt.at > now - UPLOAD_WINDOW)) or 0
    if tries >= UPLOAD_BUDGET:
        raise TooManyRequests("Bạn đã xác minh quá nhiều tệp. Vui lòng thử lại sau 15 phút.",
                              retry_after=int(UPLOAD_WINDOW.total_seconds()))
    count_lookup_attempt(session, ip=ip, code=_UPLOAD_MARK, now=now, success=True)


def count_code_try(session: Session, *, ip: str, code: str, found: bool, now: datetime) -> None:
    """A verification code tried: counted with the public lookup's tries, so an address guessing codes meets the
    same budget of failures (``dossier.lookups.check_lookup_budget``)."""
    count_lookup_attempt(session, ip=ip, code=f"~{code[:38]}", now=now, success=found)


__all__: Sequence[str] = ["check_upload_budget", "count_code_try", "new_verification_code", "register_issued",
                          "revoke_issued"]
