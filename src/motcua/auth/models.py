"""Login sessions, failed-login records, password history and API tokens.

Session and API tokens are stored only as SHA-256 digests; passwords (current and past) only as argon2id hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class LoginSession(Base):
    __tablename__ = "login_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The last request seen, refreshed at most once a minute: the idle timeout (OWASP ASVS V3.3.2) counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LoginAttempt(Base):
    """One login try, kept so that repeated failures can be throttled per account and per address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    # The known device (signed cookie, auth/devices.py) the try came from; None for an unknown browser. Failures
    # from unknown devices slow the account down, failures from a known device slow only that device.
    device: Mapped[str | None] = mapped_column(String(32), index=True)


class PasswordHistory(Base):
    """The argon2id hashes of an officer's recent passwords, so that none of the last few is chosen again."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiToken(Base):
    """A token for an integration, scoped to one province or one commune of it, acting on behalf of one officer.

    The officer (``officer_id``) answers for what the token does: the timeline names them ("… (qua API: <name>)"),
    handler, approver and separation-of-duties checks compare their id, and the token works only while they are
    active and only with the roles they still hold. Tokens issued before the officer existed have ``officer_id``
    NULL and were revoked by the migration ``20261207_token_officer`` unless they could be bound to their issuer."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("officer.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Workflow roles the integration acts with (comma-separated; e.g. a kiosk files as "reception"). Never admin.
    roles: Mapped[str] = mapped_column(String(200), default="", server_default="")
