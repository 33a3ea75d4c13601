"""Browser journey of the citizen portal (issue 5) in a real Chromium, the citizen on a 360 px phone.

A citizen signs up with a one-time code sent to her phone, has her identity confirmed by the (simulated) population
database — ID number, name, date of birth and the phone registered to the number (issue 13, finding 3) — files
Đăng ký thành lập hộ kinh doanh online with a PDF; the counter accepts it and transfers it, the head of the division
assigns it, the specialist asks once for a supplement; the citizen reads the reasons on her phone and supplies the
missing paper online (the clock restarts, Art. 19(5)); the specialist submits it, the head attaches the electronic
result and approves it, the counter returns it online; the citizen downloads the result (a real PDF) and rates the
handling.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, Page
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.models import Dossier, DossierDocument
from motcua.feedback.models import DossierRating
from motcua.integrations.simulators import PopulationDbSimulator
from motcua.notify.models import NotificationOutbox
from motcua.notify.senders import expand_codes
from tests.e2e.a11y import assert_accessible
from tests.e2e.effort import Effort
from tests.e2e.pages import log_in
from tests.e2e.test_dossier_journey import DESKTOP, PHONE, _act, _log_out, _shot
from tests.e2e.test_index_journey import LAPTOP, SHOTS
from tests.factories import CHI_TIEN, HKD, TEST_SECRET_KEY, VALID_ID, make_officer, pdf_bytes

pytestmark = pytest.mark.e2e

CITIZEN = "Hà Thị Mai"
MOBILE = "0987654321"
RECEPTION, SPECIALIST, APPROVER = "chitien.tiepnhan", "chitien.chuyenvien", "chitien.lanhdao"
CITIZEN_ID, CITIZEN_BORN = "025190004321", date(1990, 6, 15)
LEASE = "quyen_su_dung_dia_diem"
LEASE_NAME = ("Bản sao hợp đồng thuê, mượn địa điểm hoặc giấy tờ chứng minh quyền sử dụng địa điểm kinh doanh "
              "(nếu có)")


@pytest.fixture
def served(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The live server pointed at a population database simulator that knows the citizen and her phone."""
    with PopulationDbSimulator(demo=False) as population:
        population.add(CITIZEN_ID, CITIZEN, CITIZEN_BORN, vneid_level=2, phone=MOBILE)
        monkeypatch.setenv("MOTCUA_IDENTITY_URL", population.base_url)
        monkeypatch.setenv("MOTCUA_IDENTITY_API_KEY", population.api_key)
        yield str(request.getfixturevalue("live_server_files"))


def _code_sent_to(engine: object, destination: str) -> str:
    with Session(engine) as session:  # type: ignore[call-overload]
        body = session.scalar(select(NotificationOutbox.body).where(NotificationOutbox.recipient == destination,
                                                                   NotificationOutbox.kind == "otp")
                              .order_by(NotificationOutbox.id.desc()).limit(1))
    match = re.search(r"\b(\d{6})\b", expand_codes(body or "", TEST_SECRET_KEY))  # as the worker's sender does
    assert match, "the one-time code was not queued"
    return match.group(1)


def _officer_act(page: Page, base: str, username: str, dossier_id: int, steps: list[tuple[str, str, str]]) -> None:
    """Log in at the desk, open the dossier, press each (button, done, note) in turn, log out."""
    page.set_viewport_size(DESKTOP)
    log_in(page, base, username)
    page.goto(f"{base}/dossiers/{dossier_id}")
    for label, done, note in steps:
        if note:
            page.locator(f'form[action$="/actions/{done}"] textarea[name="note"]').fill(note)
        if done == "assign":
            handler = page.locator('form[action$="/actions/assign"] select[name="handler_id"]')
            handler.select_option(label="Trần Văn Nam")
        _act(page, label, done)
    _log_out(page)


