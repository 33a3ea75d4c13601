"""Ratings of dossier handling against the database (SQLite and PostgreSQL): Decree 118/2025 Art. 31–33."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import Action
from motcua.feedback.actions import AlreadyRated, NotRateable, citizen_actor, rate_dossier
from motcua.feedback.models import DossierRating, FeedbackCase
from motcua.feedback.queries import rating_counters
from motcua.feedback.workflow import CaseStatus
from motcua.kit.errors import ValidationFailed
from tests.factories import CHI_TIEN, T0, staff
from tests.feedback.helpers import ALL_VERY_SATISFIED, dossier_up_to, vn

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

LATER = T0 + timedelta(days=3)


def rate(session: Session, dossier: Dossier, scores: dict[str, int] | None = None, comment: str = "",
         channel: str = "qr"):
    return rate_dossier(session, dossier=dossier, scores=scores or ALL_VERY_SATISFIED, comment=comment,
                        channel=channel, now=LATER, actor=citizen_actor(dossier.province_code, dossier.applicant_name))


@pytest.mark.parametrize("last", [None, Action.TRANSFER, Action.SUBMIT_FOR_APPROVAL, Action.APPROVE])
def test_a_dossier_is_not_rated_before_its_result_is_returned(session: Session, team: dict, store: FileStore,
                                                              last: Action | None) -> None:
    """Art. 31–33 and Art. 22: the applicant rates the handling once the result reached them; a dossier still being
    handled — or processed but not yet returned (result_ready) — is refused with a Vietnamese message, and nothing
    is written."""
    d = dossier_up_to(session, team, store, last)
    with pytest.raises(NotRateable) as refused:
        rate(session, d)
    assert "chưa có kết quả" in refused.value.message
    assert session.scalar(select(func.count()).select_from(DossierRating)) == 0


def test_a_returned_dossier_is_rated_once_and_a_second_submit_is_refused(session: Session, team: dict,
                                                                         store: FileStore) -> None:
    """Art. 31–33: one rating per dossier. A double submit (the same answers again) or a second opinion is refused
    with a clear message naming the first rating's time; the stored rating is the first; both are audited once."""
    d = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    result = rate(session, d, comment="Cán bộ nhiệt tình")
    assert result.rating.satisfied and result.case is None
    assert result.rating.commune_code == d.deciding_commune_code == CHI_TIEN
    for again in (ALL_VERY_SATISFIED, {**ALL_VERY_SATISFIED, "attitude": 0}):
        with pytest.raises(AlreadyRated) as refused:
            rate(session, d, scores=again)
        assert f"Hồ sơ {d.code} đã được đánh giá lúc" in refused.value.message
        assert refused.value.status_code == 409
    rows = session.scalars(select(DossierRating).where(DossierRating.dossier_id == d.id)).all()
    assert len(rows) == 1 and rows[0].comment == "Cán bộ nhiệt tình" and rows[0].scores == ALL_VERY_SATISFIED
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "dossier.rated", AuditEvent.object_id == str(d.id))) == 1


def test_refused_after_appraisal_and_under_correction_may_be_rated(session: Session, team: dict,
                                                                   store: FileStore) -> None:
    """The refusal slip after appraisal is the result (Art. 19(3)); a returned result being corrected (Art. 23(1))
    was returned: both may be rated (``queries.RATEABLE_STATES``)."""
    from motcua.dossier.actions import perform
    from motcua.dossier.schemas import ActionIn

    d = dossier_up_to(session, team, store, Action.ASSIGN)
    d = perform(session, actor=team["specialist"], dossier_id=d.id, action=Action.PROPOSE_REFUSAL,
                data=ActionIn(version=d.version, note="Không thuộc thẩm quyền"), now=T0 + timedelta(hours=5))
    d = perform(session, actor=team["approver"], dossier_id=d.id, action=Action.CONFIRM_REFUSAL,
                data=ActionIn(version=d.version, note="Không thuộc thẩm quyền"), now=T0 + timedelta(hours=6))
    assert rate(session, d).rating.satisfied
    e = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    e = perform(session, actor=team["reception"], dossier_id=e.id, action=Action.START_CORRECTION,
                data=ActionIn(version=e.version, note="Sai năm sinh trên giấy chứng nhận"), now=T0 + timedelta(days=1))
    assert rate(session, e, scores={**ALL_VERY_SATISFIED, "total_time": 0}).case is not None


