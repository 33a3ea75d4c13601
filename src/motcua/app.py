"""The application factory: routers, middleware and the one place errors become pages or JSON."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from motcua import __version__
from motcua.admin import api as org_api
from motcua.admin import views as org_views
from motcua.auth import api as auth_api
from motcua.auth import views as auth_views
from motcua.auth.deps import optional_principal
from motcua.calendar import api as calendar_api
from motcua.calendar import views as calendar_views
from motcua.calendar.errors import CalendarError
from motcua.catalog import api as catalog_api
from motcua.catalog import views as catalog_views
from motcua.config import Settings, check_secrets, get_settings
from motcua.db import make_engine, make_session_factory
from motcua.docstore import api as docstore_api
from motcua.docstore import views as docstore_views
from motcua.dossier import api as dossier_api
from motcua.dossier import views as dossier_views
from motcua.dossier.files import FileStore
from motcua.feedback import api as feedback_api
from motcua.feedback import views as feedback_views
from motcua.home import views as web_views
from motcua.kit.clock import Clock, SystemClock
from motcua.kit.errors import MotcuaError, NotAuthenticated
from motcua.kit.logs import request_id
from motcua.kit.messages import vietnamese_message
from motcua.kit.schemas import error_responses
from motcua.portal import views as portal_views
from motcua.queue import booking_views as queue_booking_views
from motcua.queue import display as queue_display
from motcua.queue import rating_views as queue_rating_views
from motcua.queue import stats_views as queue_stats_views
from motcua.queue import views as queue_views
from motcua.queue.live import Hub
from motcua.report import api as report_api
from motcua.report import views as report_views
from motcua.results import views as results_views
from motcua.web.middleware import (
    BodyLimitMiddleware,
    JsonDepthMiddleware,
    RequestIdMiddleware,
    TrustedProxyMiddleware,
    WebContextMiddleware,
    parse_networks,
)
from motcua.web.templating import render
from motcua.wiring import connect

log = logging.getLogger("motcua")

API_PREFIX = "/api/v1"

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Vui lòng đăng nhập để tiếp tục.",
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.",
    405: "Phương thức không được hỗ trợ cho địa chỉ này.",
    413: "Dữ liệu gửi lên quá lớn.",
    422: "Dữ liệu nhập chưa hợp lệ.",
    429: "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau.",
    500: "Hệ thống gặp sự cố. Lỗi đã được ghi lại; vui lòng thử lại sau ít phút.",
}


def _route(request: Request) -> str:
    """The matched route's template, for a log line: the path itself may hold a code or a citizen's data."""
    return getattr(request.scope.get("route"), "path", None) or "-"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(
    request: Request, status: int, code: str, message: str, fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _is_api(request):
        body: dict[str, Any] = {"error": {"code": code, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        return JSONResponse(body, status_code=status, headers=headers)
    response = render(
        request, "error.html", {"status": status, "message": message, "fields": fields or {}}, status_code=status
    )
    if headers:
        response.headers.update(headers)
    return response


PUBLIC_API_PATHS = frozenset({f"{API_PREFIX}/lookup", queue_booking_views.SMS_WEBHOOK_PATH})  # the gateway signs
#: Public operations on a path whose other methods need credentials (the citizen's feedback and rating).
PUBLIC_API_OPERATIONS = frozenset({("POST", f"{API_PREFIX}/feedback"), ("POST", f"{API_PREFIX}/ratings")})
#: Public paths with a parameter: the verification of results (issue 17: /verifications and /verifications/{code}).
PUBLIC_API_PREFIXES = (f"{API_PREFIX}/verifications",)


def _is_authenticated(request: Request) -> bool:
    """Whether the request carries valid credentials (used when input fails before authentication ran)."""
    with request.app.state.session_factory() as session:
        try:
            return optional_principal(request, session) is not None
        except NotAuthenticated:
            return False


async def _refused_unless_authenticated(request: Request) -> Response | None:
    """FastAPI parses the body before it resolves dependencies, so a malformed body would be answered 422 before
    the missing credentials were noticed; an unauthenticated caller must learn only that it needs to log in."""
    if not _is_api(request) or request.url.path in PUBLIC_API_PATHS:
        return None
    if any(request.url.path == p or request.url.path.startswith(p + "/") for p in PUBLIC_API_PREFIXES):
        return None
    if (request.method, request.url.path) in PUBLIC_API_OPERATIONS:
        return None
    if await run_in_threadpool(_is_authenticated, request):
        return None
    return _error_response(request, 401, "not_authenticated", HTTP_MESSAGES[401])


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MotcuaError)
    async def motcua_error(request: Request, exc: MotcuaError) -> Response:
        if isinstance(exc, NotAuthenticated) and not _is_api(request) and request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            sign_in = getattr(exc, "sign_in_path", "/login")  # citizens have their own sign-in page
            return RedirectResponse(f"{sign_in}?next={quote(target)}", status_code=303)
        headers = None
        if "retry_after" in exc.extra:
            headers = {"Retry-After": str(exc.extra["retry_after"])}
        return _error_response(request, exc.status_code, exc.code, exc.message, exc.fields, headers)

    @app.exception_handler(CalendarError)
    async def calendar_error(request: Request, exc: CalendarError) -> Response:
        return _error_response(request, 422, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        refused = await _refused_unless_authenticated(request)
        if refused is not None:
            return refused
        fields: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
            fields[".".join(loc) or "body"] = vietnamese_message(error)
        status = 422 if _is_api(request) else 400
        return _error_response(request, status, "validation_failed", HTTP_MESSAGES[422], fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        if status == 400 and _is_api(request):  # FastAPI's "error parsing the body": invalid input, like any other
            refused = await _refused_unless_authenticated(request)
            if refused is not None:
                return refused
            return _error_response(request, 422, "validation_failed", "Nội dung gửi lên không phải JSON hợp lệ.",
                                   {"body": "Không đọc được JSON."})
        # Keep the framework's headers: a 405 must say which methods are allowed (RFC 9110 §15.5.6).
        return _error_response(request, status, f"http_{status}", HTTP_MESSAGES.get(status, str(exc.detail)),
                               headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        # The database refused a value the validators let through (a NUL character, which PostgreSQL text cannot
        # hold; a string longer than its column): bad input, answered as such, and the transaction is rolled back.
        # The class and SQLSTATE only: the driver's message quotes the refused value ("invalid input syntax for
        # type integer: \"0912…\"").
        log.warning("database refused input on %s %s: %s (SQLSTATE %s)", request.method, _route(request),
                    exc.orig.__class__.__name__, getattr(exc.orig, "sqlstate", None) or "-")
        return _error_response(request, 422, "validation_failed",
                               "Dữ liệu có ký tự hoặc độ dài không hợp lệ. Vui lòng kiểm tra lại.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, _route(request))
        response = _error_response(request, 500, "internal_error", HTTP_MESSAGES[500])
        # This handler answers outside RequestIdMiddleware (Starlette's ServerErrorMiddleware wraps every user
        # middleware), so the id the officer quotes to support is added here.
        rid = request_id.get()
        if rid:
            response.headers["X-Request-ID"] = rid
        return response


@dataclass(frozen=True)
class RouteInfo:
    methods: frozenset[str]
    path: str
    endpoint: Any


def route_table(app: FastAPI) -> list[RouteInfo]:
    """Every route the application serves, with its full path (used by the access and CSRF tests and docs)."""
    table = []
    for prefix, router in app.state.routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                table.append(RouteInfo(frozenset(route.methods or ()), prefix + route.path, route.endpoint))
    return table


def _openapi_with_bearer(app: FastAPI) -> dict[str, Any]:
    """The schema with its security scheme: every API operation takes ``Authorization: Bearer <token>``."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "API token issued by an administrator at /admin/tokens"}
        }
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
    return app.openapi_schema


