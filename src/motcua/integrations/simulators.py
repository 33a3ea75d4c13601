"""Local stand-ins for the SMS gateway and Zalo ZNS: real HTTP servers on 127.0.0.1, for tests, demos and training.

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
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

_PHONE = re.compile(r"^84\d{9}$")
SMS_MAX_CHARS = 612  # four concatenated GSM-7 segments: what the gateway accepts in one request


@dataclass(frozen=True)
class Delivered:
    """One message the provider accepted and (pretends it) delivered to the handset."""

    message_id: str
    to: str
    text: str
    idempotency_key: str | None
    title: str = ""


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
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw or b"null")
                except ValueError:
                    body = None
                status, answer = simulator._answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if simulator.delay_seconds and status < 300:
                    simulator._stopping.wait(simulator.delay_seconds)
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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
