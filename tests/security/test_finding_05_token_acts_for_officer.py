"""Issue 13, finding 5: an API token is never confused with an officer.

A token acts on behalf of a named officer (``ApiToken.officer_id``); handler and approver checks compare that
officer's id (``Principal.officer_id``), never the token's own id, and the officer must hold — at issue and at every
use — the roles the token acts with (OWASP ASVS 4.0 V4.1.3 least privilege, V4.2.1 object-level authorisation).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from motcua.auth.actions import create_api_token
from motcua.auth.models import ApiToken
from motcua.auth.queries import principal_from_api_token
from motcua.base.roles import Role
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action, Status, TransitionNotAllowed
from motcua.kit.errors import Forbidden, NotFound, ValidationFailed
from motcua.org.models import Officer, OfficerRole
from tests.factories import T0, intake_data, make_officer, make_token, other_commune, principal_of

NOW = T0 + timedelta(hours=3)


def _in_appraisal(session: Session, team: dict, store: FileStore, handler_id: int) -> Dossier:
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    for who, action, extra in (("reception", Action.TRANSFER, {}), ("approver", Action.ASSIGN,
                                                                    {"handler_id": handler_id})):
        dossier = perform(session, actor=team[who], dossier_id=dossier.id, action=action,
                          data=ActionIn(version=dossier.version, **extra), now=T0 + timedelta(hours=1))
    assert dossier.status == Status.IN_APPRAISAL
    return dossier


def _submit(session: Session, actor, dossier: Dossier) -> Dossier:
    return perform(session, actor=actor, dossier_id=dossier.id, action=Action.SUBMIT_FOR_APPROVAL,
                   data=ActionIn(version=dossier.version), now=NOW)


def test_finding_05_a_token_whose_id_equals_the_handlers_is_not_the_handler(session, team, store):
    """The old check compared the token's own id with ``dossier.handler_id``: a specialist token whose id happened
    to equal the handler's officer id acted as the handler. Now it acts for its own officer, who is not the
    handler, and is refused."""
    handler = session.get_one(Officer, team["specialist"].id)
    someone_else = make_officer(session, roles=(Role.SPECIALIST,), with_post=False, full_name="Võ Thị Lan")
    token_id, raw = make_token(session, someone_else, Role.SPECIALIST)
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(id=handler.id))  # the collision
    session.commit()
    dossier = _in_appraisal(session, team, store, handler.id)
    principal = principal_from_api_token(session, raw, NOW)
    assert principal is not None and principal.id == handler.id and principal.officer_id == someone_else.id
    with pytest.raises(Forbidden):
        _submit(session, principal, dossier)


def test_finding_05_a_token_acting_for_the_handler_is_the_handler(session, team, store):
    """A specialist token on behalf of the assigned handler does the handler's work (the old code refused it on
    every dossier, its id being no officer's), and the timeline records the handler as the one who acted."""
    handler = session.get_one(Officer, team["specialist"].id)
    _, raw = make_token(session, handler, Role.SPECIALIST, name="Phần mềm thẩm định")
    dossier = _in_appraisal(session, team, store, handler.id)
    principal = principal_from_api_token(session, raw, NOW)
    assert principal is not None and principal.kind == "token" and principal.officer_id == handler.id
    dossier = _submit(session, principal, dossier)
    assert dossier.status == Status.AWAITING_APPROVAL


def test_finding_05_the_officer_must_hold_the_tokens_roles_at_issue(session):
    """A token cannot carry a role its officer does not hold, nor act for an officer outside its scope or one who
    no longer works; no token without an officer is issued."""
    admin = make_officer(session, roles=(Role.ADMIN,), with_post=False)
    issuer = principal_of(admin, Role.ADMIN)
    reception = make_officer(session, roles=(Role.RECEPTION,), with_post=False)
    elsewhere = make_officer(session, commune_code=other_commune(session), roles=(Role.SPECIALIST,), with_post=False)
    for officer_id, roles in ((admin.id, (Role.SPECIALIST,)), (reception.id, (Role.APPROVER,)),
                              (elsewhere.id, (Role.SPECIALIST,))):
        with pytest.raises(ValidationFailed) as refused:
            create_api_token(session, actor=issuer, name="Cổng", commune_code=None, days_valid=30, now=T0,
                             officer_id=officer_id, roles=roles)
        assert "officer_id" in refused.value.fields
    reception.active = False
    session.flush()
    with pytest.raises(ValidationFailed):
        create_api_token(session, actor=issuer, name="Cổng", commune_code=None, days_valid=30, now=T0,
                         officer_id=reception.id, roles=(Role.RECEPTION,))
    assert session.scalars(select(ApiToken)).all() == []


def test_finding_05_a_token_stops_acting_with_a_role_its_officer_lost(session, team, store):
    """Checked at every use: the role taken from the officer is taken from the token at once."""
    handler = session.get_one(Officer, team["specialist"].id)
    _, raw = make_token(session, handler, Role.SPECIALIST)
    dossier = _in_appraisal(session, team, store, handler.id)
    session.execute(delete(OfficerRole).where(OfficerRole.officer_id == handler.id))
    session.commit()
    session.expire_all()  # the next request reads the officer afresh
    principal = principal_from_api_token(session, raw, NOW)
    assert principal is not None and principal.roles == frozenset()
    # Without a role the token has no need to know the dossier either (finding 4): the gate refuses it first.
    with pytest.raises((TransitionNotAllowed, NotFound)):
        _submit(session, principal, dossier)


def test_finding_05_a_token_of_a_deactivated_officer_is_refused(client, session):
    """An officer who left (account locked) takes their tokens' authority with them: the API answers 401."""
    officer = make_officer(session, roles=(Role.RECEPTION,), with_post=False)
    _, raw = make_token(session, officer, Role.RECEPTION)
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    officer.active = False
    session.commit()
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and "không còn làm việc" in refused.json()["error"]["message"]
