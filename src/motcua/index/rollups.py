"""Sums of the index's monthly rollups over a period, the catalogue's counters, and the ranking arithmetic: what a
scorecard and a rank are computed from (``index.score`` scores them; ``index.snapshots`` and the report's pages
read them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from motcua.calendar import VIETNAM_TZ
from motcua.catalog.fees import fee_bearing
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.index.definitions import Level, MetricSet
from motcua.index.fastscore import plan_for
from motcua.index.models import ROLLUP_COUNTERS, IndexFeedbackCase, IndexRollup, IndexRollupCommune, IndexState
from motcua.index.periods import Period, add_months
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard, Subtotal, shown
from motcua.kit.clock import as_utc

#: What motcua counts itself today (for the metric sets after version 1): its dossiers and catalogue; the fee each
#: dossier owed (3.5–3.6); ratings and feedback cases (group 5, through the index's own fact tables); stored result and
#: input files (4.1, 4.2, 4.6); identities verified against the population database (4.5); the citizen's electronic
#: store (4.3, 4.4 of version 2, issue 17). Not the national-portal sync (1.1, 1.2, 1.4), which does not exist yet.
SOURCES = frozenset({"dossiers", "catalogue", "fee_obligations", "ratings", "feedback", "e_result", "population_data",
                     "data_store"})
#: Version 1 keeps the sources it had when its months were published — its dossiers and catalogue only. Its ratings
#: and feedback indicators (5.2–5.4) read counters of its own (``ratings``, ``dissatisfied``, ``feedback``, …) that
#: motcua never filled, and a month already published under it must score the same forever (docs/legal.md §7), so
#: the sources added for later versions do not reach it.
V1_SOURCES = frozenset({"dossiers", "catalogue"})


def sources_for(metric_set: MetricSet) -> frozenset[str]:
    """The sources available to ``metric_set`` (see ``V1_SOURCES``)."""
    return V1_SOURCES if metric_set.id == "766-v1" else SOURCES
#: The seven parts a published procedure must have (indicator 1.3), as keys of a catalogue version. The catalogue
#: has no "who may file" (đối tượng thực hiện) yet, so no procedure is complete until it does.
REQUIRED_PARTS = ("name", "process", "channels", "documents", "time_limit_amount", "applicants", "deciding_authority")


#: The month-of-ending counterpart of each 2.1 counter (``models.ROLLUP_ENDED``).
_ENDED_OF = {"counted": "ended", "on_time": "ended_on_time", "on_time_index": "ended_on_time_index",
             "unsatisfactory_dossiers": "ended_unsatisfactory_dossiers"}


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


def rollup_counters(session: Session, province_code: str | None, period: Period, by: str = "commune_code",
                    where: Sequence[ColumnElement[bool]] = ()) -> dict[Any, DossierCounters]:
    """Sums of the rollups over the period (of a province, or the whole country when ``province_code`` is None),
    grouped by commune, procedure, division or month.

    By commune (or month) with no other filter than the commune, the per-commune rollup answers (one row per
    commune and month); otherwise the detailed one."""
    model: type[IndexRollup | IndexRollupCommune] = IndexRollup
    asked = list(where)
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
    sums = {row.key: dict(zip(ROLLUP_COUNTERS, map(int, row[1:]), strict=True)) for row in rows}
    procedures = fee_procedures(session, province_code, period, by, asked)
    cases = feedback_counters(session, province_code, period, by, asked) if by in ("commune_code", "month") else {}
    # each built once, with every part (a counter object checks its numbers when it is made)
    return {k: DossierCounters(**c, **procedures.get(k, _NO_PROCEDURES), **cases.get(k, _NO_CASES))
            for k, c in sums.items()}


_NO_PROCEDURES = {"fee_procedures_paid_online": 0, "fee_procedures_with_fee_dossiers": 0}
_NO_CASES = {"feedback_cases": 0, "feedback_within_time": 0, "feedback_not_unsatisfied": 0}


def _commune_filters(where: Sequence[ColumnElement[bool]], column: Any) -> list[ColumnElement[bool]]:
    """The commune filters of ``where`` (``for_commune``) on another table's commune column."""
    out: list[ColumnElement[bool]] = []
    for clause in where:
        if not _on_commune(clause):
            raise ValueError("only commune filters are supported here")
        out.append(column == clause.right)
    return out