def test_a_dissatisfied_rating_opens_a_feedback_case(session: Session, team: dict, store: FileStore) -> None:
    """A "Không hài lòng" on any criterion is a grievance the commune must answer: a phản ánh is opened, linked to
    the dossier and the rating, addressed to the deciding commune, with the applicant's contact and the docs/legal.md §7
    deadlines (rated Thu 26/11/2026 10:00: the answer is due within 15 working days, Thu 17/12/2026)."""
    d = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    result = rate(session, d, scores={**ALL_VERY_SATISFIED, "attitude": 0}, comment="Cán bộ cáu gắt")
    case = result.case
    assert case is not None and not result.rating.satisfied
    assert (case.source, case.kind, case.status) == ("rating", "report", CaseStatus.RECEIVED)
    assert case.dossier_id == d.id and case.dossier_code == d.code and case.rating_id == result.rating.id
    assert case.commune_code == CHI_TIEN and case.sender_phone == d.phone and case.sender_name == d.applicant_name
    assert "Thái độ của cán bộ" in case.content and "Cán bộ cáu gắt" in case.content
    assert vn(case.answer_due).date().isoformat() == "2026-12-17"
    assert session.scalar(select(func.count()).select_from(FeedbackCase)) == 1


def test_bad_answers_are_refused(session: Session, team: dict, store: FileStore) -> None:
    """Every mandatory criterion needs one of the three levels; an unknown criterion or level, or an unknown
    channel, is refused field by field (house rule 6)."""
    d = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    partial = dict(ALL_VERY_SATISFIED)
    del partial["total_time"]
    with pytest.raises(ValidationFailed) as refused:
        rate(session, d, scores={**partial, "online": 5, "speed": 1})
    assert set(refused.value.fields) == {"scores.total_time", "scores.online", "scores.speed"}
    with pytest.raises(ValidationFailed):
        rate(session, d, channel="fax")
    assert session.scalar(select(func.count()).select_from(DossierRating)) == 0


def test_rating_counters_count_the_period_and_the_deciding_commune(session: Session, team: dict,
                                                                   store: FileStore) -> None:
    """Indicator 5.4 (Decision 766, docs/legal.md §7): the dissatisfied rate = dissatisfied ÷ rated, over the ratings
    given in the period for dossiers the commune decided."""
    satisfied = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    unhappy = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    rate(session, satisfied)
    rate(session, unhappy, scores={**ALL_VERY_SATISFIED, "contacts": 0})
    counters = rating_counters(session, CHI_TIEN, T0, T0 + timedelta(days=30))
    assert (counters.rated, counters.dissatisfied) == (2, 1)
    assert rating_counters(session, CHI_TIEN, T0, LATER).rated == 0  # [start, end): rated at LATER is outside
    assert rating_counters(session, "08221", T0, T0 + timedelta(days=30)).rated == 0


# ------------------------------------------------------------------------------------------- two at once


@pytest.fixture
def pg_fresh_db(db: TestDatabase, request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    if db.kind != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two ratings cannot race there")
    yield request.getfixturevalue("fresh_db")


def test_two_submits_at_the_same_instant_store_one_rating(pg_fresh_db: TestDatabase, tmp_path: Path) -> None:
    """House rule 4 and Art. 31–33: the applicant presses "Gửi đánh giá" twice and both requests run at once, each
    in its own transaction, after both checked that no rating exists. The unique ``dossier_id`` decides: one rating
    is stored (and one feedback case opened for it), the other request gets ``AlreadyRated`` — not an error 500 and
    not a second rating."""
    engine = pg_fresh_db.engine
    with Session(engine) as session:
        team = staff(session)
        d = dossier_up_to(session, team, FileStore(tmp_path / "files"), Action.RETURN_RESULT)
        session.commit()
        dossier_id = d.id
    start = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            with Session(engine) as session, session.begin():
                dossier = session.get_one(Dossier, dossier_id)
                start.wait()  # both have read the dossier and seen no rating before either writes
                rate(session, dossier, scores={**ALL_VERY_SATISFIED, "attitude": 0})
            outcomes.append("rated")
        except AlreadyRated:
            outcomes.append("already")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == ["already", "rated"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(DossierRating)) == 1
        assert session.scalar(select(func.count()).select_from(FeedbackCase)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "dossier.rated")) == 1
