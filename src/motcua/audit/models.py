"""Audit tables. ``audit_head`` is one row: the tail of the chain, locked by each writer so links never fork."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))  # officer | token | system | citizen
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_kind: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    province_code: Mapped[str | None] = mapped_column(String(2))
    commune_code: Mapped[str | None] = mapped_column(String(5), index=True)
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="0" * 64)
    """The hash before ``hash``: what a writer that links its event in one SQL statement reads back
    (``audit.actions.PG_RECORD_CTES``; PostgreSQL before 18 has no ``RETURNING OLD``)."""
    keyed_from: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), server_default="1")
    """The first event hashed with the audit key (HMAC); the events before it, written before the upgrade that
    keyed the chain, keep their plain SHA-256 hashes and are only as tamper-evident as those were."""
