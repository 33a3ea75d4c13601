"""The inbound SMS adapter: only what the gateway signed is read, and only a well-formed message (issue 18, tickets by
SMS). The signature is computed here on its own (hmac of the raw body), so the test shows both sides agree."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from motcua.integrations.sms_inbound import InboundRejected, parse_inbound

SECRET = "inbound-secret"


def signed(payload: object) -> tuple[bytes, str]:
    raw = json.dumps(payload).encode()
    return raw, hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def test_a_signed_message_is_read_with_the_sender_as_a_local_number() -> None:
    raw, signature = signed({"message_id": "MO1", "from": "84912000101", "to": "8055", "text": "LAYSO 08218 HT"})
    sms = parse_inbound(raw, signature, SECRET)
    assert (sms.message_id, sms.sender, sms.text) == ("MO1", "0912000101", "LAYSO 08218 HT")


@pytest.mark.parametrize(("payload", "status"), [
    ({"message_id": "MO1", "from": "12345", "text": "LAYSO"}, 400),
    ({"message_id": "bad id!", "from": "84912000101", "text": "LAYSO"}, 400),
    ({"message_id": "MO1", "from": "84912000101", "text": "x" * 700}, 400),
    (["not", "an", "object"], 400),
])
def test_a_malformed_message_is_refused(payload: object, status: int) -> None:
    raw, signature = signed(payload)
    with pytest.raises(InboundRejected) as refused:
        parse_inbound(raw, signature, SECRET)
    assert refused.value.status == status


def test_a_forged_or_unsigned_message_is_refused_and_inbound_off_without_a_secret() -> None:
    raw, signature = signed({"message_id": "MO1", "from": "84912000101", "text": "LAYSO 08218 HT"})
    for bad in (None, "", signature[:-1] + ("0" if signature[-1] != "0" else "1")):
        with pytest.raises(InboundRejected) as refused:
            parse_inbound(raw, bad, SECRET)
        assert refused.value.status == 401
    with pytest.raises(InboundRejected) as off:
        parse_inbound(raw, signature, "")
    assert off.value.status == 404
