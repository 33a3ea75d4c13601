"""Sums of the index's monthly rollups over a period, the catalogue's counters, and the ranking arithmetic: what a
scorecard and a rank are computed from (``index.score`` scores them; ``index.snapshots`` and the report's pages
read them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Text, case, cast, func, select
from sqlalchemy.orm import Session

from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.index.definitions import Level, MetricSet
from motcua.index.fastscore import plan_for
from motcua.index.models import ROLLUP_COUNTERS, IndexRollup, IndexRollupCommune
from motcua.index.periods import Period
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard, Subtotal, shown

#: What motcua counts itself today; ratings and feedback join when the citizen portal records them.
SOURCES = frozenset({"dossiers", "catalogue"})
#: The seven parts a published procedure must have (indicator 1.3), as keys of a catalogue version. The catalogue
#: has no "who may file" (đối tượng thực hiện) yet, so no procedure is complete until it does.
REQUIRED_PARTS = ("name", "process", "channels", "documents", "time_limit_amount", "applicants", "deciding_authority")


#: The month-of-ending counterpart of each 2.1 counter (``models.ROLLUP_ENDED``).
_ENDED_OF = {"counted": "ended", "on_time": "ended_on_time", "on_time_index": "ended_on_time_index"}


def _sums(model: type[IndexRollup | IndexRollupCommune], last: date | None) -> list[Any]:
    """The counters over the period's months. Over several months (``last`` given) a dossier counts once in 2.1:
    in the month its processing ended, or in the last month if still open then (see ``models.ROLLUP_ENDED``)."""
    sums = []
    for c in ROLLUP_COUNTERS:
        column: Any = getattr(model, c)
        if last is not None and c in _ENDED_OF:
            ended = getattr(model, _ENDED_OF[c])
            column = case((model.month == last, column), else_=ended)
        sums.append(func.coalesce(func.sum(column), 0).label(c))
    return sums


def for_commune(commune_code: str) -> ColumnElement[bool]:
    """The filter ``rollup_counters`` accepts on either rollup: one commune."""
    return IndexRollup.commune_code == commune_code


def _on_commune(clause: ColumnElement[bool]) -> bool:
    left = getattr(clause, "left", None)
    return left is not None and getattr(left, "key", None) == "commune_code"


def _rebind(clause: ColumnElement[bool]) -> ColumnElement[bool]:
    return IndexRollupCommune.commune_code == clause.right


def _counters(row: Any) -> DossierCounters:
    """The counters of a row ``(key, *ROLLUP_COUNTERS)``."""
    return DossierCounters(**dict(zip(ROLLUP_COUNTERS, map(int, row[1:]), strict=True)))


def rollup_counters(session: Session, province_code: str | None, period: Period, by: str = "commune_code",
                    where: Sequence[ColumnElement[bool]] = ()) -> dict[Any, DossierCounters]:
    """Sums of the rollups over the period (of a province, or the whole country when ``province_code`` is None),
    grouped by commune, procedure, division or month.

    By commune (or month) with no other filter than the commune, the per-commune rollup answers (one row per
    commune and month); otherwise the detailed one."""
    model: type[IndexRollup | IndexRollupCommune] = IndexRollup
    if by in ("commune_code", "month") and all(_on_commune(w) for w in where):
        model = IndexRollupCommune
        where = [_rebind(w) for w in where]
    key = getattr(model, by)
    last = None if by == "month" or len(period.months) == 1 else period.last_month
    rows = session.execute(
        select(key.label("key"), *_sums(model, last))
        .where(model.month >= period.start, model.month < period.end, *where,
               *([] if province_code is None else [model.province_code == province_code]))
        .group_by(key)
    )
    return {row.key: _counters(row) for row in rows}


#: Each procedure version's part of the catalogue counters (online offered, fee-bearing, fee payable online, complete),
#: by its document's MD5 (PostgreSQL) or its document's text (SQLite, which has no MD5): a pure function of the
#: document, so the cache can never be stale — a new or changed version has another key.
_VERSION_FLAGS: dict[str, tuple[bool, bool, bool, bool]] = {}
_VERSION_FLAGS_SIZE = 20_000


def _version_flags(data: dict[str, Any]) -> tuple[bool, bool, bool, bool]:
    fee_bearing = sum(int(f.get("amount_vnd", 0)) for f in data.get("fees", [])) > 0
    return (data.get("online_level", "none") != "none", fee_bearing,
            # A fully online service (dịch vụ công trực tuyến toàn trình) takes the fee online (Decree 42/2022 Art. 11).
            fee_bearing and data.get("online_level") == "full",
            all(data.get(part) not in (None, "", []) for part in REQUIRED_PARTS))


def catalogue_counters(session: Session, day: date) -> CatalogueCounters:
    """The national catalogue in force on ``day`` (the same for every commune; a province's own versions, which
    change fees rather than the published parts, are not counted here).

    Which versions are in force is read on every call (one query: ids and digests, no document parsed); what each
    version counts is computed from its document once per process (``_VERSION_FLAGS``)."""
    national = ProcedureVersion.province_code.is_(None)
    latest = (select(ProcedureVersion.procedure_id, func.max(ProcedureVersion.effective_from).label("since"))
              .where(ProcedureVersion.effective_from <= day, national)
              .group_by(ProcedureVersion.procedure_id).subquery())
    text = cast(ProcedureVersion.data, Text)
    digest = func.md5(text) if session.get_bind().dialect.name == "postgresql" else text
    rows = session.execute(
        select(ProcedureVersion.id, digest)
        .join(latest, (latest.c.procedure_id == ProcedureVersion.procedure_id)
              & (latest.c.since == ProcedureVersion.effective_from))
        .where(national)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.active.is_(True))
    ).all()
    keys: list[str] = [key for _, key in rows]
    missing = {version_id: key for version_id, key in rows if key not in _VERSION_FLAGS}
    if missing:
        if len(_VERSION_FLAGS) > _VERSION_FLAGS_SIZE:
            _VERSION_FLAGS.clear()
        for version_id, data in session.execute(select(ProcedureVersion.id, ProcedureVersion.data)
                                                .where(ProcedureVersion.id.in_(list(missing)))):
            _VERSION_FLAGS[missing[version_id]] = _version_flags(data)
    flags = [_VERSION_FLAGS[key] for key in keys]
    return CatalogueCounters(
        procedures=len(flags),
        online_offered=sum(f[0] for f in flags),
        fee_bearing=sum(f[1] for f in flags),
        fee_payable_online=sum(f[2] for f in flags),
        complete_parts=sum(f[3] for f in flags),
    )


def scorecard(metric_set: MetricSet, counters: DossierCounters, catalogue: CatalogueCounters,
              level: Level = "commune") -> Scorecard:
    """A commune's scorecard (or, with ``level="province"``, one scored on a province's summed counters): the lean
    scorer's, equal to ``score.score``'s (tests/index/test_fastscore.py)."""
    return plan_for(metric_set, SOURCES, level).card(counters, catalogue).scorecard()

def share_order(subtotal: Subtotal) -> tuple[Fraction] | None:
    """The sort key of a total or group: the share of the attainable points, highest first."""
    if not subtotal.attainable:
        return None
    return (-(subtotal.exact_points / Fraction(subtotal.attainable)),)


def competition_ranks(values: dict[str, tuple[Fraction] | None]) -> dict[str, int]:
    """Competition ranking ("1, 2, 2, 4"): equal values share a place."""
    ordered = sorted((v, k) for k, v in values.items() if v is not None)
    ranks: dict[str, int] = {}
    for i, (value, code) in enumerate(ordered):
        ranks[code] = ranks[ordered[i - 1][1]] if i and ordered[i - 1][0] == value else i + 1
    return ranks

def on_time_percent(c: DossierCounters) -> Decimal | None:
    """Indicator 2.1's rate in percent, rounded half up to 2 decimals as the scorecard rounds (``score.shown``)."""
    return None if not c.counted else shown(Fraction(c.on_time * 100, c.counted))