def fee_procedures(session: Session, province_code: str | None, period: Period, by: str | None,
                   where: Sequence[ColumnElement[bool]] = ()) -> dict[Any, dict[str, int]]:
    """3.5–3.6's B and C numerators, set-based: per key (``by``: commune, procedure, division, month; None: the whole
    scope, key None), the distinct fee-bearing procedures (the catalogue's, on the period's last month) with at least
    one dossier that owed a fee (``fee_procedures_with_fee_dossiers``) and with at least one paid online
    (``fee_procedures_paid_online``), read from the detailed rollup grouped by procedure. A procedure counts once per
    key however many communes or months it appears in — which is why these are never summed across keys."""
    r = IndexRollup
    codes = fee_bearing_codes(session, add_months(period.end, -1))
    if not codes:
        return {}
    keys = [] if by is None else [getattr(r, by).label("key")]
    per_procedure = (
        select(*keys, r.procedure_code, func.sum(r.owed_fee).label("owed"),
               func.sum(r.owed_fee_paid_online).label("paid"))
        # only rows that owed a fee count in either sum (a row's paid online is part of its owed): the partial
        # index ix_index_rollup_fees holds exactly those
        .where(r.owed_fee > 0, r.month >= period.start, r.month < period.end, r.procedure_code.in_(sorted(codes)),
               *_commune_filters(where, r.commune_code),
               *([] if province_code is None else [r.province_code == province_code]))
        .group_by(*keys, r.procedure_code)
        .subquery()
    )
    outer_key = [] if by is None else [per_procedure.c.key]
    rows = session.execute(
        select(*outer_key,
               func.sum(case((per_procedure.c.owed > 0, 1), else_=0)).label("with_fee"),
               func.sum(case((per_procedure.c.paid > 0, 1), else_=0)).label("paid"))
        .group_by(*outer_key)
    )
    return {(row.key if by is not None else None): {"fee_procedures_paid_online": int(row.paid or 0),
                                                     "fee_procedures_with_fee_dossiers": int(row.with_fee or 0)}
            for row in rows}


def _instant(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)


def _known_until(session: Session) -> datetime | None:
    """The latest instant the index has judged (the worker's last sweep): a period reaching past it is judged at it,
    not at an end that has not come (a case is not late yet because its deadline falls later in the month)."""
    value = session.scalar(select(IndexState.value).where(IndexState.key == "due_sweep"))
    return None if value is None else as_utc(datetime.fromisoformat(value))


def feedback_counters(session: Session, province_code: str | None, period: Period, by: str,
                      where: Sequence[ColumnElement[bool]] = ()) -> dict[Any, dict[str, int]]:
    """5.2 and 5.3, set-based from ``index_feedback_case`` (see its docstring), by commune or by month: the cases of
    the period (received before its end, not closed before its start), those not late at its end (open cases within
    their time count as on time), and those not late nor rated unsatisfied (an unrated case counts as satisfied)."""
    f = IndexFeedbackCase
    known = _known_until(session)
    filters = [*_commune_filters(where, f.commune_code),
               *([] if province_code is None else [f.province_code == province_code])]
    spans = ([(period.start, period.end, None)] if by == "commune_code"
             else [(m, add_months(m, 1), m) for m in period.months])
    out: dict[Any, dict[str, int]] = {}
    for first, after, label in spans:
        start, end = _instant(first), _instant(after)
        if known is not None and start <= known < end:
            end = known
        on_time = or_(f.late_at.is_(None), f.late_at >= end)
        query = (select(f.commune_code.label("key"), func.count().label("cases"),
                        func.sum(case((on_time, 1), else_=0)).label("within"),
                        func.sum(case((and_(on_time, or_(f.satisfied.is_(None), f.satisfied.is_(True))), 1),
                                      else_=0)).label("satisfied"))
                 .where(f.received_at < end, or_(f.closed_at.is_(None), f.closed_at >= start), *filters))
        if by == "commune_code":
            rows = session.execute(query.group_by(f.commune_code))
        else:
            rows = session.execute(query.with_only_columns(*list(query.selected_columns)[1:]))
        for row in rows:
            if not row.cases:
                continue
            key = row.key if by == "commune_code" else label
            out[key] = {"feedback_cases": int(row.cases), "feedback_within_time": int(row.within or 0),
                        "feedback_not_unsatisfied": int(row.satisfied or 0)}
    return out


