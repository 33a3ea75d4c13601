"""Tables of the reconciliation with the national portal's published Decision 766 statistics (``index.reconcile``).

An import is one file the province downloaded from the portal's 766 page for one period: who imported it, when, the
metric set in force for the period, the file's SHA-256 and the file itself (a few hundred kilobytes for a province:
kept in the row, so that the import and its evidence commit or roll back together). Its rows are the portal's
figures as published, one per unit and indicator (and one ``total`` per unit). A second import of the same period
replaces the first; the audit log keeps the replaced file's digest.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime

#: The indicator code of a unit's total row (``totalScore`` / ``maxTotalScore`` in the file).
TOTAL = "total"


class PortalImport(Base):
    """One imported portal statistics file: a province, a period, the metric set in force for it."""

    __tablename__ = "index_portal_import"
    __table_args__ = (UniqueConstraint("province_code", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"))
    period: Mapped[str] = mapped_column(String(20))  # as ``?period=`` names it: 2026-12, 2026-Q4, 2026, a..b
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive: the first month after
    metric_set: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    imported_by: Mapped[str] = mapped_column(String(120))
    file_name: Mapped[str] = mapped_column(String(200))
    file_format: Mapped[str] = mapped_column(String(8))  # json | xlsx
    file_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the file as uploaded
    file_content: Mapped[bytes] = mapped_column(LargeBinary)
    units: Mapped[int] = mapped_column(Integer)


class PortalRow(Base):
    """The portal's published figures for one unit and indicator: its counts, rate, points and maximum."""

    __tablename__ = "index_portal_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("index_portal_import.id", ondelete="CASCADE"), index=True)
    place: Mapped[str] = mapped_column(String(60))  # where it was in the file ("Dòng 12", "children[3]")
    unit_code: Mapped[str] = mapped_column(String(10))
    unit_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))  # province | commune
    indicator: Mapped[str] = mapped_column(String(20))  # a metric-set code, or TOTAL
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # the file's counts by name (numerator, denominator, …)
    ratio: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))  # percent, as the portal shows it
    score: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))  # None: the portal scored nothing (N/A)
    max_score: Mapped[Decimal] = mapped_column(Numeric(9, 4))
