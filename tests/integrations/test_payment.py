"""The payment gateway adapter against its simulator over real HTTP: orders, the citizen's page, the signed return."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from motcua.config import Settings
from motcua.integrations.payment import (
    PaymentGatewayClient,
    PaymentNotice,
    PaymentRejected,
    PaymentSignatureInvalid,
    PaymentUnavailable,
    payment_adapter,
)
from motcua.integrations.simulators import AmountMismatch, PaymentSimulator

RETURN_URL = "http://127.0.0.1:8000/thanh-toan/ket-qua"


def _params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _order(payment: PaymentGatewayClient, ref: str = "H57-250701-0001", amount: int = 50_000):
    return payment.create_order(order_ref=ref, amount_vnd=amount, description="Lệ phí đăng ký khai sinh",
                                return_url=RETURN_URL)


def test_create_pay_and_the_signed_return_verifies(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """An order paid on the gateway comes back to return_url with signed parameters, which verify into a notice of
    the order, the amount, 'paid' and the UTC moment of payment."""
    order = _order(payment)
    assert order.pay_url == f"{gateway.base_url}/pay/{order.provider_ref}"
    assert payment.order_status(order.provider_ref) == "pending"

    location = gateway.pay(order.provider_ref)

    assert location.startswith(RETURN_URL + "?")
    notice = payment.verify_return(_params(location))
    assert notice == PaymentNotice("H57-250701-0001", order.provider_ref, 50_000, "paid", notice.paid_at)
    assert notice.paid_at is not None and notice.paid_at.tzinfo is not None
    assert payment.order_status(order.provider_ref) == "paid"


def test_citizen_pays_through_the_html_page(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """The page shows the amount and description in Vietnamese with "Thanh toán" and "Hủy"; its form settles the
    order and answers 303 to the signed return address."""
    order = _order(payment, amount=1_250_000)
    with httpx.Client(follow_redirects=False) as browser:
        page = browser.get(order.pay_url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "1.250.000 ₫" in page.text and "Lệ phí đăng ký khai sinh" in page.text
        assert ">Thanh toán</button>" in page.text and ">Hủy</button>" in page.text

        answer = browser.post(order.pay_url, data={"action": "pay", "amount": "1250000"})

    assert answer.status_code == 303
    notice = payment.verify_return(_params(answer.headers["location"]))
    assert (notice.status, notice.amount_vnd) == ("paid", 1_250_000)


def test_cancel_comes_back_failed(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """"Hủy" ends the order as failed: the signed return says so, without a payment time, and nothing is charged."""
    order = _order(payment)
    with httpx.Client(follow_redirects=False) as browser:
        answer = browser.post(order.pay_url, data={"action": "cancel", "amount": "50000"})

    notice = payment.verify_return(_params(answer.headers["location"]))
    assert (notice.status, notice.paid_at) == ("failed", None)
    assert payment.order_status(order.provider_ref) == "failed" and gateway.charges == []


@pytest.mark.parametrize("field, value", [("pay_amount", "5000"), ("pay_status", "failed"),
                                          ("pay_order_ref", "H57-250701-0002"), ("pay_paid_at", "")])
def test_tampered_return_fails_verification(payment: PaymentGatewayClient, gateway: PaymentSimulator, field: str,
                                            value: str) -> None:
    """Changing any signed parameter of the return (amount, status, order, time) makes the signature fail."""
    params = _params(gateway.pay(_order(payment).provider_ref))
    params[field] = value

    with pytest.raises(PaymentSignatureInvalid):
        payment.verify_return(params)


def test_unsigned_or_foreign_return_fails_verification(payment: PaymentGatewayClient,
                                                       gateway: PaymentSimulator) -> None:
    """A return without a signature, with an added gateway parameter, with a garbled (non-ASCII) signature, or
    signed with another secret is refused."""
    params = _params(gateway.pay(_order(payment).provider_ref))
    unsigned = {k: v for k, v in params.items() if k != "pay_signature"}
    added = {**params, "pay_extra": "1"}
    garbled = {**params, "pay_signature": "chữ ký giả"}
    with PaymentSimulator(merchant_id=gateway.merchant_id, secret="another-secret") as other:
        other_client = PaymentGatewayClient(other.base_url, other.merchant_id, other.secret)
        foreign = _params(other.pay(_order(other_client).provider_ref))
        other_client.close()

    for bad in (unsigned, added, garbled, foreign):
        with pytest.raises(PaymentSignatureInvalid):
            payment.verify_return(bad)


def test_our_own_return_parameters_pass_through(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """Parameters already in return_url come back untouched and are not part of the signature."""
    order = payment.create_order(order_ref="H57-1", amount_vnd=20_000, description="Phí chứng thực",
                                 return_url=RETURN_URL + "?ho_so=H57-1")
    params = _params(gateway.pay(order.provider_ref))

    assert params["ho_so"] == "H57-1" and payment.verify_return(params).status == "paid"


def test_wrong_amount_is_refused(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """The gateway takes only the order's amount: another sum (programmatically or via a tampered form) is refused
    and the order stays pending, unpaid."""
    order = _order(payment)
    with pytest.raises(AmountMismatch):
        gateway.pay(order.provider_ref, amount=5_000)
    with httpx.Client(follow_redirects=False) as browser:
        answer = browser.post(order.pay_url, data={"action": "pay", "amount": "5000"})

    assert answer.status_code == 400 and "Số tiền không khớp" in answer.text
    assert payment.order_status(order.provider_ref) == "pending" and gateway.charges == []


def test_second_payment_of_a_paid_order_does_nothing(payment: PaymentGatewayClient,
                                                     gateway: PaymentSimulator) -> None:
    """Paying an order twice charges once: the second attempt returns the first outcome, same payment time."""
    order = _order(payment)
    first = payment.verify_return(_params(gateway.pay(order.provider_ref)))
    second = payment.verify_return(_params(gateway.pay(order.provider_ref)))
    with httpx.Client(follow_redirects=False) as browser:
        third = payment.verify_return(_params(browser.post(order.pay_url, data={"action": "cancel"})
                                              .headers["location"]))

    assert first == second == third
    assert gateway.charges == [(order.provider_ref, 50_000)]


def test_create_order_is_idempotent_by_order_ref(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """The same order_ref twice (a retry after a lost answer) returns the same order; a new ref makes a new one."""
    first, again = _order(payment), _order(payment)
    other = _order(payment, ref="H57-250701-0002")

    assert first == again and other.provider_ref != first.provider_ref


def test_same_order_ref_with_another_amount_is_rejected(payment: PaymentGatewayClient) -> None:
    """An order_ref already used for another amount is a conflict (409 → PaymentRejected), never a second order."""
    _order(payment, amount=50_000)

    with pytest.raises(PaymentRejected) as caught:
        _order(payment, amount=60_000)

    assert caught.value.status == 409


@pytest.mark.parametrize("amount", [0, -1000])
def test_non_positive_amount_refused_locally(payment: PaymentGatewayClient, gateway: PaymentSimulator,
                                             amount: int) -> None:
    """An amount that is not a positive number of đồng is refused before any request."""
    with pytest.raises(PaymentRejected):
        _order(payment, amount=amount)

    assert gateway.requests == 0


def test_order_status_of_unknown_order_is_rejected(payment: PaymentGatewayClient) -> None:
    """Asking about a provider_ref the gateway never issued is a permanent error (404)."""
    with pytest.raises(PaymentRejected) as caught:
        payment.order_status("VNP9999999999")

    assert caught.value.status == 404


def test_wrong_secret_is_rejected(gateway: PaymentSimulator) -> None:
    """Requests signed with another secret (or from another merchant id) are refused (401), not retried."""
    for merchant, secret in ((gateway.merchant_id, "not-the-secret"), ("OTHER01", gateway.secret)):
        with PaymentGatewayClient(gateway.base_url, merchant, secret) as client, \
                pytest.raises(PaymentRejected) as caught:
            _order(client)
        assert caught.value.status == 401


def test_outage_is_unavailable_then_the_retry_finds_the_same_order(payment: PaymentGatewayClient,
                                                                   gateway: PaymentSimulator) -> None:
    """503 is retryable (PaymentUnavailable); after recovery the retry of the same order_ref gets one order."""
    gateway.fail_next(1, 503)
    with pytest.raises(PaymentUnavailable) as caught:
        _order(payment)
    assert caught.value.status == 503 and caught.value.retryable

    first, retried = _order(payment), _order(payment)

    assert first == retried


def test_slow_gateway_is_unavailable_and_the_retry_returns_the_order(gateway: PaymentSimulator) -> None:
    """A gateway answering after our timeout is unavailable — yet the order was made; retrying the same order_ref
    returns that order instead of a second one."""
    gateway.slow(5)
    with PaymentGatewayClient(gateway.base_url, gateway.merchant_id, gateway.secret, timeout=0.2) as hasty, \
            pytest.raises(PaymentUnavailable):
        _order(hasty)
    gateway.slow(0)

    with PaymentGatewayClient(gateway.base_url, gateway.merchant_id, gateway.secret) as client:
        order = _order(client)
        assert client.order_status(order.provider_ref) == "pending"
    assert order.provider_ref == "VNP0000000001"


def test_outage_shows_a_page_to_the_citizen(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """During an outage the payment page answers 503 with a Vietnamese message, and the order is untouched."""
    order = _order(payment)
    gateway.fail_all(503)
    with httpx.Client() as browser:
        answer = browser.post(order.pay_url, data={"action": "pay", "amount": "50000"})
    gateway.fail_all(None)

    assert answer.status_code == 503 and "tạm thời gián đoạn" in answer.text
    assert payment.order_status(order.provider_ref) == "pending"


def test_paid_at_comes_from_the_gateway_clock() -> None:
    """The notice's paid_at is the gateway's moment of payment, in UTC."""
    moment = datetime(2025, 7, 1, 3, 4, 5, tzinfo=UTC)
    with PaymentSimulator(clock=lambda: moment) as gateway, \
            PaymentGatewayClient(gateway.base_url, gateway.merchant_id, gateway.secret) as client:
        notice = client.verify_return(_params(gateway.pay(_order(client).provider_ref)))

    assert notice.paid_at == moment


def test_base_url_with_trailing_slash_signs_the_received_path(gateway: PaymentSimulator) -> None:
    """Requests are signed over the path the gateway receives, so how the base URL is written does not matter."""
    with PaymentGatewayClient(gateway.base_url + "/", gateway.merchant_id, gateway.secret) as client:
        assert client.order_status(_order(client).provider_ref) == "pending"


def test_factory_follows_settings(gateway: PaymentSimulator) -> None:
    """No payment_url: no adapter (pay at the counter); a URL without merchant or secret is a configuration error;
    with all three, a client that reaches the gateway."""
    assert payment_adapter(Settings(payment_url="")) is None
    with pytest.raises(ValueError, match="PAYMENT_SECRET"):
        payment_adapter(Settings(payment_url=gateway.base_url, payment_merchant="M", payment_secret=""))

    adapter = payment_adapter(Settings(payment_url=gateway.base_url, payment_merchant=gateway.merchant_id,
                                       payment_secret=gateway.secret))

    assert isinstance(adapter, PaymentGatewayClient)
    try:
        assert adapter.order_status(_order(adapter).provider_ref) == "pending"
    finally:
        adapter.close()


def test_rebuilt_query_string_still_verifies(payment: PaymentGatewayClient, gateway: PaymentSimulator) -> None:
    """The signature depends on the parameters, not their order in the URL: a reordered query verifies."""
    location = gateway.pay(_order(payment).provider_ref)
    parts = urlsplit(location)
    reordered = urlunsplit(parts._replace(query=urlencode(sorted(parse_qsl(parts.query), reverse=True))))

    assert payment.verify_return(_params(reordered)).status == "paid"
