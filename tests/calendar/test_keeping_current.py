"""Issue 3 §5: keeping the calendar current — the page, the API and the CLI record an announcement; open dossiers'
due dates are recomputed in the same transaction; every change is audited; bad input gets a clear error."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from motcua.audit.models import AuditEvent
from motcua.base.roles import Role
from motcua.calendar import to_vietnam_time
from motcua.calendar.models import CalendarAnnouncement
from motcua.cli import app as cli
from motcua.config import get_settings
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.kit.clock import as_utc
from tests.factories import T0, csrf_token, intake_data, login, make_officer, staff


def announce(client, **fields: str):
    data = {"day": "2026-11-25", "kind": "day_off", "scope": "25", "document": "QĐ 1234/QĐ-UBND", "note": "",
            **fields}
    return client.post("/admin/calendar/announcements", data={**data, "csrf_token": csrf_token(client, "/calendar")})


def test_calendar_page_lists_the_year_with_sources(province_admin):
    """Officers see the year's days off and make-up days with the document behind each (CV 12729/VPCP-KGVX)."""
    page = province_admin.get("/calendar", params={"year": 2026})
    assert page.status_code == 200
    assert "10/01/2026" in page.text and "12729" in page.text  # the Saturday worked for the New Year swap
    assert "24/11/2026" in page.text  # Vietnamese Culture Day, from 2026


def test_recording_a_day_off_moves_open_due_dates(province_admin, session, tmp_path):
    """A province day off on Wed 25/11/2026 moves a 3-working-day dossier received Mon 23/11 from Fri 27/11 to
    Mon 30/11, in the same transaction as the record; the change is audited."""
    team = staff(session)
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(),
                              store=FileStore(tmp_path), now=T0).dossier
    session.commit()
    response = announce(province_admin)
    assert response.status_code == 200 and "1 hồ sơ" in response.text
    session.refresh(dossier)
    assert dossier.due_at is not None and to_vietnam_time(as_utc(dossier.due_at)).date() == date(2026, 11, 30)
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "calendar.announcement_recorded")) == 1


def test_a_contradicting_announcement_is_refused_next_to_the_field(province_admin, session):
    """Sat 10/01/2026 is a make-up working day (CV 12729/VPCP-KGVX); announcing it as a day off contradicts it."""
    response = announce(province_admin, day="2026-01-10")
    assert response.status_code == 422 and "10/01/2026" in response.text
    assert session.scalar(select(func.count()).select_from(CalendarAnnouncement)) == 0


def test_a_date_outside_the_supported_years_is_refused(province_admin, session):
    """No answer is given for a year the calendar does not cover: a clear message, never a wrong date."""
    response = announce(province_admin, day="2040-01-02")
    assert response.status_code == 422 and "2035" in response.text


def test_commune_admins_cannot_change_the_calendar(client, session):
    """The calendar is the province's: a commune administrator is refused."""
    make_officer(session, username="xa.qt", roles=(Role.ADMIN,))
    login(client, "xa.qt")
    assert announce(client).status_code == 403


def test_api_records_and_lists_announcements(province_admin, session):
    """POST /api/v1/calendar/announcements (with the session's CSRF header), then /calendar/days shows the day."""
    token = csrf_token(province_admin, "/calendar")
    created = province_admin.post("/api/v1/calendar/announcements", headers={"X-CSRF-Token": token}, json={
        "day": "2026-12-31", "kind": "day_off", "scope": "25", "document": "QĐ 99/QĐ-UBND"})
    assert created.status_code == 201, created.text
    days = province_admin.get("/api/v1/calendar/days", params={"from": "2026-12-30", "to": "2027-01-04"}).json()
    by_day = {d["day"]: d for d in days}
    assert by_day["2026-12-31"]["is_workday"] is False and by_day["2026-12-31"]["document"] == "QĐ 99/QĐ-UBND"
    assert by_day["2027-01-01"]["kind"] == "holiday"
    wrong = province_admin.post("/api/v1/calendar/announcements", headers={"X-CSRF-Token": token}, json={
        "day": "2026-12-31", "kind": "holiday", "scope": "25", "document": "x"})
    assert wrong.status_code == 422 and "kind" in wrong.json()["error"]["fields"]


def test_working_hours_are_validated(province_admin):
    """Working hours are HH:MM-HH:MM intervals in order; anything else is refused with the reason."""
    token = csrf_token(province_admin, "/calendar")
    bad = province_admin.post("/admin/calendar/working-hours", data={"csrf_token": token, "intervals": "7h-11h"})
    assert bad.status_code == 422 and "GG:PP" in bad.text
    good = province_admin.post("/admin/calendar/working-hours",
                               data={"csrf_token": token, "intervals": "07:00-11:30,13:30-17:00"})
    assert good.status_code == 200 and "07:00-11:30,13:30-17:00" in good.text


def test_cli_announce_on_a_real_database(fresh_db, monkeypatch):
    """`motcua calendar announce` records and audits; a bad kind or a contradiction exits 2 with the reason."""
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        ok = runner.invoke(cli, ["calendar", "announce", "--day", "2027-12-31", "--kind", "day_off",
                                 "--document", "TB 1/TB-VPCP", "--scope", "national"])
        assert ok.exit_code == 0, ok.output
        assert "31/12/2027" in ok.output
        bad = runner.invoke(cli, ["calendar", "announce", "--day", "2027-12-31", "--kind", "make_up_workday",
                                  "--document", "TB 2/TB-VPCP"])
        assert bad.exit_code == 2 and "31/12/2027" in bad.output
        typo = runner.invoke(cli, ["calendar", "announce", "--day", "2027-09-06", "--kind", "holiday",
                                   "--document", "TB 3"])
        assert typo.exit_code == 2
        listed = runner.invoke(cli, ["calendar", "list", "--province", "25"])
        assert "TB 1/TB-VPCP" in listed.output
        with Session(fresh_db.engine) as s:
            assert s.scalar(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action == "calendar.announcement_recorded")) == 1
    finally:
        get_settings.cache_clear()
