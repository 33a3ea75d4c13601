"""Page queries (issue 14, item 5): a page gets its data from its query before the template renders; a template
neither reads the database nor calls helpers that a domain package plants in the template environment."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

import motcua
from motcua.portal.models import CitizenAccount
from motcua.web.templating import _ENV, make_environment
from tests.factories import csrf_token, login, make_officer
from tests.feedback.helpers import returned_dossier
from tests.portal.test_portal import sign_in


def test_no_package_adds_template_globals_when_imported() -> None:
    """Importing a package must not change what templates can call: a page that needs a domain's data gets it
    from its query, so the page does not depend on which modules happened to be imported first."""
    for module in pkgutil.walk_packages(motcua.__path__, "motcua."):
        if not module.name.startswith(("motcua.asgi", "motcua.migrations")):
            importlib.import_module(module.name)
    assert set(_ENV.globals) == set(make_environment().globals)


@contextmanager
def statements_while_rendering(connection: Connection, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL statements run while a Jinja template renders."""
    rendering = [False]
    seen: list[str] = []
    original = jinja2.Template.render

    def render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
        rendering[0] = True
        try:
            return original(self, *args, **kwargs)
        finally:
            rendering[0] = False

    def before(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if rendering[0]:
            seen.append(statement)

    monkeypatch.setattr(jinja2.Template, "render", render)
    event.listen(connection.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(connection.engine, "before_cursor_execute", before)


def test_the_lookup_page_reads_nothing_while_it_renders(client: TestClient, session: Session, connection: Connection,
                                                        team: dict, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lookup of a returned dossier offers the rating (Decree 118/2025 Art. 31–33); whether it may be rated is
    asked by the lookup page's query, not by the template while it renders."""
    d = returned_dossier(session, team, tmp_path)
    session.commit()
    token = csrf_token(client, "/tra-cuu")
    with statements_while_rendering(connection, monkeypatch) as seen:
        page = client.post("/tra-cuu", data={"code": d.code, "secret": "5678", "csrf_token": token}).text
    assert "Đánh giá mức độ hài lòng" in page and "/danh-gia?t=" in page
    assert seen == []


def test_the_home_page_reads_nothing_while_it_renders(client: TestClient, session: Session, connection: Connection,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    make_officer(session, username="chitien.a")
    login(client, "chitien.a")
    with statements_while_rendering(connection, monkeypatch) as seen:
        assert "Hôm nay là ngày làm việc" in client.get("/home").text
    assert seen == []


def test_the_citizens_dossier_page_reads_nothing_while_it_renders(client: TestClient, session: Session,
                                                                  connection: Connection, team: dict, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The citizen's own returned dossier offers the rating link from the page's query, as the lookup does."""
    sign_in(client, session)
    d = returned_dossier(session, team, tmp_path)
    d.citizen_id = session.scalars(select(CitizenAccount.id)).one()
    session.commit()
    with statements_while_rendering(connection, monkeypatch) as seen:
        page = client.get(f"/cong-dan/ho-so/{d.id}").text
    assert 'id="rate-link"' in page and "/danh-gia?t=" in page
    assert seen == []
