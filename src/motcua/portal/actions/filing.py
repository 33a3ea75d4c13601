"""Online filing (nộp hồ sơ trực tuyến, Decree 118 Art. 15, 17(2)): drafts, attachments, the submission, the online
supplement and withdrawal, and assisted filing by a digital volunteer or a counter officer.

A submitted dossier enters the same workflow table as a counter one, at ``submitted``: it gets its Art. 28 code at
once (the automatic acknowledgment), the centre's reception officers are alerted at once (Art. 17(2) asks within
2 hours), and its ``due_at`` is the end of the 8 working hours in which the centre accepts it or asks for a
supplement. The legal clock of the procedure starts only at the acceptance (``accept_online``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import ASSISTED_FILING_ROLES, Role
from motcua.calendar import to_vietnam_time
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.queries import version_in_force
from motcua.db import affected_rows
from motcua.dossier.actions import (
    NewDossier,
    StoredFile,
    Upload,
    add_document,
    attach_draft_file,
    create_dossier,
    draft_files,
    perform,
    reused_documents,
)
from motcua.dossier.files import FileStore, UploadRejected, content_key, inspect_upload, refuse_path_tricks
from motcua.dossier.models import Dossier, DossierDocument, FilingConsent
from motcua.dossier.queries import get_dossier_for
from motcua.dossier.schemas import ActionIn, IntakeIn
from motcua.dossier.workflow import SUPPLEMENT_TO_CONFIRM, Action, Status
from motcua.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from motcua.kit.messages import vietnamese_message
from motcua.kit.numbers import is_ascii_digits
from motcua.notify.models import Channel
from motcua.org.models import Commune
from motcua.portal.actions.accounts import Destination, check_code, parse_destination, request_code
from motcua.portal.models import CitizenAccount, DossierDraft, DraftFile

DRAFT_FIELDS = ("applicant_kind", "applicant_name", "id_number", "tax_code", "phone", "email", "address",
                "address_commune_code", "fee_option", "fee_exemption")
MAX_FIELD = 300
#: The files of one online supplement (the form's limit, and the action's for any other caller).
MAX_SUPPLEMENT_FILES = 20


def _clean_fields(raw: dict[str, Any]) -> dict[str, str]:
    """Keep the known fields of the form as stripped text; formats are checked on submission (a draft may be
    half-filled), lengths at once (nothing oversized is ever stored)."""
    fields: dict[str, str] = {}
    for name in DRAFT_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        text = " ".join(str(value).split())
        if len(text) > MAX_FIELD:
            raise ValidationFailed("Nội dung quá dài.", fields={name: f"Tối đa {MAX_FIELD} ký tự."})
        fields[name] = text
    return fields


def get_draft_for(session: Session, citizen: CitizenAccount, draft_id: int) -> DossierDraft:
    """The draft if it is the citizen's own; 404 otherwise (house rule 7)."""
    draft = session.scalar(select(DossierDraft).where(DossierDraft.id == draft_id,
                                                      DossierDraft.citizen_id == citizen.id))
    if draft is None:
        raise NotFound("Không tìm thấy hồ sơ nháp.")
    return draft


def _online_version(session: Session, procedure_code: str, now: datetime,
                    commune_code: str | None = None) -> tuple[Procedure, ProcedureVersion]:
    """The version in force for the deciding commune's province (its own version wins over the national one)."""
    commune = session.get(Commune, commune_code) if commune_code else None
    procedure, version = version_in_force(session, procedure_code, to_vietnam_time(now).date(),
                                          commune.province_code if commune is not None else None)
    if "online" not in version.data.get("channels", []):
        raise ValidationFailed("Thủ tục này không nộp trực tuyến được; mời Ông/Bà nộp tại Trung tâm.",
                               fields={"procedure_code": "Không hỗ trợ trực tuyến."})
    return procedure, version


