"""The workflow table against the rules of Decree 118/2025/NĐ-CP (docs/legal.md §3), not against itself.

Each test states one rule of the decree and its article, and checks the table (and its guards, on a situation built
by hand) says the same. That a page offers exactly what ``perform`` accepts is checked on stored dossiers in
``test_offered_equals_accepted.py``.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import ClockLedger, ExtensionAlreadyUsed, ExtensionTooLate, TimeLimit, WorkCalendar
from motcua.dossier.workflow import (
    CREATING,
    END_STATES,
    OPEN_STATES,
    TABLE,
    Action,
    Status,
    Transition,
    TransitionNotAllowed,
    UnknownAction,
    available_actions,
    markdown,
    plan,
    transition,
)
from motcua.kit.errors import Forbidden, ValidationFailed

ROOT = Path(__file__).resolve().parents[2]
HERE, THERE = "08218", "08215"  # the deciding commune; another commune of the province
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Situation:
    """A hand-made ``workflow.Situation``: by default one in which every guard holds."""

    actor: Principal
    receiving_commune_code: str = HERE
    deciding_commune_code: str = HERE
    handler_id: int | None = None
    supplement_count: int = 0
    now: datetime = NOW
    supplement_expired: bool = True
    extension_refusal: str | None = None
    separation: Literal["apart", "allowed", "refused"] = "apart"
    status: Status = Status.RECEIVED  # ``doers`` sets the status it asks about
    legal_extensions_left: tuple[str, ...] = ("xac_minh",)  # a ground the procedure lists, not yet applied


def officer(*roles: Role, commune: str | None = HERE, officer_id: int = 7) -> Principal:
    return Principal(kind="officer", id=officer_id, name="o", full_name="Cán bộ", province_code="25",
                     commune_code=commune, roles=frozenset(roles))


def doers(status: Status, situation_of: dict[Role, Situation] | None = None) -> dict[Action, set[Role]]:
    """Who may do what from ``status``: each role alone, in a situation where every guard holds."""
    found: dict[Action, set[Role]] = {}
    for role in Role:
        situation = dataclasses.replace((situation_of or {}).get(role) or Situation(officer(role)), status=status)
        for row in available_actions(status, [role], situation):
            found.setdefault(row.action, set()).add(role)
    return found


def test_the_counter_receives_transfers_and_returns() -> None:
    """Art. 17(1)-(2): the centre's reception officer checks, receives or refuses a dossier, at the counter or online;
    Art. 18: the centre transfers it to the competent body; Art. 22: the centre returns the result."""
    for action in (Action.RECEIVE, Action.REQUEST_INTAKE_SUPPLEMENT, Action.REFUSE_INTAKE, Action.ACCEPT_ONLINE,
                   Action.TRANSFER, Action.RETURN_RESULT):
        assert transition(action).roles == {Role.RECEPTION}, action
    assert doers(Status.RECEIVED)[Action.TRANSFER] == {Role.RECEPTION}
    assert doers(Status.RESULT_READY) == {Action.RETURN_RESULT: {Role.RECEPTION}}


def test_the_head_of_the_body_assigns_and_only_the_leader_decides() -> None:
    """Art. 19(1): the head of the competent body assigns the handler. Art. 19, 19(3), 22, 23(1): the decision — a
    result, a refusal after appraisal, a corrected result — is the leader's (approver's) alone; the specialist
    appraises and proposes."""
    assert doers(Status.TRANSFERRED)[Action.ASSIGN] == {Role.APPROVER}
    decided = {Status.RESULT_READY, Status.REFUSED}
    for row in TABLE:
        if row.target in decided and row.action is not Action.RETURN_RESULT:
            assert row.roles == {Role.APPROVER}, row.action
    assert doers(Status.AWAITING_APPROVAL)[Action.APPROVE] == {Role.APPROVER}
    assert doers(Status.REFUSAL_PROPOSED)[Action.CONFIRM_REFUSAL] == {Role.APPROVER}
    assert doers(Status.IN_CORRECTION) == {Action.FINISH_CORRECTION: {Role.APPROVER}}
    appraisal = doers(Status.IN_APPRAISAL)
    assert appraisal[Action.SUBMIT_FOR_APPROVAL] == appraisal[Action.PROPOSE_REFUSAL] == {Role.SPECIALIST}


def test_who_appraised_does_not_decide() -> None:
    """Art. 19 (appraisal by the handler, decision by the head of the body): the appraiser's approval is refused,
    unless the province allows one person in both posts."""
    me = officer(Role.APPROVER)
    for action, status in ((Action.APPROVE, Status.AWAITING_APPROVAL), (Action.CONFIRM_REFUSAL,
                                                                         Status.REFUSAL_PROPOSED),
                           (Action.FINISH_CORRECTION, Status.IN_CORRECTION)):
        with pytest.raises(Forbidden, match="tách bạch thẩm định và phê duyệt"):
            plan(action, status, me.roles, Situation(me, separation="refused"))
        assert action not in {t.action for t in available_actions(status, me.roles,
                                                                   Situation(me, separation="refused"))}
        assert plan(action, status, me.roles, Situation(me, separation="allowed")).action is action


def test_only_the_assigned_handler_appraises() -> None:
    """Art. 19(1): once assigned, the dossier is the handler's: another specialist may not appraise it."""
    other = officer(Role.SPECIALIST, officer_id=8)
    for action in (Action.REQUEST_SUPPLEMENT, Action.PROPOSE_REFUSAL, Action.SUBMIT_FOR_APPROVAL):
        with pytest.raises(Forbidden, match="chuyên viên khác"):
            plan(action, Status.IN_APPRAISAL, other.roles, Situation(other, handler_id=7))
        assert plan(action, Status.IN_APPRAISAL, other.roles, Situation(other, handler_id=8)).action is action


