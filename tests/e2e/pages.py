"""What the browser journeys share: an officer's log-in, and a province filled with demo dossiers and indexed."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from motcua.demo.dossiers import load_demo_dossiers
from motcua.index.tasks import fold, rebuild
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
