"""Issue 13, finding 8: separation of duties, for people and tokens alike.

Decree 118/2025/NĐ-CP Art. 17-19 gives receipt (the centre), appraisal (the assigned handler, thẩm định) and the
decision (the head of the competent body) to different posts. A token carries at most one of those roles; the
officer who appraised a dossier — in person or through a token acting for them — does not approve it, unless the
province allows it for communes where one person holds both posts, and then the approval is marked on the timeline.
The timeline names the officer a token acts for, never the token's free-text name as if it were a person.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.auth.actions import create_api_token
from motcua.auth.models import ApiToken
from motcua.auth.queries import principal_from_api_token
from motcua.base.roles import Role
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierEvent
from motcua.dossier.workflow import Action, Status
from motcua.kit.errors import Forbidden, ValidationFailed
from motcua.org.actions import set_single_officer_approval
from motcua.org.models import Officer, Province
from tests.factories import (
    CHI_TIEN,
    HKD,
    T0,
    VALID_ID,
    act_at,
    csrf_token,
    intake_data,
    login,
    make_officer,
    make_token,
    principal_of,
)

SINGLE = "Một người thẩm định và phê duyệt (tỉnh cho phép)"


def _submitted_by(session: Session, team: dict, store: FileStore, handler: Officer, appraiser) -> Dossier:
    """A dossier assigned to ``handler`` and submitted for approval by ``appraiser`` (a person or a token)."""
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    dossier = act_at(session, team["reception"], dossier, Action.TRANSFER, 1)
    dossier = act_at(session, team["approver"], dossier, Action.ASSIGN, 2, handler_id=handler.id)
    dossier = act_at(session, appraiser, dossier, Action.SUBMIT_FOR_APPROVAL, 3)
    assert dossier.status == Status.AWAITING_APPROVAL
    return dossier


def _two_hats(session: Session) -> Officer:
    """An officer who holds both posts (kiêm nhiệm): specialist and approver."""
    return make_officer(session, roles=(Role.SPECIALIST, Role.APPROVER), with_post=False, full_name="Hoàng Văn Bảo")


def test_finding_08_a_token_cannot_combine_separated_roles(client, session):
    """At most one of reception, specialist, approver per token — even for an officer who holds all three — by the
    action and by the form."""
    admin = make_officer(session, username="qtxa", roles=(Role.ADMIN,), with_post=False)
    everything = make_officer(session, roles=(Role.RECEPTION, Role.SPECIALIST, Role.APPROVER), with_post=False)
    for roles in ((Role.RECEPTION, Role.SPECIALIST, Role.APPROVER), (Role.RECEPTION, Role.APPROVER),
                  (Role.SPECIALIST, Role.APPROVER)):
        with pytest.raises(ValidationFailed) as refused:
            create_api_token(session, actor=principal_of(admin, Role.ADMIN), name="Một mình quyết", days_valid=30,
                             commune_code=CHI_TIEN, now=T0, officer_id=everything.id, roles=roles)
        assert "roles" in refused.value.fields
    login(client, "qtxa")
    response = client.post("/admin/tokens", data={
        "csrf_token": csrf_token(client, "/admin/tokens"), "name": "Một mình quyết", "officer_id": everything.id,
        "roles": ["reception", "specialist", "approver"]})
    assert response.status_code == 422 and 'id="new-token"' not in response.text
    assert session.scalars(select(ApiToken)).all() == []


def test_finding_08_a_stored_token_with_combined_roles_does_not_work(session):
    """A token written before the rule (or by hand in the database) with two separated roles authenticates as
    nothing, whatever its officer holds."""
    officer = make_officer(session, roles=(Role.RECEPTION, Role.SPECIALIST, Role.APPROVER), with_post=False)
    token_id, raw = make_token(session, officer, Role.RECEPTION)
    session.get_one(ApiToken, token_id).roles = "approver,reception,specialist"
    session.commit()
    assert principal_from_api_token(session, raw, T0) is None


def test_finding_08_the_appraiser_cannot_approve_in_person(session, team, store):
    """The officer who appraised (the handler who submitted) is refused the approval of the same dossier; another
    approver approves it."""
    both = _two_hats(session)
    dossier = _submitted_by(session, team, store, both, principal_of(both, Role.SPECIALIST, Role.APPROVER))
    with pytest.raises(Forbidden) as refused:
        act_at(session, principal_of(both, Role.SPECIALIST, Role.APPROVER), dossier, Action.APPROVE, 4)
    assert "thẩm định" in refused.value.message
    dossier = act_at(session, team["approver"], dossier, Action.APPROVE, 4)
    assert dossier.status == Status.RESULT_READY


def test_finding_08_the_appraiser_cannot_approve_through_tokens(session, team, store):
    """Tokens count for the person they act for: appraising through a specialist token and approving through an
    approver token (or in person) is the same person doing both."""
    both = _two_hats(session)
    _, appraiser_raw = make_token(session, both, Role.SPECIALIST, name="Máy thẩm định")
    _, approver_raw = make_token(session, both, Role.APPROVER, name="Máy ký duyệt")
    appraiser = principal_from_api_token(session, appraiser_raw, T0)
    approver = principal_from_api_token(session, approver_raw, T0)
    assert appraiser is not None and approver is not None
    dossier = _submitted_by(session, team, store, both, appraiser)
    for who in (approver, principal_of(both, Role.APPROVER)):
        with pytest.raises(Forbidden):
            act_at(session, who, dossier, Action.APPROVE, 4)
    dossier = act_at(session, team["approver"], dossier, Action.APPROVE, 4)
    assert dossier.status == Status.RESULT_READY


def test_finding_08_the_appraiser_cannot_confirm_their_own_refusal(session, team, store):
    """The same holds for the refusal the handler proposed (Art. 19(3))."""
    both = _two_hats(session)
    person = principal_of(both, Role.SPECIALIST, Role.APPROVER)
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    dossier = act_at(session, team["reception"], dossier, Action.TRANSFER, 1)
    dossier = act_at(session, team["approver"], dossier, Action.ASSIGN, 2, handler_id=both.id)
    dossier = act_at(session, person, dossier, Action.PROPOSE_REFUSAL, 3, note="Không đủ điều kiện đăng ký.")
    with pytest.raises(Forbidden):
        act_at(session, person, dossier, Action.CONFIRM_REFUSAL, 4)


def test_finding_08_only_a_province_admin_sets_the_exception(session):
    """The exception is the province's: a commune administrator cannot set it."""
    commune_admin = make_officer(session, roles=(Role.ADMIN,), with_post=False)
    province_admin = make_officer(session, commune_code=None, roles=(Role.ADMIN,), with_post=False)
    with pytest.raises(Forbidden):
        set_single_officer_approval(session, actor=principal_of(commune_admin, Role.ADMIN), province_code="25",
                                    allowed=True, now=T0)
    with pytest.raises(Forbidden):  # not another province's either
        set_single_officer_approval(session, actor=principal_of(province_admin, Role.ADMIN), province_code="01",
                                    allowed=True, now=T0)
    set_single_officer_approval(session, actor=principal_of(province_admin, Role.ADMIN), province_code="25",
                                allowed=True, now=T0)
    assert session.get_one(Province, "25").allow_single_officer_approval is True
    assert session.scalar(select(AuditEvent.data).where(AuditEvent.action == "province.single_officer_approval_set"))


