"""Tables of the service index (Decision 766/QĐ-TTg): what each dossier contributes, month by month, and the
monthly rollups the rankings and dashboards read.

How they stay current (``index.tasks.fold``): every dossier action adds the dossier's id to ``index_pending`` in
its own transaction (an INSERT, no shared row, so officers never queue on the index). The worker folds pending
dossiers in batches: it judges each one again (``index.judge``), compares with the contributions stored for it,
applies the difference to ``index_rollup`` and replaces the contributions. A dossier that only becomes late with
time (no action) is queued by the worker's sweep of due dates; at a month's turn the open dossiers are queued so
the closed month judges them at its end.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime

#: The rollup's counters, in the order of ``index.score.DossierCounters`` (ratings and feedback come later).
#: ``on_time_index`` is 2.1 on the national portal's rule (``calendar.index_clock``), which version 2 counts.
ROLLUP_COUNTERS = ("received", "counted", "on_time", "online_by_citizen", "online_assisted", "with_fee", "paid_online",
                   "on_time_index", *("owed_fee", "owed_fee_paid_online", "unsatisfactory_dossiers", "results_issued",
                                      "e_results", "digitised", "certified_copies", "e_certified_copies",
                                      "vneid_verified", "reused_from_store", "linked_to_store"))
#: The counters of version 2's groups 3.5–3.6, 4 and 5 (``index.facts`` states the rule of each flag).
VERSION_2_COUNTERS = ROLLUP_COUNTERS[8:]
#: Two more per month, for periods of several months: the contributions whose processing ended within the month
#: (not open at its end), and of those the ones on time. A dossier counts once in a quarter — judged at its end of
#: processing, or at the quarter's end if still open (Decision 766, 2.1) — so a quarter's 2.1 is these two summed
#: over its months but the last, plus the last month's ``counted`` and ``on_time`` (``index.rollups``).
ROLLUP_ENDED = ("ended", "ended_on_time", "ended_on_time_index", "ended_unsatisfactory_dossiers")
ROLLUP_COLUMNS = ROLLUP_COUNTERS + ROLLUP_ENDED


class IndexPending(Base):
    """A dossier whose contributions must be folded again (written by every dossier action)."""

    __tablename__ = "index_pending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)


class IndexContribution(Base):
    """One dossier in one month: received in it, counted by indicator 2.1 in it (and why), its channel and fee.

    The drill-down of a dashboard reads these rows ("which dossiers cost points, and why").
    """

    __tablename__ = "index_contribution"
    __table_args__ = (Index("ix_index_contribution_commune_month", "commune_code", "month", "on_time"),)

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # first day, Vietnam time
    province_code: Mapped[str] = mapped_column(String(10))
    commune_code: Mapped[str] = mapped_column(String(10))  # the deciding commune: its clock, its score
    procedure_code: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(30))  # the division that handles the procedure

    received: Mapped[bool] = mapped_column(Boolean)
    counted: Mapped[bool] = mapped_column(Boolean)  # in 2.1's denominator this month
    on_time: Mapped[bool] = mapped_column(Boolean)
    on_time_index: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # calendar.index_clock
    open_at_end: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(40))  # index.judge.Reason
    judged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    late_hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # working hours past due_at
    late_step: Mapped[str | None] = mapped_column(String(40))  # the step of the internal process that overran
    late_body: Mapped[str | None] = mapped_column(String(30))
    supplement_requests: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text)

    online_by_citizen: Mapped[bool] = mapped_column(Boolean)
    online_assisted: Mapped[bool] = mapped_column(Boolean)
    with_fee: Mapped[bool] = mapped_column(Boolean)
    paid_online: Mapped[bool] = mapped_column(Boolean)

    # version 2 (``index.facts`` gives each flag's rule)
    owed_fee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    owed_fee_paid_online: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    unsatisfactory_dossiers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    results_issued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    e_results: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digitised: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    certified_copies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    e_certified_copies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    vneid_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reused_from_store: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    linked_to_store: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class RollupCounters:
    """The counters both rollups keep (``ROLLUP_COLUMNS``)."""

    received: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    online_by_citizen: Mapped[int] = mapped_column(Integer, default=0)
    online_assisted: Mapped[int] = mapped_column(Integer, default=0)
    with_fee: Mapped[int] = mapped_column(Integer, default=0)
    paid_online: Mapped[int] = mapped_column(Integer, default=0)
    ended: Mapped[int] = mapped_column(Integer, default=0)
    ended_on_time: Mapped[int] = mapped_column(Integer, default=0)
    on_time_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ended_on_time_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    owed_fee: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    owed_fee_paid_online: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unsatisfactory_dossiers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ended_unsatisfactory_dossiers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    results_issued: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    e_results: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digitised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    certified_copies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    e_certified_copies: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    vneid_verified: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reused_from_store: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    linked_to_store: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IndexRollup(RollupCounters, Base):
    """The sums of ``index_contribution`` per month, commune, procedure and division."""

    __tablename__ = "index_rollup"
    __table_args__ = (
        Index("ix_index_rollup_province_month", "province_code", "month"),
        # 3.5–3.6's B and C (``rollups.fee_procedures``) read only the rows that owed a fee: a partial index holding
        # what they group by, so a month of the country is read from the index, not from rows all over the table
        Index("ix_index_rollup_fees", "month", "province_code", "commune_code", "procedure_code",
              postgresql_include=["department", "owed_fee", "owed_fee_paid_online"],
              postgresql_where=text("owed_fee > 0"), sqlite_where=text("owed_fee > 0")),
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    department: Mapped[str] = mapped_column(String(30), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(10))


class IndexRollupCommune(RollupCounters, Base):
    """The same sums per month and commune only: what a ranking reads (148 rows a province-month, not thousands)."""

    __tablename__ = "index_rollup_commune"
    __table_args__ = (
        Index("ix_index_rollup_commune_province_month", "province_code", "month"),
    )

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(10), primary_key=True)
    province_code: Mapped[str] = mapped_column(String(10))


class IndexDossierFact(Base):
    """What the index knows of a dossier beyond its own row, written by ``index.actions`` when the layer above
    (feedback) records it: a dissatisfied rating, a feedback case naming the dossier (indicator 5.4). The first
    instant of each is kept; a snapshot counts only the facts recorded by its publication."""

    __tablename__ = "index_dossier_fact"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), primary_key=True)
    dissatisfied_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    feedback_case_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class IndexFeedbackCase(Base):
    """One feedback case (phản ánh, kiến nghị) as indicators 5.2 and 5.3 count it, kept current by ``index.actions``
    whenever the case changes (the index does not read the feedback tables: they are a layer above it).

    A case counts in a period ``[start, end)`` when it was received before ``end`` and not closed before ``start``
    (still open, or closed within the period). It is *late* at ``end`` when ``late_at < end``: ``late_at`` is the
    instant it became, or will become, late — its answer deadline while it waits for an answer, the deadline it
    missed when it was answered late, the publication deadline while an answer on time waits to be published, and
    None when nothing can make it late (refused in time, published in time, waiting for the sender's information).
    5.2 counts the cases not late at the end; 5.3 those not late and not rated unsatisfied by the sender."""

    __tablename__ = "index_feedback_case"
    __table_args__ = (Index("ix_index_feedback_case_commune_received", "commune_code", "received_at"),)

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # feedback_case.id
    province_code: Mapped[str] = mapped_column(String(10))
    commune_code: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # refused or answer published
    late_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    satisfied: Mapped[bool | None] = mapped_column(Boolean)  # the sender's verdict on the answer, if given


class IndexState(Base):
    """The worker's bookmarks: the last due-date sweep, the last month turned."""

    __tablename__ = "index_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))


class IndexSnapshot(Base):
    """A published monthly ranking, frozen with the hash of its content so that it can be shown unchanged later."""

    __tablename__ = "index_snapshot"
    __table_args__ = (UniqueConstraint("province_code", "month", "metric_set"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    month: Mapped[date] = mapped_column(Date)
    metric_set: Mapped[str] = mapped_column(String(40))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_by: Mapped[str] = mapped_column(String(120))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON: the ranking and the digest of every dossier behind it
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of ``content``