SWAGGER_UI = "/static/vendor/swagger-ui"
_API_DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>motcua API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi-url="/api/openapi.json"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>"""


def _install_api_docs(app: FastAPI) -> None:
    """``/api/docs``: Swagger UI from the vendored files (``web/static/vendor/swagger-ui``) and an init script of
    our own, so that the page works offline and under the site's CSP (no CDN, no inline script)."""

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return HTMLResponse(_API_DOCS_PAGE)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    await app.state.display_hub.aclose()  # the hall displays' poller, if a display ever connected


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    connect()  # the hooks between layers (motcua.wiring)
    settings = settings or get_settings()
    check_secrets(settings)  # raises InsecureConfiguration: never serve with the published or a short key
    if session_factory is None:
        engine = engine or make_engine(settings.database_url)
        session_factory = make_session_factory(engine)
    app = FastAPI(
        title="motcua API",
        version=__version__,
        description=(
            "JSON API of motcua, the one-stop administrative service centre software of Vietnamese communes. "
            "Authenticate with `Authorization: Bearer <token>` (tokens are issued by an administrator and scoped "
            "to a province or a commune). Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}` with "
            "Vietnamese messages. Every timestamp is an instant in UTC with its offset written as `Z` "
            "(`2026-12-10T10:00:00Z` is 17:00 in Hà Nội), on every database backend; dates without a time are "
            "calendar dates in Vietnam."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN, which the CSP blocks: see _install_api_docs
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.clock = clock or SystemClock()
    # The hall displays' poller of this process (queue.live), started by the first display that connects.
    app.state.display_hub = Hub(session_factory, app.state.clock.now)

    app.state.files = FileStore(settings.files_dir)
    # The order is the order in which a request is matched: FastAPI tries every route of every included router
    # in turn (a regex per route, no skipping by prefix; ~15,000 instructions a route), so a route costs more the
    # more routes precede it. The JSON API comes before the pages, right after the home router (four routes, with
    # /healthz): POST /api/v1/dossiers was tried against ~80 page routes first, ~10 % of the server's CPU on that
    # request (py-spy, 16 clients). Measured (callgrind, instructions per request): intake 19.5 M -> 18.5 M,
    # GET /api/v1/me 5.2 M -> 3.9 M; a page pays the 29 API routes instead, +0.5 M (GET /login, the cheapest,
    # 2.9 M -> 3.4 M). Grouping the API under a router that skips non-API paths spared the pages but cost the
    # intake 0.4 M in FastAPI's nested matching, so it was not kept. The two sets cannot both match a path (every
    # API path starts with /api/v1/, no page path starts with /api or a parameter: tests/web/test_route_order.py),
    # so the order changes no answer; the API routers keep their relative order, which is the OpenAPI order.
    routers = [
        ("", web_views.router),
        (API_PREFIX, auth_api.router),
        (API_PREFIX, org_api.router),
        (API_PREFIX, calendar_api.router),
        (API_PREFIX, catalog_api.router),
        (API_PREFIX, dossier_api.router),
        (API_PREFIX, report_api.router),
        (API_PREFIX, feedback_api.router),
        (API_PREFIX, docstore_api.router),
        ("", auth_views.router),
        ("", org_views.router),
        ("", calendar_views.router),
        ("", catalog_views.router),
        ("", dossier_views.router),
        ("", web_views.lookup_router),
        ("", report_views.router),
        ("", portal_views.router),
        ("", feedback_views.router),
        ("", docstore_views.router),
        ("", queue_booking_views.router),
        ("", queue_views.router),
        ("", queue_display.router),
        ("", queue_rating_views.router),
        ("", queue_stats_views.router),
        ("", results_views.router),
    ]
    for prefix, router in routers:
        if prefix == API_PREFIX:
            app.include_router(router, prefix=prefix, responses=error_responses(401, 422))
        else:
            app.include_router(router, prefix=prefix)
    app.state.routers = routers

    # FastAPI's documented way to extend the schema is to replace app.openapi; mypy sees a method assignment.
    app.openapi = lambda: _openapi_with_bearer(app)  # type: ignore[method-assign]
    static_dir = resources.files("motcua.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")

    _install_api_docs(app)
    _install_error_handlers(app)
    app.add_middleware(JsonDepthMiddleware)  # innermost of ours: the body it reads is already size-limited
    app.add_middleware(
        WebContextMiddleware, default_language=settings.default_language, cookie_secure=settings.cookie_secure
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       upload_max_bytes=settings.max_upload_body_bytes,
                       upload_paths=("/dossiers", f"{API_PREFIX}/dossiers", "/admin/catalogue", "/cong-dan",
                                     "/ho-tro-nop", "/index/reconciliation", "/xac-minh",
                                     f"{API_PREFIX}/verifications"))
    # Every layer below sees the client's address and scheme as the trusted proxies tell them.
    app.add_middleware(TrustedProxyMiddleware, trusted=parse_networks(settings.trusted_proxies))
    # Outermost: every answer, a refusal of the layers above included, has its id and its access line.
    app.add_middleware(RequestIdMiddleware)
    return app


__all__ = ["create_app", "route_table"]
