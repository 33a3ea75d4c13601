"""Feedback cases (phản ánh, kiến nghị) against the database (SQLite and PostgreSQL): the docs/legal.md §7 limits on the
legal working-day calendar, the case table, two officers at once, the sender's verdict, the index's counters."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from motcua.dossier.models import LookupAttempt
from motcua.feedback.actions import AlreadyRated, citizen_actor, rate_answer, receive_case
from motcua.feedback.models import FeedbackCase, FeedbackEvent
from motcua.feedback.queries import FORM_MAX_PER_HOUR, feedback_counters, get_case_for
from motcua.feedback.workflow import TABLE, CaseAction, CaseStatus, TransitionNotAllowed
from motcua.kit.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from motcua.notify.models import NotificationOutbox
from tests.factories import CHI_TIEN, T0, make_officer, other_commune, principal_of, staff
from tests.feedback.helpers import FRI_20_NOV, PATHS, act, case_in, dossier_up_to, feedback_data, new_case, vn

if TYPE_CHECKING:
    from tests.conftest import TestDatabase


def test_due_dates_of_a_case_received_on_friday_20_november_2026(session: Session) -> None:
    """docs/legal.md §7 limits on the legal calendar (§4: the first day is not counted; Tue 24/11/2026 is Vietnamese
    Culture Day, a day off): received Fri 20/11/2026 09:00 —
    refuse ≤ 2 wd: Mon 23 (1), [Tue 24 off], Wed 25 (2) → Wed 25/11 17:00;
    ask for more ≤ 5 wd: 23, 25, 26, 27, Mon 30 (5) → Mon 30/11 17:00;
    answer ≤ 15 wd: 23, 25, 26, 27, 30, 1/12, 2, 3, 4, 7, 8, 9, 10, 11, Mon 14 (15) → Mon 14/12 17:00."""
    case = new_case(session, now=FRI_20_NOV)
    assert vn(case.refuse_due) == datetime(2026, 11, 25, 17, 0)
    assert vn(case.info_due) == datetime(2026, 11, 30, 17, 0)
    assert vn(case.answer_due) == datetime(2026, 12, 14, 17, 0)
    assert vn(case.due_at) == vn(case.answer_due) and case.publish_due is None
    assert case.code.startswith("PA-261120-") and len(case.code) == 16


def test_publishing_is_due_two_working_days_after_the_answer_across_culture_day(session: Session,
                                                                                team: dict[str, Principal]) -> None:
    """docs/legal.md §7: the answer is published within 2 working days of answering. Answered Mon 23/11/2026 10:00:
    Tue 24 is Culture Day, so Wed 25 (1), Thu 26 (2) → Thu 26/11 17:00."""
    case = act(session, team["reception"], new_case(session, now=FRI_20_NOV), CaseAction.ANSWER, T0)
    assert vn(case.publish_due) == datetime(2026, 11, 26, 17, 0) and vn(case.due_at) == vn(case.publish_due)
    assert case.handled_on_time is True and vn(case.handled_at) == vn(T0)


def test_information_received_restarts_the_15_working_days(session: Session, team: dict[str, Principal]) -> None:
    """docs/legal.md §7 and the assumption of ``feedback.workflow`` (as Decree 118 Art. 19(5)): while the sender is
    asked for more information nothing is due from the officers; once it arrives — Wed 25/11/2026 10:00 — the answer is
    due 15 working days later, Wed 16/12/2026 17:00."""
    case = act(session, team["reception"], new_case(session, now=FRI_20_NOV), CaseAction.ASK_MORE, T0)
    assert case.status == CaseStatus.AWAITING_INFO and case.due_at is None
    case = act(session, team["reception"], case, CaseAction.RECEIVE_INFO, T0 + timedelta(days=2))
    assert vn(case.answer_due) == datetime(2026, 12, 16, 17, 0) and vn(case.due_at) == vn(case.answer_due)


def test_refusing_and_asking_after_their_limits_is_refused_and_a_late_answer_is_late(
        session: Session, team: dict[str, Principal]) -> None:
    """docs/legal.md §7: refusal ≤ 2 wd and a request for information ≤ 5 wd are screening steps — past them they are
    refused (a late request would restart the clock and hide the lateness). An answer after 15 wd is accepted and
    recorded as late (indicator 5.2)."""
    who = team["reception"]
    case = new_case(session, now=FRI_20_NOV)
    with pytest.raises(ValidationFailed, match="02 ngày làm việc"):
        act(session, who, case, CaseAction.REFUSE, datetime(2026, 11, 26, 2, 0, tzinfo=T0.tzinfo))
    with pytest.raises(ValidationFailed, match="05 ngày làm việc"):
        act(session, who, case, CaseAction.ASK_MORE, datetime(2026, 12, 1, 2, 0, tzinfo=T0.tzinfo))
    case = act(session, who, case, CaseAction.ANSWER, datetime(2026, 12, 15, 2, 0, tzinfo=T0.tzinfo))
    assert case.handled_on_time is False


@pytest.mark.parametrize("status", [s for s in CaseStatus if s is not CaseStatus.NEW])
def test_every_officer_action_in_every_state_against_the_database(session: Session, team: dict[str, Principal],
                                                                   status: CaseStatus) -> None:
    """The case table (``feedback.workflow``) is what the database does: from each state, each officer action
    either moves the case to the table's target (one history line, one audit event, version + 1) or is refused
    with ``TransitionNotAllowed`` and changes nothing."""
    who = team["reception"]
    for row in (t for t in TABLE if t.actor == "officer"):
        case = case_in(session, who, status)
        version = case.version
        if status in row.sources:
            done = act(session, who, case, row.action, T0 + timedelta(hours=10))
            assert done.status == row.target and done.version == version + 1
            assert session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == f"feedback.{row.action.value}", AuditEvent.object_id == str(case.id))) == 1
        else:
            with pytest.raises(TransitionNotAllowed):
                act(session, who, case, row.action, T0 + timedelta(hours=10))
            session.refresh(case)
            assert case.status == status and case.version == version
        events = session.scalar(select(func.count()).select_from(FeedbackEvent).where(FeedbackEvent.case_id == case.id))
        assert events == 1 + len(PATHS[status]) + (1 if status in row.sources else 0)


def test_a_stale_version_is_a_conflict(session: Session, team: dict[str, Principal]) -> None:
    """House rule 4: an officer acting on an old view learns it and changes nothing."""
    case = new_case(session)
    seen = case.version
    act(session, team["reception"], case, CaseAction.ASK_MORE, T0 + timedelta(hours=1))
    from motcua.feedback.actions import act_on_case
    from motcua.feedback.schemas import CaseActionIn

    with pytest.raises(Conflict):
        act_on_case(session, actor=team["director"], case_id=case.id, action=CaseAction.ANSWER,
                    data=CaseActionIn(version=seen, note="Trả lời theo thông tin hiện có"), now=T0 + timedelta(hours=2),
                    public_base_url="https://motcua.example.vn", secret="test-secret-key")


def test_only_the_communes_handlers_act_and_other_communes_see_nothing(session: Session,
                                                                       team: dict[str, Principal]) -> None:
    """House rule 7: outside the jurisdiction a case is 404; a specialist of the commune may not handle it; a
    province monitor reads it but does not act."""
    case = new_case(session)
    neighbour = staff(session, other_commune(session))["reception"]
    with pytest.raises(NotFound):
        get_case_for(session, neighbour, case.id)
    with pytest.raises(NotFound):
        act(session, neighbour, case, CaseAction.ANSWER, T0)
    with pytest.raises(Forbidden):
        get_case_for(session, team["specialist"], case.id)
    monitor = principal_of(make_officer(session, commune_code=None, roles=(Role.PROVINCE_MONITOR,)),
                           Role.PROVINCE_MONITOR)
    assert get_case_for(session, monitor, case.id).id == case.id
    with pytest.raises(TransitionNotAllowed):
        act(session, monitor, case, CaseAction.ANSWER, T0)


def test_answering_tells_the_sender_through_the_outbox(session: Session, team: dict[str, Principal]) -> None:
    """The answer goes to the sender on each channel they gave (email; SMS without diacritics), written with the
    action, with the signed link where they read it and say whether they are satisfied."""
    case = new_case(session, email="mai.ha@example.vn")
    act(session, team["reception"], case, CaseAction.ANSWER, T0 + timedelta(hours=1),
        note="Trung tâm đã nhắc nhở cán bộ và trả kết quả cho Bà ngày 24/11.")
    rows = session.scalars(select(NotificationOutbox).where(NotificationOutbox.kind == "feedback_answered")
                           .order_by(NotificationOutbox.channel)).all()
    assert [(r.channel, r.recipient) for r in rows] == [("email", "mai.ha@example.vn"), ("sms", "0987654321")]
    assert "đã nhắc nhở cán bộ" in rows[0].body and "/phan-anh/tra-loi?t=" in rows[0].body
    assert rows[1].body.isascii() and "/phan-anh/tra-loi?t=" in rows[1].body


def test_the_sender_rates_the_answer_once(session: Session, team: dict[str, Principal]) -> None:
    """Indicator 5.3: the sender says once whether the answer satisfied them; not before there is an answer; a
    second verdict is refused."""
    case = new_case(session)
    sender = citizen_actor(case.province_code, case.sender_name)
    with pytest.raises(TransitionNotAllowed):
        rate_answer(session, case=case, satisfied=True, now=T0, actor=sender)
    case = act(session, team["reception"], case, CaseAction.ANSWER, T0 + timedelta(hours=1))
    case = rate_answer(session, case=case, satisfied=False, now=T0 + timedelta(hours=2), actor=sender)
    assert case.sender_satisfied is False and case.status == CaseStatus.ANSWERED
    with pytest.raises(AlreadyRated):
        rate_answer(session, case=case, satisfied=True, now=T0 + timedelta(hours=3), actor=sender)
    session.refresh(case)
    assert case.sender_satisfied is False


def test_feedback_counters_count_the_cases_handled_in_the_period(session: Session,
                                                                 team: dict[str, Principal]) -> None:
    """Indicators 5.2 and 5.3 (docs/legal.md §7): handled = answered or refused in [start, end); on time within the
    limits; the senders' verdicts. Open cases and other communes do not count."""
    who = team["reception"]
    on_time = act(session, who, new_case(session, now=FRI_20_NOV), CaseAction.ANSWER, T0)
    rate_answer(session, case=on_time, satisfied=True, now=T0 + timedelta(hours=1),
                actor=citizen_actor("25", "Hà Thị Mai"))
    act(session, who, new_case(session, now=FRI_20_NOV), CaseAction.REFUSE, T0)
    late = new_case(session, now=FRI_20_NOV)
    act(session, who, late, CaseAction.ANSWER, datetime(2026, 12, 15, 2, 0, tzinfo=T0.tzinfo))
    new_case(session, now=FRI_20_NOV)  # still open
    period = (datetime(2026, 11, 1, tzinfo=T0.tzinfo), datetime(2027, 1, 1, tzinfo=T0.tzinfo))
    counters = feedback_counters(session, CHI_TIEN, *period)
    assert (counters.handled, counters.handled_on_time, counters.rated, counters.satisfied) == (3, 2, 1, 1)
    november = feedback_counters(session, CHI_TIEN, period[0], datetime(2026, 12, 1, tzinfo=T0.tzinfo))
    assert (november.handled, november.handled_on_time) == (2, 2)
    assert feedback_counters(session, other_commune(session), *period).handled == 0


