"""The one writer of result templates, drafts, the register and signing credentials.

Every action writes its audit event in the caller's transaction and never commits. A draft changes status only by a
guarded ``UPDATE … WHERE id = :id AND version = :seen AND status = :from`` (a double click, two leaders signing at
once: the second finds no row and gets "vừa được cán bộ khác xử lý"). Signing is one transaction: the draft is
claimed, the register gives the number (an atomic upsert, as ``dossier/codes.py``), the final PDF is rendered with
that number, signed twice (the leader, then the seal), attached to the dossier (``dossier.actions.add_document``,
``signature="digital"``) and registered for verification; anything failing on the way rolls all of it back, the
number included.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.catalog.models import Procedure
from motcua.db import dialect_insert
from motcua.docstore.actions import new_verification_code, register_issued, revoke_issued
from motcua.dossier.actions import Upload, add_document, check_may_attach_result, may_attach_result
from motcua.dossier.codes import agency_id_of
from motcua.dossier.files import FileStore, content_key
from motcua.dossier.models import Dossier, DossierDocument
from motcua.dossier.queries import get_dossier_for, read_dossier_for
from motcua.dossier.workflow import Status
from motcua.kit.clock import to_local
from motcua.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from motcua.org.models import Commune, Officer, Province
from motcua.results import workflow
from motcua.results.models import (
    NATIONAL_SCOPE,
    ResultDraft,
    ResultRegisterCounter,
    ResultTemplate,
    SigningCredential,
)
from motcua.results.render import Box, Letterhead, Rendered, render_pdf
from motcua.results.sandbox import check_template
from motcua.results.schemas import TemplateFile, TemplateIn, template_dict
from motcua.results.signing import (
    RemotePending,
    RemotePendingYet,
    SigningContext,
    SigningRefused,
    Stamp,
    finish_remote_signature,
    sign_with,
    start_remote_signature,
)
from motcua.results.workflow import DraftAction, DraftStatus, Party

SHIPPED = Path(__file__).resolve().parent / "data" / "templates.json"
CREDENTIAL_KINDS = ("pkcs12", "pkcs11", "remote")
STALE = "Kết quả vừa được cán bộ khác xử lý; tải lại trang để xem trạng thái mới."


# --------------------------------------------------------------------------------------------------- templates


def template_scope(actor: Principal) -> str:
    """The scope whose versions ``actor`` may add: the national one for the system (the shipped templates, the CLI),
    the province's for a province-level administrator (as the catalogue's ``import_scope``); anyone else is refused."""
    if actor.kind == "system":
        return NATIONAL_SCOPE
    if actor.kind == "officer" and actor.has_role(Role.ADMIN) and actor.is_province_level and actor.province_code:
        return actor.province_code
    raise Forbidden("Chỉ quản trị viên cấp tỉnh được tạo và sửa mẫu kết quả của tỉnh.")


def _same(template: ResultTemplate, data: TemplateIn) -> bool:
    return template_dict(template) == data.model_dump(mode="json")


def _save(session: Session, actor: Principal, data: TemplateIn, now: datetime, scope: str) -> tuple[ResultTemplate,
                                                                                                      str]:
    if session.scalar(select(Procedure.id).where(Procedure.code == data.procedure_code)) is None:
        raise ValidationFailed(f"Không có thủ tục mã {data.procedure_code} trong danh mục.",
                               fields={"procedure_code": "Không có trong danh mục."})
    check_template(data.body, data.sandbox_fields())
    existing = session.scalar(select(ResultTemplate).where(
        ResultTemplate.procedure_code == data.procedure_code, ResultTemplate.scope == scope,
        ResultTemplate.effective_from == data.effective_from))
    if existing is not None:
        if _same(existing, data):
            return existing, "unchanged"
        raise Conflict(f"Mẫu của thủ tục {data.procedure_code} đã có phiên bản hiệu lực từ "
                       f"{data.effective_from:%d/%m/%Y}; một phiên bản không sửa được — chọn ngày hiệu lực mới.",
                       fields={"effective_from": "Đã có phiên bản từ ngày này; chọn ngày khác."})
    row = ResultTemplate(procedure_code=data.procedure_code, scope=scope,
                         province_code=None if scope == NATIONAL_SCOPE else scope,
                         effective_from=data.effective_from, name=data.name, title=data.title, doc_type=data.doc_type,
                         signer_title=data.signer_title, recipients=list(data.recipients),
                         fields=[f.model_dump() for f in data.fields], body=data.body, created_at=now,
                         created_by_id=actor.officer_id)
    session.add(row)
    session.flush()
    return row, "created"


def save_template(session: Session, *, actor: Principal, data: TemplateIn, now: datetime) -> ResultTemplate:
    """A new version of a procedure's template (a version is never edited: a change is a new effective date)."""
    scope = template_scope(actor)
    row, outcome = _save(session, actor, data, now, scope)
    if outcome == "created":
        record(session, actor=actor, action="results.template_saved", now=now, object_kind="result_template",
               object_id=row.id, province_code=row.province_code,
               data={"procedure": row.procedure_code, "from": row.effective_from.isoformat(), "scope": scope})
    return row


