"""The front desk's first slice (issue 18): tickets numbered per commune, field and day without a gap; priority
groups called first; only today's tickets called; the kiosk's limit; the counter panel's jurisdiction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.kit.errors import Conflict, ValidationFailed
from motcua.org.models import Commune
from motcua.queue import actions
from motcua.queue.actions import NothingWaiting, TicketExpired
from motcua.queue.models import QueueCounter, QueueTicket
from motcua.queue.schemas import CounterIn
from tests.factories import CHI_TIEN, T0, csrf_token, login, make_officer, other_commune, principal_of

#: 23:59 and 00:00 in Hà Nội (UTC+7) on the night from Monday 23 to Tuesday 24 November 2026.
LAST_MINUTE = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def chi_tien(session: Session) -> Commune:
    commune = session.get(Commune, CHI_TIEN)
    assert commune is not None
    return commune


def counter(session: Session, number: int, fields: list[str], commune_code: str = CHI_TIEN) -> QueueCounter:
    commune = session.get(Commune, commune_code)
    assert commune is not None
    return actions.create_counter(session, actor=SYSTEM, commune=commune, now=T0,
                                  data=CounterIn(number=number, fields=fields))


def take(session: Session, field: str, now: datetime = T0, priority: str | None = None, ip: str = "192.0.2.1",
         commune_code: str = CHI_TIEN) -> QueueTicket:
    commune = session.get(Commune, commune_code)
    assert commune is not None
    return actions.issue_ticket(session, commune=commune, field=field, priority_group=priority, ip=ip, now=now)


def test_numbers_run_from_1_per_field_and_vietnam_day_and_restart_at_midnight_in_ha_noi(session):
    """Each field has its own daily sequence, shown as prefix + three digits; the day is Vietnam's date, so the
    sequence goes on at 23:59 in Hà Nội and starts again at 1 at 00:00 (17:00 UTC)."""
    numbers = [take(session, "civil_status").number, take(session, "civil_status").number,
               take(session, "certification").number, take(session, "civil_status", LAST_MINUTE).number,
               take(session, "certification", LAST_MINUTE).number]
    assert numbers == ["HT-001", "HT-002", "CT-001", "HT-003", "CT-002"]
    next_day = [take(session, "civil_status", MIDNIGHT).number, take(session, "land", MIDNIGHT).number,
                take(session, "civil_status", MIDNIGHT + timedelta(hours=3)).number]
    assert next_day == ["HT-001", "DD-001", "HT-002"]
    other = take(session, "civil_status", commune_code=other_commune(session))
    assert other.number == "HT-001"  # another commune's kiosk numbers on its own


def test_a_rolled_back_ticket_gives_its_number_back(session):
    """Gap-free: a ticket whose transaction is rolled back leaves no hole in the day's numbers."""
    take(session, "civil_status")
    session.commit()
    take(session, "civil_status")
    session.rollback()
    assert take(session, "civil_status").number == "HT-002"


def test_priority_groups_are_called_first_then_the_oldest(session):
    """Ưu tiên: a ticket of a priority group is called before older normal ones; otherwise first come first
    served across the counter's fields; a field the counter does not serve is left for another counter."""
    desk = counter(session, 1, ["civil_status", "certification"])
    officer = principal_of(make_officer(session, with_post=False), Role.RECEPTION)
    take(session, "civil_status")                      # HT-001, normal
    take(session, "certification")                     # CT-001, normal
    take(session, "land")                              # DD-001: not this counter's field
    take(session, "civil_status", priority="elderly")  # HT-002, người cao tuổi
    called = []
    for _ in range(3):
        ticket = actions.call_next(session, actor=officer, counter=desk, now=T0)
        called.append((ticket.number, ticket.priority_group))
        actions.finish(session, actor=officer, counter=desk, now=T0)
    assert called == [("HT-002", "elderly"), ("HT-001", None), ("CT-001", None)]
    with pytest.raises(NothingWaiting, match="không còn số nào đang chờ"):
        actions.call_next(session, actor=officer, counter=desk, now=T0)


