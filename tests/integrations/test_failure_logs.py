"""Every adapter failure is logged, at its level, and without the personal data of the request or the answer."""

from __future__ import annotations

import io
import json
import logging
from datetime import date

import httpx
import pytest

from motcua.integrations.identity import IdentityRejected, IdentityUnavailable, PopulationDbClient
from motcua.integrations.messaging import ProviderError, SmsGateway, ZaloZnsClient
from motcua.integrations.payment import PaymentGatewayClient, PaymentSignatureInvalid, PaymentUnavailable

ID_NUMBER = "025301004321"
PHONE = "0912345678"
NAME = "Vũ Thị Lan Anh"
EMAIL = "lan.anh@example.vn"
PERSONAL = (ID_NUMBER, PHONE, "84912345678", NAME, EMAIL)


def echoing(status: int) -> httpx.MockTransport:
    """A provider that answers ``status`` and quotes the request back, as real error pages do."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=f"refused {request.content.decode()} for {EMAIL}")

    return httpx.MockTransport(handler)


def refusing_connections() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach the provider for {PHONE}", request=request)

    return httpx.MockTransport(handler)



def failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "motcua.integrations"]


def assert_no_personal_data(caplog: pytest.LogCaptureFixture, written: io.StringIO) -> None:
    # The records themselves (message, arguments, extra fields) carry none of it: the adapters do not put it there,
    # the redaction filter is only the net behind them ...
    for record in caplog.records:
        text = record.getMessage() + " " + json.dumps({k: str(v) for k, v in vars(record).items()})
        assert not [p for p in PERSONAL if p in text], text
    # ... and nothing of it is written out.
    out = written.getvalue()
    assert out and not [p for p in PERSONAL if p in out], out


def test_a_population_database_failure_is_logged_without_the_citizen(caplog: pytest.LogCaptureFixture,
                                                                     written: io.StringIO) -> None:
    """A 503 whose body quotes the number, the name and the phone: one WARNING naming the service, the operation,
    the status and that a retry may help, and none of the citizen's data."""
    caplog.set_level(logging.INFO)
    with PopulationDbClient("http://population.test", "key", transport=echoing(503)) as client, \
            pytest.raises(IdentityUnavailable):
        client.verify(id_number=ID_NUMBER, full_name=NAME, birth_date=date(2001, 4, 17), phone=PHONE)
    [record] = failures(caplog)
    assert record.levelno == logging.WARNING
    assert (record.service, record.operation, record.http_status, record.retryable) == (
        "population-db", "verify", 503, True)
    assert_no_personal_data(caplog, written)


def test_a_refused_number_is_logged_without_the_number(caplog: pytest.LogCaptureFixture,
                                                        written: io.StringIO) -> None:
    caplog.set_level(logging.INFO)
    with PopulationDbClient("http://population.test", "key", transport=echoing(200)) as client, \
            pytest.raises(IdentityRejected) as refused:
        client.verify(id_number=ID_NUMBER[:-1] + " x", full_name=NAME)
    assert ID_NUMBER[:-1] not in str(refused.value)  # the exception does not quote it either
    [record] = failures(caplog)
    assert record.levelno == logging.WARNING and record.retryable is False
    assert_no_personal_data(caplog, written)


def test_refused_credentials_are_an_error(caplog: pytest.LogCaptureFixture, written: io.StringIO) -> None:
    """401: nothing will pass until an administrator fixes the key, so it is an ERROR, not a warning."""
    caplog.set_level(logging.INFO)
    with PopulationDbClient("http://population.test", "key", transport=echoing(401)) as client, \
            pytest.raises(IdentityRejected):
        client.verify(id_number=ID_NUMBER, full_name=NAME, phone=PHONE)
    [record] = failures(caplog)
    assert record.levelno == logging.ERROR and record.http_status == 401
    assert_no_personal_data(caplog, written)


@pytest.mark.parametrize("adapter", ["sms", "zalo"])
def test_a_messaging_provider_down_is_logged_without_the_recipient_or_the_text(
        adapter: str, caplog: pytest.LogCaptureFixture, written: io.StringIO) -> None:
    caplog.set_level(logging.INFO)
    client: SmsGateway | ZaloZnsClient
    if adapter == "sms":
        client = SmsGateway("http://sms.test", "key", "UBND XA", transport=refusing_connections())
    else:
        client = ZaloZnsClient("http://zalo.test", "token", "tpl", transport=refusing_connections())
    with pytest.raises(ProviderError):
        client.deliver(recipient=PHONE, subject="Hồ sơ", body=f"Kính gửi {NAME}, số {ID_NUMBER}",
                       idempotency_key="motcua-outbox-1")
    [record] = failures(caplog)
    assert record.levelno == logging.WARNING and record.retryable is True
    assert "ConnectError" in record.getMessage()
    assert_no_personal_data(caplog, written)


def test_a_bad_phone_is_refused_and_logged_without_the_phone(caplog: pytest.LogCaptureFixture,
                                                              written: io.StringIO) -> None:
    caplog.set_level(logging.INFO)
    client = SmsGateway("http://sms.test", "key", "UBND XA", transport=echoing(200))
    with pytest.raises(ProviderError) as refused:
        client.deliver(recipient="0912 345 67", subject="", body="x", idempotency_key="motcua-outbox-1")
    assert "0912" not in str(refused.value)
    [record] = failures(caplog)
    assert record.retryable is False


def test_payment_failures_are_logged(caplog: pytest.LogCaptureFixture, written: io.StringIO) -> None:
    caplog.set_level(logging.INFO)
    with PaymentGatewayClient("http://pay.test", "merchant", "secret", transport=echoing(502)) as gateway:
        with pytest.raises(PaymentUnavailable):
            gateway.create_order(order_ref="ref-1", amount_vnd=50_000, description=f"Lệ phí của {NAME}",
                                 return_url="https://motcua.example.vn/cong-dan/thanh-toan")
        with pytest.raises(PaymentSignatureInvalid):
            gateway.verify_return({"pay_order_ref": "ref-1", "pay_signature": "00"})
    assert [(r.operation, r.error) for r in failures(caplog)] == [
        ("create_order", "PaymentUnavailable"), ("verify_return", "PaymentSignatureInvalid")]
    assert_no_personal_data(caplog, written)
