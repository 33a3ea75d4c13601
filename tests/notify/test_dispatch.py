"""The outbox worker (SQLite and PostgreSQL) against a real SMTP server and the SMS/Zalo simulators over HTTP."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from motcua.dossier.actions import announce, receive_dossier
from motcua.dossier.files import FileStore
from motcua.integrations.messaging import ZaloZnsClient
from motcua.integrations.simulators import SmsSimulator, ZaloSimulator
from motcua.notify.senders import HttpMessagingSender, OutgoingMessage, SendFailed, SmtpSender
from motcua.notify.tasks import (
    BACKOFF_CAP,
    ChannelBreaker,
    backoff,
    claim_due,
    dispatch,
    drain,
    record_failure,
)
from tests.factories import T0, intake_data, staff
from tests.notify.conftest import SmtpServer, add_messages, row, statuses

S = timedelta(seconds=1)


def utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# ------------------------------------------------------------------------------------------------ delivery


def test_a_receipt_reaches_the_applicant_on_all_three_channels(
        session: Session, session_factory: sessionmaker[Session], tmp_path: Path, smtp_server: SmtpServer,
        smtp_sender: SmtpSender, sms_sim: SmsSimulator, sms_sender: HttpMessagingSender, zalo_sim: ZaloSimulator,
        zalo_sender: HttpMessagingSender) -> None:
    """From the counter to the handset: the intake enqueues in its own transaction (enqueueing the same event again
    finds the same rows), commit, then the worker sends."""
    team = staff(session)
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(email="dang.duc@example.vn"),
                              uploads=(), store=FileStore(tmp_path), now=T0,
                              public_base_url="https://motcua.example.vn").dossier
    rows = announce(session, dossier, "received", now=T0, public_base_url="https://motcua.example.vn")
    session.commit()

    report = dispatch(session_factory, {"email": smtp_sender, "sms": sms_sender, "zalo": zalo_sender}, now=T0 + S)
    assert (report.claimed, report.sent) == (3, 3)

    [mail] = smtp_server.mailbox.messages
    email_row, sms_row, zalo_row = (row(session_factory, r.id) for r in rows)
    assert mail["Message-ID"] == f"<motcua-outbox-{email_row.id}@chitien.phutho.gov.vn>" \
        == email_row.provider_message_id
    assert mail["Subject"] == f"Đã tiếp nhận hồ sơ {dossier.code}"
    assert mail["To"] == "dang.duc@example.vn" and "Trung tâm Phục vụ hành chính công" in mail["From"]
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_body().get_content()
    assert "Kính gửi Ông/Bà Đặng Văn Đức" in text and "27/11/2026 17:00" in text
    assert f"https://motcua.example.vn/tra-cuu?ma={dossier.code}" in text

    [sms] = sms_sim.delivered
    assert sms.to == "84912345678" and dossier.code in sms.text and sms.text.isascii()
    assert sms.idempotency_key == f"motcua-outbox-{sms_row.id}" and sms_row.provider_message_id == sms.message_id
    [zalo] = zalo_sim.delivered
    assert zalo.to == "84912345678" and "Mã hồ sơ: " + dossier.code in zalo.text
    assert zalo.title == f"Đã tiếp nhận hồ sơ {dossier.code}" and zalo_row.provider_message_id == zalo.message_id
    for r in (email_row, sms_row, zalo_row):
        assert (r.status, r.attempts, utc(r.sent_at), r.last_error) == ("sent", 1, T0 + S, None)


def test_channels_without_a_sender_are_left_untouched(session_factory: sessionmaker[Session],
                                                      sms_sender: HttpMessagingSender) -> None:
    [email_id] = add_messages(session_factory, 1, channel="email", now=T0)
    [sms_id] = add_messages(session_factory, 1, channel="sms", now=T0)
    report = dispatch(session_factory, {"sms": sms_sender}, now=T0)
    assert (report.claimed, report.sent) == (1, 1)
    assert (row(session_factory, email_id).status, row(session_factory, email_id).attempts) == ("pending", 0)
    assert row(session_factory, sms_id).status == "sent"


def test_nothing_is_claimed_before_its_time(session_factory: sessionmaker[Session],
                                            sms_sender: HttpMessagingSender) -> None:
    add_messages(session_factory, 2, channel="sms", now=T0)
    assert dispatch(session_factory, {"sms": sms_sender}, now=T0 - S).claimed == 0
    assert dispatch(session_factory, {"sms": sms_sender}, now=T0).sent == 2


# ------------------------------------------------------------------------------------------------ failures


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 10)] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(10_000) == BACKOFF_CAP and backoff(0) == timedelta(0)


def test_a_failing_provider_is_retried_on_the_backoff_schedule(session_factory: sessionmaker[Session],
                                                               sms_sim: SmsSimulator,
                                                               sms_sender: HttpMessagingSender) -> None:
    [id_] = add_messages(session_factory, 1, channel="sms", now=T0)
    senders = {"sms": sms_sender}
    sms_sim.fail_all(503)
    now, waits = T0, []
    for attempt in range(1, 5):
        report = dispatch(session_factory, senders, now=now)
        assert (report.claimed, report.retrying) == (1, 1)
        r = row(session_factory, id_)
        assert (r.status, r.attempts) == ("pending", attempt) and "503" in (r.last_error or "")
        next_at = utc(r.next_attempt_at)
        assert next_at is not None
        waits.append((next_at - now).total_seconds())
        assert dispatch(session_factory, senders, now=next_at - S).claimed == 0  # not before its time
        now = next_at
    assert waits == [30, 60, 120, 240]
    sms_sim.fail_all(None)
    assert dispatch(session_factory, senders, now=now).sent == 1
    assert (row(session_factory, id_).status, len(sms_sim.delivered)) == ("sent", 1)


def test_dead_after_max_attempts(session_factory: sessionmaker[Session], sms_sim: SmsSimulator,
                                 sms_sender: HttpMessagingSender) -> None:
    [id_] = add_messages(session_factory, 1, channel="sms", now=T0)
    sms_sim.fail_all(500)
    now = T0
    outcomes = []
    for _ in range(4):
        report = dispatch(session_factory, {"sms": sms_sender}, now=now, max_attempts=3)
        outcomes.append((report.claimed, report.retrying, report.dead))
        now += timedelta(hours=2)
    assert outcomes == [(1, 1, 0), (1, 1, 0), (1, 0, 1), (0, 0, 0)]
    r = row(session_factory, id_)
    assert (r.status, r.attempts) == ("dead", 3) and "HTTP 500" in (r.last_error or "")


def test_a_permanent_refusal_is_dead_at_once_and_does_not_stop_the_channel(
        session_factory: sessionmaker[Session], smtp_server: SmtpServer, smtp_sender: SmtpSender,
        sms_sim: SmsSimulator, sms_sender: HttpMessagingSender) -> None:
    smtp_server.mailbox.refuse["khong-co@example.vn"] = "550 5.1.1 Mailbox does not exist"
    smtp_server.mailbox.refuse["day@example.vn"] = "452 4.2.2 Mailbox full"
    [unknown] = add_messages(session_factory, 1, channel="email", now=T0, recipient="khong-co@example.vn", prefix="a")
    [full] = add_messages(session_factory, 1, channel="email", now=T0, recipient="day@example.vn", prefix="b")
    [fine] = add_messages(session_factory, 1, channel="email", now=T0, prefix="c")
    [bad_phone] = add_messages(session_factory, 1, channel="sms", now=T0, recipient="12345", prefix="d")
    report = dispatch(session_factory, {"email": smtp_sender, "sms": sms_sender}, now=T0)
    assert (report.sent, report.dead, report.retrying, report.channels_down) == (1, 2, 1, set())
    assert row(session_factory, unknown).status == "dead" and "550" in (row(session_factory, unknown).last_error or "")
    assert row(session_factory, full).status == "pending"  # a full mailbox may empty: try again later
    assert row(session_factory, fine).status == "sent"
    assert row(session_factory, bad_phone).status == "dead" and sms_sim.requests == 0  # refused before the wire


def test_a_down_mail_server_costs_one_try_and_blocks_no_other_channel(
        session_factory: sessionmaker[Session], smtp_server: SmtpServer, smtp_sender: SmtpSender,
        sms_sender: HttpMessagingSender) -> None:
    emails = add_messages(session_factory, 5, channel="email", now=T0)
    add_messages(session_factory, 2, channel="sms", now=T0)
    smtp_server.stop()
    breaker = ChannelBreaker()
    report = dispatch(session_factory, {"email": smtp_sender, "sms": sms_sender}, now=T0, breaker=breaker)
    # One try: the first mail (the probe) was attempted once, the four others not at all (no timing assertion:
    # the attempts recorded say it).
    assert (report.sent, report.retrying, report.deferred, report.channels_down) == (2, 1, 4, {"email"})
    probe, *rest = (row(session_factory, i) for i in emails)
    assert (probe.status, probe.attempts, utc(probe.next_attempt_at)) == ("pending", 1, T0 + 30 * S)
    assert {(r.status, r.attempts, utc(r.next_attempt_at)) for r in rest} == {("pending", 0, T0 + 30 * S)}
    # The breaker rests the channel: no try at all until it closes, then one probe again.
    assert dispatch(session_factory, {"email": smtp_sender}, now=T0 + 20 * S, breaker=breaker).claimed == 0
    assert breaker.is_open("email", T0 + 29 * S) and not breaker.is_open("email", T0 + 30 * S)
    smtp_server.start()
    assert drain(session_factory, {"email": smtp_sender}, now=T0 + 30 * S, breaker=breaker).sent == 5
    assert sorted(smtp_server.mailbox.message_ids().values()) == [1] * 5


def test_a_slow_provider_times_out_quickly_and_the_retry_does_not_deliver_twice(
        session_factory: sessionmaker[Session], zalo_sim: ZaloSimulator) -> None:
    """The simulator delivers, then answers after 2 s; the client gives up at 0.3 s. Whether it was delivered is
    unknown to the worker, so it retries — with the same idempotency key, which the provider recognises."""
    client = ZaloZnsClient(zalo_sim.base_url, zalo_sim.access_token, zalo_sim.template_id, timeout=0.3)
    senders = {"zalo": HttpMessagingSender(client)}
    [id_] = add_messages(session_factory, 1, channel="zalo", now=T0)
    zalo_sim.slow(2.0)
    report = dispatch(session_factory, senders, now=T0)
    assert (report.retrying, report.channels_down) == (1, {"zalo"})
    # The client's own timeout ended the call (the provider answers only after 2 s): its error says so.
    assert "timeout" in (row(session_factory, id_).last_error or "")
    zalo_sim.slow(0)
    assert dispatch(session_factory, senders, now=T0 + 30 * S).sent == 1
    [delivered] = zalo_sim.delivered
    assert zalo_sim.requests_by_key[f"motcua-outbox-{id_}"] == 2
    assert row(session_factory, id_).provider_message_id == delivered.message_id
    client.close()


def test_a_lost_smtp_acknowledgement_resends_the_same_message_id(
        session_factory: sessionmaker[Session], smtp_server: SmtpServer, smtp_sender: SmtpSender) -> None:
    """The at-least-once window, shown: the server took the message but hung up before its "250 OK". We cannot
    know; we send again, and both copies carry the one Message-ID by which mail stores collapse duplicates."""
    [id_] = add_messages(session_factory, 1, channel="email", now=T0)
    smtp_server.mailbox.drop_after_data = 1
    assert dispatch(session_factory, {"email": smtp_sender}, now=T0).retrying == 1
    assert dispatch(session_factory, {"email": smtp_sender}, now=T0 + 30 * S).sent == 1
    assert smtp_server.mailbox.message_ids() == {f"<motcua-outbox-{id_}@chitien.phutho.gov.vn>": 2}


def test_a_sender_bug_does_not_strand_the_round(session_factory: sessionmaker[Session],
                                                sms_sender: HttpMessagingSender) -> None:
    class Broken:
        def send(self, message: OutgoingMessage) -> str:
            raise RuntimeError("bug")

    add_messages(session_factory, 2, channel="email", now=T0)
    add_messages(session_factory, 1, channel="sms", now=T0)
    report = dispatch(session_factory, {"email": Broken(), "sms": sms_sender}, now=T0)
    assert (report.sent, report.retrying) == (1, 2)
    assert statuses(session_factory) == {"pending": 2, "sent": 1}


# ------------------------------------------------------------------------------------------------ leases


def test_a_crashed_workers_rows_are_reclaimed_after_the_lease(session_factory: sessionmaker[Session],
                                                              sms_sim: SmsSimulator,
                                                              sms_sender: HttpMessagingSender) -> None:
    ids = add_messages(session_factory, 3, channel="sms", now=T0)
    crashed = claim_due(session_factory, now=T0, channels=["sms"], lease_seconds=60)  # …and the worker dies
    assert [c.message.outbox_id for c in crashed] == ids
    assert statuses(session_factory) == {"sending": 3}
    assert dispatch(session_factory, {"sms": sms_sender}, now=T0 + 59 * S).claimed == 0  # the lease holds
    report = dispatch(session_factory, {"sms": sms_sender}, now=T0 + 60 * S)
    assert (report.claimed, report.sent) == (3, 3)
    assert {row(session_factory, i).attempts for i in ids} == {2}  # the crashed try counts
    # The dead worker wakes up and reports a failure: fenced off, the delivery stands.
    assert record_failure(session_factory, crashed[0], "late", retryable=True, now=T0 + 61 * S) == ""
    assert row(session_factory, ids[0]).status == "sent" and len(sms_sim.delivered) == 3


def test_senders_raise_send_failed_with_the_retry_verdict() -> None:
    exc = SendFailed("x", retryable=True, sender_down=True)
    assert exc.retryable and exc.sender_down and str(exc) == "x"
    with SmtpSender("127.0.0.1", 1, "a@b.vn", timeout=0.5) as sender, pytest.raises(SendFailed) as info:
        sender.send(OutgoingMessage(1, "email", "c@d.vn", "s", "b", T0))  # nothing listens on port 1
    assert info.value.retryable and info.value.sender_down


def test_a_round_stops_sending_before_its_lease_can_run_out(session_factory: sessionmaker[Session]) -> None:
    """Rows still in hand when half the lease is spent go back, due at once: no other worker can re-claim a row
    whose send is still in flight."""

    class Slow:
        """Each send takes 12 s of the round's monotonic clock, which moves only here (no real sleep)."""

        def __init__(self) -> None:
            self.sent = 0
            self.elapsed = 0.0

        def monotonic(self) -> float:
            return self.elapsed

        def send(self, message: OutgoingMessage) -> str:
            self.elapsed += 12
            self.sent += 1
            return f"id-{message.outbox_id}"

    ids = add_messages(session_factory, 10, channel="sms", now=T0)
    slow = Slow()
    # Half of a 40 s lease is spent after two sends (24 s): the third is not started.
    report = dispatch(session_factory, {"sms": slow}, now=T0, lease_seconds=40, monotonic=slow.monotonic)
    assert report.sent == slow.sent == 2 and report.deferred == 8
    assert {(row(session_factory, i).status, row(session_factory, i).attempts, utc(row(session_factory, i)
            .next_attempt_at)) for i in ids[2:]} == {("pending", 0, T0)}


