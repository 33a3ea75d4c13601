"""A page offers exactly what the action accepts (issue 14, item 4): the dossier page's buttons, the API's
``allowed_actions`` and ``perform`` agree, for every state, every role and the situations the guards read.

For dossiers in each state of the workflow — assigned or not, filed in another commune, asked for a supplement,
extended, appraised by the person who would approve — each officer opens the page at two instants (hours after the
receipt, and 16 days later when the 3-working-day supplement window has closed, the 15-day supplement term has
lapsed and the due date has passed) and every action is tried with valid input; the set of buttons must be the set
of actions ``perform`` lets through (Decree 118 Art. 14, 19, 19(5), 19(6), 23(1) are what makes them differ).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import WorkCalendar, to_vietnam_time
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import CREATING, Action, Status
from motcua.kit.clock import FixedClock
from motcua.kit.errors import MotcuaError, NotFound
from tests.factories import T0, intake_data, login, make_officer, other_commune, principal_of, staff

BUTTON = re.compile(r'data-action="([a-z_]+)"')
SOON, LATE = T0 + timedelta(hours=20), T0 + timedelta(days=16)
NOTE = "Nội dung kiểm tra đủ dài"
RECOGNITION, GROUND = "1.001022", "xac_minh_nhan_cha_me_con"  # +5 working days to verify (Art. 25(2))
RECOGNITION_DOCS = ["to_khai", "chung_cu", "giay_to_tuy_than"]
CALENDAR = WorkCalendar()  # the national one: Phú Thọ announced no day off in these weeks


@dataclass(frozen=True)
class Case:
    name: str
    dossier_id: int
    handler_pool: int  # a specialist of the deciding commune, for ``assign``


def _do(session: Session, who: Principal, dossier: Dossier, action: Action, at: datetime, **extra: object) -> Dossier:
    return perform(session, actor=who, dossier_id=dossier.id, action=action, now=at,
                   data=ActionIn.model_validate({"version": dossier.version, "note": NOTE, **extra}))


def _cases(session: Session, team: dict[str, Principal], store: FileStore, dual: Principal,
           theirs: dict[str, Principal]) -> list[Case]:
    """One dossier per situation, each carried there by the real actions, one hour apart from T0."""
    made: list[Case] = []

    def new(name: str, steps: list[tuple[Principal, Action, dict[str, object]]], deciding: str | None = None,
            pool: int | None = None, procedure: dict[str, object] | None = None) -> None:
        data = intake_data(deciding_commune_code=deciding, **(procedure or {})) if deciding else intake_data(
            **(procedure or {}))
        d = receive_dossier(session, actor=team["reception"], data=data, uploads=(), store=store, now=T0).dossier
        for i, (who, action, extra) in enumerate(steps, start=1):
            d = _do(session, who, d, action, T0 + timedelta(hours=i), **extra)
        made.append(Case(name, d.id, pool or team["specialist"].id))

    r, s, a = team["reception"], team["specialist"], team["approver"]
    assign: dict[str, object] = {"handler_id": s.id}
    transfer = [(r, Action.TRANSFER, {}), (a, Action.ASSIGN, assign)]
    new("received", [])
    new("transferred", [(r, Action.TRANSFER, {})])
    new("in appraisal", transfer)
    new("awaiting supplement", [*transfer, (s, Action.REQUEST_SUPPLEMENT, {})])
    new("supplemented once", [*transfer, (s, Action.REQUEST_SUPPLEMENT, {}), (r, Action.RECEIVE_SUPPLEMENT, {})])
    new("extended once", [*transfer, (a, Action.EXTEND, {"new_due_date": "2026-12-04"})])
    new("refusal proposed", [*transfer, (s, Action.PROPOSE_REFUSAL, {})])
    approval = [*transfer, (s, Action.SUBMIT_FOR_APPROVAL, {})]
    new("awaiting approval", approval)
    new("result ready", [*approval, (a, Action.APPROVE, {})])
    returned = [*approval, (a, Action.APPROVE, {}), (r, Action.RETURN_RESULT, {})]
    new("returned", returned)
    new("in correction", [*returned, (s, Action.START_CORRECTION, {})])
    new("withdrawn", [*transfer, (r, Action.WITHDRAW, {})])
    new("appraised by one who approves", [(r, Action.TRANSFER, {}), (a, Action.ASSIGN, {"handler_id": dual.id}),
                                          (dual, Action.SUBMIT_FOR_APPROVAL, {})])
    # A procedure whose law allows a legal extension (Civil Status Law Art. 25(2)): offered at the counter while
    # received, to the handler in appraisal, and no more once its one ground is used.
    recognition: dict[str, object] = {"procedure_code": RECOGNITION, "documents_present": RECOGNITION_DOCS}
    new("recognition received", [], procedure=recognition)
    new("recognition in appraisal", transfer, procedure=recognition)
    new("recognition extended by law", [*transfer, (s, Action.EXTEND_BY_LAW, {"legal_extension": GROUND})],
        procedure=recognition)
    there = theirs["specialist"].commune_code
    assert there is not None
    new("filed here, decided there", [(r, Action.TRANSFER, {}),
                                      (theirs["approver"], Action.ASSIGN, {"handler_id": theirs["specialist"].id})],
        deciding=there, pool=theirs["specialist"].id)
    return made


def _valid_input(dossier: Dossier, case: Case) -> dict[str, object]:
    """Input every action takes (a reason, a handler, a later working day), so that a refusal is the workflow's."""
    day = to_vietnam_time(dossier.due_at or T0).date() + timedelta(days=3)
    while not CALENDAR.is_workday(day):
        day += timedelta(days=1)
    return {"note": NOTE, "handler_id": case.handler_pool, "new_due_date": day.isoformat(),
            "result_summary": "Số 12/GCN", "legal_extension": GROUND}