def import_templates(session: Session, *, actor: Principal, file: TemplateFile, now: datetime,
                     source: str = "upload") -> dict[str, int]:
    """Every template of an exchange file into the actor's scope; one refused template refuses the whole file (the
    caller's transaction rolls back)."""
    scope = template_scope(actor)
    counts = {"created": 0, "unchanged": 0}
    created: list[str] = []
    for item in file.templates:
        try:
            row, outcome = _save(session, actor, item, now, scope)
        except ValidationFailed as exc:
            raise ValidationFailed(f"Mẫu {item.procedure_code} từ {item.effective_from:%d/%m/%Y}: {exc.message}",
                                   fields=exc.fields) from exc
        counts[outcome] += 1
        if outcome == "created":
            created.append(f"{row.procedure_code}@{row.effective_from.isoformat()}")
    if created:
        record(session, actor=actor, action="results.templates_imported", now=now, object_kind="result_templates",
               object_id=scope, province_code=None if scope == NATIONAL_SCOPE else scope,
               data={"source": source, **counts, "versions": created[:50]})
    return counts


def load_shipped_templates(session: Session, *, now: datetime) -> dict[str, int]:
    """The templates motcua ships (``data/templates.json``), as national versions: idempotent, so the demo, the CLI
    and a re-run after an upgrade all call it."""
    file = TemplateFile.model_validate(json.loads(SHIPPED.read_text(encoding="utf-8")))
    known = set(session.scalars(select(Procedure.code)))
    file = TemplateFile(format=file.format, templates=[t for t in file.templates if t.procedure_code in known])
    return import_templates(session, actor=SYSTEM, file=file, now=now, source="shipped")


# --------------------------------------------------------------------------------------------------- drafts


def template_in_force(session: Session, procedure_code: str, day: Any, province_code: str) -> ResultTemplate | None:
    """The province's own latest version effective on ``day``, else the latest national one (as the catalogue)."""
    for scope in (province_code, NATIONAL_SCOPE):
        row = session.scalar(select(ResultTemplate).where(
            ResultTemplate.procedure_code == procedure_code, ResultTemplate.scope == scope,
            ResultTemplate.effective_from <= day).order_by(ResultTemplate.effective_from.desc()).limit(1))
        if row is not None:
            return row
    return None


@dataclass(frozen=True)
class _Situation:
    actor: Principal
    commune_code: str
    dossier_open: bool


def situation(actor: Principal, dossier: Dossier) -> tuple[frozenset[Party], _Situation]:
    """Who the actor is for this dossier's result, and what the guards read (the page asks the same)."""
    held = workflow.parties(actor, dossier.deciding_commune_code, may_attach_result(actor, dossier))
    return held, _Situation(actor, dossier.deciding_commune_code, _attachable(dossier))


def _attachable(dossier: Dossier) -> bool:
    return Status(dossier.status) in {Status.AWAITING_APPROVAL, Status.RESULT_READY, Status.IN_CORRECTION}


