"""Every write of the organisation package."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import (
    DEPARTMENT_NAMES,
    WARD_ECONOMIC_NAME,
    DepartmentKind,
    Role,
)
from motcua.kit.errors import Conflict, Forbidden, ValidationFailed
from motcua.kit.text import fold
from motcua.org.models import (
    Assignment,
    Commune,
    Department,
    Officer,
    Post,
    PredecessorUnit,
    Province,
)
from motcua.org.queries import get_commune_for, may_manage


def load_units_file() -> dict[str, Any]:
    """The shipped list of the 34 provinces and 3,321 communes of 1 July 2025 (see org/data/SOURCE.md)."""
    text = resources.files("motcua.org.data").joinpath("units_2025.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True)
class UnitsSync:
    provinces: int
    communes: int
    added: int


def sync_units(
    session: Session,
    *,
    data: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> UnitsSync:
    """Bring the reference list of units into the database; idempotent, never deletes a unit in use."""
    data = data or load_units_file()
    existing = set(session.scalars(select(Commune.code)))
    provinces = 0
    communes = 0
    added = 0
    for p in data["provinces"]:
        provinces += 1
        province = session.get(Province, p["code"])
        if province is None:
            session.add(Province(code=p["code"], name=p["name"], kind=p["type"]))
        else:
            province.name, province.kind = p["name"], p["type"]
        session.flush()
        for c in p["communes"]:
            communes += 1
            if c["code"] in existing:
                continue
            added += 1
            session.add(
                Commune(
                    code=c["code"],
                    province_code=p["code"],
                    name=c["name"],
                    kind=c["type"],
                    name_folded=fold(c["name"]),
                )
            )
            for pred in c.get("predecessors", []):
                session.add(
                    PredecessorUnit(
                        commune_code=c["code"],
                        name=pred["name"],
                        code=pred.get("code"),
                        district=pred.get("district"),
                        province=pred.get("province"),
                    )
                )
        session.flush()
        if progress is not None:
            progress(len(p["communes"]))
    return UnitsSync(provinces, communes, added)


def ensure_departments(session: Session, commune: Commune) -> list[Department]:
    """The four bodies of a commune committee plus the comprehensive service centre (docs/legal.md §1)."""
    have = {d.kind: d for d in session.scalars(select(Department).where(Department.commune_code == commune.code))}
    for kind in DepartmentKind:
        if kind.value in have:
            continue
        name = DEPARTMENT_NAMES[kind]
        if kind is DepartmentKind.ECONOMIC and commune.kind == "phường":
            name = WARD_ECONOMIC_NAME
        department = Department(commune_code=commune.code, kind=kind.value, name=name)
        session.add(department)
        have[kind.value] = department
    session.flush()
    return [have[k.value] for k in DepartmentKind]


def assign_post(
    session: Session, *, actor: Principal, officer: Officer, post: Post, concurrent: bool, since: date, now: datetime
) -> Assignment:
    """Give an officer a post; a second post held alongside the first is kiêm nhiệm (seed 004)."""
    assignment = Assignment(officer_id=officer.id, post_id=post.id, concurrent=concurrent, since=since)
    session.add(assignment)
    session.flush()
    record(session, actor=actor, action="officer.assign_post", now=now, object_kind="officer", object_id=officer.id,
           province_code=officer.province_code, commune_code=officer.commune_code,
           data={"post_id": post.id, "concurrent": concurrent})
    return assignment


def set_single_officer_approval(session: Session, *, actor: Principal, province_code: str, allowed: bool,
                                now: datetime) -> Province:
    """Let (or stop letting) one officer both appraise and approve the same dossier in the province's communes.

    Separation of duties (Decree 118 Art. 19: the handler appraises, the head of the competent body decides) is
    the rule; a commune where one person holds both posts cannot follow it, and only the province — which staffs
    and inspects its communes — may make the exception. Each approval made under it is marked on the dossier's
    timeline ("Một người thẩm định và phê duyệt (tỉnh cho phép)") and in the audit log.
    """
    province_admin = (actor.has_role(Role.ADMIN) and actor.is_province_level
                      and actor.province_code == province_code)
    if actor.kind != "system" and not province_admin:  # "system": the operator's CLI (motcua single-officer-approval)
        raise Forbidden("Chỉ quản trị cấp tỉnh được thay đổi quy định này của tỉnh.")
    province = session.get(Province, province_code)
    if province is None:
        raise ValidationFailed("Không có tỉnh này.", fields={"province_code": "Không hợp lệ."})
    previous = province.allow_single_officer_approval
    province.allow_single_officer_approval = allowed
    session.flush()
    record(session, actor=actor, action="province.single_officer_approval_set", now=now, object_kind="province",
           object_id=province.code, province_code=province.code, data={"from": previous, "to": allowed})
    return province


AGENCY_ID = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


def set_agency_id(session: Session, *, actor: Principal, commune_code: str, agency_id: str, now: datetime) -> Commune:
    """Mã định danh điện tử of the commune (Decision 20/2020/QĐ-TTg, amended by 09/2025/QĐ-TTg), e.g.
    ``000.00.14.H56``: the first part of every dossier code from now on (Decree 118 Art. 28(a)). Codes already
    issued keep the identifier they were issued with."""
    commune = get_commune_for(session, actor, commune_code)
    if not may_manage(actor):
        raise Forbidden()
    value = agency_id.strip().upper()
    if not AGENCY_ID.match(value):
        raise ValidationFailed("Mã định danh phải có dạng 000.00.00.H00 (Quyết định 20/2020/QĐ-TTg).",
                               fields={"agency_id": "Sai định dạng, ví dụ 000.00.14.H56."})
    taken = session.scalar(select(Commune.code).where(Commune.agency_id == value, Commune.code != commune.code))
    if taken is not None:
        raise Conflict(f"Mã định danh {value} đã gán cho đơn vị {taken}.", fields={"agency_id": "Đã được dùng."})
    previous = commune.agency_id
    commune.agency_id = value
    session.flush()
    record(session, actor=actor, action="commune.agency_id_set", now=now, object_kind="commune",
           object_id=commune.code, province_code=commune.province_code, commune_code=commune.code,
           data={"from": previous, "to": value})
    return commune
