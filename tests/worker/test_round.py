"""The worker's round records the audit log's daily anchor: the first round of a day does, the others do not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from motcua.audit.models import AuditAnchor
from motcua.integrations.simulators import SmsSimulator
from motcua.worker import Worker
from tests.factories import T0


def test_the_first_round_of_each_day_records_the_audit_anchor(session_factory):
    """Once per day in Vietnam (T0 is 10:00 there): a later round the same day records nothing; the next day's
    first round records the next anchor, linked to the first."""
    worker = Worker(session_factory)
    first = worker.run_round(T0)
    assert first.anchored is not None
    assert worker.run_round(T0 + timedelta(hours=5)).anchored is None
    second = worker.run_round(T0 + timedelta(days=1))
    assert second.anchored == first.anchored + timedelta(days=1)
    with session_factory() as session:
        anchors = session.scalars(select(AuditAnchor).order_by(AuditAnchor.day)).all()
        assert [a.day for a in anchors] == [first.anchored, second.anchored]
        assert anchors[1].prev_hash == anchors[0].hash


def test_the_round_reminds_tomorrows_appointments_once_and_releases_no_shows(session_factory):
    """Issue 18: the round queues the reminder the day before and sends it in the same round (the SMS simulator
    receives it once, over HTTP); a later round sends nothing more; after the slot's start plus the grace period the
    booking is released."""
    from datetime import datetime

    from motcua.calendar.hours import VIETNAM_TZ
    from motcua.integrations.messaging import SmsGateway
    from motcua.notify.senders import HttpMessagingSender
    from motcua.org.models import Commune
    from motcua.queue import booking
    from motcua.queue.booking_models import QueueBooking
    from tests.factories import CHI_TIEN

    slot = datetime(2026, 11, 26, 9, 0, tzinfo=VIETNAM_TZ)  # Thursday 09:00
    with session_factory() as session:
        commune = session.get(Commune, CHI_TIEN)
        row = booking.book(session, commune=commune, field="land", slot_start=slot, name="Lê Văn Cường",
                           phone="0912000103", citizen_id=None, now=T0)
        session.commit()
        code = row.code
    with SmsSimulator() as sms:
        sender = HttpMessagingSender(SmsGateway(sms.base_url, sms.api_key, sms.brandname))
        worker = Worker(session_factory, {"sms": sender}, no_show_grace=timedelta(minutes=10))
        day_before = datetime(2026, 11, 25, 8, 0, tzinfo=VIETNAM_TZ)
        assert worker.run_round(day_before).reminded == 1
        assert worker.run_round(day_before + timedelta(hours=3)).reminded == 0
        assert [(m.to, code in m.text) for m in sms.delivered] == [("84912000103", True)]
    assert worker.run_round(slot + timedelta(minutes=9)).released == 0
    assert worker.run_round(slot + timedelta(minutes=10)).released == 1
    with session_factory() as session:
        assert session.scalar(select(QueueBooking.status).where(QueueBooking.code == code)) == "no_show"
