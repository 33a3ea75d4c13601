"""Issue 13, "Also": HSTS when served over HTTPS, and an oversized chunked body answered 413, not "not JSON"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from motcua.app import create_app
from motcua.config import Settings


def test_hsts_over_https_only(client: TestClient, app: Any) -> None:
    """RFC 6797 and OWASP ASVS 4.0 14.4.5: over HTTPS every answer says Strict-Transport-Security for a year at
    least, subdomains included; over plain HTTP it is not sent (browsers ignore it there)."""
    hsts = client.get("/healthz").headers.get("strict-transport-security", "")
    assert "includeSubDomains" in hsts
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 365 * 24 * 3600
    with TestClient(app, base_url="http://testserver") as plain:
        assert "strict-transport-security" not in plain.get("/healthz").headers


def test_hsts_behind_a_trusted_proxy(settings: Settings, session_factory: Any) -> None:
    """Behind a TLS-terminating proxy named in MOTCUA_TRUSTED_PROXIES, its X-Forwarded-Proto: https counts; the
    same header from anyone else does not."""
    proxied = create_app(settings.model_copy(update={"trusted_proxies": "127.0.0.1"}),
                         session_factory=session_factory)
    with TestClient(proxied, base_url="http://testserver", client=("127.0.0.1", 4000)) as via_proxy:
        assert "strict-transport-security" in via_proxy.get("/healthz",
                                                            headers={"X-Forwarded-Proto": "https"}).headers
    with TestClient(proxied, base_url="http://testserver", client=("192.0.2.9", 4000)) as direct:
        assert "strict-transport-security" not in direct.get("/healthz",
                                                             headers={"X-Forwarded-Proto": "https"}).headers


def test_an_oversized_chunked_body_is_413_with_the_size(client: TestClient, settings: Settings) -> None:
    """RFC 9110 §15.5.14: a body over the limit sent without Content-Length (Transfer-Encoding: chunked) is
    answered 413 with the size message, like one that declared its length, not as invalid JSON."""
    def chunks() -> Iterator[bytes]:
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"[" + b"1," * 32767 + b"1]"

    answer = client.post("/api/v1/feedback", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert f"{settings.max_body_bytes // 1024} KB" in answer.json()["error"]["message"]
