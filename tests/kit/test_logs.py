"""The logging configuration (motcua.kit.logs): the two formats and the redaction net for personal data."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from motcua.kit.logs import accept_request_id, configure_logging, redact, request_id

ID_NUMBER = "025301004321"
PHONE = "0912345678"
EMAIL = "lan.anh@example.vn"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    yield stream
    for handler in [h for h in root.handlers if getattr(h, "stream", None) is stream]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("text", [
    ID_NUMBER, "0253 0100 4321", PHONE, "0912 345 678", "0912.345.678", "+84912345678", "84 912-345-678",
    "0243 826 1234", EMAIL, "Nguyen.Van+an@mail.phutho.gov.vn"])
def test_redact_removes_id_numbers_phones_and_emails(text: str) -> None:
    """Decree 13/2023 Art. 26-27: personal data stays out of the operations log; the net catches each form."""
    cleaned = redact(f"refused: {text}!")
    assert cleaned.startswith("refused: [") and cleaned.endswith("]!")
    assert not any(ch.isdigit() for ch in cleaned) and "@" not in cleaned


@pytest.mark.parametrize("text", [
    "GET /dossiers/{dossier_id} 200 12.3 ms", "took 0.123456789 s", "2026-12-07T09:15:02.123+00:00",
    "notification 123456 via sms failed (attempt 3)", "request 9f1c2e4a0b7d4c3e8f6a5b4c3d2e1f00", "HTTP 503",
    "code 000.25.31.H57-261207-0001", "1234567890123 rows"])
def test_redact_leaves_what_is_not_personal_data(text: str) -> None:
    assert redact(text) == text


def test_json_lines_parse_and_carry_time_level_logger_message_and_request_id(output: io.StringIO) -> None:
    configure_logging("json", stream=output)
    log = logging.getLogger("motcua.test")
    log.info("outside a request")
    token = request_id.set("req-12345678")
    try:
        log.warning("inside %s", "a request", extra={"route": "/dossiers/{dossier_id}", "status": 200})
    finally:
        request_id.reset(token)
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    assert [(x["level"], x["logger"], x["message"], x["request_id"]) for x in lines] == [
        ("INFO", "motcua.test", "outside a request", None),
        ("WARNING", "motcua.test", "inside a request", "req-12345678")]
    assert lines[1]["route"] == "/dossiers/{dossier_id}" and lines[1]["status"] == 200
    assert all(x["time"].endswith("+00:00") for x in lines)


def test_the_text_format_is_one_readable_line_with_the_request_id(output: io.StringIO) -> None:
    configure_logging("text", stream=output)
    token = request_id.set("req-12345678")
    try:
        logging.getLogger("motcua.test").warning("hello")
    finally:
        request_id.reset(token)
    [line] = output.getvalue().splitlines()
    assert line.endswith(" WARNING motcua.test [req-12345678] hello")


def test_a_traceback_is_redacted_too(output: io.StringIO) -> None:
    """An exception's message is where a value slips in unnoticed (a validator quoting its input)."""
    configure_logging("json", stream=output)
    try:
        raise ValueError(f"bad applicant {ID_NUMBER} {PHONE} {EMAIL}")
    except ValueError:
        logging.getLogger("motcua.test").exception("failed for %s", EMAIL)
    [line] = [json.loads(x) for x in output.getvalue().splitlines()]
    assert "ValueError: bad applicant [id-number] [phone] [email]" in line["exception"]
    assert line["message"] == "failed for [email]"
    assert not {ID_NUMBER, PHONE, EMAIL} & set(output.getvalue().replace('"', " ").split())


def test_configuring_twice_replaces_the_handler(output: io.StringIO) -> None:
    configure_logging("text", stream=output)
    configure_logging("json", stream=output)
    logging.getLogger("motcua.test").warning("once")
    assert len(output.getvalue().splitlines()) == 1


@pytest.mark.parametrize(("inbound", "kept"), [
    ("5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", True), ("lb-1701937200.123", True), (None, False), ("", False),
    ("short", False), ("x" * 65, False), ("abc12345\nlevel=ERROR", False), ("abc 12345 678", False)])
def test_an_inbound_request_id_is_kept_only_when_it_is_a_plain_token(inbound: str | None, kept: bool) -> None:
    rid = accept_request_id(inbound)
    assert (rid == inbound) is kept
    if not kept:
        assert len(rid) == 32 and int(rid, 16) >= 0
