"""Administrators manage the officers of their jurisdiction: create (with several roles), lock and unlock."""

from __future__ import annotations

from sqlalchemy import select

from motcua.audit.models import AuditEvent
from motcua.auth.models import LoginSession
from motcua.base.roles import Role
from motcua.org.models import Officer
from tests.factories import CHI_TIEN, PASSWORD, csrf_token, login, make_officer, other_commune

FORM = {"full_name": "Lò Văn Páo", "username": "chitien.pao", "commune_code": CHI_TIEN,
        "roles": ["reception", "specialist"], "email": "pao@example.vn", "phone": "0912000111",
        "password": "la-co-do-sao-vang-tung-bay"}


def set_active(client, officer_id, value, token):
    return client.post(f"/officers/{officer_id}/active", data={"active": value, "csrf_token": token})


def _post(client, **changes):
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/admin/officers/new")}
    return client.post("/admin/officers", data=data, follow_redirects=False)


def test_commune_admin_creates_an_officer_with_several_roles(client, session):
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "chitien.quantri")
    response = _post(client)
    assert response.status_code == 303
    officer = session.scalars(select(Officer).where(Officer.username == "chitien.pao")).one()
    page = client.get(response.headers["location"]).text
    assert "Đã tạo tài khoản cán bộ" in page and "Cán bộ tiếp nhận" in page and "Chuyên viên xử lý" in page
    assert officer.commune_code == CHI_TIEN and officer.full_name_folded == "lo van pao"
    client.cookies.clear()
    assert login(client, "chitien.pao", FORM["password"]).status_code == 303


def test_each_bad_field_gets_its_message_next_to_it_and_nothing_is_stored(client, session):
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "chitien.quantri")
    cases = {
        "username": {"username": "Có Dấu"},
        "full_name": {"full_name": "A1"},
        "roles": {"roles": []},
        "email": {"email": "khong-phai-email"},
        "phone": {"phone": "12345"},
        "password": {"password": "ngan"},
    }
    for field, change in cases.items():
        response = _post(client, **change)
        assert response.status_code == 422, field
        assert f'id="err-{field}"' in response.text, field
        assert 'aria-invalid="true"' in response.text
    assert session.scalars(select(Officer).where(Officer.username == "chitien.pao")).first() is None


def test_a_double_submit_creates_one_officer_and_explains_the_second(client, session):
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "chitien.quantri")
    assert _post(client).status_code == 303
    again = _post(client)
    assert again.status_code == 409 and 'id="err-username"' in again.text and "đã tồn tại" in again.text
    assert len(session.scalars(select(Officer).where(Officer.username == "chitien.pao")).all()) == 1


def test_a_commune_admin_cannot_create_outside_the_commune_or_province_roles(client, session):
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "chitien.quantri")
    assert _post(client, commune_code=other_commune(session)).status_code == 403
    assert _post(client, commune_code="").status_code == 403
    assert "province_monitor" not in client.get("/admin/officers/new").text
    assert _post(client, roles=["province_monitor"]).status_code == 422


def test_non_admins_cannot_create_officers(client, session):
    make_officer(session, username="chitien.tiepnhan", roles=(Role.RECEPTION,))
    login(client, "chitien.tiepnhan")
    assert client.get("/admin/officers/new").status_code == 403
    data = {**FORM, "csrf_token": csrf_token(client, "/home")}
    assert client.post("/admin/officers", data=data).status_code == 403


def test_locking_an_officer_ends_their_sessions_and_is_audited(client, session, app):
    from fastapi.testclient import TestClient

    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    target = make_officer(session, username="chitien.nghi")
    with TestClient(app, base_url="https://testserver") as other:
        login(other, "chitien.nghi")
        assert other.get("/home").status_code == 200
        login(client, "chitien.quantri")
        token = csrf_token(client, "/home")
        assert set_active(client, target.id, "false", token).status_code == 200
        assert other.get("/home", follow_redirects=False).status_code == 303  # thrown out at once
        assert session.scalars(select(LoginSession).where(LoginSession.officer_id == target.id)).all() == []
        assert login(other, "chitien.nghi", PASSWORD).status_code == 401
    # Locking twice (two admins at once) is a clear conflict, not a silent no-op.
    assert set_active(client, target.id, "false", token).status_code == 409
    assert set_active(client, target.id, "true", token).status_code == 200
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(target.id))).all()
    assert "officer.lock" in actions and "officer.unlock" in actions


def test_an_admin_cannot_lock_themselves_out(client, session):
    admin = make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "chitien.quantri")
    response = client.post(f"/officers/{admin.id}/active",
                           data={"active": "false", "csrf_token": csrf_token(client, "/home")})
    assert response.status_code == 422 and "chính mình" in response.text


def test_the_active_flag_must_be_a_boolean(client, session):
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    target = make_officer(session, username="chitien.b")
    login(client, "chitien.quantri")
    response = client.post(f"/officers/{target.id}/active",
                           data={"active": "co-le", "csrf_token": csrf_token(client, "/home")})
    assert response.status_code == 400 and session.get(Officer, target.id).active


def test_the_officer_page_offers_locking_exactly_where_the_action_allows_it(client, session):
    """The page asks the action's rule (org.queries.may_set_active): an administrator gets the button on another
    officer's page, not on their own (locking oneself out is refused), and a non-administrator never gets it."""
    admin = make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    target = make_officer(session, username="chitien.b")
    login(client, "chitien.quantri")
    assert "Khóa tài khoản" in client.get(f"/officers/{target.id}").text
    assert "Khóa tài khoản" not in client.get(f"/officers/{admin.id}").text
    client.cookies.clear()
    login(client, "chitien.b")
    assert "Khóa tài khoản" not in client.get(f"/officers/{admin.id}").text


def test_only_a_province_admin_is_offered_a_province_level_officer(client, session):
    """create_officer's jurisdiction rule: a commune administrator creates officers of their commune only, so the
    form offers "Cấp tỉnh" to province administrators alone."""
    province_option = '<option value="">Cấp tỉnh</option>'
    make_officer(session, username="tinh.quantri", commune_code=None, roles=(Role.ADMIN,))
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "tinh.quantri")
    assert province_option in client.get("/admin/officers/new").text
    client.cookies.clear()
    login(client, "chitien.quantri")
    assert province_option not in client.get("/admin/officers/new").text
