"""The pages of the citizen's store and its reuse (issue 17, items 6 and 7), through the app (SQLite and PostgreSQL).

Rules: the counter's checklist offers the applicant's still-valid document of the same kind and the choice is
received without a scan; the dossier page says for each document who digitised it and when with its SHA-256, or
which dossier's document it reuses; the citizen sees their store with each document's validity, and downloads
only their own documents (another's is 404, need to know).
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from motcua.base.roles import Role
from motcua.docstore.actions import revoke_issued
from motcua.dossier.models import DossierDocument
from motcua.portal.models import CitizenAccount
from tests.docstore.helpers import ADOPTION, ADOPTION_ITEMS, issued_result
from tests.factories import CHI_TIEN, T0, VALID_ID, csrf_token, login, make_officer, staff
from tests.portal.test_portal import sign_in

APPLICANT = {"outcome": "received", "applicant_kind": "person", "applicant_name": "Đặng Văn Đức",
             "id_number": VALID_ID, "phone": "0912345678", "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ",
             "channel": "1", "deciding_commune_code": CHI_TIEN}


def test_the_counter_reuses_a_birth_certificate_and_the_page_says_so(client, session, store, clock):
    team = staff(session)
    birth, result, _ = issued_result(session, team, store)
    session.commit()
    clock.instant = T0 + timedelta(days=2)
    make_officer(session, username="quay.kho", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    login(client, "quay.kho")
    part = client.get("/dossiers/new", params={"procedure_code": ADOPTION, "id_number": VALID_ID},
                      headers={"HX-Request": "true"}).text
    assert f'value="ho_so_tre:{result.id}"' in part and "Dùng lại từ kho dữ liệu của công dân" in part
    assert "Giấy khai sinh" in part and birth.code in part
    others = [k for k in ADOPTION_ITEMS if k != "ho_so_tre"]
    token = csrf_token(client, "/dossiers/new")
    sent = client.post("/dossiers", data={**APPLICANT, "procedure_code": ADOPTION, "documents_present": others,
                                          "reused": [f"ho_so_tre:{result.id}"], "csrf_token": token},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text[:2000]
    page = client.get(sent.headers["location"].split("?")[0]).text
    assert f"Dùng lại từ kho dữ liệu của công dân (hồ sơ {birth.code})" in page
    original = client.get(f"/dossiers/{birth.id}").text
    first = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == birth.id,
                                                          DossierDocument.kind == "input")).one()
    assert re.search(r"Số hóa bởi Nguyễn Thị Hoa lúc 10:00 23/11/2026, SHA-256 <code class=\"hash\">"
                     + first.file_key.replace("/", ""), original), original[original.find("Số hóa"):][:400]


def test_the_counter_offers_nothing_without_the_id_number(client, session, store, clock):
    team = staff(session)
    issued_result(session, team, store)
    session.commit()
    make_officer(session, username="quay.kho2", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    login(client, "quay.kho2")
    part = client.get("/dossiers/new", params={"procedure_code": ADOPTION}, headers={"HX-Request": "true"}).text
    assert "Dùng lại từ kho dữ liệu" not in part


def test_the_citizen_sees_their_store_with_validity_and_downloads_only_their_own(client, session, store, clock):
    team = staff(session)
    birth, result, _ = issued_result(session, team, store)
    _, other_result, _ = issued_result(session, team, store, id_number="025090009876", label="nguoi-khac")
    revoke_issued(session, actor=team["approver"], dossier_id=birth.id, reason="Đính chính", now=T0 + timedelta(1))
    session.commit()
    clock.instant = T0 + timedelta(days=2)
    sign_in(client, session)
    session.execute(update(CitizenAccount).where(CitizenAccount.phone == "0912345678")
                    .values(id_number=VALID_ID, vneid_level=2, identity_checked_at=T0))
    session.commit()
    page = client.get("/cong-dan/kho-du-lieu")
    assert page.status_code == 200
    html = page.text
    assert "Giấy khai sinh" in html and "Đã bị hủy hoặc đính chính" in html and birth.code in html
    assert "Giấy tờ đã số hóa" in html and "Tờ khai đăng ký khai sinh" in html
    mine = client.get(f"/cong-dan/kho-du-lieu/{result.id}")
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    assert client.get(f"/cong-dan/kho-du-lieu/{other_result.id}").status_code == 404
