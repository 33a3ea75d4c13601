"""What the hall display shows, as one snapshot: the number each counter serves, the next numbers of each field,
the latest calls, the codes of the results ready to collect (the liveboard) and, outside the opening hours, when the
centre opens next.

Public (a TV in the hall has no login): numbers, counters and dossier codes only, never a name, a phone or an
address (Decree 13/2023: minimum data). ``tests/queue/test_display.py`` holds the snapshot to that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from motcua.calendar.hours import to_vietnam_time
from motcua.dossier.queries import result_ready_codes
from motcua.org.models import Commune
from motcua.queue.events import last_seq
from motcua.queue.fields import FIELDS
from motcua.queue.hours import closed_message
from motcua.queue.models import QueueTicket
from motcua.queue.queries import counters_of, local_day

#: How many next numbers a field shows, how many latest calls, how many result codes.
NEXT_PER_FIELD = 4
RECENT_CALLS = 5
RESULT_CODES = 40


def snapshot(session: Session, commune: Commune, now: datetime) -> dict[str, Any]:
    """The display's whole state, as of the commune's latest event (``seq``)."""
    seq = last_seq(session, commune.code)  # first: the state read after it is at least as new
    day = local_day(now)
    t = QueueTicket
    counters = [c for c in counters_of(session, commune.code) if c.active]
    serving: dict[int, tuple[str, bool]] = {}
    for counter_id, number, priority in session.execute(
            select(t.counter_id, t.number, t.priority_group).where(
                t.commune_code == commune.code, t.day == day, t.status == "called")
            .order_by(t.called_at, t.id)):
        if counter_id is not None:
            serving[counter_id] = (number, priority is not None)
    served_fields = {f for c in counters for f in c.field_codes}
    fields = [f for f in FIELDS if f.code in served_fields] or list(FIELDS)
    waiting: dict[str, list[str]] = {f.code: [] for f in fields}
    counts: dict[str, int] = dict.fromkeys(waiting, 0)
    for field, number in session.execute(
            select(t.field, t.number).where(t.commune_code == commune.code, t.day == day, t.status == "waiting")
            .order_by(case((t.priority_group.is_(None), 1), else_=0), t.issued_at, t.id)):
        if field in waiting:
            counts[field] += 1
            if len(waiting[field]) < NEXT_PER_FIELD:
                waiting[field].append(number)
    by_id = {c.id: c.number for c in counters}
    recent = [{"number": number, "counter": by_id.get(counter_id or 0)} for number, counter_id in session.execute(
        select(t.number, t.counter_id).where(t.commune_code == commune.code, t.day == day,
                                             t.called_at.is_not(None), t.counter_id.is_not(None))
        .order_by(t.called_at.desc(), t.id.desc()).limit(RECENT_CALLS))]
    local = to_vietnam_time(now)
    return {
        "seq": seq,
        "day": f"{local:%d/%m/%Y}",
        "counters": [{"number": c.number, "name": c.name, "serving": serving.get(c.id, (None, False))[0],
                      "priority": serving.get(c.id, (None, False))[1]} for c in counters],
        "fields": [{"code": f.code, "label": f.label, "waiting": counts[f.code], "next": waiting[f.code]}
                   for f in fields],
        "recent": recent,
        "results": result_ready_codes(session, commune.code, limit=RESULT_CODES),
        # outside the centre's opening hours (queue.hours) the hall says so, and when it opens next
        "closed": closed_message(session, commune, now),
    }
