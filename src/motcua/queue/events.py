"""The hall's event log: every queue change (a ticket issued, called, recalled, skipped, done) appends one row in
the same transaction as the change, so an event exists exactly when its change was committed.

Numbering: one ``queue_event_counter`` row per commune, incremented by an atomic upsert as the change's last
statement. Two changes in one commune queue on that row for the few milliseconds until the first commits, so a
commune's events are numbered 1, 2, 3… in commit order, without a gap: a reader that has seen event *n* has seen
every event before it. That is what lets the displays resume exactly (SSE ``Last-Event-ID`` = ``seq``) and lets the
poller of ``queue.live`` read "after *n*" with one indexed range read, where a global id would skip a row committed
late by a slower transaction that took a smaller id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from motcua.db import dialect_insert
from motcua.queue.models import QueueEvent, QueueEventCounter, QueueTicket

KINDS = ("issue", "call", "recall", "skip", "done", "transfer")
#: PostgreSQL's channel that wakes the display pollers (``queue.live``) the moment an event is committed.
CHANNEL = "motcua_queue_event"


def append_event(session: Session, *, kind: str, ticket: QueueTicket, counter_number: int | None,
                 now: datetime) -> QueueEvent:
    """Append the change's event; call it last in the change's transaction (it holds the commune's row until then)."""
    assert kind in KINDS, kind
    upsert = dialect_insert(session, QueueEventCounter).values(commune_code=ticket.commune_code, last_seq=1)
    upsert = upsert.on_conflict_do_update(index_elements=[QueueEventCounter.commune_code],
                                          set_={"last_seq": QueueEventCounter.last_seq + 1})
    seq = int(session.execute(upsert.returning(QueueEventCounter.last_seq)).scalar_one())
    event = QueueEvent(commune_code=ticket.commune_code, seq=seq, kind=kind, ticket_id=ticket.id,
                       number=ticket.number, field=ticket.field, counter_number=counter_number, at=now)
    session.add(event)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":  # delivered at commit, dropped with a rollback
        session.execute(text("SELECT pg_notify(:channel, :commune)"),
                        {"channel": CHANNEL, "commune": ticket.commune_code})
    return event


def last_seq(session: Session, commune_code: str) -> int:
    """The number of the commune's latest committed event (0 before the first)."""
    return int(session.scalar(select(func.coalesce(func.max(QueueEvent.seq), 0))
                              .where(QueueEvent.commune_code == commune_code)) or 0)


def events_after(session: Session, commune_code: str, seq: int, *, limit: int) -> list[QueueEvent]:
    """The commune's events after ``seq``, oldest first (a display catching up)."""
    return list(session.scalars(select(QueueEvent).where(QueueEvent.commune_code == commune_code,
                                                         QueueEvent.seq > seq)
                                .order_by(QueueEvent.seq).limit(limit)))


def new_events(session: Session, cursors: Mapping[str, int], *, limit: int = 1000) -> list[QueueEvent]:
    """The poller's one read: for each commune, its events after its cursor — one range of the
    ``(commune_code, seq)`` unique index per commune, in one statement."""
    if not cursors:
        return []
    ranges = [and_(QueueEvent.commune_code == code, QueueEvent.seq > seq) for code, seq in cursors.items()]
    return list(session.scalars(select(QueueEvent).where(or_(*ranges))
                                .order_by(QueueEvent.commune_code, QueueEvent.seq).limit(limit)))


def event_json(event: QueueEvent) -> dict[str, object]:
    """What a display is told of an event: numbers only."""
    return {"seq": event.seq, "kind": event.kind, "ticket": event.ticket_id, "number": event.number,
            "field": event.field, "counter": event.counter_number}
