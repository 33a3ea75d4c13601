"""Reads of the registry and of the citizen's store (kho dữ liệu điện tử).

The store is not a copy: it is the documents motcua already holds, read per citizen — every dossier of a person
with the citizen's ID number, or followed by their portal account — keeping the results issued signed (digitally, or
by hand and scanned) and the papers digitised at intake (scans of originals, not items that themselves reuse the
store). Each entry has its kind (``kinds``) and validity: a result's from its kind (no expiry in law, or months from
the day of issue), revoked when the registry says so (Decree 118 Art. 23); a scan's validity is not known to motcua.

Need to know (``base.access``): the citizen reads their own store on the portal; an officer never browses it — the
intake form is offered only the still-valid documents that stand for the checklist items of the procedure in hand,
for the applicant whose ID number the officer typed (``reusable_for``), and that read is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from motcua.audit.actions import record_personal_data_read
from motcua.base.access import need_to_know
from motcua.base.principal import Principal
from motcua.base.roles import INTAKE_ROLES
from motcua.calendar import to_vietnam_time
from motcua.docstore.kinds import DocumentKind, kind_of_result, kinds_for_item, valid_until
from motcua.docstore.models import IssuedDocument
from motcua.dossier.hooks import ReusableDocument
from motcua.dossier.models import Dossier, DossierDocument

Validity = Literal["valid", "expired", "revoked", "unknown"]
VALIDITY_LABELS: dict[str, str] = {"valid": "Còn hiệu lực", "expired": "Hết hiệu lực", "revoked": "Đã bị hủy",
                                   "unknown": "Không xác định thời hạn"}


def issued_by_code(session: Session, code: str) -> IssuedDocument | None:
    return session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))


def issued_by_sha256(session: Session, sha256: str) -> IssuedDocument | None:
    """The registered result with this hash (the latest, should one file have been registered twice)."""
    return session.scalar(select(IssuedDocument).where(IssuedDocument.sha256 == sha256)
                          .order_by(IssuedDocument.id.desc()).limit(1))


@dataclass(frozen=True)
class PublicEntry:
    """What the public verification shows of a registered result: the issuing body, number, date, procedure,
    signers and dossier code; the applicant masked (the verifier holds the paper and needs no one's identity)."""

    code: str
    dossier_code: str
    number: str
    issuing_body: str
    procedure_name: str
    issued_at: datetime
    signature: str
    signers: tuple[str, ...]
    applicant: str
    sha256: str
    revoked_at: datetime | None
    revoked_reason: str | None


def initials(name: str) -> str:
    """``Đ••• V••• Đ•••`` for Đặng Văn Đức: enough for the holder of the paper to recognise it is theirs, nothing to
    identify a stranger by (the public answer's need to know)."""
    return " ".join(word[0] + "•••" for word in name.split())


def public_entry(session: Session, issued: IssuedDocument) -> PublicEntry:
    dossier = session.get_one(Dossier, issued.dossier_id)
    return PublicEntry(issued.code, dossier.code, issued.number, issued.issuing_body, issued.procedure_name,
                       issued.issued_at, issued.signature, tuple(issued.signers),
                       initials(dossier.applicant_name),
                       issued.sha256, issued.revoked_at, issued.revoked_reason)


# ------------------------------------------------------------------------------------------------ the store

@dataclass(frozen=True)
class StoreItem:
    document_id: int
    dossier_id: int
    dossier_code: str
    source: Literal["result", "digitised"]
    kind: DocumentKind | None
    name: str
    procedure_name: str
    issued_on: date
    number: str | None
    signature: str | None
    valid_until: date | None
    validity: Validity
    revoked_at: datetime | None
    file_name: str
    size: int

    @property
    def validity_label(self) -> str:
        return VALIDITY_LABELS[self.validity]


def _owner(id_number: str | None, citizen_id: int | None) -> ColumnElement[bool] | None:
    """The dossiers of one citizen: a person's with their ID number, or followed by their account."""
    parts: list[ColumnElement[bool]] = []
    if id_number:
        parts.append(and_(Dossier.applicant_kind == "person", Dossier.id_number == id_number))
    if citizen_id is not None:
        parts.append(Dossier.citizen_id == citizen_id)
    return or_(*parts) if parts else None


def store_items(session: Session, *, id_number: str | None, citizen_id: int | None, now: datetime,
                only_results: bool = False) -> list[StoreItem]:
    """The citizen's store, newest first (see the module doc)."""
    owner = _owner(id_number, citizen_id)
    if owner is None:
        return []
    kept = or_(and_(DossierDocument.kind == "result",
                    or_(DossierDocument.signature.is_not(None), IssuedDocument.id.is_not(None))),
               and_(DossierDocument.kind.in_(("input", "supplement")), DossierDocument.reused_from_id.is_(None)))
    if only_results:
        kept = and_(DossierDocument.kind == "result",
                    or_(DossierDocument.signature.is_not(None), IssuedDocument.id.is_not(None)))
    rows = session.execute(
        select(DossierDocument, Dossier.code, Dossier.procedure_code, Dossier.procedure_name, IssuedDocument)
        .join(Dossier, Dossier.id == DossierDocument.dossier_id)
        .outerjoin(IssuedDocument, IssuedDocument.document_id == DossierDocument.id)
        .where(owner, kept).order_by(DossierDocument.uploaded_at.desc(), DossierDocument.id.desc())).all()
    today = to_vietnam_time(now).date()
    out = []
    for doc, code, procedure_code, procedure_name, issued in rows:
        if doc.kind == "result":
            kind = kind_of_result(procedure_code)
            issued_on = to_vietnam_time(issued.issued_at if issued is not None else doc.uploaded_at).date()
            until = valid_until(kind, issued_on)
            revoked = issued.revoked_at if issued is not None else None
            validity: Validity = ("revoked" if revoked is not None else
                                  "expired" if until is not None and today > until else "valid")
            out.append(StoreItem(doc.id, doc.dossier_id, code, "result", kind,
                                 kind.name if kind is not None else doc.name, procedure_name, issued_on,
                                 issued.number if issued is not None else None,
                                 issued.signature if issued is not None else doc.signature, until, validity, revoked,
                                 doc.file_name, doc.size))
        else:
            out.append(StoreItem(doc.id, doc.dossier_id, code, "digitised", None, doc.name, procedure_name,
                                 to_vietnam_time(doc.uploaded_at).date(), None, None, None, "unknown", None,
                                 doc.file_name, doc.size))
    return out


def store_document(session: Session, *, id_number: str | None, citizen_id: int | None,
                   document_id: int) -> DossierDocument | None:
    """One document of the citizen's own store (the portal's download): None when it is not theirs."""
    owner = _owner(id_number, citizen_id)
    if owner is None:
        return None
    return session.scalar(select(DossierDocument).join(Dossier, Dossier.id == DossierDocument.dossier_id)
                          .where(owner, DossierDocument.id == document_id,
                                 DossierDocument.kind.in_(("input", "supplement", "result"))))


def reusable_for(session: Session, actor: Principal, id_number: str | None, citizen_id: int | None,
                 procedure_code: str, item_keys: Sequence[str], now: datetime) -> list[ReusableDocument]:
    """The still-valid results of the citizen's store that stand for checklist items of ``procedure_code``: what
    the intake form offers instead of a new scan (the receiver of ``dossier.hooks.reusable_documents``).

    Only for the counter that receives the dossier (``INTAKE_ROLES``, who may read scans and find a citizen by ID
    number in ``base.access``) or the citizen themselves — not the division, which works on the dossier in hand; the
    offer names the paper, its number and date and the dossier it came from, never the rest of the store; an
    officer's read is recorded."""
    wanted = {key: kinds_for_item(procedure_code, key) for key in item_keys}
    wanted = {key: kinds for key, kinds in wanted.items() if kinds}
    if not wanted:
        return []
    if actor.kind == "citizen":
        if citizen_id != actor.id:
            return []
    else:
        sight = need_to_know(actor)
        if not (actor.has_role(*INTAKE_ROLES) and sight.documents and sight.search_by_id) or not id_number:
            return []
        citizen_id = None  # an officer finds the applicant by the ID number typed, not by an account
    items = [i for i in store_items(session, id_number=id_number, citizen_id=citizen_id, now=now,
                                    only_results=True) if i.validity == "valid" and i.kind is not None]
    out = [ReusableDocument(document_id=item.document_id, requirement_key=key, name=item.name,
                            dossier_code=item.dossier_code, number=item.number, issued_on=item.issued_on,
                            valid_until=item.valid_until)
           for key, kinds in wanted.items() for item in items if item.kind in kinds]
    if out and actor.kind != "citizen":
        record_personal_data_read(session, actor=actor, now=now, object_kind="citizen_store",
                                  object_id=None, province_code=actor.province_code, commune_code=actor.commune_code,
                                  fields=["store"], detail={"procedure": procedure_code,
                                                            "documents": sorted({o.document_id for o in out})})
    return out
