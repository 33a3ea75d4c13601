"""The officer workspace and the public lookup through HTTP (pages and JSON API), on both backends."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from motcua.auth.actions import create_api_token
from motcua.base.roles import Role
from motcua.calendar import VIETNAM_TZ
from motcua.dossier.models import Dossier
from tests.factories import (
    CHI_TIEN,
    HKD,
    T0,
    VALID_ID,
    csrf_token,
    login,
    make_officer,
    pdf_bytes,
    principal_of,
    supplemented_late_for_the_index,
)

FORM = {"procedure_code": HKD, "outcome": "received", "applicant_kind": "person", "applicant_name": "Đặng Văn Đức",
        "id_number": VALID_ID, "phone": "0912345678", "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ", "channel": "1",
        "deciding_commune_code": CHI_TIEN, "documents_present": "giay_de_nghi", "file_keys": "giay_de_nghi"}


@pytest.fixture
def counter(client, session):
    make_officer(session, username="quay1", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    login(client, "quay1")
    return client


def submit(client, *, file: tuple[str, bytes, str] | None = ("don.pdf", b"", "application/pdf"),
           submission: str = "", **fields: str):
    token = csrf_token(client, f"/dossiers/new?procedure={HKD}")
    data = {**FORM, **fields, "csrf_token": token, "submission": submission}
    files = None
    if file is not None:
        name, content, kind = file
        files = {"files": (name, content or pdf_bytes(), kind)}
    return client.post("/dossiers", data=data, files=files, follow_redirects=False)


def dossier_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Dossier)) or 0


def test_intake_form_shows_the_checklist_of_the_procedure(counter):
    """Art. 17(1): the officer checks the papers against the procedure's list of documents."""
    page = counter.get(f"/dossiers/new?procedure={HKD}")
    assert page.status_code == 200
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in page.text or 'value="giay_de_nghi"' in page.text
    assert 'name="files"' in page.text and 'enctype="multipart/form-data"' in page.text


def test_counter_intake_then_receipt_pdf(counter, session, app):
    """A complete dossier is received, gets its code and a receipt (Giấy tiếp nhận và hẹn trả kết quả) whose
    QR and text carry the code; the scan is stored."""
    response = submit(counter)
    assert response.status_code == 303, response.text[:500]
    page = counter.get(response.headers["location"])
    code = re.search(r'<span class="code">([^<]+)</span>', page.text).group(1)
    assert code.startswith(f"TAM.{CHI_TIEN}-261123-")
    assert "Đã tiếp nhận" in page.text and "27/11/2026" in page.text
    dossier_id = response.headers["location"].split("/")[2].split("?")[0]
    pdf = counter.get(f"/dossiers/{dossier_id}/forms/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert code in text and "Đặng Văn Đức" in text
    assert len(list(app.state.files.keys())) == 1


def test_double_submit_makes_one_dossier(counter, session):
    """A double click sends the same form twice: the form's one-time submission key makes it one dossier."""
    first = submit(counter, submission="form-load-123456")
    second = submit(counter, submission="form-load-123456")
    assert first.status_code == second.status_code == 303
    assert first.headers["location"].split("?")[0] == second.headers["location"].split("?")[0]
    assert dossier_count(session) == 1


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("hoso.zip", None, "Chỉ nhận tệp PDF, JPEG hoặc PNG"),
    ("don.pdf", b"MZ\x90\x00\x03" + b"\x00" * 300, "thực thi"),
    ("don.pdf", b"%PDF-1.7\n1 0 obj\n<<", "hỏng"),
])
def test_bad_uploads_get_a_vietnamese_message_and_store_nothing(counter, session, app, name, content, expected):
    """Uploads are judged by content: a zip, a renamed executable and a corrupt PDF are refused next to the field;
    no dossier, no code and no file remain."""
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.txt", "x")
        content = buffer.getvalue()
    response = submit(counter, file=(name, content, "application/pdf"))
    assert response.status_code == 422
    assert expected in response.text
    assert 'value="Đặng Văn Đức"' in response.text  # what was typed is kept
    assert dossier_count(session) == 0
    assert list(app.state.files.keys()) == []


def test_oversized_upload_is_refused_with_the_limit(counter, session, app):
    """A scan over the per-file limit is refused with the limit in the message; nothing is stored."""
    app.state.settings.max_upload_bytes = 50_000
    response = submit(counter, file=("scan.pdf", pdf_bytes() + b"%" + b"0" * 60_000, "application/pdf"))
    assert response.status_code == 422 and "dung lượng" in response.text
    assert dossier_count(session) == 0


def test_invalid_fields_are_shown_next_to_them(counter, session):
    """Every field is validated: a 12-digit ID with a province code that does not exist, a bad phone."""
    response = submit(counter, id_number="999090001234", phone="12345")
    assert response.status_code == 422
    assert "Mã tỉnh" in response.text and "Số điện thoại không hợp lệ" in response.text
    assert dossier_count(session) == 0