def test_the_public_form_is_idempotent_limited_and_checks_the_dossier_code(session: Session,
                                                                           team: dict[str, Principal],
                                                                           tmp_path) -> None:
    """The same key and body twice is one case; the same key with another body is a conflict; a dossier code must
    be a dossier of the commune's province and an unknown one counts as a failed lookup; one address sends at most
    FORM_MAX_PER_HOUR cases an hour."""
    first = receive_case(session, data=feedback_data(), now=T0, ip="192.0.2.1", idempotency_key="form-key-1")
    again = receive_case(session, data=feedback_data(), now=T0, ip="192.0.2.1", idempotency_key="form-key-1")
    assert not first.replayed and again.replayed and again.case.id == first.case.id
    with pytest.raises(Conflict):
        receive_case(session, data=feedback_data(subject="Khác"), now=T0, ip="192.0.2.1", idempotency_key="form-key-1")
    d = dossier_up_to(session, team, FileStore(tmp_path / "files"), None)
    linked = receive_case(session, data=feedback_data(dossier_code=d.code), now=T0, ip="192.0.2.2").case
    assert linked.dossier_id == d.id
    with pytest.raises(ValidationFailed) as unknown:
        receive_case(session, data=feedback_data(dossier_code="TAM.08218-261123-9999"), now=T0, ip="192.0.2.3")
    assert "dossier_code" in unknown.value.fields
    assert session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.ip == "192.0.2.3", LookupAttempt.success.is_(False))) == 1
    for _ in range(FORM_MAX_PER_HOUR - 1):
        receive_case(session, data=feedback_data(), now=T0, ip="192.0.2.1")
    with pytest.raises(TooManyRequests):
        receive_case(session, data=feedback_data(), now=T0 + timedelta(minutes=30), ip="192.0.2.1")
    assert receive_case(session, data=feedback_data(), now=T0 + timedelta(minutes=61), ip="192.0.2.1").case


