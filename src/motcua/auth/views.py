"""Login, logout and the API-token administration pages."""

from __future__ import annotations

from datetime import datetime, timedelta

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
from motcua.auth.devices import DEVICE_COOKIE_PATH, DEVICE_LIFETIME, device_cookie_name
from motcua.auth.queries import list_api_tokens_for, session_ended_idle, token_officers_for
from motcua.auth.schemas import ApiTokenCreate, LoginForm
from motcua.base.principal import Principal
from motcua.base.roles import ROLE_LABELS, TOKEN_ROLES, Role
from motcua.kit.errors import TooManyRequests, ValidationFailed, field_errors
from motcua.org.queries import list_communes_for
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target[:300]
    return "/home"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None,
               principal: Principal | None = Depends(optional_principal),
               session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    if principal is not None and principal.kind == "officer":
        return RedirectResponse(_safe_next(next), status_code=303)
    context: dict[str, object] = {"next": _safe_next(next), "username": ""}
    token = request.cookies.get(SESSION_COOKIE)
    idle = timedelta(minutes=request.app.state.settings.session_idle_minutes)
    if token and session_ended_idle(session, token, now, idle):
        context["idle_expired"] = True
    return render(request, "login.html", context)


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
    try:
        outcome = actions.login(
            session,
            username=form.username,
            password=form.password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            now=now,
            settings=settings,
            device_token=request.cookies.get(device_cookie_name(form.username)),
        )
    except TooManyRequests as exc:
        # The form again, with the wait in words: the officer learns how long, not that the account is locked.
        refused = render(request, "login.html",
                         {"next": _safe_next(next), "username": form.username, "error": exc.message},
                         status_code=429)
        refused.headers["Retry-After"] = str(exc.extra.get("retry_after", 60))
        return refused
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
    if outcome.device_token:
        response.set_cookie(
            device_cookie_name(form.username),
            outcome.device_token,
            max_age=int(DEVICE_LIFETIME.total_seconds()),
            path=DEVICE_COOKIE_PATH,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="strict",
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


def _tokens_context(session: Session, principal: Principal) -> dict[str, object]:
    officers = token_officers_for(session, principal)
    return {
        "tokens": list_api_tokens_for(session, principal),
        "communes": list_communes_for(session, principal),
        "officers": officers,
        "officer_names": {o.id: o.full_name for o in officers},
        "role_labels": {r.value: label for r, label in ROLE_LABELS.items()},
        "token_roles": [(r.value, ROLE_LABELS[r]) for r in TOKEN_ROLES],
        # a token without a commune acts for the whole province: create_api_token allows it to province users only
        "may_choose_province": principal.is_province_level,
    }


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
) -> Response:
    return render(request, "tokens.html", _tokens_context(session, principal))


@router.post("/admin/tokens", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def tokens_create(
    request: Request,
    name: str = Form(default="", max_length=500),
    commune_code: str = Form(default="", max_length=20),
    days_valid: str = Form(default="365", max_length=10),  # parsed by ApiTokenCreate, so errors show per field
    roles: list[str] = Form(default=[], max_length=5),
    officer_id: str = Form(default="", max_length=12),
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        data = ApiTokenCreate.model_validate(
            {"name": name.strip(), "commune_code": commune_code or None, "days_valid": days_valid,
             "roles": [r for r in roles if r], "officer_id": officer_id or None}
        )
    except ValidationError as exc:
        raise ValidationFailed(fields=field_errors(exc)) from exc
    token, raw = actions.create_api_token(session, actor=principal, name=data.name,
                                          commune_code=data.commune_code, days_valid=data.days_valid, now=now,
                                          officer_id=data.officer_id, roles=tuple(data.roles))
    return render(request, "tokens.html", {
        **_tokens_context(session, principal),
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
                                keep_session_token=request.cookies.get(SESSION_COOKIE), now=now,
                                demo=request.app.state.settings.demo)
    except ValidationFailed as exc:
        return render(request, "password.html", {"errors": exc.fields}, status_code=422)
    return render(request, "password.html", {"errors": {}, "done": True})
