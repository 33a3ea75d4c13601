"""Reads of the catalogue: the version of a procedure in force on a day, search without diacritics."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, literal, or_, select
from sqlalchemy.orm import Session

from motcua.calendar.hours import to_vietnam_time
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.schemas import Catalogue, ProcedureIn
from motcua.kit.errors import NotFound, ValidationFailed
from motcua.kit.text import fold


def in_scope(province_code: str | None) -> Any:
    """The versions that may apply in ``province_code``: the national ones and the province's own."""
    national = ProcedureVersion.province_code.is_(None)
    return national if not province_code else or_(national, ProcedureVersion.province_code == province_code)


def _scope_rank(province_code: str | None) -> Any:
    """0 for the province's own versions, 1 for national ones: a province's own version in force wins."""
    return case((ProcedureVersion.province_code.is_(None), 1), else_=0) if province_code else literal(1)


_IN_FORCE = (
    select(Procedure, ProcedureVersion).join(ProcedureVersion.procedure)
    .where(Procedure.code == bindparam("code"), Procedure.active.is_(True),
           ProcedureVersion.effective_from <= bindparam("day"),
           or_(ProcedureVersion.province_code.is_(None), ProcedureVersion.province_code == bindparam("province")))
    .order_by(case((ProcedureVersion.province_code.is_(None), 1), else_=0), ProcedureVersion.effective_from.desc())
    .limit(1)
)
"""Built once: every intake runs it (building a statement per call costs more than running a cached one here)."""


def version_in_force(session: Session, code: str, day: date,
                     province_code: str | None = None) -> tuple[Procedure, ProcedureVersion]:
    """The version a dossier received on ``day`` in ``province_code`` is handled under: the province's own latest
    version effective on or before that day if it has one (the chairman's publication applies in the province),
    else the latest national one. ``province_code`` None: national versions only."""
    found = session.execute(_IN_FORCE, {"code": code, "day": day, "province": province_code}).one_or_none()
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


def get_procedure(session: Session, code: str,
                  province_code: str | None = None) -> tuple[Procedure, list[ProcedureVersion]]:
    """A procedure with its national versions and those of ``province_code``, oldest first; the last is the one
    in force for the province (its own versions sort after the national ones of the same scope rule)."""
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound("Không tìm thấy thủ tục.")
    versions = list(session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id,
                                                                   in_scope(province_code))
                                    .order_by(_scope_rank(province_code).desc(), ProcedureVersion.effective_from)))
    return procedure, versions


def current_versions(session: Session, day: date, province_code: str | None = None) -> list[ProcedureVersion]:
    """The version in force on ``day`` in ``province_code`` of every active procedure (for export), chosen by the
    same rule as ``version_in_force``."""
    rows = session.scalars(
        select(ProcedureVersion).join(Procedure).where(Procedure.active.is_(True),
                                                       ProcedureVersion.effective_from <= day,
                                                       in_scope(province_code))
        .order_by(Procedure.code, _scope_rank(province_code).desc(), ProcedureVersion.effective_from)
    )
    latest: dict[int, ProcedureVersion] = {}
    for v in rows:
        latest[v.procedure_id] = v
    return list(latest.values())


def catalogue_now(session: Session, now: datetime, province_code: str | None = None) -> Catalogue:
    """The catalogue as in force today in ``province_code`` (None: the national catalogue), for export."""
    versions = current_versions(session, to_vietnam_time(now).date(), province_code)
    return Catalogue(procedures=[ProcedureIn.model_validate(v.data) for v in versions])
