"""Reads of the catalogue: the version of a procedure in force on a day, search without diacritics."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from motcua.calendar.hours import to_vietnam_time
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.schemas import Catalogue, ProcedureIn
from motcua.kit.errors import NotFound, ValidationFailed
from motcua.kit.text import fold

_IN_FORCE = (
    select(Procedure, ProcedureVersion).join(ProcedureVersion.procedure)
    .where(Procedure.code == bindparam("code"), Procedure.active.is_(True),
           ProcedureVersion.effective_from <= bindparam("day"))
    .order_by(ProcedureVersion.effective_from.desc()).limit(1)
)
"""Built once: every intake runs it (building a statement per call costs more than running a cached one here)."""


def version_in_force(session: Session, code: str, day: date) -> tuple[Procedure, ProcedureVersion]:
    """The version a dossier received on ``day`` is handled under (the latest effective on or before it)."""
    found = session.execute(_IN_FORCE, {"code": code, "day": day}).one_or_none()
    if found is not None:
        return found.Procedure, found.ProcedureVersion
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None or not procedure.active:
        raise ValidationFailed(f"Không có thủ tục mã «{code}» trong danh mục.",
                               fields={"procedure_code": "Thủ tục không có trong danh mục."})
    raise ValidationFailed(f"Thủ tục «{code}» chưa có hiệu lực vào ngày {day:%d/%m/%Y}.",
                           fields={"procedure_code": "Thủ tục chưa có hiệu lực."})


def search_procedures(session: Session, q: str | None = None, field: str | None = None,
                      limit: int = 200) -> list[Procedure]:
    query = select(Procedure).where(Procedure.active.is_(True))
    if q:
        folded = fold(q)
        query = query.where((Procedure.name_folded.contains(folded)) | (Procedure.code.contains(q.strip())))
    if field:
        query = query.where(Procedure.field == field)
    return list(session.scalars(query.order_by(Procedure.field, Procedure.name).limit(limit)))


def get_procedure(session: Session, code: str) -> tuple[Procedure, list[ProcedureVersion]]:
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound("Không tìm thấy thủ tục.")
    versions = list(session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id)
                                    .order_by(ProcedureVersion.effective_from)))
    return procedure, versions


def current_versions(session: Session, day: date) -> list[ProcedureVersion]:
    """The version in force on ``day`` of every active procedure (for export)."""
    rows = session.scalars(
        select(ProcedureVersion).join(Procedure).where(Procedure.active.is_(True),
                                                       ProcedureVersion.effective_from <= day)
        .order_by(Procedure.code, ProcedureVersion.effective_from)
    )
    latest: dict[int, ProcedureVersion] = {}
    for v in rows:
        latest[v.procedure_id] = v
    return list(latest.values())


def catalogue_now(session: Session, now: datetime) -> Catalogue:
    """The catalogue as in force today (for export)."""
    versions = current_versions(session, to_vietnam_time(now).date())
    return Catalogue(procedures=[ProcedureIn.model_validate(v.data) for v in versions])
