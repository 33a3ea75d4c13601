"""The worker's jobs that keep the index current (see ``index.models`` for the design).

* ``fold`` judges the dossiers queued in ``index_pending`` again and applies the difference to the rollups;
* ``sweep`` queues the dossiers whose appointment passed since the last sweep (they became late with no action)
  and, at a month's turn, every open dossier (the closed month must judge it at its end, Decision 766's rule for
  dossiers still open at the end of the period);
* ``rebuild`` queues every dossier (after a change of the rules, or to load existing data).

Folding is idempotent: a dossier folded twice contributes once. Only one fold runs at a time (a PostgreSQL
advisory lock; SQLite serialises writers anyway), so the rollups have a single writer and officers never wait on
them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, text
from sqlalchemy.orm import Session

from motcua.db import dialect_insert
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import OPEN_STATES
from motcua.index.cache import mark_months_changed, mark_province_changed, mark_rollups_changed
from motcua.index.facts import contribution_rows, month_of
from motcua.index.models import (
    ROLLUP_COLUMNS,
    ROLLUP_COUNTERS,
    IndexContribution,
    IndexFeedbackCase,
    IndexPending,
    IndexRollup,
    IndexRollupCommune,
    IndexState,
)
from motcua.index.reading import read_dossiers

FOLD_LOCK = 76_602_022  # PostgreSQL advisory lock key of the fold (Decision 766 of 2022)
ROLLUP_KEY = ("month", "commune_code", "procedure_code", "department")


@dataclass(frozen=True)
class FoldReport:
    dossiers: int
    rows_written: int
    pending_left: bool


def fold(session: Session, now: datetime, batch: int = 2000) -> FoldReport:
    """Fold up to ``batch`` queued dossiers in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql" and not session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": FOLD_LOCK}):
        return FoldReport(0, 0, pending_left=True)  # another worker is folding
    pending = session.execute(select(IndexPending.id, IndexPending.dossier_id).order_by(IndexPending.id)
                              .limit(batch)).all()
    if not pending:
        return FoldReport(0, 0, pending_left=False)
    dossier_ids = sorted({p.dossier_id for p in pending})
    written = fold_dossiers(session, dossier_ids, now)
    # Only the queue rows read: one added meanwhile by an action that committed later is folded next time.
    session.execute(delete(IndexPending).where(IndexPending.id.in_([p.id for p in pending])))
    return FoldReport(len(dossier_ids), written, pending_left=len(pending) == batch)


def fold_dossiers(session: Session, dossier_ids: Sequence[int], now: datetime) -> int:
    """Judge the dossiers again, apply the difference to the rollups and replace their contributions."""
    new_rows = list(judge_dossiers(session, dossier_ids, now))
    contribution = IndexContribution.__table__
    old_rows = [dict(r._mapping) for r in session.execute(
        select(contribution).where(contribution.c.dossier_id.in_(dossier_ids)))]
    deltas: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(ROLLUP_COLUMNS, 0))
    provinces: dict[tuple[Any, ...], str] = {}
    for rows, sign in ((old_rows, -1), (new_rows, 1)):
        for row in rows:
            key = tuple(row[k] for k in ROLLUP_KEY)
            provinces[key] = row["province_code"]
            delta = deltas[key]
            for counter, value in _counts(row).items():
                delta[counter] += sign * value
    changes = [({**dict(zip(ROLLUP_KEY, key, strict=True)), "province_code": provinces[key]}, delta)
               for key, delta in deltas.items() if any(delta.values())]
    # cached scores reading these months are no longer served (index.cache); the other months' stay
    mark_months_changed(session, {(detail["province_code"], detail["month"]) for detail, _ in changes})
    _apply(session, IndexRollup, ROLLUP_KEY, changes)
    by_commune: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(ROLLUP_COLUMNS, 0))
    for detail, delta in changes:
        total = by_commune[(detail["month"], detail["commune_code"], detail["province_code"])]
        for counter in ROLLUP_COLUMNS:
            total[counter] += delta[counter]
    _apply(session, IndexRollupCommune, ("month", "commune_code"),
           [({"month": m, "commune_code": c, "province_code": p}, delta)
            for (m, c, p), delta in by_commune.items() if any(delta.values())])
    session.execute(delete(IndexContribution).where(IndexContribution.dossier_id.in_(dossier_ids)))
    if new_rows:
        session.execute(insert(IndexContribution), new_rows)
    return len(new_rows)


