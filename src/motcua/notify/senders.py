"""Senders: the one place that talks to a mail server or a messaging provider.

A sender turns one outbox row into one delivery attempt and answers with the provider's message id, or raises
``SendFailed`` saying whether a retry may help (``retryable``) and whether the whole channel looks down
(``sender_down``: refused connection, timeout, 5xx — the worker then stops using that channel for the rest of its
round instead of waiting out one timeout per message).

Idempotence towards the receiver (see ``motcua.notify.tasks`` for why it is needed): every email carries a
``Message-ID`` derived from the outbox row id, every SMS/Zalo request an idempotency key derived from the same id,
so a message sent twice after a lost acknowledgement is recognisably the same message.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import smtplib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Protocol

from motcua.auth.secrets import one_time_code
from motcua.integrations.http import logged_failures
from motcua.integrations.messaging import MessagingAdapter, ProviderError

log = logging.getLogger(__name__)

DEFAULT_SENDER_NAME = "Trung tâm Phục vụ hành chính công"


@dataclass(frozen=True)
class OutgoingMessage:
    """One claimed outbox row, as a sender sees it (no session, no ORM object: it is sent outside a transaction)."""

    outbox_id: int
    channel: str
    recipient: str
    subject: str
    body: str
    created_at: datetime

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of this row, different for every row of this installation."""
        return f"motcua-outbox-{self.outbox_id}"


class SendFailed(Exception):
    """A delivery attempt failed. ``retryable``: may succeed later; ``sender_down``: the channel, not the message."""

    def __init__(self, reason: str, *, retryable: bool, sender_down: bool = False) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.sender_down = sender_down


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Deliver ``message`` and return the provider's id for it; raise ``SendFailed`` otherwise."""
        ...


class SmtpSender:
    """Email through a real SMTP server (the province's mail relay), with stdlib ``smtplib``.

    One connection is kept open across messages (a round of 100 emails is one TCP and TLS handshake, not 100); it is
    checked with ``NOOP`` before each message and reopened when the server dropped it, so a stale connection never
    costs a message an attempt. Thread-safe: concurrent callers take turns on the connection.
    """

    def __init__(self, host: str, port: int, sender_address: str, timeout: float = 10.0, *,
                 sender_name: str = DEFAULT_SENDER_NAME, username: str | None = None, password: str | None = None,
                 starttls: bool = False, message_id_domain: str | None = None) -> None:
        self.host = host
        self.port = port
        self.sender_address = sender_address
        self.timeout = timeout
        self.sender_name = sender_name
        self.username = username
        self.password = password
        self.starttls = starttls
        self.message_id_domain = message_id_domain or sender_address.rpartition("@")[2] or "motcua.local"
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def message_id(self, outbox_id: int) -> str:
        """Derived from the row, so a resent email is the same email to any mailbox that deduplicates."""
        return f"<motcua-outbox-{outbox_id}@{self.message_id_domain}>"

    def build(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = formataddr((self.sender_name, self.sender_address))
        email["To"] = message.recipient
        email["Subject"] = message.subject
        created = message.created_at if message.created_at.tzinfo else message.created_at.replace(tzinfo=UTC)
        email["Date"] = format_datetime(created)  # when the event happened, not when a retry left
        email["Message-ID"] = self.message_id(message.outbox_id)
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to a no-reply address
        email.set_content(message.body)
        return email

    @logged_failures("smtp", "send", errors=(SendFailed,))
    def send(self, message: OutgoingMessage) -> str:
        try:
            email = self.build(message)
        except ValueError as exc:  # a header the email policy refuses (a line break in an address): never sendable
            raise SendFailed(f"cannot build the email: {exc}", retryable=False) from exc
        with self._lock:
            try:
                smtp = self._connection()
                smtp.send_message(email, from_addr=self.sender_address, to_addrs=[message.recipient])
            except smtplib.SMTPRecipientsRefused as exc:
                code = min((c for c, _ in exc.recipients.values()), default=550)
                raise SendFailed(f"recipient refused: {code}", retryable=code < 500) from exc
            except (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError,
                    smtplib.SMTPSenderRefused) as exc:
                # The server or our own account is at fault, not the message: keep every message for later.
                self._drop()
                raise SendFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=True,
                                 sender_down=True) from exc
            except smtplib.SMTPResponseException as exc:  # the message refused (5xx: for good), or 421 closing
                self._drop()
                raise SendFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=exc.smtp_code < 500,
                                 sender_down=exc.smtp_code == 421) from exc
            except smtplib.SMTPNotSupportedError as exc:
                raise SendFailed(f"SMTP: {exc}", retryable=False) from exc
            except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timeout, server disconnected
                self._drop()
                raise SendFailed(f"SMTP unreachable: {exc.__class__.__name__}: {exc}", retryable=True,
                                 sender_down=True) from exc
        return self.message_id(message.outbox_id)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (OSError, smtplib.SMTPException):
                pass
            self._drop()
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HttpMessagingSender:
    """SMS or Zalo through an HTTP adapter of ``motcua.integrations.messaging``, translating its errors."""

    def __init__(self, adapter: MessagingAdapter) -> None:
        self.adapter = adapter

    def send(self, message: OutgoingMessage) -> str:
        try:
            return self.adapter.deliver(recipient=message.recipient, subject=message.subject, body=message.body,
                                        idempotency_key=message.idempotency_key)
        except ProviderError as exc:
            raise SendFailed(str(exc), retryable=exc.retryable, sender_down=exc.provider_down) from exc


# ------------------------------------------------------------------------------------------------ one-time codes

_CODE_MARK = re.compile(r"\[\[otp:([A-Za-z0-9_-]{16,64})\]\]")


def code_placeholder(reference: str) -> str:
    """What an outbox row holds where a one-time code goes; ``expand_codes`` puts the code there as it leaves."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", reference):
        raise ValueError("a code reference is 16-64 URL-safe characters")
    return f"[[otp:{reference}]]"


def expand_codes(text: str, key: str) -> str:
    """``text`` with each code placeholder replaced by its code (``auth.secrets.one_time_code``)."""
    return _CODE_MARK.sub(lambda m: one_time_code(key, m.group(1)), text)


class CodeExpandingSender:
    """A sender that puts the one-time codes into the message just before handing it on.

    The outbox keeps only the placeholder (issue 13, finding 16): the code exists in the message the provider
    receives and nowhere in the database. The expanded message is never written back.
    """

    def __init__(self, inner: Sender, key: str) -> None:
        self.inner = inner
        self.key = key

    def send(self, message: OutgoingMessage) -> str:
        if "[[otp:" not in message.body and "[[otp:" not in message.subject:
            return self.inner.send(message)
        return self.inner.send(dataclasses.replace(message, subject=expand_codes(message.subject, self.key),
                                                   body=expand_codes(message.body, self.key)))


def with_codes(senders: Mapping[str, Sender], key: str) -> dict[str, Sender]:
    """Every sender of ``senders`` expanding one-time codes with ``key`` (the application's secret key)."""
    return {channel: CodeExpandingSender(sender, key) for channel, sender in senders.items()}
