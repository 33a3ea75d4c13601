"""The citizen's store and its reuse (issue 17, item 7), and the index's 4.3/4.4 from it (SQLite and PostgreSQL).

The rule: a later dossier's checklist is offered a still-valid document of the same kind from the applicant's store
(``docstore.kinds``: the birth certificate stands for the adoption's "hồ sơ của trẻ"); chosen, the new item is the
same file with ``reused_from_id`` (written by ``dossier.actions``, the one writer), counted as reuse (Decision 766
4.3) and linked to the store (4.4). A revoked result, an expired one, or another citizen's is never offered and
refused if sent anyway.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.docstore.actions import revoke_issued
from motcua.docstore.queries import reusable_for, store_items
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import DossierDocument
from motcua.index.definitions import metric_set_for
from motcua.index.periods import parse_period
from motcua.index.rollups import for_commune, rollup_counters, scorecard
from motcua.index.score import CatalogueCounters
from motcua.index.tasks import fold_dossiers
from motcua.kit.errors import ValidationFailed
from motcua.portal.actions.accounts import citizen_principal
from motcua.portal.actions.filing import attach_to_draft, save_draft, start_draft, submit_draft
from motcua.portal.models import CitizenAccount
from tests.docstore.helpers import ADOPTION, ADOPTION_ITEMS, MARITAL, MARRIAGE, issued_result
from tests.factories import CHI_TIEN, T0, VALID_ID, intake_data, pdf_bytes

NOV = parse_period("2026-11", T0.date())
LATER = T0 + timedelta(days=2)  # Wed 25/11/2026
OTHER_ID = "025090009876"
V2 = metric_set_for(date(2026, 12, 1))
CATALOGUE = CatalogueCounters(procedures=20, online_offered=16, fee_bearing=10, fee_payable_online=4,
                              complete_parts=15)


def _adopt(session: Session, team: dict[str, Principal], store: FileStore, reused: dict[str, int],
           id_number: str = VALID_ID, now: datetime = LATER) -> int:
    data = intake_data(procedure_code=ADOPTION, documents_present=[k for k in ADOPTION_ITEMS if k not in reused],
                       reused=reused, id_number=id_number)
    return receive_dossier(session, actor=team["reception"], data=data, uploads=(), store=store, now=now).dossier.id


def test_a_birth_certificate_result_is_offered_reused_and_counted(session: Session, team: dict[str, Principal],
                                                                  store: FileStore) -> None:
    """The birth registration's signed result (1.001193) is offered for the adoption's child papers (2.001263,
    ``ho_so_tre``) and reused: the new item is the same file, pointing to the result. November, Chí Tiên: 2 dossiers
    received, 1 reusing the store → 4.3 = 1/2 = 0.5 → min(2, 2 × 0.5 ÷ 0.8) = 1.25 (§7, version 2: full at 80%);
    both a person's with an ID number and documents stored → 4.4 = 2/2 → 4 × 1 = 4; the birth certificate signed
    digitally → 4.1 = 1 e-result of 1 result issued → 6."""
    birth, result, _ = issued_result(session, team, store)
    offered = reusable_for(session, team["reception"], VALID_ID, None, ADOPTION, ADOPTION_ITEMS, LATER)
    assert [(o.requirement_key, o.document_id, o.name, o.dossier_code, o.valid_until) for o in offered] == [
        ("ho_so_tre", result.id, "Giấy khai sinh", birth.code, None)]
    adoption = _adopt(session, team, store, {"ho_so_tre": result.id})
    item = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == adoption)).one()
    assert (item.requirement_key, item.reused_from_id, item.file_key, item.kind) == (
        "ho_so_tre", result.id, result.file_key, "input")
    fold_dossiers(session, [birth.id, adoption], LATER + timedelta(hours=1))
    c = rollup_counters(session, "25", NOV, where=[for_commune(CHI_TIEN)])[CHI_TIEN]
    assert (c.received, c.reused_from_store, c.linked_to_store, c.results_issued, c.e_results) == (2, 1, 2, 1, 1)
    card = scorecard(V2, c, CATALOGUE)
    assert [card.indicator(code).points_shown for code in ("4.1", "4.3", "4.4")] == [
        Decimal("6.00"), Decimal("1.25"), Decimal("4.00")]


def test_an_organisations_dossier_is_not_linked_to_a_citizens_store(session: Session, team: dict[str, Principal],
                                                                    store: FileStore) -> None:
    """4.4 counts the dossiers of a person with an ID number (or a citizen account) that hold documents: a dossier
    with no document stored is not linked (0 of 1 → 0 points)."""
    bare = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                           now=T0).dossier
    fold_dossiers(session, [bare.id], T0 + timedelta(hours=1))
    c = rollup_counters(session, "25", NOV, where=[for_commune(CHI_TIEN)])[CHI_TIEN]
    assert (c.received, c.linked_to_store, c.reused_from_store) == (1, 0, 0)


def test_a_revoked_result_is_neither_offered_nor_accepted(session: Session, team: dict[str, Principal],
                                                         store: FileStore) -> None:
    """Decree 118 Art. 23: a result cancelled or corrected no longer holds; the store shows it revoked."""
    birth, result, _ = issued_result(session, team, store)
    revoke_issued(session, actor=team["approver"], dossier_id=birth.id, reason="Đính chính ngày sinh",
                  now=T0 + timedelta(days=1))
    assert reusable_for(session, team["reception"], VALID_ID, None, ADOPTION, ADOPTION_ITEMS, LATER) == []
    assert [i.validity for i in store_items(session, id_number=VALID_ID, citizen_id=None, now=LATER)
            if i.source == "result"] == ["revoked"]
    with pytest.raises(ValidationFailed, match="không còn hiệu lực"):
        _adopt(session, team, store, {"ho_so_tre": result.id})


def test_another_citizens_result_is_refused(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    _, result, _ = issued_result(session, team, store)
    assert reusable_for(session, team["reception"], OTHER_ID, None, ADOPTION, ADOPTION_ITEMS, LATER) == []
    with pytest.raises(ValidationFailed):
        _adopt(session, team, store, {"ho_so_tre": result.id}, id_number=OTHER_ID)


def test_a_marital_status_certificate_is_valid_six_months(session: Session, team: dict[str, Principal],
                                                          store: FileStore) -> None:
    """Decree 123/2015 Art. 23: six months from the day of issue (Civil Code Art. 147–148: to the end of the
    corresponding day). Issued Mon 23/11/2026 → valid to 23/05/2027 inclusive, offered for the marriage's
    ``xac_nhan_hon_nhan`` until then, not after."""
    _, result, _ = issued_result(session, team, store, procedure_code=MARITAL,
                                 documents_present=["to_khai", "giay_to_tuy_than"],
                                 label="hon-nhan")
    items = ["to_khai", "xac_nhan_hon_nhan"]
    on_last_day = datetime(2027, 5, 23, 16, 0, tzinfo=T0.tzinfo)  # 23:00 in Vietnam
    offered = reusable_for(session, team["reception"], VALID_ID, None, MARRIAGE, items, on_last_day)
    assert [(o.requirement_key, o.document_id, o.valid_until) for o in offered] == [
        ("xac_nhan_hon_nhan", result.id, date(2027, 5, 23))]
    assert reusable_for(session, team["reception"], VALID_ID, None, MARRIAGE, items,
                        on_last_day + timedelta(hours=2)) == []


def test_officers_without_the_scans_need_are_offered_nothing(session: Session, team: dict[str, Principal],
                                                             store: FileStore) -> None:
    """Need to know (docs/need-to-know.md): the store is offered to the counter (scans and search by ID number), not
    to a specialist, who works on the dossier in hand."""
    issued_result(session, team, store)
    assert reusable_for(session, team["specialist"], VALID_ID, None, ADOPTION, ADOPTION_ITEMS, LATER) == []
    assert reusable_for(session, team["reception"], VALID_ID, None, ADOPTION, ADOPTION_ITEMS, LATER) != []


def test_a_citizen_reuses_their_birth_certificate_when_filing_online(session: Session, team: dict[str, Principal],
                                                                     store: FileStore) -> None:
    """Online, the store is the account's: the ID number the population database confirmed (and the dossiers the
    account follows). The draft's choice (``reuse_<item>``) becomes the dossier's item with ``reused_from_id``."""
    _, result, _ = issued_result(session, team, store)
    citizen = CitizenAccount(phone="0912345678", full_name="Đặng Văn Đức", created_at=T0, vneid_level=2,
                             id_number=VALID_ID, identity_checked_at=T0)
    session.add(citizen)
    session.flush()
    draft = start_draft(session, citizen=citizen, procedure_code=ADOPTION, commune_code=CHI_TIEN, now=LATER)
    offered = reusable_for(session, citizen_principal(citizen), VALID_ID, citizen.id, ADOPTION, ADOPTION_ITEMS, LATER)
    assert [(o.requirement_key, o.document_id) for o in offered] == [("ho_so_tre", result.id)]
    for key in ADOPTION_ITEMS:
        if key != "ho_so_tre":
            attach_to_draft(session, citizen=citizen, draft_id=draft.id, requirement_key=key, filename=f"{key}.pdf",
                            data=pdf_bytes(), store=store, now=LATER, max_upload_bytes=10 * 1024 * 1024)
    save_draft(session, citizen=citizen, draft_id=draft.id, now=LATER, fields={
        "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": "0912345678",
        "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ", "reuse_ho_so_tre": str(result.id)})
    dossier = submit_draft(session, citizen=citizen, actor=citizen_principal(citizen), draft_id=draft.id, now=LATER)
    reused = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == dossier.id,
                                                           DossierDocument.reused_from_id.is_not(None))).one()
    assert (reused.requirement_key, reused.reused_from_id) == ("ho_so_tre", result.id)


def test_a_citizen_cannot_reuse_a_document_of_another_store(session: Session, team: dict[str, Principal],
                                                            store: FileStore) -> None:
    """An account without that ID number confirmed is offered nothing, and a forged choice is refused."""
    _, result, _ = issued_result(session, team, store)
    other = CitizenAccount(phone="0987654321", full_name="Người Khác", created_at=T0, vneid_level=0)
    session.add(other)
    session.flush()
    assert reusable_for(session, citizen_principal(other), None, other.id, ADOPTION, ADOPTION_ITEMS, LATER) == []
    draft = start_draft(session, citizen=other, procedure_code=ADOPTION, commune_code=CHI_TIEN, now=LATER)
    for key in ADOPTION_ITEMS:
        if key != "ho_so_tre":
            attach_to_draft(session, citizen=other, draft_id=draft.id, requirement_key=key, filename=f"{key}.pdf",
                            data=pdf_bytes(), store=store, now=LATER, max_upload_bytes=10 * 1024 * 1024)
    save_draft(session, citizen=other, draft_id=draft.id, now=LATER, fields={
        "applicant_name": "Người Khác", "id_number": VALID_ID, "phone": "0987654321",
        "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ", "reuse_ho_so_tre": str(result.id)})
    with pytest.raises(ValidationFailed, match="không còn hiệu lực"):
        submit_draft(session, citizen=other, actor=citizen_principal(other), draft_id=draft.id, now=LATER)
