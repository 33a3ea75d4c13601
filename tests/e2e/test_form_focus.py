"""Issue 16 (3): after a refused form the cursor is on the first field in error (not at the top of the page), and
a required field's label is marked, in a real Chromium at 360 px."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_refused_form_puts_the_cursor_on_its_first_error(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(live_server + "/phan-anh")
        page.fill("#subject", "x")  # too short, and the content is left empty
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state("domcontentloaded")
        invalid = page.locator("main [aria-invalid='true']")
        assert invalid.count() >= 1
        first_id = invalid.first.get_attribute("id")
        assert page.evaluate("document.activeElement.id") == first_id
        # Required fields say so before any error: the label of a required input ends with a red "*".
        marks = page.evaluate("""() => [...document.querySelectorAll('main label')]
            .filter(l => { const n = l.nextElementSibling; return n && n.required; })
            .map(l => getComputedStyle(l, '::after').content)""")
        assert marks and all(m == '" *"' for m in marks)
    finally:
        context.close()
