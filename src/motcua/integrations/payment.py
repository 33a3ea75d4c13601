"""HTTP adapter to an online fee payment gateway (thanh toán trực tuyến phí, lệ phí), shaped like VNPay and the
national public service portal's payment platform.

A paid procedure's fee is settled in three steps:

1. ``create_order`` — we register an order (our ``order_ref``, the amount in đồng, a description, the address the
   citizen comes back to) and get the gateway's ``provider_ref`` and the ``pay_url`` to send the citizen to;
2. the citizen pays (or cancels) on the gateway's page, which redirects the browser to our ``return_url`` with the
   outcome in signed query parameters; ``verify_return`` checks the signature and reads them — an unsigned or
   altered redirect is refused (``PaymentSignatureInvalid``): anyone can type a URL saying "paid";
3. ``order_status`` asks the gateway directly, for a citizen who closed the page before the redirect.

The caller still compares the notice's amount with the fee it asked for: a valid signature proves who wrote the
notice, not that it is about the right order.

``create_order`` is idempotent by ``order_ref``: the gateway answers a repeated ref with the first order, so a retry
after a timeout (the order may exist and only the answer was lost) never makes a second one. The same ref with
another amount is refused. An order that ended ``failed`` (the citizen cancelled) stays so: pay again under a new
``order_ref``.

Errors are sorted once, here: ``PaymentUnavailable`` (timeouts, connection errors, 5xx, 408, 429, an answer that is
not an order — try again later) and ``PaymentRejected`` (any other 4xx: bad signature or merchant, invalid or
conflicting order, unknown ``provider_ref``; and invalid arguments, refused before any request).

Wire format (what the simulator in ``motcua.integrations.simulators`` speaks): JSON requests carry the headers
``X-Merchant-Id`` and ``X-Signature``, the hex HMAC-SHA256, keyed by the shared secret, of
``METHOD + "\\n" + path + "\\n" + body``. ``POST /v1/orders`` takes ``{"order_ref", "amount", "description",
"return_url"}`` and answers 201 (200 for a repeat) with ``{"provider_ref", "pay_url", "status", …}``;
``GET /v1/orders/{provider_ref}`` answers ``{"status", …}``. The redirect back carries ``pay_merchant``,
``pay_order_ref``, ``pay_provider_ref``, ``pay_amount``, ``pay_status``, ``pay_paid_at`` (ISO 8601 UTC, empty unless
paid) and ``pay_signature``: the hex HMAC-SHA256 of the other ``pay_*`` parameters sorted by name and joined as
``name=value&…`` with values form-encoded (as VNPay signs its ``vnp_*`` parameters). Parameters of our own
``return_url`` pass through unsigned and are ignored here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args
from urllib.parse import quote, quote_plus

import httpx

from motcua.integrations.http import HttpClient, ProviderFailure, json_object, logged_failures

if TYPE_CHECKING:
    from motcua.config import Settings

PaymentStatus = Literal["pending", "paid", "failed"]
_STATUSES: frozenset[str] = frozenset(get_args(PaymentStatus))
RETURN_PREFIX = "pay_"
SIGNATURE_PARAM = "pay_signature"
_ORDER_REF = re.compile(r"[A-Za-z0-9._\-]{1,64}")
MAX_DESCRIPTION = 255


class PaymentError(ProviderFailure):
    """The gateway did not do what was asked; ``status`` is the HTTP status when there was an answer."""


class PaymentUnavailable(PaymentError):
    """The gateway cannot be reached or failed (timeout, connection, 5xx, 429): try again later."""

    retryable = True


class PaymentRejected(PaymentError):
    """The request is wrong (invalid or conflicting order, bad credentials, unknown order): retrying will not help."""

    retryable = False


class PaymentSignatureInvalid(PaymentError):
    """A return to us that the gateway did not sign (or that was altered after): trust nothing in it."""

    retryable = False


@dataclass(frozen=True)
class PaymentOrder:
    """An order the gateway holds: ``pay_url`` is where the citizen pays it."""

    provider_ref: str
    pay_url: str


@dataclass(frozen=True)
class PaymentNotice:
    """The outcome of a payment, read from the gateway's signed redirect. ``paid_at`` is UTC, None unless paid."""

    order_ref: str
    provider_ref: str
    amount_vnd: int
    status: PaymentStatus
    paid_at: datetime | None


class PaymentAdapter(Protocol):
    """What fee collection needs from a payment gateway."""

    def create_order(self, *, order_ref: str, amount_vnd: int, description: str, return_url: str) -> PaymentOrder: ...

    def order_status(self, provider_ref: str) -> PaymentStatus: ...

    def verify_return(self, params: Mapping[str, str]) -> PaymentNotice: ...


