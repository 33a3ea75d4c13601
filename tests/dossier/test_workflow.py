"""The workflow table (Decree 118/2025, docs/legal.md §3) for every (action, state, role) combination."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from motcua.base.roles import Role
from motcua.dossier.workflow import (
    CREATING,
    END_STATES,
    OPEN_STATES,
    TABLE,
    Action,
    Status,
    TransitionNotAllowed,
    UnknownAction,
    available_actions,
    markdown,
    plan,
    transition,
)

ROOT = Path(__file__).resolve().parents[2]
COMBINATIONS = list(itertools.product(Action, Status, Role))


@pytest.mark.parametrize(("action", "status", "role"), COMBINATIONS,
                         ids=[f"{a.value}-{s.value}-{r.value}" for a, s, r in COMBINATIONS])
def test_plan_allows_exactly_the_table(action: Action, status: Status, role: Role) -> None:
    """plan() lets an action through iff the table lists the state as a source and the role among its roles;
    otherwise it raises TransitionNotAllowed with a Vietnamese reason (house rule 2)."""
    row = transition(action)
    allowed = status in row.sources and role in row.roles
    if allowed:
        assert plan(action, status, [role]) is row
        assert (action in CREATING) or row in available_actions(status, [role])
    else:
        with pytest.raises(TransitionNotAllowed) as info:
            plan(action, status, [role])
        assert info.value.status_code == 409
        assert "«" in info.value.message
        assert row not in available_actions(status, [role])


def test_every_row_of_domain_section_3_is_an_action() -> None:
    """docs/legal.md §3: receive, transfer, assign, appraise, supplement (once), refusal proposed and confirmed,
    approval or send-back, result ready, return, withdraw, stop, extend once, correct a wrong result."""
    names = {a.value for a in Action}
    for needed in ("receive", "transfer", "assign", "request_supplement", "receive_supplement", "close_unsupplied",
                   "propose_refusal", "confirm_refusal", "submit_for_approval", "approve", "send_back",
                   "return_result", "withdraw", "stop", "extend", "start_correction", "refuse_intake",
                   "request_intake_supplement"):
        assert needed in names


def test_end_states_have_no_way_out_but_correction() -> None:
    """End states accept no action, except a returned result that turns out wrong (Art. 23(1))."""
    for status in END_STATES:
        actions = {t.action for t in TABLE if status in t.sources}
        assert actions == ({Action.START_CORRECTION} if status is Status.RETURNED else set())


def test_withdraw_and_stop_until_the_decision() -> None:
    """Art. 21: withdrawal and stop are allowed from receipt until the decision, not after; an online filer may also
    withdraw a dossier the centre has not accepted yet (Art. 17(2), 21)."""
    assert transition(Action.STOP).sources == OPEN_STATES
    assert transition(Action.WITHDRAW).sources == OPEN_STATES | {Status.SUBMITTED}
    assert Role.APPLICANT in transition(Action.WITHDRAW).roles
    for action in (Action.WITHDRAW, Action.STOP):
        assert Status.RESULT_READY not in transition(action).sources


def test_each_role_sees_its_buttons() -> None:
    """The page shows exactly the table's rows for the role: the counter transfers a received dossier, the head of
    the body assigns it, the specialist appraises, the approver approves."""
    assert [t.action for t in available_actions(Status.RECEIVED, [Role.RECEPTION])] == [Action.TRANSFER,
                                                                                         Action.WITHDRAW]
    assert [t.action for t in available_actions(Status.TRANSFERRED, [Role.APPROVER])] == [
        Action.ASSIGN, Action.STOP, Action.EXTEND]
    assert Action.APPROVE in {t.action for t in available_actions(Status.AWAITING_APPROVAL, [Role.APPROVER])}
    assert available_actions(Status.AWAITING_APPROVAL, [Role.VOLUNTEER, Role.ADMIN, Role.PROVINCE_MONITOR]) == []


def test_unknown_action_is_a_clear_404() -> None:
    """A URL naming no action gets a typed 404, not a 500."""
    with pytest.raises(UnknownAction):
        plan("launch_missiles", Status.RECEIVED, [Role.RECEPTION])


def test_diagram_in_docs_is_generated_from_the_table() -> None:
    """docs/workflow.md is the table's own rendering; editing either alone fails here."""
    assert (ROOT / "docs" / "workflow.md").read_text("utf-8") == markdown()
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "workflow_diagram.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
