"""The result of a dossier in the browser (issue 17): the handler drafts it from the template and sends it, the
leader finds it under "Kết quả chờ ký" and issues it; the province administrator's template pages. axe-core at
360 px and 1366 px on each page, and no page wider than the phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import update
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.integrations.esign.demo import DEMO_CA, EsignServices
from motcua.integrations.esign.signers import import_to_token, init_softhsm_token
from motcua.portal.actions.accounts import parse_destination, sign_in
from motcua.portal.deps import CITIZEN_COOKIE
from motcua.portal.models import CitizenAccount
from motcua.results.actions import add_credential
from motcua.results.models import ResultDraft
from tests.docstore.test_verify import _incremental_update
from tests.e2e.a11y import assert_accessible
from tests.e2e.pages import log_in
from tests.factories import CHI_TIEN, make_officer, pdf_bytes, principal_of
from tests.integrations.esign.conftest import assert_independently_valid
from tests.results.helpers import HKD_VALUES, awaiting_approval, submitted_draft

pytestmark = pytest.mark.e2e

WIDTHS: dict[str, ViewportSize] = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 768}}
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _check(page: Page, name: str) -> None:
    assert_accessible(page, name=name)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), name


def test_draft_send_and_issue_in_the_browser(fresh_db, live_server_files, browser: Browser, tmp_path: Path):
    engine, kind = fresh_db.engine, fresh_db.kind
    with Session(engine) as session:
        team = {role: principal_of(make_officer(session, username=f"ct.{role}", roles=(Role(role),),
                                                with_post=False, full_name=name), Role(role))
                for role, name in (("reception", "Trần Thanh Hoàng"), ("specialist", "Nguyễn Đức Bình"),
                                   ("approver", "Lê Thị Yến"))}
        make_officer(session, commune_code=None, username="tinh.quantri", roles=(Role.ADMIN,), with_post=False,
                     full_name="Tạ Anh Long")
        dossier = awaiting_approval(session, team, FileStore(tmp_path / "unused"))
        dossier_id = dossier.id
        session.commit()
    base = live_server_files
    scan = tmp_path / "ban-ky-tay.pdf"
    scan.write_bytes(pdf_bytes())
    for width, viewport in WIDTHS.items():
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            log_in(page, base, "tinh.quantri")
            for path in ("/mau-ket-qua", "/mau-ket-qua/moi?tu=1", "/mau-ket-qua/1"):
                page.goto(base + path)
                _check(page, f"results-{re.sub(r'[^a-z0-9]+', '-', path)}-{width}-{kind}")
        finally:
            context.close()
        if width != "360":
            continue
        # the journey itself, on the phone
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            log_in(page, base, "ct.specialist")
            page.goto(f"{base}/dossiers/{dossier_id}")
            page.get_by_role("link", name="Soạn, trình ký kết quả từ mẫu").click()
            page.get_by_role("button", name="Soạn kết quả từ mẫu").click()
            for key, value in HKD_VALUES.items():
                page.locator(f"#f_{key}").fill(value)
            _check(page, f"results-draft-{width}-{kind}")
            page.get_by_role("button", name="Trình lãnh đạo ký").click()
            page.get_by_text("Chờ lãnh đạo ký").first.wait_for()
            context.clear_cookies()
            log_in(page, base, "ct.approver")
            page.get_by_role("link", name="Kết quả chờ ký").click()
            _check(page, f"results-pending-{width}-{kind}")
            page.get_by_role("link", name=re.compile(r"TAM\.")).first.click()
            _check(page, f"results-sign-{width}-{kind}")
            page.locator("#scan").set_input_files(str(scan))
            page.get_by_role("button", name="Tải lên bản ký tay").click()
            page.get_by_text("01/GCN-UBND").first.wait_for()
            _check(page, f"results-issued-{width}-{kind}")
        finally:
            context.close()


@pytest.fixture
def trust_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EsignServices]:
    """The demo CA's TSA, OCSP and remote signing simulators, started before the server so that its settings
    (``MOTCUA_ESIGN_*`` in the environment) point at them."""
    with EsignServices(tmp_path / DEMO_CA) as services:
        assert services.tsa is not None and services.remote is not None
        monkeypatch.setenv("MOTCUA_ESIGN_TSA_URL", services.tsa.url)
        monkeypatch.setenv("MOTCUA_ESIGN_REMOTE_URL", services.remote.base_url)
        monkeypatch.setenv("MOTCUA_ESIGN_DIR", str(tmp_path))  # so the server trusts this demo CA's root
        yield services


def test_the_leader_signs_with_the_token_in_the_browser(trust_services: EsignServices, fresh_db, live_server_files,
                                                        browser: Browser, tmp_path: Path):
    """Issue 17's journey: drafted and sent, then the leader types the token's PIN (SoftHSM2 standing in for the USB
    token) — a wrong one first — and the result is signed, sealed, numbered and attached; the file is valid for
    pyHanko and pdfsig; the citizen downloads it on a phone and ``/xac-minh`` shows it valid, then changed."""
    pki = trust_services.pki
    assert pki is not None
    committee = "Ủy ban nhân dân xã Chí Tiên"
    with Session(fresh_db.engine) as session:
        team = {role: principal_of(make_officer(session, username=f"ct.{role}", roles=(Role(role),),
                                                with_post=False, full_name=name), Role(role))
                for role, name in (("reception", "Trần Thanh Hoàng"), ("specialist", "Nguyễn Đức Bình"),
                                   ("approver", "Lê Thị Yến"))}
        dossier = awaiting_approval(session, team, FileStore(tmp_path / "unused"))
        draft = submitted_draft(session, team, dossier)
        leader = pki.issue_certificate("leader", common_name="Lê Thị Yến", organisation=committee, title="Chủ tịch")
        seal = pki.issue_certificate("seal", common_name=committee, organisation=committee)
        Path(f"{seal.p12_path}.pass").write_text(seal.passphrase)
        token = init_softhsm_token(tmp_path / "softhsm", label="motcua-e2e", pin="246810")
        import_to_token(token, label="leader", key=leader.key, certificate=leader.certificate, chain=pki.chain)
        now = datetime.now(UTC)
        add_credential(session, actor=SYSTEM, commune_code=CHI_TIEN, officer_id=team["approver"].officer_id,
                       kind="pkcs11", reference=json.dumps({"token": "motcua-e2e", "key": "leader",
                                                            "conf": str(token.conf_path)}),
                       subject="Lê Thị Yến — Chủ tịch", serial="1", not_after=leader.certificate.not_valid_after_utc,
                       now=now)
        add_credential(session, actor=SYSTEM, commune_code=CHI_TIEN, officer_id=None, kind="pkcs12",
                       reference=str(seal.p12_path), subject=committee, serial="2",
                       not_after=seal.certificate.not_valid_after_utc, now=now)
        dossier_id, draft_id = dossier.id, draft.id
        session.commit()
    base = live_server_files
    context = browser.new_context(viewport=WIDTHS["360"], locale="vi-VN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        log_in(page, base, "ct.approver")
        page.goto(f"{base}/ket-qua/ho-so/{dossier_id}")
        page.get_by_label("Mã PIN của thiết bị ký số").fill("000000")
        page.get_by_role("button", name="Ký số và ban hành").click()
        page.get_by_text("Mã PIN của thiết bị ký số không đúng").first.wait_for()
        page.get_by_label("Mã PIN của thiết bị ký số").fill("246810")
        page.get_by_role("button", name="Ký số và ban hành").click()
        page.get_by_text("01/GCN-UBND").first.wait_for()
        _check(page, f"results-signed-360-{fresh_db.kind}")
        href = page.get_by_role("link", name="Tải kết quả").get_attribute("href")
        answer = context.request.get(f"{base}{href}")
        assert answer.ok, answer.status
        signed = answer.body()
    finally:
        context.close()
    # pyHanko's validator runs its own event loop: not in this thread, where Playwright's runs
    with ThreadPoolExecutor(1) as pool:
        pool.submit(assert_independently_valid, signed, pki.trust_roots, signatures=2).result()
    with Session(fresh_db.engine) as session:
        assert session.get_one(ResultDraft, draft_id).signature == "digital"
    _the_citizen_downloads_it_and_verifies_it(fresh_db.engine, base, browser, dossier_id, signed)


def _the_citizen_downloads_it_and_verifies_it(engine, base: str, browser: Browser, dossier_id: int,
                                              signed: bytes) -> None:
    """The rest of issue 17's journey: the applicant, signed in on a phone with the identity the population database
    confirmed, finds the result in their store (kho dữ liệu điện tử) and downloads it — the very bytes the leader
    issued — then ``/xac-minh`` says it is the valid document motcua issued; the same file with one byte changed is
    shown as changed, and with an incremental update appended after the signatures as modified after signing."""
    with Session(engine) as session:
        dossier = session.get_one(Dossier, dossier_id)
        account, token = sign_in(session, destination=parse_destination("0912345678"),
                                 full_name=dossier.applicant_name, now=datetime.now(UTC))
        session.execute(update(CitizenAccount).where(CitizenAccount.id == account.id)
                        .values(id_number=dossier.id_number, vneid_level=2, identity_checked_at=datetime.now(UTC)))
        code = dossier.code
        session.commit()
    context = browser.new_context(viewport=WIDTHS["360"], locale="vi-VN", is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    context.add_cookies([{"name": CITIZEN_COOKIE, "value": token, "url": base}])
    page = context.new_page()
    try:
        page.goto(f"{base}/cong-dan/kho-du-lieu")
        link = page.locator("a[href^='/cong-dan/kho-du-lieu/']").first  # the one result of their store
        with page.expect_download() as download:
            link.click()
        downloaded = Path(download.value.path()).read_bytes()
        assert downloaded == signed, f"the store of {code} served other bytes than the leader issued"
        for data, verdict in ((downloaded, "Văn bản hợp lệ: đúng văn bản đã cấp"),
                              (_one_byte_changed(downloaded), "Văn bản đã bị thay đổi"),
                              (_incremental_update(downloaded), "Văn bản bị sửa đổi sau khi ký")):
            page.goto(f"{base}/xac-minh")
            page.get_by_label("Tệp PDF cần xác minh").set_input_files(
                {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": data})
            page.get_by_role("button", name="Xác minh", exact=True).click()
            page.locator("#verdict-head").wait_for()
            assert verdict in page.locator("#verdict-head").inner_text(), page.locator("main").inner_text()
        _check(page, "verify-modified-360")
    finally:
        context.close()


def _one_byte_changed(signed: bytes) -> bytes:
    """One byte of the page's content stream changed, inside what the signatures cover."""
    at = signed.index(b"stream\n") + 40
    return signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]
