"""What each role sees first (docs/legal.md §2): the home page's one query, read-only, built from the domain
queries and their gates."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.audit.queries import recent_events_for
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import CalendarError, DayInfo
from motcua.calendar.queries import calendar_for_province
from motcua.kit.clock import to_local
from motcua.org.models import Commune, Officer, Province
from motcua.org.queries import (
    CommuneStaff,
    commune_staff,
    get_commune_for,
    get_officer_for,
    get_province,
    province_overview,
)

#: The cards of the home page and the role each is for: a card points to the work of that role.
SECTIONS: tuple[tuple[str, Role], ...] = (
    ("reception", Role.RECEPTION),
    ("specialist", Role.SPECIALIST),
    ("approver", Role.APPROVER),
    ("centre_director", Role.CENTRE_DIRECTOR),
    ("index", Role.PROVINCE_MONITOR),
    ("admin", Role.ADMIN),
    ("volunteer", Role.VOLUNTEER),
    ("council", Role.COUNCIL),
)
#: Who sees the latest audit events of their province or commune on the home page.
EVENT_READERS = (Role.ADMIN, Role.CENTRE_DIRECTOR, Role.PROVINCE_MONITOR)


@dataclass(frozen=True)
class Today:
    """Whether today counts for deadlines in the officer's province, and if not, when the clock resumes."""

    info: DayInfo
    next_workday: date | None


@dataclass(frozen=True)
class OverviewStats:
    communes: int
    officers: int
    min: int
    max: int


@dataclass(frozen=True)
class HomePage:
    officer: Officer
    province: Province
    now: datetime
    today: Today | None
    sections: frozenset[str]
    commune: Commune | None = None
    staff: CommuneStaff | None = None
    overview: list[tuple[Commune, int]] | None = None
    overview_stats: OverviewStats | None = None
    events: list[AuditEvent] | None = None

    def context(self) -> dict[str, Any]:
        """The template's variables (a shallow copy: the ORM objects stay attached)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def home_page(session: Session, principal: Principal, now: datetime) -> HomePage:
    """The officer's home page: who they are, whether today is a working day in their province, their cards, their
    commune's staff (or the province's communes) and, for the roles that oversee, the latest audit events."""
    assert principal.id is not None
    commune = staff = overview = stats = None
    if principal.commune_code is not None:
        commune = get_commune_for(session, principal, principal.commune_code)
        staff = commune_staff(session, commune)
    else:
        overview = province_overview(session, principal.province_code)
        staffed = [n for _, n in overview if n]
        stats = OverviewStats(len(overview), sum(staffed), min(staffed) if staffed else 0,
                              max(staffed) if staffed else 0)
    return HomePage(
        officer=get_officer_for(session, principal, principal.id),
        province=get_province(session, principal.province_code),
        now=now,
        today=_today(session, principal, now),
        sections=frozenset(name for name, role in SECTIONS if principal.has_role(role)),
        commune=commune, staff=staff, overview=overview, overview_stats=stats,
        events=recent_events_for(session, principal, limit=15) if principal.has_role(*EVENT_READERS) else None,
    )


def _today(session: Session, principal: Principal, now: datetime) -> Today | None:
    """Read off the province's calendar, announcements recorded in the database included, as the due dates are
    (docs/legal.md §4)."""
    today = to_local(now).date()
    try:
        calendar = calendar_for_province(session, principal.province_code)
        info = calendar.describe(today)
        return Today(info, None if info.is_workday else calendar.roll_forward(today))
    except CalendarError:
        return None
