"""The pages: the province administrator's templates (list, new version with errors next to fields, preview against
a dossier of the province, export and import round trip), a dossier's result from draft to the hand-signed scan,
and the leader's list."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from motcua.results.actions import load_shipped_templates
from motcua.results.models import ResultDraft, ResultTemplate
from tests.factories import T0, csrf_token, login, make_officer, pdf_bytes
from tests.results.helpers import HKD_VALUES, awaiting_approval

NEW = {"procedure_code": "1.004873", "effective_from": "2027-01-01", "name": "Giấy xác nhận tình trạng hôn nhân",
       "title": "Giấy xác nhận tình trạng hôn nhân", "doc_type": "GXN", "signer_title": "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH",
       "recipients": "Người được cấp\nLưu: VT",
       "fields": json.dumps([{"key": "tinh_trang", "label": "Tình trạng", "kind": "text", "max_length": 200}]),
       "body": "<p>Xác nhận {{ nguoi_nop }}: {{ tinh_trang }}.</p>"}


def _admin(client: TestClient, session: Session) -> None:
    officer = make_officer(session, commune_code=None, roles=(Role.ADMIN,), with_post=False)
    load_shipped_templates(session, now=T0)
    session.commit()
    assert login(client, officer.username).status_code == 303


def test_the_administrator_adds_a_version_and_sees_errors_next_to_fields(client: TestClient,
                                                                        session: Session) -> None:
    _admin(client, session)
    page = client.get("/mau-ket-qua")
    assert page.status_code == 200 and "1.004873" in page.text
    token = csrf_token(client, "/mau-ket-qua/moi")
    bad = client.post("/mau-ket-qua", data={**NEW, "body": "{{ dossier }}", "csrf_token": token})
    assert bad.status_code == 422
    assert 'id="err-body"' in bad.text and "không phải một trường" in bad.text
    bad = client.post("/mau-ket-qua", data={**NEW, "doc_type": "qd", "csrf_token": token})
    assert bad.status_code == 422 and 'id="err-doc_type"' in bad.text
    ok = client.post("/mau-ket-qua", data={**NEW, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    saved = session.scalar(select(ResultTemplate).where(ResultTemplate.scope == "25"))
    assert saved is not None and saved.fields[0]["key"] == "tinh_trang"
    # a version is never edited: the same date with another body is refused, naming the date
    again = client.post("/mau-ket-qua", data={**NEW, "body": "<p>khác</p>", "csrf_token": token})
    assert again.status_code == 409 and 'id="err-effective_from"' in again.text
    pdf = client.get(f"/mau-ket-qua/{saved.id}/xem-thu.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_export_then_import_round_trips(client: TestClient, session: Session) -> None:
    _admin(client, session)
    exported = client.get("/mau-ket-qua/xuat.json")
    payload = exported.json()
    assert payload["format"] == "motcua.result-templates/1" and len(payload["templates"]) >= 6
    for item in payload["templates"]:
        item["effective_from"] = "2027-02-01"  # the province's own versions of every template
    token = csrf_token(client, "/mau-ket-qua")
    reply = client.post("/mau-ket-qua/nhap", data={"csrf_token": token}, follow_redirects=False,
                        files={"file": ("mau.json", json.dumps(payload).encode(), "application/json")})
    assert reply.status_code == 303
    own = session.scalars(select(ResultTemplate).where(ResultTemplate.scope == "25")).all()
    assert len(own) == len(payload["templates"])
    again = client.get("/mau-ket-qua/xuat.json").json()["templates"]
    assert [t for t in again if t["effective_from"] == "2027-02-01"] == payload["templates"]
    # a file with a template reaching beyond its fields is refused whole
    payload["templates"][0]["body"] = "{{ ten_xa.__class__ }}"
    payload["templates"][0]["effective_from"] = "2027-03-01"
    refused = client.post("/mau-ket-qua/nhap", data={"csrf_token": token},
                          files={"file": ("mau.json", json.dumps(payload).encode(), "application/json")})
    assert refused.status_code == 422 and "thuộc tính" in refused.text


def test_only_a_province_administrator_sees_the_templates(client: TestClient, session: Session,
                                                          team: dict) -> None:
    officer = make_officer(session, roles=(Role.ADMIN,), with_post=False)  # a commune's administrator
    login(client, officer.username)
    assert client.get("/mau-ket-qua").status_code == 404


def test_a_result_from_draft_to_the_hand_signed_scan_in_the_browser(client: TestClient, session: Session,
                                                                    team: dict, store: FileStore) -> None:
    dossier = awaiting_approval(session, team, store)
    session.commit()
    login(client, team["specialist"].name)
    assert f'href="/ket-qua/ho-so/{dossier.id}"' in client.get(f"/dossiers/{dossier.id}").text
    token = csrf_token(client, f"/ket-qua/ho-so/{dossier.id}")
    client.post(f"/ket-qua/ho-so/{dossier.id}/soan", data={"csrf_token": token})
    draft = session.scalar(select(ResultDraft).where(ResultDraft.dossier_id == dossier.id))
    assert draft is not None
    page = client.post(f"/ket-qua/{draft.id}/luu", data={"csrf_token": token, "version": draft.version,
                                                         "submit": "1", "f_ten_ho": "x" * 300})
    assert page.status_code == 422 and 'id="err-ten_ho"' in page.text
    fields = {f"f_{k}": v for k, v in HKD_VALUES.items()}
    page = client.post(f"/ket-qua/{draft.id}/luu", data={"csrf_token": token, "version": draft.version,
                                                         "submit": "1", **fields})
    assert "Chờ lãnh đạo ký" in page.text
    preview = client.get(f"/ket-qua/{draft.id}/du-thao.pdf")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")

    client.cookies.clear()
    login(client, team["approver"].name)
    assert "Kết quả chờ ký" in client.get("/home").text
    assert dossier.code in client.get("/ket-qua/cho-ky").text
    session.refresh(draft)
    token = csrf_token(client, f"/ket-qua/ho-so/{dossier.id}")
    page = client.post(f"/ket-qua/{draft.id}/ky-tay", data={"csrf_token": token, "version": draft.version},
                       files={"file": ("scan.pdf", pdf_bytes(), "application/pdf")})
    assert page.status_code == 200 and "01/GCN-UBND" in page.text and "Ký tay, bản quét" in page.text


def test_the_preview_against_a_dossier_of_the_province_masks_the_id(client: TestClient, session: Session,
                                                                    team: dict, store: FileStore) -> None:
    import io

    from pypdf import PdfReader

    from motcua.audit.models import AuditEvent
    from tests.factories import VALID_ID

    dossier = awaiting_approval(session, team, store)
    _admin(client, session)
    template = session.scalar(select(ResultTemplate).where(ResultTemplate.procedure_code == "1.004873"))
    pdf = client.get(f"/mau-ket-qua/{template.id}/xem-thu.pdf", params={"ho_so": dossier.code})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert dossier.applicant_name.upper() in text and VALID_ID not in text and VALID_ID[-4:] in text
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "results.template_previewed"))
    assert client.get(f"/mau-ket-qua/{template.id}/xem-thu.pdf", params={"ho_so": "KHONG-CO"}).status_code == 404
