"""Browser journey of the service index (Decision 766) in a real Chromium: a province monitor opens the ranking of
Phú Thọ's 148 communes for October 2026, drills into Xã Chí Tiên, opens one of the late dossiers that cost it
points, comes back and downloads the ranking as Excel, whose numbers must be those of the table on the page.

The province is filled with two months of the demo dossiers (a small scale of motcua.demo), folded into the index,
so every commune has figures and the charts have something to draw. Screenshots for the README are saved to
docs/screenshots/index.png and index-commune.png.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.pages import demo_province, log_in
from tests.factories import CHI_TIEN, PASSWORD, make_officer

pytestmark = pytest.mark.e2e

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Mon 23/11/2026 10:00 in Hà Nội
PERIOD = "2026-10"
MONITOR = "tinh.theodoi"
#: The README's screenshots are refreshed only on request (MOTCUA_UPDATE_SCREENSHOTS=1); a normal run writes its
#: pictures to test-artifacts/ and leaves the tracked files alone.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots"
               if os.environ.get("MOTCUA_UPDATE_SCREENSHOTS") == "1" else ARTIFACTS)
#: Where the screenshots a reviewer looks at go (MOTCUA_SHOTS_DIR), else test-artifacts/.
SHOTS = Path(os.environ.get("MOTCUA_SHOTS_DIR") or ARTIFACTS)


def _load(engine) -> None:
    demo_province(engine, NOW)
    with Session(engine) as session:
        make_officer(session, commune_code=None, username=MONITOR, roles=(Role.PROVINCE_MONITOR,),
                     full_name="Vũ Thị Lan")


def _table(page: Page) -> list[dict[str, str]]:
    """The ranking table as the page shows it: each row's commune and the data-value of its cells."""
    return page.locator("#ranking tbody tr[data-commune]").evaluate_all("""rows => rows.map(r => ({
        code: r.dataset.commune,
        name: r.querySelector('th').innerText.trim(),
        values: Array.from(r.querySelectorAll('td')).map(td => td.dataset.value ?? ''),
        text: Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim()),
    }))""")


def _number(value: str) -> float | None:
    return None if value == "" else float(value)


