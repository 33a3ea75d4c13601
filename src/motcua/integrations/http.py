"""What the adapters to external systems share: an httpx client with a short connect timeout, one sorting of a
provider's answer into a JSON object, a retryable failure (``unavailable``) or a refusal (``rejected``), and the
log line of every failure (``logged_failures``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, Self, TypeVar

import httpx

log = logging.getLogger("motcua.integrations")

P = ParamSpec("P")
R = TypeVar("R")


class ProviderFailure(Exception):
    """The base of each adapter's errors: a message and, when the provider answered, its HTTP status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def timeout(seconds: float) -> httpx.Timeout:
    # Connecting takes milliseconds when the link is up; a black-holed one must not hold the caller long.
    return httpx.Timeout(seconds, connect=min(seconds, 3.0))


def json_object(send: Callable[[], httpx.Response], *, unavailable: type[ProviderFailure],
                rejected: type[ProviderFailure]) -> dict[str, Any]:
    """Send, then sort the answer: timeouts, dropped connections, 5xx, 408, 429 and bodies that are not a JSON
    object are ``unavailable`` (a retry may cure them); any other 4xx is ``rejected``."""
    try:
        response = send()
    except httpx.TimeoutException as exc:
        raise unavailable(f"timeout: {exc.__class__.__name__}") from exc
    except httpx.TransportError as exc:
        raise unavailable(f"connection failed: {exc.__class__.__name__}: {exc}") from exc
    status = response.status_code
    if status >= 500 or status in (408, 429):
        raise unavailable(f"HTTP {status}: {response.text[:200]}", status=status)
    if status >= 400:
        raise rejected(f"HTTP {status}: {response.text[:200]}", status=status)
    try:
        data = response.json()
    except ValueError as exc:
        raise unavailable(f"HTTP {status} with a body that is not JSON", status=status) from exc
    if not isinstance(data, dict):
        raise unavailable("answer is not a JSON object", status=status)
    return data


class HttpClient:
    """An adapter holding a connection pool: close it, or use it as a context manager."""

    def __init__(self, base_url: str, *, seconds: float, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout(seconds), transport=transport)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def logged_failures(service: str, operation: str, *, errors: tuple[type[Exception], ...] = (ProviderFailure,)
                    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log each failure of an adapter call, then let it propagate unchanged.

    One line per failure: the service, the operation, the error's class, the HTTP status when the provider answered
    and the transport error's class when it did not. Never the error's message, the request or the provider's answer:
    they quote what was asked about (an ID number, a phone, a name). Level: WARNING for what a retry may cure (the
    caller queues or asks again) and for refusals of one request; ERROR when the provider refuses our credentials
    (401, 403: nothing will pass until an administrator fixes the configuration)."""

    def decorate(call: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(call)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return call(*args, **kwargs)
            except errors as exc:
                status = getattr(exc, "status", None)
                retryable = bool(getattr(exc, "retryable", False))
                cause = exc.__cause__.__class__.__name__ if exc.__cause__ is not None else None
                level = logging.ERROR if status in (401, 403) else logging.WARNING
                log.log(level, "%s %s failed: %s%s%s (%s)", service, operation, exc.__class__.__name__,
                        f" HTTP {status}" if status else "", f" after {cause}" if cause else "",
                        "retryable" if retryable else "not retryable",
                        extra={"service": service, "operation": operation, "error": exc.__class__.__name__,
                               "http_status": status, "retryable": retryable})
                raise

        return wrapper

    return decorate
