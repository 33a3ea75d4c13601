"""Inbound SMS: the texts citizens send to the commune's number, forwarded by the SMS gateway to motcua.

Wire format (the generic two-way brandname gateway the outbound adapter in ``messaging`` speaks to): the gateway
``POST``\\ s JSON ``{"message_id", "from", "to", "text"}`` to motcua's webhook with the header ``X-Signature``, the
hex HMAC-SHA256 of the raw body under the secret both sides share (``MOTCUA_SMS_INBOUND_SECRET``). ``from`` is the
sender's number as the gateway gives it (``84912345678``). The gateway retries a delivery that did not get a 2xx with
the same ``message_id``, so the receiver must treat a repeated id as the same message.

``SmsSimulator.send_inbound`` (``integrations.simulators``) plays the gateway's side for tests and the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

SIGNATURE_HEADER = "X-Signature"
MAX_TEXT = 612
_SENDER = re.compile(r"^(?:\+?84|0)(\d{9})$")
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


class InboundRejected(Exception):
    """The request is not a message from the gateway (bad signature, malformed): answered 4xx, not retried."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class InboundSms:
    message_id: str
    sender: str  # 0xxxxxxxxx
    text: str


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def parse_inbound(raw: bytes, signature: str | None, secret: str) -> InboundSms:
    """Verify the gateway's signature, then read the message; ``InboundRejected`` otherwise."""
    if not secret:
        raise InboundRejected("inbound SMS is not configured", status=404)
    if not signature or not hmac.compare_digest(signature.strip().lower().encode("utf-8", "replace"),
                                                sign(secret, raw).encode("ascii")):
        raise InboundRejected("bad signature", status=401)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InboundRejected("body is not JSON") from exc
    if not isinstance(data, dict):
        raise InboundRejected("body is not a JSON object")
    message_id, sender, text = data.get("message_id"), data.get("from"), data.get("text")
    if not isinstance(message_id, str) or not _MESSAGE_ID.match(message_id):
        raise InboundRejected("invalid message_id")
    match = _SENDER.match(sender) if isinstance(sender, str) else None
    if match is None:
        raise InboundRejected("invalid sender")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise InboundRejected("invalid text")
    return InboundSms(message_id=message_id, sender="0" + match.group(1), text=text)
