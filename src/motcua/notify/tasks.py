"""The worker's job: drain the notification outbox through the senders.

One round (``dispatch``) goes in three steps, so that no database transaction ever waits on the network:

1. **Claim** — a short transaction picks due rows (``pending`` whose time has come, or ``sending`` whose lease
   expired because the worker that claimed them died), marks them ``sending`` with a lease expiry in
   ``next_attempt_at`` and counts the attempt, then commits. On PostgreSQL the pick is ``SELECT … FOR UPDATE SKIP
   LOCKED``, so concurrent workers take disjoint rows without waiting on each other; on SQLite the transaction
   begins ``IMMEDIATE`` (``motcua.db``), so claimers queue. On both the ``UPDATE`` repeats the due condition, so
   a row claimed by someone else in between is skipped, never claimed twice.
2. **Send**, outside any transaction, with short timeouts. When a channel fails as a whole (refused, timeout,
   5xx) a circuit breaker opens for it with the same back-off: its remaining claimed rows are put back, their
   attempt not counted, and the channel is not claimed again until the breaker closes. A dead mail server costs
   one try per back-off period (the worker keeps its ``ChannelBreaker`` across rounds), not one timeout per
   message, and the tries fall on a different message each time (the failed one goes to the back of the queue),
   so an outage does not use up the attempts of the backlog.
3. **Record** each outcome in its own short transaction: ``sent`` with the provider's id; or back to ``pending``
   with exponential back-off (30 s · 2ⁿ⁻¹, capped at 1 h); or ``dead`` after ``max_attempts`` or a permanent
   refusal. Updates are fenced by the attempt number claimed, so a worker that outlived its lease cannot overwrite
   a newer claim's outcome — except ``sent``, which is a fact about the world and always wins.

Delivery guarantee — at least once, made idempotent. Exactly-once delivery to an SMTP server or an HTTP provider is
impossible in general: if the connection drops after the server accepted a message but before we read its "250 OK"
(or the worker dies between the send and step 3), we cannot know whether it was delivered. Losing it would break
the rule that a sender that is down loses nothing, so we send it again. The duplicate is made harmless instead of
impossible: an email carries a ``Message-ID`` derived from the outbox row (by which many mail stores, Gmail among
them, and mail clients collapse duplicates), and an SMS/Zalo request carries the row's idempotency key, which the
provider (and our simulators) answer with the first message id without delivering again. Outside that window — a
server that is down, or refuses, before it has accepted the message — every message is delivered exactly once;
``tests/notify/test_burst.py`` holds 1,000 emails to it across an outage.

A round starts no send once half its lease is spent (measured with a monotonic clock: a resource budget, not domain
time; ``dispatch`` takes it as ``monotonic`` so that a test can spend the budget without sleeping) and puts the rest
back; with sender timeouts well under half the lease (10 s SMTP, 5 s HTTP against 60 s), a
row is never re-claimed by another worker while its first send is still in flight.

Time: ``now`` is passed in (house rule 5); every outcome of one round is stamped with that instant.

Logs (``motcua.notify.tasks``): each failed try (WARNING, with the next try's time; ERROR when the message is dead)
and each change of a channel's circuit breaker — open (WARNING), half-open when its rest is over and a probe may go
(INFO), closed again (INFO). They name the outbox row and the channel, never the recipient or the text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, Update, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from motcua.db import affected_rows
from motcua.integrations.messaging import SmsGateway, ZaloZnsClient
from motcua.kit.clock import Clock, as_utc
from motcua.notify.models import Channel, NotificationOutbox, OutboxStatus
from motcua.notify.senders import HttpMessagingSender, OutgoingMessage, Sender, SendFailed, SmtpSender

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 20
"""With the 1 h cap, a message the provider keeps failing on is retried for about 14 hours before it is dead (and
waits for an administrator, ``actions.requeue_dead``)."""
ERROR_LIMIT = 1000


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, … capped at 1 h."""
    if attempts < 1:
        return timedelta(0)
    return min(BACKOFF_BASE * 2 ** min(attempts - 1, 16), BACKOFF_CAP)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed, back to pending with back-off
    dead: int = 0
    deferred: int = 0  # claimed but not tried (channel down or round budget spent); attempt not counted
    channels_down: set[str] = field(default_factory=set)

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(self.claimed + other.claimed, self.sent + other.sent, self.retrying + other.retrying,
                              self.dead + other.dead, self.deferred + other.deferred,
                              self.channels_down | other.channels_down)


