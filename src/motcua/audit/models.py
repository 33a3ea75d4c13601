"""Audit tables: the events, one hash chain per commune (``chain``), the head of each chain, and the daily anchors.

``audit_head`` has one row per chain, its tail, locked by that chain's writers only: writers of different communes
never wait for each other. ``audit_anchor`` records every chain's head once a day, itself chained, so that a chain
cut at its end (head row and all) is still detected.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "chain_seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    """The order of insertion across chains (a database sequence: not gap-free, not part of any hash)."""
    chain: Mapped[str] = mapped_column(String(16))
    """``c:<commune>``, ``p:<province>`` (a province-level event), ``sys`` (neither), or ``legacy`` (the single
    chain written before the per-commune chains: ``audit.actions.chain_key``)."""
    chain_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    """The event's place in its chain, from 1, gap-free; the ``seq`` its hash covers."""
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

    chain: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    keyed_from: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), server_default="1")
    """Read for the ``legacy`` chain only: its first event hashed with the audit key (HMAC); the events before it,
    written before the upgrade that keyed the chain, keep their plain SHA-256 hashes and are only as
    tamper-evident as those were. Every event of a per-commune chain is keyed, whatever this says."""


class AuditAnchor(Base):
    """Every chain's head, once a day (``audit.actions.record_anchor``): what ``verify`` holds the chains to."""

    __tablename__ = "audit_anchor"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the day in Vietnam when it was taken
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    heads: Mapped[str] = mapped_column(Text)
    """Canonical JSON: ``[[chain, seq, hash], …]`` sorted by chain, every chain that had an event."""
    heads_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 of ``heads`` under the audit key
    prev_hash: Mapped[str] = mapped_column(String(64))  # the previous anchor's ``hash``
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    """HMAC-SHA256 of the day, ``at``, ``heads_hash`` and ``prev_hash``."""
