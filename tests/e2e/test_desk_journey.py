"""The officers' desk in a real Chromium (issue 16, items 4, 6, 7).

The clock-state test: dossiers of Xã Chí Tiên in each state of the legal clock — new, running, due soon, paused
for a supplement, finished early, late while running, finished late — each dossier page shows its own words in its
own colour class, and the inbox shows the same. The server runs on the real clock, so the dossiers are received at
instants before now chosen by the ledger (the due-soon one: where the ledger says less than two working hours are
left of its three working days).

The journey: a handler submits with a draft result, the leader goes from the home page to the dossier, reads the
draft beside the approve button, confirms and approves; the clicks it took are printed.

Screenshots at 360 px and 1366 px go to /tmp/shots-desk/ (and test-artifacts/); axe-core checks the inbox, the
home page and the dossier page at both widths.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.calendar import ClockLedger, TimeLimit
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from tests.e2e.a11y import assert_accessible
from tests.e2e.pages import log_in
from tests.factories import intake_data, make_officer, principal_of

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots-desk")
WIDE: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
RECEPTION, SPECIALIST, APPROVER = "chitien.tiepnhan", "chitien.chuyenvien", "chitien.lanhdao"
LONG = {"procedure_code": "1.001699", "documents_present": ["don_de_nghi", "ho_so_y_te", "giay_to_tuy_than"]}
#: 5 working days (đăng ký lại khai sinh): its last fifth is one working day, so it is due soon at any hour of the
#: day before its due date (a 3-day dossier is due soon in its last 4.8 working hours only, never at night).
FIVE_DAYS = {"procedure_code": "1.004884",
             "documents_present": ["to_khai", "ban_sao_giay_khai_sinh", "van_ban_cam_doan", "giay_to_tuy_than"]}


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _due_soon_receipt(session: Session, now: datetime) -> datetime:
    """A receipt instant whose 5 working days have more than nothing and at most one working day left at ``now``
    (the ledger's reading, on Phú Thọ's calendar)."""
    calendar, hours = calendar_for_province(session, "25"), working_hours_for(session, "25")
    at = now - timedelta(days=3)
    for _ in range(3000):
        state = ClockLedger.start(at, TimeLimit(5, "working_days"), calendar, hours).state(now)
        if not state.is_late and 0 < state.left.microseconds <= state.left.day_us:
            return at
        at -= timedelta(minutes=15)
    raise AssertionError("no receipt instant found for a due-soon dossier")


def _states(session: Session, store: FileStore) -> dict[str, int]:
    r = principal_of(make_officer(session, username=RECEPTION, roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa"),
                     Role.RECEPTION)
    s = principal_of(make_officer(session, username=SPECIALIST, roles=(Role.SPECIALIST,), full_name="Trần Văn Nam"),
                     Role.SPECIALIST)
    a = principal_of(make_officer(session, username=APPROVER, roles=(Role.APPROVER,), full_name="Lê Minh Quân"),
                     Role.APPROVER)
    now = datetime.now(UTC)

    def receive(at: datetime, name: str, **extra: object) -> Dossier:
        return receive_dossier(session, actor=r, data=intake_data(applicant_name=name, **extra), uploads=(),
                               store=store, now=at).dossier

    def do(d: Dossier, who: object, action: Action, at: datetime, **extra: object) -> Dossier:
        return perform(session, actor=who, dossier_id=d.id, action=action, now=at,  # type: ignore[arg-type]
                       data=ActionIn.model_validate({"version": d.version, "note": "Nội dung đủ dài", **extra}))

    def to_approval(d: Dossier, at: datetime, draft: str | None = None) -> Dossier:
        d = do(d, r, Action.TRANSFER, at)
        d = do(d, a, Action.ASSIGN, at + timedelta(minutes=1), handler_id=s.id)
        return do(d, s, Action.SUBMIT_FOR_APPROVAL, at + timedelta(minutes=2), result_summary=draft)

    made = {
        "new": receive(now - timedelta(minutes=1), "Nguyễn Văn Mới").id,
        "running": receive(now - timedelta(days=6), "Trần Thị Đang", **LONG).id,
        "due_soon": receive(_due_soon_receipt(session, now), "Lê Văn Sắp", **FIVE_DAYS).id,
    }
    paused = receive(now - timedelta(days=3), "Phạm Thị Chờ")
    paused = do(paused, r, Action.TRANSFER, now - timedelta(days=3) + timedelta(minutes=5))
    paused = do(paused, a, Action.ASSIGN, now - timedelta(days=3) + timedelta(minutes=6), handler_id=s.id)
    made["paused"] = do(paused, s, Action.REQUEST_SUPPLEMENT, now - timedelta(days=2)).id
    early = to_approval(receive(now - timedelta(minutes=30), "Hoàng Văn Sớm"), now - timedelta(minutes=20))
    made["finished_early"] = do(early, a, Action.APPROVE, now - timedelta(minutes=10)).id
    late = receive(now - timedelta(days=30), "Vũ Thị Trễ")
    made["late"] = do(do(late, r, Action.TRANSFER, now - timedelta(days=29)), a, Action.ASSIGN,
                      now - timedelta(days=29), handler_id=s.id).id
    finished_late = to_approval(receive(now - timedelta(days=40), "Đỗ Văn Muộn"), now - timedelta(days=39))
    made["finished_late"] = do(finished_late, a, Action.APPROVE, now - timedelta(minutes=5)).id
    made["to_approve"] = to_approval(receive(now - timedelta(hours=3), "Bùi Thị Duyệt"),
                                     now - timedelta(minutes=3), draft="Giấy chứng nhận đăng ký hộ kinh doanh "
                                                                       "số 25A8000777").id
    session.commit()
    return made


#: What each state says on the page (its own words, and a colour class of its own tone).
EXPECTED = {
    "new": (r"^Mới tiếp nhận — hạn \d\d/\d\d$", "t-neutral"),
    "running": (r"^Còn \d+ ngày( \d+ giờ)? làm việc$", "t-ok"),
    "due_soon": (r"^Sắp đến hạn — còn (1 ngày|\d+ giờ|dưới 1 giờ) làm việc$", "t-soon"),
    "paused": (r"^Tạm dừng — hạn bổ sung \d\d/\d\d$", "t-paused"),
    "finished_early": (r"^Trả kết quả trước hạn$", "t-ok"),
    "late": (r"^Quá hạn \d+ ngày( \d+ giờ)? làm việc$", "t-late"),
    "finished_late": (r"^Trễ hạn \d+ ngày( \d+ giờ)? làm việc$", "t-late"),
}


def test_each_clock_state_has_its_own_words_and_colour(fresh_db, live_server_files, browser: Browser,
                                                       tmp_path) -> None:
    with Session(fresh_db.engine) as session:
        made = _states(session, FileStore(tmp_path / "files"))
    base, kind = live_server_files, fresh_db.kind
    context = browser.new_context(viewport=WIDE, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, base, RECEPTION)
        seen: dict[str, str] = {}
        for state, (words, tone) in EXPECTED.items():
            page.goto(f"{base}/dossiers/{made[state]}")
            clock = page.locator("#clock")
            text = clock.inner_text().strip()
            seen[state] = text
            assert re.match(words, text), (state, text)
            assert tone in (clock.get_attribute("class") or ""), (state, clock.get_attribute("class"))
            assert clock.get_attribute("data-clock") == state
            if state in ("paused", "finished_early", "finished_late"):  # no time left is shown once stopped
                assert "Thời gian còn lại" not in page.locator("#main").inner_text()
            if state == "paused":  # not the old appointment: the due date is counted again after the supplement
                assert "tính lại từ đầu" in page.locator("#due").inner_text()
            if state == "late":
                colour = clock.evaluate("e => getComputedStyle(e).color")
                assert colour == "rgb(138, 17, 17)", colour  # red text, and the words say it
            for width, size in (("1366", WIDE), ("360", PHONE)):
                page.set_viewport_size(size)
                _shot(page, f"dossier-{state}-{width}")
            page.set_viewport_size(WIDE)
        print("\nclock states:", seen)
        assert len(set(seen.values())) == len(seen)
        for width, size in (("1366", WIDE), ("360", PHONE)):
            page.set_viewport_size(size)
            page.goto(f"{base}/dossiers/{made['paused']}")
            assert_accessible(page, name=f"desk-dossier-paused-{width}-{kind}")
            page.goto(f"{base}/dossiers/{made['late']}")
            assert_accessible(page, name=f"desk-dossier-late-{width}-{kind}")
            page.goto(f"{base}/home")
            _shot(page, f"home-reception-{width}")
            assert_accessible(page, name=f"desk-home-{width}-{kind}")
            page.goto(f"{base}/dossiers")
            _shot(page, f"inbox-reception-{width}")
            assert_accessible(page, name=f"desk-inbox-{width}-{kind}")
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        rows = page.locator("table.inbox tbody tr")
        kinds = rows.evaluate_all("rows => rows.map(r => r.dataset.clock)")
        # the counter's work: running by due date, then waiting for the citizen, results to return last (the late one
        # is in appraisal, at the division's desk)
        assert kinds == ["due_soon", "new", "running", "paused", "finished_late", "finished_early"], kinds
    finally:
        context.close()


def test_the_leader_approves_with_the_draft_in_view(fresh_db, live_server_files, browser: Browser,
                                                    tmp_path) -> None:
    """From the home page to the approval in few clicks, the handler's draft next to the button; the page then
    names the action done."""
    with Session(fresh_db.engine) as session:
        made = _states(session, FileStore(tmp_path / "files"))
        code = session.get_one(Dossier, made["to_approve"]).code
    base = live_server_files
    context = browser.new_context(viewport=WIDE, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        started = time.perf_counter()
        clicks = log_in(page, base, APPROVER)
        _shot(page, "home-leader-1366")
        page.get_by_role("link", name="Hồ sơ chờ phê duyệt", exact=True).click()
        clicks += 1
        page.wait_for_url("**/dossiers?status=awaiting_approval")
        _shot(page, "inbox-leader-1366")
        page.get_by_role("link", name=code, exact=True).click()
        clicks += 1
        page.wait_for_url(re.compile(r"/dossiers/\d+$"))
        form = page.locator('form[action$="/actions/approve"]')
        draft = form.locator("#draft-summary")
        assert draft.inner_text() == "Giấy chứng nhận đăng ký hộ kinh doanh số 25A8000777"
        assert form.get_by_label("Kết quả (số, ký hiệu văn bản)").input_value() == draft.inner_text()
        button = form.get_by_role("button", name="Phê duyệt, ký kết quả")
        assert draft.is_visible() and button.is_visible()
        _shot(page, "dossier-approve-draft-1366")
        button.click()  # not yet confirmed: the browser keeps the form and points at the box
        assert page.url.endswith(str(made["to_approve"]))
        clicks += 1
        form.get_by_role("checkbox", name="Tôi xác nhận thực hiện thao tác này").check()
        clicks += 1
        button.click()
        clicks += 1
        page.wait_for_url("**?done=approve")
        assert page.get_by_role("status").inner_text() == "Đã thực hiện: Phê duyệt, ký kết quả."
        assert page.locator("#status").inner_text() == "Đã xử lý xong, chờ trả kết quả"
        print(f"\nleader's approval with the draft in view: {clicks} clicks (log in, list, dossier, approve refused "
              f"without the confirmation, tick it, approve), {time.perf_counter() - started:.1f} s")
        assert clicks <= 6
    finally:
        context.close()