class ChannelBreaker:
    """Per channel: how many rounds in a row found it down, and until when it rests. Lives in the worker's memory —
    several workers each probe on their own schedule, which costs one try each, never a lost message.

    States, each change logged: closed (no failure), open (resting until ``_open_until``), half-open (the rest is
    over, the next try is a probe: it closes the breaker or opens it for twice as long)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._open_until: dict[str, datetime] = {}
        self._probing: set[str] = set()

    def is_open(self, channel: str, now: datetime) -> bool:
        with self._lock:
            until = self._open_until.get(channel)
            if until is None:
                return False
            if as_utc(now) < until:
                return True
            if channel not in self._probing:
                self._probing.add(channel)
                log.info("channel %s half-open: its rest is over, the next try probes it", channel,
                         extra={"channel": channel, "breaker": "half-open"})
            return False

    def trip(self, channel: str, now: datetime) -> datetime:
        """The channel failed as a whole: rest 30 s, then 1 min, 2 min, … up to 1 h; returns the end of the rest."""
        with self._lock:
            failures = self._failures.get(channel, 0) + 1
            self._failures[channel] = failures
            until = as_utc(now) + backoff(failures)
            self._open_until[channel] = until
            self._probing.discard(channel)
        log.warning("channel %s down (%s time(s) in a row): breaker open until %s", channel, failures,
                    until.isoformat(), extra={"channel": channel, "breaker": "open", "failures": failures})
        return until

    def reset(self, channel: str) -> None:
        with self._lock:
            failures = self._failures.pop(channel, None)
            self._open_until.pop(channel, None)
            self._probing.discard(channel)
        if failures:
            log.info("channel %s back up after %s failure(s): breaker closed", channel, failures,
                     extra={"channel": channel, "breaker": "closed"})


@dataclass(frozen=True)
class Claim:
    message: OutgoingMessage
    attempts: int  # after this claim: the fencing token of every update that records its outcome


def claim_due(session_factory: sessionmaker[Session], *, now: datetime, channels: list[str], batch: int = 100,
              lease_seconds: float = 60) -> list[Claim]:
    """Step 1: take up to ``batch`` due rows of ``channels`` for one worker, in a transaction of its own.

    Order: the longest-waiting first; among rows due at the same instant (a backlog put back together), the one
    tried least, so that during an outage the probe attempts rotate through the backlog.
    """
    if not channels or batch < 1:
        return []
    now = as_utc(now)
    lease_until = now + timedelta(seconds=lease_seconds)
    outbox = NotificationOutbox
    due = (outbox.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
           outbox.next_attempt_at <= now)
    with session_factory() as session, session.begin():
        ids = list(session.scalars(
            select(outbox.id).where(*due, outbox.channel.in_(channels))
            .order_by(outbox.next_attempt_at, outbox.attempts, outbox.id).limit(batch)
            .with_for_update(skip_locked=True)))
        if not ids:
            return []
        rows = session.execute(
            update(outbox).where(outbox.id.in_(ids), *due)
            .values(status=OutboxStatus.SENDING.value, attempts=outbox.attempts + 1, next_attempt_at=lease_until)
            .returning(outbox.id, outbox.channel, outbox.recipient, outbox.subject, outbox.body, outbox.created_at,
                       outbox.attempts, outbox.next_attempt_at)
            .execution_options(synchronize_session=False)).all()
    claims = [Claim(OutgoingMessage(r.id, r.channel, r.recipient, r.subject, r.body, as_utc(r.created_at)),
                    r.attempts) for r in rows]
    order = {id_: i for i, id_ in enumerate(ids)}
    return sorted(claims, key=lambda c: order[c.message.outbox_id])


def _write(session_factory: sessionmaker[Session], statement: Update) -> bool:
    with session_factory() as session, session.begin():
        return affected_rows(session, statement) == 1


def _fenced(claim: Claim) -> tuple[ColumnElement[bool], ...]:
    return (NotificationOutbox.id == claim.message.outbox_id,
            NotificationOutbox.status == OutboxStatus.SENDING.value,
            NotificationOutbox.attempts == claim.attempts)


def record_sent(session_factory: sessionmaker[Session], claim: Claim, provider_id: str, *, now: datetime) -> bool:
    """Step 3, success. Not fenced: a delivery that happened is recorded even if the lease ran out meanwhile."""
    return _write(session_factory, update(NotificationOutbox)
                  .where(NotificationOutbox.id == claim.message.outbox_id,
                         NotificationOutbox.status != OutboxStatus.SENT.value)
                  .values(status=OutboxStatus.SENT.value, sent_at=as_utc(now), provider_message_id=provider_id[:200],
                          last_error=None)
                  .execution_options(synchronize_session=False))


def record_failure(session_factory: sessionmaker[Session], claim: Claim, error: str, *, retryable: bool,
                   now: datetime, max_attempts: int = MAX_ATTEMPTS) -> str:
    """Step 3, failure: back to pending with back-off, or dead. Returns the new status ('' if the claim was stale)."""
    dead = not retryable or claim.attempts >= max_attempts
    values: dict[str, object] = {"last_error": error[:ERROR_LIMIT]}
    if dead:
        values["status"] = OutboxStatus.DEAD.value
    else:
        values.update(status=OutboxStatus.PENDING.value, next_attempt_at=as_utc(now) + backoff(claim.attempts))
    statement = (update(NotificationOutbox).where(*_fenced(claim))
                 .values(**values).execution_options(synchronize_session=False))
    if not _write(session_factory, statement):
        return ""
    return OutboxStatus.DEAD.value if dead else OutboxStatus.PENDING.value


def release(session_factory: sessionmaker[Session], claims: Sequence[Claim], *, until: datetime) -> int:
    """Put untried claims back, in one statement: pending from ``until``, their attempt not counted."""
    if not claims:
        return 0
    outbox = NotificationOutbox
    statement = (update(outbox)
                 .where(tuple_(outbox.id, outbox.attempts).in_([(c.message.outbox_id, c.attempts) for c in claims]),
                        outbox.status == OutboxStatus.SENDING.value)
                 .values(status=OutboxStatus.PENDING.value, attempts=outbox.attempts - 1,
                         next_attempt_at=as_utc(until))
                 .execution_options(synchronize_session=False))
    with session_factory() as session, session.begin():
        return affected_rows(session, statement)


def dispatch(session_factory: sessionmaker[Session], senders: Mapping[str, Sender], *, now: datetime,
             batch: int = 100, lease_seconds: float = 60, max_attempts: int = MAX_ATTEMPTS,
             breaker: ChannelBreaker | None = None, monotonic: Callable[[], float] = time.monotonic
             ) -> DispatchReport:
    """One round: claim up to ``batch`` due messages of the channels that have a sender and are not resting, send
    them, record each outcome. Pass the worker's ``breaker`` to carry what this round learnt to the next.
    ``monotonic`` measures the round's time budget (half the lease)."""
    now = as_utc(now)
    breaker = breaker if breaker is not None else ChannelBreaker()
    channels = sorted(c for c in senders if not breaker.is_open(c, now))
    claims = claim_due(session_factory, now=now, channels=channels, batch=batch, lease_seconds=lease_seconds)
    report = DispatchReport(claimed=len(claims))
    put_back: set[int] = set()  # rows of a channel found down in this round, already released
    started = monotonic()
    for index, claim in enumerate(claims):
        message, channel = claim.message, claim.message.channel
        if message.outbox_id in put_back:
            continue
        if index > 0 and monotonic() - started > lease_seconds / 2:
            rest = [c for c in claims[index:] if c.message.outbox_id not in put_back]
            report.deferred += release(session_factory, rest, until=now)  # due again at once, for the next round
            break
        try:
            provider_id = senders[channel].send(message)
        except SendFailed as exc:
            status = record_failure(session_factory, claim, str(exc), retryable=exc.retryable, now=now,
                                    max_attempts=max_attempts)
            _log_failure(claim, status, now)
            if exc.sender_down and exc.retryable:
                until = breaker.trip(channel, now)
                report.channels_down.add(channel)
                rest = [c for c in claims[index + 1:] if c.message.channel == channel]
                put_back.update(c.message.outbox_id for c in rest)
                report.deferred += release(session_factory, rest, until=until)
        except Exception as exc:  # a sender's bug must not strand the rest of the round
            log.exception("notification %s via %s: the sender raised", message.outbox_id, channel)
            status = record_failure(session_factory, claim, f"{exc.__class__.__name__}: {exc}", retryable=True,
                                    now=now, max_attempts=max_attempts)
            _log_failure(claim, status, now)
        else:
            record_sent(session_factory, claim, provider_id, now=now)
            breaker.reset(channel)
            report.sent += 1
            continue
        if status == OutboxStatus.DEAD.value:
            report.dead += 1
        elif status == OutboxStatus.PENDING.value:
            report.retrying += 1
    return report


