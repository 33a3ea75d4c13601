"""The officers' side of the front desk (issue 18, "Services and counters" and "Calling"): an officer at one counter
a day and a counter to one officer, moving counters; pause; transfer of a called ticket to another counter or field;
the dossier received from a ticket, with its waiting and service time on the dossier's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from motcua.audit.models import AuditEvent
from motcua.base.roles import Role
from motcua.dossier.models import Dossier
from motcua.kit.errors import Conflict, ValidationFailed
from motcua.queue import actions, desk
from motcua.queue.actions import CounterPaused
from motcua.queue.models import QueueSeat, QueueTicket, QueueTransfer
from tests.dossier.test_counter_intake import MARRIAGE, form, post
from tests.factories import CHI_TIEN, T0, csrf_token, login, make_officer, other_commune, principal_of
from tests.queue.test_tickets import counter, take

#: The two mandatory papers of a marriage registration (``MARRIAGE``): the dossier is complete and received.
PAPERS = {"to_khai": ("original", 1), "giay_to_tuy_than": ("original", 1)}


def officer(session, name: str = "Nguyễn Thị Hoa", commune_code: str = CHI_TIEN):
    return principal_of(make_officer(session, with_post=False, full_name=name, commune_code=commune_code),
                        Role.RECEPTION)


def audited(session, action: str) -> int:
    return len(session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


# ------------------------------------------------------------------------------------------------ seats


def test_one_officer_at_one_counter_and_one_counter_to_one_officer_per_day(session):
    """Nhận quầy: a counter taken today is refused to a second officer (who is named); an officer moving to another
    counter leaves the first one free; tomorrow every counter is free again. Each move is audited."""
    one, two = counter(session, 1, ["civil_status"]), counter(session, 2, ["land"])
    hoa, nam = officer(session, "Nguyễn Thị Hoa"), officer(session, "Trần Văn Nam")
    desk.take_seat(session, actor=hoa, counter=one, now=T0)
    with pytest.raises(Conflict, match="Quầy số 1 đã có cán bộ Nguyễn Thị Hoa nhận hôm nay"):
        desk.take_seat(session, actor=nam, counter=one, now=T0)
    desk.take_seat(session, actor=hoa, counter=two, now=T0)  # Hoa moves to counter 2
    desk.take_seat(session, actor=nam, counter=one, now=T0)
    assert desk.seats_today(session, CHI_TIEN, T0) == {one.id: "Trần Văn Nam", two.id: "Nguyễn Thị Hoa"}
    assert audited(session, "queue.seat_taken") == 3
    tomorrow = T0 + timedelta(days=1)
    assert desk.seats_today(session, CHI_TIEN, tomorrow) == {}
    desk.take_seat(session, actor=hoa, counter=one, now=tomorrow)  # yesterday's seat of Nam holds nothing
    assert len(session.scalars(select(QueueSeat)).all()) == 3


def test_an_officer_serving_a_ticket_cannot_move_or_leave(session):
    one, two = counter(session, 1, ["civil_status"]), counter(session, 2, ["land"])
    hoa = officer(session)
    desk.take_seat(session, actor=hoa, counter=one, now=T0)
    take(session, "civil_status")
    actions.call_next(session, actor=hoa, counter=one, now=T0)
    with pytest.raises(Conflict, match="Quầy số 1 đang phục vụ một số"):
        desk.take_seat(session, actor=hoa, counter=two, now=T0)
    with pytest.raises(Conflict, match="Quầy số 1 đang phục vụ một số"):
        desk.leave_seat(session, actor=hoa, counter=one, now=T0)
    actions.finish(session, actor=hoa, counter=one, now=T0)
    desk.leave_seat(session, actor=hoa, counter=one, now=T0)
    assert desk.seat_of(session, one, T0) is None and audited(session, "queue.seat_left") == 1


# ------------------------------------------------------------------------------------------------ pause


def test_a_paused_counter_calls_nothing_until_resumed(session):
    one = counter(session, 1, ["civil_status"])
    hoa = officer(session)
    take(session, "civil_status")
    desk.pause(session, actor=hoa, counter=one, now=T0)
    with pytest.raises(CounterPaused, match="Quầy số 1 đang tạm dừng"):
        actions.call_next(session, actor=hoa, counter=one, now=T0)
    with pytest.raises(Conflict, match="đã tạm dừng"):
        desk.pause(session, actor=hoa, counter=one, now=T0)
    desk.resume(session, actor=hoa, counter=one, now=T0)
    assert actions.call_next(session, actor=hoa, counter=one, now=T0).number == "HT-001"
    assert (audited(session, "queue.paused"), audited(session, "queue.resumed")) == (1, 1)


# ------------------------------------------------------------------------------------------------ transfer


def test_a_transferred_ticket_waits_first_at_the_counter_it_was_sent_to_and_only_there(session):
    """Chuyển quầy: the ticket is waiting again, before older and priority tickets of the receiving counter, and
    no other counter of its field calls it; the transfer is recorded (from, to, by whom, when) and audited."""
    one, two, three = (counter(session, 1, ["civil_status"]), counter(session, 2, ["land"]),
                       counter(session, 3, ["civil_status"]))
    hoa, nam = officer(session), officer(session, "Trần Văn Nam")
    sent = take(session, "civil_status")
    take(session, "civil_status")
    take(session, "land", priority="elderly")
    actions.call_next(session, actor=hoa, counter=one, now=T0)
    later = T0 + timedelta(minutes=5)
    moved = desk.transfer(session, actor=hoa, counter=one, now=later, to_counter_id=two.id)
    assert (moved.id, moved.status, moved.counter_id, moved.target_counter_id) == (sent.id, "waiting", None, two.id)
    assert actions.call_next(session, actor=nam, counter=three, now=later).number == "HT-002"  # not HT-001
    assert actions.call_next(session, actor=nam, counter=two, now=later).id == sent.id  # before the priority DD-001
    row = session.scalars(select(QueueTransfer)).one()
    assert (row.from_counter_id, row.to_counter_id, row.from_field, row.to_field, row.by_id, row.at) == (
        one.id, two.id, "civil_status", "civil_status", hoa.officer_id, later)
    assert audited(session, "queue.transferred") == 1


def test_a_ticket_transferred_to_another_field_is_first_in_that_fields_queue(session):
    one, land = counter(session, 1, ["civil_status"]), counter(session, 2, ["land", "business"])
    hoa = officer(session)
    sent = take(session, "civil_status")
    take(session, "land", priority="merit")
    actions.call_next(session, actor=hoa, counter=one, now=T0)
    desk.transfer(session, actor=hoa, counter=one, now=T0, to_field="land")
    called = actions.call_next(session, actor=hoa, counter=land, now=T0)
    assert (called.id, called.target_field, called.number) == (sent.id, "land", "HT-001")  # its number is kept
    assert take(session, "civil_status").number == "HT-002"  # and the civil status numbering goes on


def test_a_transfer_to_another_communes_counter_or_nowhere_is_refused(session):
    one = counter(session, 1, ["civil_status"])
    elsewhere = counter(session, 1, ["civil_status"], commune_code=other_commune(session))
    hoa = officer(session)
    ticket = take(session, "civil_status")
    actions.call_next(session, actor=hoa, counter=one, now=T0)
    with pytest.raises(ValidationFailed, match="Quầy nhận chuyển không có trong trung tâm của xã"):
        desk.transfer(session, actor=hoa, counter=one, now=T0, to_counter_id=elsewhere.id)
    with pytest.raises(ValidationFailed, match="chọn quầy khác"):
        desk.transfer(session, actor=hoa, counter=one, now=T0, to_counter_id=one.id)
    with pytest.raises(ValidationFailed, match="Vui lòng chọn một quầy hoặc một lĩnh vực"):
        desk.transfer(session, actor=hoa, counter=one, now=T0)
    with pytest.raises(ValidationFailed, match="Lĩnh vực không có trong danh mục"):
        desk.transfer(session, actor=hoa, counter=one, now=T0, to_field="tax")
    session.refresh(ticket)
    assert (ticket.status, ticket.counter_id) == ("called", one.id)


# ------------------------------------------------------------------------------------------------ the dossier


def test_only_a_ticket_of_the_commune_called_today_and_not_yet_linked_can_be_received_from(session):
    one = counter(session, 1, ["civil_status"])
    hoa = officer(session)
    waiting = take(session, "civil_status")
    with pytest.raises(ValidationFailed, match="HT-001 không đang được phục vụ"):
        desk.check_intake_ticket(session, hoa, waiting.id, T0)
    actions.call_next(session, actor=hoa, counter=one, now=T0)
    assert desk.check_intake_ticket(session, hoa, waiting.id, T0).number == "HT-001"
    with pytest.raises(ValidationFailed, match="HT-001 được cấp ngày 23/11/2026, không còn hiệu lực hôm nay"):
        desk.check_intake_ticket(session, hoa, waiting.id, T0 + timedelta(days=1))
    stranger = officer(session, commune_code=other_commune(session))
    with pytest.raises(ValidationFailed, match="Không tìm thấy số thứ tự này"):
        desk.check_intake_ticket(session, stranger, waiting.id, T0)
    with pytest.raises(ValidationFailed, match="Không tìm thấy số thứ tự này"):
        desk.check_intake_ticket(session, hoa, 10**6, T0)


# ------------------------------------------------------------------------------------------------ pages


@pytest.fixture
def panel(client, session):
    """Counter 1 of Chí Tiên with its reception officer logged in; counter 2 with the land field."""
    one, two = counter(session, 1, ["civil_status"]), counter(session, 2, ["land"])
    make_officer(session, username="quay1", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    session.commit()
    login(client, "quay1")
    url = f"/quay/{CHI_TIEN}/quay-so/{one.id}"
    return {"url": url, "token": csrf_token(client, url), "one": one, "two": two}


def test_the_panel_asks_to_take_the_counter_and_while_serving_offers_intake_not_call(client, session, panel, clock):
    """Only the officer at the counter calls there; while a ticket is served the primary actions are the intake and
    "Hoàn thành", and the page says why "Gọi số tiếp theo" is not offered."""
    url, token = panel["url"], panel["token"]
    take(session, "civil_status")
    session.commit()
    refused = client.post(url, data={"csrf_token": token, "lenh": "call"})
    assert refused.status_code == 409 and "Vui lòng bấm “Nhận quầy” trước" in refused.text
    assert 'value="seat">Nhận quầy</button>' in client.get(url).text
    seated = client.post(url, data={"csrf_token": token, "lenh": "seat"})
    assert "Bạn đã nhận quầy số 1 hôm nay." in seated.text and 'value="call"' in seated.text
    called = client.post(url, data={"csrf_token": token, "lenh": "call"})
    ticket = session.scalars(select(QueueTicket)).one()
    assert "Đã gọi số HT-001." in called.text
    assert 'value="call"' not in called.text
    assert f'href="/dossiers/new?ticket={ticket.id}">Tiếp nhận hồ sơ</a>' in called.text
    assert "bấm “Hoàn thành”, “Bỏ qua” hoặc “Chuyển” trước khi gọi số tiếp theo." in called.text
    moved = client.post(url, data={"csrf_token": token, "lenh": "transfer", "den_quay": "abc"})
    assert moved.status_code == 422
    finished = client.post(url, data={"csrf_token": token, "lenh": "done"})
    assert "Đã hoàn thành số HT-001." in finished.text
    take(session, "civil_status")
    session.commit()
    assert "tạm dừng gọi số" in client.post(url, data={"csrf_token": token, "lenh": "pause"}).text
    paused = client.post(url, data={"csrf_token": token, "lenh": "call"})
    assert paused.status_code == 409 and "Quầy số 1 đang tạm dừng" in paused.text
    assert "Quầy đang tạm dừng: bấm “Tiếp tục” để gọi số." in client.get(url).text
    assert client.post(url, data={"csrf_token": token, "lenh": "bogus"}).status_code == 422


def test_a_panel_transfer_to_another_communes_counter_is_refused(client, session, panel):
    url, token = panel["url"], panel["token"]
    elsewhere = counter(session, 5, ["civil_status"], commune_code=other_commune(session))
    take(session, "civil_status")
    session.commit()
    client.post(url, data={"csrf_token": token, "lenh": "seat"})
    client.post(url, data={"csrf_token": token, "lenh": "call"})
    refused = client.post(url, data={"csrf_token": token, "lenh": "transfer", "den_quay": str(elsewhere.id)})
    assert refused.status_code == 422 and "Quầy nhận chuyển không có trong trung tâm của xã" in refused.text
    sent = client.post(url, data={"csrf_token": token, "lenh": "transfer", "den_quay": str(panel["two"].id)})
    assert sent.status_code == 200 and "Đã chuyển số HT-001." in sent.text
    counters = client.get(f"/quay/{CHI_TIEN}/quay").text
    assert "Nguyễn Thị Hoa" in counters and "Chưa có cán bộ" in counters


def test_a_dossier_received_from_a_ticket_shows_its_waiting_and_service_time(client, session, panel, clock):
    """Issue 18, "Calling": the ticket links to the dossier received from it (once), so the dossier's page shows
    the waiting time (called − taken) and the service time (received − called while the ticket is open)."""
    url, token = panel["url"], panel["token"]
    ticket = take(session, "civil_status", now=T0)
    session.commit()
    clock.advance(timedelta(minutes=12, seconds=30))
    client.post(url, data={"csrf_token": token, "lenh": "seat"})
    client.post(url, data={"csrf_token": token, "lenh": "call"})
    page = client.get(f"/dossiers/new?ticket={ticket.id}")
    assert f'name="ticket" value="{ticket.id}"' in page.text and "Tiếp nhận từ số thứ tự" in page.text
    clock.advance(timedelta(minutes=7))
    received = post(client, form(MARRIAGE, PAPERS, ticket=str(ticket.id)))
    assert received.status_code == 303, received.text
    session.refresh(ticket)
    dossier = session.scalars(select(Dossier)).one()
    assert ticket.dossier_id == dossier.id
    shown = client.get(received.headers["location"]).text
    assert '<dd id="queue-waited">12 phút 30 giây</dd>' in shown
    assert '<dd id="queue-served">7 phút 0 giây</dd>' in shown
    again = post(client, form(MARRIAGE, PAPERS, ticket=str(ticket.id)))
    assert again.status_code == 422 and "Số HT-001 đã được gắn với một hồ sơ khác." in again.text
    assert len(session.scalars(select(Dossier)).all()) == 1  # the refused intake left nothing
    assert audited(session, "queue.dossier_linked") == 1


def test_a_ticket_of_yesterday_cannot_be_linked_to_a_dossier(client, session, panel, clock):
    url, token = panel["url"], panel["token"]
    ticket = take(session, "civil_status", now=T0)
    session.commit()
    client.post(url, data={"csrf_token": token, "lenh": "seat"})
    client.post(url, data={"csrf_token": token, "lenh": "call"})
    clock.advance(timedelta(days=1))
    login(client, "quay1")  # the session of yesterday has timed out
    page = client.get(f"/dossiers/new?ticket={ticket.id}")
    assert "không còn hiệu lực hôm nay nên không gắn được với hồ sơ" in page.text and 'name="ticket"' not in page.text
    refused = post(client, form(MARRIAGE, PAPERS, ticket=str(ticket.id)))
    assert refused.status_code == 422 and "không còn hiệu lực hôm nay" in refused.text
    assert session.scalars(select(Dossier)).all() == []
