"""The counter's intake page (issue 16, items 1, 2, 5, 8): what the receipt says was received, scans kept across a
refused submit, the procedure picker's search data, and the fee the officer chooses, on both backends."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from motcua.base.roles import Role
from motcua.dossier.models import Dossier, DossierDocument, DossierDraft, DraftFile
from motcua.kit.text import fold
from tests.factories import CHI_TIEN, T0, VALID_ID, csrf_token, login, make_officer, pdf_bytes

MARRIAGE = "1.000894"  # Đăng ký kết hôn: 2 mandatory papers of 4
BIRTH = "1.001193"  # Đăng ký khai sinh: 3 mandatory papers of 4; on time within 60 days of the birth, else 5.000 đ
APPLICANT = {"outcome": "received", "applicant_kind": "person", "applicant_name": "Đặng Văn Đức",
             "id_number": VALID_ID, "phone": "0912345678", "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ",
             "channel": "1", "deciding_commune_code": CHI_TIEN}
CHECKLIST = {  # in the catalogue's order: every row of the form carries its form and number of copies
    MARRIAGE: ["to_khai", "xac_nhan_hon_nhan", "trich_luc_ly_hon", "giay_to_tuy_than"],
    BIRTH: ["to_khai", "giay_chung_sinh", "giay_to_tuy_than", "van_ban_uy_quyen"],
}


@pytest.fixture
def counter(client, session):
    make_officer(session, username="quay1", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    login(client, "quay1")
    return client


def form(procedure: str, ticked: dict[str, tuple[str, int]], **fields: object) -> dict[str, object]:
    """The intake form as the browser sends it: every checklist row's key, form and count, the ticked keys."""
    keys = CHECKLIST[procedure]
    return {**APPLICANT, "procedure_code": procedure, "documents_present": list(ticked), "paper_keys": keys,
            "paper_forms": [ticked.get(k, ("original", 1))[0] for k in keys],
            "paper_counts": [str(ticked.get(k, ("original", 1))[1]) for k in keys], **fields}


def post(client, data: dict[str, object], files: list[tuple[str, tuple[str, bytes, str]]] | None = None):
    token = csrf_token(client, "/dossiers/new")
    return client.post("/dossiers", data={**data, "csrf_token": token}, files=files, follow_redirects=False)


def receipt(client, response) -> bytes:
    assert response.status_code == 303, response.text[:800]
    dossier_id = response.headers["location"].split("/")[2].split("?")[0]
    pdf = client.get(f"/dossiers/{dossier_id}/forms/receipt.pdf")
    assert pdf.status_code == 200
    return pdf.content


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_the_receipt_lists_exactly_the_papers_received_on_one_page(counter, tmp_path):
    """The receipt test (item 1). Decree 118 Art. 17(1) and its form: the receipt lists the papers received —
    STT, name, form (bản chính / bản sao), number of copies — not the procedure's whole checklist. 2 of 4 ticked
    (one a copy in 2 copies): exactly those 2 are printed, with their form and count, and the sheet is one page."""
    pdf = receipt(counter, post(counter, form(MARRIAGE, {"to_khai": ("original", 1),
                                                         "giay_to_tuy_than": ("copy", 2)})))
    text = pdf_text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "Tờ khai đăng ký kết hôn" in text and "Giấy tờ tùy thân còn giá trị sử dụng" in text
    assert "Giấy xác nhận tình trạng hôn nhân" not in text and "Trích lục ghi chú ly hôn" not in text
    rows = re.findall(r"\b([12]) (Tờ khai|Giấy tờ tùy thân)", text)
    assert [n for n, _ in rows] == ["1", "2"]
    assert re.search(r"xuất trình khi nộp trực tiếp Bản sao 2\b", text), text
    assert re.search(r"Tổng số giấy tờ 3\b", text), text  # 1 original + 2 copies
    assert "Lệ phí đăng ký kết hôn" in text  # the free fee that applies is named
    # and as poppler, a reader apart from the one above, reads the file: one page, exactly those two papers
    poppler = _poppler(pdf, tmp_path)
    assert poppler["pages"] == 1
    listed = [name for name in ("Tờ khai đăng ký kết hôn", "Giấy tờ tùy thân", "Giấy xác nhận tình trạng hôn nhân",
                                "Trích lục ghi chú ly hôn") if name in poppler["text"]]
    assert listed == ["Tờ khai đăng ký kết hôn", "Giấy tờ tùy thân"], poppler["text"]


