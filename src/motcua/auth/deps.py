"""FastAPI dependencies: the database session of the request, who is asking, and the CSRF check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from motcua.auth.principal import Principal
from motcua.auth.queries import principal_from_api_token, principal_from_session_token
from motcua.auth.secrets import same
from motcua.db import session_scope
from motcua.kit.errors import CsrfFailed, Forbidden, NotAuthenticated
from motcua.org.roles import Role

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
            raise NotAuthenticated("Mã truy cập API không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            principal = principal_from_session_token(session, token, now)
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
            form = await request.form()
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