def test_division_work_belongs_to_the_deciding_commune() -> None:
    """Art. 14(2), 20(1) (location-independent filing): the receiving centre receives, transfers and hands back the
    result; appraisal and decision are the deciding commune's; a province officer handles no commune's dossier."""
    filed_here = {"receiving_commune_code": HERE, "deciding_commune_code": THERE}
    counter, specialist = officer(Role.RECEPTION), officer(Role.SPECIALIST)
    assert plan(Action.TRANSFER, Status.RECEIVED, counter.roles, Situation(counter, **filed_here))
    assert plan(Action.RETURN_RESULT, Status.RESULT_READY, counter.roles, Situation(counter, **filed_here))
    with pytest.raises(Forbidden, match="xã khác"):
        plan(Action.SUBMIT_FOR_APPROVAL, Status.IN_APPRAISAL, specialist.roles, Situation(specialist, **filed_here))
    province = officer(Role.RECEPTION, commune=None)
    with pytest.raises(Forbidden, match="cấp tỉnh"):
        plan(Action.TRANSFER, Status.RECEIVED, province.roles, Situation(province))


def test_the_clock_starts_at_receipt_only() -> None:
    """Art. 17(3): the time limit counts from the receipt of a complete dossier — at the counter or at the online
    acceptance; no other action starts it, and an incomplete or refused intake starts none."""
    assert {t.action for t in TABLE if t.clock == "start"} == {Action.RECEIVE, Action.ACCEPT_ONLINE}
    assert transition(Action.REQUEST_INTAKE_SUPPLEMENT).clock == transition(Action.REFUSE_INTAKE).clock == "none"


