"""Helpers of the docstore tests: a birth registration taken to its signed result, registered as issued."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.docstore.actions import new_verification_code, register_issued
from motcua.docstore.models import IssuedDocument
from motcua.dossier.actions import Upload, add_document, perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierDocument
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from tests.factories import T0, intake_data, pdf_bytes

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh: its result is the birth certificate (Giấy khai sinh)
ADOPTION = "2.001263"  # Đăng ký việc nuôi con nuôi trong nước: asks for the child's papers (ho_so_tre)
MARITAL = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: valid 6 months (Decree 123/2015 Art. 23)
MARRIAGE = "1.000894"  # Đăng ký kết hôn: asks for the marital-status certificate (xac_nhan_hon_nhan)
ADOPTION_ITEMS = ["don_nhan_con_nuoi", "phieu_ly_lich", "tinh_trang_hon_nhan", "suc_khoe", "dieu_kien_kinh_te",
                  "ho_so_tre", "giay_to_tuy_than"]


def act(session: Session, who: Principal, d: Dossier, action: Action, at: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=d.id, action=action,
                   data=ActionIn.model_validate({"version": d.version, **data}), now=at)


def result_pdf(label: str) -> bytes:
    """A real one-page PDF whose bytes differ per label (the registry keys results by their hash)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": label})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def issued_result(session: Session, team: dict[str, Principal], store: FileStore, *, procedure_code: str = BIRTH,
                  documents_present: list[str] | None = None, at: datetime = T0, signature: str = "digital",
                  id_number: str | None = None, label: str = "khai-sinh", data: bytes | None = None,
                  signers: tuple[str, ...] = ("Lê Minh Quân",)) -> tuple[Dossier, DossierDocument, str]:
    """A dossier received at ``at``, approved, its result attached signed and registered: (dossier, result, code)."""
    present = documents_present or ["to_khai", "giay_chung_sinh", "giay_to_tuy_than"]
    overrides: dict[str, object] = {"procedure_code": procedure_code, "documents_present": present}
    if id_number is not None:
        overrides["id_number"] = id_number
    d = receive_dossier(session, actor=team["reception"], data=intake_data(**overrides),
                        uploads=(Upload(present[0], "to-khai.pdf", pdf_bytes()),), store=store, now=at).dossier
    d = act(session, team["reception"], d, Action.TRANSFER, at + timedelta(minutes=10))
    d = act(session, team["approver"], d, Action.ASSIGN, at + timedelta(minutes=20), handler_id=team["specialist"].id)
    d = act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, at + timedelta(minutes=40))
    d = act(session, team["approver"], d, Action.APPROVE, at + timedelta(minutes=50), note="Giấy khai sinh số 12")
    data = data if data is not None else result_pdf(label)
    add_document(session, actor=team["approver"], dossier_id=d.id, kind="result", signature=signature, store=store,
                 upload=Upload(None, "ket-qua.pdf", data), now=at + timedelta(minutes=55))
    doc = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == d.id,
                                                        DossierDocument.kind == "result")).one()
    code = new_verification_code()
    register_issued(session, actor=team["approver"], code=code, dossier_id=d.id, document_id=doc.id,
                    sha256=hashlib.sha256(data).hexdigest(), number="12/GKS-UBND", signature=signature,
                    signers=list(signers), now=at + timedelta(minutes=55))
    return d, doc, code


def registry_row(session: Session, code: str) -> IssuedDocument:
    return session.scalars(select(IssuedDocument).where(IssuedDocument.code == code)).one()
