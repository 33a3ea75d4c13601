"""The shell pages: landing, the home page of each role, the public lookup, language switch and health check."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, get_now, optional_principal, require_csrf
from motcua.base.principal import Principal
from motcua.dossier.deps import client_ip
from motcua.dossier.lookups import public_lookup
from motcua.home.lookup import lookup_result
from motcua.home.queries import event_in_words, home_page
from motcua.kit.errors import ValidationFailed
from motcua.web.i18n import LANGUAGES
from motcua.web.middleware import LANG_COOKIE
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
#: The public lookup: matched after the JSON API (app.py), like the other pages; ``router`` comes first.
lookup_router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, principal: Principal | None = Depends(optional_principal)) -> Response:
    if principal is not None and principal.kind == "officer":
        return RedirectResponse("/home", status_code=303)
    return render(request, "landing.html")


@router.get("/home", response_class=HTMLResponse)
def home(
    request: Request,
    principal: Principal | None = Depends(optional_principal),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    if principal is None or principal.kind != "officer":
        return RedirectResponse("/login?next=/home", status_code=303)
    return render(request, "home.html", {**home_page(session, principal, now).context(), "in_words": event_in_words})


@lookup_router.get("/tra-cuu", response_class=HTMLResponse)
def lookup_page(
    request: Request,
    ma: str = Query(default="", max_length=40, description="dossier code (from the QR)"),
) -> Response:
    return render(request, "lookup.html", {"code": ma, "result": None, "errors": {}})


@lookup_router.post("/tra-cuu", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def lookup_submit(
    request: Request,
    code: str = Form(default="", max_length=40),
    secret: str = Form(default="", max_length=20),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    try:
        dossier = public_lookup(session, code=code, secret=secret, ip=client_ip(request), now=now)
    except ValidationFailed as exc:  # not 4 digits: said beside the form, which keeps the code (house rule 9)
        return render(request, "lookup.html", {"code": code, "result": None, "errors": {"form": exc.message}},
                      status_code=422)
    if dossier is None:
        return render(request, "lookup.html", {"code": code, "result": None,
                                               "errors": {"form": "Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập."}},
                      status_code=404)
    result = lookup_result(session, dossier, secret_key=request.app.state.settings.secret_key, now=now)
    return render(request, "lookup.html", {"code": code, "result": result, "errors": {}})


@router.get("/lang/{lang}")
def set_language(request: Request, lang: str, next: str = Query(default="/", max_length=300)) -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax",
                            secure=request.app.state.settings.cookie_secure, httponly=True)
    return response


@router.get("/healthz")
def health(session: Session = DB_SESSION) -> Response:
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
