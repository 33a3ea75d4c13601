"""Regenerate the screenshot set in docs/screenshots/ from a running demo (``make run``), in Debian's Chromium.

    make run                                     # in another terminal: the demo on http://127.0.0.1:8000
    .venv/bin/python scripts/screenshots.py      # or --base http://127.0.0.1:8766 --out /tmp/shots

Each page is taken at 360 px (a cheap phone) and 1366 px (an office screen), as the person who uses it sees it,
logged in with the demo logins ``make run`` prints (password ``motcua2025``). The README shows some of them.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from motcua.demo.org import DEMO_PASSWORD as PASSWORD

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = {"phone": 360, "desktop": 1366}
MAX_HEIGHT = 2400  # px: a page longer than this (an inbox of 150 dossiers) is cut
#: (file stem, demo login or None for a visitor, the path or how to find it)
SHOTS: list[tuple[str, str | None, str]] = [
    ("landing", None, "/"),
    ("lookup", None, "/tra-cuu"),
    ("feedback-form", None, "/phan-anh"),
    ("rating", None, "/danh-gia"),
    ("citizen-sign-in", None, "/cong-dan/dang-nhap"),
    ("home-reception", "chitien.tiepnhan", "/home"),
    ("intake", "chitien.tiepnhan", "/dossiers/new?procedure=1.001193"),
    ("inbox", "chitien.tiepnhan", "/dossiers"),
    ("dossier", "chitien.tiepnhan", "first-dossier"),
    ("calendar", "chitien.tiepnhan", "/calendar"),
    ("home-leader", "chitien.lanhdao", "/home"),
    ("inbox-leader", "chitien.lanhdao", "/dossiers?queue=to_assign"),
    ("province-home", "tinh25.theodoi", "/home"),
    ("index", "tinh25.theodoi", "/index"),
    ("index-commune", "tinh25.theodoi", "first-commune"),
    ("index-fair-play", "tinh25.theodoi", "/index/fair-play"),
    ("reconciliation", "tinh25.theodoi", "/index/reconciliation"),
    ("kiosk", None, "/quay/08218/lay-so"),
    ("hall-display", None, "/quay/08218/man-hinh"),
    ("booking", None, "/lich-hen/08218"),
    ("counter-panel", "chitien.tiepnhan", "first-counter"),
    ("queue-stats", "chitien.lanhdao", "/quay/08218/thong-ke"),
]
#: Pages holding a live stream open (server-sent events): never "network idle", so taken once loaded
STREAMING = {"hall-display"}


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    sys.exit("Debian's chromium is needed: `make chromium` installs it.")


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


def resolve(page: Page, base: str, target: str) -> str:
    if target == "first-dossier":
        page.goto(f"{base}/dossiers")
        link = page.locator("a[href^='/dossiers/']").filter(has_text=re.compile(r"\d")).first
        return str(link.get_attribute("href"))
    if target == "first-counter":
        page.goto(f"{base}/quay/08218/quay")
        return str(page.locator("a[href*='/quay-so/']").first.get_attribute("href"))
    if target == "first-commune":
        page.goto(f"{base}/index")
        return str(page.locator("a[href^='/index/communes/']").first.get_attribute("href"))
    return target


def take(browser: Browser, base: str, out: Path, only: set[str]) -> list[Path]:
    written = []
    for stem, user, target in SHOTS:
        if only and stem not in only:
            continue
        for kind, width in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN",
                                          device_scale_factor=1)
            page = context.new_page()
            if user is not None:
                log_in(page, base, user)
            path = resolve(page, base, target)
            page.goto(f"{base}{path}")
            if stem in STREAMING:
                page.wait_for_load_state("load")
                page.wait_for_timeout(1500)  # the stream's first state drawn
            else:
                page.wait_for_load_state("networkidle")
            file = out / f"{stem}-{kind}.png"
            height = int(page.evaluate("document.documentElement.scrollHeight"))
            page.screenshot(path=str(file), full_page=True,  # the top of a long list says what it is
                            clip={"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)})
            written.append(file)
            context.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], help="file stems to take (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(),
                                    args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        for file in take(browser, args.base.rstrip("/"), args.out, set(args.only)):
            print(file.relative_to(ROOT) if file.is_relative_to(ROOT) else file)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