def return_signature(params: Mapping[str, str], secret: str) -> str:
    """The hex HMAC-SHA256 the gateway puts in ``pay_signature``: over the ``pay_*`` parameters but the signature,
    sorted by name, ``name=value`` joined by ``&``, values form-encoded."""
    canonical = "&".join(f"{name}={quote_plus(value)}" for name, value in sorted(params.items())
                         if name.startswith(RETURN_PREFIX) and name != SIGNATURE_PARAM)
    return hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def request_signature(method: str, path: str, body: bytes, secret: str) -> str:
    """The hex HMAC-SHA256 of ``METHOD\\npath\\nbody`` sent in ``X-Signature`` with each request to the gateway."""
    message = method.upper().encode("ascii") + b"\n" + path.encode("utf-8") + b"\n" + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class PaymentGatewayClient(HttpClient):
    """A merchant account (the commune's fee collection account) at the payment gateway."""

    def __init__(self, base_url: str, merchant_id: str, secret: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, seconds=timeout, transport=transport)
        self.merchant_id = merchant_id
        self._secret = secret

    @logged_failures("payment-gateway", "create_order")
    def create_order(self, *, order_ref: str, amount_vnd: int, description: str, return_url: str) -> PaymentOrder:
        """Register the order (or get back the one already registered under ``order_ref``)."""
        if not _ORDER_REF.fullmatch(order_ref):
            raise PaymentRejected(f"order_ref must be 1-64 letters, digits, '.', '_' or '-': {order_ref!r}")
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
            raise PaymentRejected(f"amount must be a positive whole number of đồng: {amount_vnd!r}")
        description = " ".join(description.split())
        if not description or len(description) > MAX_DESCRIPTION:
            raise PaymentRejected(f"description must be 1-{MAX_DESCRIPTION} characters")
        if not return_url.startswith(("http://", "https://")):
            raise PaymentRejected(f"return_url must be an http(s) address: {return_url!r}")
        data = self._request("POST", "/v1/orders", {"order_ref": order_ref, "amount": amount_vnd,
                                                    "description": description, "return_url": return_url})
        provider_ref, pay_url = data.get("provider_ref"), data.get("pay_url")
        if not provider_ref or not pay_url:
            raise PaymentUnavailable(f"answer is not an order: {str(data)[:200]}")
        if data.get("order_ref", order_ref) != order_ref or data.get("amount", amount_vnd) != amount_vnd:
            raise PaymentRejected(f"the gateway answered with another order: {str(data)[:200]}")
        return PaymentOrder(str(provider_ref), str(pay_url))

    @logged_failures("payment-gateway", "order_status")
    def order_status(self, provider_ref: str) -> PaymentStatus:
        """The order's state at the gateway, for a citizen who never came back through the redirect."""
        if not provider_ref or "/" in provider_ref:
            raise PaymentRejected(f"not a provider reference: {provider_ref!r}")
        data = self._request("GET", f"/v1/orders/{quote(provider_ref, safe='')}", None)
        status = data.get("status")
        if status not in _STATUSES:
            raise PaymentUnavailable(f"answer has no status: {str(data)[:200]}")
        return cast(PaymentStatus, status)

    @logged_failures("payment-gateway", "verify_return")
    def verify_return(self, params: Mapping[str, str]) -> PaymentNotice:
        """The notice in the gateway's redirect to ``return_url``, once its signature is verified."""
        signature = params.get(SIGNATURE_PARAM, "")
        expected = return_signature(params, self._secret)
        if not signature or not hmac.compare_digest(signature.lower().encode("utf-8"), expected.encode("ascii")):
            raise PaymentSignatureInvalid("the return's signature does not verify")
        if params.get("pay_merchant") != self.merchant_id:
            raise PaymentSignatureInvalid("the return is for another merchant")
        try:
            order_ref, provider_ref, status = params["pay_order_ref"], params["pay_provider_ref"], params["pay_status"]
            amount = int(params["pay_amount"])
            paid_at = _utc(params["pay_paid_at"]) if params.get("pay_paid_at") else None
        except (KeyError, ValueError) as exc:
            raise PaymentRejected(f"signed return is incomplete or malformed: {exc}") from exc
        if status not in _STATUSES or (status == "paid") != (paid_at is not None):
            raise PaymentRejected(f"signed return has an inconsistent status: {status!r}")
        return PaymentNotice(order_ref, provider_ref, amount, cast(PaymentStatus, status), paid_at)

    def _request(self, method: str, path: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"X-Merchant-Id": self.merchant_id}
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = self._client.build_request(method, path, content=body or None, headers=headers)
        # Signed over the path the gateway receives, a prefix of the base URL included.
        request.headers["X-Signature"] = request_signature(method, request.url.raw_path.decode("ascii"), body,
                                                           self._secret)
        return json_object(lambda: self._client.send(request), unavailable=PaymentUnavailable,
                           rejected=PaymentRejected)


def payment_adapter(settings: Settings) -> PaymentAdapter | None:
    """The configured gateway client, or None when ``payment_url`` is empty (online payment off: fees are paid at
    the counter). Build it once and keep it: it holds a connection pool."""
    if not settings.payment_url:
        return None
    if not settings.payment_merchant or not settings.payment_secret:
        raise ValueError("MOTCUA_PAYMENT_URL is set but MOTCUA_PAYMENT_MERCHANT or MOTCUA_PAYMENT_SECRET is empty")
    return PaymentGatewayClient(settings.payment_url, settings.payment_merchant, settings.payment_secret,
                                timeout=settings.integration_http_timeout)