def _poppler(pdf: bytes, directory: Path) -> dict[str, Any]:
    """pdfinfo's page count and pdftotext's text (Debian's poppler-utils, installed by `make sysdeps`)."""
    path = directory / "receipt.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return {"pages": int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)),  # type: ignore[union-attr]
            "text": " ".join(text.split())}


def test_an_unticked_authorisation_is_not_on_the_birth_receipt_and_the_late_fee_is(counter):
    """The report of issue 16: a birth registration's receipt listed "Văn bản ủy quyền", which was not handed in.
    Registered 90 days after the birth (Luật Hộ tịch Art. 15: 60 days), the late fee applies and is printed."""
    born = (T0 - timedelta(days=90)).date().isoformat()
    ticked = {k: ("original", 1) for k in ("to_khai", "giay_chung_sinh", "giay_to_tuy_than")}
    response = post(counter, form(BIRTH, ticked, event_date=born, fee_options="1"))
    text = pdf_text(receipt(counter, response))
    assert "Văn bản ủy quyền" not in text and "Tờ khai đăng ký khai sinh" in text
    assert "5.000 đồng" in text and "quá hạn" in text


@pytest.mark.parametrize(("days_ago", "checked"), [(0, "0"), (60, "0"), (61, "1")])
def test_the_birth_date_preselects_the_fee(counter, days_ago, checked):
    """Item 8. Every fee line is shown, the on-time one (0 đ) too; the date of birth decides which is checked: on
    time through the 60th day after the birth (the period starts the day after, Civil Code Art. 147), late from
    the 61st. The officer can still choose the other."""
    born = (T0 - timedelta(days=days_ago)).date().isoformat()
    token = csrf_token(counter, "/dossiers/new")
    page = counter.post("/dossiers", data={**form(BIRTH, {}), "applicant_name": "", "event_date": born,
                                           "csrf_token": token})
    assert page.status_code == 422  # refused for the missing name: the form comes back with the rule applied
    radios = dict(re.findall(r'<input type="radio" name="fee_options" value="(\d)" (checked)?', page.text))
    assert radios == {"0": "", "1": ""} | {checked: "checked"}
    assert "Lệ phí đăng ký khai sinh đúng hạn" in page.text and "0 đ" in page.text
    assert "Người khuyết tật (Luật Hộ tịch 2014 Điều 11 khoản 1)" in page.text  # exemptions with their ground


def test_a_birth_registration_without_date_or_choice_asks_for_the_fee(counter, session):
    """The counter form no longer falls back silently on a fee a deadline decides: without the date of birth and
    without a choice the officer is asked; with a choice the dossier owes what was chosen (owed_fee_vnd)."""
    ticked = {k: ("original", 1) for k in ("to_khai", "giay_chung_sinh", "giay_to_tuy_than")}
    refused = post(counter, form(BIRTH, ticked))
    assert refused.status_code == 422 and "Chọn lệ phí áp dụng" in refused.text
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    done = post(counter, form(BIRTH, ticked, fee_options="1"))
    assert done.status_code == 303
    assert session.scalar(select(Dossier.owed_fee_vnd)) == 5000
    on_time = post(counter, form(BIRTH, ticked, fee_options="0", applicant_name="Lò Thị Mai"))
    assert on_time.status_code == 303
    assert session.scalar(select(Dossier.owed_fee_vnd).where(Dossier.applicant_name == "Lò Thị Mai")) == 0


