"""The pure parts: the case table (every action × every state), the rating criteria and their rule, signed links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.feedback import criteria, tokens
from motcua.feedback.actions import CaseSituation
from motcua.feedback.workflow import (
    TABLE,
    AlreadyRated,
    CaseAction,
    CaseStatus,
    TransitionNotAllowed,
    UnknownAction,
    available_actions,
    plan,
)
from motcua.kit.errors import Forbidden, ValidationFailed

#: The table as the law and docs/legal.md §7 read, written out by hand: (action, from) → to. Anything else is refused.
EXPECTED: dict[tuple[CaseAction, CaseStatus], CaseStatus | None] = {
    (CaseAction.RECEIVE, CaseStatus.NEW): CaseStatus.RECEIVED,
    (CaseAction.REFUSE, CaseStatus.RECEIVED): CaseStatus.REFUSED,
    (CaseAction.ASK_MORE, CaseStatus.RECEIVED): CaseStatus.AWAITING_INFO,
    (CaseAction.RECEIVE_INFO, CaseStatus.AWAITING_INFO): CaseStatus.IN_HANDLING,
    (CaseAction.ANSWER, CaseStatus.RECEIVED): CaseStatus.ANSWERED,
    (CaseAction.ANSWER, CaseStatus.AWAITING_INFO): CaseStatus.ANSWERED,
    (CaseAction.ANSWER, CaseStatus.IN_HANDLING): CaseStatus.ANSWERED,
    (CaseAction.PUBLISH, CaseStatus.ANSWERED): CaseStatus.PUBLISHED,
    (CaseAction.RATE_ANSWER, CaseStatus.ANSWERED): None,
    (CaseAction.RATE_ANSWER, CaseStatus.PUBLISHED): None,
}
PUBLIC_ACTIONS = {CaseAction.RECEIVE, CaseAction.RATE_ANSWER}
HANDLERS = frozenset({Role.RECEPTION})
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
COMMUNE = "08218"


def situation(*roles: Role, commune: str | None = COMMUNE, now: datetime = NOW, refuse_due: datetime = NOW,
              info_due: datetime = NOW, rated: bool | None = None) -> CaseSituation:
    """A case of ``COMMUNE`` received just now, every screening limit still open, not rated: every guard holds."""
    actor = Principal(kind="officer", id=1, name="o", full_name="Cán bộ", province_code="25", commune_code=commune,
                      roles=frozenset(roles))
    return CaseSituation(actor, COMMUNE, now, refuse_due, info_due, rated)


IN_TIME = situation(*HANDLERS)


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("action", list(CaseAction))
def test_every_action_in_every_state_is_allowed_or_refused_as_the_table_says(action: CaseAction,
                                                                             status: CaseStatus) -> None:
    """docs/legal.md §7 (PAKN): refuse or ask for information only from a case just received; answer an open case;
    publish an answer; the sender rates an answer once it exists. Any other pair is refused with a Vietnamese reason."""
    actor = "public" if action in PUBLIC_ACTIONS else "officer"
    if (action, status) in EXPECTED:
        row = plan(action, status, actor=actor, roles=HANDLERS, situation=IN_TIME)
        assert row.target == EXPECTED[(action, status)]
    else:
        with pytest.raises(TransitionNotAllowed) as refused:
            plan(action, status, actor=actor, roles=HANDLERS, situation=IN_TIME)
        assert "Không thể" in refused.value.message


def test_officer_actions_need_a_handler_role_and_public_ones_a_citizen() -> None:
    """The centre's counter and its director handle cases; a specialist, an approver or a province monitor does
    not; an officer cannot rate an answer on the sender's behalf, nor a citizen answer."""
    for role in (Role.SPECIALIST, Role.APPROVER, Role.PROVINCE_MONITOR, Role.ADMIN):
        with pytest.raises(TransitionNotAllowed, match="Vai trò của bạn"):
            plan(CaseAction.ANSWER, CaseStatus.RECEIVED, actor="officer", roles={role}, situation=situation(role))
        assert available_actions(CaseStatus.RECEIVED, {role}, situation(role)) == []
    director = situation(Role.CENTRE_DIRECTOR)
    assert plan(CaseAction.ANSWER, CaseStatus.RECEIVED, actor="officer", roles={Role.CENTRE_DIRECTOR},
                situation=director)
    with pytest.raises(TransitionNotAllowed, match="không phải thao tác của cán bộ"):
        plan(CaseAction.RATE_ANSWER, CaseStatus.ANSWERED, actor="officer", roles=HANDLERS, situation=IN_TIME)
    with pytest.raises(TransitionNotAllowed, match="không phải thao tác của người gửi"):
        plan(CaseAction.ANSWER, CaseStatus.RECEIVED, actor="public", situation=IN_TIME)
    with pytest.raises(UnknownAction):
        plan("transfer", CaseStatus.RECEIVED, actor="officer", roles=HANDLERS)


