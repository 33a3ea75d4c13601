"""Screenshots of the docstore's pages (docs/screenshots/verify-*.png, store-*.png) at 360 and 1366 px, in Debian's
Chromium, without a server: the browser's requests are answered by the test app (``page.route``). Not collected by
``make test``; run it by name:

    MOTCUA_TEST_WITHOUT_POSTGRES=1 .venv/bin/pytest -q -p no:cacheprovider tests/docstore/shots_docstore.py
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Route, sync_playwright
from sqlalchemy import update

from motcua.base.roles import Role
from motcua.portal.models import CitizenAccount
from tests.docstore.helpers import issued_result
from tests.docstore.test_verify import _incremental_update
from tests.factories import T0, VALID_ID, login, make_officer, staff
from tests.integrations.esign.conftest import COMMITTEE, LEADER
from tests.portal.test_portal import sign_in

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"phone": 360, "desktop": 1366}


def _shoot(client, name: str, path: str, upload: bytes | None = None, id_number: str | None = None) -> None:
    def answer(route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        target = url.path + (f"?{url.query}" if url.query else "")
        if request.method == "POST":
            response = client.post(target, content=request.post_data_buffer,
                                   headers={"content-type": request.headers["content-type"]})
        else:
            response = client.get(target, headers={k: v for k, v in request.headers.items()
                                                   if k.lower().startswith("hx-")})
        route.fulfill(status=response.status_code, body=response.content,
                      headers={k: v for k, v in response.headers.items() if k.lower() != "content-length"})

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        for suffix, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("http://testserver/**", answer)
            page.goto(f"http://testserver{path}")
            if upload is not None:
                page.set_input_files("#file", files=[{"name": "ket-qua.pdf", "mimeType": "application/pdf",
                                                      "buffer": upload}])
                page.click("#verify-form button[type=submit]")
                page.wait_for_selector("#verdict")
            if id_number is not None:
                page.fill("#id_number", id_number)
                page.dispatch_event("#id_number", "change")
                page.wait_for_selector("#reuse-offers fieldset")
                page.locator("#reuse-offers").scroll_into_view_if_needed()
            page.screenshot(path=str(OUT / f"{name}-{suffix}.png"), full_page=True)
            page.close()
        browser.close()


def test_screenshots(app, client, session, store, clock, esign, double_signed, tmp_path):
    root = tmp_path / "root.der"
    root.write_bytes(esign.roots[0])
    app.state.settings.esign_trust_roots = str(root)
    now = datetime.now(UTC).replace(microsecond=0)
    clock.instant = now + timedelta(minutes=5)
    team = staff(session)
    _, _, code = issued_result(session, team, store, data=double_signed, at=now - timedelta(hours=2),
                               signers=(LEADER, COMMITTEE))
    issued_result(session, team, store, procedure_code="1.004873", documents_present=["to_khai", "giay_to_tuy_than"],
                  at=T0, label="hon-nhan")
    session.commit()
    client.get("/xac-minh")
    _shoot(client, "verify-empty", "/xac-minh")
    _shoot(client, "verify-valid", f"/xac-minh/{code}", upload=double_signed)
    position = double_signed.index(b"QUYET DINH")
    _shoot(client, "verify-changed", "/xac-minh", upload=double_signed[:position] + b"X" + double_signed[position + 1:])
    _shoot(client, "verify-modified", "/xac-minh", upload=_incremental_update(double_signed))
    make_officer(session, username="quay.anh", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    session.commit()
    login(client, "quay.anh")
    _shoot(client, "intake-reuse", "/dossiers/new?procedure=2.001263", id_number=VALID_ID)
    client.cookies.clear()
    sign_in(client, session)
    session.execute(update(CitizenAccount).where(CitizenAccount.phone == "0912345678")
                    .values(id_number=VALID_ID, vneid_level=2, identity_checked_at=T0))
    session.commit()
    _shoot(client, "store", "/cong-dan/kho-du-lieu")