def test_an_email_that_cannot_be_built_is_dead_not_retried(session_factory: sessionmaker[Session],
                                                           smtp_server: SmtpServer, smtp_sender: SmtpSender) -> None:
    [id_] = add_messages(session_factory, 1, channel="email", now=T0, recipient="a@example.vn\r\nBcc: b@example.vn")
    assert dispatch(session_factory, {"email": smtp_sender}, now=T0).dead == 1
    assert smtp_server.mailbox.raw == [] and row(session_factory, id_).status == "dead"


# ------------------------------------------------------------------------------------------------ logs


class Failing:
    """A sender whose provider refuses with a reason that quotes the recipient, as SMTP servers do."""

    def __init__(self, *, retryable: bool, sender_down: bool = False) -> None:
        self.retryable, self.sender_down = retryable, sender_down

    def send(self, message: OutgoingMessage) -> str:
        raise SendFailed(f"550 <{message.recipient}> refused", retryable=self.retryable, sender_down=self.sender_down)


def outbox_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "motcua.notify.tasks"]


def test_a_failed_try_is_logged_with_its_next_try_and_a_dead_message_as_an_error(
        session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture) -> None:
    """Each retry is logged with when it will be, a message given up on is an ERROR; neither quotes the
    recipient."""
    caplog.set_level(logging.INFO, logger="motcua.notify.tasks")
    [first] = add_messages(session_factory, 1, channel="sms", now=T0, prefix="retry")
    dispatch(session_factory, {"sms": Failing(retryable=True)}, now=T0)
    [second] = add_messages(session_factory, 1, channel="sms", now=T0, prefix="dead")
    dispatch(session_factory, {"sms": Failing(retryable=False)}, now=T0)  # the first is not due again yet
    retry_at = (T0 + backoff(1)).isoformat()
    assert outbox_lines(caplog) == [
        (logging.WARNING, f"notification {first} via sms failed (attempt 1); retry at {retry_at}"),
        (logging.ERROR, f"notification {second} via sms dead after attempt 1 (refused for good or out of attempts)"),
    ]
    assert not [r for r in caplog.records if "0912345678" in r.getMessage()]


def test_each_change_of_a_channels_circuit_breaker_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Open (WARNING), half-open when its rest is over (INFO, once), closed again (INFO); no line while nothing
    changes."""
    caplog.set_level(logging.INFO, logger="motcua.notify.tasks")
    breaker = ChannelBreaker()
    breaker.reset("email")  # closed already: nothing to say
    breaker.trip("email", T0)
    assert breaker.is_open("email", T0 + 29 * S)
    assert not breaker.is_open("email", T0 + 30 * S) and not breaker.is_open("email", T0 + 31 * S)
    breaker.trip("email", T0 + 31 * S)
    breaker.reset("email")
    breaker.reset("email")
    assert outbox_lines(caplog) == [
        (logging.WARNING, f"channel email down (1 time(s) in a row): breaker open until {(T0 + 30 * S).isoformat()}"),
        (logging.INFO, "channel email half-open: its rest is over, the next try probes it"),
        (logging.WARNING, f"channel email down (2 time(s) in a row): breaker open until {(T0 + 91 * S).isoformat()}"),
        (logging.INFO, "channel email back up after 2 failure(s): breaker closed"),
    ]