def _accepted(session: Session, who: Principal, case: Case, now: datetime) -> set[str]:
    """The actions ``perform`` lets through for ``who`` at ``now``, each tried in a savepoint rolled back after."""
    dossier = session.get_one(Dossier, case.dossier_id)
    data = ActionIn.model_validate({"version": dossier.version, **_valid_input(dossier, case)})
    accepted = set()
    for action in Action:
        if action in CREATING:
            continue
        savepoint = session.begin_nested()
        try:
            perform(session, actor=who, dossier_id=case.dossier_id, action=action, data=data, now=now)
            accepted.add(action.value)
        except MotcuaError:
            pass
        finally:
            savepoint.rollback()
    return accepted


@pytest.mark.parametrize("now", [SOON, LATE], ids=["hours after receipt", "16 days later"])
def test_the_page_offers_exactly_what_perform_accepts(client, session: Session, team: dict[str, Principal],
                                                      store: FileStore, clock: FixedClock, now: datetime) -> None:
    """House rule: the page and the API ask the workflow table which actions are allowed, with the guards that
    ``perform`` applies — a button never leads to a refusal, and no action is possible without its button."""
    dual = principal_of(make_officer(session, roles=(Role.SPECIALIST, Role.APPROVER), with_post=False,
                                     full_name="Vũ Văn Kiêm"), Role.SPECIALIST, Role.APPROVER)
    other = principal_of(make_officer(session, roles=(Role.SPECIALIST,), with_post=False, full_name="Hồ Thị Lan"),
                         Role.SPECIALIST)
    theirs = staff(session, other_commune(session))
    cases = _cases(session, team, store, dual, theirs)
    session.commit()
    clock.instant = now
    officers = [*team.values(), dual, other, theirs["reception"], theirs["specialist"], theirs["approver"]]
    mismatches: list[str] = []
    checked: Callable[[str], None] = mismatches.append
    for who in officers:
        client.cookies.clear()
        login(client, who.name)
        for case in cases:
            page, api = client.get(f"/dossiers/{case.dossier_id}"), client.get(f"/api/v1/dossiers/{case.dossier_id}")
            assert page.status_code == api.status_code and page.status_code in (200, 404), (case.name, who.name)
            offered = set(BUTTON.findall(page.text)) if page.status_code == 200 else set()  # 404: not theirs to see
            listed = {str(a) for a in api.json()["allowed_actions"]} if api.status_code == 200 else set()
            if page.status_code == 404:  # the access gate comes first in perform too, whatever the action
                with pytest.raises(NotFound):
                    perform(session, actor=who, dossier_id=case.dossier_id, action=Action.TRANSFER, now=now,
                            data=ActionIn(version=1))
                continue
            accepted = _accepted(session, who, case, now)
            if offered != accepted or listed != accepted:
                checked(f"{case.name} / {sorted(r.value for r in who.roles)} {who.full_name}: page {sorted(offered)}, "
                        f"API {sorted(listed)}, perform {sorted(accepted)}")
    assert not mismatches, "\n".join(mismatches)
    assert {Status(session.get_one(Dossier, c.dossier_id).status) for c in cases} >= {
        Status.RECEIVED, Status.IN_APPRAISAL, Status.AWAITING_SUPPLEMENT, Status.RETURNED, Status.IN_CORRECTION}


@pytest.mark.parametrize(("now", "allowed"), [(T0 + timedelta(days=14), False), (LATE, True)],
                         ids=["14 days after the request", "16 days after"])
def test_closing_without_the_supplement_is_offered_only_once_the_15_days_lapsed(
        client, session: Session, team: dict[str, Principal], store: FileStore, clock: FixedClock, now: datetime,
        allowed: bool) -> None:
    """Decree 118 Art. 19(5): the centre closes a dossier only 15 days after asking for the supplement. Before, the
    page shows no "Đóng hồ sơ" button and ``perform`` refuses it; after, both allow it (the guard
    ``supplement_lapsed`` that both ask)."""
    r, s, a = team["reception"], team["specialist"], team["approver"]
    d = receive_dossier(session, actor=r, data=intake_data(), uploads=(), store=store, now=T0).dossier
    d = _do(session, r, d, Action.TRANSFER, T0 + timedelta(minutes=10))
    d = _do(session, a, d, Action.ASSIGN, T0 + timedelta(minutes=20), handler_id=s.id)
    d = _do(session, s, d, Action.REQUEST_SUPPLEMENT, T0 + timedelta(minutes=30))
    session.commit()
    clock.instant = now
    login(client, r.name)
    page = client.get(f"/dossiers/{d.id}")
    assert ('data-action="close_unsupplied"' in page.text) is allowed
    case = Case("awaiting supplement", d.id, s.id)
    assert ("close_unsupplied" in _accepted(session, r, case, now)) is allowed
