"""The one logging configuration: JSON lines in production, readable lines in development, a request id on every
line logged while a request is served, and a redaction net for personal data.

``configure_logging`` is called once per process by the entry points (the ``motcua`` command, which ``serve`` and
``worker`` are part of, and ``motcua.asgi`` for a server that imports the app itself, each uvicorn worker process
among them). It installs one handler on the root logger, so the application's loggers (``motcua.*``), uvicorn's and
SQLAlchemy's all come out in the same format.

Personal data is kept out of log messages where they are written: adapters log the service, the operation, the
HTTP status and the class of the error, never the request or the provider's answer; the access line has the route
template, never the path's values or the query string. ``RedactingFilter`` is the net behind that discipline, not a
licence to log data: on the way out it replaces what looks like a Vietnamese personal identification number (12
digits), a phone number or an email address, in the message and in a traceback (exception messages are where a
value slips in unnoticed). Decree 13/2023/ND-CP Art. 26-27: personal data is processed only for its purpose, and
an operations log is not one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["json", "text"]

#: The id of the HTTP request being served in this context (``web.middleware.RequestIdMiddleware`` sets it).
request_id: ContextVar[str | None] = ContextVar("motcua_request_id", default=None)

_INBOUND_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{7,63}")


def accept_request_id(inbound: str | None) -> str:
    """An inbound ``X-Request-ID`` when it is a plain token of 8-64 characters (a proxy's or a client's id lets one
    follow a request across systems), else a new one. Anything else — spaces, line breaks, a wall of text — could
    forge log lines or smuggle data into every line of the request, so it is replaced, not cleaned."""
    if inbound and _INBOUND_ID.fullmatch(inbound):
        return inbound
    return uuid.uuid4().hex


# ------------------------------------------------------------------------------------------------ redaction

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
#: 12 digits, in one run or grouped by spaces (0250 9012 3456), not part of a longer number.
_ID_NUMBER = re.compile(r"(?<!\d)\d(?: ?\d){11}(?!\d)")
#: A Vietnamese phone number: 0 or 84 / +84, then a mobile number (3, 5, 7, 8 or 9 and 8 digits) or a landline
#: (2 and 9 digits: 024 3826 1234), optionally grouped by spaces, dots or hyphens (0912 345 678, +84 912.345.678).
_PHONE = re.compile(r"(?<![\w+])(?:\+84|84|0)[ .\-]?(?:[35789](?:[ .\-]?\d){8}|2(?:[ .\-]?\d){9})(?!\d)")

REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_EMAIL, "[email]"),
    (_ID_NUMBER, "[id-number]"),
    (_PHONE, "[phone]"),
)


def redact(text: str) -> str:
    """``text`` with what looks like an email address, a 12-digit ID number or a phone number replaced."""
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts the message (its arguments merged in) and the traceback of every record that passes a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RequestIdFilter(logging.Filter):
    """Puts the current request id on the record (``None`` outside a request: worker rounds, commands)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


# ------------------------------------------------------------------------------------------------ formats

#: The attributes every LogRecord has; anything else on a record came from ``extra=`` and goes into the JSON line
#: (but uvicorn's ``color_message``, its message again with terminal colour codes).
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id",
                                                                               "color_message"}
#: Libraries that narrate routine work at INFO: httpx a line per request with its full URL (the adapters log their
#: failures themselves), WeasyPrint and fontTools each step of building a PDF.
_CHATTY = ("httpx", "weasyprint", "fontTools")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id``, the
    record's ``extra`` fields, and ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``2026-12-07 09:15:02 INFO    motcua.access [3f2a…] GET /dossiers/{dossier_id} 200 12.4 ms``: for a person
    reading a terminal (the request id only inside a request)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        tag = f" [{rid}]" if rid else ""
        return f"{record.asctime} {record.levelname:<7} {record.name}{tag} {record.message}"


def formatter_for(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (a test runner swaps it), not the one at
    configuration."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


#: The attribute that marks the handler ``configure_logging`` installed (it replaces only that one).
HANDLER_MARK = "_motcua_handler"


def configure_logging(log_format: LogFormat, level: str | int = "INFO", *, stream: TextIO | None = None) -> None:
    """Install the one handler on the root logger (replacing one installed before, leaving others alone).

    ``stream``: where lines go (stderr, looked up at each line, when None)."""
    root = logging.getLogger()
    for previous in [h for h in root.handlers if getattr(h, HANDLER_MARK, False)]:
        root.removeHandler(previous)
    handler: logging.Handler = _StderrHandler() if stream is None else logging.StreamHandler(stream)
    setattr(handler, HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(formatter_for(log_format))
    root.addHandler(handler)
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
