"""A full rebuild of the service index, set-based: what ``motcua index rebuild`` runs.

The fold (``index.tasks.fold_dossiers``) judges one dossier at a time in Python — its clock ledger replayed, every
month judged, the rollups moved by deltas — about 3,000 dossiers a second: an hour for ten million. Applying a new
version of the definitions to a year of a country's dossiers needs minutes, so the rebuild splits the dossiers in
two and writes the same ``index_contribution`` rows the fold would:

* **The SQL path** — dossiers whose every monthly judgement is decided exactly by stored columns (``_sql_path``):
  the clock started (first event ``started``), was never paused for a fee nor extended, and either never moved
  (``due_at`` = ``original_due_at``) or — on PostgreSQL, which reads the clock JSON's instants to the microsecond —
  was asked for one supplement within the first appointment, completed by now, and processing did not end while
  waiting; the instant judged last (end of processing, or now) is not after ``due_at``. So every month is on time
  for the citizen (judged at the end of processing, the month's end, or the request while waiting), with no
  working-time lateness, no overrun step and one of three explanations; the portal's verdict subtracts the wait in
  wall-clock time. Their contributions are one ``INSERT … SELECT`` (PostgreSQL: ``generate_series`` of the months
  of each dossier) or one per month offset from the month of receipt (SQLite: 0, 1, 2, … until one adds nothing).
* **The Python path** — every other started dossier (late, supplemented twice or not within time, paused for a
  fee, extended, or whose stored due may be stale, see below) is judged by the fold's own judge
  (``index.tasks.judge_dossiers``) in batches and bulk-inserted: typically a few percent of the dossiers.

Then both rollups are rebuilt from ``index_contribution`` with one ``INSERT … SELECT … GROUP BY`` each.

Stale stored dues. The fold replays the ledger against the province's *current* calendar and working hours; the
stored ``due_at`` was derived when the dossier last changed. They differ only if the calendar or the hours changed
meanwhile: an announcement recorded after the receipt for a day between the receipt and the due date, or the
province's hours changed after the receipt — such dossiers take the Python path. (An open dossier's due is
re-derived by ``dossier.actions.recompute_due_dates`` anyway, which leaves ``due_at`` ≠ ``original_due_at``.) A
withdrawn announcement or a change of the shipped national calendar is not visible in the tables: after one,
``rebuild_index(…, python_only=True)`` (``motcua index rebuild --python``) judges every dossier in Python.

Where it writes. SQLite empties the three tables and fills them again. PostgreSQL fills bare copies (no index, key
or foreign key to maintain row by row, no old rows to delete) and swaps them in at the end with the originals'
indexes, keys and grants (``_Shadows``); the foreign key to the dossiers is validated after the commit
(``validate_after_rebuild``, which ``motcua index rebuild`` runs).

Concurrency. It runs in the caller's transaction, which it keeps to the end (readers see the previous index until
the commit: there is never a half-built ranking) and holds the fold's advisory lock on PostgreSQL (SQLite serialises
writers), so the worker never folds during a rebuild. The queue rows present when it starts are removed — their
dossiers are judged by the rebuild — and any row queued meanwhile by an action stays: that dossier is folded again
after the rebuild, whatever the rebuild read of it. A dossier is judged by one path only: the Python path skips a
dossier that already has contributions.

``RECEIVED_MONTH_FLAGS`` holds, for every column counted in the month of receipt only, its SQL expression; a
column added to ``index_contribution`` without its SQL makes the equivalence test (tests/index/test_rebuild.py)
fail.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import column, delete, func, insert, select, text
from sqlalchemy import table as table_of
from sqlalchemy.orm import Session

from motcua.catalog.models import ProcedureVersion
from motcua.index.cache import mark_rollups_changed
from motcua.index.facts import VersionFacts, month_of
from motcua.index.models import ROLLUP_COLUMNS, ROLLUP_COUNTERS, IndexContribution, IndexPending
from motcua.index.tasks import FOLD_LOCK, judge_dossiers, set_state
from motcua.kit.clock import as_utc

PYTHON_BATCH = 5000
"""Dossiers judged in Python per batch (one SELECT, one bulk INSERT)."""

RECEIVED_MONTH_FLAGS: dict[str, str] = {
    "online_by_citizen": "d.channel = 2 AND d.filed_by = 'citizen'",
    "online_assisted": "d.channel = 2 AND d.filed_by <> 'citizen'",
    "with_fee": "{has_fee}",
    "paid_online": "{has_fee} AND d.paid_online",
    "owed_fee": "d.owed_fee_vnd > 0",
    "owed_fee_paid_online": "d.owed_fee_vnd > 0 AND d.paid_online",
    "digitised": "{has_inputs} AND (d.processed_at IS NULL OR {has_result})",
    "vneid_verified": "d.identity_verified",
    "reused_from_store": "{has_reused}",
    "linked_to_store": ("((d.applicant_kind = 'person' AND d.id_number IS NOT NULL) OR d.citizen_id IS NOT NULL) "
                        "AND ({has_inputs} OR {has_result})"),
}
"""Columns counted in the month of receipt only (``index.facts.contribution_rows``, ``version_2_flags``), as SQL
over the dossier ``d`` and its procedure version ``v``; ``{has_fee}`` is the version's fee (sum of its fees > 0),
computed in Python; ``{has_inputs}`` and ``{has_result}`` whether the dossier stores scanned inputs and a result,
``{has_reused}`` whether an item reuses a document of the citizen's store."""

