"""JSON nested beyond a few levels is refused before any parser recurses (issue 13, finding 18).

A catalogue import nested 50,000 levels deep was a RecursionError, a 500. The upload (``POST /admin/catalogue``)
and the JSON API (every ``application/json`` body, ``POST /api/v1/catalogue`` among them) now answer a 422 in
Vietnamese and change nothing (OWASP ASVS 4.0 V5.1.4 and V13.1.1; house rule 6).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.catalog.exchange import CatalogueImportError, from_json
from motcua.catalog.models import ProcedureVersion
from motcua.kit.jsonsafe import MAX_JSON_DEPTH, JsonTooDeep, json_depth, loads
from tests.factories import csrf_token, login, make_officer

DEEP = b'{"version": 1, "procedures": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
TOO_DEEP = "lồng nhau quá sâu"


def versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProcedureVersion)) or 0


@pytest.fixture
def province_admin(client: TestClient, session: Session) -> TestClient:
    make_officer(session, username="tinh.json", commune_code=None, roles=(Role.ADMIN,), with_post=False)
    login(client, "tinh.json")
    return client


def test_finding_18_deep_catalogue_upload_is_a_422(province_admin: TestClient, session: Session) -> None:
    before = versions(session)
    response = province_admin.post("/admin/catalogue", data={"csrf_token": csrf_token(province_admin, "/procedures")},
                                   files={"file": ("sau.json", DEEP, "application/json")})
    assert response.status_code == 422
    assert TOO_DEEP in response.text
    assert versions(session) == before


def test_finding_18_deep_json_body_on_the_api_is_a_422(province_admin: TestClient, session: Session) -> None:
    before = versions(session)
    token = csrf_token(province_admin, "/procedures")
    response = province_admin.post("/api/v1/catalogue", content=DEEP,
                                   headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert response.status_code == 422
    assert TOO_DEEP in response.json()["error"]["message"]
    assert versions(session) == before
    shallow = province_admin.post("/api/v1/catalogue", content=b'{"version": 1, "procedures": []}',
                                  headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert shallow.status_code == 200, shallow.text  # an ordinary body reaches the route
    assert shallow.json() == {"created": 0, "versioned": 0, "unchanged": 0, "amended": 0}


def test_finding_18_depth_scan() -> None:
    """Brackets inside strings and escaped quotes do not count; the scan stops past the limit."""
    assert json_depth(b'{"a": [1, {"b": "[[[\\"[[{"}]}') == 3
    assert json_depth(b'"\\\\"[[]]') == 2
    assert json_depth(b"[" * 50_000) == MAX_JSON_DEPTH + 1
    assert loads(b'\xef\xbb\xbf{"a": [1]}') == {"a": [1]}
    with pytest.raises(JsonTooDeep):
        loads(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(CatalogueImportError, match=TOO_DEEP):
        from_json(DEEP)
