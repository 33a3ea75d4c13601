"""The front desk's statistics (issue 18, "Statistics"): waiting and service times p50/p90 per field, counter,
officer and hour of day, abandoned tickets, the busiest hours, the ratings at the counter — for a commune's centre
(its director) or every commune of a province (the province's monitor), over a date range.

Definitions (docs/queue.md):

* **waiting time** = called − taken, for every ticket that was called (served, no-show or still at a counter); a
  transferred ticket's is up to its last call (the citizen's whole wait);
* **service time** = finished − called, for tickets served (``done``);
* **abandoned** = no-shows (skipped at the counter) + tickets still waiting when their day ended (the queue closed
  on them); today's waiting tickets are not abandoned yet;
* **busiest hours** = tickets taken per hour of the day (Hà Nội time), averaged over the days with tickets.

Percentiles are computed here, in Python, by the nearest-rank method (p-th percentile = the ⌈p·n/100⌉-th smallest
value), over one bounded query of the range's tickets: the same figures on SQLite and PostgreSQL (SQLite has no
``percentile_cont``). The range is bounded (``MAX_DAYS`` for a commune, ``MAX_PROVINCE_DAYS`` for a province) so
the query stays bounded too.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.calendar.hours import to_vietnam_time
from motcua.kit.clock import as_utc
from motcua.org.models import Commune, Officer
from motcua.queue.fields import FIELDS, FIELDS_BY_CODE
from motcua.queue.models import QueueCounter, QueueRating, QueueTicket

MAX_DAYS = 366
MAX_PROVINCE_DAYS = 92


def percentile(values: Sequence[float], p: int) -> float | None:
    """Nearest-rank percentile of ``values`` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p * len(ordered) / 100))
    return ordered[rank - 1]


@dataclass
class Group:
    """The figures of one row: a field, a counter, an officer, an hour, a commune, or everything."""

    key: str
    label: str
    tickets: int = 0
    served: int = 0
    no_show: int = 0
    left_waiting: int = 0
    waits: list[float] = field(default_factory=list)  # minutes
    services: list[float] = field(default_factory=list)  # minutes
    ratings: list[int] = field(default_factory=lambda: [0, 0, 0])  # [không hài lòng, hài lòng, rất hài lòng]

    @property
    def abandoned(self) -> int:
        return self.no_show + self.left_waiting

    @property
    def wait_p50(self) -> float | None:
        return percentile(self.waits, 50)

    @property
    def wait_p90(self) -> float | None:
        return percentile(self.waits, 90)

    @property
    def service_p50(self) -> float | None:
        return percentile(self.services, 50)

    @property
    def service_p90(self) -> float | None:
        return percentile(self.services, 90)

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def satisfied_percent(self) -> float | None:
        """Share of ratings that are «Hài lòng» or «Rất hài lòng»."""
        return round(100 * (self.ratings[1] + self.ratings[2]) / self.rated, 1) if self.rated else None


@dataclass(frozen=True)
class BusyHour:
    hour: int
    tickets: int
    per_day: float


@dataclass
class QueueStats:
    first: date
    last: date
    scope: str  # the commune's or the province's name
    communes: int  # how many communes the figures cover (a province: a row per commune with tickets)
    days_with_tickets: int
    total: Group
    by_field: list[Group]
    by_counter: list[Group]
    by_officer: list[Group]
    by_hour: list[Group]
    by_commune: list[Group]
    busiest: list[BusyHour]


def _minutes(start: datetime, end: datetime) -> float:
    return round((as_utc(end) - as_utc(start)).total_seconds() / 60, 2)


