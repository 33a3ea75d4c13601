"""The registry of issued documents (sổ kết quả đã cấp): every result motcua issued, as ``/xac-minh`` answers for it.

A row is written when a result is issued (``actions.register_issued``, called by the results domain once the result
is signed — digitally, or by hand and scanned), with the SHA-256 of the file handed to the citizen, so that anyone
holding a copy can ask whether it is the document issued for that dossier (Decree 118/2025 Art. 22: the electronic
result has the legal value of the paper one; Decree 45/2020 Art. 11: it must be verifiable). A result cancelled or
corrected (Art. 23) is revoked, never deleted: the verification says since when it no longer holds.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class IssuedDocument(Base):
    __tablename__ = "issued_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: What the QR printed on the result points to (``/xac-minh/{code}``): random, URL-safe, 16 characters.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    #: The result document as the citizen downloads it: one registry row per document.
    document_id: Mapped[int] = mapped_column(ForeignKey("dossier_document.id"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: Số văn bản (Decree 30/2020 Art. 15): the number from the body's register, e.g. ``12/GCN-UBND``.
    number: Mapped[str] = mapped_column(String(60))
    issuing_body: Mapped[str] = mapped_column(String(200))
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_name: Mapped[str] = mapped_column(Text)
    #: ``digital`` (PAdES, Decision 766 4.1 counts it) or ``paper`` (signed by hand, scanned: 4.2 only).
    signature: Mapped[str] = mapped_column(String(10))
    signers: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