def fee_bearing_codes(session: Session, day: date) -> set[str]:
    """The codes of the national catalogue's procedures in force on ``day`` whose fees can cost something."""
    return {code for code, flags in _versions_in_force(session, day) if flags[1]}


#: Each procedure version's part of the catalogue counters (online offered, fee-bearing, fee payable online, complete),
#: by its document's MD5 (PostgreSQL) or its document's text (SQLite, which has no MD5): a pure function of the
#: document, so the cache can never be stale — a new or changed version has another key.
_VERSION_FLAGS: dict[str, tuple[bool, bool, bool, bool]] = {}
_VERSION_FLAGS_SIZE = 20_000


def _version_flags(data: dict[str, Any]) -> tuple[bool, bool, bool, bool]:
    bearing = fee_bearing(data)
    return (data.get("online_level", "none") != "none", bearing,
            # A fully online service (dịch vụ công trực tuyến toàn trình) takes the fee online (Decree 42/2022 Art. 11).
            bearing and data.get("online_level") == "full",
            all(data.get(part) not in (None, "", []) for part in REQUIRED_PARTS))


def _versions_in_force(session: Session, day: date) -> list[tuple[str, tuple[bool, bool, bool, bool]]]:
    """The national catalogue's active procedures in force on ``day``: each one's code and its version's flags.

    Which versions are in force is read on every call (one query: codes, ids and digests, no document parsed); what
    each version counts is computed from its document once per process (``_VERSION_FLAGS``)."""
    national = ProcedureVersion.province_code.is_(None)
    latest = (select(ProcedureVersion.procedure_id, func.max(ProcedureVersion.effective_from).label("since"))
              .where(ProcedureVersion.effective_from <= day, national)
              .group_by(ProcedureVersion.procedure_id).subquery())
    text = cast(ProcedureVersion.data, Text)
    digest = func.md5(text) if session.get_bind().dialect.name == "postgresql" else text
    rows = session.execute(
        select(Procedure.code, ProcedureVersion.id, digest)
        .join(latest, (latest.c.procedure_id == ProcedureVersion.procedure_id)
              & (latest.c.since == ProcedureVersion.effective_from))
        .where(national)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.active.is_(True))
    ).all()
    missing = {version_id: key for _, version_id, key in rows if key not in _VERSION_FLAGS}
    if missing:
        if len(_VERSION_FLAGS) > _VERSION_FLAGS_SIZE:
            _VERSION_FLAGS.clear()
        for version_id, data in session.execute(select(ProcedureVersion.id, ProcedureVersion.data)
                                                .where(ProcedureVersion.id.in_(list(missing)))):
            _VERSION_FLAGS[missing[version_id]] = _version_flags(data)
    return [(code, _VERSION_FLAGS[key]) for code, _, key in rows]


def catalogue_counters(session: Session, day: date) -> CatalogueCounters:
    """The national catalogue in force on ``day`` (the same for every commune; a province's own versions, which
    change fees rather than the published parts, are not counted here)."""
    flags = [f for _, f in _versions_in_force(session, day)]
    return CatalogueCounters(
        procedures=len(flags),
        online_offered=sum(f[0] for f in flags),
        fee_bearing=sum(f[1] for f in flags),
        fee_payable_online=sum(f[2] for f in flags),
        complete_parts=sum(f[3] for f in flags),
        # Assumed (docs/legal.md §7, 4.5a): a procedure offered online takes the applicant's identity from the
        # population database — the citizen files from an account verified through VNeID — so the procedures using
        # population data are those offered online (fully or partly).
        procedures_using_population_data=sum(f[0] for f in flags),
    )


def scorecard(metric_set: MetricSet, counters: DossierCounters, catalogue: CatalogueCounters,
              level: Level = "commune") -> Scorecard:
    """A commune's scorecard (or, with ``level="province"``, one scored on a province's summed counters): the lean
    scorer's, equal to ``score.score``'s (tests/index/test_fastscore.py)."""
    return plan_for(metric_set, sources_for(metric_set), level).card(counters, catalogue).scorecard()

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
