"""Each HTTP request has an id, returned in ``X-Request-ID`` and carried by every log line written while it is
served, and one access line; personal data in a request never reaches the log (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from fastapi.testclient import TestClient

ID_NUMBER = "025301004321"
PHONE = "0912345678"
EMAIL = "lan.anh@example.vn"



def lines(written: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def access(written: io.StringIO) -> list[dict[str, Any]]:
    return [x for x in lines(written) if x["logger"] == "motcua.access"]


def test_a_request_gets_an_id_in_its_answer_and_its_access_line(client: TestClient, written: io.StringIO) -> None:
    response = client.get("/healthz")
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32
    [line] = access(written)
    assert (line["request_id"], line["method"], line["route"], line["status"]) == (rid, "GET", "/healthz", 200)
    assert line["level"] == "INFO" and isinstance(line["duration_ms"], float)
    assert client.get("/healthz").headers["X-Request-ID"] != rid  # one per request


def test_a_sane_inbound_request_id_is_kept_and_any_other_replaced(client: TestClient, written: io.StringIO) -> None:
    """A proxy's id lets one follow a request across systems; a header that could forge a log line is replaced."""
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-5f0c1a2b3c4d"})
    assert kept.headers["X-Request-ID"] == "lb-5f0c1a2b3c4d"
    replaced = client.get("/healthz", headers={"X-Request-ID": '" level=ERROR forged'})
    assert replaced.headers["X-Request-ID"] != '" level=ERROR forged' and len(replaced.headers["X-Request-ID"]) == 32
    assert [x["request_id"] for x in access(written)] == ["lb-5f0c1a2b3c4d", replaced.headers["X-Request-ID"]]


def test_the_access_line_has_the_route_template_not_the_path_values_or_the_query(
        client: TestClient, written: io.StringIO) -> None:
    """The query string and the path's values can hold an ID number or a phone (lookups, searches)."""
    client.get(f"/dossiers/{ID_NUMBER}?q={PHONE}&email={EMAIL}", follow_redirects=False)
    client.get(f"/no-such-page/{PHONE}")
    assert [(x["route"], x["status"]) for x in access(written)] == [("/dossiers/{dossier_id}", 303), ("-", 404)]
    out = written.getvalue()
    assert ID_NUMBER not in out and PHONE not in out and EMAIL not in out


def test_an_unexpected_error_is_logged_with_the_request_id_and_without_personal_data(
        app: Any, client: TestClient, written: io.StringIO) -> None:
    """A failure whose exception quotes a citizen's data: the traceback is logged with the request's id (the one the
    error page's answer carries, for support to find it), and the data is not written out."""

    @app.get("/test-failure")
    def failing() -> None:
        raise RuntimeError(f"cannot file for {ID_NUMBER}, phone {PHONE}, {EMAIL}")

    response = client.get("/test-failure")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    written_lines = lines(written)
    assert {x["request_id"] for x in written_lines} == {rid}
    [error] = [x for x in written_lines if x["level"] == "ERROR"]
    assert error["message"] == "unhandled error on GET /test-failure"
    assert "RuntimeError: cannot file for [id-number], phone [phone], [email]" in error["exception"]
    assert [(x["route"], x["status"]) for x in access(written)] == [("/test-failure", 500)]
    out = written.getvalue()
    assert ID_NUMBER not in out and PHONE not in out and EMAIL not in out


def test_every_line_logged_while_serving_carries_the_request_id(app: Any, client: TestClient,
                                                                written: io.StringIO) -> None:
    """A sync endpoint runs in a worker thread: the id travels with the request's context."""

    @app.get("/test-logs")
    def logging_endpoint() -> dict[str, str]:
        logging.getLogger("motcua.test").warning("inside the endpoint")
        return {}

    rid = client.get("/test-logs").headers["X-Request-ID"]
    assert [(x["logger"], x["request_id"]) for x in lines(written)] == [("motcua.test", rid), ("motcua.access", rid)]
