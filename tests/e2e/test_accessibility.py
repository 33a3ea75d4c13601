"""Accessibility of the public pages (WCAG 2.1 AA), in a real Chromium, on a 360 px phone and on a desktop.

axe-core (``tests/e2e/a11y.py``) checks every page in each state a citizen meets it: the landing page, the login
page (also with its error), the public lookup (empty, after a miss, with a found dossier) and the 404 page. Two
things axe cannot judge are checked by hand: the lookup form in keyboard order, and text enlarged to 200 % on a
360 px phone without horizontal scrolling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize
from sqlalchemy.orm import Session

import motcua.models  # noqa: F401  (every table mapped, so the ORM resolves the dossier's foreign keys)
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from tests.e2e.a11y import assert_accessible, blocking_violations
from tests.e2e.conftest import ARTIFACTS
from tests.factories import T0, intake_data, make_officer, staff

pytestmark = pytest.mark.e2e

VIEWPORTS: dict[str, ViewportSize] = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}
PHONE = VIEWPORTS["phone"]
MISSING_PAGE = "/khong-co-trang-nay"


def _context(browser: Browser, viewport: ViewportSize) -> BrowserContext:
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, screen: str) -> Iterator[Page]:
    context = _context(browser, VIEWPORTS[screen])
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = _context(browser, PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


# The app's own header (motcua.web.middleware): the check must work with it on.
APP_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"
BROKEN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Trang hỏng</title>
<link rel="stylesheet" href="/broken.css"></head><body><main>
<p id="faint" class="faint">Chữ quá mờ</p><input id="q"><button id="empty"></button><img id="pic" src="/pic.png">
<script>document.title = "inline script ran";</script></main></body></html>"""


def test_assert_accessible_fails_on_a_broken_page_served_under_the_apps_csp(browser: Browser):
    """The checker itself can fail (rule 10): on a page served with the app's Content-Security-Policy — which
    stops its inline script — axe still loads, and the failure names each serious/critical rule (3.1.1
    html-has-lang, 1.4.3 color-contrast, 4.1.2 label and button-name, 1.1.1 image-alt) with its selectors."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    assets = {"/": ("text/html; charset=utf-8", BROKEN_PAGE), "/broken.css": ("text/css", ".faint { color: #c8c8c8; }"),
              "/pic.png": ("image/png", "")}

    def serve(route):
        path = "/" + route.request.url.split("/", 3)[3]
        ctype, body = assets.get(path, ("text/plain", ""))
        route.fulfill(status=200, content_type=ctype, body=body, headers={"Content-Security-Policy": APP_CSP})

    try:
        page.route("http://a11y.invalid/**", serve)
        page.goto("http://a11y.invalid/")
        assert page.title() == "Trang hỏng"  # the CSP is enforced: the inline script did not run
        with pytest.raises(AssertionError) as failed:
            assert_accessible(page, name="selftest-broken-page")
    finally:
        context.close()
    message = str(failed.value)
    for rule, selector in (("html-has-lang", "html"), ("color-contrast", "#faint"), ("label", "#q"),
                           ("button-name", "#empty"), ("image-alt", "#pic")):
        assert f"{rule}:" in message and f"    {selector}" in message, (rule, message)
    saved = json.loads((ARTIFACTS / "axe-selftest-broken-page.json").read_text(encoding="utf-8"))
    assert {"html-has-lang", "color-contrast", "label", "button-name", "image-alt"} <= {
        v["id"] for v in saved["violations"]}


def test_only_serious_and_critical_violations_fail():
    """The bar: axe's "serious" and "critical" WCAG A/AA findings fail; "minor" and "moderate" are reported only."""
    result = {"violations": [{"id": "a", "impact": "minor"}, {"id": "b", "impact": "moderate"},
                             {"id": "c", "impact": "serious"}, {"id": "d", "impact": "critical"}]}
    assert [v["id"] for v in blocking_violations(result)] == ["c", "d"]


def _received_dossier(fresh_db, tmp_path) -> tuple[str, str]:
    """A dossier received at Chí Tiên's counter, committed; returns its code and the lookup secret."""
    with Session(fresh_db.engine) as session:
        team = staff(session)  # commits the officers
    with Session(fresh_db.engine) as session, session.begin():
        dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(),
                                  store=FileStore(tmp_path / "files"), now=T0).dossier
        code, phone = dossier.code, dossier.phone
    assert phone
    return code, phone[-4:]


