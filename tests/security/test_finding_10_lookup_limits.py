"""Finding 10 (issue 13): the public lookup's 4-digit check was limited per address only, and the server believed
X-Forwarded-For from any local process, so rotating that header found the digits after 78 tries.

The rules: forwarding headers are believed only from configured proxies (RFC 7239 §8.1; MOTCUA_TRUSTED_PROXIES,
empty by default), and the check is also limited per dossier code, whatever the address (OWASP ASVS 4.0 2.2.1,
NIST SP 800-63B §5.2.2: throttle what is attacked), in the database so that every worker counts alike."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.lookups import LOOKUP_CODE_MAX_FAILURES, LOOKUP_MAX_FAILURES, public_lookup
from motcua.feedback.actions import public_case_lookup
from motcua.kit.errors import TooManyRequests
from motcua.web.middleware import TrustedProxyMiddleware, parse_networks
from tests.factories import T0, TEST_SECRET_KEY, free_port, intake_data, wait_until_serving
from tests.feedback.helpers import new_case

SERVE = "import sys; from motcua.web.server import run; run('127.0.0.1', int(sys.argv[1]))"


def test_finding_10_rotating_x_forwarded_for_does_not_escape_the_address_limit(fresh_db: Any, tmp_path: Path) -> None:
    """The server as `motcua serve` runs it, reached from this machine (a local process, as in the probe): each
    wrong lookup claims another address in X-Forwarded-For, on another code; the limit of the real peer holds."""
    port = free_port()
    env = {**os.environ, "MOTCUA_DATABASE_URL": fresh_db.url, "MOTCUA_SECRET_KEY": TEST_SECRET_KEY,
           "MOTCUA_FILES_DIR": str(tmp_path / "files")}
    env.pop("MOTCUA_TRUSTED_PROXIES", None)
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log)
        statuses = []
        with httpx.Client(base_url=base, timeout=30) as http:
            for i in range(LOOKUP_MAX_FAILURES + 3):
                answer = http.get("/api/v1/lookup", params={"code": f"TAM.00000-260101-{i:04d}", "secret": "0000"},
                                  headers={"X-Forwarded-For": f"203.0.113.{i + 1}", "X-Real-IP": f"198.51.100.{i}"})
                statuses.append(answer.status_code)
        assert statuses[:LOOKUP_MAX_FAILURES] == [404] * LOOKUP_MAX_FAILURES
        assert set(statuses[LOOKUP_MAX_FAILURES:]) == {429}, statuses
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def _seen_by_app(trusted: str, peer: str, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    scope = {"type": "http", "client": (peer, 5000), "scheme": "http", "headers": headers}
    await TrustedProxyMiddleware(app, trusted=parse_networks(trusted))(scope, None, None)
    return seen["client"], seen["scheme"]


def _seen(trusted: str, peer: str, headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
    # A loop of its own in a thread of its own: the worker's thread may already run one (Playwright's sync API,
    # when an e2e test ran before in the same xdist worker), and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _seen_by_app(trusted, peer, headers)).result()


def test_finding_10_forwarded_headers_are_believed_only_from_configured_proxies() -> None:
    """From a configured proxy the client is the rightmost address that is not one of ours; from anyone else the
    headers are ignored."""
    forwarded = [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9, 10.0.0.2"), (b"x-forwarded-proto", b"https")]
    assert _seen("", "127.0.0.1", forwarded) == ("127.0.0.1", "http")
    assert _seen("10.0.0.0/24", "192.0.2.1", forwarded) == ("192.0.2.1", "http")
    assert _seen("10.0.0.0/24", "10.0.0.1", forwarded) == ("203.0.113.9", "https")
    assert _seen("10.0.0.1", "10.0.0.1", [(b"x-forwarded-for", b"6.6.6.6")]) == ("6.6.6.6", "http")
    assert _seen("10.0.0.1", "10.0.0.1", [(b"x-forwarded-for", b"x" * 200)])[0] == "10.0.0.1"


def test_finding_10_wrong_digits_are_limited_per_code_whatever_the_address(session: Session, team: dict,
                                                                            store: FileStore) -> None:
    """Five wrong answers for one code, each from another address: the code is then refused to every address, the
    right digits included, with a Vietnamese message; another code is not affected."""
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    other = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                            now=T0).dossier
    for i in range(LOOKUP_CODE_MAX_FAILURES):
        assert public_lookup(session, code=dossier.code, secret=f"{i:04d}", ip=f"203.0.113.{i}", now=T0) is None
    with pytest.raises(TooManyRequests, match="Mã này đã bị tra cứu sai quá nhiều lần"):
        public_lookup(session, code=dossier.code.lower(), secret="5678", ip="198.51.100.7", now=T0)
    assert public_lookup(session, code=other.code, secret="5678", ip="198.51.100.7", now=T0) is not None


def test_finding_10_feedback_case_lookup_is_limited_per_case_code(session: Session) -> None:
    """The feedback case lookup (code + the sender's phone) shares the dossier lookup's budgets: five wrong contacts
    for one case, each from another address, and that case is refused to every address, the right phone included;
    another case is not affected."""
    case = new_case(session, phone="0912345678")
    other = new_case(session, phone="0912345678")
    for i in range(LOOKUP_CODE_MAX_FAILURES):
        assert public_case_lookup(session, code=case.code, contact=f"09000000{i:02d}", ip=f"203.0.113.{i}",
                                  now=T0) is None
    with pytest.raises(TooManyRequests, match="Mã này đã bị tra cứu sai quá nhiều lần"):
        public_case_lookup(session, code=case.code, contact="0912345678", ip="198.51.100.7", now=T0)
    assert public_case_lookup(session, code=other.code, contact="0912345678", ip="198.51.100.7", now=T0) is not None