def test_action_buttons_and_a_stale_page(counter, session):
    """The page shows the table's buttons for the role; acting on a stale page gets a clear 409 message."""
    location = submit(counter).headers["location"].split("?")[0]
    page = counter.get(location)
    assert 'data-action="transfer"' in page.text and 'data-action="approve"' not in page.text
    token = csrf_token(counter, location)
    done = counter.post(f"{location}/actions/transfer", data={"csrf_token": token, "version": "1"},
                        follow_redirects=False)
    assert done.status_code == 303
    stale = counter.post(f"{location}/actions/withdraw", data={"csrf_token": token, "version": "1",
                                                               "note": "Công dân xin rút", "confirmed": "1"})
    assert stale.status_code == 409 and "cán bộ khác" in stale.text
    assert "Đã chuyển xử lý" in counter.get(location).text


def test_dossier_page_shows_on_time_for_the_citizen_and_for_the_index(client, session, clock, team, store):
    """docs/legal.md §7, the issue's example through the workflow: a 5-working-day procedure (Đổi, cấp lại Giấy
    xác nhận khuyết tật) received Fri 9/1/2026 07:30 → appointment Thu 15/1 17:00 (Sat 10/1 is a make-up working
    day); supplement asked Tue 13/1 17:00 after 4 working days, complete Fri 23/1 17:00 (10 days), approved Thu
    29/1 17:00 after 4 more. The legal clock restarted: due Mon 2/2 17:00, on time for the citizen. The index:
    Thu 29/1 17:00 − 10 days = Mon 19/1 17:00, after Thu 15/1 17:00: late."""
    d = supplemented_late_for_the_index(session, team, store)
    session.commit()
    clock.instant = datetime(2026, 2, 2, 9, 0, tzinfo=VIETNAM_TZ)
    make_officer(session, username="quay2", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    login(client, "quay2")
    page = client.get(f"/dossiers/{d.id}")
    assert page.status_code == 200
    citizen = re.search(r'<dd id="on-time-citizen"[^>]*>(.*?)</dd>', page.text, re.S).group(1)
    index = re.search(r'<dd id="on-time-index"[^>]*>(.*?)</dd>', page.text, re.S).group(1)
    assert "Đúng hạn với công dân" in citizen and "17:00 02/02/2026" in citizen
    assert "Trễ hạn theo chỉ số 766" in index and "17:00 15/01/2026" in index
    assert "trừ thời gian chờ bổ sung 10 ngày" in index


def test_register_is_an_excel_file_with_the_dossier(counter, session):
    """Sổ theo dõi hồ sơ: the register of any period as a real Excel file."""
    submit(counter)
    response = counter.get("/register.xlsx", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert any(v.startswith(f"TAM.{CHI_TIEN}-") for v in values) and "Đặng Văn Đức" in values


def test_public_lookup_page(counter, client, session):
    """A citizen with the code and the last 4 digits sees the status; a wrong pair shows no one's data."""
    location = submit(counter).headers["location"].split("?")[0]
    code = re.search(r'<span class="code">([^<]+)</span>', counter.get(location).text).group(1)
    client.cookies.clear()
    token = csrf_token(client, "/tra-cuu")
    found = client.post("/tra-cuu", data={"csrf_token": token, "code": code, "secret": "5678"})
    assert found.status_code == 200 and "Đã tiếp nhận" in found.text and "Đặng Văn Đức" not in found.text
    missing = client.post("/tra-cuu", data={"csrf_token": token, "code": code, "secret": "0000"})
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text


@pytest.fixture
def api_token(session):
    admin = make_officer(session, username="qtxa", roles=(Role.ADMIN,))
    kiosk_officer = make_officer(session, username="tnkiosk", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    _, raw = create_api_token(session, actor=principal_of(admin, Role.ADMIN), name="Máy tiếp nhận", days_valid=30,
                              commune_code=CHI_TIEN, now=T0, roles=(Role.RECEPTION,), officer_id=kiosk_officer.id)
    session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_api_create_is_idempotent(client, session, api_token):
    """Issue 4 §8: a retried create with the same Idempotency-Key never makes a second dossier."""
    body = {"procedure_code": HKD, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": "0912345678",
            "address": "Khu 3, xã Chí Tiên", "documents_present": ["giay_de_nghi"]}
    headers = {**api_token, "Idempotency-Key": "kiosk-1-0001"}
    first = client.post("/api/v1/dossiers", json=body, headers=headers)
    again = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["allowed_actions"] == ["transfer", "withdraw"]
    other = client.post("/api/v1/dossiers", json={**body, "applicant_name": "Người khác"}, headers=headers)
    assert other.status_code == 409
    assert dossier_count(session) == 1
    dossier_id = first.json()["id"]
    moved = client.post(f"/api/v1/dossiers/{dossier_id}/actions/transfer", json={"version": 1}, headers=api_token)
    assert moved.status_code == 200 and moved.json()["status"] == "transferred"
    stale = client.post(f"/api/v1/dossiers/{dossier_id}/actions/withdraw", json={"version": 1, "note": "Rút hồ sơ"},
                        headers=api_token)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    pdf = client.get(f"/api/v1/dossiers/{dossier_id}/forms/receipt", headers=api_token)
    assert pdf.content.startswith(b"%PDF")


def test_api_upload_checks_content(client, session, api_token):
    """The JSON API refuses a renamed executable with the same Vietnamese message; a real PDF is attached."""
    body = {"procedure_code": HKD, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": "0912345678",
            "address": "Khu 3, xã Chí Tiên", "documents_present": ["giay_de_nghi"]}
    dossier_id = client.post("/api/v1/dossiers", json=body, headers=api_token).json()["id"]
    bad = client.post(f"/api/v1/dossiers/{dossier_id}/documents", headers=api_token,
                      files={"file": ("don.pdf", b"\x7fELF" + b"\x00" * 100, "application/pdf")},
                      data={"requirement_key": "giay_de_nghi"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "upload_rejected"
    good = client.post(f"/api/v1/dossiers/{dossier_id}/documents", headers=api_token,
                       files={"file": ("don.pdf", pdf_bytes(), "application/pdf")},
                       data={"requirement_key": "giay_de_nghi"})
    assert good.status_code == 201


def test_api_lookup_is_public_and_limited(client, session, api_token):
    """GET /api/v1/lookup needs no token; it answers 404 to a wrong pair and counts it."""
    body = {"procedure_code": HKD, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": "0912345678",
            "address": "Khu 3, xã Chí Tiên", "documents_present": ["giay_de_nghi"]}
    code = client.post("/api/v1/dossiers", json=body, headers=api_token).json()["code"]
    ok = client.get("/api/v1/lookup", params={"code": code, "secret": "5678"})
    assert ok.status_code == 200 and ok.json()["status"] == "received" and "applicant_name" not in ok.json()
    assert client.get("/api/v1/lookup", params={"code": code, "secret": "1111"}).status_code == 404


def test_lookup_with_a_secret_that_is_not_4_digits_says_so_beside_the_form(client):
    """House rule 9: a malformed secret is answered on the lookup page itself (422), the code kept in its field."""
    page = client.get("/tra-cuu")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/tra-cuu", data={"code": "TAM.08218-261123-0001", "secret": "12", "csrf_token": token})
    assert answer.status_code == 422
    assert "4 chữ số" in answer.text and 'value="TAM.08218-261123-0001"' in answer.text
    assert 'id="lookup-error"' in answer.text


def test_the_counter_chooses_the_fee_that_applies_and_the_exemption(counter, session):
    """docs/legal.md §7 (3.5–3.6): the officer picks, at intake, which of a procedure's alternative fees applies and
    any exemption with its ground (Civil Status Law 2014 Art. 11(1)); the dossier records what it actually owes. A
    late birth registration owes the late fee, 5,000 đ; by a poor household, nothing."""
    page = counter.get("/dossiers/new?procedure=1.001193").text
    assert 'name="fee_options" value="0"' in page and 'name="fee_options" value="1"' in page
    assert "Người thuộc hộ nghèo (Luật Hộ tịch 2014 Điều 11 khoản 1)" in page
    birth = {"procedure_code": "1.001193", "documents_present": ["to_khai", "giay_chung_sinh", "giay_to_tuy_than"],
             "file_keys": "to_khai"}
    owed = []
    for extra in ({"fee_options": "1"}, {"fee_options": "1", "fee_exemption": "ho_ngheo"}):
        token = csrf_token(counter, "/dossiers/new?procedure=1.001193")
        response = counter.post("/dossiers", data={**FORM, **birth, **extra, "csrf_token": token},
                                follow_redirects=False)
        assert response.status_code == 303, response.text[:500]
        dossier = session.get(Dossier, int(response.headers["location"].split("/")[2].split("?")[0]))
        session.refresh(dossier)
        owed.append((dossier.owed_fee_vnd, dossier.fee_exemption))
    assert owed == [(5000, None), (0, "ho_ngheo")]
    token = csrf_token(counter, "/dossiers/new?procedure=1.001193")
    refused = counter.post("/dossiers", data={**FORM, **birth, "fee_exemption": "khong_co", "csrf_token": token},
                           follow_redirects=False)
    assert refused.status_code == 422 and "Căn cứ miễn phí, lệ phí không có trong thủ tục này" in refused.text