def queue_stats(session: Session, communes: Sequence[Commune], first: date, last: date, *, today: date,
                scope: str) -> QueueStats:
    """The statistics of ``communes``' front desks for tickets taken from ``first`` to ``last`` (inclusive)."""
    codes = [c.code for c in communes]
    names = {c.code: c.name for c in communes}
    t = QueueTicket
    rows = session.execute(
        select(t.id, t.commune_code, t.field, t.day, t.status, t.issued_at, t.called_at, t.finished_at,
               t.counter_id, t.called_by_id, t.finished_by_id)
        .where(t.commune_code.in_(codes), t.day >= first, t.day <= last)).all()
    ratings = dict(session.execute(
        select(QueueRating.ticket_id, QueueRating.score).join(t, t.id == QueueRating.ticket_id)
        .where(t.commune_code.in_(codes), t.day >= first, t.day <= last)).all())
    counters = {c.id: c for c in session.scalars(select(QueueCounter).where(QueueCounter.commune_code.in_(codes)))}
    officer_ids = {r.finished_by_id or r.called_by_id for r in rows} - {None}
    officers = dict(session.execute(select(Officer.id, Officer.full_name).where(Officer.id.in_(officer_ids)))
                    .all()) if officer_ids else {}
    several = len(codes) > 1

    total = Group("all", "Tất cả")
    groups: dict[str, dict[str, Group]] = defaultdict(dict)

    def group(kind: str, key: str, label: str) -> Group:
        found = groups[kind].get(key)
        if found is None:
            found = groups[kind][key] = Group(key, label)
        return found

    hours: dict[int, int] = defaultdict(int)
    days: set[date] = set()
    for r in rows:
        hour = to_vietnam_time(as_utc(r.issued_at)).hour
        hours[hour] += 1
        days.add(r.day)
        targets = [total, group("field", r.field, FIELDS_BY_CODE[r.field].label),
                   group("hour", f"{hour:02d}", f"{hour:02d}:00–{hour:02d}:59"),
                   group("commune", r.commune_code, names[r.commune_code])]
        counter = counters.get(r.counter_id) if r.counter_id is not None else None
        if counter is not None:
            prefix = f"{names[counter.commune_code]} — " if several else ""
            name = f" — {counter.name}" if counter.name else ""
            targets.append(group("counter", f"{counter.commune_code}-{counter.number:03d}",
                                 f"{prefix}Quầy số {counter.number}{name}"))
        officer_id = r.finished_by_id or r.called_by_id
        if officer_id is not None:
            targets.append(group("officer", str(officer_id), officers.get(officer_id, f"Cán bộ #{officer_id}")))
        score = ratings.get(r.id)
        for g in targets:
            g.tickets += 1
            if r.called_at is not None and r.status != "waiting":
                g.waits.append(_minutes(r.issued_at, r.called_at))
            if r.status == "done" and r.called_at is not None and r.finished_at is not None:
                g.served += 1
                g.services.append(_minutes(r.called_at, r.finished_at))
            elif r.status == "no_show":
                g.no_show += 1
            elif r.status == "waiting" and r.day < today:
                g.left_waiting += 1
            if score is not None:
                g.ratings[score] += 1
    field_order = {f.code: i for i, f in enumerate(FIELDS)}
    n_days = max(len(days), 1)
    busiest = sorted((BusyHour(h, n, round(n / n_days, 1)) for h, n in hours.items()),
                     key=lambda b: (-b.tickets, b.hour))[:5]
    return QueueStats(
        first=first, last=last, scope=scope, communes=len(codes), days_with_tickets=len(days), total=total,
        by_field=sorted(groups["field"].values(), key=lambda g: field_order.get(g.key, 99)),
        by_counter=_sorted(groups["counter"].values(), lambda g: g.key),
        by_officer=_sorted(groups["officer"].values(), lambda g: g.label),
        by_hour=_sorted(groups["hour"].values(), lambda g: g.key),
        by_commune=_sorted(groups["commune"].values(), lambda g: g.label),
        busiest=busiest)


def _sorted(groups: Iterable[Group], key: Callable[[Group], str]) -> list[Group]:
    return sorted(groups, key=key)
