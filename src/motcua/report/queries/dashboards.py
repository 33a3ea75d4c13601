"""The two dashboards of the index and their exports: the province's ranking with its trend and spread, and one
commune's page (scorecard, rank, trend, late dossiers, workload, breakdowns). Each page and export calls one of
``province_dashboard`` / ``commune_dashboard``; the gates are the rankings' and the commune's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES
from motcua.index.cache import SCORES
from motcua.index.definitions import MetricSet
from motcua.index.periods import Period
from motcua.index.rollups import fee_procedures, on_time_percent, scorecard
from motcua.index.score import DossierCounters, Scorecard, merge_all
from motcua.report.queries.communes import (
    CommuneReport,
    LateDossier,
    OfficerWorkload,
    commune_report,
    late_dossiers,
    open_workload_by_officer,
)
from motcua.report.queries.rankings import Ranking, RankRow, province_ranking
from motcua.report.queries.trends import HistogramBin, TrendPoint, percent_histogram, province_trend

#: An indicator's status in words (``index.score.Status``).
STATUS_LABELS: dict[str, str] = {
    "ok": "Đã tính điểm",
    "no_data": "Chưa có dữ liệu",
    "not_applicable": "Không phát sinh (N/A)",
}


@dataclass(frozen=True)
class ProvinceDashboard:
    ranking: Ranking
    card: Scorecard  # the province as a whole: its communes' counters summed
    counters: DossierCounters
    trend: list[TrendPoint]
    histogram: list[HistogramBin]


def province_dashboard(session: Session, principal: Principal, period: Period) -> ProvinceDashboard:
    """The ranking of the principal's province (published figures: every officer of the province may read it).
    The province's counters and each month of its trend are kept with the ranking's rows (``index.cache.SCORES``),
    each on the months it reads; the card and the histogram are computed from them (cheap)."""
    ranking = province_ranking(session, principal, principal.province_code, period)
    province_code = ranking.province_code

    def summed() -> DossierCounters:
        counters = merge_all(r.counters for r in ranking.rows)
        # B and C count distinct procedures of the whole province: a procedure of two communes counts once
        distinct = fee_procedures(session, province_code, period, None).get(None, {})
        return replace(counters, fee_procedures_paid_online=distinct.get("fee_procedures_paid_online", 0),
                       fee_procedures_with_fee_dossiers=distinct.get("fee_procedures_with_fee_dossiers", 0))

    # the catalogue in the key: B and C count the procedures it makes fee-bearing
    key = ("province_counters", province_code, period.start, period.end, ranking.catalogue,
           tuple(r.commune_code for r in ranking.rows))
    counters = SCORES.get(session, key, summed, scope=(province_code, tuple(period.months)))
    card = scorecard(ranking.metric_set, counters, ranking.catalogue, level="province")
    trend = province_trend(session, principal, province_code, period)
    histogram = percent_histogram([r.card.percent for r in ranking.rows
                                   if r.rank is not None and r.card.percent is not None])
    return ProvinceDashboard(ranking, card, counters, trend, histogram)


@dataclass(frozen=True)
class Breakdown:
    """A commune's counters for one procedure or one division, with its name."""

    key: str
    name: str
    counters: DossierCounters

    @property
    def late(self) -> int:
        return self.counters.counted - self.counters.on_time

    @property
    def on_time_percent(self) -> Decimal | None:
        """2.1's rate in percent, rounded as the scorecard rounds it (half up)."""
        return on_time_percent(self.counters)


@dataclass(frozen=True)
class CommuneDashboard:
    report: CommuneReport
    metric_set: MetricSet
    province_name: str
    row: RankRow  # its place in the province's ranking
    ranked: int  # how many communes of the province were ranked
    late: list[LateDossier]
    late_total: int
    workload: list[OfficerWorkload]
    procedures: list[Breakdown]  # ``report.by_procedure``, most late first
    divisions: list[Breakdown]  # ``report.by_department`` with the divisions' names


def commune_dashboard(session: Session, principal: Principal, commune_code: str, period: Period, now: datetime,
                      late_limit: int = 50, late_offset: int = 0) -> CommuneDashboard:
    """One commune: its scorecard and rank, trend, the dossiers that cost it points, its workload. The gate is
    the commune's (province users: any commune of the province; commune users: their own only)."""
    report = commune_report(session, principal, commune_code, period)
    ranking = province_ranking(session, principal, report.commune.province_code, period)
    late, total = late_dossiers(session, principal, commune_code, period, late_limit, late_offset)
    divisions = {kind.value: name for kind, name in DEPARTMENT_NAMES.items()}
    return CommuneDashboard(
        report, ranking.metric_set, ranking.province_name, ranking.row(report.commune.code), ranking.ranked,
        late, total, open_workload_by_officer(session, principal, commune_code, now),
        [Breakdown(code, name, c) for code, name, c in report.by_procedure],
        [Breakdown(kind, divisions.get(kind, kind), c) for kind, c in report.by_department],
    )
