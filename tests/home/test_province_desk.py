"""The province officer's home page: what a province monitor follows each day (today's intake, the dossiers past
their appointment by commune, the communes with no dossier for 7 days, the index at a glance) and an activity feed
in words, never raw audit codes such as "auth.login · officer 1"."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from motcua.base.roles import Role
from motcua.dossier.actions import receive_dossier
from motcua.index.tasks import fold
from motcua.org.models import Commune
from tests.factories import CHI_TIEN, T0, intake_data, login, make_officer, other_commune, staff


def _value(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, element_id
    return match.group(1).strip()


def test_the_province_monitor_sees_the_day_of_the_province_in_words(client, session, store) -> None:
    team = staff(session)
    elsewhere = other_commune(session)
    far = staff(session, elsewhere)
    # Two dossiers at Chí Tiên's counter this morning (T0 is Monday 23/11/2026, 10:00), one at the other commune
    # a month ago: its appointment (a few working days) has long passed and it is still open — overdue.
    for minutes in (0, 30):
        receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                        now=T0 - timedelta(minutes=minutes))
    receive_dossier(session, actor=far["reception"], data=intake_data(), uploads=(), store=store,
                    now=T0 - timedelta(days=30))
    while fold(session, T0).pending_left:
        pass
    session.commit()
    make_officer(session, username="tinh.theodoi", commune_code=None, roles=(Role.PROVINCE_MONITOR,),
                 full_name="Hà Thị Theo")
    login(client, "tinh.theodoi")
    html = client.get("/home").text
    assert _value(html, "desk-today") == "2" and _value(html, "desk-week") == "2"
    assert _value(html, "desk-overdue") == "1"
    communes = session.scalar(select(func.count()).select_from(Commune).where(Commune.province_code == "25"))
    assert _value(html, "desk-quiet") == str(communes - 1)  # every commune but Chí Tiên received nothing this week
    table = html[html.index('id="desk-most-overdue"'):]
    assert f'/index/communes/{elsewhere}"' in table[:table.index("</table>")]
    # The index at a glance: October, the last month that is over, ranks the one commune that had a dossier in it.
    glance = html[html.index('id="h-glance"'):]
    assert "Tháng 10/2026" in glance[:200] and "1 xã, phường được xếp hạng" in glance
    assert f'/index/communes/{elsewhere}?period=2026-10"' in glance
    # The activity feed speaks Vietnamese: the monitor's own login, not "auth.login".
    feed = html[html.index('id="h-events"'):]
    assert "Đăng nhập" in feed and "auth.login" not in feed and "officer " not in feed


def test_a_commune_officer_has_no_province_desk(client, session) -> None:
    make_officer(session, username="xa.giamdoc", commune_code=CHI_TIEN, roles=(Role.CENTRE_DIRECTOR,))
    login(client, "xa.giamdoc")
    assert 'id="h-desk"' not in client.get("/home").text


def test_communes_tied_are_shown_tied_on_the_ranking(client, session, store) -> None:
    """Issue 16 (13): two communes with the same share of the attainable points share a place ("1, 1"), and the
    page says they are tied rather than showing each as "1/2" as if it led alone."""
    communes = [CHI_TIEN, other_commune(session)]
    for code in communes:  # one dossier each, received the same hour of October and still open: the same score
        receive_dossier(session, actor=staff(session, code)["reception"], data=intake_data(), uploads=(),
                        store=store, now=T0 - timedelta(days=30))
    while fold(session, T0).pending_left:
        pass
    session.commit()
    make_officer(session, username="tinh.xephang", commune_code=None, roles=(Role.PROVINCE_MONITOR,))
    login(client, "tinh.xephang")
    html = client.get("/index", params={"period": "2026-10"}).text
    for code in communes:
        row = html[html.index(f'data-commune="{code}"'):]
        cell = row[:row.index("</td>")]
        assert 'data-tied="true"' in cell and re.sub(r"<[^>]+>", "", cell.split(">", 1)[1]).strip() == "=1/2"