def test_citizen_files_online_supplies_and_downloads_the_result_on_a_phone(fresh_db, served, browser: Browser,
                                                                          tmp_path):
    base = served
    with Session(fresh_db.engine) as session:
        make_officer(session, username=RECEPTION, roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
        make_officer(session, username=SPECIALIST, roles=(Role.SPECIALIST,), full_name="Trần Văn Nam")
        make_officer(session, username=APPROVER, roles=(Role.APPROVER,), full_name="Lê Minh Quân")
        session.commit()
    kind = fresh_db.kind
    scan = tmp_path / "giay-de-nghi.pdf"
    scan.write_bytes(pdf_bytes())
    phone = browser.new_context(viewport=PHONE, locale="vi-VN", accept_downloads=True)
    desk = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    try:
        citizen = phone.new_page()
        # ------------------------------------------------------------------------- sign up with a one-time code
        citizen.goto(base + "/cong-dan")
        citizen.wait_for_url(re.compile(r"/cong-dan/dang-nhap\?next="))
        assert_accessible(citizen, name=f"portal-sign-in-{kind}")
        effort = Effort()
        effort.fill(citizen.get_by_label("Số điện thoại hoặc thư điện tử"), MOBILE)
        effort.tap(citizen.get_by_role("button", name="Gửi mã xác thực"))
        citizen.get_by_label("Mã xác thực (6 chữ số)").wait_for()  # the page that says the code is on its way
        effort.fill(citizen.get_by_label("Mã xác thực (6 chữ số)"), _code_sent_to(fresh_db.engine, MOBILE))
        effort.fill(citizen.get_by_label("Họ và tên (chỉ cần khi đăng nhập lần đầu)"), CITIZEN)
        effort.tap(citizen.get_by_role("button", name="Đăng nhập"))
        citizen.wait_for_url(re.compile(r"/cong-dan$"))
        assert CITIZEN in citizen.get_by_role("heading", level=1).inner_text()

        # ------------------------------------------------------------------------- identity: number, name, birth, phone
        effort.fill(citizen.get_by_label("Số định danh cá nhân (12 chữ số)"), CITIZEN_ID)
        effort.fill(citizen.get_by_label("Họ và tên như trên thẻ căn cước"), CITIZEN)
        effort.fill(citizen.get_by_label("Ngày sinh như trên thẻ căn cước"), "1990-06-16")  # a wrong date first
        assert_accessible(citizen, name=f"portal-identity-{kind}")
        effort.tap(citizen.get_by_role("button", name="Xác thực"))
        assert citizen.locator("#identity-error").inner_text() == ("Thông tin không khớp với Cơ sở dữ liệu quốc gia "
                                                                   "về dân cư.")
        assert_accessible(citizen, name=f"portal-identity-error-{kind}")
        effort.fill(citizen.get_by_label("Ngày sinh như trên thẻ căn cước"), CITIZEN_BORN.isoformat())
        effort.tap(citizen.get_by_role("button", name="Xác thực"))
        citizen.wait_for_url(re.compile(r"/cong-dan\?identity=1$"))
        assert "mức 2" in citizen.locator("#h-identity + p").inner_text()

        # ------------------------------------------------------------------------- file online with a PDF
        effort.tap(citizen.locator("main").get_by_role("link", name="Nộp hồ sơ trực tuyến"))
        effort.fill(citizen.get_by_label("Tìm thủ tục (gõ không dấu cũng được)"), "ho kinh doanh")
        effort.tap(citizen.get_by_role("button", name="Tìm"))
        assert_accessible(citizen, name=f"portal-procedures-{kind}")
        citizen.locator("#commune_code").select_option(CHI_TIEN)
        effort.taps += 1
        effort.tap(citizen.locator(f'button[data-procedure="{HKD}"]'))
        citizen.wait_for_url(re.compile(r"/cong-dan/ho-so-nhap/\d+$"))
        effort.fill(citizen.get_by_label("Số định danh cá nhân (12 chữ số)"), VALID_ID)
        effort.fill(citizen.get_by_label("Địa chỉ (theo đơn vị hành chính mới)"), "Xóm Trại, xã Chí Tiên, tỉnh Phú Thọ")
        citizen.locator('input[name="file_giay_de_nghi"]').set_input_files(str(scan))
        effort.taps += 2  # the file input, then the file in the picker
        assert citizen.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        _shot(citizen, f"portal-draft-{kind}", "phone")
        assert_accessible(citizen, name=f"portal-draft-{kind}")
        effort.tap(citizen.get_by_role("button", name="Nộp hồ sơ", exact=True))
        print(f"\ncitizen's sign-in, identity (one mistyped date) and filing on a 360 px phone: {effort}")
        citizen.wait_for_url(re.compile(r"/cong-dan/ho-so/\d+\?nop=1$"))
        dossier_id = int(re.search(r"/ho-so/(\d+)", citizen.url).group(1))  # type: ignore[union-attr]
        code = citizen.locator("#dossier-code").inner_text()
        assert citizen.locator("#portal-status").inner_text() == "Chờ tiếp nhận (nộp trực tuyến)"

        # ------------------------------------------------------------------------- the centre asks once for more
        office = desk.new_page()
        _officer_act(office, base, RECEPTION, dossier_id, [("Tiếp nhận hồ sơ trực tuyến", "accept_online", ""),
                                                           ("Chuyển xử lý", "transfer", "")])
        _officer_act(office, base, APPROVER, dossier_id, [("Phân công xử lý", "assign", "")])
        reasons = "Bổ sung bản sao hợp đồng thuê địa điểm kinh doanh."
        office.set_viewport_size(DESKTOP)
        log_in(office, base, SPECIALIST)
        office.goto(f"{base}/dossiers/{dossier_id}")
        request = office.locator('form[action$="/actions/request_supplement"]')
        request.locator('textarea[name="note"]').fill(reasons)
        request.locator(f'input[name="missing"][value="{LEASE}"]').check()  # the item the officer lists
        _act(office, "Yêu cầu bổ sung hồ sơ", "request_supplement")
        _log_out(office)

        # ------------------------------------------------------------------------- the public lookup says what, by when
        public = desk.new_page()
        SHOTS.mkdir(parents=True, exist_ok=True)
        for size, viewport in (("phone", PHONE), ("desktop", LAPTOP)):
            public.set_viewport_size(viewport)
            public.goto(base + "/tra-cuu")
            public.get_by_label("Mã hồ sơ (in trên giấy tiếp nhận)").fill(code)
            public.get_by_label(re.compile("^4 chữ số cuối")).fill(MOBILE[-4:])
            public.get_by_role("button", name="Tra cứu").click()
            public.locator("#lookup-missing").wait_for()
            assert public.locator("#lookup-missing li").all_inner_texts() == [LEASE_NAME]
            assert re.fullmatch(r"\d\d/\d\d/\d{4}", public.locator("#lookup-supplement-due").inner_text())
            assert public.locator("#lookup-due").count() == 0 and public.locator("#lookup-due-paused").count() == 1
            assert public.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            public.screenshot(path=str(SHOTS / f"lookup-supplement-{viewport['width']}-{kind}.png"), full_page=True)
            assert_accessible(public, name=f"lookup-supplement-{size}-{kind}")
        due = public.locator("#lookup-supplement-due").inner_text()
        public.close()

        # ------------------------------------------------------------------------- the citizen supplies it online
        citizen.reload()
        assert citizen.locator("#supplement-reasons").inner_text() == reasons
        assert citizen.locator("#supplement-due").inner_text() == due  # the same deadline as the lookup's
        assert_accessible(citizen, name=f"portal-supplement-{kind}")
        citizen.screenshot(path=str(SHOTS / f"supplement-360-{kind}.png"), full_page=True)
        citizen.set_viewport_size(LAPTOP)
        citizen.screenshot(path=str(SHOTS / f"supplement-1366-{kind}.png"), full_page=True)
        assert_accessible(citizen, name=f"portal-supplement-desktop-{kind}")
        citizen.set_viewport_size(PHONE)
        second_page = tmp_path / "hop-dong-trang-2.pdf"
        second_page.write_bytes(pdf_bytes() + b"\n% page 2\n")
        citizen.get_by_label(LEASE_NAME).set_input_files([str(scan), str(second_page)])  # two files at once
        citizen.get_by_role("button", name="Nộp bổ sung").click()
        citizen.wait_for_url(re.compile(r"\?bo-sung=1$"))
        assert citizen.locator("#portal-status").inner_text() == "Bổ sung chờ xác nhận"
        with Session(fresh_db.engine) as session:
            supplied = session.scalars(select(DossierDocument.requirement_key).where(
                DossierDocument.dossier_id == dossier_id, DossierDocument.kind == "supplement")).all()
            assert supplied == [LEASE, LEASE]
        # the clock restarts only when the centre confirms the supplement complete (Art. 19(5))
        _officer_act(office, base, RECEPTION, dossier_id, [("Xác nhận hồ sơ bổ sung đầy đủ", "confirm_supplement", "")])
        citizen.reload()
        assert citizen.locator("#portal-status").inner_text() == "Đang xử lý"
        _shot(citizen, f"portal-supplied-{kind}", "phone")

        # ------------------------------------------------------------------------- decided, with an e-result
        _officer_act(office, base, SPECIALIST, dossier_id, [("Trình phê duyệt", "submit_for_approval", "")])
        office.set_viewport_size(DESKTOP)
        log_in(office, base, APPROVER)
        office.goto(f"{base}/dossiers/{dossier_id}")
        office.get_by_label("Kết quả điện tử (PDF) để công dân tải về").set_input_files(str(scan))
        office.get_by_role("button", name="Đính kèm kết quả").click()
        office.wait_for_url(re.compile(r"\?done=result$"))
        _act(office, "Phê duyệt, ký kết quả", "approve")
        _log_out(office)
        _officer_act(office, base, RECEPTION, dossier_id, [("Trả kết quả", "return_result", "")])

        # ------------------------------------------------------------------------- the citizen downloads it
        citizen.reload()
        assert citizen.locator("#portal-status").inner_text() == "Đã trả kết quả"
        with citizen.expect_download() as waiting:
            citizen.locator("#result-link-1").click()
        download = waiting.value
        result = PdfReader(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115 - a temp file
        assert len(result.pages) == 1
        assert download.suggested_filename.startswith(code)
        _shot(citizen, f"portal-result-{kind}", "phone")

        # ------------------------------------------------------------------------- and rates it (Art. 31–33)
        citizen.locator("#rate-link").click()
        citizen.wait_for_url(re.compile(r"/danh-gia\?t="))
        for fieldset in citizen.locator("fieldset").all():
            fieldset.get_by_label("Rất hài lòng", exact=True).check()
        citizen.get_by_role("button", name="Gửi đánh giá").click()
        citizen.wait_for_url(re.compile(r"da_gui=true"))
        assert "Cảm ơn Ông/Bà đã đánh giá." in citizen.locator("main").inner_text()
        assert_accessible(citizen, name=f"portal-rated-{kind}")
        citizen.goto(f"{base}/cong-dan/ho-so/{dossier_id}")
        assert citizen.locator("#rate-link").count() == 0  # once per dossier
        with Session(fresh_db.engine) as session:
            dossier = session.get_one(Dossier, dossier_id)
            assert (dossier.channel, dossier.filed_by, dossier.status) == (2, "citizen", "returned")
            assert [e["type"] for e in dossier.clock_events][:1] == ["started"]
            assert "restarted" in [e["type"] for e in dossier.clock_events]
            rating = session.scalar(select(DossierRating).where(DossierRating.dossier_id == dossier_id))
            assert rating is not None and rating.satisfied
    finally:
        phone.close()
        desk.close()