def test_a_counter_finishes_or_skips_its_ticket_before_calling_the_next(session):
    """One ticket at a time per counter; a skip is a no-show with who and when."""
    desk = counter(session, 1, ["civil_status"])
    officer = principal_of(make_officer(session, with_post=False), Role.RECEPTION)
    take(session, "civil_status")
    take(session, "civil_status")
    first = actions.call_next(session, actor=officer, counter=desk, now=T0)
    with pytest.raises(Conflict, match="Quầy đang phục vụ số HT-001"):
        actions.call_next(session, actor=officer, counter=desk, now=T0)
    recalled = actions.recall(session, actor=officer, counter=desk, now=T0 + timedelta(minutes=1))
    assert recalled.recalls == 1
    skipped = actions.skip(session, actor=officer, counter=desk, now=T0 + timedelta(minutes=2))
    assert (skipped.id, skipped.status, skipped.finished_by_id) == (first.id, "no_show", officer.id)
    assert skipped.finished_at == T0 + timedelta(minutes=2)
    assert actions.call_next(session, actor=officer, counter=desk, now=T0).number == "HT-002"


def test_yesterdays_ticket_is_never_called(session):
    """A ticket is valid on the day it was issued: the next morning it is not called, and a ticket left at a
    counter overnight cannot be called again (only closed)."""
    desk = counter(session, 1, ["civil_status"])
    officer = principal_of(make_officer(session, with_post=False), Role.RECEPTION)
    take(session, "civil_status")
    left = take(session, "civil_status")
    actions.call_next(session, actor=officer, counter=desk, now=T0)
    tomorrow = T0 + timedelta(days=1)
    with pytest.raises(TicketExpired, match="HT-001 được cấp ngày 23/11/2026, không còn hiệu lực hôm nay"):
        actions.recall(session, actor=officer, counter=desk, now=tomorrow)
    assert actions.finish(session, actor=officer, counter=desk, now=tomorrow).status == "done"
    with pytest.raises(NothingWaiting):
        actions.call_next(session, actor=officer, counter=desk, now=tomorrow)
    assert session.get(QueueTicket, left.id).status == "waiting"


def test_counter_numbers_are_unique_in_a_commune(session):
    counter(session, 1, ["civil_status"])
    with pytest.raises(ValidationFailed, match="Quầy số 1 đã có"):
        counter(session, 1, ["land"])
    assert counter(session, 1, ["land"], commune_code=other_commune(session)).number == 1


# ------------------------------------------------------------------------------------------------ pages


KIOSK = f"/quay/{CHI_TIEN}/lay-so"


def test_the_kiosk_gives_a_number_with_the_queue_ahead_of_it(client, session):
    """The public kiosk: the ticket shows its number, field, priority, time (Hà Nội) and who is ahead."""
    page = client.get(KIOSK)
    assert page.status_code == 200
    assert 'value="social_protection">Bảo trợ xã hội</button>' in page.text
    token = csrf_token(client, KIOSK)
    first = client.post(KIOSK, data={"csrf_token": token, "field": "civil_status"})
    assert first.status_code == 200
    assert "HT-001" in first.text and "Hộ tịch" in first.text and "Bạn là người tiếp theo." in first.text
    assert "10:00 23/11/2026" in first.text
    second = client.post(KIOSK, data={"csrf_token": token, "field": "civil_status", "priority_group": "pregnant"})
    assert "HT-002" in second.text and "Phụ nữ mang thai" in second.text and "Bạn là người tiếp theo." in second.text
    third = client.post(KIOSK, data={"csrf_token": token, "field": "civil_status"})
    assert "Số người đang chờ trước bạn: <strong>2</strong>" in third.text
    unknown = client.post(KIOSK, data={"csrf_token": token, "field": "tax"})
    assert unknown.status_code == 422 and "Vui lòng chọn lĩnh vực" in unknown.text
    assert client.get("/quay/99999/lay-so").status_code == 404


