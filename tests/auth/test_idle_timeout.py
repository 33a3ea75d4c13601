"""Idle session timeout for officers (issue 13, "Also"): OWASP ASVS 4.0 V3.3.2 — a session ends after a period
without activity, besides its absolute lifetime (V3.3.1), and the officer is told why on the login page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from motcua.auth.models import LoginSession
from tests.factories import login, make_officer

IDLE_MESSAGE = "Phiên làm việc đã hết hạn do không hoạt động"


def test_idle_timeout_ends_a_session_left_alone_and_the_login_page_says_why(client, session, settings, clock):
    make_officer(session, username="dangvanduc")
    assert login(client, "dangvanduc").status_code == 303
    idle = timedelta(minutes=settings.session_idle_minutes)
    for _ in range(3):  # active use keeps it open well past one idle period
        clock.advance(idle - timedelta(minutes=1))
        assert client.get("/home", follow_redirects=False).status_code == 200
    clock.advance(idle + timedelta(seconds=1))
    response = client.get("/home", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and IDLE_MESSAGE in page.text
    assert login(client, "dangvanduc").status_code == 303
    assert client.get("/home", follow_redirects=False).status_code == 200


def test_idle_timeout_default_is_thirty_minutes_and_the_absolute_lifetime_still_holds(client, session, settings,
                                                                                       clock):
    assert settings.session_idle_minutes == 30
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")
    for _ in range(settings.session_hours * 3):  # busy all day: every 20 minutes
        clock.advance(timedelta(minutes=20))
        client.get("/home", follow_redirects=False)
    response = client.get("/home", follow_redirects=False)
    assert response.status_code == 303
    assert IDLE_MESSAGE not in client.get(response.headers["location"]).text  # it ended by age, not idleness


def test_idle_timeout_last_seen_is_written_at_most_once_a_minute(client, session, clock):
    """Refreshing the last-seen instant is a write: done only when it is over a minute old, not on every request."""
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")

    def last_seen():
        session.expire_all()
        return session.scalars(select(LoginSession.last_seen_at)).one()

    opened = last_seen()
    clock.advance(timedelta(seconds=30))
    assert client.get("/home").status_code == 200
    assert last_seen() == opened
    clock.advance(timedelta(seconds=31))
    assert client.get("/home").status_code == 200
    assert last_seen() != opened
    refreshed = last_seen()
    clock.advance(timedelta(seconds=10))
    client.get("/home")
    assert last_seen() == refreshed


def test_idle_timeout_no_message_for_a_plain_visit_or_a_logout(client, session):
    make_officer(session, username="dangvanduc")
    assert IDLE_MESSAGE not in client.get("/login").text
    client.cookies.set("motcua_session", "khong-ton-tai", domain="testserver.local")
    assert IDLE_MESSAGE not in client.get("/login").text