# ------------------------------------------------------------------------- two officers, one case


def test_two_officers_at_once_exactly_one_wins(fresh_db: TestDatabase) -> None:
    """House rule 4: the reception officer answers and the centre director refuses the same case at the same
    moment, each in a transaction of its own. The guarded ``UPDATE … WHERE version = :seen AND status = :from``
    lets exactly one through; the other gets ``Conflict`` and changes nothing: one history line, one audit event,
    the version moved by one."""
    engine = fresh_db.engine
    with Session(engine) as session:
        team = staff(session)
        case = new_case(session)
        session.commit()
        case_id, seen = case.id, case.version
    start = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def press(who: Principal, action: CaseAction) -> None:
        try:
            from motcua.feedback.actions import act_on_case
            from motcua.feedback.schemas import CaseActionIn

            start.wait()
            with Session(engine) as session, session.begin():
                act_on_case(session, actor=who, case_id=case_id, action=action,
                            data=CaseActionIn(version=seen, note=f"{action.value} bởi {who.full_name}"),
                            now=T0 + timedelta(hours=1), public_base_url="https://motcua.example.vn",
                            secret="test-secret-key")
            outcomes.append(action.value)
        except Conflict:
            outcomes.append("conflict")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(team["reception"], CaseAction.ANSWER)),
               threading.Thread(target=press, args=(team["director"], CaseAction.REFUSE))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) in (["answer", "conflict"], ["conflict", "refuse"])
    with Session(engine) as session:
        case = session.get_one(FeedbackCase, case_id)
        assert case.version == seen + 1
        assert case.status == (CaseStatus.ANSWERED if "answer" in outcomes else CaseStatus.REFUSED)
        lines = session.scalars(select(FeedbackEvent).where(FeedbackEvent.case_id == case_id,
                                                            FeedbackEvent.action != "receive")).all()
        assert len(lines) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_kind == "feedback_case", AuditEvent.action != "feedback.receive")) == 1
