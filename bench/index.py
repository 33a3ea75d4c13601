"""Benchmark of the service index (Decision 766) with 10,000,000 dossiers of the whole country in PostgreSQL.

    .venv/bin/python bench/index.py            # full run: 10,000,000 dossiers (about 20 minutes)
    .venv/bin/python bench/index.py --quick    # smoke run: 300,000 dossiers, about a minute

A fresh migrated database with all 34 provinces and 3,321 communes, the shipped catalogue and a province monitor of
Phú Thọ (25, 148 communes). ``--rows`` dossiers of the past year are bulk-loaded with one ``INSERT … SELECT
generate_series`` (a skewed share per commune, appointments computed with the real calendar, ~3% supplemented,
~97% of the finished ones on time, some open; see ``LOAD_SQL``); their contributions and monthly
rollups are then built in SQL with the rule of the naive baseline below (end of processing — or the month's end for
an open dossier — not after the appointment), so that the rollups and the baseline agree; the real fold
(``index.tasks.fold_dossiers``, the ledger of every dossier replayed) is then timed on a sample of them. All in the
same run:

1. Ranking of Phú Thọ's communes for the last full month: the rollup read (``index.rollups.rollup_counters``)
   against the naive ``GROUP BY`` over the raw dossiers that gives the same counters (and is checked to);
   target: at least 50 times faster. Then the whole ``province_ranking`` (both periods, 296 scores, 148 display
   cards) as the pages call it: after a rebuild (every version replaced, so the cache ``index.cache.SCORES`` misses
   for both periods), cold (the month shown marked changed before every call, as the fold marks the months its deltas
   moved: the previous period stays cached) and warm (served from the cache); and the same ranking with **all six
   groups live** (version 2 of the definitions, every source, the counters of the sources motcua does not collect
   yet passed as ``external`` counters derived from each commune's own) by the lean scorer (``index.fastscore``)
   against the reference ``index.score.score`` for every commune. Each as a ratio against the naive ``GROUP BY``.
2. The province dashboard ``GET /index?period=…`` through the real server (``motcua.web.server``), logged in as
   the province monitor: p95 after a rebuild, cold (a fold of the month shown before every request) and warm;
   target under 150 ms. How many of the six groups the page scores is printed (the month's metric set, the sources
   collected today), and the page's template rendering is timed in this process.
3. A month's index for all 3,321 communes with all six groups live: one read of the rollups and a lean card for
   each, against the naive ``GROUP BY`` over the dossiers of the month (target under 200 ms), and against the
   reference ``score`` for each commune.
4. The full rebuild: the fold's rate (dossiers judged and folded per second, what the worker does after every
   action) on a sample spread over the year and the country, extrapolated to all the dossiers, against the
   set-based rebuild (``index.rebuild.rebuild_index``, what ``motcua index rebuild`` runs) of all of them, timed
   at the end of the run; target: at least 10 times faster. The sample's contributions after the rebuild must be
   the fold's, column for column.

The last column is the CPU time this process spent (p50) where the work runs in it: on a shared machine the wall
time of Python-bound work also counts the time other processes held the cores.

Exits non-zero on an error (a failed request, counters that disagree), never on a timing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

sys.path.insert(0, str(Path(__file__).parent))
from intake import PASSWORD, PG_ADMIN_URL, BenchDatabase, BenchError, log, pct, serve, timed
from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.calendar import VIETNAM_TZ, TimeLimit, to_vietnam_time
from motcua.calendar.deadlines import due_instant
from motcua.calendar.hours import DEFAULT_WORKING_HOURS
from motcua.calendar.queries import build_calendar
from motcua.catalog.actions import import_catalogue
from motcua.catalog.exchange import load_shipped
from motcua.db import make_engine, make_session_factory
from motcua.dossier.models import Dossier
from motcua.index.cache import mark_months_changed, mark_rollups_changed
from motcua.index.definitions import COUNTER_SOURCES, Indicator, MetricSet, metric_set_by_id
from motcua.index.definitions import SOURCES as ALL_SOURCES
from motcua.index.fastscore import plan_for, rank_cards
from motcua.index.models import IndexContribution
from motcua.index.periods import Period, parse_period
from motcua.index.rebuild import rebuild_index, validate_after_rebuild
from motcua.index.rollups import SOURCES, catalogue_counters, competition_ranks, rollup_counters, share_order
from motcua.index.score import CatalogueCounters, DossierCounters, score
from motcua.index.tasks import fold_dossiers
from motcua.migrate import upgrade
from motcua.org.actions import load_units_file, sync_units
from motcua.org.models import Commune
from motcua.report.queries.dashboards import province_dashboard
from motcua.report.queries.periods import recent_periods
from motcua.report.queries.rankings import province_ranking, ranking_table, sort_value
from motcua.report.schemas import province_charts
from motcua.web.server import tune_garbage_collector
from motcua.web.templating import render

PROVINCE = "25"  # Phú Thọ, 148 communes
MONITOR = "bench_tinh"
RANKING_RATIO_TARGET = 50.0
SUPPLEMENTED = 0.03  # share of the dossiers asked for a supplement (the clock paused, then restarted from zero)
DASHBOARD_TARGET_MS = 150.0
ALL_COMMUNES_TARGET_MS = 200.0
REBUILD_RATIO_TARGET = 10.0
SIX_GROUPS = "766-v2"  # the version whose six groups the bench scores with every source

LOAD_SQL = """
INSERT INTO dossier (
    code, version, status, province_code, receiving_commune_code, deciding_commune_code, procedure_version_id,
    procedure_code, procedure_name, channel, filed_by, applicant_kind, applicant_name, applicant_name_folded,
    phone, address, received_at, due_at, original_due_at, processed_at, returned_at, ended_at, clock_events,
    supplement_count, extended, current_department, paid_online, request_digest, created_at)
