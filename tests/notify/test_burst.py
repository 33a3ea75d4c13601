"""The issue's scenario: 1,000 notifications, the SMTP server stopped during the burst; after it comes back every
one is delivered once — none lost, none twice.

The server is stopped between two messages of a round (a wrapper around the sender stops it after the 250th), so
the round is cut in the middle of its batch; then rounds run against the dead server as the worker would, moving
``now`` forward; then the server returns and the worker drains. The SMTP server here deduplicates nothing: each
DATA transaction is counted, so a double send would show as a Message-ID seen twice.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from motcua.db import make_session_factory
from motcua.notify.models import NotificationOutbox
from motcua.notify.senders import OutgoingMessage, SmtpSender
from motcua.notify.tasks import ChannelBreaker, dispatch, drain
from tests.factories import T0
from tests.notify.conftest import SmtpServer, add_messages, statuses

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

# Slow (a thousand SMTP transactions; left out of `make check`): the same rules are held with a few messages by
# tests/notify/test_dispatch.py (the breaker puts a down channel's rows back uncounted, fenced outcomes, each
# outbox row one Message-ID).
pytestmark = pytest.mark.slow

TOTAL = 1000
STOP_AFTER = 250


class StopsTheServer:
    """Sends through ``inner``; after the ``after``-th delivery the mail server goes down."""

    def __init__(self, inner: SmtpSender, server: SmtpServer, after: int) -> None:
        self.inner, self.server, self.after, self.count = inner, server, after, 0

    def send(self, message: OutgoingMessage) -> str:
        provider_id = self.inner.send(message)
        self.count += 1
        if self.count == self.after:
            self.server.stop()
        return provider_id


def test_1000_notifications_survive_a_mail_server_outage_each_delivered_once(
        fresh_db: TestDatabase, smtp_server: SmtpServer) -> None:
    factory = make_session_factory(fresh_db.engine)
    ids = add_messages(factory, TOTAL, channel="email", now=T0)
    smtp = SmtpSender("127.0.0.1", smtp_server.port, "motcua@chitien.phutho.gov.vn", timeout=2.0)
    senders = {"email": StopsTheServer(smtp, smtp_server, after=STOP_AFTER)}
    breaker = ChannelBreaker()  # the worker's memory across rounds

    # The burst: rounds of 100 until the server dies in the middle of the third.
    rounds = [dispatch(factory, senders, now=T0, breaker=breaker) for _ in range(3)]
    assert [r.sent for r in rounds] == [100, 100, 50]
    assert (rounds[2].retrying, rounds[2].deferred, rounds[2].channels_down) == (1, 49, {"email"})
    assert not smtp_server.running

    # The outage: the worker polls every 10 s for 20 minutes; each try fails fast and the breaker backs off.
    tries, slowest = 0, 0.0
    for step in range(1, 121):
        started = time.monotonic()
        report = drain(factory, senders, now=T0 + timedelta(seconds=10 * step), breaker=breaker)
        slowest = max(slowest, time.monotonic() - started)
        assert report.sent == 0 and report.dead == 0
        tries += report.retrying
    assert slowest < 2.0  # a dead server never holds a round
    assert 3 <= tries <= 8  # 30 s, 1, 2, 4, 8 min… — not 120 polls' worth
    assert statuses(factory) == {"sent": STOP_AFTER, "pending": TOTAL - STOP_AFTER}

    # The server comes back; the next poll after the breaker's rest drains everything.
    smtp_server.start()
    back = T0 + timedelta(hours=2)
    report = drain(factory, senders, now=back, breaker=breaker)
    assert report.sent == TOTAL - STOP_AFTER and report.dead == 0
    assert statuses(factory) == {"sent": TOTAL}

    received = smtp_server.mailbox.message_ids()
    assert len(received) == TOTAL and set(received.values()) == {1}  # all 1,000, none twice
    with factory() as session:
        provider_ids = set(session.scalars(select(NotificationOutbox.provider_message_id)))
        max_attempts = max(session.scalars(select(NotificationOutbox.attempts)))
    assert provider_ids == set(received) == {f"<motcua-outbox-{i}@chitien.phutho.gov.vn>" for i in ids}
    assert max_attempts <= 2  # the outage's tries fell on different messages
    smtp.close()
