"""The same announcement recorded twice is the calendar's "already recorded" error (issue 13, finding 19).

The unique constraint on (day, scope) decides (house rule 4); its IntegrityError was a 500. Now the page, the API and
the CLI answer "Ngày … đã được thông báo theo …; không ghi trùng." (422 / exit 2) and nothing is written twice
(house rule 6: bad input is never a 500; OWASP ASVS 4.0 V7.4.1: a generic, handled error).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from motcua.audit.models import AuditEvent
from motcua.base.roles import Role
from motcua.calendar.models import CalendarAnnouncement
from motcua.cli import app as cli
from motcua.config import get_settings
from tests.calendar.test_keeping_current import announce
from tests.factories import csrf_token, login, make_officer

ALREADY = "đã được thông báo theo QĐ 1234/QĐ-UBND; không ghi trùng"


def recorded(session: Session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(CalendarAnnouncement)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "calendar.announcement_recorded")) or 0)


def test_finding_19_same_announcement_twice_on_the_page(province_admin, session):
    """The second identical POST /admin/calendar/announcements is a 422 next to the day, not a 500."""
    assert announce(province_admin).status_code == 200
    before = recorded(session)
    again = announce(province_admin)
    assert again.status_code == 422
    assert "25/11/2026 " + ALREADY in again.text
    session.expire_all()
    assert recorded(session) == before == (1, 1)


def test_finding_19_same_announcement_twice_through_the_api(province_admin, session):
    token = csrf_token(province_admin, "/calendar")
    body = {"day": "2026-11-25", "kind": "day_off", "scope": "25", "document": "QĐ 1234/QĐ-UBND"}
    first = province_admin.post("/api/v1/calendar/announcements", headers={"X-CSRF-Token": token}, json=body)
    assert first.status_code == 201, first.text
    again = province_admin.post("/api/v1/calendar/announcements", headers={"X-CSRF-Token": token}, json=body)
    assert again.status_code == 422
    assert ALREADY in again.json()["error"]["message"] and "day" in again.json()["error"]["fields"]
    session.expire_all()
    assert recorded(session) == (1, 1)


def test_finding_19_same_announcement_twice_from_the_cli(fresh_db, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    get_settings.cache_clear()
    try:
        args = ["calendar", "announce", "--day", "2027-12-31", "--kind", "day_off", "--document", "TB 1/TB-VPCP"]
        runner = CliRunner()
        assert runner.invoke(cli, args).exit_code == 0
        again = runner.invoke(cli, args)
        assert again.exit_code == 2, again.output
        assert "không ghi trùng" in again.output
        assert again.exception is None or isinstance(again.exception, SystemExit)  # no IntegrityError
        with Session(fresh_db.engine) as s:
            assert recorded(s) == (1, 1)
    finally:
        get_settings.cache_clear()


def test_a_commune_administrator_is_refused_before_the_form_is_read(client, session):
    """Only the province's administrators keep the calendar (docs/legal.md §4): a commune administrator's POST —
    even an invalid one — is a 403, never a 422 form page, and writes nothing; so are the working hours."""
    make_officer(session, username="chitien.qt", roles=(Role.ADMIN,))
    login(client, "chitien.qt")
    token = csrf_token(client, "/calendar")
    bad = client.post("/admin/calendar/announcements", data={"csrf_token": token, "day": "", "kind": "x"})
    assert bad.status_code == 403 and "quản trị viên cấp tỉnh" in bad.text
    good = client.post("/admin/calendar/announcements", data={
        "csrf_token": token, "day": "2026-11-25", "kind": "day_off", "scope": "25", "document": "QĐ 1/QĐ-UBND"})
    assert good.status_code == 403
    hours = client.post("/admin/calendar/working-hours", data={"csrf_token": token, "intervals": "07:30-11:30"})
    assert hours.status_code == 403
    session.expire_all()
    assert recorded(session) == (0, 0)