_HAS_RESULT = "EXISTS (SELECT 1 FROM dossier_document x WHERE x.dossier_id = d.id AND x.kind = 'result')"
_HAS_DIGITAL_RESULT = ("EXISTS (SELECT 1 FROM dossier_document x WHERE x.dossier_id = d.id AND x.kind = 'result' "
                       "AND x.signature = 'digital')")
_HAS_REUSED = ("EXISTS (SELECT 1 FROM dossier_document x WHERE x.dossier_id = d.id "
               "AND x.reused_from_id IS NOT NULL)")
_HAS_INPUTS = ("EXISTS (SELECT 1 FROM dossier_document x WHERE x.dossier_id = d.id "
               "AND x.kind IN ('input', 'supplement'))")
_UNHAPPY = ("EXISTS (SELECT 1 FROM index_dossier_fact f WHERE f.dossier_id = d.id "
            "AND (f.dissatisfied_at IS NOT NULL OR f.feedback_case_at IS NOT NULL))")

ENDED_COUNTERS: dict[str, str] = {
    "ended": "counted AND NOT open_at_end",
    "ended_on_time": "counted AND NOT open_at_end AND on_time",
    "ended_on_time_index": "counted AND NOT open_at_end AND on_time_index",
    "ended_unsatisfactory_dossiers": "counted AND NOT open_at_end AND unsatisfactory_dossiers",
}
"""The rollups' counters of contributions whose processing ended in the month (``index.tasks._counts``)."""


@dataclass(frozen=True)
class RebuildReport:
    dossiers_sql: int
    """Dossiers judged by the SQL path."""
    dossiers_python: int
    """Dossiers judged by the fold's judge, in Python."""
    contributions: int
    pending_kept: int
    """Queue rows left for the worker: dossiers changed while the rebuild ran."""
    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)
    """Time spent on the SQL path (with the deletions), the Python path and the rollups."""