WITH g AS (
    SELECT s, 1 + (s::bigint * %(nslots)s / %(n)s)::int AS j,
           1 + floor(%(nc)s * power(random(), 1.3))::int AS ci, 1 + floor(random() * %(np)s)::int AS pi,
           random() AS r_state, random() AS r_done, random() AS r_chan, random() AS r_pay, random() AS r_sup
    FROM generate_series(0, %(n)s - 1) AS s
), a AS (
    SELECT g.*, (%(slot_at)s::timestamptz[])[j] AS received_at,
           (%(due)s::timestamptz[])[(j - 1) * %(nk)s + (%(p_kind)s::int[])[pi]] AS first_due,
           LEAST(j + 8 + floor(r_sup / %(p_sup)s * 80)::int, %(nslots)s) AS j2
    FROM g
), b AS (
    SELECT a.*, extract(epoch FROM %(now)s::timestamptz - received_at) / 86400 AS age,
           r_sup < %(p_sup)s AND (%(slot_at)s::timestamptz[])[j2] < %(now)s::timestamptz - interval '2 days'
               AND j2 > j AS sup
    FROM a
), c AS (
    SELECT b.*,
           CASE WHEN sup THEN received_at + least(first_due - received_at,
                                                  (%(slot_at)s::timestamptz[])[j2] - received_at)
                                            * (0.1 + 0.6 * r_done) END AS paused_at,
           CASE WHEN sup THEN (%(slot_at)s::timestamptz[])[j2] END AS restarted_at,
           CASE WHEN sup THEN (%(due)s::timestamptz[])[(j2 - 1) * %(nk)s + (%(p_kind)s::int[])[pi]]
                ELSE first_due END AS due
    FROM b
), st AS (
    SELECT c.*, CASE WHEN age < 30 AND r_state < 0.6 * (1 - age / 30) THEN 'in_appraisal'
                     WHEN r_state > 0.985 THEN 'withdrawn' ELSE 'returned' END AS status0,
           CASE WHEN r_chan < 0.55 THEN 1 WHEN r_chan < 0.98 THEN 2 ELSE 3 END AS channel,
           coalesce(restarted_at, received_at) + (due - coalesce(restarted_at, received_at))
               * (0.3 + 0.73 * r_done) AS done
    FROM c
), fin AS (
    SELECT st.*, CASE WHEN status0 = 'returned' AND done >= %(now)s THEN 'in_appraisal' ELSE status0 END AS status,
           CASE WHEN status0 = 'returned' AND done < %(now)s THEN done
                WHEN status0 = 'withdrawn' THEN least(done, %(now)s) END AS finished_at
    FROM st
)
SELECT 'TAM.' || (%(c_code)s::text[])[ci] || '-' || lpad(s::text, 9, '0'), 3, status, (%(c_prov)s::text[])[ci],
       (%(c_code)s::text[])[ci], (%(c_code)s::text[])[ci], (%(p_id)s::int[])[pi], (%(p_code)s::text[])[pi],
       (%(p_name)s::text[])[pi], channel, CASE WHEN channel = 2 AND r_chan < 0.9 THEN 'citizen' ELSE 'officer' END,
       'person', 'Nguyễn Văn An', 'nguyen van an', '0912345678', 'Khu 1', received_at, due, first_due,
       CASE WHEN status = 'returned' THEN finished_at END,
       CASE WHEN status = 'returned' THEN finished_at + interval '20 hours' END,
       CASE WHEN status = 'withdrawn' THEN finished_at END,
       (jsonb_build_array(jsonb_build_object('type', 'started', 'at', received_at,
                                             'amount', (%(p_amount)s::text[])[pi], 'unit', (%(p_unit)s::text[])[pi]))
        || CASE WHEN sup AND (finished_at IS NULL OR finished_at > restarted_at) THEN jsonb_build_array(
               jsonb_build_object('type', 'paused', 'at', paused_at, 'reason', 'supplement'),
               jsonb_build_object('type', 'restarted', 'at', restarted_at)) ELSE '[]'::jsonb END
        || CASE WHEN finished_at IS NOT NULL THEN jsonb_build_array(jsonb_build_object('type', 'finished',
                                                                                       'at', finished_at))
                ELSE '[]'::jsonb END)::json,
       CASE WHEN sup THEN 1 ELSE 0 END, false, (%(p_dept)s::text[])[pi],
       channel = 2 AND r_pay < 0.3 AND (%(p_fee)s::bool[])[pi], md5(s::text), received_at