def test_province_monitor_ranks_drills_down_and_exports(fresh_db, live_server_files, browser: Browser, tmp_path):
    _load(fresh_db.engine)
    base = live_server_files
    kind = fresh_db.kind
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} ({m.location.get('url')})") if _is_error(m) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        # ---------------------------------------------------------------- log in, open the ranking for October
        page.goto(base + "/login")
        page.get_by_label("Tên đăng nhập").fill(MONITOR)
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(re.compile(r"/home$"))  # not "**/home", which /login?next=/home also matches
        assert page.get_by_role("link", name="Xem bảng xếp hạng").is_visible()  # the monitor's home card
        page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Chỉ số phục vụ").click()
        page.wait_for_url("**/index")
        page.get_by_label(re.compile("^Hoặc nhập kỳ")).fill(PERIOD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/index?period={PERIOD}")
        assert page.get_by_role("heading", name="Tháng 10/2026").is_visible()
        rows = _table(page)
        assert len(rows) == 148
        ranked = [r for r in rows if r["values"][0]]
        assert len(ranked) > 100 and all(r["text"][0].endswith(f"/{len(ranked)}") for r in ranked)
        assert [int(r["values"][0]) for r in ranked] == sorted(int(r["values"][0]) for r in ranked)
        percents = [float(r["values"][1]) for r in ranked]
        assert percents == sorted(percents, reverse=True)
        for chart in ("histogram", "trend", "ranking"):
            page.locator(f'canvas[data-chart="{chart}"][data-drawn="true"]').wait_for()
        assert not problems, problems  # no script error, no CSP violation
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)

        # The ranking at 360 px: the wide table scrolls inside its box, the page does not.
        page.set_viewport_size(PHONE)
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"index-phone-{kind}.png"), full_page=True)
        page.set_viewport_size(DESKTOP)

        # ---------------------------------------------------------------- drill into Chí Tiên
        chi_tien = next(r for r in rows if r["code"] == CHI_TIEN)
        page.locator(f'#ranking tr[data-commune="{CHI_TIEN}"] th a').click()
        page.wait_for_url(f"**/index/communes/{CHI_TIEN}?period={PERIOD}")
        assert page.locator("#commune-rank").inner_text() == chi_tien["text"][0]
        assert page.locator("#commune-percent").inner_text() == chi_tien["text"][1] + "%"
        page.locator('canvas[data-chart="trend"][data-drawn="true"]').wait_for()
        first_late = page.locator("#late tbody tr a").first
        code = first_late.inner_text().strip()
        assert code.startswith(f"TAM.{CHI_TIEN}-")
        page.screenshot(path=str(SCREENSHOTS / "index-commune.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.reload()  # as on the ranking: the charts' canvases take the new width on their resize observer, later
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.set_viewport_size(DESKTOP)
        page.reload()

        # ---------------------------------------------------------------- the late dossier opens
        first_late.click()
        page.wait_for_url(re.compile(r"/dossiers/\d+$"))
        assert page.locator("h1 .code").inner_text().strip() == code

        # ---------------------------------------------------------------- back, and the ranking to Excel
        page.go_back()
        page.wait_for_url(f"**/index/communes/{CHI_TIEN}?period={PERIOD}")
        page.go_back()
        page.wait_for_url(f"**/index?period={PERIOD}")
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải bảng xếp hạng (Excel)").click()
        assert download.value.suggested_filename == f"chi-so-phuc-vu-25-{PERIOD}.xlsx"
        target = tmp_path / download.value.suggested_filename
        download.value.save_as(target)
        sheet = load_workbook(target)["Xếp hạng"]
        values = list(sheet.iter_rows(values_only=True))
        header = next(i for i, row in enumerate(values) if row[0] == "Hạng")
        assert "Tháng 10/2026" in values[2][0]
        excel_rows = values[header + 1:]
        assert len(excel_rows) == len(rows)
        columns = list(values[header])
        on_time, counted = columns.index("2.1 Đúng hạn (%)"), columns.index("Hồ sơ được tính")
        for shown, row in zip(rows, excel_rows, strict=True):
            v = shown["values"]
            assert (row[1], row[2]) == (shown["code"], shown["name"])
            assert row[0] == (int(v[0]) if v[0] else None)
            assert row[counted] == int(v[-3])
            if not v[0]:
                continue
            assert row[3] == _number(v[1]) and row[4] == _number(v[2])  # total (%), points
            assert row[on_time] == _number(v[-4])
            assert row[columns.index("Tiến độ giải quyết: điểm")] == _number(v[4])
        assert not problems, problems
    finally:
        context.close()


def _is_error(message: ConsoleMessage) -> bool:
    """Errors of this page's scripts. htmx's own attempt to add its indicator <style> on every page is refused by
    the site-wide CSP (style-src 'self') and is not this page's doing; nor is the browser's favicon request."""
    url = str(message.location.get("url", ""))
    return message.type == "error" and "htmx" not in url and not url.endswith("/favicon.ico")


def _column(page: Page, key: str) -> list[tuple[str, float | None]]:
    """The visible rows in the table's order, each with its value in column ``key`` (None: an empty cell)."""
    rows = page.locator("#ranking tbody tr[data-commune]:not([hidden])").evaluate_all(
        "(rows, key) => rows.map(r => [r.dataset.commune, r.getAttribute('data-k-' + key)])", key)
    return [(code, _number(value)) for code, value in rows]


def _by_points(column: list[tuple[str, float | None]], descending: bool) -> bool:
    """The rule of a sorted column: its values in order (largest first when descending), the empty cells last."""
    values = [v for _, v in column]
    filled = [v for v in values if v is not None]
    return (filled == sorted(filled, reverse=descending)
            and values == filled + [None] * (len(values) - len(filled)))


def test_the_provinces_ranking_sorted_by_group(fresh_db, live_server_files, browser: Browser):
    """Issue 16, item 13: the province monitor opens the ranking of October; the table comes before anything else
    but the period line, fits a 1366 px screen without losing a column, and scrolls inside its own keyboard-
    focusable region at 360 px. A click on a group's header orders the communes by that group's points (largest
    first, the communes without data last), a second click reverses it; the order is kept in the address, and the
    server answers that address with the same order (no JavaScript needed). The search box finds communes typed
    without diacritics. axe-core finds nothing serious at either width."""
    _load(fresh_db.engine)
    base = live_server_files
    kind = fresh_db.kind
    context = browser.new_context(viewport=LAPTOP, locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.text} ({m.location.get('url')})") if _is_error(m) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        log_in(page, base, MONITOR)
        page.goto(f"{base}/index?period={PERIOD}")
        started = time.perf_counter()
        # the table is the first section: the period line above it is one row, not two full forms
        first_card = page.locator("main section.card").first
        assert first_card.get_attribute("aria-labelledby") == "h-ranking"
        bar = page.locator(".period-bar").bounding_box()
        assert bar is not None and bar["height"] < 120, bar
        # every column visible at 1366 px: the table is no wider than its box
        region = page.get_by_role("region", name=re.compile("cuộn để xem hết các cột"))
        assert region.evaluate("r => r.scrollWidth <= r.clientWidth"), "a column is cut off at 1366 px"
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
        page.screenshot(path=str(SHOTS / f"ranking-1366-{kind}.png"))
        assert_accessible(page, name=f"ranking-1366-{kind}", exclude=["canvas"])

        header = page.locator("#ranking thead th", has=page.locator('a[data-sort="g-online_service"]'))
        link = header.get_by_role("link")
        print(f"click 1: {link.inner_text()!r}")
        link.click()
        assert header.get_attribute("aria-sort") == "descending"
        by_online = _column(page, "g-online_service")
        assert len(by_online) == 148 and _by_points(by_online, descending=True), by_online[:10]
        assert len({v for _, v in by_online}) > 2, "the group must tell communes apart for this test to mean much"
        assert "sort=g-online_service" in page.url and "dir=desc" in page.url
        print(f"  top: {by_online[:3]}, last with points: {[x for x in by_online if x[1] is not None][-1]}")

        print(f"click 2: {link.inner_text()!r}")
        link.click()
        assert header.get_attribute("aria-sort") == "ascending"
        ascending = _column(page, "g-online_service")
        assert _by_points(ascending, descending=False), ascending[:10]
        assert "dir=asc" in page.url

        # the server answers the same address with the same order (what a reader without JavaScript gets)
        shown = [code for code, _ in ascending]
        page.reload()
        assert [code for code, _ in _column(page, "g-online_service")] == shown
        assert page.locator("#ranking thead th[aria-sort]").count() == 1

        print("click 3: 'Xã, phường'")
        page.locator('#ranking thead a[data-sort="name"]').click()
        names = page.locator("#ranking tbody tr[data-commune]:not([hidden])").evaluate_all(
            "rows => rows.map(r => r.dataset.kName)")
        assert names == sorted(names)
        print(f"the ranking sorted by a group, reversed, then by name: 3 clicks, {time.perf_counter() - started:.1f} s "
              "(with the checks between them)")

        # search without diacritics: "muong" finds the Mường communes, and only those
        page.get_by_role("searchbox", name=re.compile("^Tìm xã, phường")).fill("muong")
        found = page.locator("#ranking tbody tr[data-commune]:not([hidden]) th").all_inner_texts()
        assert found and all(n.startswith("Mường") for n in found), found
        assert page.locator("#ranking-count").inner_text() == f"Hiển thị {len(found)}/148 xã, phường."
        assert "q=muong" in page.url
        page.reload()  # and the server filters the same way
        assert page.locator("#ranking tbody tr[data-commune]:not([hidden]) th").all_inner_texts() == found
        page.get_by_role("searchbox", name=re.compile("^Tìm xã, phường")).fill("")
        assert page.locator("#ranking tbody tr[data-commune]:not([hidden])").count() == 148

        # 360 px: the page does not scroll sideways; the table does, in a region reached and scrolled by keyboard
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/index?period={PERIOD}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(SHOTS / f"ranking-360-{kind}.png"))
        page.screenshot(path=str(SHOTS / f"ranking-360-full-{kind}.png"), full_page=True)
        assert_accessible(page, name=f"ranking-360-{kind}", exclude=["canvas"])
        region = page.get_by_role("region", name=re.compile("cuộn để xem hết các cột"))
        assert region.get_attribute("tabindex") == "0"
        region.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.scroll.ranking').scrollLeft > 0")
        assert not problems, problems
    finally:
        context.close()
