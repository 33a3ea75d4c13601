"""The procedure catalogue (danh mục thủ tục hành chính), versioned by effective date.

A dossier keeps the version it was received under (``ProcedureVersion``), so a later change of time limit, fee
or documents never rewrites the deadline or the checklist of a dossier already received.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.calendar.deadlines import TimeLimit
from motcua.db import Base, UtcDateTime


class Procedure(Base):
    """One administrative procedure (thủ tục hành chính) by its national code."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text, index=True)
    field: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    versions: Mapped[list[ProcedureVersion]] = relationship(
        back_populates="procedure", lazy="raise", order_by="ProcedureVersion.effective_from"
    )


class ProcedureVersion(Base):
    """The procedure as in force from ``effective_from``; ``data`` is the validated ``ProcedureIn`` as JSON."""

    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("procedure_id", "effective_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    time_limit_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    time_limit_unit: Mapped[str] = mapped_column(String(20))
    handling_department: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    procedure: Mapped[Procedure] = relationship(back_populates="versions", lazy="raise")

    def time_limit(self) -> TimeLimit:
        """The version's time limit for the legal clock (the unit was validated on import; TimeLimit checks it)."""
        return TimeLimit(self.time_limit_amount, self.time_limit_unit)  # type: ignore[arg-type]
