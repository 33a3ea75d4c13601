"""Reads of the results domain: the templates a province administrator sees, a dossier's result, the leader's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.dossier.models import Dossier
from motcua.kit.errors import Forbidden, NotFound
from motcua.results.models import NATIONAL_SCOPE, ResultDraft, ResultTemplate, SigningCredential
from motcua.results.workflow import DraftStatus

PENDING = (DraftStatus.SUBMITTED.value, DraftStatus.AWAITING_REMOTE.value)


def check_template_admin(actor: Principal) -> str:
    """The province whose templates ``actor`` administers (a province-level administrator); else 404, as every
    gate outside its jurisdiction."""
    if actor.kind == "officer" and actor.has_role(Role.ADMIN) and actor.is_province_level:
        return actor.province_code
    raise NotFound("Không tìm thấy trang.")


@dataclass(frozen=True)
class TemplateRow:
    procedure_code: str
    name: str
    latest: ResultTemplate
    versions: int


def templates_for(session: Session, province_code: str) -> list[TemplateRow]:
    """Per procedure: the latest version the province sees (its own, else the national), and how many versions."""
    rows = session.scalars(select(ResultTemplate).where(
        or_(ResultTemplate.scope == NATIONAL_SCOPE, ResultTemplate.scope == province_code))
        .order_by(ResultTemplate.procedure_code, ResultTemplate.effective_from)).all()
    by_code: dict[str, list[ResultTemplate]] = {}
    for row in rows:
        by_code.setdefault(row.procedure_code, []).append(row)
    out = []
    for code, versions in by_code.items():
        own = [v for v in versions if v.scope == province_code]
        latest = (own or versions)[-1]
        out.append(TemplateRow(code, latest.name, latest, len(versions)))
    return out


def versions_of(session: Session, province_code: str, procedure_code: str) -> list[ResultTemplate]:
    rows = list(session.scalars(select(ResultTemplate).where(
        ResultTemplate.procedure_code == procedure_code,
        or_(ResultTemplate.scope == NATIONAL_SCOPE, ResultTemplate.scope == province_code))
        .order_by(ResultTemplate.effective_from.desc(), ResultTemplate.id.desc())))
    if not rows:
        raise NotFound("Không tìm thấy mẫu kết quả.")
    return rows


def template_for(session: Session, province_code: str, template_id: int) -> ResultTemplate:
    row = session.get(ResultTemplate, template_id)
    if row is None or row.scope not in (NATIONAL_SCOPE, province_code):
        raise NotFound("Không tìm thấy mẫu kết quả.")
    return row


def export_rows(session: Session, province_code: str) -> list[ResultTemplate]:
    """Every version the province sees, national and its own (the export file)."""
    return list(session.scalars(select(ResultTemplate).where(
        or_(ResultTemplate.scope == NATIONAL_SCOPE, ResultTemplate.scope == province_code))
        .order_by(ResultTemplate.procedure_code, ResultTemplate.effective_from, ResultTemplate.scope)))


def drafts_of(session: Session, dossier_id: int) -> list[ResultDraft]:
    return list(session.scalars(select(ResultDraft).where(ResultDraft.dossier_id == dossier_id)
                                .order_by(ResultDraft.id.desc())))


@dataclass(frozen=True)
class PendingRow:
    draft: ResultDraft
    dossier: Dossier
    template: ResultTemplate


def pending_for(session: Session, actor: Principal) -> list[PendingRow]:
    """Kết quả chờ ký: the drafts submitted to the leaders of the actor's commune (an approver's list)."""
    if actor.commune_code is None or not actor.has_role(Role.APPROVER):
        raise Forbidden("Danh sách kết quả chờ ký dành cho lãnh đạo phê duyệt của xã.")
    rows = session.execute(select(ResultDraft, Dossier, ResultTemplate)
                           .join(Dossier, Dossier.id == ResultDraft.dossier_id)
                           .join(ResultTemplate, ResultTemplate.id == ResultDraft.template_id)
                           .where(ResultDraft.commune_code == actor.commune_code, ResultDraft.status.in_(PENDING))
                           .order_by(ResultDraft.submitted_at, ResultDraft.id)).all()
    return [PendingRow(d, x, t) for d, x, t in rows]


def pending_count(session: Session, actor: Principal) -> int:
    if actor.commune_code is None or not actor.has_role(Role.APPROVER):
        return 0
    return int(session.scalar(select(func.count()).select_from(ResultDraft).where(
        ResultDraft.commune_code == actor.commune_code, ResultDraft.status.in_(PENDING))) or 0)


def credentials_in(session: Session, commune_code: str) -> list[SigningCredential]:
    return list(session.scalars(select(SigningCredential).where(SigningCredential.commune_code == commune_code,
                                                                SigningCredential.active.is_(True))
                                .order_by(SigningCredential.officer_id.is_(None), SigningCredential.id)))


def issued_in_year(session: Session, commune_code: str, year: int) -> list[ResultDraft]:
    """The register's page: what the body issued in the year, by number."""
    return list(session.scalars(select(ResultDraft).where(ResultDraft.commune_code == commune_code,
                                                          ResultDraft.year == year,
                                                          ResultDraft.status == DraftStatus.ISSUED.value)
                                .order_by(ResultDraft.number)))


def today_year(day: date) -> int:
    return day.year
