"""Browser journey of a dossier (issue 4) in a real Chromium, from the counter to the citizen's lookup.

Three officers of Xã Chí Tiên take turns at one browser: the counter receives Đăng ký thành lập hộ kinh doanh with a
scanned PDF and prints the receipt, the head of the division assigns it, the specialist submits it, the head
approves it, the counter returns the result; then the citizen, not logged in, looks it up with the code and the last
four digits of the phone number. On the way a button pressed on a stale page gets the 409 page, not a crash.
"""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize
from pypdf import PdfReader
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.codes import is_valid_code
from motcua.dossier.forms import FORM_TITLES
from tests.e2e.conftest import ARTIFACTS, RECORD_PRINT
from tests.e2e.pages import log_in
from tests.factories import CHI_TIEN, HKD, VALID_ID, make_officer, pdf_bytes

pytestmark = pytest.mark.e2e

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
APPLICANT = "Đặng Văn Đức"
PHONE_NUMBER = "0912345678"
ADDRESS = "Khu 3, xã Chí Tiên, tỉnh Phú Thọ"
DOCUMENT = "Giấy đề nghị đăng ký hộ kinh doanh"  # the mandatory paper of 1.001612
RECEPTION, SPECIALIST, APPROVER = "chitien.tiepnhan", "chitien.chuyenvien", "chitien.lanhdao"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _shot(page: Page, name: str, kind: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{kind}.png"
    page.screenshot(path=str(path), full_page=True)
    return str(path)


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login?bye=1")


def _act(page: Page, label: str, done: str) -> None:
    """Press an action button of the dossier page and wait for the page to say it was done; a final action (the
    approval, a refusal, a stop, a withdrawal) is confirmed first with its form's check box."""
    confirm = page.locator(f'form[action$="/actions/{done}"] input[name="confirmed"]')
    if confirm.count():
        confirm.check()
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_url(f"**?done={done}")
    assert page.get_by_role("status").inner_text() == f"Đã thực hiện: {label}."


def _go_to_inbox(page: Page) -> None:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Hồ sơ", exact=True).click()
    page.wait_for_url("**/dossiers")


def _open_from_inbox(page: Page, code: str) -> None:
    """The officer's own inbox ("Việc của tôi") lists the dossier now at their desk."""
    _go_to_inbox(page)
    page.get_by_role("link", name=code, exact=True).click()
    page.wait_for_url(re.compile(r"/dossiers/\d+$"))


def _choose_by_keyboard(page: Page, select: str, value: str) -> None:
    """Open the focused <select> (Alt+↓), walk to the option with arrows, Enter: one change event."""
    values = page.locator(f"{select} option").evaluate_all("options => options.map(o => o.value)")
    current = page.locator(select).evaluate("s => s.selectedIndex")
    page.keyboard.press("Alt+ArrowDown")
    for _ in range(values.index(value) - current):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def test_dossier_from_counter_to_lookup(fresh_db, live_server_files, browser: Browser, tmp_path):
    base = live_server_files
    with Session(fresh_db.engine) as session:
        make_officer(session, username=RECEPTION, roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
        make_officer(session, username=SPECIALIST, roles=(Role.SPECIALIST,), full_name="Trần Văn Nam")
        make_officer(session, username=APPROVER, roles=(Role.APPROVER,), full_name="Lê Minh Quân")
    scan = tmp_path / "giay-de-nghi.pdf"
    scan.write_bytes(pdf_bytes())  # a real one-page PDF made by pypdf, as the counter's scanner would give
    kind = fresh_db.kind

    context: BrowserContext = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_PRINT)  # "Lưu và in phiếu" prints the receipt
    page = context.new_page()
    try:
        # ---------------------------------------------------------------- the counter receives the dossier
        log_in(page, base, RECEPTION)
        _go_to_inbox(page)
        page.get_by_role("link", name="Tiếp nhận hồ sơ mới").click()
        page.wait_for_url("**/dossiers/new")
        assert page.evaluate("document.activeElement.id") == "procedure-search"  # autofocus: typing searches
        assert page.get_by_text("Chọn thủ tục để hiện danh mục giấy tờ.").is_visible()
        page.locator("#procedure_code").focus()  # the list itself, by keyboard
        with page.expect_response(lambda r: "/dossiers/new?" in r.url and r.request.headers.get("hx-request")
                                  == "true") as reloaded:
            _choose_by_keyboard(page, "#procedure_code", HKD)
        assert reloaded.value.ok
        assert "csrf_token" not in reloaded.value.url  # the reload is a GET: the token stays out of URLs and logs
        document = page.get_by_role("checkbox", name=DOCUMENT)
        document.wait_for()  # htmx swapped in the checklist of 1.001612
        assert page.locator("#procedure_code").input_value() == HKD
        assert page.evaluate("document.activeElement.id") == "procedure_code"  # focus survives the swap
        assert "3 ngày làm việc" in page.locator("#main").inner_text()
        assert page.get_by_role("radio", name="Đủ, đúng: tiếp nhận và hẹn trả kết quả").is_checked()  # the default
        assert "(nếu có) (nếu có)" not in page.locator("#intake").inner_text()
        document.check()
        page.get_by_label(f"Bản quét: {DOCUMENT}").set_input_files(scan)
        page.get_by_label("Họ và tên / Tên tổ chức").fill(APPLICANT)
        page.get_by_label("Số định danh cá nhân (12 chữ số)").fill(VALID_ID)
        page.get_by_label("Điện thoại").fill(PHONE_NUMBER)
        page.get_by_label("Địa chỉ (theo đơn vị hành chính mới)").fill(ADDRESS)
        _shot(page, "intake", kind)
        page.get_by_role("button", name="Lưu và in phiếu").click()
        page.wait_for_url(re.compile(r"/dossiers/\d+\?received=1$"))
        dossier_url = page.url.split("?")[0]
        code = page.locator("h1 .code").inner_text().strip()
        assert is_valid_code(code) and code.startswith(f"TAM.{CHI_TIEN}-"), code  # Art. 28, the commune's body
        assert page.locator("#status").inner_text() == "Đã tiếp nhận"
        assert page.get_by_role("link", name=DOCUMENT).is_visible()  # the scan is attached

        receipt = page.get_by_role("link", name=FORM_TITLES["receipt"])
        response = page.request.get(base + str(receipt.get_attribute("href")))  # the officer's cookies go along
        assert response.ok and response.headers["content-type"] == "application/pdf"
        text = _nfc("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages))
        assert FORM_TITLES["receipt"].upper().startswith("GIẤY TIẾP NHẬN HỒ SƠ")
        assert "GIẤY TIẾP NHẬN HỒ SƠ" in text, text[:500]
        assert code in text and APPLICANT in text

        # A stale page: the same dossier open in a second tab, the first tab transfers it, then the second tries.
        stale = context.new_page()
        stale.goto(dossier_url)
        _act(page, "Chuyển xử lý", "transfer")
        assert page.locator("#status").inner_text() == "Đã chuyển xử lý"
        with stale.expect_response(lambda r: r.url.endswith("/actions/transfer")) as conflict:
            stale.get_by_role("button", name="Chuyển xử lý", exact=True).click()
        assert conflict.value.status == 409
        stale.wait_for_load_state()
        assert stale.get_by_role("heading", level=1).inner_text().startswith("Không thực hiện được")
        assert stale.get_by_role("alert").inner_text() == (
            "Hồ sơ vừa được cán bộ khác cập nhật. Vui lòng tải lại trang để xem trạng thái mới.")
        stale.close()
        _log_out(page)

        # ---------------------------------------------------------------- the head of the division assigns it
        log_in(page, base, APPROVER)
        _go_to_inbox(page)
        page.get_by_label(re.compile("^Tìm theo mã hồ sơ, họ tên")).fill("dang van duc")
        with page.expect_navigation() as searched:
            page.keyboard.press("Enter")  # the search form sends q with the default status "" (Việc của tôi)
        answer = searched.value
        assert answer is not None and answer.ok, f"the inbox search answered {answer and answer.status}: {page.url}"
        assert "q=dang+van+duc" in page.url
        page.get_by_role("link", name=code, exact=True).click()
        page.wait_for_url(dossier_url)
        page.get_by_label("Cán bộ xử lý").select_option(label="Trần Văn Nam")
        _act(page, "Phân công xử lý", "assign")
        assert page.locator("#status").inner_text() == "Đang xử lý"
        _log_out(page)

        # ---------------------------------------------------------------- the specialist submits it
        log_in(page, base, SPECIALIST)
        _open_from_inbox(page, code)
        _act(page, "Trình phê duyệt", "submit_for_approval")
        assert page.locator("#status").inner_text() == "Chờ phê duyệt"
        _log_out(page)

        # ---------------------------------------------------------------- the head approves it
        log_in(page, base, APPROVER)
        _open_from_inbox(page, code)
        page.get_by_label("Kết quả (số, ký hiệu văn bản)").fill("Giấy chứng nhận đăng ký hộ kinh doanh số 25A8000001")
        _act(page, "Phê duyệt, ký kết quả", "approve")
        assert page.locator("#status").inner_text() == "Đã xử lý xong, chờ trả kết quả"
        _log_out(page)

        # ---------------------------------------------------------------- the counter returns the result
        log_in(page, base, RECEPTION)
        _open_from_inbox(page, code)
        _act(page, "Trả kết quả", "return_result")
        assert page.locator("#status").inner_text() == "Đã trả kết quả"
        events = page.locator("ol.events li").all_inner_texts()
        assert len(events) == 6, events  # received, transferred, assigned, submitted, approved, returned

        # The dossier page at 360 px: readable without scrolling sideways.
        page.set_viewport_size(PHONE)
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "dossier-phone", kind)
        page.set_viewport_size(DESKTOP)
        _log_out(page)
    finally:
        context.close()

    # -------------------------------------------------------------------- the citizen looks it up, logged out
    citizen = browser.new_context(viewport=PHONE, locale="vi-VN")
    try:
        page = citizen.new_page()
        page.goto(base + "/")
        page.get_by_role("link", name="Tra cứu hồ sơ").first.click()
        page.wait_for_url("**/tra-cuu")
        page.get_by_label("Mã hồ sơ (in trên giấy tiếp nhận)").fill(code)
        page.get_by_label(re.compile("^4 chữ số cuối")).fill(PHONE_NUMBER[-4:])
        page.get_by_role("button", name="Tra cứu").click()
        page.get_by_role("heading", name=code).wait_for()
        assert re.search("đã trả kết quả", page.locator("#lookup-status").inner_text(), re.IGNORECASE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        _shot(page, "lookup", kind)
    finally:
        citizen.close()
