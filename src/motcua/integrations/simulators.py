"""Local stand-ins for the SMS gateway, Zalo ZNS, the population database and the payment gateway: real HTTP servers
on 127.0.0.1, for tests, demos and training.

Nothing is fetched from the internet (ARCHITECTURE: stack), yet the worker must be tested against something that
behaves like a provider over a socket: it authenticates, validates, refuses, gives each accepted message an id,
honours the idempotency key (a repeated key returns the first id and does not deliver again), and can be told to
fail (HTTP 503) or to be slow. A slow simulator **delivers first and answers late** — the case a client timeout
cannot tell from a failure, and the reason the idempotency key exists.

Each simulator is a stdlib ``ThreadingHTTPServer`` in a daemon thread::

    with SmsSimulator() as sms:
        gateway = SmsGateway(sms.base_url, sms.api_key, sms.brandname)
        ...
        assert [m.to for m in sms.delivered] == ["84912345678"]

The population database (``PopulationDbSimulator``) keeps a registry of citizens and gives verdicts; the payment
gateway (``PaymentSimulator``) holds orders, serves the citizen's payment page and signs the redirect back. Both
obey the same switches (``fail_next``, ``fail_all``, ``slow``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import os
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

import httpx

from motcua.kit.text import fold

if TYPE_CHECKING:
    from motcua.config import Settings

_PHONE = re.compile(r"^84\d{9}$")
_ID_NUMBER = re.compile(r"\d{12}")
_LOCAL_PHONE = re.compile(r"0\d{9}")
_ORDER_REF = re.compile(r"[A-Za-z0-9._\-]{1,64}")
SMS_MAX_CHARS = 612  # four concatenated GSM-7 segments: what the gateway accepts in one request


@dataclass(frozen=True)
class Delivered:
    """One message the provider accepted and (pretends it) delivered to the handset."""

    message_id: str
    to: str
    text: str
    idempotency_key: str | None
    title: str = ""


@dataclass(frozen=True)
class Reply:
    """What a simulator answers to one request."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, answer: Any) -> Reply:
        return cls(status, json.dumps(answer, ensure_ascii=False).encode("utf-8"))


