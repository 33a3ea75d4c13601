"""Officers, posts and roles for every commune of the demo province.

Staffing is deliberately uneven and some officers hold a second post (kiêm nhiệm), as seed 004 reports for
Phú Thọ; every commune has the fixed demo logins printed by ``make run``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.auth.passwords import DEMO_PASSWORD as DEMO_PASSWORD  # printed by `make run`; accepted only in demo
from motcua.auth.secrets import hash_password
from motcua.base.principal import SYSTEM
from motcua.base.roles import ROLE_LABELS, DepartmentKind, Role
from motcua.demo.names import person_name
from motcua.demo.queue import load_demo_queue
from motcua.kit.text import slug
from motcua.org.actions import assign_post, ensure_departments
from motcua.org.models import Commune, Officer, OfficerRole, Post
from motcua.queue import hours
from motcua.queue.actions import create_counter
from motcua.queue.models import QueueCounter
from motcua.queue.schemas import CounterIn

DEMO_PROVINCE = "25"  # Phú Thọ: 148 communes (seed 002, 004)
MERGE_DAY = date(2025, 7, 1)

#: (department, post title, role(s) of its holders, how many holders at least..most)
POSTS: list[tuple[DepartmentKind, str, tuple[Role, ...], tuple[int, int]]] = [
    (DepartmentKind.SERVICE_CENTRE, "Giám đốc Trung tâm (Phó Chủ tịch UBND)", (Role.CENTRE_DIRECTOR, Role.APPROVER),
     (1, 1)),
    (DepartmentKind.SERVICE_CENTRE, "Cán bộ tiếp nhận và trả kết quả", (Role.RECEPTION,), (2, 5)),
    (DepartmentKind.OFFICE, "Chánh Văn phòng HĐND và UBND", (Role.APPROVER,), (1, 1)),
    (DepartmentKind.OFFICE, "Chuyên viên tư pháp - hộ tịch", (Role.SPECIALIST,), (1, 3)),
    (DepartmentKind.ECONOMIC, "Trưởng phòng Kinh tế", (Role.APPROVER,), (1, 1)),
    (DepartmentKind.ECONOMIC, "Chuyên viên địa chính - xây dựng", (Role.SPECIALIST,), (1, 3)),
    (DepartmentKind.CULTURE_SOCIETY, "Trưởng phòng Văn hóa - Xã hội", (Role.APPROVER,), (1, 1)),
    (DepartmentKind.CULTURE_SOCIETY, "Chuyên viên lao động - thương binh - xã hội", (Role.SPECIALIST,), (1, 2)),
    (DepartmentKind.COMPREHENSIVE_CENTRE, "Viên chức khuyến nông - thú y", (Role.SPECIALIST,), (0, 3)),
]

#: The fixed logins of each commune, by role: ``{commune slug}.{suffix}``.
LOGIN_SUFFIX = {
    Role.RECEPTION: "tiepnhan",
    Role.SPECIALIST: "chuyenvien",
    Role.APPROVER: "lanhdao",
    Role.CENTRE_DIRECTOR: "giamdoc",
    Role.ADMIN: "quantri",
    Role.VOLUNTEER: "tinhnguyen",
    Role.COUNCIL: "hdnd",
}


#: The logins ``make run`` prints: the province's two, and one of each role in Chí Tiên (seed 002).
SHOWCASE_COMMUNE = "08218"


def demo_logins(session: Session, province_code: str = DEMO_PROVINCE) -> list[tuple[str, str, str]]:
    """(username, full name, roles and where) of the province's accounts and the first of each role in Chí Tiên."""
    rows = session.execute(
        select(Officer.username, Officer.full_name, Officer.commune_code, OfficerRole.role)
        .join(OfficerRole, OfficerRole.officer_id == Officer.id)
        .where(Officer.province_code == province_code,
               Officer.commune_code.is_(None) | (Officer.commune_code == SHOWCASE_COMMUNE))
        .order_by(Officer.commune_code.is_not(None), Officer.username, OfficerRole.role)
    )
    found: dict[str, tuple[str, str | None, list[str]]] = {}
    for username, full_name, commune_code, role in rows:
        if username[-1].isdigit():  # the second and later holders of a role
            continue
        found.setdefault(username, (full_name, commune_code, []))[2].append(ROLE_LABELS[Role(role)])
    return [(username, full_name, ", ".join(labels) + (" — tỉnh" if commune is None else " — xã Chí Tiên"))
            for username, (full_name, commune, labels) in found.items()]


@dataclass(frozen=True)
class DemoSummary:
    province_code: str
    communes: int
    officers: int


def commune_login_prefix(commune: Commune, taken: set[str]) -> str:
    base = slug(commune.name)
    prefix = base if base not in taken else f"{base}{commune.code}"
    taken.add(prefix)
    return prefix


