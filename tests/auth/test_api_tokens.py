"""API tokens for integrations: hashed at rest, scoped to a commune or the province, revocable, expiring."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from motcua.auth.models import ApiToken
from motcua.base.roles import Role
from tests.factories import CHI_TIEN, csrf_token, login, make_officer, other_commune


def _issue(client, **fields):
    response = client.post("/admin/tokens", data={"csrf_token": csrf_token(client, "/admin/tokens"), **fields})
    match = re.search(r'<code id="new-token">([^<]+)</code>', response.text)
    return response, match.group(1) if match else None


def _admin(session):
    """A commune administrator; the tokens of these tests act on their behalf (read-only, no workflow role)."""
    return make_officer(session, username="quantri", roles=(Role.ADMIN,))


def test_admin_issues_a_token_shown_once_and_stored_as_a_digest(client, session):
    admin = _admin(session)
    login(client, "quantri")
    response, raw = _issue(client, name="Cổng dịch vụ công tỉnh", officer_id=admin.id)
    assert response.status_code == 201 and raw and raw.startswith("mc_")
    stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash != raw and raw not in stored.token_hash and stored.commune_code == CHI_TIEN
    assert stored.officer_id == admin.id
    assert raw not in client.get("/admin/tokens").text  # never shown again


def test_a_commune_token_reads_only_its_commune(client, session):
    admin = _admin(session)
    login(client, "quantri")
    _, raw = _issue(client, name="Phần mềm hộ tịch", officer_id=admin.id)
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {raw}"}
    me = client.get("/api/v1/me", headers=headers).json()
    assert me == {"kind": "token", "name": "Phần mềm hộ tịch", "province_code": "25", "commune_code": CHI_TIEN,
                  "roles": []}
    assert [c["code"] for c in client.get("/api/v1/communes", headers=headers).json()] == [CHI_TIEN]
    assert client.get(f"/api/v1/communes/{other_commune(session)}", headers=headers).status_code == 404


def test_a_token_cannot_open_web_pages(client, session):
    admin = _admin(session)
    login(client, "quantri")
    _, raw = _issue(client, name="Cổng tỉnh", officer_id=admin.id)
    client.cookies.clear()
    assert client.get("/communes", headers={"Authorization": f"Bearer {raw}"}).status_code == 403


def test_revoked_and_expired_tokens_are_refused(client, session, clock):
    admin = _admin(session)
    login(client, "quantri")
    _, raw = _issue(client, name="Cổng tỉnh", days_valid="1", officer_id=admin.id)
    _, raw2 = _issue(client, name="Cổng tỉnh 2", officer_id=admin.id)
    token_id = session.scalars(select(ApiToken.id).where(ApiToken.name == "Cổng tỉnh 2")).one()
    client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client, "/admin/tokens")})
    client.cookies.clear()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw2}"}).status_code == 401
    clock.advance(timedelta(days=1, seconds=1))
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 401 and "hết hạn" in refused.json()["error"]["message"]


def test_only_admins_issue_tokens(client, session):
    make_officer(session, username="tiepnhan", roles=(Role.RECEPTION,))
    login(client, "tiepnhan")
    assert client.get("/admin/tokens").status_code == 403
    response = client.post("/admin/tokens", data={"name": "x" * 10, "csrf_token": csrf_token(client, "/home")})
    assert response.status_code == 403


def test_token_form_fields_are_validated(client, session):
    admin = _admin(session)
    login(client, "quantri")
    for fields in ({"name": "ab"}, {"name": "Cổng", "days_valid": "abc"}, {"name": "Cổng", "commune_code": "1"},
                   {"name": "Cổng", "days_valid": "99999"}, {"name": "Cổng", "officer_id": "²"}):
        response, raw = _issue(client, **{"officer_id": admin.id, **fields})
        assert response.status_code == 422 and raw is None, fields
    response, raw = _issue(client, name="Cổng không thay mặt ai")  # no officer: refused, in Vietnamese
    assert response.status_code == 422 and raw is None and "Chọn cán bộ" in response.text
    other = other_commune(session)
    response, raw = _issue(client, name="Cổng xã khác", commune_code=other, officer_id=admin.id)
    assert response.status_code == 422 and raw is None
    assert session.scalars(select(ApiToken)).all() == []


def test_a_garbage_bearer_token_is_a_clear_401(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer " + "z" * 300})
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
