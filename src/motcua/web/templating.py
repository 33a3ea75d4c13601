"""Rendering pages: one Jinja environment, Vietnamese date filters, the context every page needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from motcua.base.access import need_to_know
from motcua.base.principal import Principal
from motcua.base.roles import ADMIN_ROLES, ASSISTED_FILING_ROLES, INTAKE_ROLES, RECONCILE_ROLES, ROLE_LABELS, Role
from motcua.config import Settings
from motcua.kit.clock import to_local
from motcua.kit.statusfile import read_status
from motcua.web.i18n import translations

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def vn_datetime(value: datetime | str | None) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam time; an ISO string (a timeline event's data keeps instants so) is read."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = to_local(value)
    return f"{local.hour:02d}:{local.minute:02d} {vn_date(local)}"


def vn_long_date(value: date | datetime | None) -> str:
    """"ngày 24 tháng 11 năm 2026", the way official documents write it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def vnd(amount: int | float | None) -> str:
    """A sum in đồng as Vietnamese write it: 100.000 đ (a dot groups the thousands)."""
    return "—" if amount is None else f"{int(amount):,} đ".replace(",", ".")


def work_hours(hours: Decimal | int | float) -> str:
    """Working hours to a tenth, as Vietnamese write a decimal: 7,3 (the ledger keeps them exact: a few seconds after
    a receipt it holds 0.0020442…, which is no reading for a person and widened the dossier page past a phone)."""
    tenth = Decimal(str(hours)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format(tenth.normalize(), "f").replace(".", ",")


_TIME_UNITS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "calendar_days": "ngày",
               "months": "tháng"}


def time_limit(amount: Decimal | int | float | None, unit: str | None) -> str:
    """A procedure's time limit in words: "5 ngày làm việc", "1,5 ngày làm việc", "Trong ngày" (a same-day
    procedure's amount, 0 or 1, is no number a reader needs); an unknown unit is shown as stored."""
    if unit == "same_day":
        return "Trong ngày"
    number = "" if amount is None else format(Decimal(str(amount)).normalize(), "f").replace(".", ",")
    return f"{number} {_TIME_UNITS.get(unit or '', unit or '')}".strip()


@pass_context
def index_decimal(context: Context, value: Decimal | float | None, places: int = 2) -> str:
    """A score or percent with ``places`` decimals, a decimal comma in Vietnamese ("76,93"); "—" for none. A
    function, not a macro: the ranking calls it about 1,500 times a page."""
    if value is None:
        return "—"
    shown = f"{value:.{places}f}"
    return shown.replace(".", ",") if context.get("lang") == "vi" else shown


@pass_context
def index_number(context: Context, value: int | None) -> str:
    """A count with thousands separated ("1.234" in Vietnamese); "—" for none."""
    if value is None:
        return "—"
    shown = f"{value:,}"
    return shown.replace(",", ".") if context.get("lang") == "vi" else shown


@pass_context
def index_points(context: Context, value: Decimal | int | None) -> str:
    """Points as stored ("22" or "1,5"); "—" for none."""
    if value is None:
        return "—"
    shown = str(value)
    return shown.replace(".", ",") if context.get("lang") == "vi" else shown


def role_label(role: str | Role) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return str(role)


def make_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("motcua.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vn_date"] = vn_date
    env.filters["vn_datetime"] = vn_datetime
    env.filters["vn_long_date"] = vn_long_date
    env.filters["role_label"] = role_label
    env.filters["vnd"] = vnd
    env.filters["work_hours"] = work_hours
    env.globals["time_limit"] = time_limit
    env.globals.update(index_decimal=index_decimal, index_number=index_number, index_points=index_points)
    return env


_ENV = make_environment()


@dataclass(frozen=True)
class Menu:
    """The links of the menu a principal may follow: the same role sets as the routes' ``require_roles``."""

    receive: bool  # "Tiếp nhận hồ sơ mới" (INTAKE_ROLES)
    assist: bool  # "Hỗ trợ nộp" (ASSISTED_FILING_ROLES)
    administer: bool  # officers and API tokens (ADMIN_ROLES)
    reconcile: bool = False  # "Đối soát với Cổng" (a province-level officer of RECONCILE_ROLES)


def menu_for(principal: Principal) -> Menu:
    return Menu(receive=principal.has_role(*INTAKE_ROLES), assist=principal.has_role(*ASSISTED_FILING_ROLES),
                administer=principal.has_role(*ADMIN_ROLES),
                reconcile=principal.is_province_level and principal.has_role(*RECONCILE_ROLES))


def _demo_load(settings: Settings | None) -> dict[str, Any] | None:
    """In demo mode, the background load of the demo's earlier months while it runs (or if it failed)."""
    if settings is None or not settings.demo:
        return None
    status = read_status(settings.demo_load_status)
    if status is None or status.get("state") not in ("loading", "failed"):
        return None
    try:
        return {**status, "since": date.fromisoformat(status["since"]), "until": date.fromisoformat(status["until"])}
    except (KeyError, TypeError, ValueError):
        return None


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    lang = getattr(request.state, "lang", "vi")
    principal = getattr(request.state, "principal", None)
    csrf = principal.csrf_token if principal is not None and principal.csrf_token else None
    if csrf is None:
        csrf = getattr(request.state, "anon_csrf", "")
    trans = translations(lang)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "principal": principal,
        # a citizen signed in to the portal (set by ``portal.deps.optional_citizen`` on the portal's pages)
        "citizen_name": getattr(request.state, "citizen_name", None),
        # what the menu offers follows the need-to-know table (base.access), not role names in the template
        "sight": need_to_know(principal) if principal is not None else None,
        # and its links by the role sets the routes require (base.roles), not role names in the template
        "menu": menu_for(principal) if principal is not None else None,
        "csrf_token": csrf,
        "_": trans.gettext,
        "gettext": trans.gettext,
        "ngettext": trans.ngettext,
        # a page rendered outside the application (bench/index.py times the template alone) has no app
        "demo_load": _demo_load(getattr(getattr(request.scope.get("app"), "state", None), "settings", None)),
    }
    ctx.update(context or {})
    html = _ENV.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code)
