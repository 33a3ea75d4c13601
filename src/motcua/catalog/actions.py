"""Writes to the catalogue: import procedures (from the shipped file, JSON or Excel) as new versions.

Who may change it: the national catalogue only the national operator, through the command
line (``motcua catalog import``, the SYSTEM principal); a province-level administrator (admin role, no commune)
adds versions for their own province, which win over the national ones there. A commune administrator, a token
or any other role changes nothing. A published version is never edited: dossiers received under it keep their
time limit, fees and checklist (the version they point to), so a changed record needs a new effective date and
becomes a new version; re-importing a version as it is changes nothing.

One exception, the legal extensions (``ProcedureIn.legal_extensions``): the extra working days a sector law
allows (Civil Status Law 2014 Art. 18(2), 25(2), 34(2); the land decrees) were the law before the version was
recorded, and they change no received dossier's appointment by themselves (an officer applies one). A re-import
that differs from a published version only in its legal extensions records them on that version ("amended",
audited); a version stored before the field existed reads as having none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.schemas import Catalogue, ProcedureIn
from motcua.kit.errors import Conflict, Forbidden
from motcua.kit.text import fold

MAX_AUDITED_CODES = 200
"""The audit event names the procedures an import changed, up to this many (the shipped catalogue has ~40)."""


class PublishedVersionChanged(Conflict):
    code = "catalogue_version_published"
    default_message = "Phiên bản thủ tục đã công bố không được sửa; hãy ghi ngày hiệu lực mới cho thay đổi."


@dataclass(frozen=True)
class ImportResult:
    created: int  # new procedures
    versioned: int  # new versions of known procedures
    unchanged: int
    amended: int = 0  # published versions whose legal extensions were recorded (nothing else differs)


def import_scope(actor: Principal) -> str | None:
    """The province whose versions ``actor`` may add, None for the national catalogue; Forbidden for anyone else."""
    if actor.kind == "system":
        return None
    if actor.kind == "officer" and actor.has_role(Role.ADMIN) and actor.is_province_level and actor.province_code:
        return actor.province_code
    raise Forbidden("Chỉ quản trị viên cấp tỉnh được cập nhật danh mục thủ tục của tỉnh; danh mục quốc gia chỉ "
                    "được cập nhật bằng lệnh «motcua catalog import».")


def _same_date(session: Session, procedure_id: int, item: ProcedureIn,
               province_code: str | None) -> ProcedureVersion | None:
    scope = (ProcedureVersion.province_code.is_(None) if province_code is None
             else ProcedureVersion.province_code == province_code)
    return session.scalar(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure_id,
                                                         ProcedureVersion.effective_from == item.effective_from,
                                                         scope))


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """A stored version's data as the schema has it now: one stored before legal extensions existed has none."""
    return {**data, "legal_extensions": data.get("legal_extensions", [])}


def _without_extensions(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "legal_extensions"}


def _upsert(session: Session, item: ProcedureIn, now: datetime, province_code: str | None) -> str:
    data = item.model_dump(mode="json")
    procedure = session.scalar(select(Procedure).where(Procedure.code == item.code))
    outcome = "versioned"
    if procedure is None:
        procedure = Procedure(code=item.code, name=item.name, name_folded=fold(item.name), field=item.field,
                              active=True)
        session.add(procedure)
        session.flush()
        outcome = "created"
    elif province_code is None:
        # The procedure's name is national: only the national catalogue renames it (a province's version
        # carries its own name in ``data``).
        procedure.name, procedure.name_folded, procedure.field = item.name, fold(item.name), item.field
    existing = _same_date(session, procedure.id, item, province_code)
    if existing is None and province_code is not None:
        national = _same_date(session, procedure.id, item, None)
        if national is not None and _stored(national.data) == data:
            return "unchanged"  # the province re-imports the national version as it is: nothing of its own
    if existing is not None:
        if _stored(existing.data) == data:
            return "unchanged"
        if _without_extensions(existing.data) == _without_extensions(data):
            existing.data = data  # the law's extensions recorded on the version (module docstring)
            return "amended"
        raise PublishedVersionChanged(
            f"Thủ tục {item.code}: phiên bản có hiệu lực từ ngày {item.effective_from:%d/%m/%Y} đã công bố và không "
            "được sửa (hồ sơ đã tiếp nhận theo phiên bản này giữ nguyên thời hạn, phí, thành phần hồ sơ). Hãy ghi "
            "ngày hiệu lực mới (cột «Ngày hiệu lực») cho thay đổi.",
            fields={f"{item.code}.effective_from": "Phiên bản đã công bố; cần ngày hiệu lực mới."})
    session.add(ProcedureVersion(
        procedure_id=procedure.id, effective_from=item.effective_from, province_code=province_code,
        time_limit_amount=item.time_limit_amount, time_limit_unit=item.time_limit_unit,
        handling_department=item.handling_department.value, data=data, created_at=now,
    ))
    return outcome


def import_catalogue(session: Session, *, actor: Principal, catalogue: Catalogue, now: datetime,
                     source: str) -> ImportResult:
    """Add new procedures and new versions (by effective date) in the actor's scope; identical versions are left
    alone, a changed version under a date already published is refused (PublishedVersionChanged) and nothing of
    the import is kept (the caller rolls back)."""
    province_code = import_scope(actor)
    counts = {"created": 0, "versioned": 0, "unchanged": 0, "amended": 0}
    changed: list[str] = []
    for item in catalogue.procedures:
        outcome = _upsert(session, item, now, province_code)
        counts[outcome] += 1
        if outcome != "unchanged":
            changed.append(f"{item.code}@{item.effective_from.isoformat()}")
    session.flush()
    if counts["created"] or counts["versioned"] or counts["amended"]:
        record(session, actor=actor, action="catalog.imported", now=now, object_kind="catalogue",
               object_id=province_code or "national", province_code=province_code,
               data={"source": source, "scope": province_code or "national", **counts,
                     "versions": changed[:MAX_AUDITED_CODES]})
    return ImportResult(**counts)
