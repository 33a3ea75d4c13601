"""A page offers exactly what the action accepts (issue 14, item 4), for feedback cases: the officer's case page, the
API's ``allowed_actions`` and ``act_on_case`` agree for every state, every officer and both sides of the screening
limits; the sender's verdict form and ``rate_answer`` agree too."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.feedback.actions import act_on_case, citizen_actor, rate_answer
from motcua.feedback.models import FeedbackCase
from motcua.feedback.schemas import CaseActionIn
from motcua.feedback.tokens import sign
from motcua.feedback.workflow import CaseAction, CaseStatus
from motcua.kit.clock import FixedClock
from motcua.kit.errors import MotcuaError
from tests.factories import T0, TEST_SECRET_KEY, login, make_officer, other_commune, principal_of, staff
from tests.feedback.helpers import case_in

BUTTON = re.compile(r'data-action="([a-z_]+)"')
#: Hours after receipt (every screening limit open), 4 days later (past refusing's 2 working days, within asking's 5)
#: and 10 days later (past both).
SOON, MIDDLE, LATE = T0 + timedelta(hours=10), T0 + timedelta(days=4), T0 + timedelta(days=10)


def _accepted(session: Session, who: Principal, case_id: int, now: datetime) -> set[str]:
    version = session.get_one(FeedbackCase, case_id).version
    accepted = set()
    for action in CaseAction:
        savepoint = session.begin_nested()
        try:
            act_on_case(session, actor=who, case_id=case_id, action=action, now=now,
                        data=CaseActionIn(version=version, note="Nội dung xử lý của cán bộ"),
                        public_base_url="https://motcua.example.vn", secret="test-secret-key")
            accepted.add(action.value)
        except MotcuaError:
            pass
        finally:
            savepoint.rollback()
    return accepted


@pytest.mark.parametrize("now", [SOON, MIDDLE, LATE], ids=["hours after receipt", "4 days later", "10 days later"])
def test_the_case_page_offers_exactly_what_act_on_case_accepts(client, session: Session, team: dict[str, Principal],
                                                               clock: FixedClock, now: datetime) -> None:
    """docs/legal.md §7: the commune's counter and director handle its cases (refusing and asking only within their
    limits); a specialist, another commune's officer or a province monitor handle none — the page and the API offer
    what ``act_on_case`` accepts, nothing more or less."""
    cases = {status: case_in(session, team["reception"], status).id
             for status in CaseStatus if status is not CaseStatus.NEW}
    theirs = staff(session, other_commune(session))
    monitor = principal_of(make_officer(session, commune_code=None, roles=(Role.PROVINCE_MONITOR,)),
                           Role.PROVINCE_MONITOR)
    session.commit()
    clock.instant = now
    mismatches = []
    for who in (team["reception"], team["director"], team["specialist"], theirs["reception"], monitor):
        client.cookies.clear()
        login(client, who.name)
        for status, case_id in cases.items():
            page, api = client.get(f"/feedback/{case_id}"), client.get(f"/api/v1/feedback/{case_id}")
            assert page.status_code == api.status_code and page.status_code in (200, 403, 404), (status, who.name)
            shown = page.status_code == 200  # else not theirs to see (another commune; a role with no need to know)
            offered = set(BUTTON.findall(page.text)) if shown else set()
            listed = set(api.json()["allowed_actions"]) if shown else set()
            accepted = _accepted(session, who, case_id, now)
            if offered != accepted or listed != accepted:
                mismatches.append(f"{status} / {who.full_name}: page {sorted(offered)}, API {sorted(listed)}, "
                                  f"act_on_case {sorted(accepted)}")
    assert not mismatches, "\n".join(mismatches)


def test_the_verdict_form_is_offered_exactly_when_it_is_taken(client, session: Session, team: dict[str, Principal],
                                                              clock: FixedClock) -> None:
    """Indicator 5.3: the sender gives a verdict once there is an answer, once — the public page shows the form
    exactly when ``rate_answer`` would take it."""
    cases = [case_in(session, team["reception"], status) for status in CaseStatus if status is not CaseStatus.NEW]
    rated = case_in(session, team["reception"], CaseStatus.ANSWERED)
    rate_answer(session, case=rated, satisfied=True, now=SOON, actor=citizen_actor(rated.province_code))
    session.commit()
    clock.instant = SOON
    for case in [*cases, rated]:
        token = sign(TEST_SECRET_KEY, "case", case.id, SOON + timedelta(days=1))
        page = client.get("/phan-anh/tra-loi", params={"t": token})
        assert page.status_code == 200
        savepoint = session.begin_nested()
        try:
            rate_answer(session, case=session.get_one(FeedbackCase, case.id), satisfied=False, now=SOON,
                        actor=citizen_actor(case.province_code))
            taken = True
        except MotcuaError:
            taken = False
        finally:
            savepoint.rollback()
        assert ('name="satisfied"' in page.text) == taken, (case.status, case.sender_satisfied)
