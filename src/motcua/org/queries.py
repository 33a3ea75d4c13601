"""Every read of the organisation, permission-aware: the one place that knows who may see which unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from motcua.audit.actions import record_personal_data_read
from motcua.base.principal import Principal
from motcua.base.roles import ADMIN_ROLES
from motcua.kit.errors import NotFound
from motcua.kit.text import fold
from motcua.org.models import Assignment, Commune, Department, Officer, Post, Province


def get_province(session: Session, code: str) -> Province:
    province = session.get(Province, code)
    if province is None:
        raise NotFound()
    return province


def get_commune_for(session: Session, principal: Principal, code: str) -> Commune:
    """The access gate of a commune (house rule 7): outside the user's jurisdiction it is 404."""
    commune = session.execute(
        select(Commune).where(Commune.code == code).options(selectinload(Commune.predecessors))
    ).scalar_one_or_none()
    if commune is None or not principal.may_see(commune.province_code, commune.code):
        raise NotFound()
    return commune


def list_communes_for(session: Session, principal: Principal, q: str | None = None) -> list[Commune]:
    query = select(Commune).where(Commune.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(Commune.code == principal.commune_code)
    if q:
        query = query.where(Commune.name_folded.contains(fold(q)))
    return list(session.scalars(query.order_by(Commune.name_folded)))


@dataclass(frozen=True)
class CommuneStaff:
    departments: list[Department]
    officers: list[Officer]
    post_holders: dict[int, list[tuple[Officer, bool]]]  # post id -> (officer, concurrent)


def commune_staff(session: Session, commune: Commune) -> CommuneStaff:
    departments = list(
        session.scalars(
            select(Department)
            .where(Department.commune_code == commune.code)
            .options(selectinload(Department.posts))
            .order_by(Department.id)
        )
    )
    officers = list(
        session.scalars(
            select(Officer)
            .where(Officer.commune_code == commune.code)
            .options(selectinload(Officer.roles))
            .order_by(Officer.full_name_folded)
        )
    )
    holders: dict[int, list[tuple[Officer, bool]]] = {}
    by_id = {o.id: o for o in officers}
    rows = session.execute(
        select(Assignment.post_id, Assignment.officer_id, Assignment.concurrent)
        .join(Post, Post.id == Assignment.post_id)
        .join(Department, Department.id == Post.department_id)
        .where(Department.commune_code == commune.code)
    )
    for post_id, officer_id, concurrent in rows:
        if officer_id in by_id:
            holders.setdefault(post_id, []).append((by_id[officer_id], concurrent))
    return CommuneStaff(departments, officers, holders)


def get_officer_for(session: Session, principal: Principal, officer_id: int) -> Officer:
    """The access gate of an officer record."""
    officer = session.execute(
        select(Officer)
        .where(Officer.id == officer_id)
        .options(
            selectinload(Officer.roles),
            selectinload(Officer.assignments).selectinload(Assignment.post).selectinload(Post.department),
        )
    ).scalar_one_or_none()
    if officer is None or not principal.may_see(officer.province_code, officer.commune_code):
        raise NotFound()
    return officer


def read_officer_for(session: Session, principal: Principal, officer_id: int, *, now: datetime,
                     fields: list[str]) -> Officer:
    """The gate of a page or answer that shows an officer's personal data (``fields``): the read is audited here,
    like a dossier's (``dossier.queries.read_dossier_for``), so no route can show them without the record."""
    officer = get_officer_for(session, principal, officer_id)
    record_personal_data_read(session, actor=principal, now=now, object_kind="officer", object_id=officer.id,
                              province_code=officer.province_code, commune_code=officer.commune_code,
                              fields=fields)
    return officer


def province_overview(session: Session, province_code: str) -> list[tuple[Commune, int]]:
    """Each commune of a province with its number of officers (staffing is uneven across merged communes)."""
    counts = (
        select(Officer.commune_code, func.count().label("n"))
        .where(Officer.province_code == province_code, Officer.commune_code.is_not(None))
        .group_by(Officer.commune_code)
        .subquery()
    )
    rows = session.execute(
        select(Commune, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.commune_code == Commune.code)
        .where(Commune.province_code == province_code)
        .order_by(Commune.name_folded)
    )
    return [(commune, int(n)) for commune, n in rows]


# ------------------------------------------------------------------ what an administrator may do, and the pages

def may_manage(principal: Principal) -> bool:
    """Administrators add officers, lock and unlock accounts and set a commune's electronic identifier (the actions
    check this; the pages ask it to offer the forms)."""
    return principal.has_role(*ADMIN_ROLES)


def may_set_active(principal: Principal, officer: Officer, active: bool) -> bool:
    """Whether ``admin.actions.set_officer_active`` lets the principal set the account to ``active``: an administrator,
    who may not lock themselves out."""
    return may_manage(principal) and not (officer.id == principal.id and not active)


@dataclass(frozen=True)
class CommunePage:
    commune: Commune
    staff: CommuneStaff
    may_set_agency_id: bool


def commune_page_for(session: Session, principal: Principal, code: str) -> CommunePage:
    """A commune's structure and staff, behind the commune's gate."""
    commune = get_commune_for(session, principal, code)
    return CommunePage(commune, commune_staff(session, commune), may_manage(principal))


@dataclass(frozen=True)
class OfficerPage:
    officer: Officer
    may_toggle_active: bool  # the lock (or unlock) button


def officer_page_for(session: Session, principal: Principal, officer_id: int, *, now: datetime) -> OfficerPage:
    """An officer's record behind the officer gate; the page shows their email and phone, so the read is audited."""
    officer = read_officer_for(session, principal, officer_id, now=now, fields=["email", "phone"])
    return OfficerPage(officer, may_set_active(principal, officer, not officer.active))
