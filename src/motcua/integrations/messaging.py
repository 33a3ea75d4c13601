"""HTTP adapters to the messaging providers: brandname SMS and Zalo ZNS (Zalo Notification Service).

Both speak JSON over HTTPS with short timeouts, so a provider that hangs costs the worker seconds, never an
officer's request (the worker calls them after the commit; see ``motcua.notify.tasks``). Each request carries an
idempotency key — the outbox row — so a retry after a timeout (the provider may have delivered and only the answer
was lost) returns the first message id instead of texting the citizen twice; the simulators in
``motcua.integrations.simulators`` honour it the way the providers' APIs do.

Errors are sorted once, here, into what a retry may cure and what it cannot:

* retryable — timeouts, refused or dropped connections, HTTP 5xx, 408 and 429, a 2xx without a message id;
  ``provider_down`` tells the worker to stop using this provider for the rest of its round;
* permanent — any other 4xx (bad number, bad credentials, text too long) and a Zalo answer with ``error != 0``.

The wire formats: SMS is a generic brandname gateway (``POST /v1/messages``, bearer key, ``Idempotency-Key``
header), as the Vietnamese resellers of the carriers' brandname SMS offer; Zalo follows the ZNS template API shape
(``POST /message/template`` with an ``access_token`` header, ``phone`` as 84xxxxxxxxx, ``template_data``,
``tracking_id``; HTTP 200 with ``{"error": 0, "data": {"msg_id": …}}`` on success).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import httpx

from motcua.integrations.http import logged_failures

_VN_PHONE = re.compile(r"^(?:\+?84|0)(\d{9})$")


class ProviderError(Exception):
    """A provider did not accept a message; ``retryable`` says whether sending it again later may succeed."""

    def __init__(self, message: str, *, retryable: bool, provider_down: bool = False,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.provider_down = provider_down
        self.status = status


class MessagingAdapter(Protocol):
    """What the notification worker needs from a provider: deliver one text, get the provider's message id."""

    def deliver(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> str: ...


def normalise_vn_phone(phone: str) -> str:
    """``0912 345 678`` / ``+84912345678`` → ``84912345678``, the form both providers take; refused otherwise."""
    digits = re.sub(r"[\s.\-()]", "", phone)
    match = _VN_PHONE.match(digits)
    if match is None:
        raise ProviderError("not a Vietnamese phone number", retryable=False)  # the number itself is not repeated
    return "84" + match.group(1)


def _timeout(seconds: float) -> httpx.Timeout:
    # Connecting to a live provider takes milliseconds; a refused or black-holed one must not hold the round.
    return httpx.Timeout(seconds, connect=min(seconds, 3.0))


def _post(client: httpx.Client, path: str, *, json: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    try:
        response = client.post(path, json=json, headers=headers)
    except httpx.TimeoutException as exc:
        raise ProviderError(f"timeout: {exc.__class__.__name__}", retryable=True, provider_down=True) from exc
    except httpx.TransportError as exc:
        raise ProviderError(f"connection failed: {exc.__class__.__name__}: {exc}", retryable=True,
                            provider_down=True) from exc
    status = response.status_code
    if status >= 500 or status in (408, 429):
        raise ProviderError(f"HTTP {status}: {response.text[:200]}", retryable=True, provider_down=True,
                            status=status)
    if status >= 400:
        raise ProviderError(f"HTTP {status}: {response.text[:200]}", retryable=False, status=status)
    return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderError(f"HTTP {response.status_code} with a body that is not JSON", retryable=True,
                            status=response.status_code) from exc
    if not isinstance(data, dict):
        raise ProviderError("answer is not a JSON object", retryable=True, status=response.status_code)
    return data


class SmsGateway:
    """A brandname SMS gateway (tin nhắn thương hiệu): the sender shows as the commune's registered brandname."""

    def __init__(self, base_url: str, api_key: str, brandname: str, *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.brandname = brandname
        self._api_key = api_key
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=_timeout(timeout), transport=transport)

    @logged_failures("sms-gateway", "deliver", errors=(ProviderError,))
    def deliver(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> str:
        """Send ``body`` (``subject`` has no place in an SMS) and return the gateway's message id."""
        payload = {"to": normalise_vn_phone(recipient), "brandname": self.brandname, "text": body}
        headers = {"Authorization": f"Bearer {self._api_key}", "Idempotency-Key": idempotency_key}
        data = _json(_post(self._client, "/v1/messages", json=payload, headers=headers))
        message_id = data.get("message_id")
        if not message_id:
            raise ProviderError("accepted without a message id", retryable=True)
        return str(message_id)

    def close(self) -> None:
        self._client.close()


class ZaloZnsClient:
    """Zalo ZNS: a templated message to the Zalo account registered on a phone number, sent by the commune's
    Official Account. ``template_id`` is the template Zalo approved; its parameters are ``title`` and ``content``."""

    def __init__(self, base_url: str, access_token: str, template_id: str, *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.template_id = template_id
        self._access_token = access_token
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=_timeout(timeout), transport=transport)

    @logged_failures("zalo-zns", "deliver", errors=(ProviderError,))
    def deliver(self, *, recipient: str, subject: str, body: str, idempotency_key: str) -> str:
        payload = {"phone": normalise_vn_phone(recipient), "template_id": self.template_id,
                   "template_data": {"title": subject, "content": body}, "tracking_id": idempotency_key}
        headers = {"access_token": self._access_token, "Idempotency-Key": idempotency_key}
        data = _json(_post(self._client, "/message/template", json=payload, headers=headers))
        error = data.get("error")
        if error != 0:
            raise ProviderError(f"Zalo error {error}: {data.get('message', '')}", retryable=False, status=200)
        message_id = (data.get("data") or {}).get("msg_id")
        if not message_id:
            raise ProviderError("accepted without a msg_id", retryable=True)
        return str(message_id)

    def close(self) -> None:
        self._client.close()
