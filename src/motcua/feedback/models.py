"""Citizens' ratings of dossier handling and feedback cases (phản ánh, kiến nghị).

Concurrency (house rule 4): a dossier is rated once — ``dossier_rating.dossier_id`` is unique and the rating is
inserted with ``ON CONFLICT DO NOTHING``, so of two submits at once exactly one is stored and the other is told
the dossier was already rated. Every change of a case is a guarded ``UPDATE … WHERE id = :id AND version = :seen
AND status = :from``; its code and its idempotency key are unique.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class DossierRating(Base):
    """The applicant's rating of how their dossier was handled (Decree 118/2025 Art. 31–33; ``feedback.criteria``)."""

    __tablename__ = "dossier_rating"
    __table_args__ = (Index("ix_dossier_rating_commune_rated", "commune_code", "rated_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)  # one rating per dossier
    dossier_code: Mapped[str] = mapped_column(String(40))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    #: The deciding commune: the body whose handling is rated (indicator 5.4 is the commune's, like 2.1).
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)  # criterion key → 2 | 1 | 0; unanswered optional: absent
    satisfied: Mapped[bool] = mapped_column(Boolean)  # feedback.criteria.is_satisfied
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(10))  # qr (public page) | account (citizen portal) | counter (kiosk)
    actor_kind: Mapped[str] = mapped_column(String(20))
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedbackCase(Base):
    """A phản ánh or kiến nghị sent by a person about the commune's administrative service (docs/legal.md §7)."""

    __tablename__ = "feedback_case"
    __table_args__ = (
        # The officers' list: the commune's open cases by what is due.
        Index("ix_feedback_case_commune_status_due", "commune_code", "status", "due_at"),
        # The index's counters: cases handled in a period.
        Index("ix_feedback_case_commune_handled", "commune_code", "handled_at"),
        # The public form's limit per address.
        Index("ix_feedback_case_ip_received", "ip_digest", "received_at"),
        UniqueConstraint("idempotency_scope", "idempotency_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # PA-YYMMDD-XXXXXX (random: not guessable)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"))
    kind: Mapped[str] = mapped_column(String(10))  # report (phản ánh) | proposal (kiến nghị)
    source: Mapped[str] = mapped_column(String(10))  # form (public form or API) | rating (a dissatisfied rating)
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    sender_name: Mapped[str] = mapped_column(String(120))
    sender_phone: Mapped[str | None] = mapped_column(String(15))
    sender_email: Mapped[str | None] = mapped_column(String(200))
    dossier_code: Mapped[str | None] = mapped_column(String(40))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_rating.id"), unique=True)

    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    refuse_due: Mapped[datetime] = mapped_column(UtcDateTime())  # ≤ 2 working days
    info_due: Mapped[datetime] = mapped_column(UtcDateTime())  # ≤ 5 working days
    answer_due: Mapped[datetime] = mapped_column(UtcDateTime())  # ≤ 15 working days (again after info)
    publish_due: Mapped[datetime | None] = mapped_column(UtcDateTime())  # ≤ 2 working days after answer
    #: The deadline of the officers' next obligation (the list's order); None while waiting for the sender or done.
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    info_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    info_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # refused_at or answered_at
    handled_on_time: Mapped[bool | None] = mapped_column(Boolean)  # decided when handled (indicator 5.2)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    info_request: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(120))
    sender_satisfied: Mapped[bool | None] = mapped_column(Boolean)  # the sender's verdict on the answer (5.3), once
    sender_rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    idempotency_scope: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    ip_digest: Mapped[str | None] = mapped_column(String(64))  # SHA-256 of the sender's address, for the limit only
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeedbackEvent(Base):
    """One line of a case's history: who did what, when, from which state to which."""

    __tablename__ = "feedback_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("feedback_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