def test_a_fresh_form_ticks_the_mandatory_papers(counter):
    """Sensible defaults: the mandatory papers come ticked (the officer unticks what is missing), with the
    catalogue's form and number of copies; the optional ones are not ticked."""
    page = counter.get(f"/dossiers/new?procedure={BIRTH}")
    ticked = re.findall(r'name="documents_present" value="(\w+)" (checked)?', page.text)
    assert ticked == [("to_khai", "checked"), ("giay_chung_sinh", "checked"), ("giay_to_tuy_than", "checked"),
                      ("van_ban_uy_quyen", "")]
    assert 'value="Xã Chí Tiên, tỉnh Phú Thọ"' in page.text  # the address starts at the commune


def test_the_picker_searches_without_diacritics_by_name_or_code(counter):
    """Item 5: each option carries its folded name and code, which the page's search matches without diacritics
    ("dang ky ket hon" finds Đăng ký kết hôn; "1.001193" the birth registration)."""
    page = counter.get("/dossiers/new")
    options = dict(re.findall(r'<option value="([\d.]+)" data-search="([^"]+)"', page.text))
    assert "dang ky ket hon" in options[MARRIAGE] and "khai sinh" in options[BIRTH] and BIRTH in options[BIRTH]
    assert options[BIRTH] == fold(options[BIRTH])
    assert 'hx-trigger="change delay:250ms"' in page.text and 'hx-sync="this:replace"' in page.text


def test_the_upload_test_a_scan_survives_a_refused_submit(counter, session, app):
    """The upload test (item 2): a form error after attaching a scan keeps the scan (in the officer's draft, shown
    on the re-rendered form with a box to untick it); the dossier saved afterwards has it."""
    ticked = {"to_khai": ("original", 1), "giay_to_tuy_than": ("original", 1)}
    scan = ("files", ("to-khai.pdf", pdf_bytes(), "application/pdf"))
    data = form(MARRIAGE, ticked, file_keys=CHECKLIST[MARRIAGE][:1])
    refused = post(counter, {**data, "phone": "12"}, files=[scan])
    assert refused.status_code == 422
    assert "Đã giữ bản quét" in refused.text and "to-khai.pdf" in refused.text
    draft_id = re.search(r'name="draft_id" value="(\d+)"', refused.text).group(1)
    kept = re.search(r'name="keep_files" value="(\d+)" checked', refused.text).group(1)
    done = post(counter, {**data, "draft_id": draft_id, "keep_files": kept})  # no file sent again
    assert done.status_code == 303, done.text[:800]
    dossier = session.scalars(select(Dossier)).one()
    docs = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == dossier.id)).all()
    assert [(d.requirement_key, d.file_name) for d in docs] == [("to_khai", "to-khai.pdf")]
    assert session.get(DossierDraft, int(draft_id)).dossier_id == dossier.id  # the draft is closed
    page = counter.get(done.headers["location"])
    assert "to-khai.pdf" in page.text or "Tờ khai đăng ký kết hôn" in page.text


def test_an_unticked_kept_scan_is_removed(counter, session):
    """The officer can remove a kept scan: unticked, it leaves the draft and the dossier has no document."""
    ticked = {"to_khai": ("original", 1), "giay_to_tuy_than": ("original", 1)}
    data = form(MARRIAGE, ticked, file_keys=CHECKLIST[MARRIAGE][:1])
    refused = post(counter, {**data, "applicant_name": ""},
                   files=[("files", ("to-khai.pdf", pdf_bytes(), "application/pdf"))])
    draft_id = re.search(r'name="draft_id" value="(\d+)"', refused.text).group(1)
    done = post(counter, {**data, "draft_id": draft_id})  # the kept box unticked
    assert done.status_code == 303
    assert session.scalar(select(func.count()).select_from(DossierDocument)) == 0
    assert session.scalar(select(func.count()).select_from(DraftFile)) == 0


