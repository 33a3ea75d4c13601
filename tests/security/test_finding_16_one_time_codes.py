"""Finding 16 (issue 13): one-time codes sat in plain text in ``notification_outbox.body``.

The rule (NIST SP 800-63B §5.1.3.1, OWASP ASVS 4.0 2.8.x / 6.2.x): an out-of-band code is never stored in the
clear. The outbox keeps a reference; the code is derived from the secret key at send time and exists only in the
message that leaves, and the challenge keeps only a keyed digest."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from motcua.integrations.messaging import SmsGateway
from motcua.integrations.simulators import SmsSimulator
from motcua.models import Base
from motcua.notify.senders import HttpMessagingSender, with_codes
from motcua.notify.tasks import drain
from motcua.portal.models import CitizenSession
from tests.factories import T0, csrf_token

PHONE = "0912345678"


def _dump(session: Session) -> str:
    """Every row of every table, as text."""
    parts = []
    for table in Base.metadata.sorted_tables:
        parts.extend(repr(tuple(row)) for row in session.execute(select(table)))
    return "\n".join(parts)


def test_finding_16_the_code_is_stored_nowhere_and_reaches_only_the_phone(
        client: TestClient, app: Any, session: Session, session_factory: sessionmaker[Session]) -> None:
    """After a code is requested no row of any table holds its digits; the SMS provider receives the right code
    and signing in with it works."""
    before = _dump(session)
    token = csrf_token(client, "/cong-dan/dang-nhap")
    sent = client.post("/cong-dan/dang-nhap", data={"destination": PHONE, "csrf_token": token})
    assert sent.status_code == 200, sent.text

    with SmsSimulator() as sms:
        senders = with_codes({"sms": HttpMessagingSender(SmsGateway(sms.base_url, sms.api_key, sms.brandname))},
                             app.state.settings.secret_key)
        assert drain(session_factory, senders, now=T0).sent == 1
        [delivered] = sms.delivered
    code = re.findall(r"\b\d{6}\b", delivered.text)
    assert len(code) == 1, delivered.text
    code = code[0]

    session.expire_all()
    after = _dump(session)
    assert after.count(code) == before.count(code), "the code's digits are stored in the database"
    assert "[[otp:" in after  # the outbox row holds the reference, still unexpanded after sending

    done = client.post("/cong-dan/xac-thuc", data={"destination": PHONE, "code": code, "full_name": "Đặng Văn Đức",
                                                   "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert session.scalar(select(CitizenSession.token_hash).limit(1)) is not None