def _counts(row: dict[str, Any]) -> dict[str, int]:
    """What one contribution adds to its rollup row."""
    counts = {counter: int(bool(row[counter])) for counter in ROLLUP_COUNTERS}
    ended = bool(row["counted"]) and not row["open_at_end"]
    counts["ended"] = int(ended)
    counts["ended_on_time"] = int(ended and bool(row["on_time"]))
    counts["ended_on_time_index"] = int(ended and bool(row["on_time_index"]))
    counts["ended_unsatisfactory_dossiers"] = int(ended and bool(row["unsatisfactory_dossiers"]))
    return counts


def judge_dossiers(session: Session, dossier_ids: Sequence[int], now: datetime) -> Iterable[dict[str, Any]]:
    """The contribution rows of these dossiers as they stand at ``now`` (the fold's and the rebuild's judge)."""
    for read in read_dossiers(session, [Dossier.id.in_(dossier_ids)]):
        yield from contribution_rows(read.row, read.version, read.ledger, now)


def _apply(session: Session, model: type[IndexRollup | IndexRollupCommune], key: Sequence[str],
           changes: list[tuple[dict[str, Any], dict[str, int]]]) -> None:
    """Add each delta to its rollup row (created at zero when missing). The caller marks the months changed."""
    if not changes:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    rows = [{**k, **delta} for k, delta in sorted(changes, key=lambda c: tuple(c[0][n] for n in key))]
    upsert = dialect_insert(session, table)
    upsert = upsert.on_conflict_do_update(
        index_elements=list(key),
        set_={c: table.c[c] + upsert.excluded[c] for c in ROLLUP_COLUMNS},
    )
    session.execute(upsert, rows)


# ------------------------------------------------------------------------------------------------ sweeps


def _state(session: Session, key: str) -> str | None:
    return session.scalar(select(IndexState.value).where(IndexState.key == key))


def set_state(session: Session, key: str, value: str) -> None:
    """Keep one of the index's bookmarks (the sweeps' last instant and month)."""
    upsert = dialect_insert(session, IndexState).values(key=key, value=value)
    session.execute(upsert.on_conflict_do_update(index_elements=[IndexState.key], set_={"value": value}))


def _queue_select(session: Session, query: Any) -> int:
    table: Table = IndexPending.__table__  # type: ignore[assignment]
    return len(session.execute(insert(table).from_select(["dossier_id"], query).returning(table.c.id)).all())


def sweep(session: Session, now: datetime) -> int:
    """Queue the open dossiers whose appointment passed since the last sweep, and at a month's turn every open one.

    Returns how many were queued. The first sweep only sets its bookmarks (``rebuild`` loads existing data).
    """
    open_states = [s.value for s in OPEN_STATES]
    queued = 0
    last = _state(session, "due_sweep")
    if last is not None:
        queued += _queue_select(session, select(Dossier.id).where(
            Dossier.status.in_(open_states), Dossier.due_at > datetime.fromisoformat(last), Dossier.due_at <= now))
    month = month_of(now).isoformat()
    turned = _state(session, "month")
    if turned is not None and turned != month:
        queued += _queue_select(session, select(Dossier.id).where(Dossier.status.in_(open_states)))
    if last is not None:
        # a feedback case became late: 5.2 and 5.3 change with no fold, in its province
        for province_code in session.scalars(select(IndexFeedbackCase.province_code).distinct().where(
                IndexFeedbackCase.late_at > datetime.fromisoformat(last), IndexFeedbackCase.late_at <= now)):
            mark_province_changed(session, province_code)
    set_state(session, "due_sweep", now.isoformat())
    set_state(session, "month", month)
    return queued


def rebuild(session: Session, now: datetime) -> int:
    """Forget every contribution and rollup and queue every dossier (those whose clock never started add nothing)."""
    session.execute(delete(IndexPending))
    session.execute(delete(IndexContribution))
    session.execute(delete(IndexRollup))
    session.execute(delete(IndexRollupCommune))
    mark_rollups_changed(session)
    queued = _queue_select(session, select(Dossier.id))
    set_state(session, "due_sweep", now.isoformat())
    set_state(session, "month", month_of(now).isoformat())
    return queued


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(IndexPending)) or 0)
