"""Reads of the service index: scorecards, rankings and drill-downs for any period, read from the monthly rollups.

Who may see what: the ranking of a province's communes is published (the news reports print "2nd of 148"), so
every officer of the province may read it; a commune's details (its dossiers, officers) follow the jurisdiction
rule — province users see every commune, commune users only their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from motcua.auth.principal import Principal
from motcua.calendar import VIETNAM_TZ
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.dossier.models import Dossier
from motcua.index.definitions import MetricSet, metric_set_for
from motcua.index.facts import month_of
from motcua.index.models import ROLLUP_COUNTERS, IndexContribution, IndexRollup
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard, Subtotal, score
from motcua.kit.errors import NotFound, ValidationFailed
from motcua.org.models import Commune, Province

#: What motcua counts itself today; ratings and feedback join when the citizen portal records them.
SOURCES = frozenset({"dossiers", "catalogue"})
#: The seven parts a published procedure must have (indicator 1.3), as keys of a catalogue version. The catalogue
#: has no "who may file" (đối tượng thực hiện) yet, so no procedure is complete until it does.
REQUIRED_PARTS = ("name", "process", "channels", "documents", "time_limit_amount", "applicants", "deciding_authority")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2})\.\.(\d{4}-\d{2})$")


# --------------------------------------------------------------------------------------------- periods


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Whole months ``[start, end)``: the rollups are monthly, as the national portal's reports are."""

    kind: str  # month | quarter | year | custom
    start: date
    end: date
    value: str

    @property
    def label(self) -> str:
        last = _add_months(self.end, -1)
        if self.kind == "month":
            return f"Tháng {self.start.month}/{self.start.year}"
        if self.kind == "quarter":
            return f"Quý {(self.start.month - 1) // 3 + 1}/{self.start.year}"
        if self.kind == "year":
            return f"Năm {self.start.year}"
        return f"Từ tháng {self.start.month}/{self.start.year} đến tháng {last.month}/{last.year}"

    @property
    def months(self) -> list[date]:
        out, month = [], self.start
        while month < self.end:
            out.append(month)
            month = _add_months(month, 1)
        return out

    @property
    def end_instant(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)

    def previous(self) -> Period:
        span = len(self.months)
        start = _add_months(self.start, -span)
        return Period(self.kind, start, self.start, _value(self.kind, start, self.start))


def _value(kind: str, start: date, end: date) -> str:
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if kind == "year":
        return f"{start.year}"
    return f"{start:%Y-%m}..{_add_months(end, -1):%Y-%m}"


def parse_period(value: str | None, today: date) -> Period:
    """``2026-11`` (month), ``2026-Q4`` (quarter), ``2026`` (year), ``2026-01..2026-06`` (months, inclusive);
    empty: the current month."""
    text = (value or "").strip()
    bad = ValidationFailed("Kỳ không hợp lệ: dùng dạng 2026-11, 2026-Q4, 2026 hoặc 2026-01..2026-06.",
                           fields={"period": "Không hợp lệ."})
    try:
        if not text:
            start = date(today.year, today.month, 1)
            return Period("month", start, _add_months(start, 1), f"{start:%Y-%m}")
        if m := _MONTH.match(text):
            start = date(int(m[1]), int(m[2]), 1)
            return Period("month", start, _add_months(start, 1), text)
        if m := _QUARTER.match(text):
            start = date(int(m[1]), 3 * int(m[2]) - 2, 1)
            return Period("quarter", start, _add_months(start, 3), text)
        if m := _YEAR.match(text):
            start = date(int(m[1]), 1, 1)
            return Period("year", start, _add_months(start, 12), text)
        if m := _RANGE.match(text):
            first = parse_period(m[1], today).start
            last = parse_period(m[2], today).start
            if last < first or len(Period("custom", first, _add_months(last, 1), text).months) > 120:
                raise bad
            return Period("custom", first, _add_months(last, 1), text)
    except ValueError:
        raise bad from None
    raise bad


# --------------------------------------------------------------------------------------------- counters


def _sums() -> list[Any]:
    return [func.coalesce(func.sum(getattr(IndexRollup, c)), 0).label(c) for c in ROLLUP_COUNTERS]


def _counters(row: Any) -> DossierCounters:
    return DossierCounters(**{c: int(getattr(row, c)) for c in ROLLUP_COUNTERS})


def rollup_counters(session: Session, province_code: str, period: Period, by: str = "commune_code",
                    where: Sequence[ColumnElement[bool]] = ()) -> dict[Any, DossierCounters]:
    """Sums of the rollups over the period, grouped by commune, procedure or division."""
    key = getattr(IndexRollup, by)
    rows = session.execute(
        select(key.label("key"), *_sums())
        .where(IndexRollup.province_code == province_code, IndexRollup.month >= period.start,
               IndexRollup.month < period.end, *where)
        .group_by(key)
    )
    return {row.key: _counters(row) for row in rows}


