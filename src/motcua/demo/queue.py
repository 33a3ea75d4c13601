"""A month of the front desk at Xã Chí Tiên for the demo (issue 18): tickets taken, called, served or not, at the
two demo counters, with the commune's reception officers at them, and the ratings tapped at the counters — so the
statistics pages (``/quay/08218/thong-ke``) show realistic figures.

A small simulation, reproducible from the seed: each working day (Monday–Friday) of the 30 days before today,
arrivals peak at 8–9 h and 14 h (Hà Nội time); each counter serves its fields' queue in order (priority groups
first), a service takes a few minutes (longer for land than for a certification), a few people are gone when called
(no-show), and on a busy afternoon the last ones are still waiting when the centre closes at 17:00. Rows are written
in bulk (as the demo's dossiers are): the per-ticket actions would audit every call of a month that never happened.
Idempotent: a commune that already has tickets is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.kit.clock import VN_TZ
from motcua.org.models import Officer, OfficerRole
from motcua.queue.fields import PRIORITY_GROUPS, ticket_number
from motcua.queue.models import QueueCounter, QueueRating, QueueSeat, QueueTicket, QueueTicketCounter
from motcua.queue.queries import ip_digest, local_day

DAYS = 30
#: Field → (share of arrivals, mean service minutes).
FIELD_MIX = {"civil_status": (0.34, 9.0), "certification": (0.30, 4.0), "land": (0.14, 16.0),
             "social_protection": (0.10, 11.0), "business": (0.07, 13.0), "other": (0.05, 7.0)}
#: Hour of arrival (Hà Nội) → weight: mornings busier than afternoons, 8–9 h the busiest.
HOURS = {7: 5, 8: 13, 9: 12, 10: 8, 11: 3, 13: 4, 14: 9, 15: 6, 16: 3}
CLOSE = time(17, 0)
NO_SHOW = 0.05
RATED = 0.45
SCORES = ((2, 0.58), (1, 0.33), (0, 0.09))
REASONS = ("Phải chờ lâu", "Cán bộ hướng dẫn chưa rõ", "Thiếu chỗ ngồi chờ")


@dataclass
class _Arrival:
    at: datetime
    field: str
    priority: str | None
    row: QueueTicket | None = None


def _vn(day: date, hour: int, minute: float) -> datetime:
    local = datetime.combine(day, time(hour)) + timedelta(minutes=minute)
    return local.replace(tzinfo=VN_TZ).astimezone(UTC)


def load_demo_queue(session: Session, *, commune_code: str, now: datetime, seed: int = 18) -> int:
    """A month of tickets at ``commune_code``'s counters; returns how many were written (0: already there)."""
    if session.scalar(select(func.count()).select_from(QueueTicket).where(QueueTicket.commune_code == commune_code)):
        return 0
    counters = list(session.scalars(select(QueueCounter).where(QueueCounter.commune_code == commune_code)
                                    .order_by(QueueCounter.number)))
    officers = list(session.scalars(
        select(Officer.id).join(OfficerRole, OfficerRole.officer_id == Officer.id)
        .where(Officer.commune_code == commune_code, OfficerRole.role == Role.RECEPTION.value)
        .order_by(Officer.id)))
    if not counters or not officers:
        return 0
    rng = random.Random(seed)  # noqa: S311 — reproducible demo data, not a secret
    today = local_day(now)
    digest = ip_digest("demo-kiosk")
    written = 0
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        written += _day(session, rng, day, counters, officers, digest, commune_code)
    session.flush()
    return written


def _day(session: Session, rng: random.Random, day: date, counters: list[QueueCounter], officers: list[int],
         digest: str, commune_code: str) -> int:
    busy = rng.uniform(0.7, 1.3) * (1.25 if day.weekday() == 0 else 1.0)  # Mondays are busier
    arrivals: list[_Arrival] = []
    for hour, weight in HOURS.items():
        for _ in range(round(weight * busy * rng.uniform(0.6, 1.4))):
            field = rng.choices(list(FIELD_MIX), [share for share, _ in FIELD_MIX.values()])[0]
            priority = rng.choice(PRIORITY_GROUPS).code if rng.random() < 0.12 else None
            arrivals.append(_Arrival(_vn(day, hour, rng.uniform(0, 59.9)), field, priority))
    arrivals.sort(key=lambda a: a.at)
    seqs: dict[str, int] = {}
    for a in arrivals:
        seqs[a.field] = seqs.get(a.field, 0) + 1
        a.row = QueueTicket(commune_code=commune_code, field=a.field, day=day, seq=seqs[a.field],
                            number=ticket_number(a.field, seqs[a.field]), priority_group=a.priority,
                            status="waiting", ip_digest=digest, issued_at=a.at, recalls=0)
        session.add(a.row)
    for field, last in seqs.items():
        session.add(QueueTicketCounter(commune_code=commune_code, field=field, day=day, last_seq=last))
    seated = rng.sample(officers, k=min(len(officers), len(counters)))
    close = _vn(day, CLOSE.hour, 0)
    session.flush()
    for counter, officer_id in zip(counters, seated, strict=False):
        session.add(QueueSeat(commune_code=commune_code, day=day, counter_id=counter.id, officer_id=officer_id,
                              opened_at=_vn(day, 7, 25)))
        free = _vn(day, 7, 30)
        mine = [a for a in arrivals if a.field in counter.field_codes]
        while True:
            waiting = [a for a in mine if a.row is not None and a.row.status == "waiting" and a.at <= free]
            if not waiting:
                later = [a for a in mine if a.row is not None and a.row.status == "waiting"]
                if not later:
                    break
                # idle: the next arrival is called after the time to notice and walk to the counter
                free = min(a.at for a in later) + timedelta(minutes=rng.uniform(0.3, 2.5))
                continue
            if free >= close:
                break
            if _lunch(free):
                free = _vn(day, 13, 30)
                continue
            nxt = min(waiting, key=lambda a: (a.priority is None, a.at))
            row = nxt.row
            assert row is not None
            row.counter_id, row.called_at, row.called_by_id = counter.id, free, officer_id
            if rng.random() < NO_SHOW:
                row.status, row.finished_at, row.finished_by_id = "no_show", free + timedelta(minutes=2), officer_id
                free += timedelta(minutes=2)
                continue
            mean = FIELD_MIX[row.field][1]
            service = timedelta(minutes=max(1.5, rng.gauss(mean, mean / 3)))
            row.status, row.finished_at, row.finished_by_id = "done", free + service, officer_id
            free += service + timedelta(seconds=rng.uniform(20, 90))
            if rng.random() < RATED:
                score = rng.choices([s for s, _ in SCORES], [w for _, w in SCORES])[0]
                session.add(QueueRating(ticket_id=row.id, commune_code=commune_code, counter_id=counter.id,
                                        officer_id=officer_id, dossier_id=None, score=score,
                                        reason=rng.choice(REASONS) if score == 0 and rng.random() < 0.6 else "",
                                        feedback_case_id=None, rated_at=row.finished_at + timedelta(seconds=30)))
    return len(arrivals)


def _lunch(instant: datetime) -> bool:
    local = instant.astimezone(VN_TZ).time()
    return time(11, 30) <= local < time(13, 30)

