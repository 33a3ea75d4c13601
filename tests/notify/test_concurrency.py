"""Two workers draining one outbox at once (real commits, a database of its own, a connection per thread).

PostgreSQL hands them disjoint rows (``FOR UPDATE SKIP LOCKED``); SQLite queues their claims (``BEGIN IMMEDIATE``).
Either way no message may leave twice: the providers count requests per idempotency key and the SMTP server
counts DATA transactions per Message-ID — neither deduplicates, so a double send would show.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from motcua.db import make_session_factory
from motcua.integrations.messaging import SmsGateway
from motcua.integrations.simulators import SmsSimulator
from motcua.notify.senders import HttpMessagingSender, Sender, SmtpSender
from motcua.notify.tasks import DispatchReport, drain
from tests.factories import T0
from tests.notify.conftest import SmtpServer, add_messages, statuses

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

# Slow (two threads draining 900 messages on a database of their own; left out of `make check`, like the other
# concurrency modules): a claim that loses the race is held in tests/notify/test_dispatch.py by the fenced
# updates (a crashed worker's late outcome changes nothing) and the due condition repeated in the claim.
pytestmark = pytest.mark.slow

PER_CHANNEL = 300
WORKERS = 2


def test_two_dispatchers_never_send_the_same_row(fresh_db: TestDatabase, smtp_server: SmtpServer,
                                                 sms_sim: SmsSimulator) -> None:
    factory = make_session_factory(fresh_db.engine)
    add_messages(factory, PER_CHANNEL, channel="email", now=T0)
    add_messages(factory, PER_CHANNEL, channel="sms", now=T0)
    start = threading.Barrier(WORKERS)
    reports: list[DispatchReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        gateway = SmsGateway(sms_sim.base_url, sms_sim.api_key, sms_sim.brandname, timeout=2.0)
        senders: dict[str, Sender] = {"email": SmtpSender("127.0.0.1", smtp_server.port, "motcua@xa.gov.vn"),
                                      "sms": HttpMessagingSender(gateway)}
        try:
            start.wait()
            reports.append(drain(factory, senders, now=T0, batch=20))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            gateway.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(r.sent for r in reports) == 2 * PER_CHANNEL
    assert all(r.sent > 0 for r in reports), [r.sent for r in reports]  # both really worked
    assert statuses(factory) == {"sent": 2 * PER_CHANNEL}
    email_ids = smtp_server.mailbox.message_ids()
    assert len(email_ids) == PER_CHANNEL and set(email_ids.values()) == {1}
    assert len(sms_sim.requests_by_key) == PER_CHANNEL and set(sms_sim.requests_by_key.values()) == {1}
    assert Counter(m.to for m in sms_sim.delivered) == {"84912345678": PER_CHANNEL}
