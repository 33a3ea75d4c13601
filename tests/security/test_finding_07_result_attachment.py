"""Issue 13, finding 7: the official electronic result belongs to the deciding commune.

Decree 118/2025/NĐ-CP Art. 14, 19, 20(1), 22: in location-independent filing the receiving centre only hands the
result over; the deciding commune's handler (or its approver) issues it — including a corrected result (Art.
23(1)). One rule (``dossier.actions.check_may_attach_result``) answers both the action and the page's form, so the
page never offers what the action refuses (OWASP ASVS 4.0 V4.1.1, V4.2.1).
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.auth.queries import principal_from_api_token
from motcua.base.roles import Role
from motcua.dossier.actions import Upload, add_document, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierDocument
from motcua.dossier.workflow import Action, Status
from motcua.kit.errors import Forbidden, ValidationFailed
from motcua.org.models import Officer
from tests.factories import (
    T0,
    act_at,
    intake_data,
    login,
    make_officer,
    make_token,
    other_commune,
    pdf_bytes,
    principal_of,
    staff,
)

FORM = 'action="/dossiers/{}/result"'


@pytest.fixture
def filed_elsewhere(session: Session, team: dict, store: FileStore) -> tuple[Dossier, dict]:
    """A dossier received in Chí Tiên for another commune, appraised there and waiting for its approver."""
    theirs = staff(session, other_commune(session))
    dossier = receive_dossier(session, actor=team["reception"], store=store, uploads=(), now=T0,
                              data=intake_data(deciding_commune_code=theirs["specialist"].commune_code)).dossier
    dossier = act_at(session, team["reception"], dossier, Action.TRANSFER, 1)
    dossier = act_at(session, theirs["approver"], dossier, Action.ASSIGN, 2, handler_id=theirs["specialist"].id)
    dossier = act_at(session, theirs["specialist"], dossier, Action.SUBMIT_FOR_APPROVAL, 3)
    assert dossier.status == Status.AWAITING_APPROVAL
    session.commit()
    return dossier, theirs


def _attach(session: Session, actor, dossier: Dossier, store: FileStore) -> None:
    add_document(session, actor=actor, dossier_id=dossier.id, upload=Upload(None, "ket-qua.pdf", pdf_bytes()),
                 store=store, now=T0 + timedelta(hours=4), kind="result")


def _results(session: Session, dossier: Dossier) -> int:
    return session.scalar(select(func.count()).select_from(DossierDocument).where(
        DossierDocument.dossier_id == dossier.id, DossierDocument.kind == "result")) or 0


def test_finding_07_the_receiving_commune_cannot_attach_the_result(session, team, store, filed_elsewhere):
    """The receiving commune's specialist, counter officer and approver are refused; so is a specialist of the
    deciding commune who is not the handler, and a token acting for someone who is not the handler."""
    dossier, _ = filed_elsewhere
    not_handler = make_officer(session, commune_code=dossier.deciding_commune_code, roles=(Role.SPECIALIST,),
                               with_post=False)
    _, raw = make_token(session, not_handler, Role.SPECIALIST)
    outsiders = [team["specialist"], team["reception"], team["approver"], principal_of(not_handler, Role.SPECIALIST),
                 principal_from_api_token(session, raw, T0)]
    for who in outsiders:
        with pytest.raises(Forbidden):
            _attach(session, who, dossier, store)
    assert _results(session, dossier) == 0


def test_finding_07_the_deciding_handler_and_approver_attach_it(session, store, filed_elsewhere):
    """The handler (in person or through a token acting for them) and the deciding commune's approver may."""
    dossier, theirs = filed_elsewhere
    _attach(session, theirs["specialist"], dossier, store)
    assert _results(session, dossier) == 1
    _, raw = make_token(session, session.get_one(Officer, theirs["specialist"].id), Role.SPECIALIST)
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(png, format="PNG")
    add_document(session, actor=principal_from_api_token(session, raw, T0), dossier_id=dossier.id, kind="result",
                 upload=Upload(None, "ban-2.png", png.getvalue()), store=store, now=T0 + timedelta(hours=5))
    _attach(session, theirs["approver"], dossier, store)  # the same file as the handler's: still one document
    assert _results(session, dossier) == 2


def test_finding_07_the_page_offers_the_upload_only_to_who_may(client, session, team, filed_elsewhere):
    """The form is on the handler's page, not on the receiving specialist's; a corrected result (Art. 23(1), in
    correction) can be uploaded too."""
    dossier, theirs = filed_elsewhere
    form = FORM.format(dossier.id)
    login(client, team["specialist"].name)
    assert form not in client.get(f"/dossiers/{dossier.id}").text
    client.cookies.clear()
    login(client, theirs["specialist"].name)
    assert form in client.get(f"/dossiers/{dossier.id}").text
    dossier = act_at(session, theirs["approver"], dossier, Action.APPROVE, 5)
    dossier = act_at(session, team["reception"], dossier, Action.RETURN_RESULT, 6)
    dossier = act_at(session, theirs["specialist"], dossier, Action.START_CORRECTION, 7, note="Sai ngày sinh.")
    assert dossier.status == Status.IN_CORRECTION
    session.commit()
    assert form in client.get(f"/dossiers/{dossier.id}").text
    client.cookies.clear()
    login(client, team["specialist"].name)
    page = client.get(f"/dossiers/{dossier.id}")
    assert page.status_code == 200 and form not in page.text


def test_how_a_result_was_signed_is_kept_and_only_results_have_a_signature(session, store, filed_elsewhere):
    """4.1 of Decision 766 counts electronic results: the result domain attaches a digitally signed result as
    ``digital`` and a hand-signed scan as ``paper``; an input never carries a signature, nor an unknown kind."""
    dossier, theirs = filed_elsewhere
    add_document(session, actor=theirs["approver"], dossier_id=dossier.id, kind="result", signature="paper",
                 upload=Upload(None, "ket-qua.pdf", pdf_bytes()), store=store, now=T0 + timedelta(hours=4))
    doc = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == dossier.id,
                                                        DossierDocument.kind == "result")).one()
    assert doc.signature == "paper"
    for kind, signature in (("input", "digital"), ("result", "stamped")):
        with pytest.raises(ValidationFailed) as refused:
            add_document(session, actor=theirs["specialist"], dossier_id=dossier.id, kind=kind, signature=signature,
                         upload=Upload(None, "khac.pdf", pdf_bytes()), store=store, now=T0 + timedelta(hours=5))
        assert refused.value.fields == {"signature": "Không hợp lệ."}