class _Dialect:
    """The few expressions that differ between PostgreSQL and SQLite; ``k`` is the month offset from the month of
    receipt (an SQL expression: PostgreSQL makes one row per month with ``generate_series``, SQLite runs one
    statement per offset). PostgreSQL reads instants in the session's time zone, set to Vietnam time for the
    rebuild; SQLite stores the UTC wall time and Vietnam time is UTC+7 (no daylight saving since 1975)."""

    def __init__(self, name: str) -> None:
        self.pg = name == "postgresql"

    def month(self, k: str) -> str:
        """The first day (a date) of the k-th month after the month of receipt, in Vietnam time."""
        if self.pg:
            return f"(date_trunc('month', d.received_at) + make_interval(months => {k}))::date"
        return f"date(d.received_at, '+7 hours', 'start of month', '+' || ({k}) || ' months')"

    def month_start(self, k: str) -> str:
        """The instant (UTC) the k-th month begins."""
        if self.pg:
            return f"(date_trunc('month', d.received_at) + make_interval(months => {k}))"
        # SQLite stores the UTC wall time with microseconds ('2026-11-23 03:00:00.000000'): compare like with like
        return (f"(datetime(d.received_at, '+7 hours', 'start of month', '+' || ({k}) || ' months', '-7 hours')"
                " || '.000000')")

    def months_between(self, earlier: str, later: str) -> str:
        """Calendar months (Vietnam time) from the month of ``earlier`` to the month of ``later``."""
        return (f"((extract(year FROM {later}) - extract(year FROM {earlier})) * 12"
                f" + extract(month FROM {later}) - extract(month FROM {earlier}))::int")

    def least(self, a: str, b: str) -> str:
        return f"least({a}, {b})" if self.pg else f"min({a}, {b})"

    def first_event_type(self) -> str:
        if self.pg:
            return "coalesce(d.clock_events -> 0 ->> 'type', '')"
        return "coalesce(json_extract(d.clock_events, '$[0].type'), '')"

    def events_text(self) -> str:
        return "d.clock_events::text" if self.pg else "d.clock_events"

    def local_date(self, column: str) -> str:
        return f"{column}::date" if self.pg else f"date({column}, '+7 hours')"

    def vn_text(self, column: str) -> str:
        """``index.judge._vn``: e.g. 17:00 27/11/2026."""
        if self.pg:
            return f"to_char({column}, 'HH24:MI DD/MM/YYYY')"
        return f"strftime('%H:%M %d/%m/%Y', {column}, '+7 hours')"

    def now(self) -> str:
        return "CAST(:now AS timestamptz)" if self.pg else ":now"

    def now_value(self, now: datetime) -> Any:
        return now if self.pg else as_utc(now).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


_END = "coalesce(d.processed_at, d.returned_at, d.ended_at)"
"""End of processing (``index.judge.end_of_processing``)."""


def _source(sql: _Dialect) -> str:
    """The dossiers with their procedure version and, on PostgreSQL, the instants of their supplement request
    (``s.p_at``) and its completion (``s.r_at``) read off the clock (NULL when there is none; ``OFFSET 0`` keeps
    PostgreSQL from reading the JSON once per use)."""
    source = "dossier d JOIN procedure_version v ON v.id = d.procedure_version_id"
    if not sql.pg:
        return f"{source} CROSS JOIN (SELECT NULL AS p_at, NULL AS r_at) s"
    def at(kind: str) -> str:
        return (f"CASE WHEN d.clock_events::text LIKE '%\"{kind}\"%' THEN (jsonb_path_query_first("
                f"d.clock_events::jsonb, '$[*] ? (@.type == \"{kind}\").at') #>> '{{}}')::timestamptz END")
    return f"{source} CROSS JOIN LATERAL (SELECT {at('paused')} AS p_at, {at('restarted')} AS r_at OFFSET 0) s"


def _occurs(sql: _Dialect, word: str) -> str:
    """How many times ``"word"`` occurs in the clock's JSON."""
    events = sql.events_text()
    return f"((length({events}) - length(replace({events}, '\"{word}\"', ''))) / {len(word) + 2})"


