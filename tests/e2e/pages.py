"""What the browser journeys share: an officer's log-in, and a province filled with demo dossiers and indexed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import Page
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.demo.dossiers import load_demo_dossiers
from motcua.index.tasks import fold, rebuild
from motcua.org.models import Commune
from motcua.queue import hours
from tests.factories import PASSWORD


def log_in(page: Page, base: str, username: str) -> int:
    """Log in at /login as the officer (the factories' password) and land on /home; one click."""
    page.goto(base + "/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/home$"))  # not "**/home", which /login?next=/home also matches
    return 1


def demo_province(engine: Engine, now: datetime, *, months: int = 2, scale: float = 0.03) -> None:
    """Phú Thọ with ``months`` of the demo dossiers at a small ``scale``, folded into the index."""
    with Session(engine) as session, session.begin():
        load_demo_dossiers(session, now=now, months=months, scale=scale, parallel=False)
        rebuild(session, now)
        while fold(session, now).pending_left:
            pass


def open_around_the_clock(session: Session, commune_code: str) -> None:
    """The live server runs on the real clock and the kiosk honours the centre's opening hours (issue 18): a journey
    that takes tickets opens the commune every day from 00:00 to 23:59, as data. On a legal holiday, or in the last
    minute of the day in Hà Nội, the centre is closed whatever its hours, and the journey is skipped."""
    commune = session.get(Commune, commune_code)
    assert commune is not None
    now = datetime.now(UTC)
    hours.set_week(session, actor=SYSTEM, province_code=commune.province_code, commune=commune, now=now,
                   week=[((time(0, 0), time(23, 59)),)] * 7)
    if not hours.is_open(session, commune, now):
        pytest.skip("the centre is closed now whatever its hours (a legal holiday in Hà Nội): no ticket can be taken")
