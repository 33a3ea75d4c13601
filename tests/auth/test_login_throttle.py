"""Finding 11 of issue 13: failed logins slow attackers down without locking the owner out.

OWASP ASVS 4.0 V2.2.1 and NIST SP 800-63B §5.2.2: rate-limit failed authentication, but not so that anyone can
deny an officer their account by typing wrong passwords under their name. Known devices (a signed cookie set by a
successful login) pass; unknown devices wait a growing delay capped at a few minutes; an address that keeps failing
waits ever longer.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from motcua.auth.devices import device_cookie_name
from tests.factories import PASSWORD, csrf_token, login, make_officer

#: Left out of `make check` (the fast loop); `make test` runs it.
pytestmark = pytest.mark.slow


def _from(app, address: str) -> TestClient:
    """A browser of its own (no cookies) at another client address."""
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False, client=(address, 40000))


def _log_out(client: TestClient) -> None:
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/home")},
                       follow_redirects=False).status_code == 303


def _attack(app, clock, tries: int, *, username: str = "dangvanduc") -> tuple[int, int]:
    """``tries`` wrong passwords for ``username``, each from another address, as fast as the server answers.
    Returns (failures recorded, tries refused with 429)."""
    failures = refused = 0
    for i in range(tries):
        answer = login(_from(app, f"203.0.113.{i % 250 + 1}"), username, f"doan-sai-{i}")
        assert answer.status_code in (401, 429)
        failures += answer.status_code == 401
        refused += answer.status_code == 429
    return failures, refused


def _patient_attack(app, clock, failures: int, *, username: str = "dangvanduc") -> int:
    """An attacker who retries as soon as told (advancing the clock by Retry-After) until ``failures`` wrong
    passwords are recorded, the last one just now. Returns how many tries were refused on the way."""
    recorded = refused = 0
    while recorded < failures:
        answer = login(_from(app, f"203.0.113.{(recorded + refused) % 250 + 1}"), username, "doan-sai")
        if answer.status_code == 429:
            refused += 1
            clock.advance(timedelta(seconds=int(answer.headers["Retry-After"])))
        else:
            assert answer.status_code == 401
            recorded += 1
    return refused


def test_finding_11_attackers_wrong_passwords_do_not_stop_the_owner_on_a_known_device(client, session, app, clock):
    """50 wrong passwords from other addresses (more than enough to throttle the account) and the owner still logs
    in at once from the browser they used before: its signed device cookie lets the right password through."""
    make_officer(session, username="dangvanduc")
    assert login(client, "dangvanduc").status_code == 303
    assert client.cookies.get(device_cookie_name("dangvanduc"))
    _log_out(client)
    failures, refused = _attack(app, clock, 50)
    assert refused > 0 and failures >= 5  # the account is being throttled for unknown devices
    assert login(client, "dangvanduc").status_code == 303
    assert client.get("/home").status_code == 200


def test_finding_11_a_device_cookie_is_bound_to_its_account_and_signature(client, session, app, clock, settings):
    """Another account's device cookie, or a forged one, does not count as a known device."""
    make_officer(session, username="dangvanduc")
    make_officer(session, username="tranthimai")
    assert login(client, "tranthimai").status_code == 303
    mai_cookie = client.cookies.get(device_cookie_name("tranthimai"))
    _log_out(client)
    _attack(app, clock, 8)
    stranger = _from(app, "198.51.100.7")
    stranger.cookies.set(device_cookie_name("dangvanduc"), mai_cookie, domain="testserver.local", path="/login")
    assert login(stranger, "dangvanduc").status_code == 429
    stranger.cookies.set(device_cookie_name("dangvanduc"), mai_cookie[:-3] + "AAA", domain="testserver.local",
                         path="/login")
    assert login(stranger, "dangvanduc").status_code == 429


def test_finding_11_an_address_that_keeps_failing_waits_ever_longer(client, session, settings, clock):
    """Spraying from one address: after its allowance each try waits twice as long as the one before (exponential
    back-off), up to login_address_max_wait_seconds — and an officer's known browser behind it is not slowed."""
    from motcua.auth.actions import IP_FAILURE_FACTOR

    make_officer(session, username="dangvanduc")
    assert login(client, "dangvanduc").status_code == 303
    _log_out(client)
    attacker = _from(client.app, "192.0.2.66")
    for i in range(settings.login_max_failures * IP_FAILURE_FACTOR):
        assert login(attacker, f"canbo-doan-{i}", "sai").status_code == 401
    waits = []
    for i in range(6):
        refused = login(attacker, f"canbo-khac-{i}", "sai")
        assert refused.status_code == 429 and "Vui lòng chờ" in refused.text
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(timedelta(seconds=waits[-1]))
        assert login(attacker, f"canbo-khac-{i}", "sai").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32]
    for _ in range(12):  # the address keeps failing: the wait stops at its cap
        refused = login(attacker, "canbo-nua", "sai")
        clock.advance(timedelta(seconds=int(refused.headers["Retry-After"])))
        login(attacker, "canbo-nua", "sai")
    assert int(login(attacker, "canbo-nua", "sai").headers["Retry-After"]) == settings.login_address_max_wait_seconds
    # The owner's usual browser at the same address (a shared connection) passes.
    owner = _from(client.app, "192.0.2.66")
    owner.cookies = client.cookies
    assert login(owner, "dangvanduc").status_code == 303


def test_finding_11_the_owner_on_a_new_device_waits_at_most_the_cap(client, session, app, clock, settings):
    """An attacker who retries as soon as allowed keeps the account throttled for unknown devices, but the owner on
    a new device is told (in Vietnamese, on the login form) to wait at most login_account_max_wait_seconds, and
    then the right password gets in: never a lock that the right password cannot pass."""
    make_officer(session, username="dangvanduc")
    refused = _patient_attack(app, clock, 20)  # 5 free, then 1 s, 2 s … 256 s, then the cap
    assert refused >= 15
    new_device = _from(app, "198.51.100.20")
    first = login(new_device, "dangvanduc")
    assert first.status_code == 429
    wait = int(first.headers["Retry-After"])
    assert 0 < wait <= settings.login_account_max_wait_seconds
    assert "Có nhiều lần đăng nhập sai. Vui lòng chờ" in first.text and "phút" in first.text
    assert 'id="login-error"' in first.text  # shown on the form, next to the fields
    clock.advance(timedelta(seconds=wait))
    assert login(new_device, "dangvanduc", PASSWORD).status_code == 303


def test_finding_11_the_wait_is_written_in_vietnamese():
    from motcua.auth.actions import wait_text

    assert [wait_text(s) for s in (1, 45, 60, 150, 300)] == ["1 giây", "45 giây", "1 phút", "2 phút 30 giây", "5 phút"]