FROM fin
"""
"""A year of dossiers of the whole country in one statement. Receipts fall on the working days' half-hour slots
(07:30–16:30), spread evenly over the year; the appointment of each slot and time limit is computed beforehand with
the real calendar (``calendar.deadlines.due_instant``), so ``due_at`` is what the ledger says. The commune is the
floor(3321·u^1.3)-th; ~3% are asked for a supplement (mostly before the first appointment; paused, then restarted
from zero at a later slot, the new appointment stored); ~97% of the finished ones end before their appointment
(0.3–1.03 of the time it gives), ~1.5% are withdrawn, the recent ones partly still open. Finished clocks end with
their ``finished`` event."""

_END = "coalesce(d.processed_at, d.returned_at, d.ended_at)"
_MONTH = "date_trunc('month', d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
#: The end of the dossier's month of receipt (or now, in the current month): an open dossier is judged there.
_MONTH_END = (f"least(({_MONTH} + interval '1 month')::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh', "
              "%(now)s::timestamptz)")
#: The instant compared with the appointment: the end of processing, or the period's end if it ends later.
_JUDGED = f"least(coalesce({_END}, {_MONTH_END}), {_MONTH_END})"

CONTRIBUTIONS_SQL = f"""
INSERT INTO index_contribution (dossier_id, month, province_code, commune_code, procedure_code, department, received,
    counted, on_time, open_at_end, reason, judged_at, due_at, late_hours, late_step, late_body, supplement_requests,
    explanation, online_by_citizen, online_assisted, with_fee, paid_online)
SELECT d.id, {_MONTH}, d.province_code, d.deciding_commune_code, d.procedure_code, v.handling_department, true, true,
       {_JUDGED} <= d.due_at, {_END} IS NULL OR {_END} >= {_MONTH_END},
       CASE WHEN {_JUDGED} <= d.due_at THEN 'finished_on_time' ELSE 'finished_late' END,
       {_JUDGED}, d.due_at,
       greatest(0, extract(epoch FROM {_JUDGED} - d.due_at) / 3600)::numeric(10, 2),
       NULL, NULL, 0, '', d.channel = 2 AND d.filed_by = 'citizen', d.channel = 2 AND d.filed_by <> 'citizen',
       (%(fee_versions)s::int[]) @> ARRAY[d.procedure_version_id], d.paid_online
FROM dossier d JOIN procedure_version v ON v.id = d.procedure_version_id
"""
"""One contribution per dossier, in its month of receipt, judged by the baseline's rule (see the module doc)."""

ROLLUP_SQL = """
INSERT INTO index_rollup (month, commune_code, procedure_code, department, province_code, received, counted, on_time,
    online_by_citizen, online_assisted, with_fee, paid_online, ended, ended_on_time)
SELECT month, commune_code, procedure_code, department, min(province_code), count(*) FILTER (WHERE received),
       count(*) FILTER (WHERE counted), count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE online_by_citizen),
       count(*) FILTER (WHERE online_assisted), count(*) FILTER (WHERE with_fee), count(*) FILTER (WHERE paid_online),
       count(*) FILTER (WHERE NOT open_at_end), count(*) FILTER (WHERE NOT open_at_end AND on_time)
FROM index_contribution GROUP BY month, commune_code, procedure_code, department;
INSERT INTO index_rollup_commune (month, commune_code, province_code, received, counted, on_time, online_by_citizen,
    online_assisted, with_fee, paid_online, ended, ended_on_time)
SELECT month, commune_code, min(province_code), sum(received), sum(counted), sum(on_time), sum(online_by_citizen),
       sum(online_assisted), sum(with_fee), sum(paid_online), sum(ended), sum(ended_on_time)
FROM index_rollup GROUP BY month, commune_code
"""

NAIVE_SQL = f"""
SELECT d.deciding_commune_code AS commune, count(*) AS received, count(*) AS counted,
       count(*) FILTER (WHERE least(coalesce({_END}, %(end)s), %(end)s) <= d.due_at) AS on_time,
       count(*) FILTER (WHERE d.channel = 2 AND d.filed_by = 'citizen') AS online_by_citizen,
       count(*) FILTER (WHERE d.channel = 2 AND d.filed_by <> 'citizen') AS online_assisted,
       count(*) FILTER (WHERE v.id = ANY(%(fee_versions)s)) AS with_fee,
       count(*) FILTER (WHERE d.paid_online) AS paid_online
FROM dossier d JOIN procedure_version v ON v.id = d.procedure_version_id
WHERE d.received_at >= %(start)s AND d.received_at < %(end)s {{where}}
GROUP BY d.deciding_commune_code
"""
"""The naive way: the counters of a month straight from the dossiers, grouped by commune."""


@dataclass(frozen=True)
class Sizes:
    rows: int
    samples: int
    fold_sample: int


FULL = Sizes(10_000_000, 40, 20_000)
QUICK = Sizes(300_000, 15, 3_000)