def _look_up(page: Page, code: str, secret: str) -> None:
    page.get_by_label("Mã hồ sơ (in trên giấy tiếp nhận)").fill(code)
    page.get_by_label("4 chữ số cuối số điện thoại hoặc số định danh của người nộp").fill(secret)
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    page.wait_for_load_state()


def test_landing_page_passes_axe(fresh_db, live_server, page: Page, screen: str):
    """WCAG 2.1 A/AA by axe-core on ``/``, in Vietnamese and in English: 1.4.3 Contrast (Minimum) of the header,
    hero and button; 3.1.1 Language of Page and 3.1.2 Language of Parts (the language switch); 2.4.1 Bypass
    Blocks (skip link, landmarks); 2.4.4 Link Purpose; 4.1.2 Name, Role, Value."""
    response = page.goto(live_server + "/")
    assert response is not None
    assert response.headers["content-security-policy"] == APP_CSP  # the policy the checker's self-test runs under
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("link", name="English").get_attribute("lang") == "en"
    assert_accessible(page, name=f"landing-{screen}-{fresh_db.kind}")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, name=f"landing-en-{screen}-{fresh_db.kind}")


def test_login_page_and_its_error_pass_axe(fresh_db, live_server, page: Page, screen: str):
    """WCAG 2.1 A/AA by axe-core on ``/login``: 1.3.1 Info and Relationships and 3.3.2 Labels or Instructions
    (every field has a label); after a failed login 3.3.1 Error Identification and 1.4.3 Contrast (Minimum) of the
    error text, which must stay readable and tied to the field (``aria-describedby``)."""
    with Session(fresh_db.engine) as session:
        make_officer(session, username="chitien.tiepnhan")
    page.goto(live_server + "/login")
    assert_accessible(page, name=f"login-{screen}-{fresh_db.kind}")
    page.get_by_label("Tên đăng nhập").fill("chitien.tiepnhan")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.get_attribute("#username", "aria-describedby") == "login-error"
    assert_accessible(page, name=f"login-error-{screen}-{fresh_db.kind}")


def test_lookup_page_empty_missed_and_found_passes_axe(fresh_db, live_server, page: Page, screen: str, tmp_path):
    """WCAG 2.1 A/AA by axe-core on ``/tra-cuu`` — empty, after a miss (the error), and showing a found dossier:
    3.3.2 Labels or Instructions, 1.3.1 Info and Relationships (the facts list), 1.4.3 Contrast (Minimum),
    4.1.2 Name, Role, Value of the form controls."""
    code, secret = _received_dossier(fresh_db, tmp_path)
    page.goto(live_server + "/tra-cuu")
    assert_accessible(page, name=f"lookup-empty-{screen}-{fresh_db.kind}")

    _look_up(page, code, "0000")
    assert page.get_by_role("alert").inner_text() == "Không tìm thấy hồ sơ với mã và 4 chữ số đã nhập."
    for field in ("#code", "#secret"):  # the error is announced with the fields it is about
        assert page.get_attribute(field, "aria-describedby") == "lookup-error"
        assert page.get_attribute(field, "aria-invalid") == "true"
    assert_accessible(page, name=f"lookup-miss-{screen}-{fresh_db.kind}")

    _look_up(page, code, secret)
    assert page.get_by_role("heading", name=code).is_visible()
    assert page.locator("#lookup-status").inner_text() == "Đã tiếp nhận"
    assert_accessible(page, name=f"lookup-found-{screen}-{fresh_db.kind}")


def test_not_found_page_passes_axe(fresh_db, live_server, page: Page, screen: str):
    """WCAG 2.1 A/AA by axe-core on the 404 page: 2.4.2 Page Titled, 1.3.1 (one main landmark, a heading),
    2.4.4 Link Purpose of the way back, 1.4.3 Contrast (Minimum)."""
    response = page.goto(live_server + MISSING_PAGE)
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text().startswith("Không tìm thấy")
    assert_accessible(page, name=f"not-found-{screen}-{fresh_db.kind}")


_FOCUSED = """() => {
    const el = document.activeElement;
    return el.id || (el.tagName === 'BUTTON' ? 'button:' + el.textContent.trim() : el.tagName.toLowerCase());
}"""