def standard_values(session: Session, dossier: Dossier) -> dict[str, str]:
    """The fields every template may read, from the dossier, the applicant and the deciding commune."""
    commune = session.get_one(Commune, dossier.deciding_commune_code)
    province = session.get_one(Province, dossier.province_code)
    received = to_local(dossier.received_at)
    return {
        "ma_ho_so": dossier.code, "ten_thu_tuc": dossier.procedure_name, "nguoi_nop": dossier.applicant_name,
        "so_dinh_danh": dossier.id_number or "", "ma_so_thue": dossier.tax_code or "", "dia_chi": dossier.address,
        "ngay_tiep_nhan": f"{received:%d/%m/%Y}", "ket_qua": dossier.result_summary or "",
        "ten_xa": f"{commune.kind} {commune.name}", "ten_tinh": f"{province.kind} {province.name}",
    }


def clean_values(template: ResultTemplate, raw: dict[str, Any]) -> dict[str, Any]:
    """The officer's variable parts, held to the template's fields (unknown keys dropped, lengths checked)."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in template.fields:
        key, kind, limit = field["key"], field.get("kind", "text"), int(field.get("max_length", 500))
        value = raw.get(key, [] if kind == "list" else "")
        if kind == "list":
            lines = value if isinstance(value, list) else str(value).splitlines()
            lines = [str(line).strip() for line in lines if str(line).strip()]
            if len(lines) > 50 or any(len(line) > limit for line in lines):
                errors[key] = f"Tối đa 50 dòng, mỗi dòng {limit} ký tự."
            out[key] = lines
        else:
            text = str(value).strip()
            if len(text) > limit:
                errors[key] = f"Tối đa {limit} ký tự."
            out[key] = text
    if errors:
        raise ValidationFailed("Kiểm tra lại các trường được đánh dấu.", fields=errors)
    return out


def missing_values(template: ResultTemplate, values: dict[str, Any]) -> dict[str, str]:
    return {f["key"]: "Bắt buộc." for f in template.fields if not values.get(f["key"])}


def _dossier_of(session: Session, actor: Principal, draft_id: int) -> tuple[ResultDraft, Dossier]:
    draft = session.get(ResultDraft, draft_id)
    if draft is None:
        raise NotFound("Không tìm thấy kết quả.")
    dossier = get_dossier_for(session, actor, draft.dossier_id)  # 404 outside the actor's jurisdiction
    if actor.commune_code != draft.commune_code:
        raise NotFound("Không tìm thấy kết quả.")
    return draft, dossier


def _plan(actor: Principal, dossier: Dossier, draft_status: str, action: DraftAction) -> workflow.Transition:
    held, sit = situation(actor, dossier)
    return workflow.plan(action, draft_status, held, sit)


def _move(session: Session, draft: ResultDraft, seen: int, now: datetime, **values: Any) -> None:
    """The guarded UPDATE every change of a draft goes through."""
    result = session.execute(
        update(ResultDraft).where(ResultDraft.id == draft.id, ResultDraft.version == seen,
                                  ResultDraft.status == draft.status)
        .values(version=seen + 1, updated_at=now, **values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(STALE)
    session.expire(draft)


def _audit(session: Session, actor: Principal, draft: ResultDraft, dossier: Dossier, action: str, now: datetime,
           **data: Any) -> None:
    record(session, actor=actor, action=f"results.{action}", now=now, object_kind="result_draft", object_id=draft.id,
           province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"dossier": dossier.code, **data})


def open_draft(session: Session, dossier_id: int) -> ResultDraft | None:
    """The dossier's result still on its way (not issued), if any."""
    return session.scalar(select(ResultDraft).where(ResultDraft.dossier_id == dossier_id,
                                                    ResultDraft.status != DraftStatus.ISSUED.value)
                          .order_by(ResultDraft.id.desc()).limit(1))


def issued_before(session: Session, dossier: Dossier) -> ResultDraft | None:
    """The result already issued for the dossier that bars a new draft: any, unless the dossier is being corrected
    (Art. 23: the corrected result is a new document; the earlier one is revoked by the correction)."""
    if Status(dossier.status) is Status.IN_CORRECTION:
        return None
    return session.scalar(select(ResultDraft).where(ResultDraft.dossier_id == dossier.id,
                                                    ResultDraft.status == DraftStatus.ISSUED.value).limit(1))


