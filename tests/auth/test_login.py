"""Officer login: argon2 passwords, session cookies with expiry, throttling, logout."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from motcua.auth.models import LoginSession
from motcua.org.models import Officer
from tests.factories import PASSWORD, csrf_token, login, make_officer


def test_password_is_stored_as_argon2id(session):
    officer = make_officer(session, username="dangvanduc")
    stored = session.scalars(select(Officer.password_hash).where(Officer.id == officer.id)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_sets_a_secure_httponly_cookie_and_opens_home(client, session):
    make_officer(session, username="dangvanduc")
    response = login(client, "dangvanduc")
    assert response.status_code == 303 and response.headers["location"] == "/home"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("motcua_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie and "Max-Age=" in cookie
    home = client.get("/home")
    assert home.status_code == 200 and "Đặng Văn Đức" in home.text and "Cán bộ tiếp nhận" in home.text


def test_session_token_is_stored_only_as_a_digest(client, session):
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")
    raw = client.cookies.get("motcua_session")
    stored = session.scalars(select(LoginSession.token_hash)).all()
    assert raw and raw not in stored and len(stored[0]) == 64


def test_wrong_password_is_refused_with_a_clear_message(client, session):
    make_officer(session, username="dangvanduc")
    response = login(client, "dangvanduc", "sai-mat-khau")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    assert client.get("/home", follow_redirects=False).headers["location"].startswith("/login")


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, session):
    response = login(client, "khongtontai", "sai-mat-khau")
    assert response.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng" in response.text


def test_repeated_failures_slow_down_an_unknown_device_even_for_the_right_password(client, session, settings):
    """After login_max_failures wrong passwords, the next try from a browser the account does not know waits (429,
    Retry-After, the wait in words on the form); there is no lock (finding 11: tests/auth/test_login_throttle.py)."""
    make_officer(session, username="dangvanduc")
    for _ in range(settings.login_max_failures):
        assert login(client, "dangvanduc", "sai").status_code == 401
    blocked = login(client, "dangvanduc", PASSWORD)
    assert blocked.status_code == 429
    assert "Vui lòng chờ 1 giây rồi thử lại" in blocked.text and blocked.headers["Retry-After"] == "1"
    assert 'name="password"' in blocked.text  # the form again, not an error page


def test_throttling_ends_after_the_wait(client, session, settings, clock):
    make_officer(session, username="dangvanduc")
    for _ in range(settings.login_max_failures):
        login(client, "dangvanduc", "sai")
    wait = int(login(client, "dangvanduc").headers["Retry-After"])
    clock.advance(timedelta(seconds=wait))
    assert login(client, "dangvanduc").status_code == 303


def test_a_session_expires(client, session, settings, clock):
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")
    assert client.get("/home").status_code == 200
    clock.advance(timedelta(hours=settings.session_hours, seconds=1))
    response = client.get("/home", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logout_ends_the_session_server_side(client, session):
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")
    stolen = client.cookies.get("motcua_session")
    token = csrf_token(client, "/home")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    # Even a copy of the old cookie no longer works.
    client.cookies.set("motcua_session", stolen, domain="testserver.local")
    assert client.get("/home", follow_redirects=False).status_code == 303
    assert session.scalars(select(LoginSession)).all() == []


def test_inactive_officer_cannot_log_in(client, session):
    officer = make_officer(session, username="nghihuu")
    officer.active = False
    session.commit()
    assert login(client, "nghihuu").status_code == 401


def test_next_parameter_cannot_send_the_user_off_site(client, session):
    make_officer(session, username="dangvanduc")
    token = csrf_token(client)
    response = client.post("/login", data={"username": "dangvanduc", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/phish"}, follow_redirects=False)
    assert response.headers["location"] == "/home"


def test_one_address_trying_many_accounts_is_throttled(client, session, settings):
    """Password spraying: failures from one address across accounts slow that address down too (after 4× the
    per-account allowance, several officers may share a centre's connection)."""
    from motcua.auth.actions import IP_FAILURE_FACTOR

    make_officer(session, username="dangvanduc")
    for i in range(settings.login_max_failures * IP_FAILURE_FACTOR):
        assert login(client, f"doan{i % 7}", "sai").status_code == 401
    assert login(client, "dangvanduc").status_code == 429


def test_housekeeping_removes_expired_sessions_and_old_attempts(session, clock):
    from motcua.auth.actions import purge_expired
    from motcua.auth.models import LoginAttempt

    make_officer(session, username="dangvanduc")
    session.add(LoginAttempt(username="x", ip="1.2.3.4", at=clock.now() - timedelta(days=40), success=False))
    session.add(LoginAttempt(username="x", ip="1.2.3.4", at=clock.now() - timedelta(days=1), success=False))
    session.add(LoginSession(token_hash="a" * 64, officer_id=session.scalars(select(Officer.id)).first(),
                             csrf_token="c", created_at=clock.now() - timedelta(days=2),
                             last_seen_at=clock.now() - timedelta(days=2),
                             expires_at=clock.now() - timedelta(days=1)))
    session.flush()
    assert purge_expired(session, now=clock.now()) == (1, 1)
    assert len(session.scalars(select(LoginAttempt)).all()) == 1
