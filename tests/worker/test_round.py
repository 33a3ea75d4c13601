"""The worker's round records the audit log's daily anchor: the first round of a day does, the others do not."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from motcua.audit.models import AuditAnchor
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
