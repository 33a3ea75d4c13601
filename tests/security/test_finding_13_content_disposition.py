"""Finding 13 (issue 13): a scan named "Giấy khai sinh.png" could not be downloaded — the name went raw into a
latin-1 header (a 500 and a reset connection), on the officer's page and in the portal alike.

Rule: every download names its file with RFC 6266 §4.3 — an ASCII ``filename`` fallback plus
``filename*=UTF-8''…`` percent-encoded per RFC 5987 §3.2 / RFC 8187 — built by one helper
(``motcua.kit.disposition``), with CR, LF and quotes removed so a stored name cannot split or break the header.
"""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

from PIL import Image
from sqlalchemy import select

from motcua.base.roles import Role
from motcua.dossier.actions import Upload, add_document, perform
from motcua.dossier.models import Dossier, DossierDocument
from motcua.dossier.schemas import ActionIn
from motcua.kit.disposition import content_disposition
from tests.factories import CHI_TIEN, HKD, VALID_ID, csrf_token, login, make_officer, staff
from tests.portal.test_portal import file_online, sign_in

NAME = "Giấy khai sinh.png"
_EXTENDED = re.compile(r"filename\*=UTF-8''([^;\s]+)")
_PLAIN = re.compile(r'filename="([^"]*)"')


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def decoded_name(header: str) -> str:
    """The file name a browser takes from the header (RFC 6266 §4.3: filename* wins over filename)."""
    header.encode("latin-1")  # what goes on the wire must be latin-1 (in fact ASCII)
    match = _EXTENDED.search(header)
    assert match, header
    return unquote(match.group(1), encoding="utf-8", errors="strict")


def test_finding_13_helper_encodes_per_rfc_5987_and_strips_header_breakers():
    """The fallback is ASCII without quotes; filename* carries the exact name; CR/LF/quotes never reach the header."""
    header = content_disposition(NAME)
    assert header.startswith("attachment; ") and header.isascii()
    assert _PLAIN.search(header).group(1) == "Giay khai sinh.png"  # type: ignore[union-attr]
    assert decoded_name(header) == NAME
    nasty = content_disposition('a"b\r\nSet-Cookie: x=1\\.pdf', disposition="inline")
    assert nasty.startswith("inline; ") and "\r" not in nasty and "\n" not in nasty
    assert _PLAIN.search(nasty).group(1) == "abSet-Cookie: x=1.pdf"  # type: ignore[union-attr]


def test_finding_13_vietnamese_scan_name_downloads_from_the_officer_page(client, session):
    """A scan uploaded at the counter as "Giấy khai sinh.png" downloads with its name intact (no 500)."""
    make_officer(session, username="quay1", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    login(client, "quay1")
    token = csrf_token(client, f"/dossiers/new?procedure={HKD}")
    form = {"procedure_code": HKD, "outcome": "received", "applicant_kind": "person", "applicant_name": "Đặng Văn Đức",
            "id_number": VALID_ID, "phone": "0912345678", "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ",
            "channel": "1", "deciding_commune_code": CHI_TIEN, "documents_present": "giay_de_nghi",
            "file_keys": "giay_de_nghi", "csrf_token": token, "submission": ""}
    made = client.post("/dossiers", data=form, files={"files": (NAME, png(), "image/png")}, follow_redirects=False)
    assert made.status_code == 303, made.text
    dossier_id = int(made.headers["location"].split("/")[-1].split("?")[0])
    doc_id = session.scalar(select(DossierDocument.id).where(DossierDocument.dossier_id == dossier_id))

    download = client.get(f"/dossiers/{dossier_id}/documents/{doc_id}")

    assert download.status_code == 200 and download.content.startswith(b"\x89PNG")
    assert decoded_name(download.headers["content-disposition"]) == NAME


def test_finding_13_vietnamese_result_name_downloads_from_the_portal(client, session, clock):
    """The citizen downloads an electronic result whose file is "Giấy khai sinh.png": the name survives."""
    people = staff(session)
    sign_in(client, session)
    dossier: Dossier = file_online(client, session)
    for who, action, extra in (("reception", "accept_online", {}), ("reception", "transfer", {}),
                               ("approver", "assign", {"handler_id": people["specialist"].id}),
                               ("specialist", "submit_for_approval", {})):
        perform(session, actor=people[who], dossier_id=dossier.id, action=action,
                data=ActionIn(version=dossier.version, **extra), now=clock.now())
        session.refresh(dossier)
    add_document(session, actor=people["approver"], dossier_id=dossier.id, upload=Upload(None, NAME, png()),
                 store=client.app.state.files, now=clock.now(), kind="result")
    perform(session, actor=people["approver"], dossier_id=dossier.id, action="approve",
            data=ActionIn(version=dossier.version, result_summary="Giấy chứng nhận số 25A8001234"), now=clock.now())
    doc_id = session.scalar(select(DossierDocument.id).where(DossierDocument.dossier_id == dossier.id,
                                                             DossierDocument.kind == "result"))

    download = client.get(f"/cong-dan/ho-so/{dossier.id}/ket-qua/{doc_id}")
    form = client.get(f"/cong-dan/ho-so/{dossier.id}/mau/receipt.pdf")

    assert download.status_code == 200
    assert decoded_name(download.headers["content-disposition"]) == f"{dossier.code}-ket-qua-{NAME}"
    assert form.status_code == 200
    assert decoded_name(form.headers["content-disposition"]) == f"{dossier.code}-receipt.pdf"