def test_a_supplement_pauses_and_restarts_the_clock_from_zero_once() -> None:
    """Art. 19(5): asking for a supplement stops the clock; the complete dossier restarts the limit from zero
    (never resumes it) — received at the counter, or the citizen's online supplement once a centre officer confirms
    it (the upload alone leaves the clock waiting); Art. 11(2)(c), 16(3): the division asks once per dossier; a
    request after the window is allowed (recorded late, not a guard); after 15 days without it the centre closes
    the dossier."""
    ask = transition(Action.REQUEST_SUPPLEMENT)
    assert ask.clock == "pause_supplement" and ask.form == "supplement_request" and ask.needs_note
    assert "supplement_window" not in ask.guards
    waiting = {Status.AWAITING_SUPPLEMENT, Status.SUPPLEMENT_SUBMITTED}
    leaving = [t for t in TABLE if t.sources & waiting]
    assert {t.clock for t in leaving if t.target is Status.IN_APPRAISAL} == {"restart"}
    assert {t.clock for t in leaving if t.target in waiting} == {"none", "ask_again"}
    again = transition(Action.REQUEST_SUPPLEMENT_AGAIN)
    assert again.sources == {Status.SUPPLEMENT_SUBMITTED}, "asked again only while the clock still waits"
    assert transition(Action.SUPPLY_ONLINE).clock == "none"
    assert transition(Action.SUPPLY_ONLINE).target is Status.SUPPLEMENT_SUBMITTED
    assert {t.clock for t in leaving if t.target in END_STATES} == {"finish"}
    me = officer(Role.SPECIALIST)
    with pytest.raises(ValidationFailed, match="một lần"):
        plan(Action.REQUEST_SUPPLEMENT, Status.IN_APPRAISAL, me.roles, Situation(me, supplement_count=1))
    counter = officer(Role.RECEPTION)
    with pytest.raises(ValidationFailed, match="15 ngày"):
        plan(Action.CLOSE_UNSUPPLIED, Status.AWAITING_SUPPLEMENT, counter.roles,
             Situation(counter, supplement_expired=False))
    assert plan(Action.CLOSE_UNSUPPLIED, Status.AWAITING_SUPPLEMENT, counter.roles, Situation(counter))


def test_extension_once_with_an_apology_letter() -> None:
    """Art. 19(6), 12(5): a late body sends the applicant an apology letter with a new date, at least one working day
    before the due date, once; the status does not change. Not while the clock waits for the citizen."""
    extend = transition(Action.EXTEND)
    assert extend.form == "apology_extension" and extend.target is None and extend.clock == "extend"
    assert Status.AWAITING_SUPPLEMENT not in extend.sources
    me = officer(Role.APPROVER)
    with pytest.raises(ValidationFailed, match="một lần"):
        plan(Action.EXTEND, Status.IN_APPRAISAL, me.roles,
             Situation(me, extension_refusal="Hồ sơ đã được gia hạn một lần"))
    calendar = WorkCalendar()
    start = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday 10:00; 5 working days: due Tuesday 01/12
    ledger = ClockLedger.start(start, TimeLimit(Decimal(5), "working_days"), calendar)
    assert ledger.extension_refusal(start + timedelta(days=1)) is None
    assert ledger.extension_refusal(datetime(2026, 11, 30, 2, 0, tzinfo=UTC)) is None  # the working day before
    assert isinstance(ledger.extension_refusal(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)), ExtensionTooLate)
    once = ledger.extend(start + timedelta(days=1), datetime(2026, 12, 4, 10, 0, tzinfo=UTC))
    assert isinstance(once.extension_refusal(start + timedelta(days=2)), ExtensionAlreadyUsed)


def test_final_states_have_no_way_out_but_correction() -> None:
    """Art. 17(1), 19(3), 19(5), 21, 22: refused, stopped, closed, withdrawn and returned dossiers are final; Art.
    23(1): a returned result found wrong is corrected — the only way back."""
    for status in END_STATES:
        leaving = {t.action for t in TABLE if status in t.sources}
        assert leaving == ({Action.START_CORRECTION} if status is Status.RETURNED else set()), status


