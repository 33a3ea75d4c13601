"""The procedure catalogue (danh mục thủ tục hành chính), versioned by effective date.

A dossier keeps the version it was received under (``ProcedureVersion``), so a later change of time limit, fee
or documents never rewrites the deadline or the checklist of a dossier already received. A published version is
therefore immutable: a change is a new version with its own effective date, never an edit of a row.

A version is national (``province_code`` NULL: the ministries' decisions on procedures, imported by the national
operator through ``motcua catalog import``) or provincial (the province chairman's decision publishing the
procedures applied in the province with its own fees — Decree 63/2010/NĐ-CP Art. 15 as amended by Decree
92/2017/NĐ-CP; Law on Fees and Charges 2015 Art. 21: the provincial People's Council sets certain fees). A
province's own version in force wins over the national one for that province's dossiers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, text
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
    """The procedure as in force from ``effective_from`` in ``province_code`` (None: national); ``data`` is the
    validated ``ProcedureIn`` as JSON. Never updated once written: dossiers point to it by id."""

    __tablename__ = "procedure_version"
    __table_args__ = (
        # One version per procedure, scope and effective date. NULL never equals NULL in a unique constraint
        # (SQLite and PostgreSQL alike), so the national scope gets a partial index of its own.
        Index("uq_procedure_version_national", "procedure_id", "effective_from", unique=True,
              sqlite_where=text("province_code IS NULL"), postgresql_where=text("province_code IS NULL")),
        Index("uq_procedure_version_provincial", "procedure_id", "province_code", "effective_from", unique=True,
              sqlite_where=text("province_code IS NOT NULL"), postgresql_where=text("province_code IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("province.code"), default=None)
    time_limit_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    time_limit_unit: Mapped[str] = mapped_column(String(20))
    handling_department: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    procedure: Mapped[Procedure] = relationship(back_populates="versions", lazy="raise")

    def time_limit(self) -> TimeLimit:
        """The version's time limit for the legal clock (the unit was validated on import; TimeLimit checks it)."""
        return TimeLimit(self.time_limit_amount, self.time_limit_unit)  # type: ignore[arg-type]
