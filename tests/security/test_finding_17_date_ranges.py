"""Date ranges in query strings are checked before any arithmetic (issue 13, finding 17).

``GET /register.xlsx?to=0001-01-01`` and ``?from=9999-12-01&to=9999-12-31`` were 500s (OverflowError: a date minus
30 days, or plus one day, outside year 1…9999). Every ``from``/``to`` route goes through ``kit.dates.date_range``:
sane years, from ≤ to, a bounded span, else a 422 in Vietnamese (OWASP ASVS 4.0 V5.1.4; house rule 6).
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.roles import Role
from motcua.kit.dates import EARLIEST, date_range
from motcua.kit.errors import ValidationFailed
from tests.factories import login, make_officer

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("params", [
    {"to": "0001-01-01"},
    {"from": "9999-12-01", "to": "9999-12-31"},
    {"from": "0001-01-01"},
    {"from": "2026-11-30", "to": "2026-11-01"},
    {"from": "2020-01-01", "to": "2026-11-01"},
])
def test_finding_17_register_export_refuses_bad_ranges(client: TestClient, session: Session,
                                                      params: dict[str, str]) -> None:
    """The exact requests of the issue (and their kin) are a 422 with a Vietnamese message, and nothing is read."""
    make_officer(session, username="quay.ngay", roles=(Role.RECEPTION,))
    login(client, "quay.ngay")
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/register.xlsx", params=params, headers={"Accept": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert "Khoảng thời gian không hợp lệ" in response.text
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_finding_17_register_export_still_answers_a_sane_range(client: TestClient, session: Session) -> None:
    make_officer(session, username="quay.ngay2", roles=(Role.RECEPTION,))
    login(client, "quay.ngay2")
    assert client.get("/register.xlsx", params={"from": "2026-11-01", "to": "2026-11-30"}).status_code == 200
    assert client.get("/register.xlsx").status_code == 200


def test_finding_17_calendar_days_api_refuses_the_ends_of_time(client: TestClient, session: Session) -> None:
    make_officer(session, username="quay.ngay3", roles=(Role.RECEPTION,))
    login(client, "quay.ngay3")
    for params in ({"from": "0001-01-01", "to": "0001-01-31"}, {"from": "9999-12-01", "to": "9999-12-31"},
                   {"from": "2026-12-01", "to": "2026-11-01"}):
        response = client.get("/api/v1/calendar/days", params=params)
        assert response.status_code == 422 and "Khoảng thời gian không hợp lệ" in response.json()["error"]["message"]


def test_finding_17_date_range_helper() -> None:
    """Defaults, the bounds of years, order and span; never an OverflowError."""
    assert date_range(None, None, today=TODAY) == (date(2026, 10, 24), TODAY)
    assert date_range(None, EARLIEST, today=TODAY) == (EARLIEST, EARLIEST)
    for first, last in ((None, date.min), (date.max, date.max), (date.min, None), (TODAY, date(2026, 1, 1)),
                        (date(2025, 1, 1), TODAY)):
        with pytest.raises(ValidationFailed, match="Khoảng thời gian không hợp lệ"):
            date_range(first, last, today=TODAY)
