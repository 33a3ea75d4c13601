"""Drafting and approval of a result (Decree 118/2025 Art. 19, 22; Decree 30/2020 Art. 15-16 for the number).

The dossier's handler drafts from the procedure's template and sends it for signing; an approver of the deciding
commune returns it or signs; the register gives the number at issue, gap-free; a guarded UPDATE makes a double click
or two leaders at once one issue; a failed signing leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.dossier.files import FileStore
from motcua.dossier.models import DossierDocument
from motcua.kit.errors import Conflict, Forbidden, MotcuaError, NotFound, ValidationFailed
from motcua.results.actions import (
    add_credential,
    issue_on_paper,
    return_draft,
    save_draft,
    sign_draft,
    start_draft,
)
from motcua.results.models import ResultDraft, ResultRegisterCounter
from motcua.results.signing import SigningContext
from motcua.results.workflow import DraftStatus
from tests.factories import CHI_TIEN, T0, other_commune, pdf_bytes, staff
from tests.results.helpers import HKD_VALUES, awaiting_approval, submitted_draft

LATER = T0 + timedelta(hours=5)


def _counter(session: Session) -> int | None:
    return session.scalar(select(ResultRegisterCounter.last_seq).where(ResultRegisterCounter.year == 2026))


def _results(session: Session, dossier_id: int) -> list[DossierDocument]:
    return list(session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == dossier_id,
                                                              DossierDocument.kind == "result")))


def test_the_handler_drafts_the_leader_returns_then_signs_by_hand(session: Session, team: dict[str, Principal],
                                                                  store: FileStore) -> None:
    dossier = awaiting_approval(session, team, store)
    draft = start_draft(session, actor=team["specialist"], dossier_id=dossier.id, now=LATER)
    assert draft.status == DraftStatus.DRAFT
    with pytest.raises(ValidationFailed) as missing:  # Art. 19: the draft goes up complete
        save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version, values={}, now=LATER,
                   submit=True)
    assert set(missing.value.fields) == set(HKD_VALUES)
    draft = save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version, values=HKD_VALUES,
                       now=LATER, submit=True)
    assert draft.status == DraftStatus.SUBMITTED
    assert draft.values["nganh_nghe"] == ["Bán lẻ hàng tạp hóa", "Bán lẻ đồ uống"]

    with pytest.raises(ValidationFailed, match="lý do"):
        return_draft(session, actor=team["approver"], draft_id=draft.id, seen=draft.version, reason=" ", now=LATER)
    draft = return_draft(session, actor=team["approver"], draft_id=draft.id, seen=draft.version,
                         reason="Sai vốn kinh doanh.", now=LATER)
    assert (draft.status, draft.returned_reason) == (DraftStatus.RETURNED, "Sai vốn kinh doanh.")
    draft = save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version,
                       values={**HKD_VALUES, "von": "60.000.000"}, now=LATER, submit=True)

    # the leader has no certificate: the digital way says so, the paper way issues
    with pytest.raises(ValidationFailed, match="chưa được cấp chứng thư số"):
        sign_draft(session, actor=team["approver"], draft_id=draft.id, seen=draft.version, now=LATER, store=store,
                   context=SigningContext(), base_url="http://motcua.test")
    draft = issue_on_paper(session, actor=team["approver"], draft_id=draft.id, seen=draft.version, scan=pdf_bytes(),
                           filename="scan.pdf", now=LATER, store=store)
    assert (draft.status, draft.signature, draft.number, draft.number_text) == (
        DraftStatus.ISSUED, "paper", 1, "01/GCN-UBND")
    [document] = _results(session, dossier.id)
    assert (document.id, document.signature) == (draft.document_id, "paper")
    assert _counter(session) == 1
    with pytest.raises(ValidationFailed, match="Điều 23"):  # one result; a new one only for a correction
        start_draft(session, actor=team["specialist"], dossier_id=dossier.id, now=LATER)


def test_who_may_draft_and_sign(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """Drafting is the deciding commune's handler's (or approver's); signing and returning are its approvers'; a
    leader of another commune does not even see the draft (404)."""
    dossier = awaiting_approval(session, team, store)
    with pytest.raises(Forbidden):
        start_draft(session, actor=team["reception"], dossier_id=dossier.id, now=LATER)
    draft = submitted_draft(session, team, dossier)
    with pytest.raises(Forbidden, match="lãnh đạo"):
        return_draft(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version, reason="x", now=LATER)
    with pytest.raises(Forbidden, match="lãnh đạo"):
        issue_on_paper(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version, scan=pdf_bytes(),
                       filename="a.pdf", now=LATER, store=store)
    theirs = staff(session, other_commune(session))
    with pytest.raises(NotFound):
        return_draft(session, actor=theirs["approver"], draft_id=draft.id, seen=draft.version, reason="x",
                     now=LATER)
    with pytest.raises(Conflict):  # submitted: the drafter can no longer edit it
        save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version, values=HKD_VALUES,
                   now=LATER)


def test_a_double_click_issues_once(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """The second request carries the version the page was rendered with: the guarded UPDATE finds no row."""
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    seen = draft.version
    issue_on_paper(session, actor=team["approver"], draft_id=draft.id, seen=seen, scan=pdf_bytes(), filename="a.pdf",
                   now=LATER, store=store)
    with pytest.raises(Conflict, match="cán bộ khác vừa xử lý"), session.begin_nested():
        issue_on_paper(session, actor=team["approver"], draft_id=draft.id, seen=seen, scan=pdf_bytes(),
                       filename="a.pdf", now=LATER, store=store)
    assert _counter(session) == 1
    assert len(_results(session, dossier.id)) == 1


def test_a_stale_page_is_refused_by_the_version(session: Session, team: dict[str, Principal],
                                                store: FileStore) -> None:
    """Two saves from the same page: the status has not changed, the version has."""
    dossier = awaiting_approval(session, team, store)
    draft = start_draft(session, actor=team["specialist"], dossier_id=dossier.id, now=LATER)
    seen = draft.version
    save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=seen, values=HKD_VALUES, now=LATER)
    with pytest.raises(Conflict, match="vừa được cán bộ khác xử lý"):
        save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=seen, values={}, now=LATER)


def test_a_failed_signing_leaves_no_result_no_number_no_half_state(session: Session, team: dict[str, Principal],
                                                                   store: FileStore, tmp_path) -> None:
    """The signer fails after the number was taken and the PDF rendered: the request's transaction (here a
    savepoint) rolls back whole — the draft is still waiting, no document, the number is given back."""
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    far = T0 + timedelta(days=700)
    for officer_id in (team["approver"].officer_id, None):
        add_credential(session, actor=team["approver"].__class__(kind="system", id=None, name="system",
                                                                 province_code="25", commune_code=None),
                       commune_code=CHI_TIEN, officer_id=officer_id, kind="pkcs12",
                       reference=str(tmp_path / "missing.p12"), subject="CN=Lê Minh Quân", serial="01", not_after=far,
                       now=T0)
    seen = draft.version
    with pytest.raises(MotcuaError), session.begin_nested():
        sign_draft(session, actor=team["approver"], draft_id=draft.id, seen=seen, now=LATER, store=store,
                   context=SigningContext(timestamp_url="http://127.0.0.1:9/tsa"), base_url="http://motcua.test")
    session.expire_all()
    assert session.get_one(ResultDraft, draft.id).status == DraftStatus.SUBMITTED
    assert _results(session, dossier.id) == []
    assert _counter(session) is None
    issued = issue_on_paper(session, actor=team["approver"], draft_id=draft.id, seen=seen, scan=pdf_bytes(),
                            filename="a.pdf", now=LATER, store=store)
    assert issued.number == 1  # gap-free: the failed signing's number went back


def test_numbers_run_per_body_and_year(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """Decree 30/2020 Art. 15: one sequence per issuing body, from 01 each calendar year."""
    numbers = []
    for when in (LATER, LATER + timedelta(days=1), T0 + timedelta(days=60)):  # the last in January 2027
        dossier = awaiting_approval(session, team, store)
        draft = submitted_draft(session, team, dossier)
        numbers.append(issue_on_paper(session, actor=team["approver"], draft_id=draft.id, seen=draft.version,
                                      scan=pdf_bytes(), filename="a.pdf", now=when, store=store).number_text)
    assert numbers == ["01/GCN-UBND", "02/GCN-UBND", "01/GCN-UBND"]
    assert session.scalar(select(func.count()).select_from(ResultRegisterCounter)) == 2
