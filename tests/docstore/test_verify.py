"""``/xac-minh`` and ``/api/v1/verifications`` (issue 17, item 5), on files the real signer produced (PAdES with a
timestamp, tests/integrations/esign), SQLite and PostgreSQL.

Rules: a result issued and registered verifies valid, with who signed and when and the dossier it was issued for;
one byte changed is "đã bị thay đổi"; an incremental update after signing is "bị sửa đổi sau khi ký"; a validly
signed file motcua did not issue is unknown to the registry; a revoked result says so with its date (Decree 118
Art. 23); the public answer names the applicant only by initials; a garbage file is a 422 in Vietnamese, never a
500; unknown codes are counted with the public lookup's tries; uploads are rate-limited per address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import func, select

from motcua.docstore.actions import UPLOAD_BUDGET, revoke_issued
from motcua.dossier.models import LookupAttempt
from tests.docstore.helpers import issued_result
from tests.factories import staff
from tests.integrations.esign.conftest import COMMITTEE, LEADER, EsignWorld


@pytest.fixture
def world(app, session, store, clock, esign: EsignWorld, double_signed: bytes, tmp_path):
    """The app trusting the demo CA's root; a birth certificate signed by the leader and the seal, issued and
    registered for a dossier of Chí Tiên."""
    root = tmp_path / "root.der"
    root.write_bytes(esign.roots[0])
    app.state.settings.esign_trust_roots = str(root)
    now = datetime.now(UTC).replace(microsecond=0)
    clock.instant = now + timedelta(minutes=5)
    team = staff(session)
    dossier, _, code = issued_result(session, team, store, data=double_signed, at=now - timedelta(hours=2),
                                       signers=(LEADER, COMMITTEE))
    session.commit()
    return {"team": team, "dossier": dossier, "code": code}


def _upload(client, data: bytes, path: str = "/xac-minh", name: str = "ket-qua.pdf"):
    client.get(path)  # the anonymous CSRF cookie
    token = client.cookies.get("motcua_csrf")
    return client.post(path, data={"csrf_token": token}, files={"file": (name, data, "application/pdf")})


def _incremental_update(signed: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 700 Td (DA SUA) Tj ET"))
    page["/Contents"] = generic.ArrayObject([page["/Contents"], extra])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_issued_result_verifies_valid_with_signers_and_dossier(client, world, double_signed):
    page = _upload(client, double_signed)
    assert page.status_code == 200, page.text[:1000]
    html = page.text
    assert "Văn bản hợp lệ: đúng văn bản đã cấp" in html and 'class="card verdict v-ok"' in html
    assert LEADER in html and COMMITTEE in html and "dấu thời gian" in html
    assert world["dossier"].code in html and "12/GKS-UBND" in html and "Ủy ban nhân dân xã Chí Tiên" in html
    assert "Nội dung không bị thay đổi kể từ khi ký." in html
    assert "Đặng Văn Đức" not in html and "Đ••• V••• Đ•••" in html  # need to know: initials only


def test_one_byte_changed_is_shown_as_changed(client, world, double_signed):
    position = double_signed.index(b"QUYET DINH")
    damaged = double_signed[:position] + b"X" + double_signed[position + 1:]
    html = _upload(client, damaged).text
    assert "Văn bản đã bị thay đổi" in html and 'v-bad' in html
    assert "Văn bản hợp lệ" not in html


def test_an_update_appended_after_signing_is_shown_as_modified_after_signing(client, world, double_signed):
    html = _upload(client, _incremental_update(double_signed)).text
    assert "Văn bản bị sửa đổi sau khi ký" in html and 'v-bad' in html


def test_a_valid_signature_on_a_file_motcua_did_not_issue_is_unknown(client, world, leader_signed):
    html = _upload(client, leader_signed).text
    assert "không có trong sổ kết quả đã cấp" in html and 'v-warn' in html


def test_the_qr_page_shows_the_registry_and_compares_the_file(client, world, double_signed, leader_signed):
    code = world["code"]
    page = client.get(f"/xac-minh/{code}")
    assert page.status_code == 200 and "đang có hiệu lực" in page.text and world["dossier"].code in page.text
    assert "Văn bản hợp lệ" in _upload(client, double_signed, f"/xac-minh/{code}").text
    other = _upload(client, leader_signed, f"/xac-minh/{code}").text
    assert "không trùng với văn bản đã cấp theo mã xác minh này" in other


def test_a_revoked_result_says_so_with_its_date(client, session, world, double_signed):
    revoke_issued(session, actor=world["team"]["approver"], dossier_id=world["dossier"].id,
                  reason="Đính chính ngày sinh", now=datetime(2026, 12, 20, 3, 0, tzinfo=UTC))
    session.commit()
    registry = client.get(f"/xac-minh/{world['code']}").text
    assert "đã bị hủy hoặc đính chính" in registry and "20/12/2026" in registry and "Đính chính ngày sinh" in registry
    html = _upload(client, double_signed).text
    assert "kết quả này đã bị hủy hoặc đính chính" in html and "20/12/2026" in html


def test_garbage_is_a_clear_422_never_a_500(client, world):
    page = _upload(client, b"this is not a pdf at all", name="x.pdf")
    assert page.status_code == 422 and 'id="verify-error"' in page.text
    image = _upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="x.png")
    assert image.status_code == 422
    api = client.post("/api/v1/verifications", files={"file": ("x.pdf", b"%PDF-1.7 broken", "application/pdf")})
    assert api.status_code == 422 and api.json()["error"]["message"]


def test_the_api_answers_the_same_as_the_page(client, session, world, double_signed):
    body = client.post("/api/v1/verifications", files={"file": ("kq.pdf", double_signed, "application/pdf")}).json()
    assert body["valid"] is True and body["change"] == "unchanged" and body["matches_issued"] is True
    assert [s["signer"] for s in body["signatures"]] == [LEADER, COMMITTEE]
    assert all(s["valid"] and s["timestamped"] for s in body["signatures"])
    assert body["issued"]["dossier_code"] == world["dossier"].code and body["issued"]["applicant"] == "Đ••• V••• Đ•••"
    by_code = client.get(f"/api/v1/verifications/{world['code']}").json()
    assert by_code["issued"]["number"] == "12/GKS-UBND" and by_code["revoked"] is False
    missing = client.get("/api/v1/verifications/AAAAAAAAAAAAAAAA")
    assert missing.status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.code == "~AAAAAAAAAAAAAAAA", LookupAttempt.success.is_(False))) == 1  # counted


def test_uploads_are_limited_per_address(client, world):
    for _ in range(UPLOAD_BUDGET):
        assert _upload(client, b"not a pdf", name="x.pdf").status_code == 422
    assert _upload(client, b"not a pdf", name="x.pdf").status_code == 429
