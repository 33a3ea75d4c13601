"""The dossier (hồ sơ thủ tục hành chính) and what hangs off it: timeline, documents, code counters.

Concurrency (house rule 4): every state change is a guarded ``UPDATE … WHERE id = :id AND version = :v``; codes
come from a counter row per (agency, day) incremented inside the receiving transaction, so a rolled-back intake
gives its number back and two counters never get the same one (unique constraint on ``code`` as the last guard).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.db import Base, UtcDateTime


class Dossier(Base):
    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_deciding_status_due", "deciding_commune_code", "status", "due_at"),
        Index("ix_dossier_receiving_received", "receiving_commune_code", "received_at"),
        # The counter's inbox: (receiving = X OR deciding = X) AND status IN (...) ORDER BY due_at — both sides of the
        # OR need (commune, status, due_at), or PostgreSQL's generic plan reads every dossier the commune received.
        Index("ix_dossier_receiving_status_due", "receiving_commune_code", "status", "due_at"),
        UniqueConstraint("idempotency_scope", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # Art. 28: AGENCYID-YYMMDD-NNNN
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock for every state change
    status: Mapped[str] = mapped_column(String(30), index=True)

    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    receiving_commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    deciding_commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_name: Mapped[str] = mapped_column(Text)

    channel: Mapped[int] = mapped_column(Integer)  # KenhThucHien: 1 in person, 2 online, 3 post
    filed_by: Mapped[str] = mapped_column(String(20))  # citizen | officer | volunteer (assisted filing)
    #: The citizen account that follows the dossier online (its own filing, or one filed for it with consent).
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_account.id"), index=True)

    applicant_kind: Mapped[str] = mapped_column(String(20))  # person | organisation
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_name_folded: Mapped[str] = mapped_column(String(200), index=True)
    id_number: Mapped[str | None] = mapped_column(String(12), index=True)  # CCCD, 12 digits
    tax_code: Mapped[str | None] = mapped_column(String(14))
    phone: Mapped[str | None] = mapped_column(String(15), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    address_commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"))

    received_at: Mapped[datetime] = mapped_column(UtcDateTime())  # NgayTiepNhan
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # NgayHenTra (current)
    original_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paper_transfer_due: Mapped[datetime | None] = mapped_column(UtcDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # NgayKetThucXuLy
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    correction_due: Mapped[datetime | None] = mapped_column(UtcDateTime())

    clock_events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    supplement_count: Mapped[int] = mapped_column(Integer, default=0)
    supplement_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    current_department: Mapped[str | None] = mapped_column(String(30))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    paid_online: Mapped[bool] = mapped_column(Boolean, default=False)  # DuocThanhToanTrucTuyen
    #: The fee the dossier actually owes after the alternatives chosen and the exemption claimed at intake
    #: (``catalog.fees.owed_fees``), in đồng; Decision 766 indicator 3.5–3.6's A counts only dossiers owing > 0.
    owed_fee_vnd: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The fee lines it owes (``FeeLine.line_no``); None: every line of the version that costs something (a dossier
    #: received before fees were chosen at intake).
    fee_lines_owed: Mapped[list[int] | None] = mapped_column(JSON)
    fee_exemption: Mapped[str | None] = mapped_column(String(40))  # the key of the ground claimed, if any
    #: The applicant's identity was verified against the national population database at intake — through the
    #: identity adapter, or by filing from a VNeID-verified citizen account (TaiKhoanDuocXacThucVoiVNeID, 4.5b).
    identity_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    result_summary: Mapped[str | None] = mapped_column(Text)

    idempotency_scope: Mapped[str | None] = mapped_column(String(40))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    events: Mapped[list[DossierEvent]] = relationship(
        back_populates="dossier", lazy="raise", order_by="DossierEvent.id"
    )
    documents: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier", lazy="raise", order_by="DossierDocument.id"
    )


class DossierEvent(Base):
    """One line of the dossier's timeline: who did what, when, from which state to which."""

    __tablename__ = "dossier_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    dossier: Mapped[Dossier] = relationship(back_populates="events", lazy="raise")


class DossierDocument(Base):
    """A scanned document attached to a dossier, stored content-addressed in the file store."""

    __tablename__ = "dossier_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    requirement_key: Mapped[str | None] = mapped_column(String(40))
    #: input (filed), supplement (added when asked, Art. 19(5)) or result (the electronic result, Art. 22)
    kind: Mapped[str] = mapped_column(String(12), default="input", server_default="input")
    name: Mapped[str] = mapped_column(String(300))
    file_key: Mapped[str] = mapped_column(String(80), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    #: How a result was signed (kind ``result`` only): ``digital`` — issued signed electronically by motcua (a
    #: PAdES signature whose hash is registered at signing); ``paper`` — signed by hand, scanned and uploaded (the
    #: wet-signature fallback of a leader without a certificate). NULL: a result file uploaded as it came. Decision
    #: 766, 4.1 counts the electronic results.
    signature: Mapped[str | None] = mapped_column(String(10))
    #: The earlier document of the citizen's electronic store (kho dữ liệu điện tử) reused for this item instead of
    #: a new scan (Decision 766, 4.3): the reused document's row, kept whatever happens to its dossier.
    reused_from_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_document.id"))

    dossier: Mapped[Dossier] = relationship(back_populates="documents", lazy="raise")


class DossierCodeCounter(Base):
    """The day's sequence per deciding body (Art. 28(b)): the last number issued."""

    __tablename__ = "dossier_code_counter"

    agency_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class LookupAttempt(Base):
    """A public lookup (tra cứu hồ sơ): counted per address and per dossier code so that the 4 digits cannot be
    guessed at speed, from one address or from many."""

    __tablename__ = "lookup_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str | None] = mapped_column(String(40), index=True)  # the code tried (feedback lookups: none)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class FilingConsent(Base):
    """The citizen's consent to a dossier filed online on their behalf (assisted filing, docs/legal.md §9).

    ``method`` is ``otp`` (the citizen read back a code sent to their own phone) or ``paper`` (a signed consent,
    scanned: ``file_key``). Such dossiers carry ``filed_by`` volunteer or officer and are counted apart from the
    citizens' own online filing (Decision 766 indicator 3.3; ``index/fairplay.py``).
    """

    __tablename__ = "filing_consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    citizen_name: Mapped[str] = mapped_column(String(200))
    citizen_phone: Mapped[str | None] = mapped_column(String(15))
    method: Mapped[str] = mapped_column(String(10))
    file_key: Mapped[str | None] = mapped_column(String(80))
    helper_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    helper_role: Mapped[str] = mapped_column(String(20))  # volunteer | reception
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DossierDraft(Base):
    """A dossier being prepared (hồ sơ lưu nháp): the form's fields and the files attached so far. A citizen's draft
    online (``citizen_id``), or a counter officer's (``officer_id``): the scans of an intake refused for a mistake
    in the form, kept until the officer saves the dossier (issue 16). Exactly one of the two owners is set."""

    __tablename__ = "dossier_draft"
    __table_args__ = (CheckConstraint("(citizen_id IS NULL) <> (officer_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_account.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))  # the commune that will decide it
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: Set by the one submit that wins (a guarded UPDATE): a double submit makes one dossier.
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))


class DraftFile(Base):
    """A file attached to a draft, checked by content on upload and kept in the file store."""

    __tablename__ = "draft_file"
    __table_args__ = (UniqueConstraint("draft_id", "requirement_key", "file_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("dossier_draft.id", ondelete="CASCADE"), index=True)
    requirement_key: Mapped[str] = mapped_column(String(40))
    file_key: Mapped[str] = mapped_column(String(80), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