def _sql_path(sql: _Dialect) -> str:
    """The dossiers the SQL path judges exactly (see the module doc); a two-valued predicate (never NULL).

    Either the clock never moved (no pause, restart or extension: ``due_at`` = ``original_due_at``) and the last
    instant judged is not after it; or — on PostgreSQL, which reads the JSON's instants exactly — one supplement
    asked within the first appointment and completed by now, no other pause or extension, processing not ended
    while waiting, and the last instant judged not after the appointment the restart gave (``due_at``).
    """
    events = sql.events_text()
    last = _last(sql)
    never_moved = f"""({events} NOT LIKE '%"paused"%' AND {events} NOT LIKE '%"restarted"%'
        AND d.due_at = d.original_due_at)"""
    one_supplement = "(1 = 0)" if not sql.pg else f"""({_occurs(sql, 'paused')} = 1
        AND {_occurs(sql, 'restarted')} = 1 AND {events} NOT LIKE '%"fee"%'
        AND s.p_at <= d.original_due_at AND s.r_at <= {sql.now()} AND s.p_at <= s.r_at
        AND ({_END} IS NULL OR {_END} >= s.r_at))"""
    return f"""(
        {sql.first_event_type()} = 'started'
        AND {events} NOT LIKE '%"resumed"%' AND {events} NOT LIKE '%"extended"%'
        AND d.due_at IS NOT NULL AND d.original_due_at IS NOT NULL AND {last} <= d.due_at
        AND ({never_moved} OR {one_supplement})
        AND NOT EXISTS (SELECT 1 FROM calendar_announcement a
                        WHERE a.scope IN ('national', d.province_code) AND a.recorded_at > d.received_at
                          AND a.day >= {sql.local_date('d.received_at')} AND a.day <= {sql.local_date('d.due_at')})
        AND NOT EXISTS (SELECT 1 FROM province_working_hours h
                        WHERE h.province_code = d.province_code AND h.updated_at > d.received_at)
    )"""  # noqa: S608 — constant SQL


def _last(sql: _Dialect) -> str:
    """The last instant judged: the end of processing, or now for a dossier open now (``index.judge.contributions``)."""
    now = sql.now()
    return f"CASE WHEN {_END} IS NOT NULL AND {_END} <= {now} THEN {_END} ELSE {now} END"


def _contribution_sql(sql: _Dialect, k: int | None, has_fee: str, certified: str = "(1 = 0)",
                      into: str = "index_contribution") -> str:
    """The contributions of the SQL path's dossiers (``index.judge.judge`` for each month of
    ``index.judge.contributions``): on PostgreSQL every month of each (``k`` None), on SQLite the ``k``-th month
    after the month of receipt of each that has one.

    Per month ``[start, end)``: the instant judged is the end of processing if it falls before ``end``, else
    ``end`` (open at the end); one still waiting for the supplement at ``end`` is judged at the request. The due
    instant is the first appointment before the request (and while waiting), the restart's after it; every such
    judgement is on time (``_sql_path``). For the index (the portal's rule) the wait is subtracted in wall-clock
    time from the instant judged before that adjustment, and compared with the first appointment.
    """
    now = sql.now()
    offset = "m.k" if k is None else str(k)
    start = sql.month_start(offset)
    end = sql.least(sql.month_start(f"{offset} + 1"), now)
    finished = f"({_END} IS NOT NULL AND {_END} < {end})"
    judged = f"(CASE WHEN {finished} THEN {_END} ELSE {end} END)"
    waiting = f"(NOT {finished} AND s.p_at IS NOT NULL AND s.p_at <= {end} AND {end} < s.r_at)"
    due = (f"(CASE WHEN s.p_at IS NOT NULL AND ({waiting} OR {judged} < s.p_at) THEN d.original_due_at "
           "ELSE d.due_at END)")
    counted = (f"(CASE WHEN s.p_at IS NOT NULL AND s.p_at <= {judged} "
               f"THEN {judged} - ({sql.least('s.r_at', judged)} - s.p_at) ELSE {judged} END)")
    first = f"({offset} = 0)"
    known = {"has_fee": has_fee, "has_inputs": _HAS_INPUTS, "has_result": _HAS_RESULT, "has_reused": _HAS_REUSED}
    flags = {column: f"({first} AND {expression.format(**known)})"
             for column, expression in RECEIVED_MONTH_FLAGS.items()}
    # version 2's flags judged in the month processing ended (``index.facts.version_2_flags``)
    issued = f"({finished} AND d.processed_at IS NOT NULL)"
    on_time_index = f"({counted} <= d.original_due_at)"
    flags |= {
        "results_issued": issued, "e_results": f"({issued} AND {_HAS_DIGITAL_RESULT})",
        "certified_copies": f"({issued} AND {certified})",
        "e_certified_copies": f"({issued} AND {certified} AND {_HAS_DIGITAL_RESULT})",
        "unsatisfactory_dossiers": f"(NOT {on_time_index} OR {_UNHAPPY})",
    }
    explanation = (f"CASE WHEN {waiting} THEN 'Chờ bổ sung hồ sơ: tính tại thời điểm yêu cầu bổ sung ' || "
                   f"{sql.vn_text('s.p_at')} || ', trong hạn (hạn ' "
                   f"WHEN {finished} THEN 'Hoàn thành đúng hạn (hạn ' "
                   f"ELSE 'Đang giải quyết, còn trong hạn (hạn ' END || {sql.vn_text(due)} || ')'")
    columns = {
        "dossier_id": "d.id", "month": sql.month(offset), "province_code": "d.province_code",
        "commune_code": "d.deciding_commune_code", "procedure_code": "d.procedure_code",
        "department": "v.handling_department", "received": first,
        "counted": "(1 = 1)", "on_time": "(1 = 1)", "on_time_index": on_time_index,
        "open_at_end": f"(NOT {finished})",
        "reason": (f"CASE WHEN {waiting} THEN 'waiting_supplement' WHEN {finished} THEN 'finished_on_time' "
                   "ELSE 'open_within_time' END"),
        "judged_at": f"(CASE WHEN {waiting} THEN s.p_at ELSE {judged} END)", "due_at": due, "late_hours": "0",
        "late_step": "NULL", "late_body": "NULL",
        "supplement_requests": f"(CASE WHEN s.p_at IS NOT NULL AND s.p_at <= {judged} THEN 1 ELSE 0 END)",
        "explanation": explanation, **flags,
    }
    months = ("" if k is not None else
              f"CROSS JOIN LATERAL generate_series(0, {sql.months_between('d.received_at', _last(sql))}) AS m(k)")
    return f"""
        INSERT INTO {into} ({', '.join(columns)})
        SELECT {', '.join(columns.values())}
        FROM {_source(sql)} {months}
        WHERE {_sql_path(sql)}
          AND {start} <= {_last(sql)} AND {start} < {now} AND d.received_at < {end}
          AND ({_END} IS NULL OR {_END} >= {start})
    """  # noqa: S608 — built from constants and integers only; values are bound