# The focused element's indicator: outline style, width and colour, the colour of a box-shadow ring drawn with it,
# and the background it is drawn on (the nearest ancestor with an opaque background).
_FOCUS_RING = """() => {
    const el = document.activeElement, s = getComputedStyle(el);
    let background = 'rgb(255, 255, 255)';
    for (let n = el.parentElement; n; n = n.parentElement) {
        const c = getComputedStyle(n).backgroundColor;
        if (c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)') { background = c; break; }
    }
    const ring = s.boxShadow === 'none' ? null : (s.boxShadow.match(/rgba?\\([^)]*\\)/) || [null])[0];
    return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, ring, background};
}"""


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG 2.1 definition) of an ``rgb()``/``rgba()`` colour as getComputedStyle gives it."""
    r, g, b = (float(v) / 255 for v in re.findall(r"[\d.]+", css_colour)[:3])
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_lookup_form_is_reached_by_keyboard_in_order_with_a_visible_focus(fresh_db, live_server, phone_page: Page):
    """WCAG 2.1.1 Keyboard and 2.4.3 Focus Order: from the top of the page, Tab reaches the code, then the
    secret, then the button. 2.4.7 Focus Visible with 1.4.11 Non-text Contrast: each shows a focus ring of at
    least 2 px with a 3:1 contrast against the card it sits on."""
    page = phone_page
    page.goto(live_server + "/tra-cuu")
    reached: list[str] = []
    for _ in range(20):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(_FOCUSED))
        if reached[-1] == "code":
            break
    assert reached[-1] == "code", f"Tab never reached the code field: {reached}"
    assert reached[0] == "a"  # the skip link and the header's links come first, as on every page
    for expected in ("code", "secret", "button:Tra cứu"):
        if expected != "code":
            page.keyboard.press("Tab")
            reached.append(page.evaluate(_FOCUSED))
        assert reached[-1] == expected, f"expected {expected} next, the keyboard went: {reached}"
        ring = page.evaluate(_FOCUS_RING)
        assert ring["style"] != "none" and ring["width"] >= 2, f"{expected} shows no focus ring: {ring}"
        best = max(_contrast(colour, ring["background"]) for colour in (ring["color"], ring["ring"]) if colour)
        assert best >= 3, f"the focus ring of {expected} is too faint ({best:.2f}:1 on its background): {ring}"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "secret"  # and back again


def _root_font_doubled(page: Page) -> None:
    page.evaluate("""() => {
        const html = document.documentElement;
        const size = parseFloat(getComputedStyle(html).fontSize);
        html.style.fontSize = (2 * size) + 'px';
    }""")


def _horizontal_overflow(page: Page) -> dict[str, object] | None:
    """None when nothing scrolls sideways; otherwise the widths and what sticks out on the right (elements, and
    the parents of text that overflows its box, such as a long word in a big heading)."""
    return page.evaluate("""() => {
        const root = document.documentElement, edge = root.clientWidth + 0.5;
        if (root.scrollWidth <= root.clientWidth) return null;
        const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
            (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
        const out = new Set();
        for (const el of document.querySelectorAll('body *')) {
            if (el.getBoundingClientRect().right > edge) out.add(name(el));
        }
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let t = walker.nextNode(); t; t = walker.nextNode()) {
            range.selectNodeContents(t);
            if (range.getBoundingClientRect().right > edge) out.add('text in ' + name(t.parentElement));
        }
        return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, overflowing: [...out].slice(0, 15)};
    }""")


def test_text_enlarged_to_200_percent_needs_no_horizontal_scrolling_on_a_phone(
        fresh_db, live_server, phone_page: Page, tmp_path):
    """WCAG 1.4.4 Resize Text (200 % without loss of content) and 1.4.10 Reflow: at 360 px with the root font size
    doubled, the landing, login, lookup (empty, after a miss, with a found dossier) and 404 pages still fit the
    screen's width — in Vietnamese and in English, whose longer words are the harder case."""
    page = phone_page
    code, secret = _received_dossier(fresh_db, tmp_path)
    for lang in ("vi", "en"):
        page.goto(f"{live_server}/lang/{lang}?next=/")
        assert page.locator("html").get_attribute("lang") == lang
        for path in ("/", "/login", "/tra-cuu", MISSING_PAGE):
            page.goto(live_server + path)
            assert _horizontal_overflow(page) is None, f"{lang} {path} scrolls sideways even at 100 %"
            _root_font_doubled(page)
            assert _horizontal_overflow(page) is None, f"{lang} {path} at 200 % text"
        for what, digits in (("a miss", "0000"), ("a found dossier", secret)):
            page.goto(live_server + "/tra-cuu")
            page.locator("#code").fill(code)
            page.locator("#secret").fill(digits)
            page.locator("#secret").press("Enter")
            page.wait_for_load_state()
            assert page.locator("#main .card, #main [role=alert]").first.is_visible()
            _root_font_doubled(page)
            assert _horizontal_overflow(page) is None, f"{lang} lookup with {what} at 200 % text"
