"""Bad input never becomes a 500 (house rule 6): a NUL character, which PostgreSQL text cannot store, is refused
with a clear 422 on both backends."""

from __future__ import annotations

from motcua.base.roles import Role
from tests.factories import login, make_officer


def test_nul_in_a_search_is_a_clear_422_not_a_500(client, session):
    make_officer(session, username="tim.kiem", roles=(Role.RECEPTION,))
    login(client, "tim.kiem")
    response = client.get("/api/v1/procedures", params={"q": "khai\x00sinh"})
    assert response.status_code in (200, 422), response.text  # SQLite stores NUL; PostgreSQL refuses it
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "validation_failed"
    page = client.get("/dossiers", params={"q": "dang\x00van"})
    assert page.status_code in (200, 422)
    assert "Hệ thống gặp sự cố" not in page.text
