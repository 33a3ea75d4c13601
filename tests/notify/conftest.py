"""Fixtures of the notification tests: a real SMTP server (aiosmtpd) and the SMS and Zalo simulators over HTTP."""

from __future__ import annotations

import email
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from motcua.integrations.messaging import SmsGateway, ZaloZnsClient
from motcua.integrations.simulators import SmsSimulator, ZaloSimulator
from motcua.notify.actions import enqueue_many
from motcua.notify.models import NotificationOutbox
from motcua.notify.senders import HttpMessagingSender, SmtpSender


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server accepted: every DATA transaction, duplicates included (it deduplicates nothing).

    Messages are kept as bytes and parsed when a test asks: parsing 1,000 emails inside the server thread would
    only slow the sender down (same process, same interpreter lock)."""

    raw: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → SMTP reply to RCPT TO
    drop_after_data: int = 0  # accept the next N messages, then hang up before answering (a lost "250 OK")

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raw = list(self.raw)
        parsed = [email.message_from_bytes(data, policy=default_policy) for data in raw]
        return [m for m in parsed if isinstance(m, EmailMessage)]

    def message_ids(self) -> Counter[str]:
        """Message-ID of every DATA transaction received (headers only: fast enough for thousands)."""
        with self.lock:
            raw = list(self.raw)
        parser = BytesHeaderParser(policy=compat32)
        return Counter(str(parser.parsebytes(data)["Message-ID"]) for data in raw)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.raw.append(bytes(envelope.content))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            drop = self.drop_after_data > 0
            if drop:
                self.drop_after_data -= 1
        if drop:
            server.transport.close()
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    """A local SMTP server that can be stopped and started again on the same port (a mail relay going down)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_sender(smtp_server: SmtpServer) -> Iterator[SmtpSender]:
    with SmtpSender("127.0.0.1", smtp_server.port, "motcua@chitien.phutho.gov.vn", timeout=2.0) as sender:
        yield sender


@pytest.fixture
def sms_sim() -> Iterator[SmsSimulator]:
    with SmsSimulator() as sim:
        yield sim


@pytest.fixture
def zalo_sim() -> Iterator[ZaloSimulator]:
    with ZaloSimulator() as sim:
        yield sim


@pytest.fixture
def sms_sender(sms_sim: SmsSimulator) -> Iterator[HttpMessagingSender]:
    gateway = SmsGateway(sms_sim.base_url, sms_sim.api_key, sms_sim.brandname, timeout=0.5)
    yield HttpMessagingSender(gateway)
    gateway.close()


@pytest.fixture
def zalo_sender(zalo_sim: ZaloSimulator) -> Iterator[HttpMessagingSender]:
    client = ZaloZnsClient(zalo_sim.base_url, zalo_sim.access_token, zalo_sim.template_id, timeout=0.5)
    yield HttpMessagingSender(client)
    client.close()


def add_messages(session_factory: sessionmaker[Session], n: int, *, channel: str, now: datetime,
                 recipient: str | None = None, prefix: str = "t") -> list[int]:
    """``n`` committed outbox rows (no dossier), returned as ids in order."""
    default = {"email": "dan@example.vn", "sms": "0912345678", "zalo": "0987654321"}[channel]
    with session_factory() as session:
        rows = enqueue_many(session, [dict(dedup_key=f"{prefix}:{channel}:{i}", kind="received", channel=channel,
                                           recipient=recipient or default, subject=f"Thông báo số {i}",
                                           body=f"Hồ sơ số {i} đã được tiếp nhận.") for i in range(n)], now=now)
        session.commit()
        return [r.id for r in rows]


def statuses(session_factory: sessionmaker[Session]) -> dict[str, int]:
    with session_factory() as session:
        rows = session.execute(select(NotificationOutbox.status, func.count()).group_by(NotificationOutbox.status))
        return {status: count for status, count in rows}


def row(session_factory: sessionmaker[Session], id_: int) -> NotificationOutbox:
    with session_factory() as session:
        return session.get_one(NotificationOutbox, id_)
