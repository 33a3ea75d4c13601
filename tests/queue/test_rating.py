"""Rating at the counter (issue 18, "Rating at the counter"): one tap per ticket, only for the ticket just served at
that counter (within 10 minutes, today), tied to the officer and the dossier; a «Không hài lòng» with a dossier
reaches the dossier's satisfaction data through the feedback layer (the phản ánh indicator 5.4 counts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from motcua.audit.models import AuditEvent
from motcua.dossier.actions import receive_dossier
from motcua.feedback.models import DossierRating, FeedbackCase
from motcua.index.models import IndexDossierFact
from motcua.kit.errors import ValidationFailed
from motcua.queue import actions, desk, rating
from motcua.queue.rating import AlreadyRated
from tests.factories import CHI_TIEN, T0, csrf_token, intake_data, other_commune, staff
from tests.queue.test_desk import officer
from tests.queue.test_tickets import counter, take


def served(session, desk_, actor, field: str = "civil_status", *, now: datetime = T0, minutes: int = 5):
    """A ticket taken at ``now``, called and finished ``minutes`` later at ``desk_``."""
    ticket = take(session, field, now=now)
    actions.call_next(session, actor=actor, counter=desk_, now=now)
    actions.finish(session, actor=actor, counter=desk_, now=now + timedelta(minutes=minutes))
    return ticket


def test_one_rating_per_ticket_tied_to_the_counter_and_the_officer(session):
    one = counter(session, 1, ["civil_status"])
    hoa = officer(session)
    ticket = served(session, one, hoa)
    at = T0 + timedelta(minutes=6)
    assert rating.ratable(session, one, at).id == ticket.id
    row = rating.rate_at_counter(session, counter=one, ticket_id=ticket.id, score=2, reason="", now=at)
    assert (row.ticket_id, row.counter_id, row.officer_id, row.dossier_id, row.score, row.feedback_case_id) == (
        ticket.id, one.id, hoa.officer_id, None, 2, None)
    with pytest.raises(AlreadyRated, match="Số HT-001 đã được đánh giá"):
        rating.rate_at_counter(session, counter=one, ticket_id=ticket.id, score=0, reason="", now=at)
    assert rating.ratable(session, one, at) is None
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "queue.rated")).all() == [
        "queue.rated"]


def test_only_the_last_ticket_served_at_that_counter_within_ten_minutes_today_can_be_rated(session):
    """The tablet has no login: it rates only the person just served there."""
    one, two = counter(session, 1, ["civil_status"]), counter(session, 2, ["land"])
    hoa, nam = officer(session), officer(session, "Trần Văn Nam")
    first = served(session, one, hoa)
    second = served(session, one, hoa, minutes=6)
    at = T0 + timedelta(minutes=7)
    with pytest.raises(ValidationFailed, match="Chỉ đánh giá được lượt vừa phục vụ xong tại quầy"):
        rating.rate_at_counter(session, counter=one, ticket_id=first.id, score=2, reason="", now=at)
    with pytest.raises(ValidationFailed, match="không được phục vụ tại quầy này"):
        rating.rate_at_counter(session, counter=two, ticket_id=second.id, score=2, reason="", now=at)
    late = T0 + timedelta(minutes=6) + rating.RATING_WINDOW + timedelta(seconds=1)
    assert rating.ratable(session, one, late) is None
    with pytest.raises(ValidationFailed, match="trong 10 phút"):
        rating.rate_at_counter(session, counter=one, ticket_id=second.id, score=2, reason="", now=late)
    skipped = take(session, "land")
    actions.call_next(session, actor=nam, counter=two, now=at)
    actions.skip(session, actor=nam, counter=two, now=at)
    assert rating.ratable(session, two, at) is None  # a no-show was not served
    with pytest.raises(ValidationFailed):
        rating.rate_at_counter(session, counter=two, ticket_id=skipped.id, score=2, reason="", now=at)
    with pytest.raises(ValidationFailed, match="Vui lòng chạm vào một mức đánh giá"):
        rating.rate_at_counter(session, counter=one, ticket_id=second.id, score=3, reason="", now=at)


def test_a_ticket_of_yesterday_cannot_be_rated(session):
    """Taken at 23:50 in Hà Nội, finished at 00:03: the next day it is no longer rated."""
    one = counter(session, 1, ["civil_status"])
    hoa = officer(session)
    evening = datetime(2026, 11, 23, 16, 50, tzinfo=UTC)
    ticket = served(session, one, hoa, now=evening, minutes=13)
    at = evening + timedelta(minutes=14)
    assert rating.ratable(session, one, at) is None
    with pytest.raises(ValidationFailed, match="được cấp ngày 23/11/2026, không còn đánh giá được"):
        rating.rate_at_counter(session, counter=one, ticket_id=ticket.id, score=2, reason="", now=at)


def test_not_satisfied_with_a_dossier_opens_the_feedback_case_indicator_5_4_counts(session, store):
    """Tied to the dossier: «Không hài lòng» with a reason becomes the phản ánh about that dossier (source
    ``rating``) through the feedback layer, which records the fact 5.4 counts; no DossierRating is written (that is
    the rating of the whole handling, after the result)."""
    one = counter(session, 1, ["civil_status"])
    team = staff(session)
    clerk = team["reception"]
    ticket = take(session, "civil_status")
    actions.call_next(session, actor=clerk, counter=one, now=T0)
    dossier = receive_dossier(session, actor=clerk, data=intake_data(), uploads=[], store=store, now=T0).dossier
    desk.link_dossier(session, clerk, ticket.id, dossier, T0)
    actions.finish(session, actor=clerk, counter=one, now=T0 + timedelta(minutes=3))
    row = rating.rate_at_counter(session, counter=one, ticket_id=ticket.id, score=0, reason="Phải chờ rất lâu",
                                 now=T0 + timedelta(minutes=4))
    case = session.get(FeedbackCase, row.feedback_case_id)
    assert case is not None and (case.dossier_id, case.source, case.commune_code) == (dossier.id, "rating", CHI_TIEN)
    assert "Quầy số 1" in case.content and "Phải chờ rất lâu" in case.content
    assert (row.dossier_id, row.officer_id, row.reason) == (dossier.id, clerk.officer_id, "Phải chờ rất lâu")
    assert session.get(IndexDossierFact, dossier.id).feedback_case_at is not None
    assert session.scalars(select(DossierRating)).all() == []


# ------------------------------------------------------------------------------------------------ the tablet


def test_the_tablet_rates_in_one_tap_and_a_second_tap_is_told_it_was_rated(client, session, clock):
    one = counter(session, 1, ["civil_status"])
    hoa = officer(session)
    ticket = served(session, one, hoa, minutes=0)
    elsewhere = counter(session, 1, ["civil_status"], commune_code=other_commune(session))
    session.commit()
    clock.advance(timedelta(minutes=2))
    url = f"/quay/{CHI_TIEN}/danh-gia/{one.id}"
    page = client.get(url)
    assert page.status_code == 200 and '<strong id="rate-number">HT-001</strong>' in page.text
    assert 'value="2" class="rate-very">Rất hài lòng</button>' in page.text
    token = csrf_token(client, url)
    bad = client.post(url, data={"csrf_token": token, "ticket": str(ticket.id), "diem": "9"})
    assert bad.status_code == 422
    done = client.post(url, data={"csrf_token": token, "ticket": str(ticket.id), "diem": "1"})
    assert done.status_code == 200 and "Cảm ơn Ông/Bà đã đánh giá!" in done.text and "rate-number" not in done.text
    again = client.post(url, data={"csrf_token": token, "ticket": str(ticket.id), "diem": "0"})
    assert again.status_code == 409 and "Số HT-001 đã được đánh giá" in again.text
    assert client.get(f"/quay/{CHI_TIEN}/danh-gia/{elsewhere.id}").status_code == 404
    assert client.post(f"/quay/{CHI_TIEN}/danh-gia/{elsewhere.id}",
                       data={"csrf_token": token, "ticket": str(ticket.id), "diem": "2"}).status_code == 404


def test_an_officer_logged_in_on_the_tablet_can_still_tap(client, session, clock):
    """The device page carries the token the form check expects, whoever is logged in on the device."""
    from tests.factories import login, make_officer

    one = counter(session, 1, ["civil_status"])
    ticket = served(session, one, officer(session), minutes=0)
    make_officer(session, username="quay1")
    session.commit()
    login(client, "quay1")
    url = f"/quay/{CHI_TIEN}/danh-gia/{one.id}"
    done = client.post(url, data={"csrf_token": csrf_token(client, url), "ticket": str(ticket.id), "diem": "2"})
    assert done.status_code == 200 and "Cảm ơn Ông/Bà đã đánh giá!" in done.text
