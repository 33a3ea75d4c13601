"""The worker loop and the senders built from settings (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from sqlalchemy.orm import Session, sessionmaker

from motcua.integrations.simulators import SmsSimulator
from motcua.kit.clock import FixedClock
from motcua.notify.senders import HttpMessagingSender, OutgoingMessage, SmtpSender
from motcua.notify.tasks import build_senders, run_worker
from tests.factories import T0
from tests.notify.conftest import add_messages, statuses


def config(**overrides: object) -> SimpleNamespace:
    values: dict[str, object] = dict(
        smtp_host="", smtp_port=25, smtp_sender="motcua@xa.gov.vn", smtp_username="", smtp_password="",
        smtp_starttls=False, smtp_timeout=10.0, sms_base_url="", sms_api_key="", sms_brandname="",
        zalo_base_url="", zalo_access_token="", zalo_template_id="", notify_http_timeout=5.0)
    values.update(overrides)
    return SimpleNamespace(**values)


def test_only_configured_channels_get_a_sender() -> None:
    assert build_senders(config()) == {}
    senders = build_senders(config(smtp_host="mail.phutho.gov.vn", sms_base_url="http://127.0.0.1:9",
                                   zalo_base_url="http://127.0.0.1:9"))
    assert isinstance(senders["email"], SmtpSender) and senders["email"].host == "mail.phutho.gov.vn"
    assert isinstance(senders["sms"], HttpMessagingSender) and isinstance(senders["zalo"], HttpMessagingSender)


def test_the_worker_drains_what_is_due_and_stops_when_told(session_factory: sessionmaker[Session],
                                                           sms_sim: SmsSimulator) -> None:
    sms = build_senders(config(sms_base_url=sms_sim.base_url, sms_api_key=sms_sim.api_key,
                               sms_brandname=sms_sim.brandname))["sms"]
    all_sent = threading.Event()

    class Counting:
        """The real sender, telling the test when the third message is out (no polling, no sleep)."""

        def send(self, message: OutgoingMessage) -> str:
            provider_id = sms.send(message)
            if len(sms_sim.delivered) >= 3:
                all_sent.set()
            return provider_id

    add_messages(session_factory, 3, channel="sms", now=T0)
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(session_factory, {"sms": Counting()}, FixedClock(T0)),
                              kwargs={"stop": stop, "poll_seconds": 0.05})
    worker.start()
    assert all_sent.wait(timeout=30)
    stop.set()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert statuses(session_factory) == {"sent": 3}
