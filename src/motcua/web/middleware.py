"""ASGI middleware: the request id and access log, request body limit, language choice, the anonymous CSRF cookie
and security headers."""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import time
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from motcua.kit.errors import MotcuaError, PayloadTooLarge
from motcua.kit.jsonsafe import MAX_JSON_DEPTH, JsonTooDeep, check_depth
from motcua.kit.logs import accept_request_id, request_id
from motcua.web.i18n import LANGUAGES

LANG_COOKIE = "motcua_lang"
REQUEST_ID_HEADER = b"x-request-id"

access_log = logging.getLogger("motcua.access")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/24"`` as networks; a bad entry is a configuration error, raised at start."""
    items = spec.split(",") if isinstance(spec, str) else spec
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class TrustedProxyMiddleware:
    """The client's address and scheme as the request's direct peer gives them, unless that peer is one of the
    configured reverse proxies: only then are ``X-Forwarded-For`` and ``X-Forwarded-Proto`` believed.

    Any process that can reach the server can write these headers; believing them from everyone (or from every
    local process, uvicorn's default) let one client rotate its address and escape every per-address limit
    (issue 13, finding 10; RFC 7239 §8.1: a forwarding header is only as trustworthy as the hop that wrote it).
    ``X-Forwarded-For`` is read from the right, skipping our own proxies: the first address that is not one of
    them is the client (the entries to its left were written by the client itself). The rewritten
    ``scope["client"]`` and ``scope["scheme"]`` are then what ``request.client`` and ``request.url`` say everywhere.
    """

    def __init__(self, app: ASGIApp, *, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def _is_trusted(self, host: str | None) -> bool:
        if not host or not self.trusted:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            client = scope.get("client")
            if client and self._is_trusted(client[0]):
                headers = dict(scope.get("headers") or [])
                forwarded_for = headers.get(b"x-forwarded-for")
                if forwarded_for:
                    hops = [h.strip() for h in forwarded_for.decode("latin-1").split(",") if h.strip()]
                    host = client[0]
                    while hops and self._is_trusted(host):
                        host = hops.pop()
                    if _is_address(host):  # a proxy passing on garbage does not get to name the client
                        scope["client"] = (host, 0)
                proto = headers.get(b"x-forwarded-proto")
                if proto:
                    scheme = proto.decode("latin-1").split(",")[0].strip().lower()
                    if scheme in ("http", "https", "ws", "wss"):
                        scope["scheme"] = scheme
        await self.app(scope, receive, send)


class RequestIdMiddleware:
    """Gives every HTTP request an id and writes its access line.

    The id is the inbound ``X-Request-ID`` when it is a sane token (a proxy in front may have issued it), else a new
    one; it is returned in the response's ``X-Request-ID`` and held in ``motcua.kit.logs.request_id``, so every line
    logged while the request is served carries it (sync endpoints run in a thread with a copy of the context).

    The access line says the method, the route's template (``/dossiers/{dossier_id}``), the status and the duration
    in milliseconds. Not the path's values and not the query string: both can hold a dossier code, an ID number or
    a phone (the public lookup, the search forms), and the template is what one aggregates on anyway.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = None
        for name, value in scope.get("headers") or []:
            if name == REQUEST_ID_HEADER:
                inbound = value.decode("latin-1")
                break
        rid = accept_request_id(inbound)
        token = request_id.set(rid)
        status = 500  # what the client gets when the app raises before answering (ServerErrorMiddleware's page)
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            self._log(scope, status=500, started=started)
            # Left set: the application's 500 handler runs outside this middleware (Starlette's ServerErrorMiddleware
            # wraps every user middleware), in this same task, and its traceback line must carry the id too.
            raise
        self._log(scope, status=status, started=started)
        request_id.reset(token)

    @staticmethod
    def _log(scope: Scope, *, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "-"  # "-": no route matched (a 404 of the router)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        method = scope.get("method", "")
        access_log.info("%s %s %s %.1f ms", method, template, status, duration_ms,
                        extra={"method": method, "route": template, "status": status, "duration_ms": duration_ms})


class BodyLimitMiddleware:
    """Refuse bodies larger than the configured limit before anything reads them (no 500, no memory blow-up)."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int | None = None,
                 upload_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes or max_bytes
        self.upload_paths = upload_paths

    def _limit(self, scope: Scope) -> int:
        """Routes that take scanned documents get the larger limit; every file is then checked on its own."""
        path: str = scope.get("path", "")
        if scope.get("method") == "POST" and any(path == p or path.startswith(p + "/") for p in self.upload_paths):
            return self.upload_max_bytes
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > max_bytes
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(scope, send, max_bytes)
                return
        seen = 0
        exceeded = started = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    exceeded = True
                    raise PayloadTooLarge(self._message(max_bytes))
            return message

        async def guarded_send(message: Message) -> None:
            # A body without Content-Length (Transfer-Encoding: chunked) is found too big only while the app reads
            # it, and whatever reads it may turn our exception into its own answer (FastAPI's JSON parsing makes it
            # a 400 "not JSON"). The answer to an oversized body is 413 with the size (RFC 9110 §15.5.14), whoever
            # was reading: the app's own answer is replaced.
            nonlocal started
            if exceeded:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(scope, send, max_bytes)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except PayloadTooLarge:
            if started:
                raise
            await self._refuse(scope, send, max_bytes)

    @staticmethod
    def _message(max_bytes: int) -> str:
        return f"Dữ liệu gửi lên quá lớn (tối đa {max_bytes // 1024} KB)."

    async def _refuse(self, scope: Scope, send: Send, max_bytes: int) -> None:
        path: str = scope.get("path", "")
        if path.startswith("/api/"):
            body = json.dumps(
                {"error": {"code": "payload_too_large", "message": self._message(max_bytes)}}, ensure_ascii=False
            ).encode()
            ctype = b"application/json"
        else:
            body = (
                "<!doctype html><html lang=vi><meta charset=utf-8><title>Dữ liệu quá lớn</title>"
                f"<h1>Dữ liệu quá lớn</h1><p>{self._message(max_bytes)}</p><p><a href=/>Về trang chủ</a></p></html>"
            ).encode()
            ctype = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class JsonDepthMiddleware:
    """Refuse a JSON body nested deeper than ``max_depth`` before FastAPI's parser recurses into it (issue 13,
    finding 18: 50,000 levels were a RecursionError). Only bodies declared JSON are read here; they are already
    bounded in size by ``BodyLimitMiddleware``, which runs first, and are handed on unchanged."""

    def __init__(self, app: ASGIApp, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    @staticmethod
    def _is_json(scope: Scope) -> bool:
        for name, value in scope.get("headers") or []:
            if name == b"content-type":
                media = value.split(b";", 1)[0].strip().lower()
                return media == b"application/json" or media.endswith(b"+json")
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":  # the client went away: nothing to answer
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            check_depth(body, self.max_depth)
        except (JsonTooDeep, PayloadTooLarge) as exc:  # raised out here, no exception handler would see them
            await _send_json_error(send, exc)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _send_json_error(send: Send, exc: MotcuaError) -> None:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.fields:
        error["fields"] = exc.fields
    body = json.dumps({"error": error}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": exc.status_code,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class WebContextMiddleware:
    """Chooses the UI language and keeps a CSRF cookie for forms shown before login."""

    def __init__(self, app: ASGIApp, *, default_language: str, cookie_secure: bool) -> None:
        self.app = app
        self.default_language = default_language
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        lang = cookies.get(LANG_COOKIE, self.default_language)
        if lang not in LANGUAGES:
            lang = self.default_language
        anon_csrf = cookies.get("motcua_csrf", "")
        new_cookie = None
        if len(anon_csrf) < 20:
            anon_csrf = secrets.token_urlsafe(24)
            new_cookie = anon_csrf
        state: dict[str, Any] = scope.setdefault("state", {})
        state["lang"] = lang
        state["anon_csrf"] = anon_csrf

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A response that may be framed by the site's own pages (the receipt printed from the dossier page)
                # sets its own frame policy; every other response is never framed.
                framed = any(name.lower() == b"x-frame-options" for name, _ in headers)
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
                if not framed:
                    headers += [
                        (b"x-frame-options", b"DENY"),
                        (b"content-security-policy",
                         b"default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"),
                    ]
                if scope.get("scheme") == "https":
                    # RFC 6797: browsers that saw the site over HTTPS never try plain HTTP for a year (OWASP ASVS
                    # 4.0 14.4.5). Only over HTTPS: a header sent over HTTP is ignored and would mislead.
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                if new_cookie is not None:
                    secure = "; Secure" if self.cookie_secure else ""
                    headers.append((b"set-cookie",
                                    f"motcua_csrf={new_cookie}; Path=/; HttpOnly; SameSite=Lax{secure}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cookies(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                if "=" in part:
                    key, _, val = part.strip().partition("=")
                    out[key] = val
    return out