def catalogue_counters(session: Session, day: date) -> CatalogueCounters:
    """The catalogue in force on ``day`` (the same for every commune of the province)."""
    latest = (select(ProcedureVersion.procedure_id, func.max(ProcedureVersion.effective_from).label("since"))
              .where(ProcedureVersion.effective_from <= day).group_by(ProcedureVersion.procedure_id).subquery())
    versions = session.scalars(
        select(ProcedureVersion.data).join(latest, (latest.c.procedure_id == ProcedureVersion.procedure_id)
                                          & (latest.c.since == ProcedureVersion.effective_from))
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id).where(Procedure.active.is_(True))
    ).all()
    fee_bearing = [v for v in versions if sum(int(f.get("amount_vnd", 0)) for f in v.get("fees", [])) > 0]
    return CatalogueCounters(
        procedures=len(versions),
        online_offered=sum(1 for v in versions if v.get("online_level", "none") != "none"),
        fee_bearing=len(fee_bearing),
        # A fully online service (dịch vụ công trực tuyến toàn trình) takes the fee online (Decree 42/2022 Art. 11).
        fee_payable_online=sum(1 for v in fee_bearing if v.get("online_level") == "full"),
        complete_parts=sum(1 for v in versions if all(v.get(part) not in (None, "", []) for part in REQUIRED_PARTS)),
    )


def scorecard(metric_set: MetricSet, counters: DossierCounters, catalogue: CatalogueCounters) -> Scorecard:
    return score(metric_set, counters, catalogue, SOURCES)


# --------------------------------------------------------------------------------------------- rankings