def _rollup_sql(table: str, key: Sequence[str], source: str, summed: bool) -> str:
    """One ``INSERT … SELECT … GROUP BY`` of a rollup: from the contributions (count the true flags) or, for the
    commune rollup, from the detailed rollup (sum its counters)."""
    if summed:
        counters = [f"sum({c})" for c in ROLLUP_COLUMNS]
    else:
        flags = {c: c for c in ROLLUP_COUNTERS} | ENDED_COUNTERS
        counters = [f"sum(CASE WHEN {flags[c]} THEN 1 ELSE 0 END)" for c in ROLLUP_COLUMNS]
    return f"""
        INSERT INTO {table} ({', '.join(key)}, province_code, {', '.join(ROLLUP_COLUMNS)})
        SELECT {', '.join(key)}, min(province_code), {', '.join(counters)}
        FROM {source} GROUP BY {', '.join(key)}
    """  # noqa: S608 — table and column names are constants


def _fee_versions(session: Session) -> str:
    """``v.id IN (…)`` for the procedure versions with a fee (``VersionFacts.has_fee``)."""
    return _versions_where(session, lambda facts: facts.has_fee)


def _certified_versions(session: Session) -> str:
    """``v.id IN (…)`` for the versions certifying copies from originals (``VersionFacts.certified_copy``)."""
    return _versions_where(session, lambda facts: facts.certified_copy)


def _versions_where(session: Session, keep: Callable[[VersionFacts], bool]) -> str:
    ids = [row.id for row in session.execute(select(ProcedureVersion.id, ProcedureVersion.handling_department,
                                                    ProcedureVersion.data))
           if keep(VersionFacts.of(row.handling_department, row.data))]
    return f"v.id IN ({', '.join(str(int(i)) for i in ids)})" if ids else "(1 = 0)"