def load_demo_org(
    session: Session,
    *,
    now: datetime,
    province_code: str = DEMO_PROVINCE,
    seed: int = 118,
    progress: Callable[[int], None] | None = None,
    demo: bool = False,
) -> DemoSummary:
    """Idempotent: a commune that already has officers is left as it is.

    The officers share ``DEMO_PASSWORD``, which the password policy accepts only with ``demo`` (``Settings.demo``).
    """
    rng = random.Random(seed)  # noqa: S311 — reproducible demo data, not a secret
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all demo accounts keeps loading fast
    communes = list(session.scalars(select(Commune).where(Commune.province_code == province_code)
                                    .order_by(Commune.code)))
    staffed = set(session.scalars(select(Officer.commune_code).where(Officer.province_code == province_code)))
    taken: set[str] = set()
    officers = 0

    def make(username: str, name: str, commune_code: str | None, roles: list[Role]) -> Officer:
        nonlocal officers
        officers += 1
        phone = "09" + "".join(rng.choice("0123456789") for _ in range(8))
        return create_officer(
            session,
            actor=SYSTEM,
            data=OfficerCreate(username=username, full_name=name, password=DEMO_PASSWORD,
                               province_code=province_code, commune_code=commune_code, roles=roles,
                               phone=phone, email=f"{username}@demo.motcua.vn"),
            now=now,
            password_hash=password_hash,
            demo=demo,
        )

    if session.execute(select(Officer.id).where(Officer.username == f"tinh{province_code}.theodoi")).first() is None:
        make(f"tinh{province_code}.theodoi", person_name(rng), None, [Role.PROVINCE_MONITOR])
        make(f"tinh{province_code}.quantri", person_name(rng), None, [Role.ADMIN])

    for commune in communes:
        prefix = commune_login_prefix(commune, taken)
        if commune.code in staffed:
            if progress:
                progress(1)
            continue
        departments = {d.kind: d for d in ensure_departments(session, commune)}
        used_suffix: dict[str, int] = {}
        holders: list[Officer] = []
        for kind, title, roles, (low, high) in POSTS:
            post = Post(department_id=departments[kind.value].id, title=title, norm=max(high - 1, 1))
            session.add(post)
            session.flush()
            for _ in range(rng.randint(low, high)):
                suffix = LOGIN_SUFFIX[roles[0]]
                used_suffix[suffix] = used_suffix.get(suffix, 0) + 1
                number = used_suffix[suffix]
                username = f"{prefix}.{suffix}" if number == 1 else f"{prefix}.{suffix}{number}"
                officer = make(username, person_name(rng), commune.code, list(roles))
                assign_post(session, actor=SYSTEM, officer=officer, post=post, concurrent=False,
                            since=MERGE_DAY, now=now)
                holders.append(officer)
        # Kiêm nhiệm: a specialist who also keeps the centre's counter on busy days.
        extra_post = session.scalars(select(Post).where(Post.department_id == departments["service_centre"].id)
                                     .order_by(Post.id.desc()).limit(1)).one()
        specialists = [o for o in holders if o.username.endswith(".chuyenvien")]
        if specialists:
            assign_post(session, actor=SYSTEM, officer=specialists[0], post=extra_post, concurrent=True,
                        since=MERGE_DAY, now=now)
        make(f"{prefix}.quantri", person_name(rng), commune.code, [Role.ADMIN])
        make(f"{prefix}.hdnd", person_name(rng), commune.code, [Role.COUNCIL])
        make(f"{prefix}.tinhnguyen", person_name(rng), commune.code, [Role.VOLUNTEER])
        if progress:
            progress(1)
    _demo_counters(session, [c for c in communes if c.code == DEMO_COUNTERS_COMMUNE], now)
    demo_opening_hours(session, province_code, [c for c in communes if c.code == DEMO_COUNTERS_COMMUNE], now)
    if any(c.code == DEMO_COUNTERS_COMMUNE for c in communes):
        load_demo_queue(session, commune_code=DEMO_COUNTERS_COMMUNE, now=now)  # a month of its front desk
    return DemoSummary(province_code, len(communes), officers)


#: The front desk of the demo (issue 18): two counters at Xã Chí Tiên, the commune of the seed scenarios.
DEMO_COUNTERS_COMMUNE = "08218"
DEMO_COUNTERS = (CounterIn(number=1, name="Hộ tịch, chứng thực", fields=["civil_status", "certification"]),
                 CounterIn(number=2, name="Đất đai, kinh doanh, xã hội",
                           fields=["land", "social_protection", "business", "other"]))


def _demo_counters(session: Session, communes: list[Commune], now: datetime) -> None:
    """Idempotent: a commune that already has counters keeps them."""
    for commune in communes:
        if session.scalar(select(QueueCounter.id).where(QueueCounter.commune_code == commune.code).limit(1)):
            continue
        for data in DEMO_COUNTERS:
            create_counter(session, actor=SYSTEM, commune=commune, data=data, now=now)


def demo_opening_hours(session: Session, province_code: str, communes: list[Commune], now: datetime) -> None:
    """The province's default week (Monday–Friday 07:30–11:30, 13:30–17:00) and Chí Tiên's own, which opens on
    Saturday mornings too. Idempotent: hours already set are kept."""
    if hours.province_week(session, province_code).source == "default":
        hours.set_week(session, actor=SYSTEM, province_code=province_code, commune=None, week=hours.DEFAULT_WEEK,
                       now=now)
    for commune in communes:
        if hours.week_of(session, commune).source != "commune":
            week = [*hours.DEFAULT_WEEK]
            week[5] = (hours.MORNING,)
            hours.set_week(session, actor=SYSTEM, province_code=province_code, commune=commune, week=week, now=now)