def start_draft(session: Session, *, actor: Principal, dossier_id: int, now: datetime) -> ResultDraft:
    """Draft the dossier's result from its procedure's template in force (or return the draft already open)."""
    dossier = read_dossier_for(session, actor, dossier_id, now).dossier  # the fields read are personal data
    check_may_attach_result(actor, dossier)
    existing = open_draft(session, dossier.id)
    if existing is not None:
        return existing
    issued = issued_before(session, dossier)
    if issued is not None:
        raise ValidationFailed(f"Hồ sơ đã có kết quả số {issued.number_text}; chỉ soạn kết quả mới khi đính chính kết "
                               "quả (Điều 23 Nghị định 118/2025/NĐ-CP).")
    template = template_in_force(session, dossier.procedure_code, to_local(now).date(), dossier.province_code)
    if template is None:
        raise ValidationFailed("Thủ tục này chưa có mẫu kết quả; quản trị viên cấp tỉnh tạo mẫu tại «Mẫu kết quả», "
                               "hoặc đính kèm kết quả bằng tệp.")
    draft = ResultDraft(dossier_id=dossier.id, commune_code=dossier.deciding_commune_code,
                        province_code=dossier.province_code, template_id=template.id,
                        status=DraftStatus.DRAFT.value, version=1, values=clean_values(template, {}),
                        drafted_by_id=actor.officer_id, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    _audit(session, actor, draft, dossier, "drafted", now, template=template.id)
    return draft


def save_draft(session: Session, *, actor: Principal, draft_id: int, seen: int, values: dict[str, Any],
               now: datetime, submit: bool = False) -> ResultDraft:
    """Save the variable parts; with ``submit``, send the draft to the leaders (every field filled)."""
    draft, dossier = _dossier_of(session, actor, draft_id)
    _plan(actor, dossier, draft.status, DraftAction.SUBMIT if submit else DraftAction.EDIT)
    template = session.get_one(ResultTemplate, draft.template_id)
    cleaned = clean_values(template, values)
    if submit:
        missing = missing_values(template, cleaned)
        if missing:
            raise ValidationFailed("Điền đủ các trường trước khi trình ký.", fields=missing)
        _move(session, draft, seen, now, values=cleaned, status=DraftStatus.SUBMITTED.value, submitted_at=now,
              returned_reason=None, message=None)
        _audit(session, actor, draft, dossier, "submitted", now)
    else:
        _move(session, draft, seen, now, values=cleaned)
    return draft


def return_draft(session: Session, *, actor: Principal, draft_id: int, seen: int, reason: str,
                 now: datetime) -> ResultDraft:
    """The leader sends the draft back to the officer with the reason."""
    draft, dossier = _dossier_of(session, actor, draft_id)
    _plan(actor, dossier, draft.status, DraftAction.RETURN)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Ghi lý do trả lại.", fields={"reason": "Bắt buộc."})
    _move(session, draft, seen, now, status=DraftStatus.RETURNED.value, returned_reason=reason[:2000])
    _audit(session, actor, draft, dossier, "returned", now, reason=reason[:200])
    return draft


# --------------------------------------------------------------------------------------------------- the register


def next_number(session: Session, issuer: str, year: int) -> int:
    """The register's next number for the body and year: one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
    inside the issuing transaction (Decree 30/2020 Art. 15: numbered from 01 each year). Concurrent signings of a
    body queue on its row until the commit; a rolled-back signing gives its number back: gap-free."""
    upsert = dialect_insert(session, ResultRegisterCounter).values(issuer=issuer, year=year, last_seq=1)
    upsert = upsert.on_conflict_do_update(index_elements=[ResultRegisterCounter.issuer, ResultRegisterCounter.year],
                                          set_={"last_seq": ResultRegisterCounter.last_seq + 1})
    return int(session.execute(upsert.returning(ResultRegisterCounter.last_seq)).scalar_one())


def number_text(number: int | None, doc_type: str) -> str:
    """"12/QĐ-UBND" (Decree 30/2020 Appendix I: number, the type's abbreviation, the issuer's); unnumbered yet:
    blanks for the hand."""
    return f"{number:02d}/{doc_type}-UBND" if number is not None else f"      /{doc_type}-UBND"


def letterhead(session: Session, draft: ResultDraft, template: ResultTemplate, *, signer_name: str,
               number: str, verification_code: str = "", base_url: str = "", paper_note: str = "") -> Letterhead:
    commune = session.get_one(Commune, draft.commune_code)
    return Letterhead(superior="", body_name=f"ỦY BAN NHÂN DÂN\n{commune.kind} {commune.name}".upper(),
                      place=commune.name, title=template.title, number=number, signer_title=template.signer_title,
                      signer_name=signer_name, recipients=(*template.recipients,),
                      verification_code=verification_code,
                      verify_url=f"{base_url.rstrip('/')}/xac-minh/{verification_code}" if verification_code else "",
                      paper_note=paper_note)


def render_draft(session: Session, draft: ResultDraft, dossier: Dossier, now: datetime, *, signer_name: str = "",
                 number: int | None = None, verification_code: str = "", base_url: str = "",
                 paper_note: str = "") -> Rendered:
    """The draft as a PDF: unnumbered for review and for the hand, numbered and with its QR when issued."""
    template = session.get_one(ResultTemplate, draft.template_id)
    values = {**standard_values(session, dossier), **clean_values(template, draft.values)}
    head = letterhead(session, draft, template, signer_name=signer_name, number=number_text(number, template.doc_type),
                      verification_code=verification_code, base_url=base_url, paper_note=paper_note)
    return render_pdf(head, template.body, values, now)


def _credential(session: Session, *, officer_id: int | None, commune_code: str) -> SigningCredential | None:
    query = select(SigningCredential).where(SigningCredential.active.is_(True),
                                            SigningCredential.commune_code == commune_code)
    query = query.where(SigningCredential.officer_id == officer_id) if officer_id is not None \
        else query.where(SigningCredential.officer_id.is_(None))
    return session.scalar(query.order_by(SigningCredential.id.desc()).limit(1))


def credentials_of(session: Session, actor: Principal) -> tuple[SigningCredential | None, SigningCredential | None]:
    """The leader's own credential and the seal of the leader's commune (either may be missing)."""
    if actor.commune_code is None or actor.officer_id is None:
        return None, None
    return (_credential(session, officer_id=actor.officer_id, commune_code=actor.commune_code),
            _credential(session, officer_id=None, commune_code=actor.commune_code))


def _issue(session: Session, *, actor: Principal, draft: ResultDraft, dossier: Dossier, seen: int, pdf: bytes,
           number: int, year: int, code: str, signature: str, signers: list[str], store: FileStore, now: datetime,
           max_upload_bytes: int) -> ResultDraft:
    """Attach, register and mark issued: the common end of both ways of signing."""
    template = session.get_one(ResultTemplate, draft.template_id)
    text = number_text(number, template.doc_type)
    _move(session, draft, seen, now, status=DraftStatus.ISSUED.value, signer_id=actor.officer_id, year=year,
          number=number, number_text=text, verification_code=code, signature=signature, issued_at=now, message=None,
          remote=None)
    extension = "pdf" if pdf[:5] == b"%PDF-" else ("png" if pdf[:4] == b"\x89PNG" else "jpg")
    add_document(session, actor=actor, dossier_id=dossier.id, store=store, now=now,
                 upload=Upload(None, f"ket-qua-{text.replace('/', '-')}.{extension}", pdf),
                 max_upload_bytes=max_upload_bytes, kind="result", signature=signature)
    if Status(dossier.status) is Status.IN_CORRECTION and session.scalar(select(ResultDraft.id).where(
            ResultDraft.dossier_id == dossier.id, ResultDraft.status == DraftStatus.ISSUED.value,
            ResultDraft.id != draft.id).limit(1)) is not None:
        # Art. 23(1): the corrected result replaces the one issued before, which /xac-minh then reports as revoked
        revoke_issued(session, actor=actor, dossier_id=dossier.id, now=now,
                             reason=f"Được thay thế bằng kết quả đính chính số {text}.")
    digest = hashlib.sha256(pdf).hexdigest()
    document_id = session.scalar(select(DossierDocument.id).where(
        DossierDocument.dossier_id == dossier.id, DossierDocument.kind == "result",
        DossierDocument.file_key == content_key(digest)).order_by(DossierDocument.id.desc()).limit(1))
    if document_id is None:  # add_document stores every checked file: this is a programming error
        raise RuntimeError("the issued result was not attached")
    session.execute(update(ResultDraft).where(ResultDraft.id == draft.id).values(document_id=document_id)
                    .execution_options(synchronize_session=False))
    session.expire(draft)
    register_issued(session, actor=actor, code=code, dossier_id=dossier.id, document_id=document_id,
                           sha256=digest, number=text, signature=signature, signers=signers, now=now)
    _audit(session, actor, draft, dossier, "issued", now, number=text, signature=signature, sha256=digest)
    return draft


def _officer_name(session: Session, actor: Principal) -> str:
    officer = session.get(Officer, actor.officer_id) if actor.officer_id else None
    return officer.full_name if officer is not None else actor.full_name or actor.name


def _check_credentials(personal: SigningCredential | None, seal: SigningCredential | None, now: datetime) -> tuple[
        SigningCredential, SigningCredential]:
    if personal is None:
        raise ValidationFailed("Bạn chưa được cấp chứng thư số: in dự thảo, ký tay, quét và tải lên (ký tay).")
    if seal is None:
        raise ValidationFailed("Xã chưa có chứng thư số của cơ quan (con dấu) để đóng dấu sau chữ ký.")
    for cred, who in ((personal, "của bạn"), (seal, "của cơ quan")):
        if cred.not_after <= now:
            raise ValidationFailed(f"Chứng thư số {who} đã hết hạn ngày {to_local(cred.not_after):%d/%m/%Y}; "
                                   "không ký được. Liên hệ tổ chức cung cấp dịch vụ chứng thực để gia hạn.")
    return personal, seal


def _number_for(session: Session, draft: ResultDraft, commune: Commune, now: datetime) -> tuple[int, int]:
    """(year, number): the one the draft already holds (a remote signing that was refused keeps it for the next
    try), else the register's next."""
    if draft.number is not None and draft.year is not None:
        return draft.year, draft.number
    year = to_local(now).year
    return year, next_number(session, agency_id_of(commune), year)


def _stamps(session: Session, actor: Principal, commune: Commune, template: ResultTemplate) -> tuple[Stamp, Stamp]:
    committee = f"Ủy ban nhân dân {commune.kind} {commune.name}"
    lines = template.signer_title.splitlines()
    personal = Stamp(name=_officer_name(session, actor), title=lines[-1].capitalize() if lines else "",
                     organisation=committee, field_name="LanhDao")
    return personal, Stamp(name=committee, title="Con dấu cơ quan", organisation=committee, field_name="ConDau")


def sign_draft(session: Session, *, actor: Principal, draft_id: int, seen: int, now: datetime, store: FileStore,
               context: SigningContext, base_url: str, pin: str | None = None,
               max_upload_bytes: int = 10 * 1024 * 1024) -> ResultDraft:
    """The leader signs with a certificate (PKCS#12 file or PKCS#11 token) and the seal signs after: one transaction
    from the claimed draft to the registered result."""
    draft, dossier = _dossier_of(session, actor, draft_id)
    _plan(actor, dossier, draft.status, DraftAction.SIGN)
    personal, seal = _check_credentials(*credentials_of(session, actor), now)
    if personal.kind == "remote":
        raise ValidationFailed("Chứng thư số của bạn ký từ xa: chọn «Ký số từ xa».")
    if personal.kind == "pkcs11" and not (pin or "").strip():
        raise ValidationFailed("Nhập mã PIN của thiết bị ký số (USB token).", fields={"pin": "Bắt buộc."})
    commune = session.get_one(Commune, draft.commune_code)
    template = session.get_one(ResultTemplate, draft.template_id)
    year, number = _number_for(session, draft, commune, now)
    code = draft.verification_code or new_verification_code()
    stamp, seal_stamp = _stamps(session, actor, commune, template)
    rendered = render_draft(session, draft, dossier, now, signer_name=stamp.name, number=number,
                            verification_code=code, base_url=base_url)
    signed = sign_with(personal, rendered.pdf, rendered.signer_box, stamp, now=now, context=context, pin=pin)
    sealed = sign_with(seal, signed, rendered.seal_box, seal_stamp, now=now, context=context)
    return _issue(session, actor=actor, draft=draft, dossier=dossier, seen=seen, pdf=sealed, number=number,
                  year=year, code=code, signature="digital", signers=[personal.subject, seal.subject],
                  store=store, now=now, max_upload_bytes=max_upload_bytes)


def start_remote_signing(session: Session, *, actor: Principal, draft_id: int, seen: int, now: datetime,
                         context: SigningContext, base_url: str) -> ResultDraft:
    """The leader signs on the phone: the final PDF (numbered — the number is held by the draft from now on, so the
    printed number and the register agree whatever the phone answers) goes to the remote signing service, and the
    draft waits for the answer (``poll_remote_signing``)."""
    draft, dossier = _dossier_of(session, actor, draft_id)
    _plan(actor, dossier, draft.status, DraftAction.START_REMOTE)
    personal, _seal = _check_credentials(*credentials_of(session, actor), now)
    if personal.kind != "remote":
        raise ValidationFailed("Chứng thư số của bạn không phải loại ký số từ xa.")
    commune = session.get_one(Commune, draft.commune_code)
    template = session.get_one(ResultTemplate, draft.template_id)
    year, number = _number_for(session, draft, commune, now)
    code = draft.verification_code or new_verification_code()
    stamp, _seal_stamp = _stamps(session, actor, commune, template)
    rendered = render_draft(session, draft, dossier, now, signer_name=stamp.name, number=number,
                            verification_code=code, base_url=base_url)
    pending = start_remote_signature(personal, rendered.pdf, rendered.signer_box, stamp, now=now, context=context,
                                     description=f"{template.name} — hồ sơ {dossier.code}")
    seal_box = rendered.seal_box
    _move(session, draft, seen, now, status=DraftStatus.AWAITING_REMOTE.value, year=year, number=number,
          number_text=number_text(number, template.doc_type), verification_code=code, signer_id=actor.officer_id,
          message=None, remote={"pending": pending.to_json(), "started_at": now.isoformat(),
                                "seal_box": None if seal_box is None else [seal_box.page, seal_box.x1, seal_box.y1,
                                                                           seal_box.x2, seal_box.y2]})
    _audit(session, actor, draft, dossier, "remote_started", now, number=number_text(number, template.doc_type))
    return draft


def poll_remote_signing(session: Session, *, actor: Principal, draft_id: int, now: datetime, store: FileStore,
                        context: SigningContext, max_upload_bytes: int = 10 * 1024 * 1024) -> str:
    """Ask the remote service for the leader's answer: ``pending``; ``issued`` (the seal signed after, attached and
    registered as ``sign_draft`` does); ``failed`` (refused or timed out: the draft is back waiting for a leader,
    with the service's message, and keeps its number)."""
    draft, dossier = _dossier_of(session, actor, draft_id)
    _plan(actor, dossier, draft.status, DraftAction.FINISH_REMOTE)
    remote = draft.remote or {}
    try:
        signed = finish_remote_signature(RemotePending.from_json(str(remote.get("pending", ""))), context=context)
    except RemotePendingYet:
        return "pending"
    except SigningRefused as exc:
        _move(session, draft, draft.version, now, status=DraftStatus.SUBMITTED.value, remote=None,
              message=exc.message)
        _audit(session, actor, draft, dossier, "remote_failed", now, reason=exc.message[:200])
        return "failed"
    personal, seal = _check_credentials(*credentials_of(session, actor), now)
    commune = session.get_one(Commune, draft.commune_code)
    template = session.get_one(ResultTemplate, draft.template_id)
    _stamp, seal_stamp = _stamps(session, actor, commune, template)
    where = remote.get("seal_box")
    box = None if not where else Box(int(where[0]), *(float(v) for v in where[1:]))
    sealed = sign_with(seal, signed, box, seal_stamp, now=now, context=context)
    if draft.number is None or draft.year is None or draft.verification_code is None:
        raise RuntimeError("a remote signing without its reserved number")
    _issue(session, actor=actor, draft=draft, dossier=dossier, seen=draft.version, pdf=sealed, number=draft.number,
           year=draft.year, code=draft.verification_code, signature="digital",
           signers=[personal.subject, seal.subject], store=store, now=now, max_upload_bytes=max_upload_bytes)
    return "issued"


def issue_on_paper(session: Session, *, actor: Principal, draft_id: int, seen: int, scan: bytes, filename: str,
                   now: datetime, store: FileStore, max_upload_bytes: int = 10 * 1024 * 1024) -> ResultDraft:
    """The wet-signature fallback (a leader without a certificate): the draft was printed, signed by hand and
    scanned; the scan is numbered from the register in this transaction and attached as ``paper``."""
    draft, dossier = _dossier_of(session, actor, draft_id)
    _plan(actor, dossier, draft.status, DraftAction.UPLOAD_PAPER)
    if not scan:
        raise ValidationFailed("Chọn tệp bản quét đã ký tay.", fields={"file": "Bắt buộc."})
    commune = session.get_one(Commune, draft.commune_code)
    year, number = _number_for(session, draft, commune, now)
    return _issue(session, actor=actor, draft=draft, dossier=dossier, seen=seen, pdf=scan, number=number, year=year,
                  code=draft.verification_code or new_verification_code(), signature="paper",
                  signers=[_officer_name(session, actor)], store=store, now=now, max_upload_bytes=max_upload_bytes)


# --------------------------------------------------------------------------------------------------- credentials


def add_credential(session: Session, *, actor: Principal, commune_code: str, officer_id: int | None, kind: str,
                   reference: str, subject: str, serial: str, not_after: datetime, now: datetime) -> SigningCredential:
    """Record how an officer (or, ``officer_id`` None, the commune's seal) signs; the secrets stay outside the DB."""
    if actor.kind != "system" and not (actor.has_role(Role.ADMIN) and actor.may_see(actor.province_code,
                                                                                     commune_code)):
        raise Forbidden("Chỉ quản trị viên được khai báo chứng thư số.")
    if kind not in CREDENTIAL_KINDS:
        raise ValidationFailed("Loại chứng thư số không hợp lệ.", fields={"kind": "pkcs12, pkcs11 hoặc remote."})
    session.execute(update(SigningCredential).where(
        SigningCredential.commune_code == commune_code, SigningCredential.active.is_(True),
        SigningCredential.officer_id == officer_id if officer_id is not None
        else SigningCredential.officer_id.is_(None)).values(active=False))
    row = SigningCredential(officer_id=officer_id, commune_code=commune_code, kind=kind, reference=reference,
                            subject=subject, serial=serial, not_after=not_after, active=True, created_at=now)
    session.add(row)
    session.flush()
    commune = session.get_one(Commune, commune_code)
    record(session, actor=actor, action="results.credential_added", now=now, object_kind="signing_credential",
           object_id=row.id, province_code=commune.province_code, commune_code=commune_code,
           data={"officer": officer_id, "kind": kind, "serial": serial})
    return row


def check_may_read_draft(actor: Principal, dossier: Dossier) -> None:
    """The draft's PDF is for its drafters and the deciding commune's leaders (it holds the applicant's data)."""
    held, _sit = situation(actor, dossier)
    if not held:
        raise NotFound("Không tìm thấy kết quả.")


def signer_hint(session: Session, actor: Principal) -> str:
    """The name under the signature on a draft: the leader's own when a leader prints it."""
    return _officer_name(session, actor) if actor.has_role(Role.APPROVER) else ""


def record_preview(session: Session, *, actor: Principal, template: ResultTemplate, dossier: Dossier,
                   now: datetime) -> None:
    """An administrator previewed a template against a citizen's dossier: the read is audited."""
    record(session, actor=actor, action="results.template_previewed", now=now, object_kind="dossier",
           object_id=dossier.id, province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "template": template.id, "fields": ["applicant_name", "address"]})