def rebuild_index(session: Session, now: datetime, *, python_only: bool = False,
                  progress: Callable[[int], None] | None = None) -> RebuildReport:
    """Recompute every contribution and both rollups, in the caller's transaction (see the module doc).

    ``python_only`` judges every dossier with the fold's judge (after a change the SQL path cannot see);
    ``progress`` is told how many dossiers each step judged.
    """
    sql = _Dialect(session.get_bind().dialect.name)
    zone = None
    if sql.pg:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FOLD_LOCK})
        zone = session.scalar(text("SELECT current_setting('TimeZone')"))
        session.execute(text("SELECT set_config('TimeZone', 'Asia/Ho_Chi_Minh', true)"))
        # one maintenance transaction: let the GROUP BYs and anti-joins hash in memory rather than sort on disk
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    last_queued = session.scalar(select(func.max(IndexPending.id)))
    if last_queued is not None:
        session.execute(delete(IndexPending).where(IndexPending.id <= last_queued))
    # PostgreSQL writes into bare copies swapped in at the end (``_Shadows``); SQLite empties the tables
    into = _Shadows.create(session) if sql.pg else None
    if into is None:
        for table in reversed(_TABLES):
            session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 — constant names
    written, detailed, by_commune = (_TABLES if into is None else [into.name(t) for t in _TABLES])
    started = time.perf_counter()
    params = {"now": sql.now_value(now)}
    dossiers_sql = 0
    if not python_only:
        has_fee, certified = _fee_versions(session), _certified_versions(session)
        if sql.pg:
            session.execute(text(_contribution_sql(sql, None, has_fee, certified, written)), params)
        else:
            k = 0
            while _rowcount(session.execute(text(_contribution_sql(sql, k, has_fee, certified)), params)):
                k += 1
        dossiers_sql = int(session.scalar(text(
            f"SELECT count(DISTINCT dossier_id) FROM {written}")) or 0)  # noqa: S608 — constant names
        if progress is not None:
            progress(dossiers_sql)
    already = "" if python_only else f"AND NOT {_sql_path(sql)}"
    python_ids = [int(i) for i in session.scalars(text(f"""
        SELECT d.id FROM {_source(sql)}
        WHERE {sql.first_event_type()} = 'started' {already}
          AND NOT EXISTS (SELECT 1 FROM {written} c WHERE c.dossier_id = d.id)
        ORDER BY d.id
    """), params)]  # noqa: S608 — constant SQL, values bound
    contribution = IndexContribution.__table__
    target = table_of(written, *(column(c.name, c.type) for c in contribution.columns))
    sql_done = time.perf_counter()
    for i in range(0, len(python_ids), PYTHON_BATCH):
        batch = python_ids[i:i + PYTHON_BATCH]
        rows = list(judge_dossiers(session, batch, now))
        if rows:
            session.execute(insert(target), rows)
        if progress is not None:
            progress(len(batch))
    python_done = time.perf_counter()
    session.execute(text(_rollup_sql(detailed, ("month", "commune_code", "procedure_code", "department"),
                                     written, summed=False)))
    session.execute(text(_rollup_sql(by_commune, ("month", "commune_code"), detailed, summed=True)))
    if into is not None:
        into.swap(session)
    if zone is not None:
        session.execute(text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})
    set_state(session, "due_sweep", now.isoformat())
    set_state(session, "month", month_of(now).isoformat())
    mark_rollups_changed(session)  # no cached ranking may outlive the rebuild (index.cache)
    contributions = int(session.scalar(select(func.count()).select_from(contribution)) or 0)
    kept = int(session.scalar(select(func.count()).select_from(IndexPending)) or 0)
    return RebuildReport(dossiers_sql, len(python_ids), contributions, kept,
                         (sql_done - started, python_done - sql_done, time.perf_counter() - python_done))


_TABLES = ("index_contribution", "index_rollup", "index_rollup_commune")
_SUFFIX = "__rebuild"