def _log_failure(claim: Claim, status: str, now: datetime) -> None:
    """The outcome of a failed try. The reason is in the row's ``last_error`` and in the adapter's own line; it is
    not repeated here, as a provider's refusal may quote the recipient."""
    message = claim.message
    fields = {"outbox_id": message.outbox_id, "channel": message.channel, "attempt": claim.attempts}
    if status == OutboxStatus.DEAD.value:
        log.error("notification %s via %s dead after attempt %s (refused for good or out of attempts)",
                  message.outbox_id, message.channel, claim.attempts, extra={**fields, "outcome": "dead"})
    elif status == OutboxStatus.PENDING.value:
        retry_at = as_utc(now) + backoff(claim.attempts)
        log.warning("notification %s via %s failed (attempt %s); retry at %s", message.outbox_id, message.channel,
                    claim.attempts, retry_at.isoformat(), extra={**fields, "outcome": "retry"})
    else:
        log.info("notification %s via %s failed (attempt %s); already claimed by another worker",
                 message.outbox_id, message.channel, claim.attempts, extra={**fields, "outcome": "stale"})


def drain(session_factory: sessionmaker[Session], senders: Mapping[str, Sender], *, now: datetime,
          batch: int = 100, lease_seconds: float = 60, max_attempts: int = MAX_ATTEMPTS,
          breaker: ChannelBreaker | None = None, max_rounds: int = 1000) -> DispatchReport:
    """Rounds until nothing is due at ``now`` on a channel that is up.

    Terminates: a round that claims something tries at least one message, which leaves sent, dead or due later, or
    opens its channel's breaker; only rows put back for the round's time budget stay due.
    """
    breaker = breaker if breaker is not None else ChannelBreaker()
    total = DispatchReport()
    for _ in range(max_rounds):
        report = dispatch(session_factory, senders, now=now, batch=batch, lease_seconds=lease_seconds,
                          max_attempts=max_attempts, breaker=breaker)
        total = total + report
        if report.claimed == 0:
            break
    return total


