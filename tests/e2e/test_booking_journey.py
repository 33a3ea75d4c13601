"""Browser journey of an online appointment (issue 18) in a real Chromium: a citizen books a slot on a 360 px phone,
gets a code and its QR code, and checks in at the kiosk with the code; the ticket is numbered as the kiosk numbers.

The live server runs on the real clock, so the commune's opening hours are set, as data, to every day 00:00–23:30:
the next slot is then always within half an hour (the check-in window opens 30 minutes before a slot). On a public
holiday the centre is closed whatever its hours, and the journey cannot run that day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.org.models import Commune
from motcua.queue import hours
from tests.e2e.a11y import assert_accessible
from tests.e2e.pages import log_in
from tests.e2e.test_dossier_journey import PHONE
from tests.e2e.test_index_journey import LAPTOP, SHOTS
from tests.factories import CHI_TIEN, make_officer

pytestmark = pytest.mark.e2e


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"booking-{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_book_on_a_phone_and_check_in_at_the_kiosk_by_code(browser: Browser, live_server: str, fresh_db) -> None:
    now = datetime.now(UTC)
    with Session(fresh_db.engine) as session, session.begin():
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        hours.set_week(session, actor=SYSTEM, province_code="25", commune=commune, now=now,
                       week=[((time(0, 0), time(23, 30)),)] * 7)
        if not hours.is_open(session, commune, now):
            pytest.skip("today is a holiday or past 23:30 in Hà Nội: the centre has no slot left to check in to")
        make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))

    phone = browser.new_page(viewport=PHONE)
    phone.goto(f"{live_server}/lich-hen")
    phone.get_by_label("Tên xã, phường").fill("chi tien")
    phone.get_by_role("button", name="Tìm").click()
    _shot(phone, "start-360")
    phone.get_by_role("link", name=re.compile("Chí Tiên")).click()
    phone.get_by_label("Lĩnh vực").select_option("civil_status")
    phone.get_by_label("Ngày").select_option(index=1)  # today, the first day offered
    phone.get_by_role("button", name="Xem khung giờ còn chỗ").click()
    phone.locator(".booking-slots input[type=radio]:not([disabled])").first.check()
    phone.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    phone.get_by_label("Số điện thoại (nhận tin nhắn nhắc lịch)").fill("0912000101")
    _shot(phone, "form-360")
    phone.get_by_role("button", name="Đặt lịch hẹn").click()
    phone.wait_for_url(re.compile(r"/lich-hen/ma/LH[A-Z2-9]{8}$"))
    code = phone.locator(".booking-code").inner_text().strip()
    assert phone.locator(".booking-qr svg").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    assert_accessible(phone, name="booking-receipt")
    _shot(phone, "receipt-360")

    kiosk = browser.new_page(viewport=LAPTOP)
    kiosk.goto(f"{live_server}/quay/{CHI_TIEN}/lay-so")
    _shot(kiosk, "kiosk-1366")
    kiosk.get_by_label(re.compile("Quét mã QR hoặc nhập mã lịch hẹn")).fill(code)
    kiosk.get_by_role("button", name="Xác nhận lịch hẹn và lấy số").click()
    assert kiosk.locator(".kiosk-number").inner_text().strip() == "HT-001"
    assert code in kiosk.locator(".kiosk-ticket").inner_text()
    _shot(kiosk, "ticket-1366")
    phone.reload()
    assert "Đã đến (đã cấp số)" in phone.locator(".booking-facts").inner_text()
    phone.goto(f"{live_server}/lay-so/{CHI_TIEN}")
    _shot(phone, "remote-360")

    log_in(kiosk, live_server, "chitien.quantri")
    kiosk.goto(f"{live_server}/quay/{CHI_TIEN}/gio-mo-cua")
    assert kiosk.get_by_text("Xã đang dùng giờ mở cửa riêng.").is_visible()
    _shot(kiosk, "hours-1366")
    kiosk.set_viewport_size(PHONE)
    assert kiosk.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(kiosk, "hours-360")
    kiosk.goto(f"{live_server}/quay/tinh/uu-tien")
    _shot(kiosk, "priority-360")