def test_withdraw_and_stop_until_the_decision() -> None:
    """Art. 21: withdrawal and stop are allowed from receipt until the decision, not after; an online filer may also
    withdraw a dossier the centre has not accepted yet (Art. 17(2))."""
    assert transition(Action.STOP).sources == OPEN_STATES
    assert transition(Action.WITHDRAW).sources == (OPEN_STATES | {Status.SUBMITTED, Status.INTAKE_SUPPLEMENT,
                                                                  Status.INTAKE_SUPPLEMENT_SUBMITTED})
    assert Role.APPLICANT in transition(Action.WITHDRAW).roles
    for action in (Action.WITHDRAW, Action.STOP):
        assert not transition(action).sources & {Status.RESULT_READY, Status.RETURNED, Status.IN_CORRECTION}


def test_refusals_are_typed_and_say_why() -> None:
    """House rule 6: a refused action is a 409 naming the action and the state (or the roles it needs); an action
    the table does not know is a 404."""
    with pytest.raises(TransitionNotAllowed, match="«Phê duyệt, ký kết quả» khi hồ sơ đang ở trạng thái") as info:
        plan(Action.APPROVE, Status.RECEIVED, [Role.APPROVER], Situation(officer(Role.APPROVER)))
    assert info.value.status_code == 409
    with pytest.raises(TransitionNotAllowed, match=r"cần: approver"):
        plan(Action.APPROVE, Status.AWAITING_APPROVAL, [Role.SPECIALIST], Situation(officer(Role.SPECIALIST)))
    with pytest.raises(UnknownAction):
        plan("launch_missiles", Status.RECEIVED, [Role.RECEPTION])


# ------------------------------------------------------------------------------------------------ properties

#: The ledger's rules on the clock's own state (calendar/ledger.py): which clock effect may follow which.
CLOCK_RULES: dict[str, tuple[set[str], str | None]] = {  # effect -> (clock states it needs, the state after)
    "none": ({"off", "running", "paused", "finished"}, None),
    "start": ({"off"}, "running"),
    "hand_over": ({"running"}, None),
    "pause_supplement": ({"running"}, "paused"),
    "ask_again": ({"paused"}, "paused"),  # the centre found the supplement incomplete: still waiting, asked again
    "restart": ({"paused"}, "running"),
    "extend": ({"running"}, None),
    "extend_by_law": ({"running", "paused"}, None),  # the law's days move the due instant, paused or not
    "finish": ({"off", "running", "paused"}, "finished"),
}


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_walk_of_allowed_actions_stays_in_the_decree(data: st.DataObject) -> None:
    """Whatever allowed actions follow one another (every role, every guard holding): the dossier is always in a
    defined state; the clock effects fit the ledger's rules (Art. 17(3) start first, 19(5) restart only after a
    supplement pause, nothing after the end but the correction, Art. 23(1)); and only a final state offers nothing."""
    roles = list(Role)
    first = data.draw(st.sampled_from(sorted(CREATING)))
    status = transition(first).target
    assert status is not None
    clock = "running" if transition(first).clock == "start" else "off"
    for _ in range(data.draw(st.integers(1, 25))):
        offered: list[Transition] = []
        for role in roles:
            offered += [t for t in available_actions(status, [role], Situation(officer(role), status=status))
                        if t not in offered]
        if not offered:
            assert status in END_STATES and status is not Status.RETURNED
            return
        row = data.draw(st.sampled_from(offered))
        needs, after = CLOCK_RULES[row.clock]
        assert clock in needs, (row.action, clock)
        clock = after or clock
        status = row.target or status
        assert isinstance(status, Status) and status is not Status.NEW
        if status in END_STATES - {Status.INTAKE_INCOMPLETE, Status.INTAKE_REFUSED} or status is Status.RESULT_READY:
            assert clock in {"finished", "off"}, (status, clock)


def test_diagram_in_docs_is_generated_from_the_table() -> None:
    """docs/workflow.md is the table's own rendering; editing either alone fails here."""
    assert (ROOT / "docs" / "workflow.md").read_text("utf-8") == markdown()
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "workflow_diagram.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