def test_the_kiosk_refuses_the_eleventh_ticket_in_a_minute_from_one_address(client, session, clock):
    """Kiosk spamming: 10 tickets a minute per commune and address, then a Vietnamese message (429)."""
    token = csrf_token(client, KIOSK)
    for _ in range(10):
        assert client.post(KIOSK, data={"csrf_token": token, "field": "land"}).status_code == 200
    refused = client.post(KIOSK, data={"csrf_token": token, "field": "land"})
    assert refused.status_code == 429
    assert "Máy lấy số đã cấp nhiều số trong một phút. Vui lòng chờ một lát rồi lấy số lại" in refused.text
    assert session.scalar(select(QueueTicket.number).order_by(QueueTicket.id.desc()).limit(1)) == "DD-010"
    clock.advance(timedelta(minutes=1))
    assert "DD-011" in client.post(KIOSK, data={"csrf_token": token, "field": "land"}).text


def test_the_counter_panel_calls_for_its_own_officers_and_is_404_for_another_commune(client, session):
    """House rule 7: another commune's officer gets 404 for the panel and its commands, and nothing changes."""
    desk = counter(session, 2, ["civil_status"])
    ticket = take(session, "civil_status")
    make_officer(session, username="quay.chitien", roles=(Role.RECEPTION,))
    make_officer(session, commune_code=other_commune(session), username="quay.khac", roles=(Role.RECEPTION,
                                                                                              Role.ADMIN))
    session.commit()
    panel = f"/quay/{CHI_TIEN}/quay-so/{desk.id}"
    login(client, "quay.khac")
    token = csrf_token(client, "/home")
    assert client.get(panel).status_code == 404
    assert client.post(panel, data={"csrf_token": token, "lenh": "call"}).status_code == 404
    assert client.get(f"/quay/{CHI_TIEN}/quay").status_code == 404
    session.refresh(ticket)
    assert ticket.status == "waiting"
    client.cookies.clear()
    login(client, "quay.chitien")
    token = csrf_token(client, panel)
    assert client.post(panel, data={"csrf_token": token, "lenh": "seat"}).status_code == 200
    called = client.post(panel, data={"csrf_token": token, "lenh": "call"})
    assert called.status_code == 200 and "Đã gọi số HT-001." in called.text
    empty = client.post(panel, data={"csrf_token": token, "lenh": "done"})
    assert "Đã hoàn thành số HT-001." in empty.text
    nothing = client.post(panel, data={"csrf_token": token, "lenh": "call"})
    assert nothing.status_code == 422 and "Hiện không còn số nào đang chờ" in nothing.text


def test_a_commune_administrator_adds_a_counter_with_its_fields(client, session):
    make_officer(session, username="quantri.chitien", roles=(Role.ADMIN,))
    make_officer(session, username="tiepnhan.chitien", roles=(Role.RECEPTION,))
    page = f"/quay/{CHI_TIEN}/quay"
    login(client, "quantri.chitien")
    token = csrf_token(client, page)
    added = client.post(page, data={"csrf_token": token, "number": "3", "name": "Một cửa",
                                    "fields": ["land", "civil_status"]})
    assert added.status_code == 200 and "Đã thêm quầy số 3." in added.text
    row = session.scalars(select(QueueCounter).where(QueueCounter.commune_code == CHI_TIEN)).one()
    assert row.field_codes == ["civil_status", "land"]
    again = client.post(page, data={"csrf_token": token, "number": "3", "fields": ["land"]})
    assert again.status_code == 422 and "Quầy số 3 đã có" in again.text
    no_field = client.post(page, data={"csrf_token": token, "number": "4"})
    assert no_field.status_code == 422
    client.cookies.clear()
    login(client, "tiepnhan.chitien")
    assert client.post(page, data={"csrf_token": csrf_token(client, page), "number": "5",
                                   "fields": ["land"]}).status_code == 403
