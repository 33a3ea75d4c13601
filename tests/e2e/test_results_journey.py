"""The result of a dossier in the browser (issue 17): the handler drafts it from the template and sends it, the
leader finds it under "Kết quả chờ ký" and issues it; the province administrator's template pages. axe-core at
360 px and 1366 px on each page, and no page wider than the phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from tests.e2e.a11y import assert_accessible
from tests.e2e.pages import log_in
from tests.factories import make_officer, pdf_bytes, principal_of
from tests.results.helpers import HKD_VALUES, awaiting_approval

pytestmark = pytest.mark.e2e

WIDTHS: dict[str, ViewportSize] = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 768}}
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _check(page: Page, name: str) -> None:
    assert_accessible(page, name=name)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), name


def test_draft_send_and_issue_in_the_browser(fresh_db, live_server_files, browser: Browser, tmp_path: Path):
    engine, kind = fresh_db.engine, fresh_db.kind
    with Session(engine) as session:
        team = {role: principal_of(make_officer(session, username=f"ct.{role}", roles=(Role(role),),
                                                with_post=False, full_name=name), Role(role))
                for role, name in (("reception", "Trần Thanh Hoàng"), ("specialist", "Nguyễn Đức Bình"),
                                   ("approver", "Lê Thị Yến"))}
        make_officer(session, commune_code=None, username="tinh.quantri", roles=(Role.ADMIN,), with_post=False,
                     full_name="Tạ Anh Long")
        dossier = awaiting_approval(session, team, FileStore(tmp_path / "unused"))
        dossier_id = dossier.id
        session.commit()
    base = live_server_files
    scan = tmp_path / "ban-ky-tay.pdf"
    scan.write_bytes(pdf_bytes())
    for width, viewport in WIDTHS.items():
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            log_in(page, base, "tinh.quantri")
            for path in ("/mau-ket-qua", "/mau-ket-qua/moi?tu=1", "/mau-ket-qua/1"):
                page.goto(base + path)
                _check(page, f"results-{re.sub(r'[^a-z0-9]+', '-', path)}-{width}-{kind}")
        finally:
            context.close()
        if width != "360":
            continue
        # the journey itself, on the phone
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            log_in(page, base, "ct.specialist")
            page.goto(f"{base}/dossiers/{dossier_id}")
            page.get_by_role("link", name="Soạn, trình ký kết quả từ mẫu").click()
            page.get_by_role("button", name="Soạn kết quả từ mẫu").click()
            for key, value in HKD_VALUES.items():
                page.locator(f"#f_{key}").fill(value)
            _check(page, f"results-draft-{width}-{kind}")
            page.get_by_role("button", name="Trình lãnh đạo ký").click()
            page.get_by_text("Chờ lãnh đạo ký").first.wait_for()
            context.clear_cookies()
            log_in(page, base, "ct.approver")
            page.get_by_role("link", name="Kết quả chờ ký").click()
            _check(page, f"results-pending-{width}-{kind}")
            page.get_by_role("link", name=re.compile(r"TAM\.")).first.click()
            _check(page, f"results-sign-{width}-{kind}")
            page.locator("#scan").set_input_files(str(scan))
            page.get_by_role("button", name="Tải lên bản ký tay").click()
            page.get_by_text("01/GCN-UBND").first.wait_for()
            _check(page, f"results-issued-{width}-{kind}")
        finally:
            context.close()
