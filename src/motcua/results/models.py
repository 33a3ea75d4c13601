"""Result templates (versioned, never edited), drafts of results, the document register and signing credentials.

* ``ResultTemplate`` is one *version* of the template of a procedure's result, like the catalogue's
  ``ProcedureVersion``: national (``province_code`` NULL, shipped with motcua) or one province's (its administrator's
  pages), effective from a date. A draft points to the version it was drafted from, so a row is never updated; a
  change is a new row with a later date (``scope`` is ``*`` or the province code, so one unique constraint covers
  both: NULL never equals NULL in a unique constraint).
* ``ResultDraft`` is the result of one dossier on its way to signing: its status (``workflow.py``), the variable
  parts the officer filled, a ``version`` for guarded UPDATEs (a double click or two leaders at once), and once
  issued its number, the dossier document and how it was signed.
* ``ResultRegisterCounter`` is the body's register (sổ đăng ký văn bản đi, Decree 30/2020/NĐ-CP Art. 15 and 16):
  numbers run from 1 each calendar year per issuing body, taken by an atomic upsert inside the signing transaction
  (the technique of ``dossier/codes.py``), so a signing that fails gives its number back.
* ``SigningCredential`` says how an officer (personal signature) or a commune (the agency seal, con dấu) signs:
  a PKCS#12 file, a PKCS#11 token slot or a remote signing account. The reference only; secrets are not stored:
  the PIN of a token is typed by the leader at signing time, the demo PKCS#12 passphrases stay in the PKI directory.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime

NATIONAL_SCOPE = "*"


class ResultTemplate(Base):
    """One version of the result template of a procedure (never updated)."""

    __tablename__ = "result_template"
    __table_args__ = (UniqueConstraint("procedure_code", "scope", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(20), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # "*" national, else the province code
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"))
    effective_from: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(300))  # what the result is called (the catalogue's result_template)
    title: Mapped[str] = mapped_column(String(300))  # the document's title, printed upper case
    doc_type: Mapped[str] = mapped_column(String(10))  # the type's abbreviation in the number: QĐ, GXN, TB …
    signer_title: Mapped[str] = mapped_column(String(200))  # "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH"
    recipients: Mapped[list[str]] = mapped_column(JSON)  # Nơi nhận
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # the variable parts the officer fills
    body: Mapped[str] = mapped_column(Text)  # the sandboxed Jinja/HTML fragment
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))


class ResultDraft(Base):
    """The result of one dossier, from the officer's draft to the issued document."""

    __tablename__ = "result_draft"
    __table_args__ = (Index("ix_result_draft_commune_status", "commune_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))  # the deciding commune: who signs
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    template_id: Mapped[int] = mapped_column(ForeignKey("result_template.id"))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)  # guarded UPDATEs: WHERE version = :seen
    values: Mapped[dict[str, Any]] = mapped_column(JSON)  # the variable parts as the officer typed them
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    returned_reason: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)  # the last signing failure, shown on the page
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    remote: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a remote signing waiting for approval
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)  # the register's number, once taken
    number_text: Mapped[str | None] = mapped_column(String(60))  # "12/QĐ-UBND"
    verification_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_document.id"))
    signature: Mapped[str | None] = mapped_column(String(10))  # digital | paper
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ResultRegisterCounter(Base):
    """The last number the body's register gave in a year (Decree 30/2020 Art. 15: numbered per year)."""

    __tablename__ = "result_register_counter"

    issuer: Mapped[str] = mapped_column(String(40), primary_key=True)  # the issuing body: its agency id
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class SigningCredential(Base):
    """How an officer signs in person, or how a commune's seal signs (``officer_id`` NULL)."""

    __tablename__ = "signing_credential"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # pkcs12 | pkcs11 | remote
    reference: Mapped[str] = mapped_column(String(500))  # file path, token label/key label, remote account id
    subject: Mapped[str] = mapped_column(String(300))
    serial: Mapped[str] = mapped_column(String(80))
    not_after: Mapped[datetime] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text)