def start_draft(session: Session, *, citizen: CitizenAccount, procedure_code: str, commune_code: str,
                now: datetime) -> DossierDraft:
    """Begin a dossier online: the procedure and the commune that decides it; the applicant's known facts prefilled."""
    commune = session.get(Commune, commune_code) if is_ascii_digits(commune_code) else None
    # Refused now rather than after the citizen filled the form.
    _online_version(session, procedure_code, now, commune.code if commune is not None else None)
    if commune is None:
        raise ValidationFailed("Chọn xã, phường giải quyết hồ sơ.", fields={"commune_code": "Không hợp lệ."})
    prefill = {"applicant_kind": "person", "applicant_name": citizen.full_name, "id_number": citizen.id_number or "",
               "phone": citizen.phone or "", "email": citizen.email or ""}
    draft = DossierDraft(citizen_id=citizen.id, procedure_code=procedure_code, commune_code=commune.code,
                         fields=prefill, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def save_draft(session: Session, *, citizen: CitizenAccount, draft_id: int, fields: dict[str, Any],
               now: datetime) -> DossierDraft:
    draft = get_draft_for(session, citizen, draft_id)
    if draft.submitted_at is not None:
        raise Conflict("Hồ sơ này đã được nộp; không sửa bản nháp được nữa.")
    draft.fields = {**draft.fields, **_clean_fields(fields), "reused": _reuse_choices(fields)}
    draft.updated_at = now
    return draft


def _reuse_choices(raw: dict[str, Any]) -> dict[str, int]:
    """The documents of the citizen's store chosen for checklist items (``reuse_<item>`` = document id, issue 17):
    the form sends every choice each time, so an unticked one is dropped. Checked again on submission."""
    out: dict[str, int] = {}
    for name, value in raw.items():
        key, text = name.removeprefix("reuse_"), str(value)
        if name.startswith("reuse_") and 0 < len(key) <= 40 and text.isascii() and text.isdigit() and len(text) <= 9:
            out[key] = int(text)
    return out


def attach_to_draft(session: Session, *, citizen: CitizenAccount, draft_id: int, requirement_key: str,
                    filename: str, data: bytes, store: FileStore, now: datetime,
                    max_upload_bytes: int) -> DraftFile:
    """Attach one document to a draft: checked by content (type, size, bombs, executables, names), stored once."""
    draft = get_draft_for(session, citizen, draft_id)
    if draft.submitted_at is not None:
        raise Conflict("Hồ sơ này đã được nộp; không đính kèm vào bản nháp được nữa.")
    _procedure, version = _online_version(session, draft.procedure_code, now, draft.commune_code)
    if requirement_key not in {d["key"] for d in version.data.get("documents", [])}:
        raise ValidationFailed("Tệp đính kèm không thuộc thành phần hồ sơ.", fields={"requirement_key": "Không có."})
    return attach_draft_file(session, draft=draft, requirement_key=requirement_key, filename=filename, data=data,
                             store=store, now=now, max_upload_bytes=max_upload_bytes)


def remove_from_draft(session: Session, *, citizen: CitizenAccount, draft_id: int, file_id: int) -> None:
    draft = get_draft_for(session, citizen, draft_id)
    if draft.submitted_at is not None:
        raise Conflict("Hồ sơ này đã được nộp.")
    attached = session.scalar(select(DraftFile).where(DraftFile.id == file_id, DraftFile.draft_id == draft.id))
    if attached is None:
        raise NotFound("Không tìm thấy tệp.")
    session.delete(attached)


def _intake_data(fields: dict[str, Any], procedure_code: str, present: list[str]) -> IntakeIn:
    raw: dict[str, Any] = {k: (v or None) for k, v in fields.items() if k in DRAFT_FIELDS}
    raw.setdefault("applicant_kind", "person")
    option = raw.pop("fee_option", None)  # the alternative fee chosen (its index in the procedure's fee list)
    if option is not None:
        if not str(option).isdigit():
            raise ValidationFailed("Khoản phí, lệ phí được chọn không hợp lệ.",
                                   fields={"fee_option": "Chọn lại khoản phí, lệ phí áp dụng."})
        raw["fee_options"] = [int(option)]
    try:
        return IntakeIn.model_validate({**raw, "procedure_code": procedure_code, "channel": 2,
                                        "documents_present": present})
    except ValidationError as exc:
        problems = {str(e["loc"][0]) if e["loc"] else "form": vietnamese_message(e) for e in exc.errors()}
        raise ValidationFailed("Thông tin hồ sơ chưa đúng; xem các ô được đánh dấu.", fields=problems) from exc


def _check_complete(version: ProcedureVersion, present: Sequence[str]) -> None:
    """An online dossier carries every mandatory document of the procedure (nobody at a counter can look at it)."""
    missing = [d["name"] for d in version.data.get("documents", [])
               if d.get("mandatory", True) and d["key"] not in present]
    if missing:
        raise ValidationFailed("Hồ sơ trực tuyến phải đính kèm đủ các giấy tờ bắt buộc.",
                               fields={"documents_present": "Còn thiếu: " + "; ".join(missing)})


def vneid_verified(citizen: CitizenAccount) -> bool:
    """A citizen filing for themselves from an account whose identity the population database confirmed at VNeID
    level 2 (``accounts.verify_identity``): the dossier is counted by indicator 4.5b (TaiKhoanDuocXacThucVoiVNeID)."""
    return citizen.identity_checked_at is not None and citizen.vneid_level >= 2


def _file_online(session: Session, *, actor: Principal, data: IntakeIn, commune: Commune, procedure: Procedure,
                 version: ProcedureVersion, files: Sequence[StoredFile], filed_by: str, citizen_id: int | None,
                 now: datetime, public_base_url: str | None, identity_verified: bool = False) -> Dossier:
    """The dossier of an online filing, at ``submitted`` (``dossier.actions.create_dossier``: code, documents,
    timeline, the centre's alert, the acknowledgment, audit). ``files`` are already checked and stored."""
    _check_complete(version, data.documents_present)
    return create_dossier(session, actor=actor, now=now, public_base_url=public_base_url, new=NewDossier(
        action=Action.SUBMIT_ONLINE, data=data, receiving=commune, deciding=commune, procedure=procedure,
        version=version, filed_by=filed_by, citizen_id=citizen_id, documents=files,
        event_data={"filed_by": filed_by}, identity_verified=identity_verified)).dossier


def submit_draft(session: Session, *, citizen: CitizenAccount, actor: Principal, draft_id: int, now: datetime,
                 public_base_url: str | None = None) -> Dossier:
    """Nộp hồ sơ: the draft becomes a dossier at ``submitted``. A double submit (two clicks, two tabs) gives the one
    dossier: the guarded UPDATE of ``submitted_at`` lets exactly one request through."""
    draft = get_draft_for(session, citizen, draft_id)
    if draft.submitted_at is not None:
        if draft.dossier_id is None:  # pragma: no cover - both are set in the same transaction
            raise Conflict("Hồ sơ đang được nộp.")
        return session.get_one(Dossier, draft.dossier_id)
    procedure, version = _online_version(session, draft.procedure_code, now, draft.commune_code)
    files = draft_files(session, draft)
    reused = {str(k): int(v) for k, v in (draft.fields.get("reused") or {}).items()}
    data = _intake_data(draft.fields, draft.procedure_code, sorted({f.requirement_key for f in files} | set(reused)))
    data = data.model_copy(update={"reused": reused})
    checklist = {d["key"]: d for d in version.data.get("documents", [])}
    # the citizen's own store: the ID number the population database confirmed, and the dossiers the account follows
    from_store = reused_documents(session, actor=actor, data=data, citizen_id=citizen.id, id_number=citizen.id_number,
                                  procedure_code=procedure.code, required=checklist, now=now)
    _check_complete(version, data.documents_present)  # before the draft is marked submitted
    won = affected_rows(session, update(DossierDraft).where(DossierDraft.id == draft.id,
                                                            DossierDraft.submitted_at.is_(None))
                        .values(submitted_at=now))
    if won != 1:
        session.refresh(draft)
        if draft.dossier_id is None:
            raise Conflict("Hồ sơ vừa được nộp từ một cửa sổ khác; vui lòng tải lại trang.")
        return session.get_one(Dossier, draft.dossier_id)
    commune = session.get_one(Commune, draft.commune_code)
    required = {d["key"]: d["name"] for d in version.data.get("documents", [])}
    stored = [StoredFile(f.requirement_key, required[f.requirement_key], f.file_key, f.file_name, f.content_type,
                         f.size) for f in files] + from_store
    dossier = _file_online(session, actor=actor, data=data, commune=commune, procedure=procedure, version=version,
                           files=stored, filed_by="citizen", citizen_id=citizen.id, now=now,
                           public_base_url=public_base_url, identity_verified=vneid_verified(citizen))
    session.execute(update(DossierDraft).where(DossierDraft.id == draft.id).values(dossier_id=dossier.id))
    return dossier


def supply_online(session: Session, *, actor: Principal, dossier_id: int, version: int, uploads: Sequence[Upload],
                  note: str, store: FileStore, now: datetime, max_upload_bytes: int,
                  public_base_url: str | None = None) -> Dossier:
    """Nộp bổ sung trực tuyến: the missing documents go into the same dossier, which keeps its code — asked after
    appraisal (Art. 19(5)) or, for an online dossier, before its acceptance (Art. 17(1)-(2)). The clock does not
    move yet: a centre officer confirms the supplement complete (then it restarts from zero, or starts at the
    acceptance) or asks again.

    Every file is checked (type by content, size) before anything is stored or changed, so a wrong file loses
    nothing: the request still stands and the citizen sends again. The same supplement sent twice (a double click,
    a reload) is one: the second finds these very files already sent and answers with the dossier unchanged.
    """
    dossier = get_dossier_for(session, actor, dossier_id)  # the access gate first: someone else's dossier is 404
    if not uploads:
        raise ValidationFailed("Mời Ông/Bà đính kèm ít nhất một tệp giấy tờ cần bổ sung.",
                               fields={"files": "Bắt buộc."})
    if len(uploads) > MAX_SUPPLEMENT_FILES:
        raise ValidationFailed(f"Mỗi lần nộp bổ sung được đính kèm tối đa {MAX_SUPPLEMENT_FILES} tệp.",
                               fields={"files": "Quá nhiều tệp."})
    checklist = {d["key"] for d in session.get_one(ProcedureVersion, dossier.procedure_version_id)
                 .data.get("documents", [])}
    for upload in uploads:  # every file, before any is stored: a wrong one among several keeps none
        if upload.requirement_key is not None and upload.requirement_key not in checklist:
            raise ValidationFailed("Tệp đính kèm không thuộc thành phần hồ sơ của thủ tục.",
                                   fields={"file_keys": "Không hợp lệ."})
        try:
            refuse_path_tricks(upload.filename)
            inspect_upload(upload.filename, upload.data, max_bytes=max_upload_bytes)
        except UploadRejected as exc:
            if len(uploads) == 1:
                raise
            raise UploadRejected(f"Tệp “{_shown_name(upload.filename)}”: {exc.message}", reason=exc.reason) from exc
    if version != dossier.version and _already_supplied(session, dossier, uploads):
        return dossier
    action = Action.SUPPLY_AT_INTAKE if dossier.status == Status.INTAKE_SUPPLEMENT.value else Action.SUPPLY_ONLINE
    for upload in uploads:
        add_document(session, actor=actor, dossier_id=dossier_id, upload=upload, store=store, now=now,
                     max_upload_bytes=max_upload_bytes, kind="supplement")
    return perform(session, actor=actor, dossier_id=dossier_id, action=action,
                   data=ActionIn(version=version, note=note), now=now, public_base_url=public_base_url)


def _shown_name(filename: str) -> str:
    """A file's name as an error message names it: printable, at most 80 characters."""
    name = "".join(ch if ch.isprintable() else "?" for ch in filename)
    return name if len(name) <= 80 else name[:77] + "…"


def _already_supplied(session: Session, dossier: Dossier, uploads: Sequence[Upload]) -> bool:
    """The dossier waits for the centre to confirm a supplement that holds every one of these files."""
    if Status(dossier.status) not in SUPPLEMENT_TO_CONFIRM:
        return False
    keys = {content_key(hashlib.sha256(u.data).hexdigest()) for u in uploads}
    found = set(session.scalars(select(DossierDocument.file_key).where(
        DossierDocument.dossier_id == dossier.id, DossierDocument.kind == "supplement",
        DossierDocument.file_key.in_(keys))))
    return found == keys


def withdraw_online(session: Session, *, actor: Principal, dossier_id: int, version: int, reason: str,
                    now: datetime) -> Dossier:
    """Rút hồ sơ (Art. 21): an online filer withdraws their own dossier until the decision."""
    return perform(session, actor=actor, dossier_id=dossier_id, action=Action.WITHDRAW,
                   data=ActionIn(version=version, note=reason), now=now)


# ------------------------------------------------------------------------------------------------ assisted filing

CONSENT_METHODS = ("otp", "paper")


def file_on_behalf(session: Session, *, actor: Principal, data: IntakeIn, commune_code: str, uploads: Sequence[Upload],
                   consent_method: str, consent_code: str = "", consent_scan: Upload | None = None,
                   store: FileStore, now: datetime, max_upload_bytes: int,
                   public_base_url: str | None = None, code_key: str) -> Dossier:
    """Hỗ trợ nộp hồ sơ trực tuyến: a digital volunteer (Tổ công nghệ số cộng đồng) or a counter officer files an
    online dossier for a citizen, with the citizen's consent — a code sent to the citizen's own phone and read back,
    or their signed consent, scanned. The dossier says who filed it (``filed_by`` volunteer or officer), so that it
    is counted apart from citizens' own online filing (docs/legal.md §9; Decision 766 indicator 3.3)."""
    if actor.kind != "officer" or not actor.has_role(*ASSISTED_FILING_ROLES) or actor.commune_code is None:
        raise Forbidden("Chỉ tình nguyện viên số hoặc cán bộ tiếp nhận của xã được hỗ trợ nộp hồ sơ.")
    commune = session.get(Commune, commune_code) if is_ascii_digits(commune_code) else None
    if commune is None or commune.province_code != actor.province_code:
        raise ValidationFailed("Chọn xã, phường giải quyết trong tỉnh.", fields={"commune_code": "Không hợp lệ."})
    if data.phone is None:
        raise ValidationFailed("Cần số điện thoại của người dân để xác nhận đồng ý và nhận thông báo.",
                               fields={"phone": "Bắt buộc."})
    if consent_method not in CONSENT_METHODS:
        raise ValidationFailed("Chọn cách người dân xác nhận đồng ý.", fields={"consent_method": "Bắt buộc."})
    procedure, version = _online_version(session, data.procedure_code, now, commune.code)
    required = {d["key"]: d["name"] for d in version.data.get("documents", [])}
    checked = []
    for upload in uploads:
        if upload.requirement_key not in required:
            raise ValidationFailed("Tệp đính kèm không thuộc thành phần hồ sơ.", fields={"files": "Không hợp lệ."})
        refuse_path_tricks(upload.filename)
        checked.append((upload, inspect_upload(upload.filename, upload.data, max_bytes=max_upload_bytes)))
    consent_key = None
    if consent_method == "paper":
        if consent_scan is None:
            raise ValidationFailed("Đính kèm bản chụp giấy đồng ý có chữ ký của người dân.",
                                   fields={"consent_scan": "Bắt buộc."})
        info = inspect_upload(consent_scan.filename, consent_scan.data, max_bytes=max_upload_bytes)
        consent_key = store.put(info, consent_scan.data)
    elif not check_code(session, destination=Destination(Channel.SMS, data.phone), purpose="consent",
                        code=consent_code, now=now, key=code_key):
        raise ValidationFailed("Mã xác nhận của người dân không đúng hoặc đã hết hạn.",
                               fields={"consent_code": "Không đúng."})
    files = [StoredFile(upload.requirement_key, required[upload.requirement_key or ""],
                        store.put(info, upload.data), info.safe_name, info.content_type, info.size)
             for upload, info in checked]
    present = sorted({f.requirement_key or "" for f in files})
    data = data.model_copy(update={"channel": 2, "documents_present": present})
    follower = session.scalar(select(CitizenAccount.id).where(CitizenAccount.phone == data.phone))
    helper_role = Role.VOLUNTEER if actor.has_role(Role.VOLUNTEER) and not actor.has_role(Role.RECEPTION) \
        else Role.RECEPTION
    filed_by = "volunteer" if helper_role is Role.VOLUNTEER else "officer"
    dossier = _file_online(session, actor=actor, data=data, commune=commune, procedure=procedure, version=version,
                           files=files, filed_by=filed_by,
                           citizen_id=follower, now=now, public_base_url=public_base_url)
    session.add(FilingConsent(dossier_id=dossier.id, citizen_name=data.applicant_name, citizen_phone=data.phone,
                              method=consent_method, file_key=consent_key, helper_id=actor.id or 0,
                              helper_role=helper_role.value, recorded_at=now))
    record(session, actor=actor, action="dossier.consent_recorded", now=now, object_kind="dossier",
           object_id=dossier.id, province_code=dossier.province_code, commune_code=commune.code,
           data={"code": dossier.code, "method": consent_method, "scan": consent_key})
    return dossier


def send_consent_code(session: Session, *, actor: Principal, phone: str, ip: str | None, now: datetime,
                      key: str) -> None:
    """The code the citizen reads back to the helper to consent to the filing (sent to the citizen's own phone)."""
    if actor.kind != "officer" or not actor.has_role(*ASSISTED_FILING_ROLES):
        raise Forbidden("Chỉ tình nguyện viên số hoặc cán bộ tiếp nhận được gửi mã xác nhận.")
    destination = parse_destination(phone)
    if destination.channel is not Channel.SMS:
        raise ValidationFailed("Nhập số điện thoại di động của người dân.", fields={"phone": "Không hợp lệ."})
    request_code(session, destination=destination, purpose="consent", ip=ip, now=now, key=key)
