"""Writes to the catalogue: import procedures (from the shipped file, JSON or Excel) as new versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.auth.principal import Principal
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.schemas import Catalogue, ProcedureIn
from motcua.kit.errors import Forbidden
from motcua.kit.text import fold
from motcua.org.roles import Role


@dataclass(frozen=True)
class ImportResult:
    created: int  # new procedures
    versioned: int  # new versions of known procedures
    unchanged: int


def _upsert(session: Session, item: ProcedureIn, now: datetime) -> str:
    data = item.model_dump(mode="json")
    procedure = session.scalar(select(Procedure).where(Procedure.code == item.code))
    outcome = "versioned"
    if procedure is None:
        procedure = Procedure(code=item.code, name=item.name, name_folded=fold(item.name), field=item.field,
                              active=True)
        session.add(procedure)
        session.flush()
        outcome = "created"
    else:
        procedure.name, procedure.name_folded, procedure.field = item.name, fold(item.name), item.field
    existing = session.scalar(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id,
                                                             ProcedureVersion.effective_from == item.effective_from))
    if existing is not None:
        if existing.data == data:
            return "unchanged"
        # A correction of the same version: record it as such; dossiers keep the version id they were received under.
        existing.data = data
        existing.time_limit_amount, existing.time_limit_unit = item.time_limit_amount, item.time_limit_unit
        existing.handling_department = item.handling_department.value
        return "versioned"
    session.add(ProcedureVersion(
        procedure_id=procedure.id, effective_from=item.effective_from, time_limit_amount=item.time_limit_amount,
        time_limit_unit=item.time_limit_unit, handling_department=item.handling_department.value, data=data,
        created_at=now,
    ))
    return outcome


def import_catalogue(session: Session, *, actor: Principal, catalogue: Catalogue, now: datetime,
                     source: str) -> ImportResult:
    """Add new procedures and new versions (by effective date); identical versions are left alone."""
    if actor.kind != "system" and not actor.has_role(Role.ADMIN):
        raise Forbidden("Chỉ quản trị viên được cập nhật danh mục thủ tục.")
    counts = {"created": 0, "versioned": 0, "unchanged": 0}
    for item in catalogue.procedures:
        counts[_upsert(session, item, now)] += 1
    session.flush()
    if counts["created"] or counts["versioned"]:
        record(session, actor=actor, action="catalog.imported", now=now, object_kind="catalogue",
               province_code=actor.province_code or None, data={"source": source, **counts})
    return ImportResult(**counts)
