"""Login, logout and the API-token administration pages."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from motcua.auth import actions
from motcua.auth.deps import (
    DB_SESSION,
    SESSION_COOKIE,
    client_ip,
    current_officer,
    get_now,
    optional_principal,
    require_csrf,
    require_roles,
)
from motcua.auth.principal import Principal
from motcua.auth.queries import list_api_tokens_for
from motcua.auth.schemas import ApiTokenCreate, LoginForm
from motcua.kit.errors import ValidationFailed, field_errors
from motcua.org.queries import list_communes_for
from motcua.org.roles import ROLE_LABELS, TOKEN_ROLES, Role
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:300]
    return "/home"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None,
               principal: Principal | None = Depends(optional_principal)) -> Response:
    if principal is not None and principal.kind == "officer":
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def login_submit(
    request: Request,
    username: str = Form(default="", max_length=200),
    password: str = Form(default="", max_length=500),
    next: str = Form(default="/home", max_length=500),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    settings = request.app.state.settings
    try:
        form = LoginForm(username=username, password=password)
    except ValidationError:
        return render(request, "login.html",
                      {"next": _safe_next(next), "username": username[:64],
                       "error": "Vui lòng nhập tên đăng nhập và mật khẩu."}, status_code=400)
    outcome = actions.login(
        session,
        username=form.username,
        password=form.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        now=now,
        settings=settings,
    )
    if not outcome.ok or outcome.token is None:
        return render(request, "login.html",
                      {"next": _safe_next(next), "username": form.username, "error": outcome.message},
                      status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        outcome.token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )
    return response


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(
    request: Request,
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    actions.logout(session, token=token, actor=principal, now=now)
    response = RedirectResponse("/login?bye=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
) -> Response:
    return render(request, "tokens.html", {
        "tokens": list_api_tokens_for(session, principal),
        "communes": list_communes_for(session, principal),
        "token_roles": [(r.value, ROLE_LABELS[r]) for r in TOKEN_ROLES],
    })


@router.post("/admin/tokens", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def tokens_create(
    request: Request,
    name: str = Form(default="", max_length=500),
    commune_code: str = Form(default="", max_length=20),
    days_valid: str = Form(default="365", max_length=10),  # parsed by ApiTokenCreate, so errors show per field
    roles: list[str] = Form(default=[], max_length=5),
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        data = ApiTokenCreate.model_validate(
            {"name": name.strip(), "commune_code": commune_code or None, "days_valid": days_valid,
             "roles": roles}
        )
    except ValidationError as exc:
        raise ValidationFailed(fields=field_errors(exc)) from exc
    token, raw = actions.create_api_token(session, actor=principal, name=data.name,
                                          commune_code=data.commune_code, days_valid=data.days_valid, now=now,
                                          roles=tuple(data.roles))
    return render(request, "tokens.html", {
        "tokens": list_api_tokens_for(session, principal),
        "communes": list_communes_for(session, principal),
        "token_roles": [(r.value, ROLE_LABELS[r]) for r in TOKEN_ROLES],
        "new_token": raw,
        "new_token_name": token.name,
    }, status_code=201)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[Depends(require_csrf)])
def tokens_revoke(
    token_id: int,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    actions.revoke_api_token(session, actor=principal, token_id=token_id, now=now)
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, principal: Principal = Depends(current_officer)) -> Response:
    return render(request, "password.html", {"errors": {}})


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def password_change(
    request: Request,
    current: str = Form(default="", max_length=500),
    new: str = Form(default="", max_length=500),
    confirm: str = Form(default="", max_length=500),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        actions.change_password(session, actor=principal, current=current, new=new, confirm=confirm,
                                keep_session_token=request.cookies.get(SESSION_COOKIE), now=now)
    except ValidationFailed as exc:
        return render(request, "password.html", {"errors": exc.fields}, status_code=422)
    return render(request, "password.html", {"errors": {}, "done": True})
