"""Browser journey in a real Chromium: login → home → logout, on a phone-sized screen, by keyboard."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_officer

pytestmark = pytest.mark.e2e


def test_officer_logs_in_sees_home_and_logs_out(fresh_db, live_server, browser):
    with Session(fresh_db.engine) as session:
        make_officer(session, username="chitien.tiepnhan", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(live_server + "/home")
        assert "/login" in page.url  # not logged in: sent to the login page
        # Keyboard only: the username field has focus, Tab moves to the password, Enter submits.
        page.keyboard.type("chitien.tiepnhan")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/home$"))  # not "**/home", which /login?next=/home also matches
        assert page.locator("h1").inner_text() == "Xin chào, Nguyễn Thị Hoa"
        assert page.get_by_role("heading", name="Quầy tiếp nhận").is_visible()
        assert "Sơn Cương" in page.content()  # Chí Tiên's merged units
        # Usable at 360 px: nothing forces horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"home-{fresh_db.kind}.png"), full_page=True)
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url("**/login?bye=1")
        assert page.get_by_text("Bạn đã đăng xuất.").is_visible()
        page.goto(live_server + "/home")
        assert "/login" in page.url
    finally:
        context.close()


def test_wrong_password_shows_the_message_next_to_the_form(fresh_db, live_server, browser):
    with Session(fresh_db.engine) as session:
        make_officer(session, username="chitien.lanhdao", roles=(Role.APPROVER,))
    page = browser.new_page()
    try:
        page.goto(live_server + "/login")
        page.fill("#username", "chitien.lanhdao")
        page.fill("#password", "sai-mat-khau")
        page.click("button[type=submit]")
        assert page.get_by_role("alert").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
        assert page.get_attribute("#username", "aria-invalid") == "true"
    finally:
        page.close()