class ProviderSimulator:
    """The common machinery: the server thread, the failure switches and what was received."""

    prefix = "MSG"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._seq = itertools.count(1)
        self._delivered: list[Delivered] = []
        self._by_key: dict[str, str] = {}
        self.requests_by_key: Counter[str] = Counter()
        self.requests = 0
        self._fail_next = 0
        self._fail_status: int | None = None
        self._fail_next_status = 503
        self.delay_seconds = 0.0

    # -------------------------------------------------------------------------------------------- switches

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` without delivering."""
        with self._lock:
            self._fail_next, self._fail_next_status = count, status

    def fail_all(self, status: int | None = 503) -> None:
        """Answer every request with ``status`` until called with ``None`` (an outage)."""
        with self._lock:
            self._fail_status = status

    def slow(self, seconds: float) -> None:
        """Deliver, then wait ``seconds`` before answering (0 to stop)."""
        self.delay_seconds = seconds

    # -------------------------------------------------------------------------------------------- observation

    @property
    def delivered(self) -> list[Delivered]:
        with self._lock:
            return list(self._delivered)

    @property
    def base_url(self) -> str:
        host, port = self._address
        return f"http://{host}:{port}"

    # -------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as httpx's pool expects of a real provider
            # Buffer the answer so headers and body leave in one segment (flushed after each request): written
            # apart, Nagle and the client's delayed ACK add 40 ms to every request on a kept-alive connection.
            wbufsize = -1

            def setup(self) -> None:
                super().setup()
                with simulator._lock:
                    simulator._sockets.add(self.connection)

            def finish(self) -> None:
                with simulator._lock:
                    simulator._sockets.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                reply = simulator._respond(method, self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
                if simulator.delay_seconds and reply.status < 400:
                    simulator._stopping.wait(simulator.delay_seconds)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(self._address, Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._address = (self._address[0], int(server.server_address[1]))
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}-{self._address[1]}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Go down like a crashed provider: stop listening and cut the open keep-alive connections."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            open_sockets, self._sockets = list(self._sockets), set()
        for sock in open_sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------------------------------------- protocol

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """One HTTP exchange. The providers here speak JSON over POST only (``_answer``); a simulator serving pages
        or other methods overrides this."""
        if method != "POST":
            return Reply.json(405, {"error": "method_not_allowed"})
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = None
        return Reply.json(*self._answer(path, headers, body))

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def _deliver(self, key: str | None, to: str, text: str, title: str = "") -> tuple[bool, str]:
        """Deliver once per idempotency key; ``(False, first id)`` for a repeat. Caller holds no lock."""
        with self._lock:
            if key is not None:
                self.requests_by_key[key] += 1
                if key in self._by_key:
                    return False, self._by_key[key]
            message_id = f"{self.prefix}{next(self._seq):08d}"
            self._delivered.append(Delivered(message_id, to, text, key, title))
            if key is not None:
                self._by_key[key] = message_id
            return True, message_id

    def _take_failure(self) -> int | None:
        with self._lock:
            self.requests += 1
            if self._fail_status is not None:
                return self._fail_status
            if self._fail_next > 0:
                self._fail_next -= 1
                return self._fail_next_status
            return None


class SmsSimulator(ProviderSimulator):
    """A brandname SMS gateway: ``POST /v1/messages`` with a bearer key; 201 ``{"message_id": …}``."""

    prefix = "SMS"

    def __init__(self, *, api_key: str = "sms-test-key", brandname: str = "UBND XA", host: str = "127.0.0.1",
                 port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.api_key = api_key
        self.brandname = brandname
        #: Two-way SMS: where the gateway forwards the texts citizens send (motcua's webhook) and the shared secret
        #: it signs them with (``integrations.sms_inbound``); empty: no forwarding.
        self.inbound_url = ""
        self.inbound_secret = ""
        self._inbound_seq = itertools.count(1)

    def send_inbound(self, sender: str, text: str, *, message_id: str | None = None,
                     client: httpx.Client | None = None) -> tuple[int, str]:
        """A citizen texts ``text`` from ``sender`` (0xxxxxxxxx): forward it to ``inbound_url`` as the gateway does
        (JSON, ``X-Signature`` = hex HMAC-SHA256 of the body). Returns the webhook's status and body. A repeated
        ``message_id`` is how the gateway retries a delivery. ``client``: an HTTP client of one's own (a test's
        in-process client of the app)."""
        if not self.inbound_url or not self.inbound_secret:
            raise RuntimeError("inbound_url and inbound_secret are not set")
        local = re.sub(r"\s", "", sender)
        msisdn = "84" + local[1:] if local.startswith("0") else local.lstrip("+")
        ref = message_id or f"MO{next(self._inbound_seq):08d}"
        raw = json.dumps({"message_id": ref, "from": msisdn, "to": "8055", "text": text},
                         ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "X-Signature": _hmac_hex(self.inbound_secret, raw)}
        answer = (client.post(self.inbound_url, content=raw, headers=headers) if client is not None
                  else httpx.post(self.inbound_url, content=raw, headers=headers, timeout=10))
        return answer.status_code, answer.text

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """``GET /`` is the simulator's inbox: the last messages it took, newest first — how a demo reads the
        one-time codes the portal sends (a real gateway delivers them to the phone instead) — and a form to text
        the commune's number as a citizen would (``POST /mo``, forwarded to motcua)."""
        route = urlsplit(path).path
        if method == "POST" and route == "/mo":
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
            try:
                status, answer = self.send_inbound(form.get("from", ""), form.get("text", ""))
            except (RuntimeError, httpx.HTTPError) as exc:
                status, answer = 0, str(exc)
            return _page(200, "Đã gửi tin nhắn đến (mô phỏng)", f"<p>Trả lời của máy chủ: {status} "
                         f"{escape(answer[:200])}</p><p><a href=\"/\">Về hộp thư</a></p>")
        if method == "GET" and route == "/":
            rows = "".join(f"<li><b>{escape(m.to)}</b>: {escape(m.text)}</li>" for m in reversed(self.delivered[-50:]))
            compose = ("<h2>Nhắn tin đến tổng đài (mô phỏng)</h2><form method=\"post\" action=\"/mo\">"
                       "<label>Số điện thoại <input name=\"from\" value=\"0912000101\"></label> "
                       "<label>Nội dung <input name=\"text\" value=\"LAYSO 08218 HT\"></label> "
                       "<button type=\"submit\">Gửi</button></form>") if self.inbound_url else ""
            html = ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>Hộp thư SMS (mô phỏng)</title></head><body><main><h1>Hộp thư SMS (mô phỏng)</h1>"
                    f"<ol>{rows or '<li>Chưa có tin nhắn.</li>'}</ol>{compose}</main></body></html>")
            return Reply(200, html.encode("utf-8"), "text/html; charset=utf-8")
        return super()._respond(method, path, headers, raw)

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        failure = self._take_failure()
        if failure is not None:
            return failure, {"error": "service_unavailable"}
        if path != "/v1/messages":
            return 404, {"error": "not_found"}
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "unauthorized"}
        if not isinstance(body, dict):
            return 400, {"error": "invalid_json"}
        to, text = str(body.get("to", "")), str(body.get("text", ""))
        if body.get("brandname") != self.brandname:
            return 400, {"error": "brandname_not_registered"}
        if not _PHONE.match(to):
            return 400, {"error": "invalid_number"}
        if not text or len(text) > SMS_MAX_CHARS:
            return 400, {"error": "invalid_text_length"}
        fresh, message_id = self._deliver(headers.get("idempotency-key"), to, text)
        return (201 if fresh else 200), {"message_id": message_id, "status": "queued"}


class ZaloSimulator(ProviderSimulator):
    """Zalo ZNS: ``POST /message/template`` with an ``access_token`` header; errors come in the body with HTTP 200,
    as Zalo's API returns them (the negative codes here are illustrative; the adapter treats any non-zero as final)."""

    prefix = "ZNS"

    def __init__(self, *, access_token: str = "zalo-test-token",  # noqa: S107 - a simulator's own token
                 template_id: str = "301234", host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.access_token = access_token
        self.template_id = template_id

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        failure = self._take_failure()
        if failure is not None:
            return failure, {"error": -1, "message": "Service unavailable"}
        if path != "/message/template":
            return 404, {"error": -1, "message": "Not found"}
        if headers.get("access_token") != self.access_token:
            return 200, {"error": -124, "message": "Access token is invalid"}
        if not isinstance(body, dict):
            return 200, {"error": -100, "message": "Invalid parameters"}
        phone, data = str(body.get("phone", "")), body.get("template_data")
        if body.get("template_id") != self.template_id or not isinstance(data, dict):
            return 200, {"error": -1123, "message": "Template is invalid"}
        if not _PHONE.match(phone):
            return 200, {"error": -108, "message": "Phone number is invalid"}
        key = body.get("tracking_id") or headers.get("idempotency-key")
        _, message_id = self._deliver(str(key) if key else None, phone, str(data.get("content", "")),
                                      str(data.get("title", "")))
        return 200, {"error": 0, "message": "Success", "data": {"msg_id": message_id}}


# ------------------------------------------------------------------------------------------------ population database


@dataclass(frozen=True)
class Citizen:
    """One person in the simulated population database (CSDLQG về dân cư)."""

    id_number: str
    full_name: str
    birth_date: date | None = None
    vneid_level: int = 2  # 0: no VNeID account, 1 or 2: the account's level
    phone: str | None = None  # the phone registered to the number (0xxxxxxxxx), None when none is


@dataclass(frozen=True)
class IdentityCheck:
    """One verdict the simulated database gave."""

    reference: str
    id_number: str
    full_name: str
    result: str


# Seeded by default, so `make run` has people to check. Numbers: province of birth (025 Phú Thọ, 026 Vĩnh Phúc,
# 017 Hòa Bình, 001 Hà Nội), sex and century (0/1: a man/woman born in the 1900s, 2/3 in the 2000s), year, 6 digits.
# Each has the phone registered to the number: a demo signs in on the portal with that phone (the SMS simulator shows
# the code) and verifies with the number, the name and the date of birth (docs/portal.md lists them).
DEMO_CITIZENS: tuple[Citizen, ...] = (
    Citizen("025085001234", "Nguyễn Văn An", date(1985, 3, 12), 2, "0912000101"),
    Citizen("025190012345", "Trần Thị Bích Ngọc", date(1990, 7, 21), 2, "0912000102"),
    Citizen("026072004567", "Lê Văn Cường", date(1972, 11, 2), 1, "0912000103"),
    Citizen("017303000789", "Hoàng Thị Dung", date(2003, 5, 30), 0, "0912000104"),
    Citizen("025201008888", "Phạm Minh Đức", date(2001, 1, 9), 2, "0912000105"),
    Citizen("001158009876", "Đặng Thị Hạnh", date(1958, 9, 15), 1, None),
)


class PopulationDbSimulator(ProviderSimulator):
    """The population database's identity check: ``POST /v1/citizens/verify`` with a bearer key; 200 with
    ``{"request_id", "result": "match" | "mismatch" | "not_found", "vneid_level", "phone_result"}``.

    Names are compared folded (no diacritics, case or extra spaces); a date of birth, when both sides have one, must
    be the same. The VNeID level and ``phone_result`` (``match`` | ``mismatch`` | ``not_registered``, for a
    ``phone`` asked about) are told only for a match. Failures and slowness come from the common switches."""

    prefix = "CSDL"

    def __init__(self, *, api_key: str = "identity-test-key", demo: bool = True, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.api_key = api_key
        self._citizens: dict[str, Citizen] = {}
        self._checks: list[IdentityCheck] = []
        for citizen in DEMO_CITIZENS if demo else ():
            self._citizens[citizen.id_number] = citizen

    def add(self, id_number: str, full_name: str, birth_date: date | None = None, vneid_level: int = 2,
            phone: str | None = None) -> Citizen:
        """Register a citizen (replacing one with the same number), with the phone registered to the number."""
        if not _ID_NUMBER.fullmatch(id_number):
            raise ValueError("not a 12-digit personal identification number")
        if vneid_level not in (0, 1, 2):
            raise ValueError(f"VNeID level is 0, 1 or 2, not {vneid_level!r}")
        if phone is not None and not _LOCAL_PHONE.fullmatch(phone):
            raise ValueError("not a 10-digit phone number")
        citizen = Citizen(id_number, full_name, birth_date, vneid_level, phone)
        with self._lock:
            self._citizens[id_number] = citizen
        return citizen

    @property
    def checks(self) -> list[IdentityCheck]:
        with self._lock:
            return list(self._checks)

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        failure = self._take_failure()
        if failure is not None:
            return failure, {"error": "service_unavailable"}
        if path != "/v1/citizens/verify":
            return 404, {"error": "not_found"}
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "unauthorized"}
        if not isinstance(body, dict):
            return 400, {"error": "invalid_json"}
        id_number, full_name, born = body.get("id_number"), body.get("full_name"), body.get("birth_date")
        phone = body.get("phone")
        if phone is not None and (not isinstance(phone, str) or not _LOCAL_PHONE.fullmatch(phone)):
            return 400, {"error": "invalid_phone"}
        if not isinstance(id_number, str) or not _ID_NUMBER.fullmatch(id_number):
            return 400, {"error": "invalid_id_number"}
        if not isinstance(full_name, str) or not full_name.strip():
            return 400, {"error": "invalid_full_name"}
        try:
            birth_date = date.fromisoformat(born) if born is not None else None
        except (TypeError, ValueError):
            return 400, {"error": "invalid_birth_date"}
        with self._lock:
            citizen = self._citizens.get(id_number)
            reference = f"{self.prefix}{next(self._seq):010d}"
            phone_result: str | None = None
            if citizen is None:
                result, level = "not_found", 0
            elif fold(citizen.full_name) != fold(full_name) or (
                    birth_date is not None and citizen.birth_date is not None and birth_date != citizen.birth_date):
                result, level = "mismatch", 0
            else:
                result, level = "match", citizen.vneid_level
                if phone is not None:
                    phone_result = ("not_registered" if citizen.phone is None
                                    else "match" if citizen.phone == phone else "mismatch")
            self._checks.append(IdentityCheck(reference, id_number, full_name, result))
        return 200, {"request_id": reference, "result": result, "vneid_level": level, "phone_result": phone_result}


# ------------------------------------------------------------------------------------------------ payment gateway


@dataclass
class SimulatedOrder:
    """An order the simulated gateway holds."""

    provider_ref: str
    order_ref: str
    amount: int
    description: str
    return_url: str
    status: str = "pending"  # pending → paid | failed, once
    paid_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {"provider_ref": self.provider_ref, "order_ref": self.order_ref, "amount": self.amount,
                "description": self.description, "status": self.status,
                "paid_at": _iso_utc(self.paid_at) if self.paid_at is not None else None}


class AmountMismatch(ValueError):
    """A payment of another amount than the order's: the gateway refuses it and the order stays pending."""


class PaymentSimulator(ProviderSimulator):
    """An online payment gateway, VNPay-like: an order API for the merchant (signed requests) and a payment page for
    the citizen, whose outcome goes back to the merchant's ``return_url`` in signed query parameters.

    ``GET /pay/{ref}`` shows the order with the buttons "Thanh toán" and "Hủy"; the form posts to ``/pay/{ref}``,
    which settles the order once (a second payment of a paid order does nothing) and answers 303 to the return
    address. ``pay()`` does the same without a browser. The signatures are computed here on their own, from the
    format the adapter's docstring describes, so a test shows the two sides agree rather than share a bug."""

    prefix = "VNP"

    def __init__(self, *, merchant_id: str = "MOTCUA01", secret: str = "payment-test-secret",  # noqa: S107
                 clock: Callable[[], datetime] | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host=host, port=port)
        self.merchant_id = merchant_id
        self.secret = secret
        self._clock = clock or (lambda: datetime.now(UTC))
        self._orders: dict[str, SimulatedOrder] = {}
        self._by_order_ref: dict[str, str] = {}
        self._charges: list[tuple[str, int]] = []

    # -------------------------------------------------------------------------------------------- test hooks

    def order(self, provider_ref: str) -> SimulatedOrder:
        with self._lock:
            return replace(self._orders[provider_ref])

    @property
    def charges(self) -> list[tuple[str, int]]:
        """``(provider_ref, amount)`` of every payment taken: one per paid order, never two."""
        with self._lock:
            return list(self._charges)

    def pay(self, provider_ref: str, *, amount: int | None = None, cancel: bool = False) -> str:
        """Settle the order as the citizen would on the page (pay it, or cancel with ``cancel``) and return the
        signed redirect address. ``amount`` defaults to the order's; another is refused (``AmountMismatch``).
        An order already settled is left as it is. ``KeyError`` for an unknown order."""
        return self._settle(provider_ref, paid=not cancel, amount=amount)

    # -------------------------------------------------------------------------------------------- protocol

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        failure = self._take_failure()
        route = urlsplit(path).path
        if failure is not None:
            if route.startswith("/pay/"):
                return _page(failure, "Cổng thanh toán tạm thời gián đoạn", "<p>Vui lòng thử lại sau ít phút.</p>")
            return Reply.json(failure, {"error": "service_unavailable"})
        if route.startswith("/pay/"):
            provider_ref = unquote(route.removeprefix("/pay/"))
            if method == "GET":
                return self._payment_page(provider_ref)
            return self._payment_form(provider_ref, raw)
        if route.startswith("/v1/"):
            expected = _hmac_hex(self.secret, f"{method}\n{path}\n".encode() + raw).encode("ascii")
            if headers.get("x-merchant-id") != self.merchant_id or not hmac.compare_digest(
                    headers.get("x-signature", "").encode("utf-8", "replace"), expected):
                return Reply.json(401, {"error": "invalid_signature"})
            if route == "/v1/orders" and method == "POST":
                return Reply.json(*self._create(raw))
            if route.startswith("/v1/orders/") and method == "GET":
                with self._lock:
                    order = self._orders.get(unquote(route.removeprefix("/v1/orders/")))
                    answer = order.as_json() if order is not None else None
                return Reply.json(200, answer) if answer is not None else Reply.json(404, {"error": "order_not_found"})
        return Reply.json(404, {"error": "not_found"})

    def _create(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return 400, {"error": "invalid_json"}
        order_ref, amount = body.get("order_ref"), body.get("amount")
        description, return_url = body.get("description"), body.get("return_url")
        if not isinstance(order_ref, str) or not _ORDER_REF.fullmatch(order_ref):
            return 400, {"error": "invalid_order_ref"}
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_PAYMENT_VND:
            return 400, {"error": "invalid_amount"}
        if not isinstance(description, str) or not 0 < len(description.strip()) <= 255:
            return 400, {"error": "invalid_description"}
        if not isinstance(return_url, str) or urlsplit(return_url).scheme not in ("http", "https"):
            return 400, {"error": "invalid_return_url"}
        with self._lock:
            known = self._by_order_ref.get(order_ref)
            if known is not None:
                order = self._orders[known]
                if order.amount != amount:
                    return 409, {"error": "order_ref_conflict", "provider_ref": order.provider_ref}
                return 200, {**order.as_json(), "pay_url": self._pay_url(order)}
            order = SimulatedOrder(f"{self.prefix}{next(self._seq):010d}", order_ref, amount, description.strip(),
                                   return_url)
            self._orders[order.provider_ref] = order
            self._by_order_ref[order_ref] = order.provider_ref
            return 201, {**order.as_json(), "pay_url": self._pay_url(order)}

    def _pay_url(self, order: SimulatedOrder) -> str:
        return f"{self.base_url}/pay/{quote(order.provider_ref, safe='')}"

    def _payment_page(self, provider_ref: str) -> Reply:
        with self._lock:
            order = self._orders.get(provider_ref)
            snapshot = replace(order) if order is not None else None
        if snapshot is None:
            return _page(404, "Không tìm thấy giao dịch", "<p>Mã giao dịch không tồn tại hoặc đã hết hạn.</p>")
        facts = (f"<dl><dt>Mã giao dịch</dt><dd>{escape(snapshot.provider_ref)}</dd>"
                 f"<dt>Nội dung</dt><dd>{escape(snapshot.description)}</dd>"
                 f"<dt>Số tiền</dt><dd><strong>{_vnd(snapshot.amount)}</strong></dd></dl>")
        if snapshot.status != "pending":
            done = "Giao dịch đã được thanh toán." if snapshot.status == "paid" else "Giao dịch đã bị hủy."
            back = escape(self._return_address(snapshot), quote=True)
            return _page(200, "Giao dịch đã kết thúc", f"{facts}<p>{done}</p><p><a href=\"{back}\">Quay lại</a></p>")
        action = escape(f"/pay/{quote(snapshot.provider_ref, safe='')}", quote=True)
        form = (f"<form method=\"post\" action=\"{action}\">"
                f"<input type=\"hidden\" name=\"amount\" value=\"{snapshot.amount}\">"
                "<button type=\"submit\" name=\"action\" value=\"pay\">Thanh toán</button> "
                "<button type=\"submit\" name=\"action\" value=\"cancel\">Hủy</button></form>")
        return _page(200, "Thanh toán trực tuyến", facts + form)

    def _payment_form(self, provider_ref: str, raw: bytes) -> Reply:
        fields = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        action = (fields.get("action") or [""])[0]
        if action not in ("pay", "cancel"):
            return _page(400, "Yêu cầu không hợp lệ", "<p>Hãy chọn Thanh toán hoặc Hủy.</p>")
        try:
            amount = int((fields.get("amount") or [""])[0])
        except ValueError:
            amount = -1
        try:
            location = self._settle(provider_ref, paid=action == "pay", amount=amount)
        except KeyError:
            return _page(404, "Không tìm thấy giao dịch", "<p>Mã giao dịch không tồn tại hoặc đã hết hạn.</p>")
        except AmountMismatch:
            return _page(400, "Số tiền không khớp", "<p>Số tiền thanh toán khác số tiền của đơn hàng; "
                                                    "giao dịch chưa được thực hiện.</p>")
        return Reply(303, b"", "text/plain; charset=utf-8", (("Location", location),))

    def _settle(self, provider_ref: str, *, paid: bool, amount: int | None) -> str:
        with self._lock:
            order = self._orders[provider_ref]
            if order.status == "pending":
                if paid and amount is not None and amount != order.amount:
                    raise AmountMismatch(f"{amount} đồng paid for an order of {order.amount}")
                order.status = "paid" if paid else "failed"
                if paid:
                    order.paid_at = self._clock().astimezone(UTC).replace(microsecond=0)
                    self._charges.append((order.provider_ref, order.amount))
            return self._return_address(order)

    def _return_address(self, order: SimulatedOrder) -> str:
        params = {"pay_merchant": self.merchant_id, "pay_order_ref": order.order_ref,
                  "pay_provider_ref": order.provider_ref, "pay_amount": str(order.amount),
                  "pay_status": order.status, "pay_paid_at": _iso_utc(order.paid_at) if order.paid_at else ""}
        canonical = "&".join(f"{name}={quote_plus(value)}" for name, value in sorted(params.items()))
        params["pay_signature"] = _hmac_hex(self.secret, canonical.encode("utf-8"))
        parts = urlsplit(order.return_url)
        query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
        return urlunsplit(parts._replace(query=urlencode(query)))


def start_national_simulators(settings: Settings) -> list[str]:
    """Start the population database and payment gateway simulators, and the signatures' trust services
    (``motcua serve`` with ``MOTCUA_SIMULATORS``) and point ``settings`` at them — in place, for this process, and in
    the environment, which uvicorn's worker processes read their settings from. Returns a line per simulator for
    the console."""
    identity, payment = PopulationDbSimulator().start(), PaymentSimulator().start()
    values = {"identity_url": identity.base_url, "identity_api_key": identity.api_key,
              "payment_url": payment.base_url, "payment_merchant": payment.merchant_id,
              "payment_secret": payment.secret}
    for name, value in values.items():
        setattr(settings, name, value)
        os.environ[f"MOTCUA_{name.upper()}"] = value
    from motcua.integrations.esign.demo import start_esign_simulators  # esign's simulators build on this module

    return [f"CSDLQG về dân cư (mô phỏng) {identity.base_url}", f"Cổng thanh toán (mô phỏng) {payment.base_url}",
            *start_esign_simulators(settings)]


MAX_PAYMENT_VND = 500_000_000  # the simulated gateway's limit for one online payment


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def _page(status: int, title: str, content: str) -> Reply:
    html = ("<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)} — Cổng thanh toán (mô phỏng)</title></head>"
            f"<body><main><h1>{escape(title)}</h1>{content}</main></body></html>")
    return Reply(status, html.encode("utf-8"), "text/html; charset=utf-8")
