"""An officer changes their own password; the other sessions end, the change is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from motcua.audit.models import AuditEvent
from tests.factories import PASSWORD, csrf_token, login, make_officer

NEW = "hoa-sen-no-trong-dam-lay"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={
        "current": current, "new": new, "confirm": new if confirm is None else confirm,
        "csrf_token": csrf_token(client, "/account/password")})


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, session, app):
    make_officer(session, username="chitien.a")
    with TestClient(app, base_url="https://testserver") as laptop:
        login(laptop, "chitien.a")
        login(client, "chitien.a")
        response = _change(client)
        assert response.status_code == 200 and "Đã đổi mật khẩu" in response.text
        assert client.get("/home").status_code == 200
        assert laptop.get("/home", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert login(client, "chitien.a", PASSWORD).status_code == 401
    assert login(client, "chitien.a", NEW).status_code == 303
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.password_change")).first()


def test_each_rule_has_its_message(client, session):
    make_officer(session, username="chitien.a")
    login(client, "chitien.a")
    cases = [
        ({"current": "sai"}, "err-current", "Mật khẩu hiện tại không đúng"),
        ({"new": "ngan"}, "err-new", "ít nhất 15 ký tự"),
        ({"new": PASSWORD}, "err-new", "phải khác"),
        ({"new": "ghe-tham-chitien.a-moi-ngay"}, "err-new", "tên đăng nhập"),
        ({"confirm": "khac-han-nhau"}, "err-confirm", "không khớp"),
    ]
    for change, field, message in cases:
        response = _change(client, **change)
        assert response.status_code == 422 and field in response.text and message in response.text, change
    client.cookies.clear()
    assert login(client, "chitien.a", PASSWORD).status_code == 303  # nothing changed
