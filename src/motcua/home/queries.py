"""What each role sees first (docs/legal.md §2); read-only, built from the domain queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from motcua.audit.queries import recent_events_for
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import CalendarError, calendar_for
from motcua.kit.clock import to_local
from motcua.org.queries import commune_staff, get_commune_for, get_officer_for, get_province, province_overview


def home_context(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    assert principal.id is not None
    officer = get_officer_for(session, principal, principal.id)
    province = get_province(session, principal.province_code)
    ctx: dict[str, Any] = {"officer": officer, "province": province, "now": now, "today": _today(principal, now)}
    if principal.commune_code is not None:
        commune = get_commune_for(session, principal, principal.commune_code)
        ctx["commune"] = commune
        ctx["staff"] = commune_staff(session, commune)
    else:
        overview = province_overview(session, principal.province_code)
        staffed = [n for _, n in overview if n]
        ctx["overview"] = overview
        ctx["overview_stats"] = {
            "communes": len(overview),
            "officers": sum(staffed),
            "min": min(staffed) if staffed else 0,
            "max": max(staffed) if staffed else 0,
        }
    if principal.has_role(Role.ADMIN, Role.CENTRE_DIRECTOR, Role.PROVINCE_MONITOR):
        ctx["events"] = recent_events_for(session, principal, limit=15)
    return ctx


def _today(principal: Principal, now: datetime) -> dict[str, Any] | None:
    """Whether today is a working day for deadlines in this province, and if not, why and when work resumes."""
    today = to_local(now).date()
    try:
        calendar = calendar_for(principal.province_code)
        info = calendar.describe(today)
        next_day = None if info.is_workday else calendar.roll_forward(today)
    except CalendarError:
        return None
    return {"info": info, "next_workday": next_day}
