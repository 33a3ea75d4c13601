"""The pages of the front desk's second slice: the opening hours page and its gates, the kiosk closed outside hours
and its check-in box, the citizen's booking pages (prefilled when signed in), the ticket from the portal with the
per-phone limit, and the SMS gateway's webhook driven by the SMS simulator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from motcua.base.roles import Role
from motcua.integrations.simulators import SmsSimulator
from motcua.notify.models import NoticeKind, NotificationOutbox
from motcua.queue.booking_models import QueueBooking, QueueOpeningHours
from tests.factories import CHI_TIEN, csrf_token, login, make_officer, other_commune
from tests.portal.test_portal import sign_in

HOURS = f"/quay/{CHI_TIEN}/gio-mo-cua"
PROVINCE_HOURS = "/quay/tinh/gio-mo-cua"
KIOSK = f"/quay/{CHI_TIEN}/lay-so"
WEEK = {**{f"open_{i}": "1" for i in range(5)}, **{f"am_start_{i}": "07:30" for i in range(6)},
        **{f"am_end_{i}": "11:30" for i in range(6)}, **{f"pm_start_{i}": "13:30" for i in range(5)},
        **{f"pm_end_{i}": "17:00" for i in range(5)}, "open_5": "1"}


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/home"), **data})


# ------------------------------------------------------------------------------------------------ opening hours


def test_the_hours_page_gates_follow_the_calendars_working_hours_page(client, session):
    """The commune's administrator sets its own week (Saturday morning here); a reception officer sees it (403 on
    save); the province administrator sets the default (403 on a commune's own week); a commune administrator may
    not set the province's default (403); an officer of another province gets 404."""
    make_officer(session, username="qt.chitien", roles=(Role.ADMIN,))
    make_officer(session, username="tn.chitien", roles=(Role.RECEPTION,))
    make_officer(session, commune_code=None, username="qt.tinh", roles=(Role.ADMIN,))
    make_officer(session, commune_code=other_commune(session, "01", ""), province_code="01", username="qt.hanoi",
                 roles=(Role.ADMIN,))
    make_officer(session, commune_code=other_commune(session), username="qt.xakhac", roles=(Role.ADMIN,))

    login(client, "qt.chitien")
    saved = _post(client, HOURS, {"lenh": "save", **WEEK})
    assert saved.status_code == 200 and "Đã lưu giờ mở cửa riêng của xã." in saved.text
    assert session.scalar(select(QueueOpeningHours.intervals).where(QueueOpeningHours.scope == CHI_TIEN,
                                                                    QueueOpeningHours.weekday == 5)) == "07:30-11:30"
    bad = _post(client, HOURS, {"lenh": "save", **WEEK, "pm_start_1": "11:00"})
    assert bad.status_code == 422 and "Thứ Ba: buổi chiều phải bắt đầu sau khi buổi sáng kết thúc." in bad.text
    wrong = _post(client, HOURS, {"lenh": "save", **WEEK, "am_end_2": "25:00"})
    assert wrong.status_code == 422 and "Thứ Tư, buổi sáng: giờ phải có dạng GG:PP" in wrong.text
    assert _post(client, PROVINCE_HOURS, {**WEEK}).status_code == 403
    assert client.get(PROVINCE_HOURS).status_code == 200
    client.cookies.clear()

    login(client, "tn.chitien")
    page = client.get(HOURS)
    assert page.status_code == 200 and "Xã đang dùng giờ mở cửa riêng." in page.text
    assert _post(client, HOURS, {"lenh": "save", **WEEK}).status_code == 403
    client.cookies.clear()

    login(client, "qt.tinh")
    assert client.get(HOURS).status_code == 200
    refused = _post(client, HOURS, {"lenh": "reset"})
    assert refused.status_code == 403 and "Chỉ quản trị viên của xã" in refused.text
    default = _post(client, PROVINCE_HOURS, {**WEEK, "open_5": ""})
    assert default.status_code == 200 and "Đã lưu giờ mở cửa mặc định của tỉnh" in default.text
    client.cookies.clear()

    login(client, "qt.xakhac")
    assert client.get(HOURS).status_code == 404
    assert _post(client, HOURS, {"lenh": "save", **WEEK}).status_code == 404
    client.cookies.clear()
    login(client, "qt.hanoi")
    assert client.get(HOURS).status_code == 404
    assert _post(client, HOURS, {"lenh": "reset"}).status_code == 404


def test_the_kiosk_is_closed_outside_opening_hours_and_says_when_it_opens(client, session, clock):
    """Monday 18:00 in Hà Nội: no ticket (422) and the next opening (Wednesday, the 24th being Ngày Văn hóa Việt
    Nam); at 07:30 on Wednesday the kiosk issues again."""
    clock.instant = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    page = client.get(KIOSK)
    assert "hiện ngoài giờ tiếp nhận nên chưa cấp số. Trung tâm mở cửa lại lúc 07:30 Thứ Tư, 25/11/2026." in page.text
    refused = client.post(KIOSK, data={"csrf_token": csrf_token(client, KIOSK), "field": "land"})
    assert refused.status_code == 422 and "mở cửa lại lúc 07:30 Thứ Tư, 25/11/2026" in refused.text
    clock.instant = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert "DD-001" in client.post(KIOSK, data={"csrf_token": csrf_token(client, KIOSK), "field": "land"}).text


# ------------------------------------------------------------------------------------------------ the citizen


def test_a_signed_in_citizen_books_gets_a_code_and_qr_checks_in_at_the_kiosk(client, session, clock):
    """Prefilled name and phone; the booking's page has its code and QR code; at the kiosk the code gives a ticket;
    cancelling a booking that has been checked in is refused."""
    sign_in(client, session, destination="0912000101", name="Nguyễn Văn An")
    form = client.get(f"/lich-hen/{CHI_TIEN}", params={"linh_vuc": "civil_status", "ngay": "2026-11-25"})
    assert form.status_code == 200
    assert 'value="Nguyễn Văn An"' in form.text and "dùng số điện thoại đăng nhập 091 ••• 101" in form.text
    assert "0912000101" not in form.text  # the phone is never repeated in full (base.access)
    assert 'value="08:00"' in form.text and "còn 4 chỗ" in form.text
    token = csrf_token(client, KIOSK)
    lunch = client.post(f"/lich-hen/{CHI_TIEN}", data={"csrf_token": token, "field": "civil_status",
                                                       "day": "2026-11-25", "slot": "12:00", "name": "Nguyễn Văn An",
                                                       "phone": "0912000101"})
    assert lunch.status_code == 422 and "nằm ngoài giờ mở cửa của Trung tâm" in lunch.text
    made = client.post(f"/lich-hen/{CHI_TIEN}", data={"csrf_token": token, "field": "civil_status",
                                                      "day": "2026-11-25", "slot": "08:00", "name": "Nguyễn Văn An",
                                                      "phone": ""}, follow_redirects=False)
    assert made.status_code == 303
    code = made.headers["location"].rsplit("/", 1)[1]
    row = session.scalar(select(QueueBooking).where(QueueBooking.code == code))
    assert row is not None and row.citizen_id is not None and row.phone == "0912000101"  # the account's phone
    receipt = client.get(made.headers["location"])
    assert code in receipt.text and "<svg" in receipt.text and "Hủy lịch hẹn" in receipt.text
    assert "091 ••• 101" in receipt.text

    clock.instant = datetime(2026, 11, 25, 0, 45, tzinfo=UTC)  # 07:45 on the day
    kiosk_token = csrf_token(client, KIOSK)
    ticket = client.post(f"{KIOSK}/lich-hen", data={"csrf_token": kiosk_token, "ma": code})
    assert ticket.status_code == 200 and "HT-001" in ticket.text and f"Theo lịch hẹn <strong>{code}" in ticket.text
    again = client.post(f"{KIOSK}/lich-hen", data={"csrf_token": kiosk_token, "ma": code})
    assert again.status_code == 422 and "Số thứ tự của quý khách là HT-001." in again.text
    late = client.post(f"/lich-hen/ma/{code}/huy", data={"csrf_token": kiosk_token})
    assert late.status_code == 409 and "không hủy được nữa" in late.text
    assert client.get("/lich-hen/ma/LHAAAAAAAA").status_code == 404


def test_an_anonymous_citizen_cancels_by_code_and_the_place_is_free_again(client, session):
    token = csrf_token(client, KIOSK)
    data = {"csrf_token": token, "field": "land", "day": "2026-11-25", "slot": "09:00", "name": "Trần Thị Bích Ngọc",
            "phone": "0912 000 102"}
    made = client.post(f"/lich-hen/{CHI_TIEN}", data=data, follow_redirects=False)
    assert made.status_code == 303
    cancelled = client.post(made.headers["location"] + "/huy", data={"csrf_token": token})
    assert cancelled.status_code == 200 and "Đã hủy lịch hẹn" in cancelled.text and "Đã hủy" in cancelled.text
    found = client.get("/lich-hen", params={"q": "chi tien"})
    assert f'href="/lich-hen/{CHI_TIEN}"' in found.text


def test_a_ticket_from_the_portal_is_limited_to_three_a_day_per_phone(client, session):
    page = f"/lay-so/{CHI_TIEN}"
    token = csrf_token(client, page)
    numbers = []
    for _ in range(3):
        answer = client.post(page, data={"csrf_token": token, "field": "business", "phone": "0912000105"})
        assert answer.status_code == 200
        numbers.append(re.search(r"KD-\d{3}", answer.text).group(0))  # type: ignore[union-attr]
    assert numbers == ["KD-001", "KD-002", "KD-003"]
    refused = client.post(page, data={"csrf_token": token, "field": "business", "phone": "0912000105"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"
    assert "Số điện thoại này đã lấy 3 số trong hôm nay tại Trung tâm Chí Tiên" in refused.text
    bad = client.post(page, data={"csrf_token": token, "field": "business", "phone": "abc"})
    assert bad.status_code == 422 and "Số điện thoại phải gồm 10 chữ số" in bad.text


def test_the_sms_simulator_texts_layso_and_the_answer_is_queued_for_the_citizen(client, session, app):
    """The two-way gateway (simulated) forwards ``LAYSO 08218 HT`` signed to the webhook: a ticket, answered by
    SMS through the outbox; a forged signature is refused (401) and issues nothing."""
    app.state.settings.sms_inbound_secret = "inbound-test-secret"
    gateway = SmsSimulator()
    gateway.inbound_url, gateway.inbound_secret = "https://testserver/api/v1/sms/den", "inbound-test-secret"
    status, body = gateway.send_inbound("0912000103", "LAYSO 08218 HT", message_id="MO42", client=client)
    assert (status, body) == (200, '{"status":"answered"}')
    assert gateway.send_inbound("0912000103", "LAYSO 08218 HT", message_id="MO42", client=client)[1] == \
        '{"status":"duplicate"}'
    forged = SmsSimulator()
    forged.inbound_url, forged.inbound_secret = gateway.inbound_url, "not-the-secret"
    assert forged.send_inbound("0912000103", "LAYSO 08218 HT", client=client)[0] == 401
    [reply] = session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == NoticeKind.QUEUE_SMS.value))
    assert reply.recipient == "0912000103" and "So thu tu cua ban: HT-001" in reply.body
    assert client.post("/api/v1/sms/den", content=b"{}").status_code == 401


def test_check_in_at_the_kiosk_refuses_yesterdays_booking_with_its_message(client, session, clock):
    token = csrf_token(client, KIOSK)
    made = client.post(f"/lich-hen/{CHI_TIEN}", data={"csrf_token": token, "field": "land", "day": "2026-11-23",
                                                      "slot": "16:00", "name": "Lê Văn Cường", "phone": "0912000103"},
                       follow_redirects=False)
    code = made.headers["location"].rsplit("/", 1)[1]
    clock.advance(timedelta(days=2))  # Wednesday 10:00
    refused = client.post(f"{KIOSK}/lich-hen", data={"csrf_token": csrf_token(client, KIOSK), "ma": code})
    assert refused.status_code == 422
    assert f"Lịch hẹn {code} là của ngày 23/11/2026, đã qua nên không còn hiệu lực" in refused.text


def test_a_province_adds_its_own_priority_group_shown_on_the_kiosk(client, session):
    """The four legal groups are always offered; the province administrator adds one (a commune administrator
    gets 403), every commune's kiosk offers it and the ticket carries its label; once withdrawn it is no longer
    offered nor accepted, and the ticket keeps its label."""
    make_officer(session, commune_code=None, username="qt.tinh", roles=(Role.ADMIN,))
    make_officer(session, username="qt.chitien", roles=(Role.ADMIN,))
    login(client, "qt.chitien")
    assert _post(client, "/quay/tinh/uu-tien", {"lenh": "add", "label": "Trẻ em dưới 6 tuổi"}).status_code == 403
    client.cookies.clear()
    login(client, "qt.tinh")
    added = _post(client, "/quay/tinh/uu-tien", {"lenh": "add", "label": "Trẻ em  dưới 6 tuổi"})
    assert added.status_code == 200 and "Đã thêm đối tượng ưu tiên “Trẻ em dưới 6 tuổi”" in added.text
    again = _post(client, "/quay/tinh/uu-tien", {"lenh": "add", "label": "trẻ em dưới 6 tuổi"})
    assert again.status_code == 422 and "đã có trong danh sách" in again.text
    legal = _post(client, "/quay/tinh/uu-tien", {"lenh": "add", "label": "Người cao tuổi"})
    assert legal.status_code == 422
    client.cookies.clear()

    kiosk = client.get(KIOSK)
    assert 'value="25-1"> Trẻ em dưới 6 tuổi' in kiosk.text and "Người cao tuổi" in kiosk.text
    other = client.get(f"/quay/{other_commune(session)}/lay-so")
    assert "Trẻ em dưới 6 tuổi" in other.text
    token = csrf_token(client, KIOSK)
    ticket = client.post(KIOSK, data={"csrf_token": token, "field": "civil_status", "priority_group": "25-1"})
    assert ticket.status_code == 200 and "Ưu tiên: <strong>Trẻ em dưới 6 tuổi</strong>" in ticket.text

    login(client, "qt.tinh")
    withdrawn = _post(client, "/quay/tinh/uu-tien", {"lenh": "withdraw", "code": "25-1"})
    assert withdrawn.status_code == 200 and "(đã bỏ)" in withdrawn.text
    client.cookies.clear()
    assert "Trẻ em dưới 6 tuổi" not in client.get(KIOSK).text
    refused = client.post(KIOSK, data={"csrf_token": csrf_token(client, KIOSK), "field": "civil_status",
                                       "priority_group": "25-1"})
    assert refused.status_code == 422 and "Đối tượng ưu tiên không có trong danh mục." in refused.text


def test_the_kiosk_check_in_honours_the_configured_grace_period(client, session, app, clock):
    """``MOTCUA_QUEUE_NO_SHOW_GRACE_MINUTES`` = 5: six minutes after the slot's start the check-in is refused, as the
    worker would release it."""
    app.state.settings.queue_no_show_grace_minutes = 5
    token = csrf_token(client, KIOSK)
    made = client.post(f"/lich-hen/{CHI_TIEN}", data={"csrf_token": token, "field": "land", "day": "2026-11-23",
                                                      "slot": "10:30", "name": "Lê Văn Cường", "phone": "0912000103"},
                       follow_redirects=False)
    code = made.headers["location"].rsplit("/", 1)[1]
    assert "quá 5 phút sau giờ hẹn" in client.get(made.headers["location"]).text
    clock.advance(timedelta(minutes=36))  # 10:36
    refused = client.post(f"{KIOSK}/lich-hen", data={"csrf_token": token, "ma": code})
    assert refused.status_code == 422 and "lúc 10:30 đã quá 5 phút nên chỗ đã được giải phóng" in refused.text