def test_a_kept_scan_is_only_its_officers(counter, client, session):
    """A draft id is input: another officer's draft (or a closed one) is not found, and nothing of it is used."""
    data = form(MARRIAGE, {"to_khai": ("original", 1), "giay_to_tuy_than": ("original", 1)},
                file_keys=CHECKLIST[MARRIAGE][:1])
    refused = post(counter, {**data, "applicant_name": ""},
                   files=[("files", ("to-khai.pdf", pdf_bytes(), "application/pdf"))])
    draft_id = re.search(r'name="draft_id" value="(\d+)"', refused.text).group(1)
    make_officer(session, username="quay2", roles=(Role.RECEPTION,), full_name="Trần Thị Lan")
    login(client, "quay2")
    other = post(client, {**data, "draft_id": draft_id, "keep_files": "1"})
    assert other.status_code == 404
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_a_double_submit_with_kept_scans_is_one_dossier(counter, session):
    """A double click on "Lưu và in phiếu" after a refused submit sends the same draft twice: one dossier, the same
    page for both (the form's one-time key), the scan attached once."""
    data = form(MARRIAGE, {"to_khai": ("original", 1), "giay_to_tuy_than": ("original", 1)},
                file_keys=CHECKLIST[MARRIAGE][:1])
    refused = post(counter, {**data, "applicant_name": ""},
                   files=[("files", ("to-khai.pdf", pdf_bytes(), "application/pdf"))])
    draft_id = re.search(r'name="draft_id" value="(\d+)"', refused.text).group(1)
    kept = re.search(r'name="keep_files" value="(\d+)" checked', refused.text).group(1)
    again = {**data, "draft_id": draft_id, "keep_files": kept, "submission": "form-load-778899"}
    first, second = post(counter, again), post(counter, again)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert session.scalar(select(func.count()).select_from(Dossier)) == 1
    assert session.scalar(select(func.count()).select_from(DossierDocument)) == 1


def browser_multipart(fields: dict[str, object], rows: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """The form as Chromium sends it: fields, then for every checklist row its key and its file input, an empty
    one as a part with ``filename=""`` (httpx leaves the file name out, which a browser never does)."""
    boundary = "----motcuaBoundary7MA4YWxkTrZu0gW"
    out = io.BytesIO()

    def part(disposition: str, body: bytes, kind: str | None = None) -> None:
        out.write(f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n".encode())
        if kind:
            out.write(f"Content-Type: {kind}\r\n".encode())
        out.write(b"\r\n" + body + b"\r\n")

    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            part(f'name="{name}"', str(item).encode())
    for key, filename, content in rows:
        part('name="file_keys"', key.encode())
        part(f'name="files"; filename="{filename}"', content, "application/pdf" if content else
             "application/octet-stream")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_a_scan_goes_with_its_own_paper_when_a_row_above_has_none(counter, session):
    """Each row of the checklist has its file input; the browser sends the empty ones too. A scan attached to the
    last row only is the last paper's (it was filed under the first: the empty inputs were dropped from the list
    of files but their keys kept)."""
    data = form(MARRIAGE, {"to_khai": ("original", 1), "giay_to_tuy_than": ("original", 1)})
    rows = [(k, "", b"") for k in CHECKLIST[MARRIAGE][:3]] + [("giay_to_tuy_than", "cccd.pdf", pdf_bytes())]
    body, kind = browser_multipart({**data, "csrf_token": csrf_token(counter, "/dossiers/new")}, rows)
    done = counter.post("/dossiers", content=body, headers={"content-type": kind}, follow_redirects=False)
    assert done.status_code == 303, re.findall(r"<main.*", done.text, re.S)[0][:1500]
    docs = session.scalars(select(DossierDocument)).all()
    assert [(d.requirement_key, d.file_name) for d in docs] == [("giay_to_tuy_than", "cccd.pdf")]