def seed(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        sync_units(session, data=load_units_file())
        import_catalogue(session, actor=SYSTEM, catalogue=load_shipped(), now=now, source="shipped")
        create_officer(session, actor=SYSTEM, now=now, data=OfficerCreate(
            username=MONITOR, full_name="Hoàng Thu Trang", password=PASSWORD, province_code=PROVINCE,
            commune_code=None, roles=[Role.PROVINCE_MONITOR]))
    engine.dispose()


def fee_versions(conn: psycopg.Connection[Any]) -> list[int]:
    rows = conn.execute("SELECT id, data FROM procedure_version").fetchall()
    return [i for i, data in rows if sum(int(f.get("amount_vnd", 0)) for f in data.get("fees", [])) > 0]


def appointments(now: datetime, limits: list[tuple[Decimal, str]]) -> tuple[list[datetime], list[tuple[Decimal, str]],
                                                                          list[datetime]]:
    """The receipt slots of the past year (every half hour of the working days' office hours, before ``now``), the
    distinct time limits, and the appointment of each (slot, limit), slot-major: what ``due_instant`` gives with the
    shipped national calendar and the default hours (the bench records no announcement)."""
    calendar, hours = build_calendar(PROVINCE, ()), DEFAULT_WORKING_HOURS
    times = [dt_time(7 + (30 + 30 * i) // 60, (30 + 30 * i) % 60) for i in range(8)]
    times += [dt_time(13 + (30 * i) // 60, (30 * i) % 60) for i in range(8)]
    today = to_vietnam_time(now).date()
    slots = [datetime.combine(day, t, tzinfo=VIETNAM_TZ).astimezone(UTC)
             for day in (today - timedelta(days=365 - i) for i in range(366)) if calendar.is_workday(day)
             for t in times]
    slots = [slot for slot in slots if slot < now]
    kinds = sorted(set(limits))
    dues = [due_instant(slot, TimeLimit(amount, unit), calendar, hours) for slot in slots for amount, unit in kinds]
    return slots, kinds, dues


def bulk_load(db: BenchDatabase, rows: int, now: datetime) -> float:
    """The dossiers, their contributions and the rollups; indexes dropped and rebuilt around the load."""
    start = time.perf_counter()
    with psycopg.connect(db.libpq_url) as conn:
        communes = conn.execute("SELECT code, province_code FROM commune ORDER BY code").fetchall()
        procedures = conn.execute(
            "SELECT v.id, p.code, p.name, v.handling_department, v.time_limit_amount, v.time_limit_unit "
            "FROM procedure_version v JOIN procedure p ON p.id = v.procedure_id ORDER BY v.id").fetchall()
        fees = fee_versions(conn)
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        conn.execute("SET LOCAL synchronous_commit = off")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ('dossier', 'index_contribution')"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SELECT setseed(0.766)")
        slots, kinds, dues = appointments(now, [(p[4], p[5]) for p in procedures])
        log(f"loading {rows:,} dossiers")
        conn.execute(LOAD_SQL, {
            "n": rows, "now": now, "nslots": len(slots), "slot_at": slots, "nk": len(kinds), "due": dues,
            "p_kind": [kinds.index((p[4], p[5])) + 1 for p in procedures], "p_sup": SUPPLEMENTED,
            "nc": len(communes), "c_code": [c[0] for c in communes], "c_prov": [c[1] for c in communes],
            "np": len(procedures), "p_id": [p[0] for p in procedures], "p_code": [p[1] for p in procedures],
            "p_name": [p[2] for p in procedures], "p_dept": [p[3] for p in procedures],
            "p_amount": [str(p[4]) for p in procedures], "p_unit": [p[5] for p in procedures],
            "p_fee": [p[0] in fees for p in procedures],
        })
        log("contributions and rollups")
        conn.execute(CONTRIBUTIONS_SQL, {"now": now, "fee_versions": fees})
        conn.execute(ROLLUP_SQL)
        log("indexes")
        for _, definition in indexes:
            conn.execute(definition)
        conn.commit()
    with psycopg.connect(db.libpq_url, autocommit=True) as conn:
        log("VACUUM ANALYZE")
        conn.execute("VACUUM (ANALYZE) dossier, index_contribution, index_rollup, index_rollup_commune")
    return time.perf_counter() - start


def reload_rollups(db: BenchDatabase, now: datetime) -> None:
    """A kept database's contributions and rollups as the load made them (a run ends with the rebuild, which judges
    open dossiers at its own instant, where the naive baseline ends them at the month's end)."""
    with psycopg.connect(db.libpq_url) as conn:
        conn.execute("TRUNCATE index_contribution, index_rollup, index_rollup_commune")
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute(CONTRIBUTIONS_SQL, {"now": now, "fee_versions": fee_versions(conn)})
        conn.execute(ROLLUP_SQL)
        conn.commit()
    with psycopg.connect(db.libpq_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) index_contribution, index_rollup, index_rollup_commune")


def contributions_of(session: Session, ids: list[int]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Every column of the contributions of ``ids``, keyed by (dossier, month)."""
    table = IndexContribution.__table__
    rows = {}
    for i in range(0, len(ids), 5000):
        for row in session.execute(select(table).where(table.c.dossier_id.in_(ids[i:i + 5000]))):
            rows[(row.dossier_id, row.month)] = tuple(row)
    return rows


def naive(conn: psycopg.Connection[Any], period: Period, fees: list[int], now: datetime,
          province: str | None) -> dict[str, DossierCounters]:
    sql = NAIVE_SQL.replace("{where}", "AND d.province_code = %(province)s" if province else "")
    rows = conn.execute(sql, {"start": period.start_instant, "end": min(period.end_instant, now),
                              "fee_versions": fees, "province": province}).fetchall()
    return {r[0]: DossierCounters(*[int(x) for x in r[1:]]) for r in rows}


@dataclass
class Results:
    rows: int = 0
    load_s: float = 0.0
    ranking_ms: list[float] | None = None
    naive_ms: list[float] | None = None
    full_ranking_ms: list[float] | None = None  # warm: served from the cache
    full_ranking_cold_ms: list[float] | None = None
    six_ranking_ms: list[float] | None = None
    six_ranking_reference_ms: list[float] | None = None
    page_ms: list[float] | None = None  # warm
    page_cold_ms: list[float] | None = None  # after a fold of the month shown
    page_all_cold_ms: list[float] | None = None  # after a rebuild: every score recomputed
    full_ranking_all_cold_ms: list[float] | None = None
    page_status: int = 0
    page_groups: str = ""
    render_ms: list[float] | None = None
    all_ms: list[float] | None = None
    all_reference_ms: list[float] | None = None
    all_naive_ms: list[float] | None = None
    fold_rate: float = 0.0
    communes_scored: int = 0
    rebuild_s: float = 0.0
    rebuild_sql: int = 0
    rebuild_python: int = 0
    rebuild_phases: tuple[float, float, float] = (0.0, 0.0, 0.0)


# ------------------------------------------------------------------------------ sections 1-3: scoring


#: The CPU time this process spent per call (p50, ms), by the list of wall times it was measured with: on a
#: shared machine the wall time of Python-bound work also counts the time other processes held the cores.
CPU_MS: dict[int, float] = {}


def timed_cold(fn: Callable[[], object], samples: int, before: Callable[[], object] | None = None) -> list[float]:
    """Like ``timed``, with ``before`` run (untimed) before each call; the CPU time is kept in ``CPU_MS``."""
    out, cpu = [], []
    for _ in range(samples):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - start_cpu) * 1e3)
        out.append((time.perf_counter() - start) * 1e3)
    CPU_MS[id(out)] = pct(cpu, 50)
    return out


def _pairs(ind: Indicator) -> list[tuple[str, str]]:
    """The (part, whole) counters an indicator divides."""
    roles = dict(ind.counters)
    pairs = {"satisfaction_5_4": [("on_time", "counted"), ("dissatisfied", "ratings")],
             "online_payment": [("paid", "owed"), ("procedures_paid", "fee_bearing"),
                                ("procedures_with_fee_dossiers", "fee_bearing")],
             "satisfaction_by_dossier": [("unsatisfactory", "handled")], "unallocated": []
             }.get(ind.kind, [("numerator", "denominator")])
    out = [(roles[a], roles[b]) for a, b in pairs]
    if ind.sync_factor is not None:
        out.append((ind.sync_factor.numerator, ind.sync_factor.denominator))
    return out


def external_for(metric_set: MetricSet, c: DossierCounters, catalogue: CatalogueCounters) -> dict[str, int]:
    """Plausible counters for every source motcua does not collect yet, from the commune's own: a whole is its
    dossiers received, a part 60–96% of its whole (names from the definitions: counters added to the rollups later
    are read from them instead)."""
    known: dict[str, int] = {**c.__dict__, **catalogue.__dict__,
                             "online": c.online_by_citizen + c.online_assisted}
    share = 60 + c.received % 37
    out: dict[str, int] = {}
    for ind in metric_set.indicators:
        for part, whole in _pairs(ind):
            if whole not in known:
                out.setdefault(whole, c.received)
            if part not in known:
                out.setdefault(part, out.get(whole, known.get(whole, 0)) * share // 100)
    return {name: value for name, value in out.items() if name in COUNTER_SOURCES}


EVERY_SOURCE = frozenset(ALL_SOURCES) - {"none"}


def six_group_ranking(session: Session, period: Period, metric_set: MetricSet, catalogue: CatalogueCounters,
                      communes: list[str], external: dict[Any, dict[str, dict[str, int]]], lean: bool) -> int:
    """``province_ranking``'s work with all six groups live: both periods scored and ranked (by total and by
    group), the period's 148 display cards built. ``lean``: ``index.fastscore``; else ``score.score`` for each."""
    zero = DossierCounters.zero()
    plan = plan_for(metric_set, EVERY_SOURCE)
    for p in (period, period.previous()):
        by_commune = rollup_counters(session, PROVINCE, p)
        scored = [c for c in communes if by_commune.get(c, zero).counted]
        if lean:
            cards = plan.cards(by_commune, catalogue, external[p.value], keys=communes)
            rank_cards(cards, scored)
            if p is period:
                for code in communes:
                    cards[code].scorecard()
        else:
            ref = {c: score(metric_set, by_commune.get(c, zero), catalogue, EVERY_SOURCE, external[p.value].get(c))
                   for c in communes}
            competition_ranks({c: share_order(ref[c].total) for c in scored})
            for g in metric_set.groups:
                competition_ranks({c: share_order(ref[c].group(g.code).total) for c in scored})
    return len(communes)


def measure_scoring(res: Results, session: Session, conn: psycopg.Connection[Any], month: Period, fees: list[int],
                    now: datetime, samples: int) -> None:
    """Sections 1 and 3 (the naive baselines are measured by the caller)."""
    monitor = Principal(kind="officer", id=None, name=MONITOR, province_code=PROVINCE, commune_code=None,
                        roles=frozenset({Role.PROVINCE_MONITOR}))

    def changed() -> None:  # what the fold marks when its deltas move the province's rollups of the month shown
        mark_months_changed(session, [(PROVINCE, month.start)])
        session.commit()

    def everything() -> None:  # what the rebuild marks
        mark_rollups_changed(session)
        session.commit()

    res.full_ranking_all_cold_ms = timed_cold(lambda: province_ranking(session, monitor, PROVINCE, month), samples,
                                              everything)
    res.full_ranking_cold_ms = timed_cold(lambda: province_ranking(session, monitor, PROVINCE, month), samples,
                                          changed)
    changed()
    province_ranking(session, monitor, PROVINCE, month)
    res.full_ranking_ms = timed_cold(lambda: province_ranking(session, monitor, PROVINCE, month), samples)

    six = metric_set_by_id(SIX_GROUPS)
    catalogue = catalogue_counters(session, month.start)
    communes = list(session.scalars(select(Commune.code).where(Commune.province_code == PROVINCE)))
    zero = DossierCounters.zero()
    external = {p.value: {c: external_for(six, by_commune.get(c, zero), catalogue) for c in communes}
                for p, by_commune in ((p, rollup_counters(session, PROVINCE, p)) for p in (month, month.previous()))}
    sample = next(c for c in communes if c in rollup_counters(session, PROVINCE, month))
    card = score(six, rollup_counters(session, PROVINCE, month)[sample], catalogue, EVERY_SOURCE,
                 external[month.value][sample])
    live = [g.code for g in card.groups if g.total.attainable]
    if len(live) != len(six.groups):
        raise BenchError(f"only {live} of the six groups are scored with every source")
    res.six_ranking_ms = timed_cold(lambda: six_group_ranking(session, month, six, catalogue, communes, external, True),
                               samples)
    res.six_ranking_reference_ms = timed_cold(
        lambda: six_group_ranking(session, month, six, catalogue, communes, external, False), max(3, samples // 5))

    everywhere = {c: external_for(six, counters, catalogue)
                  for c, counters in rollup_counters(session, None, month).items()}
    plan = plan_for(six, EVERY_SOURCE)

    def all_communes(lean: bool) -> int:
        by_commune = rollup_counters(session, None, month)  # every commune of the country, one query
        if lean:
            return len(plan.cards(by_commune, catalogue, everywhere))
        return len([score(six, c, catalogue, EVERY_SOURCE, everywhere[k]) for k, c in by_commune.items()])

    res.communes_scored = all_communes(True)
    res.all_ms = timed_cold(lambda: all_communes(True), max(3, samples // 2))
    res.all_reference_ms = timed_cold(lambda: all_communes(False), 3)


def measure_render(res: Results, session: Session, month: Period, samples: int) -> None:
    """The province page's template rendered in this process (the dashboard computed once)."""
    monitor = Principal(kind="officer", id=None, name=MONITOR, province_code=PROVINCE, commune_code=None,
                        roles=frozenset({Role.PROVINCE_MONITOR}))
    dash = province_dashboard(session, monitor, month)
    res.page_groups = (f"{sum(1 for g in dash.card.groups if g.total.attainable)} of {len(dash.card.groups)} "
                       f"groups scored ({dash.ranking.metric_set.id}, sources {', '.join(sorted(SOURCES))})")
    request = Request({"type": "http", "method": "GET", "path": "/index", "query_string": b"", "headers": [],
                       "state": {"lang": "vi", "principal": monitor}})
    context = {"choices": recent_periods(month.end), "error": None, "dash": dash, "period_value": month.value,
               "charts": province_charts(dash), "sort_value": sort_value,
               "table": ranking_table(dash.ranking, sort=None, direction=None, q=None)}
    res.render_ms = timed_cold(lambda: render(request, "index_province.html", context), samples)


def reused(name: str) -> BenchDatabase:
    """A database an earlier run kept (``--keep-db``), brought to the current migrations."""
    db = BenchDatabase("postgresql", PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name)
    upgrade(db.url)
    return db


def run(sizes: Sizes, keep: bool, reuse: str | None = None) -> Results:
    res = Results(rows=sizes.rows)
    now = datetime.now(UTC)
    today = now.date()
    month = parse_period(None, today).previous()  # the last full month
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-index-"))
    db = reused(reuse) if reuse else BenchDatabase.create("postgresql", workdir)
    keep = keep or bool(reuse)
    try:
        if reuse:
            with psycopg.connect(db.libpq_url) as conn:
                res.rows = int(conn.execute("SELECT count(*) FROM dossier").fetchone()[0])  # type: ignore[index]
            log(f"database {db.name} reused: {res.rows:,} dossiers; contributions and rollups as loaded")
            reload_rollups(db, now)
            log(f"ranking {month.label}")
        else:
            log(f"database {db.name}: migrate, 34 provinces, catalogue")
            seed(db.url)
            res.load_s = bulk_load(db, sizes.rows, now)
            log(f"{sizes.rows:,} dossiers ready in {res.load_s:.0f} s; ranking {month.label}")
        engine = make_engine(db.url)
        factory = make_session_factory(engine)
        with psycopg.connect(db.libpq_url, autocommit=True) as conn, factory() as session:
            fees = fee_versions(conn)
            expected = naive(conn, month, fees, now, PROVINCE)
            got = rollup_counters(session, PROVINCE, month)
            if {k: v for k, v in got.items() if v.counted} != expected:
                raise BenchError("the rollups and the naive GROUP BY disagree for the province")
            res.naive_ms = timed(lambda: naive(conn, month, fees, now, PROVINCE), sizes.samples)
            res.ranking_ms = timed_cold(lambda: rollup_counters(session, PROVINCE, month), sizes.samples)
            res.all_naive_ms = timed(lambda: naive(conn, month, fees, now, None), max(3, sizes.samples // 2))
            log("scoring: the province's ranking, every commune's month")
            measure_scoring(res, session, conn, month, fees, now, sizes.samples)
            measure_render(res, session, month, sizes.samples)

            # 4. the fold on a sample spread over the whole year and country, its rows kept to compare
            every = max(1, res.rows // sizes.fold_sample)
            sample = session.scalars(select(Dossier.id).where(Dossier.id % every == 0).order_by(Dossier.id)
                                     .limit(sizes.fold_sample)).all()
            log(f"folding {len(sample):,} dossiers with the real fold")
            start = time.perf_counter()
            for i in range(0, len(sample), 2000):
                fold_dossiers(session, sample[i:i + 2000], now)
            res.fold_rate = len(sample) / (time.perf_counter() - start)
            folded = contributions_of(session, sample)
            session.rollback()
        engine.dispose()
        log("the province dashboard through the real server")
        with serve(db.url, 2, workdir) as server, httpx.Client(base_url=server.base, timeout=60) as http:
            from intake import _CSRF

            form = _CSRF.search(http.get("/login").text)
            if form is None:
                raise BenchError("no CSRF field on /login")
            http.post("/login", data={"username": MONITOR, "password": PASSWORD, "csrf_token": form.group(1),
                                      "next": "/home"})
            path = f"/index?period={month.value}"
            res.page_status = http.get(path).status_code
            if res.page_status == 200:
                engine = make_engine(db.url)
                with Session(engine) as marking:
                    def changed() -> None:
                        mark_months_changed(marking, [(PROVINCE, month.start)])
                        marking.commit()

                    def everything() -> None:
                        mark_rollups_changed(marking)
                        marking.commit()

                    res.page_all_cold_ms = timed_cold(lambda: http.get(path).raise_for_status(), sizes.samples,
                                                      everything)
                    for _ in range(4):  # each worker process fills its own cache of the other months
                        http.get(path).raise_for_status()
                    res.page_cold_ms = timed_cold(lambda: http.get(path).raise_for_status(), sizes.samples, changed)
                    CPU_MS.pop(id(res.page_cold_ms), None)  # the client's CPU, not the server's
                    CPU_MS.pop(id(res.page_all_cold_ms), None)
                    changed()
                for _ in range(4):  # each worker process fills its own cache
                    http.get(path).raise_for_status()
                res.page_ms = timed(lambda: http.get(path).raise_for_status(), sizes.samples)
                engine.dispose()
        log(f"the set-based rebuild of all {res.rows:,} dossiers (index.rebuild)")
        engine = make_engine(db.url)
        factory = make_session_factory(engine)
        start = time.perf_counter()
        with factory.begin() as session:
            rebuilt = rebuild_index(session, now)
        with factory.begin() as session:
            validate_after_rebuild(session)  # as `motcua index rebuild` does after its commit
        res.rebuild_s = time.perf_counter() - start  # the commit and the foreign key's validation included
        res.rebuild_sql, res.rebuild_python = rebuilt.dossiers_sql, rebuilt.dossiers_python
        res.rebuild_phases = rebuilt.seconds
        with factory() as session:
            if contributions_of(session, sample) != folded:
                raise BenchError("the set-based rebuild and the fold disagree on the sample's contributions")
        engine.dispose()
    finally:
        if not keep:
            db.drop()
    return res


def report(r: Results, month_label: str) -> None:
    def row(label: str, values: list[float] | None, base: float | None = None) -> None:
        if not values:
            return
        ratio = f"{base / pct(values, 50):>9.1f}x" if base else f"{'':>10}"
        cpu = f"{CPU_MS[id(values)]:>9.1f}" if id(values) in CPU_MS else ""
        print(f"  {label:<62} {len(values):>4} {pct(values, 50):>9.1f} {pct(values, 95):>9.1f} {ratio} {cpu}")

    loaded = f"loaded, rolled up and analysed in {r.load_s:.0f} s" if r.load_s else "a kept database, reused"
    print(f"index: {r.rows:,} dossiers of 3,321 communes in PostgreSQL ({loaded}); {month_label}, Phú Thọ's 148 "
          "communes")
    print(f"  {'what':<62} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'faster':>10} {'cpu p50':>9}")
    naive_p50 = pct(r.naive_ms or [0.0], 50)
    row("baseline: naive GROUP BY over the province's dossiers", r.naive_ms)
    row("ranking counters from the rollups (rollup_counters)", r.ranking_ms, naive_p50)
    row("province_ranking after a rebuild (every score recomputed)", r.full_ranking_all_cold_ms, naive_p50)
    row("province_ranking cold (a fold of the month before each call)", r.full_ranking_cold_ms, naive_p50)
    row("province_ranking warm (served from index.cache)", r.full_ranking_ms, naive_p50)
    row("ranking with all six groups live, lean (index.fastscore)", r.six_ranking_ms, naive_p50)
    row("ranking with all six groups live, reference (score.score)", r.six_ranking_reference_ms, naive_p50)
    ratio = naive_p50 / pct(r.ranking_ms or [1.0], 50)
    print(f"  target >= {RANKING_RATIO_TARGET:.0f}x faster than the naive GROUP BY: "
          f"{'met' if ratio >= RANKING_RATIO_TARGET else 'NOT met'} ({ratio:.0f}x)")
    if r.page_ms and r.page_cold_ms:
        row("GET /index after a rebuild (every score recomputed)", r.page_all_cold_ms)
        row("GET /index cold (a fold of the month shown before each)", r.page_cold_ms)
        row("GET /index warm (the province dashboard, HTML, 2 workers)", r.page_ms)
        for label, values in (("cold", r.page_cold_ms), ("warm", r.page_ms)):
            p95 = pct(values, 95)
            print(f"  target p95 < {DASHBOARD_TARGET_MS:.0f} ms ({label}): "
                  f"{'met' if p95 < DASHBOARD_TARGET_MS else 'NOT met'} ({p95:.1f} ms)")
    else:
        print(f"  GET /index answered HTTP {r.page_status}: the dashboard was not timed")
    row("  of which the template, rendered in this process", r.render_ms)
    print(f"  the page: {r.page_groups}")
    all_naive = pct(r.all_naive_ms or [0.0], 50)
    row("baseline: naive GROUP BY over the month's dossiers, all communes", r.all_naive_ms)
    row(f"month's index, all communes, six groups, lean ({r.communes_scored:,})", r.all_ms, all_naive)
    row("month's index, all communes, six groups, reference score()", r.all_reference_ms, all_naive)
    if r.all_ms:
        p50 = pct(r.all_ms, 50)
        print(f"  target < {ALL_COMMUNES_TARGET_MS:.0f} ms: {'met' if p50 < ALL_COMMUNES_TARGET_MS else 'NOT met'} "
              f"({p50:.1f} ms p50, {pct(r.all_ms, 95):.1f} ms p95; "
              f"this process's CPU {CPU_MS.get(id(r.all_ms), 0):.1f} ms p50)")
    fold_s = r.rows / max(r.fold_rate, 1)
    print(f"  fold (ledger replayed, contributions and rollups rewritten): {r.fold_rate:,.0f} dossiers/s; a full "
          f"rebuild of {r.rows:,} would take {fold_s / 60:.1f} min on one core")
    if r.rebuild_s:
        ratio = fold_s / r.rebuild_s
        print(f"  set-based rebuild (index.rebuild) of all {r.rows:,}: {r.rebuild_s:.1f} s "
              f"({r.rebuild_sql:,} judged in SQL, {r.rebuild_python:,} by the fold's judge; "
              f"{r.rows / r.rebuild_s:,.0f} dossiers/s), {ratio:.1f}x faster than the fold")
        sql_s, python_s, rollups_s = r.rebuild_phases
        print(f"    of which: SQL path {sql_s:.1f} s, Python path {python_s:.1f} s "
              f"({r.rebuild_python / max(python_s, 1e-9):,.0f} dossiers/s), rollups {rollups_s:.1f} s, "
              f"commit {r.rebuild_s - sql_s - python_s - rollups_s:.1f} s")
        print(f"  target >= {REBUILD_RATIO_TARGET:.0f}x: {'met' if ratio >= REBUILD_RATIO_TARGET else 'NOT met'} "
              f"({ratio:.1f}x); the sample's contributions are identical to the fold's")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 300,000 dossiers")
    parser.add_argument("--rows", type=int, help="dossiers to load (default 10,000,000)")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database (its name is printed)")
    parser.add_argument("--reuse-db", metavar="NAME", help="measure again on a database kept by --keep-db (the "
                        "same month), skipping the load; it is migrated first and kept")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.rows:
        sizes = Sizes(args.rows, sizes.samples, sizes.fold_sample)
    tune_garbage_collector()  # as every server process does (motcua.asgi): the in-process timings are the server's
    started = time.perf_counter()
    try:
        results = run(sizes, args.keep_db, args.reuse_db)
    except BenchError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    report(results, parse_period(None, datetime.now(UTC).date()).previous().label)
    print(f"({time.perf_counter() - started:.0f} s on {len(__import__('os').sched_getaffinity(0))} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
