"""Numbers typed into forms are read as ASCII digits only (issue 13, finding 20).

``"²".isdigit()`` is true and ``int("²")`` fails: a counter intake with ``channel=²`` and an assignment with
``handler_id=²`` were 500s. OWASP ASVS 4.0 V5.1.3 (positive validation of structured input) and house rule 6 (bad
input is never a 500): they are now a 422 with a Vietnamese message, and nothing is written.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action, Status
from motcua.kit.errors import ValidationFailed
from motcua.kit.numbers import ascii_digits, form_int, is_ascii_digits
from tests.dossier.test_views import FORM
from tests.factories import HKD, T0, csrf_token, intake_data, login, make_officer, pdf_bytes


@pytest.mark.parametrize("text", ["²", "①", "٣", "１", "-1", "+1", "1_000", "1.0", " 1 2", "99999999999"])
def test_finding_20_form_int_refuses_anything_but_ascii_digits(text: str) -> None:
    """Superscripts, circled, Arabic-Indic and full-width digits, signs, separators and overflow are refused."""
    with pytest.raises(ValidationFailed) as caught:
        form_int(text, field="n")
    assert "chữ số 0–9" in caught.value.message and caught.value.fields == {"n": caught.value.message}


def test_finding_20_form_int_reads_ascii_digits() -> None:
    assert form_int("", field="n") is None
    assert form_int(" 42 ", field="n") == 42
    assert form_int("2147483647", field="n") == 2**31 - 1
    assert is_ascii_digits("0912") and not is_ascii_digits("09²2") and not is_ascii_digits("")
    assert ascii_digits("091 ²٣ 234-5678") == "0912345678"


def test_finding_20_intake_with_superscript_channel_is_a_422(client: TestClient, session: Session) -> None:
    """POST /dossiers with channel=² answers the form again with the field's Vietnamese error; no dossier."""
    make_officer(session, username="quay.so", roles=(Role.RECEPTION,))
    login(client, "quay.so")
    before = session.scalar(select(func.count()).select_from(Dossier))
    token = csrf_token(client, f"/dossiers/new?procedure={HKD}")
    response = client.post("/dossiers", data={**FORM, "channel": "²", "csrf_token": token, "submission": "s20"},
                           files={"files": ("don.pdf", pdf_bytes(), "application/pdf")}, follow_redirects=False)
    assert response.status_code == 422
    assert "Kênh tiếp nhận phải là số nguyên dương" in response.text
    assert session.scalar(select(func.count()).select_from(Dossier)) == before


def test_finding_20_assign_with_superscript_handler_is_a_422(client: TestClient, session: Session, team: dict,
                                                               store: FileStore) -> None:
    """POST /dossiers/{id}/actions/assign with handler_id=² is refused in Vietnamese; the dossier is unchanged."""
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    dossier = perform(session, actor=team["reception"], dossier_id=dossier.id, action=Action.TRANSFER,
                      data=ActionIn(version=dossier.version), now=T0)
    session.commit()
    assert dossier.status == Status.TRANSFERRED
    login(client, team["approver"].name)
    token = csrf_token(client, f"/dossiers/{dossier.id}")
    response = client.post(f"/dossiers/{dossier.id}/actions/assign", follow_redirects=False,
                           data={"csrf_token": token, "version": str(dossier.version), "handler_id": "²"})
    assert response.status_code == 422
    assert "Cán bộ được phân công phải là số nguyên dương" in response.text
    session.expire_all()
    after = session.get_one(Dossier, dossier.id)
    assert (after.status, after.version, after.handler_id) == (Status.TRANSFERRED, dossier.version, None)