def test_the_province_follows_and_the_commune_handles() -> None:
    """docs/legal.md §1, §7: a case is the commune's to handle; province officers (and other communes) only follow
    it — the page offers them nothing and the action refuses them."""
    for commune in (None, "08215"):
        elsewhere = situation(*HANDLERS, commune=commune)
        with pytest.raises(Forbidden, match="chỉ theo dõi"):
            plan(CaseAction.ANSWER, CaseStatus.RECEIVED, actor="officer", roles=HANDLERS, situation=elsewhere)
        assert available_actions(CaseStatus.RECEIVED, HANDLERS, elsewhere) == []


def test_screening_is_early_or_not_at_all() -> None:
    """docs/legal.md §7: refusing is done within 2 working days and asking for more information within 5; past
    them the case must be answered (a late request would restart the 15 days and hide the lateness)."""
    late = NOW + timedelta(minutes=1)
    past_refusal = situation(*HANDLERS, now=late, info_due=late)
    with pytest.raises(ValidationFailed, match="02 ngày làm việc"):
        plan(CaseAction.REFUSE, CaseStatus.RECEIVED, actor="officer", roles=HANDLERS, situation=past_refusal)
    assert [t.action for t in available_actions(CaseStatus.RECEIVED, HANDLERS, past_refusal)] == [
        CaseAction.ASK_MORE, CaseAction.ANSWER]
    past_both = situation(*HANDLERS, now=late)
    with pytest.raises(ValidationFailed, match="05 ngày làm việc"):
        plan(CaseAction.ASK_MORE, CaseStatus.RECEIVED, actor="officer", roles=HANDLERS, situation=past_both)
    assert [t.action for t in available_actions(CaseStatus.RECEIVED, HANDLERS, past_both)] == [CaseAction.ANSWER]


def test_the_sender_rates_the_answer_once() -> None:
    """Indicator 5.3 (docs/legal.md §7): the sender says once whether the answer satisfied them."""
    assert plan(CaseAction.RATE_ANSWER, CaseStatus.PUBLISHED, actor="public", situation=IN_TIME)
    with pytest.raises(AlreadyRated):
        plan(CaseAction.RATE_ANSWER, CaseStatus.PUBLISHED, actor="public", situation=situation(rated=False))


def test_the_limits_are_those_of_domain_7() -> None:
    """Refuse ≤ 2 wd, ask for more ≤ 5 wd, handle ≤ 15 wd, publish ≤ 2 wd (docs/legal.md §7: the index's limits)."""
    limits = {t.action: t.limit for t in TABLE}
    assert {a: (lim.amount, lim.unit) for a, lim in limits.items() if lim} == {
        CaseAction.REFUSE: (2, "working_days"), CaseAction.ASK_MORE: (5, "working_days"),
        CaseAction.ANSWER: (15, "working_days"), CaseAction.PUBLISH: (2, "working_days")}


def test_nine_criteria_on_a_three_level_scale() -> None:
    """Decree 118/2025 Art. 31–33 (docs/legal.md §3): the applicant rates 9 items; each Rất hài lòng / Hài lòng /
    Không hài lòng; the two that do not concern every dossier may be left out."""
    assert len(criteria.CRITERIA) == 9 and len({c.key for c in criteria.CRITERIA}) == 9
    assert [label for _, label in criteria.SCALE] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    answers = {c.key: 1 for c in criteria.CRITERIA if not c.optional}
    assert criteria.score_problems(answers) == {}
    missing = dict(answers)
    del missing["attitude"]
    assert set(criteria.score_problems(missing)) == {"attitude"}
    assert set(criteria.score_problems({**answers, "speed": 2, "total_time": 3})) == {"speed", "total_time"}


def test_one_dissatisfied_item_makes_the_rating_dissatisfied() -> None:
    """The documented rule (criteria module): satisfied unless some answered criterion is "Không hài lòng"."""
    all_two = {c.key: 2 for c in criteria.CRITERIA}
    assert criteria.is_satisfied(all_two)
    assert criteria.is_satisfied({**all_two, "online": 1})
    assert not criteria.is_satisfied({**all_two, "attitude": 0})
    assert criteria.dissatisfied_labels({**all_two, "attitude": 0}) == [criteria.BY_KEY["attitude"].label]


def test_signed_links_hold_only_for_their_purpose_and_time() -> None:
    """Art. 31–33 (only the applicant rates) and house rule 7: a link from the lookup proves the holder passed the
    code + 4-digit check; it must not be forged, reused for another purpose or used after it expired."""
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    token = tokens.sign("secret-key-1", "rate", 42, now + timedelta(hours=1))
    assert tokens.verify("secret-key-1", token, "rate", now) == 42
    assert tokens.verify("secret-key-1", token, "case", now) is None
    assert tokens.verify("other-secret", token, "rate", now) is None
    assert tokens.verify("secret-key-1", token, "rate", now + timedelta(hours=2)) is None
    forged = tokens.sign("secret-key-1", "rate", 43, now + timedelta(hours=1)).split(".")[0] + "." + token.split(".")[1]
    assert tokens.verify("secret-key-1", forged, "rate", now) is None
    for junk in ("", ".", "abc", "a.b.c", "x" * 200):
        assert tokens.verify("secret-key-1", junk, "rate", now) is None
