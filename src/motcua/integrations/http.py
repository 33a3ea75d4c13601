"""What the adapters to national systems share: an httpx client with a short connect timeout, and one sorting of
a provider's answer into a JSON object, a retryable failure (``unavailable``) or a refusal (``rejected``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import httpx


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
