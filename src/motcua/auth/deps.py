"""FastAPI dependencies: the database session of the request, who is asking, and the CSRF check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from motcua.auth.actions import touch_session
from motcua.auth.queries import officer_session, principal_from_api_token
from motcua.auth.secrets import same
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.db import session_scope
from motcua.kit.errors import CsrfFailed, Forbidden, NotAuthenticated, PayloadTooLarge

SESSION_COOKIE = "motcua_session"
CSRF_COOKIE = "motcua_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, rolled back when it raises."""
    yield from session_scope(request.app.state.session_factory)


DB_SESSION = Depends(get_session, scope="function")
"""How every route and dependency takes the request's session (``session: Session = DB_SESSION``).

The "function" scope is what makes the commit come before the answer: with FastAPI's default ("request") the code
after ``yield`` runs once the response has been sent, so a browser following a redirect, or an API client reading
what it just created, could be served before the commit (the login's redirect to /home arrived before the login
session was committed, and /home sent the officer back to the login page), and a commit that failed would follow an
answer that said it succeeded. One object for all, so the request's dependencies share one session;
``tests/web/test_commit_before_answer.py`` holds every route to it."""


def client_ip(request: Request) -> str:
    """The client's address: the direct peer's, or what a configured proxy says (``web.middleware.
    TrustedProxyMiddleware`` has already rewritten it). The one source of the address every limit counts by."""
    return request.client.host if request.client else "unknown"


async def get_now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def optional_principal(request: Request, session: Session = DB_SESSION) -> Principal | None:
    now = request.app.state.clock.now()
    principal: Principal | None = None
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        principal = principal_from_api_token(session, authorization[7:].strip(), now)
        if principal is None:
            raise NotAuthenticated("Mã truy cập API không hợp lệ, đã hết hạn, đã bị thu hồi, hoặc cán bộ mà mã "
                                   "thay mặt không còn làm việc.")
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
            found = officer_session(session, token, now, idle)
            if found is not None:
                principal = found.principal
                touch_session(session, token=token, last_seen_at=found.last_seen_at, now=now)
    request.state.principal = principal
    return principal


async def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    if principal is None:
        raise NotAuthenticated()
    return principal


async def current_officer(principal: Principal = Depends(current_principal)) -> Principal:
    """Pages are for officers logged in through the web; API tokens are for the JSON API only."""
    if principal.kind != "officer":
        raise Forbidden("Mã truy cập API chỉ dùng cho giao diện lập trình (API).")
    return principal


class FormTooLarge(PayloadTooLarge):
    code = "form_too_large"
    default_message = "Biểu mẫu gửi lên có quá nhiều trường, quá nhiều tệp hoặc một trường quá dài."


#: Starlette's English reasons (``starlette.formparsers``) → what the person in front of the screen reads.
_FORM_REFUSALS = {
    "Too many fields": "Biểu mẫu gửi lên có quá nhiều trường.",
    "Too many files": "Biểu mẫu gửi lên có quá nhiều tệp.",
    "Part exceeded maximum size": "Một trường của biểu mẫu dài quá mức cho phép.",
}


def route_form_limits(request: Request) -> dict[str, Any]:
    """The limits the request's route declares (``form_limits=`` on the route, over its routers'), which FastAPI
    applies itself when it parses ``Form()`` parameters. Starlette's defaults (1,000 fields and files, 1 MiB a
    field) for a route that declares none."""
    inherited = request.scope.get("fastapi", {}).get("form_limits", {})
    return {**inherited, **(getattr(request.scope.get("route"), "form_limits", None) or {})}


async def read_form(request: Request) -> FormData:
    """The request's form, parsed with its route's limits, by whoever reads it first.

    Starlette parses a request's form once and caches it, and every later ``request.form(max_fields=...)`` gets the
    cached result whatever limits it asks for: when the CSRF check read the token with the defaults, the portal
    draft's ``max_fields=60`` never applied. So every reader — the CSRF check, the views
    that parse their own form — goes through here with the one set of limits the route declares (OWASP ASVS 4.0
    §13.1.3 / §12.1.1: bound what a request may make the server parse), and a form over them is refused with a
    Vietnamese 413."""
    try:
        return await request.form(**route_form_limits(request))
    except StarletteHTTPException as exc:
        if exc.status_code != 400:
            raise
        reason = next((vi for en, vi in _FORM_REFUSALS.items() if str(exc.detail).startswith(en)), None)
        raise FormTooLarge(reason) from exc


async def require_csrf(request: Request, principal: Principal | None = Depends(optional_principal)) -> None:
    """Synchroniser-token check for every state-changing request authenticated by a cookie.

    Logged-in officers must echo their session's token; anonymous forms (the login form) echo the token held
    in the ``motcua_csrf`` cookie. Requests carrying a bearer token are not cookie-authenticated and are exempt.
    """
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if principal is None and request.url.path.startswith("/api/"):
        return  # no cookie session: nothing to forge; the route itself answers 401
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await read_form(request)
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = principal.csrf_token if principal is not None else request.cookies.get(CSRF_COOKIE)
    if not same(sent, expected):
        raise CsrfFailed()


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    async def check(principal: Principal = Depends(current_officer)) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden()
        return principal

    return check