@dataclass(frozen=True)
class RankRow:
    commune_code: str
    commune_name: str
    rank: int | None  # None: nothing to score in the period
    card: Scorecard
    counters: DossierCounters
    group_ranks: dict[str, int]
    previous_rank: int | None = None
    previous_percent: Decimal | None = None

    @property
    def change(self) -> int | None:
        """Places gained since the previous period (positive: up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass(frozen=True)
class Ranking:
    province_code: str
    province_name: str
    period: Period
    metric_set: MetricSet
    catalogue: CatalogueCounters
    rows: list[RankRow] = field(default_factory=list)

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)

    def row(self, commune_code: str) -> RankRow:
        for r in self.rows:
            if r.commune_code == commune_code:
                return r
        raise NotFound("Không tìm thấy xã, phường trong bảng xếp hạng.")


def _order(subtotal: Subtotal) -> tuple[Fraction] | None:
    """The sort key of a total or group: the share of the attainable points, highest first."""
    if not subtotal.attainable:
        return None
    return (-(subtotal.exact_points / Fraction(subtotal.attainable)),)


def _ranks(values: dict[str, tuple[Fraction] | None]) -> dict[str, int]:
    """Competition ranking ("1, 2, 2, 4"): equal values share a place."""
    ordered = sorted((v, k) for k, v in values.items() if v is not None)
    ranks: dict[str, int] = {}
    for i, (value, code) in enumerate(ordered):
        ranks[code] = ranks[ordered[i - 1][1]] if i and ordered[i - 1][0] == value else i + 1
    return ranks


def _rank_rows(session: Session, province_code: str, period: Period, metric_set: MetricSet,
               catalogue: CatalogueCounters, communes: dict[str, str]) -> list[RankRow]:
    by_commune = rollup_counters(session, province_code, period)
    cards = {code: scorecard(metric_set, by_commune.get(code, DossierCounters.zero()), catalogue)
             for code in communes}
    scored = {code: c for code, c in cards.items() if by_commune.get(code, DossierCounters.zero()).counted}
    total_ranks = _ranks({code: _order(c.total) for code, c in scored.items()})
    group_ranks = {g.code: _ranks({code: _order(c.group(g.code).total) for code, c in scored.items()})
                   for g in metric_set.groups}
    rows = [RankRow(code, communes[code], total_ranks.get(code), cards[code],
                    by_commune.get(code, DossierCounters.zero()),
                    {g: r[code] for g, r in group_ranks.items() if code in r})
            for code in communes]
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.commune_name))


def province_ranking(session: Session, principal: Principal, province_code: str, period: Period) -> Ranking:
    """Every commune of the province ranked by its total (percent of the attainable points) and by group, with
    the place it held in the previous period of the same length."""
    if principal.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")
    province = session.get(Province, province_code)
    if province is None:
        raise NotFound("Không tìm thấy tỉnh.")
    communes = {code: name for code, name in session.execute(
        select(Commune.code, Commune.name).where(Commune.province_code == province_code))}
    metric_set = metric_set_for(_add_months(period.end, -1))
    catalogue = catalogue_counters(session, _add_months(period.end, -1))
    rows = _rank_rows(session, province_code, period, metric_set, catalogue, communes)
    previous = {r.commune_code: r for r in _rank_rows(session, province_code, period.previous(), metric_set,
                                                      catalogue, communes)}
    rows = [RankRow(r.commune_code, r.commune_name, r.rank, r.card, r.counters, r.group_ranks,
                    previous[r.commune_code].rank, previous[r.commune_code].card.percent) for r in rows]
    return Ranking(province_code, province.name, period, metric_set, catalogue, rows)


# --------------------------------------------------------------------------------------------- one commune


def _commune_for(session: Session, principal: Principal, commune_code: str) -> Commune:
    commune = session.get(Commune, commune_code)
    if commune is None or not principal.may_see(commune.province_code, commune.code):
        raise NotFound("Không tìm thấy xã, phường.")
    return commune


@dataclass(frozen=True)
class TrendPoint:
    month: date
    percent: Decimal | None
    on_time_percent: Decimal | None
    received: int


@dataclass(frozen=True)
class CommuneReport:
    commune: Commune
    period: Period
    card: Scorecard
    counters: DossierCounters
    by_procedure: list[tuple[str, str, DossierCounters]]  # code, name, counters
    by_department: list[tuple[str, DossierCounters]]
    trend: list[TrendPoint]


def _on_time_percent(c: DossierCounters) -> Decimal | None:
    return None if not c.counted else (Decimal(c.on_time * 100) / c.counted).quantize(Decimal("0.01"))


def commune_report(session: Session, principal: Principal, commune_code: str, period: Period,
                   trend_months: int = 12) -> CommuneReport:
    commune = _commune_for(session, principal, commune_code)
    last = _add_months(period.end, -1)
    metric_set, catalogue = metric_set_for(last), catalogue_counters(session, last)
    mine = [IndexRollup.commune_code == commune.code]
    total = rollup_counters(session, commune.province_code, period, by="commune_code", where=mine)
    counters = total.get(commune.code, DossierCounters.zero())
    procedures = rollup_counters(session, commune.province_code, period, by="procedure_code", where=mine)
    names = {code: name for code, name in session.execute(
        select(Procedure.code, Procedure.name).where(Procedure.code.in_(list(procedures))))}
    departments = rollup_counters(session, commune.province_code, period, by="department", where=mine)
    trend_period = Period("custom", _add_months(period.end, -trend_months), period.end, "")
    monthly = rollup_counters(session, commune.province_code, trend_period, by="month", where=mine)
    trend = []
    for month in trend_period.months:
        c = monthly.get(month, DossierCounters.zero())
        trend.append(TrendPoint(month, scorecard(metric_set, c, catalogue).percent if c.counted else None,
                                _on_time_percent(c), c.received))
    return CommuneReport(
        commune, period, scorecard(metric_set, counters, catalogue), counters,
        sorted(((code, names.get(code, code), c) for code, c in procedures.items()),
               key=lambda x: (-(x[2].counted - x[2].on_time), -x[2].counted)),
        sorted(departments.items(), key=lambda x: -x[1].counted), trend,
    )


@dataclass(frozen=True)
class CostlyDossier:
    """A dossier that cost the commune points on indicator 2.1 in a month, and why."""

    dossier_id: int
    code: str
    procedure_name: str
    applicant_name: str
    month: date
    received_at: datetime
    due_at: datetime | None
    judged_at: datetime | None
    late_hours: Decimal
    late_step: str | None
    late_body: str | None
    reason: str
    explanation: str
    status: str


def costly_dossiers(session: Session, principal: Principal, commune_code: str, period: Period,
                    limit: int = 200, offset: int = 0) -> tuple[list[CostlyDossier], int]:
    """The dossiers counted late by 2.1 in the period (most late first), and how many there are."""
    commune = _commune_for(session, principal, commune_code)
    c = IndexContribution
    where = [c.commune_code == commune.code, c.month >= period.start, c.month < period.end,
             c.counted.is_(True), c.on_time.is_(False)]
    total = int(session.scalar(select(func.count()).select_from(c).where(*where)) or 0)
    rows = session.execute(
        select(c, Dossier.code, Dossier.procedure_name, Dossier.applicant_name, Dossier.received_at, Dossier.status)
        .join(Dossier, Dossier.id == c.dossier_id).where(*where)
        .order_by(c.late_hours.desc(), c.month, c.dossier_id).limit(limit).offset(offset)
    ).all()
    out = [CostlyDossier(r.IndexContribution.dossier_id, r.code, r.procedure_name, r.applicant_name,
                         r.IndexContribution.month, r.received_at, r.IndexContribution.due_at,
                         r.IndexContribution.judged_at, r.IndexContribution.late_hours, r.IndexContribution.late_step,
                         r.IndexContribution.late_body, r.IndexContribution.reason, r.IndexContribution.explanation,
                         r.status) for r in rows]
    return out, total


def dossier_contributions(session: Session, dossier_id: int) -> list[IndexContribution]:
    """How one dossier counts, month by month (the dossier page's "chỉ số" panel; the caller passed the gate)."""
    return list(session.scalars(select(IndexContribution).where(IndexContribution.dossier_id == dossier_id)
                                .order_by(IndexContribution.month)))


def current_month(now: datetime) -> date:
    return month_of(now)