# ------------------------------------------------------------------------------------------------ running it


class NotifyConfig(Protocol):
    """The settings the senders are built from (``motcua.config.Settings`` carries them; empty host = channel off)."""

    @property
    def smtp_host(self) -> str: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_sender(self) -> str: ...
    @property
    def smtp_username(self) -> str: ...
    @property
    def smtp_password(self) -> str: ...
    @property
    def smtp_starttls(self) -> bool: ...
    @property
    def smtp_timeout(self) -> float: ...
    @property
    def sms_base_url(self) -> str: ...
    @property
    def sms_api_key(self) -> str: ...
    @property
    def sms_brandname(self) -> str: ...
    @property
    def zalo_base_url(self) -> str: ...
    @property
    def zalo_access_token(self) -> str: ...
    @property
    def zalo_template_id(self) -> str: ...
    @property
    def notify_http_timeout(self) -> float: ...


def build_senders(config: NotifyConfig) -> dict[str, Sender]:
    """A sender per configured channel; a channel without one is not claimed, so its rows wait, unharmed."""
    senders: dict[str, Sender] = {}
    if config.smtp_host:
        senders[Channel.EMAIL.value] = SmtpSender(
            config.smtp_host, config.smtp_port, config.smtp_sender, config.smtp_timeout,
            username=config.smtp_username or None, password=config.smtp_password or None,
            starttls=config.smtp_starttls)
    if config.sms_base_url:
        senders[Channel.SMS.value] = HttpMessagingSender(SmsGateway(
            config.sms_base_url, config.sms_api_key, config.sms_brandname, timeout=config.notify_http_timeout))
    if config.zalo_base_url:
        senders[Channel.ZALO.value] = HttpMessagingSender(ZaloZnsClient(
            config.zalo_base_url, config.zalo_access_token, config.zalo_template_id,
            timeout=config.notify_http_timeout))
    return senders


def run_worker(session_factory: sessionmaker[Session], senders: Mapping[str, Sender], clock: Clock, *,
               stop: threading.Event, poll_seconds: float = 5.0, batch: int = 100, lease_seconds: float = 60) -> None:
    """Drain, wait ``poll_seconds``, repeat until ``stop`` is set (the ``motcua worker`` loop).

    A failing round (the database restarting) is logged and tried again next poll: the worker must outlive blips.
    """
    breaker = ChannelBreaker()
    while not stop.is_set():
        try:
            report = drain(session_factory, senders, now=clock.now(), batch=batch, lease_seconds=lease_seconds,
                           breaker=breaker)
            if report.claimed:
                log.info("outbox: %s claimed, %s sent, %s retrying, %s dead, %s deferred", report.claimed,
                         report.sent, report.retrying, report.dead, report.deferred)
        except Exception:
            log.exception("outbox round failed")
        stop.wait(poll_seconds)
