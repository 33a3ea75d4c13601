"""CSRF protection on every form, and bad bodies that must never become a 500 (ARCHITECTURE rule 6)."""

from __future__ import annotations

import os
import re

import pytest

from motcua.app import route_table
from tests.factories import csrf_token, login, make_officer

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _html_unsafe_routes(app):
    for route in route_table(app):
        if not route.path.startswith("/api/") and route.methods & UNSAFE:
            yield route


def _concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "1", path)


def test_every_form_route_refuses_a_post_without_its_csrf_token(client, session, app):
    """Every state-changing HTML route checks the synchroniser token, logged in or not."""
    from motcua.base.roles import Role

    make_officer(session, username="quantri", roles=(Role.ADMIN,))
    routes = list(_html_unsafe_routes(app))
    assert {r.path for r in routes} >= {"/login", "/logout", "/admin/tokens", "/admin/officers", "/account/password"}
    for route in routes:
        anonymous = client.post(_concrete(route.path), data={"username": "quantri", "password": "x"})
        assert anonymous.status_code == 403, route.path
        assert "mã bảo vệ CSRF" in anonymous.text
    login(client, "quantri")
    for route in routes:
        response = client.post(_concrete(route.path), data={"name": "Hệ thống thử"})
        assert response.status_code == 403, route.path
        wrong = client.post(_concrete(route.path), data={"name": "Hệ thống thử", "csrf_token": "gia-mao"})
        assert wrong.status_code == 403, route.path


def test_the_anonymous_token_of_another_browser_does_not_work(client, session, app):
    make_officer(session, username="dangvanduc")
    token = csrf_token(client)
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver") as other:
        other.get("/login")
        response = other.post("/login", data={"username": "dangvanduc", "password": "x", "csrf_token": token})
    assert response.status_code == 403


def test_htmx_header_carries_the_token_too(client, session):
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")
    token = csrf_token(client, "/home")
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_a_5_mb_garbage_body_is_refused_with_413_not_500(client):
    garbage = os.urandom(5 * 1024 * 1024)
    for path in ("/login", "/api/v1/communes", "/admin/tokens"):
        response = client.post(path, content=garbage, headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413, path
        assert "quá lớn" in response.text


def test_a_streamed_body_without_length_is_cut_at_the_limit(client, settings):
    def chunks():
        for _ in range(6):
            yield b"x" * (1024 * 1024)

    response = client.post("/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    # Refused before the whole body is read: by our limit (413) or the form parser's field limit (400).
    assert response.status_code in (400, 413)
    assert "<html" in response.text.lower()


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/x-www-form-urlencoded", os.urandom(512 * 1024)),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nnot really multipart" * 1000),
        ("application/json", b"{not json"),
        ("text/plain", b"\x00\x01\x02"),
    ],
)
def test_garbage_under_the_limit_is_a_clear_4xx(client, content_type, body):
    response = client.post("/login", content=body, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500
    assert "<html" in response.text.lower()


@pytest.mark.parametrize(
    "path",
    ["/communes/abc", "/communes/123456", "/officers/-1", "/officers/abc", "/officers/99999999999999999999",
     "/api/v1/communes/xyz", "/api/v1/officers/1e9", "/communes?q=" + "a" * 500, "/%00", "/communes/%2e%2e"],
)
def test_malformed_ids_never_produce_a_500(client, session, path):
    make_officer(session, username="dangvanduc")
    login(client, "dangvanduc")
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)


def test_overlong_login_fields_are_refused_cleanly(client):
    token = csrf_token(client)
    response = client.post("/login", data={"username": "a" * 5000, "password": "b", "csrf_token": token})
    assert response.status_code == 400
