"""axe-core on every page the journeys visit that no journey checks itself (issue 16), at 360 px and 1366 px, in a
real Chromium: the counter's intake form, the calendar, the procedures, the province home, a commune's index, fair
play and reconciliation, the citizen's sign-in and portal, the feedback and rating forms.

The journeys check their own pages (tests/e2e/test_desk_journey.py: inbox, home, dossier page; test_index_journey:
the ranking; test_accessibility: landing, login, lookup, 404; the portal journey). The province holds two months of
the demo dossiers at a small scale, folded into the index, so the pages have their tables and charts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, ViewportSize
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.models import Dossier
from tests.e2e.a11y import assert_accessible
from tests.e2e.pages import demo_province, log_in
from tests.factories import CHI_TIEN, make_officer

pytestmark = pytest.mark.e2e

WIDTHS: dict[str, ViewportSize] = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 768}}
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Mon 23/11/2026 10:00 in Hà Nội
RECEPTION, MONITOR = "chitien.tiepnhan", "tinh.theodoi"


def _load(engine) -> int:
    demo_province(engine, NOW, scale=0.01)
    with Session(engine) as session:
        make_officer(session, username=RECEPTION, roles=(Role.RECEPTION,), full_name="Trần Thanh Hoàng")
        make_officer(session, commune_code=None, username=MONITOR, roles=(Role.PROVINCE_MONITOR,),
                     full_name="Vũ Thị Lan")
        return session.scalars(select(Dossier.id).where(Dossier.deciding_commune_code == CHI_TIEN)
                               .order_by(Dossier.id.desc()).limit(1)).one()


def test_every_other_page_passes_axe_on_a_phone_and_an_office_screen(fresh_db, live_server_files,
                                                                     browser: Browser):
    """WCAG 2.1 AA (serious and critical findings fail; the others are in test-artifacts/axe-*.json); no page
    scrolls sideways, at either width (wide tables scroll inside their own region)."""
    _load(fresh_db.engine)
    base, kind = live_server_files, fresh_db.kind
    pages: dict[str | None, list[str]] = {
        None: ["/phan-anh", "/danh-gia", "/cong-dan/dang-nhap", "/xac-minh"],
        RECEPTION: ["/dossiers/new", "/dossiers/new?procedure=1.001193", "/calendar", "/procedures"],
        MONITOR: ["/home", f"/index/communes/{CHI_TIEN}?period=2026-10", "/index/fair-play",
                  "/index/reconciliation"],
    }
    checked = 0
    for width, viewport in WIDTHS.items():
        for who, paths in pages.items():
            context = browser.new_context(viewport=viewport, locale="vi-VN")
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                if who is not None:
                    log_in(page, base, who)
                for path in paths:
                    response = page.goto(base + path)
                    assert response is not None and response.status == 200, (path, response and response.status)
                    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
                    assert_accessible(page, name=f"sweep-{slug}-{width}-{kind}")
                    # and no page wider than the phone (issue 16, item 15: /calendar overflowed at 360 px)
                    assert page.evaluate("document.documentElement.scrollWidth <= "
                                         "document.documentElement.clientWidth"), (path, width)
                    checked += 1
            finally:
                context.close()
    print(f"axe: {checked} page views, 0 serious or critical violations ({kind})")
