"""The front desk's officers' side in a real Chromium (issue 18, "What it must show": "receive the dossier from the
ticket; its page shows the waiting time").

On the counter panel the officer takes the counter, calls the ticket, presses "Tiếp nhận hồ sơ", receives a marriage
registration, and the dossier's page shows the ticket's waiting time. Then the screenshots at 360 px and 1366 px of
the panel, the counter's rating tablet and the statistics page (a demo month of tickets) go to /tmp/shots-queue-desk/,
and axe-core checks each of them at both widths.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.demo.queue import load_demo_queue
from motcua.org.models import Commune
from motcua.queue import actions
from motcua.queue.schemas import CounterIn
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import RECORD_PRINT
from tests.e2e.pages import log_in
from tests.factories import CHI_TIEN, VALID_ID, make_officer

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots-queue-desk")
WIDE: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
MARRIAGE = "1.000894"


def _shot(page: Page, name: str) -> None:
    """The screenshot, and axe-core on the page as it is (serious or critical WCAG A/AA violations fail)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert_accessible(page, name=f"queue-{name}")


def test_a_dossier_received_from_a_called_ticket_shows_the_waiting_time(fresh_db, live_server, browser: Browser):
    base = live_server
    now = datetime.now(UTC)
    with Session(fresh_db.engine) as session:
        make_officer(session, username="chitien.tiepnhan", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
        make_officer(session, username="chitien.giamdoc", roles=(Role.CENTRE_DIRECTOR,), full_name="Phạm Thu Hà")
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        desk = actions.create_counter(session, actor=SYSTEM, commune=commune, now=now,
                                      data=CounterIn(number=1, name="Hộ tịch, chứng thực",
                                                     fields=["civil_status", "certification"]))
        actions.create_counter(session, actor=SYSTEM, commune=commune, now=now, data=CounterIn(
            number=2, fields=["land", "social_protection", "business", "other"]))
        make_officer(session, username="chitien.tiepnhan2", roles=(Role.RECEPTION,), full_name="Lê Văn Bình")
        load_demo_queue(session, commune_code=CHI_TIEN, now=now)  # last month, for the statistics
        actions.issue_ticket(session, commune=commune, field="civil_status", priority_group=None, ip="192.0.2.7",
                             now=now - timedelta(minutes=14))
        session.commit()
        panel = f"{base}/quay/{CHI_TIEN}/quay-so/{desk.id}"
        tablet = f"{base}/quay/{CHI_TIEN}/danh-gia/{desk.id}"
    context = browser.new_context(viewport=WIDE, locale="vi-VN")
    context.set_default_timeout(10_000)
    # "Lưu và in phiếu" prints the receipt: recorded, since a real print preview takes headless Chromium's page down
    context.add_init_script(RECORD_PRINT)
    page = context.new_page()
    try:
        log_in(page, base, "chitien.tiepnhan")
        page.goto(panel)
        page.get_by_role("button", name="Nhận quầy").click()
        page.get_by_role("button", name="Gọi số tiếp theo").click()
        page.get_by_text("Đã gọi số HT-001.").wait_for()
        assert page.get_by_role("button", name="Gọi số tiếp theo").count() == 0
        _shot(page, "panel-serving-1366")
        page.set_viewport_size(PHONE)
        _shot(page, "panel-serving-360")
        page.set_viewport_size(WIDE)
        receive = page.get_by_role("link", name="Tiếp nhận hồ sơ")
        href = receive.get_attribute("href")
        assert href is not None and re.fullmatch(r"/dossiers/new\?ticket=\d+", href), href
        # the intake with the procedure chosen in its address, as the page reloads itself once one is picked (the
        # picker's own script is tested by the counter and three-page journeys)
        page.goto(f"{base}{href}&procedure={MARRIAGE}")
        page.locator("#intake-ticket").get_by_text("HT-001").wait_for()
        page.get_by_role("checkbox", name=re.compile("^Tờ khai đăng ký kết hôn")).wait_for()
        page.locator("#applicant_name").fill("Đặng Văn Đức")
        page.locator("#id_number").fill(VALID_ID)
        page.locator("#phone").fill("0912345678")
        page.get_by_role("button", name="Lưu và in phiếu").click()
        page.wait_for_url(re.compile(r"/dossiers/\d+\?received=1$"))
        waited = page.locator("#queue-waited").inner_text()
        assert re.fullmatch(r"1[45] phút \d+ giây", waited), waited
        assert page.locator("#queue-ticket").inner_text() == "HT-001 (Quầy số 1)"
        page.wait_for_function("(window.__printed || []).length > 0")  # the receipt printed before leaving
        # back at the panel: "Hoàn thành" closes the ticket, and the counter's tablet offers it for rating
        page.goto(panel)
        page.get_by_role("button", name="Hoàn thành").click()
        page.goto(tablet)
        page.locator("#rate-number").get_by_text("HT-001").wait_for()
        _shot(page, "rating-tablet-1366")
        page.set_viewport_size(PHONE)
        _shot(page, "rating-tablet-360")
        page.get_by_role("button", name="Rất hài lòng").click()
        page.get_by_text("Cảm ơn Ông/Bà đã đánh giá!").wait_for()
        page.set_viewport_size(WIDE)
        context.clear_cookies()
        log_in(page, base, "chitien.giamdoc")
        page.goto(f"{base}/quay/{CHI_TIEN}/thong-ke")
        page.locator("#stats-tickets").wait_for()
        _shot(page, "stats-1366")
        page.set_viewport_size(PHONE)
        _shot(page, "stats-360")
    finally:
        context.close()