def test_finding_08_an_allowed_single_officer_approval_is_shown(client, session, team, store):
    """Where the province allows it, the one-person approval goes through and the timeline (page and API) says so."""
    province_admin = make_officer(session, commune_code=None, roles=(Role.ADMIN,), with_post=False)
    set_single_officer_approval(session, actor=principal_of(province_admin, Role.ADMIN), province_code="25",
                                allowed=True, now=T0)
    both = make_officer(session, username="motminh", roles=(Role.SPECIALIST, Role.APPROVER), with_post=False)
    person = principal_of(both, Role.SPECIALIST, Role.APPROVER)
    dossier = _submitted_by(session, team, store, both, person)
    dossier = act_at(session, person, dossier, Action.APPROVE, 4)
    other = _submitted_by(session, team, store, session.get_one(Officer, team["specialist"].id), team["specialist"])
    act_at(session, team["approver"], other, Action.APPROVE, 4)
    session.commit()
    marks = {e.action: e.data.get("single_officer") for e in session.scalars(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id))}
    assert marks["approve"] is True and not marks["submit_for_approval"]
    login(client, "motminh")
    page = client.get(f"/dossiers/{dossier.id}").text
    assert SINGLE in page
    assert SINGLE not in client.get(f"/dossiers/{other.id}").text  # two people: nothing to mark
    _, raw = make_token(session, both, Role.APPROVER)
    events = client.get(f"/api/v1/dossiers/{dossier.id}", headers={"Authorization": f"Bearer {raw}"}).json()["events"]
    assert [e["single_officer"] for e in events if e["action"] == "approve"] == [True]


def test_finding_08_the_timeline_names_the_officer_not_the_token(client, session):
    """A token named after a leader does not appear as that leader: the timeline shows the officer the token acts
    for, then "qua API: <token name>"; the audit log names both the token and the officer."""
    clerk = make_officer(session, username="tiepnhan", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    token_id, raw = make_token(session, clerk, Role.RECEPTION, name="Chủ tịch UBND xã Lê Minh Quân")
    body = {"procedure_code": HKD, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": "0912345678",
            "address": "Khu 3, xã Chí Tiên", "documents_present": ["giay_de_nghi"]}
    created = client.post("/api/v1/dossiers", json=body, headers={"Authorization": f"Bearer {raw}"})
    assert created.status_code == 201, created.text
    names = [e["actor_name"] for e in created.json()["events"]]
    assert names == ["Nguyễn Thị Hoa (qua API: Chủ tịch UBND xã Lê Minh Quân)"]
    event = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == created.json()["id"])).one()
    assert event.actor_id == clerk.id
    assert session.get_one(Dossier, created.json()["id"]).received_by_id == clerk.id
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.receive")).one()
    assert (audit.actor_kind, audit.actor_id) == ("token", f"{token_id}:officer:{clerk.id}")
    login(client, "tiepnhan")
    page = client.get(f"/dossiers/{created.json()['id']}").text
    assert re.search(r"Nguyễn Thị Hoa \(qua API: Chủ tịch UBND xã Lê Minh Quân\)", page)


def test_finding_08_the_refused_approval_is_not_offered(client, session, team, store):
    """The page and the API offer the appraiser no approval button (they would be refused), but still the others
    (send back); another approver is offered it."""
    both = make_officer(session, username="haimu", roles=(Role.SPECIALIST, Role.APPROVER), with_post=False)
    dossier = _submitted_by(session, team, store, both, principal_of(both, Role.SPECIALIST, Role.APPROVER))
    _, raw = make_token(session, both, Role.APPROVER)
    session.commit()
    offered = client.get(f"/api/v1/dossiers/{dossier.id}", headers={"Authorization": f"Bearer {raw}"})
    assert "approve" not in offered.json()["allowed_actions"] and "send_back" in offered.json()["allowed_actions"]
    login(client, "haimu")
    page = client.get(f"/dossiers/{dossier.id}").text
    assert 'data-action="approve"' not in page and 'data-action="send_back"' in page
    client.cookies.clear()
    login(client, team["approver"].name)
    assert 'data-action="approve"' in client.get(f"/dossiers/{dossier.id}").text
