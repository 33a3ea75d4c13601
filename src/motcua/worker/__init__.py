"""The worker: scheduled jobs that run beside the web server (``motcua worker``, or a thread of ``motcua serve``).

Each round, in short transactions of its own:

1. the service index: the sweep of due dates and month turns, then the fold of queued dossiers until none is left
   (``index.tasks``);
2. the audit log's anchor of the day, the first round of each day (``audit.actions.record_anchor``: every chain's
   head, so that ``motcua audit verify`` detects a chain cut at its end);
3. the front desk (issue 18): the appointments of tomorrow reminded by SMS, once each, and those nobody checked in
   released as no-shows after the grace period (``queue.booking``);
4. the notification outbox: every due message sent on the channels that have a sender (``notify.tasks.drain``);
   a sender that is down rests behind its circuit breaker and loses nothing.

Officers' requests never wait for the worker; if it stops, the queues only grow and are worked off when it is back.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from motcua.audit.actions import record_anchor
from motcua.config import Settings
from motcua.index import tasks as index_tasks
from motcua.integrations.simulators import SmsSimulator, ZaloSimulator, start_national_simulators
from motcua.notify import tasks as notify_tasks
from motcua.notify.senders import Sender, with_codes
from motcua.queue import booking as queue_booking
from motcua.queue.booking_views import SMS_WEBHOOK_PATH

log = logging.getLogger("motcua.worker")


@dataclass(frozen=True)
class RoundReport:
    swept: int
    folded: int
    sent: int = 0
    anchored: date | None = None  # the day whose audit anchor this round recorded
    reminded: int = 0  # the front desk's appointments reminded (the day before)
    released: int = 0  # appointments released as no-shows


@dataclass
class Worker:
    """What the rounds share: the senders and their circuit breaker."""

    factory: sessionmaker[Session]
    senders: Mapping[str, Sender] = field(default_factory=dict)
    breaker: notify_tasks.ChannelBreaker = field(default_factory=notify_tasks.ChannelBreaker)
    no_show_grace: timedelta = queue_booking.NO_SHOW_GRACE

    def run_round(self, now: datetime, batch: int = 2000, max_batches: int = 1000,
                  progress: Callable[[int], None] | None = None) -> RoundReport:
        """One round: sweep, fold batch after batch until the queue is empty (or ``max_batches``), the audit anchor
        if today has none, then send."""
        with self.factory.begin() as session:
            swept = index_tasks.sweep(session, now)
        folded = 0
        for _ in range(max_batches):
            with self.factory.begin() as session:
                report = index_tasks.fold(session, now, batch=batch)
            folded += report.dossiers
            if progress is not None and report.dossiers:
                progress(report.dossiers)
            if not report.pending_left:
                break
        with self.factory.begin() as session:
            anchor = record_anchor(session, now=now)
            anchored = None if anchor is None else anchor.day
        with self.factory.begin() as session:  # the front desk: before the sending, so a reminder leaves this round
            reminded = queue_booking.remind_due(session, now, self.no_show_grace)
            released = queue_booking.release_no_shows(session, now, self.no_show_grace)
        sent = 0
        if self.senders:
            sent = notify_tasks.drain(self.factory, self.senders, now=now, breaker=self.breaker).sent
        if swept or folded or sent or anchored or reminded or released:
            log.info("round: %s swept, %s folded, %s sent, anchored %s, %s reminded, %s released", swept, folded, sent,
                     anchored, reminded, released,
                     extra={"swept": swept, "folded": folded, "sent": sent, "anchored": anchored,
                            "reminded": reminded, "released": released})
        return RoundReport(swept, folded, sent, anchored, reminded, released)

    def run_forever(self, clock: Callable[[], datetime], interval: float, stop: threading.Event) -> None:
        """Rounds every ``interval`` seconds until ``stop`` is set; an error is logged and the next round retries."""
        while not stop.is_set():
            try:
                self.run_round(clock())
            except Exception:  # a failed round must not end the worker; it is logged and retried
                log.exception("worker round failed; retrying in %s s", interval)
            stop.wait(interval)

    def start_in_thread(self, clock: Callable[[], datetime], interval: float = 5.0) -> threading.Event:
        """Run in a daemon thread (what ``motcua serve`` does); set the returned event to stop it."""
        stop = threading.Event()
        threading.Thread(target=self.run_forever, args=(clock, interval, stop), name="motcua-worker",
                         daemon=True).start()
        return stop


def senders_for(settings: Settings) -> tuple[dict[str, Sender], list[str]]:
    """The configured senders; with ``settings.simulators`` the local SMS and Zalo simulators are started and used,
    and the population database and payment gateway simulators too (``settings`` is pointed at them in place).

    Returns the senders and a line per simulator started (for the console).
    """
    started: list[str] = []
    if settings.simulators:
        national = start_national_simulators(settings)  # population database and payment, for the web pages
        sms, zalo = SmsSimulator().start(), ZaloSimulator().start()
        # Two-way SMS (tickets by SMS): the simulator forwards what a citizen texts to the server's webhook, signed
        # with a secret set here for this process and, through the environment, for the server's workers.
        if not settings.sms_inbound_secret:
            settings.sms_inbound_secret = secrets.token_hex(16)
            os.environ["MOTCUA_SMS_INBOUND_SECRET"] = settings.sms_inbound_secret
        sms.inbound_url = settings.public_base_url.rstrip("/") + SMS_WEBHOOK_PATH
        sms.inbound_secret = settings.sms_inbound_secret
        settings = settings.model_copy(update={
            "sms_base_url": sms.base_url, "sms_api_key": sms.api_key, "sms_brandname": sms.brandname,
            "zalo_base_url": zalo.base_url, "zalo_access_token": zalo.access_token,
            "zalo_template_id": zalo.template_id,
        })
        started = [f"SMS (mô phỏng; hộp thư, mã đăng nhập của công dân: {sms.base_url}/)",
                   f"Zalo ZNS (mô phỏng) {zalo.base_url}", *national]
    return with_codes(notify_tasks.build_senders(settings), settings.secret_key), started