@dataclass(frozen=True)
class _Shadows:
    """PostgreSQL: the rebuild writes into bare copies of the three tables (``…__rebuild``: the columns, defaults,
    NOT NULL and CHECKs, and no index, key or foreign key), then gives them the original tables' indexes and
    constraints — built once over the finished rows rather than maintained row by row, and the foreign key to the
    dossiers added without a check per row — and swaps them in for the originals, which are dropped: no DELETE of
    the old rows, no index maintenance, no key lock per row on the dossiers. All in the caller's transaction: readers
    see the previous tables until the commit, and a rollback leaves them as they were. The swap takes the tables'
    exclusive locks for its last moment only; the grants of the originals are given to the copies.

    The foreign key is added ``NOT VALID`` (its rows come from the dossier table in this very transaction, and
    dossiers are never deleted); ``validate_after_rebuild`` validates it afterwards, in a transaction of its own,
    without blocking writes to the dossiers."""

    names: tuple[str, ...]

    @staticmethod
    def name(table_name: str) -> str:
        return table_name + _SUFFIX

    @classmethod
    def create(cls, session: Session) -> _Shadows:
        for original in _TABLES:
            shadow = cls.name(original)
            session.execute(text(f"DROP TABLE IF EXISTS {shadow}"))
            session.execute(text(f"CREATE TABLE {shadow} (LIKE {original} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                                 " INCLUDING GENERATED)"))
        return cls(_TABLES)

    def swap(self, session: Session) -> None:
        plans = [(original, self._recreate(session, original)) for original in self.names]
        for original, (statements, renames) in plans:
            shadow = self.name(original)
            for statement in statements:
                session.execute(text(statement))
            session.execute(text(f"DROP TABLE {original}"))
            session.execute(text(f"ALTER TABLE {shadow} RENAME TO {original}"))
            for kind, temporary, final in renames:
                if kind == "constraint":
                    session.execute(text(f'ALTER TABLE {original} RENAME CONSTRAINT "{temporary}" TO "{final}"'))
                else:
                    session.execute(text(f'ALTER INDEX "{temporary}" RENAME TO "{final}"'))
            session.execute(text(f"ANALYZE {original}"))

    def _recreate(self, session: Session, original: str) -> tuple[list[str], list[tuple[str, str, str]]]:
        """The statements giving the copy the original's keys, indexes, foreign keys and grants, and the renames
        that give them back their names once the original is dropped."""
        shadow = self.name(original)
        statements: list[str] = []
        renames: list[tuple[str, str, str]] = []
        constraints = session.execute(text(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype DESC, conname"),
            {"t": original}).all()
        backing = set()
        for name, kind, definition in constraints:
            temporary = name + "__rb"
            suffix = " NOT VALID" if kind == "f" else ""
            statements.append(f'ALTER TABLE {shadow} ADD CONSTRAINT "{temporary}" {definition}{suffix}')
            renames.append(("constraint", temporary, name))
            backing.add(name)
        for name, definition in session.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t "
                "ORDER BY indexname"), {"t": original}).all():
            if name in backing:
                continue
            temporary = name + "__rb"
            found = re.match(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) ", definition)
            if found is None:
                raise RuntimeError(f"unexpected index definition of {original}: {definition}")
            created = f'CREATE {found.group(1) or ""}INDEX "{temporary}" ON {shadow} ' + definition[found.end():]
            statements.insert(0, created)  # indexes before the foreign key (which locks the dossiers)
            renames.append(("index", temporary, name))
        statements += [str(grant) for grant in session.scalars(text(
            "SELECT format('GRANT %s ON %I TO %I', privilege_type, CAST(:shadow AS text), grantee) "
            "FROM information_schema.table_privileges WHERE table_schema = current_schema() AND table_name = :t "
            "AND grantee <> (SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = :t)"),
            {"t": original, "shadow": shadow})]
        return statements, renames


def validate_after_rebuild(session: Session) -> None:
    """PostgreSQL: validate the foreign keys the rebuild added ``NOT VALID`` (one scan; it takes no lock that stops
    writes to the dossiers). Call it after the rebuild's commit, in a transaction of its own; harmless anywhere."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table_name, name in session.execute(text(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE NOT convalidated AND contype = 'f' "
            "AND conrelid = ANY(CAST(:tables AS regclass[]))"), {"tables": list(_TABLES)}).all():
        session.execute(text(f'ALTER TABLE {table_name} VALIDATE CONSTRAINT "{name}"'))


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
