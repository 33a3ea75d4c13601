"""JSON shapes of the service index (Decision 766/QĐ-TTg): the province ranking, one commune's scorecard and the
dossiers that cost it points. Rates and points are numbers rounded to 2 decimals, as the dashboards show them;
``null`` where an indicator has no data or its denominator is zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from motcua.index.periods import Period
from motcua.index.portal_models import PortalImport
from motcua.index.reconcile import Difference, Figures, Reconciliation
from motcua.index.score import DossierCounters, GroupResult, Scorecard, Subtotal
from motcua.kit.clock import as_utc
from motcua.kit.schemas import UtcInstant
from motcua.report.queries.communes import LateDossier
from motcua.report.queries.dashboards import Breakdown, CommuneDashboard, ProvinceDashboard
from motcua.report.queries.rankings import RankRow
from motcua.report.queries.trends import TrendPoint


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class PeriodOut(BaseModel):
    value: str = Field(examples=["2026-11"],
                       description="What `period=` takes: 2026-11, 2026-Q4, 2026-H1, 2026, 2026-01..2026-06")
    kind: Literal["month", "quarter", "half", "year", "custom"]
    label: str = Field(examples=["Tháng 11/2026"])
    start: date = Field(description="First day of the first month")
    end: date = Field(description="First day after the last month (exclusive)")

    @classmethod
    def of(cls, period: Period) -> PeriodOut:
        return cls(value=period.value, kind=period.kind, label=period.label,  # type: ignore[arg-type]
                   start=period.start, end=period.end)


class CountersOut(BaseModel):
    received: int = Field(description="Dossiers received in the period")
    counted: int = Field(description="Indicator 2.1's denominator: received-and-processed, month by month")
    on_time: int = Field(description="Finished on time or still within time")
    online_by_citizen: int
    online_assisted: int = Field(description="Filed online by an officer or a digital volunteer for the citizen")
    with_fee: int
    paid_online: int

    @classmethod
    def of(cls, c: DossierCounters) -> CountersOut:
        return cls(received=c.received, counted=c.counted, on_time=c.on_time, online_by_citizen=c.online_by_citizen,
                   online_assisted=c.online_assisted, with_fee=c.with_fee, paid_online=c.paid_online)


class SubtotalOut(BaseModel):
    points: float
    attainable: float = Field(description="The maximum of the indicators scored (status ok): no-data and N/A "
                                          "indicators are left out")
    percent: float | None = Field(description="points ÷ attainable × 100; null when nothing is attainable")

    @classmethod
    def of(cls, s: Subtotal) -> SubtotalOut:
        return cls(points=float(s.points), attainable=float(s.attainable), percent=_num(s.percent))


class IndicatorOut(BaseModel):
    code: str = Field(examples=["2.1"])
    name: str
    max_points: float
    status: Literal["ok", "no_data", "not_applicable"]
    display: str = Field(examples=["18.00/20", "N/A", "Chưa có dữ liệu"])
    rate_percent: float | None
    points: float | None
    note: str = Field(description="Vietnamese: why no data, or what was assumed in scoring it")
    assumption: str | None = Field(description="How the metric definition reads Decision 766 where it is silent")


class GroupOut(BaseModel):
    code: str = Field(examples=["progress"])
    name: str
    max_points: float
    points: float
    attainable: float
    percent: float | None
    rank: int | None = Field(description="Place in the province on this group; null when not ranked")
    indicators: list[IndicatorOut]


def _groups(card: Scorecard, ranks: dict[str, int], assumptions: dict[str, str | None]) -> list[GroupOut]:
    return [GroupOut(code=g.code, name=g.name, max_points=float(g.max_points), points=float(g.total.points),
                     attainable=float(g.total.attainable), percent=_num(g.total.percent), rank=ranks.get(g.code),
                     indicators=_indicators(g, assumptions))
            for g in card.groups]


def _indicators(group: GroupResult, assumptions: dict[str, str | None]) -> list[IndicatorOut]:
    return [IndicatorOut(code=i.code, name=i.name, max_points=float(i.max_points), status=i.status, display=i.display,
                         rate_percent=_num(i.rate_percent_shown), points=_num(i.points_shown), note=i.note,
                         assumption=assumptions.get(i.code))
            for i in group.indicators]


class RankGroupOut(BaseModel):
    code: str
    points: float
    attainable: float
    percent: float | None
    rank: int | None


class RankRowOut(BaseModel):
    rank: int | None = Field(description="Competition ranking (1, 2, 2, 4); null: nothing counted in the period")
    out_of: int = Field(description="How many communes were ranked")
    commune_code: str
    commune_name: str
    percent: float | None = Field(description="Total: points ÷ attainable points × 100")
    points: float
    attainable: float
    groups: list[RankGroupOut]
    on_time_percent: float | None = Field(description="Indicator 2.1: on time ÷ counted × 100")
    counted: int
    received: int
    previous_rank: int | None
    previous_percent: float | None = Field(description="null when the commune was not ranked then")
    change: int | None = Field(description="Places gained since the previous period (negative: lost)")

    @classmethod
    def of(cls, row: RankRow, ranked: int) -> RankRowOut:
        card = row.card
        return cls(
            rank=row.rank, out_of=ranked, commune_code=row.commune_code, commune_name=row.commune_name,
            percent=_num(card.percent) if row.rank is not None else None, points=float(card.points),
            attainable=float(card.attainable),
            groups=[RankGroupOut(code=g.code, points=float(g.total.points), attainable=float(g.total.attainable),
                                 percent=_num(g.total.percent), rank=row.group_ranks.get(g.code))
                    for g in card.groups],
            on_time_percent=_num(card.indicator("2.1").rate_percent_shown), counted=row.counters.counted,
            received=row.counters.received, previous_rank=row.previous_rank,
            previous_percent=_num(row.previous_percent) if row.previous_rank is not None else None,
            change=row.change,
        )


class TrendPointOut(BaseModel):
    month: date
    percent: float | None
    on_time_percent: float | None
    received: int

    @classmethod
    def of(cls, p: TrendPoint) -> TrendPointOut:
        return cls(month=p.month, percent=_num(p.percent), on_time_percent=_num(p.on_time_percent),
                   received=p.received)


class RankingOut(BaseModel):
    province_code: str
    province_name: str
    period: PeriodOut
    metric_set: str = Field(examples=["decision_766_v1"])
    ranked: int
    communes: int
    province: SubtotalOut = Field(description="The province as a whole (its communes' counters summed)")
    province_on_time_percent: float | None
    rows: list[RankRowOut]
    trend: list[TrendPointOut] = Field(description="The province, month by month, over the 12 months ending with "
                                                   "the period")

    @classmethod
    def of(cls, dash: ProvinceDashboard) -> RankingOut:
        r = dash.ranking
        return cls(province_code=r.province_code, province_name=r.province_name, period=PeriodOut.of(r.period),
                   metric_set=r.metric_set.id, ranked=r.ranked, communes=len(r.rows),
                   province=SubtotalOut.of(dash.card.total),
                   province_on_time_percent=_num(dash.card.indicator("2.1").rate_percent_shown),
                   rows=[RankRowOut.of(row, r.ranked) for row in r.rows],
                   trend=[TrendPointOut.of(p) for p in dash.trend])


class BreakdownOut(BaseModel):
    key: str = Field(description="Procedure code or division kind")
    name: str
    counters: CountersOut
    on_time_percent: float | None

    @classmethod
    def of(cls, b: Breakdown) -> BreakdownOut:
        return cls(key=b.key, name=b.name, counters=CountersOut.of(b.counters), on_time_percent=_num(b.on_time_percent))


class OfficerWorkloadOut(BaseModel):
    officer_id: int | None = Field(description="null: not assigned to a handler yet")
    officer_name: str | None
    open: int
    overdue: int


class CommuneIndexOut(BaseModel):
    commune_code: str
    commune_name: str
    province_name: str
    period: PeriodOut
    metric_set: str
    rank: int | None
    out_of: int
    previous_rank: int | None
    previous_percent: float | None
    total: SubtotalOut
    groups: list[GroupOut]
    counters: CountersOut
    by_procedure: list[BreakdownOut]
    by_department: list[BreakdownOut]
    trend: list[TrendPointOut]
    late_total: int = Field(description="Dossiers counted late on 2.1 in the period (see …/late)")
    open_by_officer: list[OfficerWorkloadOut]


def commune_index_out(dash: CommuneDashboard) -> CommuneIndexOut:
    rep, row = dash.report, dash.row
    assumptions = {i.code: i.assumption for i in dash.metric_set.indicators}
    return CommuneIndexOut(
        commune_code=rep.commune.code, commune_name=rep.commune.name, province_name=dash.province_name,
        period=PeriodOut.of(rep.period), metric_set=dash.metric_set.id, rank=row.rank, out_of=dash.ranked,
        previous_rank=row.previous_rank,
        previous_percent=_num(row.previous_percent) if row.previous_rank is not None else None,
        total=SubtotalOut.of(rep.card.total), groups=_groups(rep.card, row.group_ranks, assumptions),
        counters=CountersOut.of(rep.counters),
        by_procedure=[BreakdownOut.of(b) for b in dash.procedures],
        by_department=[BreakdownOut.of(b) for b in dash.divisions],
        trend=[TrendPointOut.of(p) for p in rep.trend], late_total=dash.late_total,
        open_by_officer=[OfficerWorkloadOut(officer_id=w.officer_id, officer_name=w.officer_name, open=w.open,
                                            overdue=w.overdue) for w in dash.workload],
    )


class LateDossierOut(BaseModel):
    dossier_id: int
    code: str
    procedure_name: str
    month: date = Field(description="The month in which it counted late")
    received_at: UtcInstant
    due_at: UtcInstant | None
    judged_at: UtcInstant | None = Field(description="The instant compared with the appointment")
    late_hours: float = Field(description="Working hours past the appointment")
    late_text: str = Field(examples=["1 ngày 2 giờ làm việc"])
    late_step: str | None = Field(description="Key of the internal process step that overran")
    late_step_name: str | None
    late_body: str | None
    late_body_name: str | None
    reason: str = Field(examples=["finished_late"])
    reason_label: str
    explanation: str
    status: str

    @classmethod
    def of(cls, late: LateDossier) -> LateDossierOut:
        d = late.dossier
        return cls(dossier_id=d.dossier_id, code=d.code, procedure_name=d.procedure_name, month=d.month,
                   received_at=as_utc(d.received_at), due_at=d.due_at and as_utc(d.due_at),
                   judged_at=d.judged_at and as_utc(d.judged_at),
                   late_hours=float(d.late_hours), late_text=late.late_text, late_step=d.late_step,
                   late_step_name=late.step_name, late_body=d.late_body, late_body_name=late.body_name,
                   reason=d.reason, reason_label=late.reason_label, explanation=d.explanation, status=d.status)


class LatePage(BaseModel):
    items: list[LateDossierOut]
    total: int


# ------------------------------------------------------------------------------------------------ chart data
# What the dashboards embed as <script type="application/json"> for web/static/index-charts.js (plain JSON values).


def _trend_chart(points: list[TrendPoint]) -> dict[str, Any]:
    return {"labels": [f"{p.month:%m/%Y}" for p in points],
            "on_time": [_num(p.on_time_percent) for p in points],
            "percent": [_num(p.percent) for p in points]}


def province_charts(dash: ProvinceDashboard) -> dict[str, Any]:
    ranked = [r for r in dash.ranking.rows if r.rank is not None and r.card.percent is not None]
    return {
        "histogram": {"labels": [f"{b.low}–{b.high}" for b in dash.histogram],
                      "counts": [b.count for b in dash.histogram]},
        "ranking": {"labels": [r.commune_name for r in ranked], "values": [_num(r.card.percent) for r in ranked],
                    "codes": [r.commune_code for r in ranked]},
        "trend": _trend_chart(dash.trend),
    }


def commune_charts(dash: CommuneDashboard) -> dict[str, Any]:
    return {"trend": _trend_chart(dash.report.trend)}


# ------------------------------------------------------------------------ reconciliation with the national portal


class PortalImportOut(BaseModel):
    id: int
    period: str = Field(examples=["2026-12"])
    metric_set: str = Field(examples=["766-v2"])
    file_name: str
    file_format: Literal["json", "xlsx"]
    file_digest: str = Field(description="SHA-256 of the file as uploaded")
    units: int = Field(description="Units in the file: the province and its communes")
    imported_at: UtcInstant
    imported_by: str

    @classmethod
    def of(cls, imp: PortalImport) -> PortalImportOut:
        return cls(id=imp.id, period=imp.period, metric_set=imp.metric_set, file_name=imp.file_name,
                   file_format=imp.file_format,  # type: ignore[arg-type]
                   file_digest=imp.file_digest, units=imp.units, imported_at=as_utc(imp.imported_at),
                   imported_by=imp.imported_by)


class FiguresOut(BaseModel):
    counts: dict[str, int] = Field(description="By the formula's role names (numerator, denominator, …)")
    rate: float | None = Field(description="Percent, 2 decimals")
    score: float | None = Field(description="Points, 2 decimals; null when not scored")
    status: str

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls(counts=dict(f.counts), rate=_num(f.rate), score=_num(f.score), status=f.status)


class DossierBehindOut(BaseModel):
    dossier_id: int
    code: str
    month: date
    counted_on_time: bool


class DifferenceOut(BaseModel):
    unit_code: str
    unit_name: str
    indicator: str
    max_points: float
    motcua: FiguresOut
    portal: FiguresOut
    gap: float | None = Field(description="motcua − portal, points; null when one side is not scored")
    category: str = Field(examples=["judged_differently"])
    category_label: str = Field(examples=["Tính khác nhau"])
    explanation: str
    formula_check: Literal["match", "mismatch", "not_checked"] = Field(
        description="motcua's formula on the portal's own counts against the portal's points")
    dossiers_total: int
    dossiers: list[DossierBehindOut]

    @classmethod
    def of(cls, d: Difference) -> DifferenceOut:
        return cls(unit_code=d.unit_code, unit_name=d.unit_name, indicator=d.indicator,
                   max_points=float(d.max_points), motcua=FiguresOut.of(d.motcua), portal=FiguresOut.of(d.portal),
                   gap=_num(d.gap), category=d.category, category_label=d.category_label, explanation=d.explanation,
                   formula_check=d.formula.status, dossiers_total=d.dossiers_total,
                   dossiers=[DossierBehindOut(dossier_id=b.dossier_id, code=b.code, month=b.month,
                                              counted_on_time=b.counted_on_time) for b in d.dossiers])


class ReconciliationOut(BaseModel):
    portal_import: PortalImportOut
    period: PeriodOut
    compared: int = Field(description="Unit × indicator pairs compared")
    differences: list[DifferenceOut] = Field(description="Every pair differing by more than 0.01 points")
    formula_checked: int
    formula_mismatches: int

    @classmethod
    def of(cls, rec: Reconciliation) -> ReconciliationOut:
        return cls(portal_import=PortalImportOut.of(rec.imp), period=PeriodOut.of(rec.period), compared=rec.compared,
                   differences=[DifferenceOut.of(d) for d in rec.differences], formula_checked=rec.formula_checked,
                   formula_mismatches=len(rec.formula_mismatches))
