"""The citizen side (cổng dịch vụ công của xã): accounts, one-time codes, sessions, drafts, consents and payments.

A citizen signs in with a one-time code sent to their phone or email — no password to forget on a shared phone.
Secrets (codes, session tokens) are stored only as SHA-256 digests, as the officers' are (``auth/models.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime
from motcua.dossier.models import DossierDraft, DraftFile

__all__ = ["DossierDraft", "DraftFile"]  # the drafts are the dossier's (shared with the counter)


class CitizenAccount(Base):
    """Tài khoản công dân: identified by a phone number or an email address (one of the two at least)."""

    __tablename__ = "citizen_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(15), unique=True)
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: Số định danh cá nhân, set only by a verification the population database confirmed. Unique: one ID number
    #: belongs to one citizen account (the constraint, not a check before the write, makes it race-safe).
    id_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    #: VNeID level of the identity the population database confirmed (0: not confirmed) — TaiKhoanDuocXacThucVoiVNeID
    vneid_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    identity_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    identity_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class IdentityAttempt(Base):
    """One try at verifying an identity against the population database, kept so that tries are limited per
    account, per ID number and per client address across every worker (OWASP ASVS 2.2.1, anti-automation).

    The ID number is kept only as a digest: the table exists to count, not to know who was looked up."""

    __tablename__ = "identity_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen_account.id", ondelete="CASCADE"), index=True)
    id_number_digest: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    outcome: Mapped[str] = mapped_column(String(12))  # verified | not_matched | taken


class OtpChallenge(Base):
    """A one-time code sent to a phone or an email address: for signing in, or for a citizen's consent."""

    __tablename__ = "otp_challenge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination: Mapped[str] = mapped_column(String(200), index=True)  # normalised phone or lower-case email
    purpose: Mapped[str] = mapped_column(String(20))  # login | consent
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ip: Mapped[str | None] = mapped_column(String(64), index=True)


class CitizenSession(Base):
    __tablename__ = "citizen_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class FeeLine(Base):
    """One fee (khoản phí, lệ phí) a dossier owes, paid on its own: a dossier is paid online only when every line is
    (Decree 118 Art. 24(3); Decision 766 indicator 3.6). The lines are the procedure version's fees that cost
    something, in their order (``line_no``); the version a dossier was received under never changes, so neither
    do they. A line becomes paid by one guarded UPDATE (``status = 'owed'``), so two returns cannot both pay it."""

    __tablename__ = "fee_line"
    __table_args__ = (UniqueConstraint("dossier_id", "line_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)  # index among the version's payable fees
    name: Mapped[str] = mapped_column(String(300))
    amount_vnd: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="owed", server_default="owed")  # owed | paid
    order_ref: Mapped[str | None] = mapped_column(String(60))  # the payment that paid it
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class FeePayment(Base):
    """A fee paid online through the payment adapter (DuocThanhToanTrucTuyen; Decree 118 Art. 24(3))."""

    __tablename__ = "fee_payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_ref: Mapped[str] = mapped_column(String(60), unique=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    #: The fee line this order pays (None for orders made before fees were paid line by line).
    line_no: Mapped[int | None] = mapped_column(Integer)
    #: The citizen account that started the order: the browser return is honoured only in that account's session.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_account.id"))
    amount_vnd: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))  # pending | paid | failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # the signed return verified
