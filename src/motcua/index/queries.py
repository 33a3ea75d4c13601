"""Reads of the service index: scorecards, rankings and drill-downs for any period, read from the monthly rollups.

Who may see what: the ranking of a province's communes is published (the news reports print "2nd of 148"), so
every officer of the province may read it; a commune's details (its dossiers, officers) follow the jurisdiction
rule — province users see every commune, commune users only their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.calendar import VIETNAM_TZ
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.dossier.models import Dossier
from motcua.index.definitions import MetricSet, metric_set_for
from motcua.index.facts import month_of
from motcua.index.models import ROLLUP_COUNTERS, IndexContribution, IndexRollup, IndexRollupCommune
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard, Subtotal, score, shown
from motcua.kit.errors import NotFound, ValidationFailed
from motcua.org.models import Commune, Province

#: What motcua counts itself today; ratings and feedback join when the citizen portal records them.
SOURCES = frozenset({"dossiers", "catalogue"})
#: The seven parts a published procedure must have (indicator 1.3), as keys of a catalogue version. The catalogue
#: has no "who may file" (đối tượng thực hiện) yet, so no procedure is complete until it does.
REQUIRED_PARTS = ("name", "process", "channels", "documents", "time_limit_amount", "applicants", "deciding_authority")

#: The first whole month an index can be computed for: Decision 766/QĐ-TTg took effect on 23/6/2022.
FIRST_MONTH = date(2022, 7, 1)
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
    current: date | None = None  # the month of "today" when the period was asked for (a period may reach past it)

    @property
    def last_month(self) -> date:
        """The period's last month that has begun: where a dossier still open is judged (Decision 766, 2.1)."""
        last = _add_months(self.end, -1)
        return last if self.current is None else max(self.start, min(last, self.current))

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
    def start_instant(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)

    @property
    def end_instant(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)

    def previous(self) -> Period:
        span = len(self.months)
        start = _add_months(self.start, -span)
        return Period(self.kind, start, self.start, _value(self.kind, start, self.start), self.current)


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
    period = _parse_period(value, today)
    if period.start < FIRST_MONTH or period.end > date(today.year + 1, 1, 1):
        raise ValidationFailed(f"Kỳ không hợp lệ: chỉ tính từ tháng {FIRST_MONTH.month}/{FIRST_MONTH.year} (Quyết định "
                               f"766/QĐ-TTg có hiệu lực 23/6/2022) đến hết năm {today.year}.",
                               fields={"period": "Ngoài phạm vi."})
    return replace(period, current=date(today.year, today.month, 1))


def _parse_period(value: str | None, today: date) -> Period:
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
            first = _parse_period(m[1], today).start
            last = _parse_period(m[2], today).start
            if last < first or len(Period("custom", first, _add_months(last, 1), text).months) > 120:
                raise bad
            return Period("custom", first, _add_months(last, 1), text)
    except ValueError:
        raise bad from None
    raise bad


# --------------------------------------------------------------------------------------------- counters


def _sums(model: type[IndexRollup | IndexRollupCommune], last: date | None) -> list[Any]:
    """The counters over the period's months. Over several months (``last`` given) a dossier counts once in 2.1:
    in the month its processing ended, or in the last month if still open then (see ``models.ROLLUP_ENDED``)."""
    sums = []
    for c in ROLLUP_COUNTERS:
        column: Any = getattr(model, c)
        if last is not None and c in ("counted", "on_time"):
            ended = model.ended if c == "counted" else model.ended_on_time
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
    return DossierCounters(**{c: int(getattr(row, c)) for c in ROLLUP_COUNTERS})


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


def catalogue_counters(session: Session, day: date) -> CatalogueCounters:
    """The national catalogue in force on ``day`` (the same for every commune; a province's own versions, which
    change fees rather than the published parts, are not counted here)."""
    national = ProcedureVersion.province_code.is_(None)
    latest = (select(ProcedureVersion.procedure_id, func.max(ProcedureVersion.effective_from).label("since"))
              .where(ProcedureVersion.effective_from <= day, national)
              .group_by(ProcedureVersion.procedure_id).subquery())
    versions = session.scalars(
        select(ProcedureVersion.data).join(latest, (latest.c.procedure_id == ProcedureVersion.procedure_id)
                                          & (latest.c.since == ProcedureVersion.effective_from))
        .where(national)
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


def _rank_rows(session: Session, province_code: str, period: Period, metric_set: MetricSet,
               catalogue: CatalogueCounters, communes: dict[str, str]) -> list[RankRow]:
    by_commune = rollup_counters(session, province_code, period)
    cards = {code: scorecard(metric_set, by_commune.get(code, DossierCounters.zero()), catalogue)
             for code in communes}
    scored = {code: c for code, c in cards.items() if by_commune.get(code, DossierCounters.zero()).counted}
    total_ranks = competition_ranks({code: share_order(c.total) for code, c in scored.items()})
    group_ranks = {g.code: competition_ranks({code: share_order(c.group(g.code).total)
                                              for code, c in scored.items()})
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
                    previous[r.commune_code].rank,
                    previous[r.commune_code].card.percent if previous[r.commune_code].rank is not None else None)
            for r in rows]
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
    """Rounded half-up to 2 decimals, as the scorecard rounds (``score.shown``)."""
    return None if not c.counted else shown(Fraction(c.on_time * 100, c.counted))


def commune_report(session: Session, principal: Principal, commune_code: str, period: Period,
                   trend_months: int = 12) -> CommuneReport:
    commune = _commune_for(session, principal, commune_code)
    last = _add_months(period.end, -1)
    metric_set, catalogue = metric_set_for(last), catalogue_counters(session, last)
    mine = [for_commune(commune.code)]
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
    last = period.last_month
    # Over several months a dossier counts once: in the month its processing ended, or the last one if still open.
    where = [c.commune_code == commune.code, c.month >= period.start, c.month < period.end,
             c.counted.is_(True), c.on_time.is_(False), or_(c.month == last, c.open_at_end.is_(False))]
    total = int(session.scalar(select(func.count()).select_from(c).where(*where)) or 0)
    rows = session.execute(
        # no applicant's name or contact: the drill-down is about the handling (docs/need-to-know.md)
        select(c, Dossier.code, Dossier.procedure_name, Dossier.received_at, Dossier.status)
        .join(Dossier, Dossier.id == c.dossier_id).where(*where)
        .order_by(c.late_hours.desc(), c.month, c.dossier_id).limit(limit).offset(offset)
    ).all()
    out = [CostlyDossier(r.IndexContribution.dossier_id, r.code, r.procedure_name, r.IndexContribution.month,
                         r.received_at, r.IndexContribution.due_at,
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


# --------------------------------------------------------------------------------------------- dashboards
# Reads for the province and commune dashboards and their exports (``motcua.report``): each page calls one of
# ``province_dashboard`` / ``commune_dashboard``, built on the reads above. (Imports are local so that this section
# only adds to the module.)

#: Why a dossier counted late on 2.1, for the person reading the dashboard (``index.judge.Reason``).
REASON_LABELS: dict[str, str] = {
    "finished_on_time": "Hoàn thành đúng hạn",
    "finished_late": "Hoàn thành quá hạn",
    "open_within_time": "Đang giải quyết, còn trong hạn",
    "open_late": "Đang giải quyết, đã quá hạn",
    "waiting_supplement": "Chờ bổ sung: tính tại thời điểm yêu cầu bổ sung, đã quá hạn",
    "supplemented_more_than_once": "Yêu cầu bổ sung quá một lần: tính là trễ hạn",
}
#: An indicator's status in words (``index.score.Status``).
STATUS_LABELS: dict[str, str] = {
    "ok": "Đã tính điểm",
    "no_data": "Chưa có dữ liệu",
    "not_applicable": "Không phát sinh (N/A)",
}
def index_period(value: str | None, today: date) -> Period:
    """``parse_period``, refusing a period that no metric set covers (before Decision 766 took effect on
    23/6/2022): its ranking cannot be scored, and its previous period or trend could fall before year 1."""
    from motcua.index.definitions import NoMetricSetInForce, all_metric_sets

    period = parse_period(value, today)
    try:
        metric_set_for(_add_months(period.end, -1))
    except NoMetricSetInForce:
        since = min(s.valid_from for s in all_metric_sets())
        message = (f"Chưa có bộ chỉ số áp dụng cho kỳ này: Bộ chỉ số theo Quyết định 766/QĐ-TTg áp dụng từ "
                   f"{since:%d/%m/%Y}.")
        raise ValidationFailed(f"Kỳ không hợp lệ. {message}", fields={"period": message}) from None
    return period


def recent_periods(today: date, months: int = 12) -> list[Period]:
    """What the period selector offers: the last ``months`` months, the last four quarters, this year and last."""
    current = date(today.year, today.month, 1)
    out = [parse_period(f"{_add_months(current, -i):%Y-%m}", today) for i in range(months)]
    quarter = date(current.year, 3 * ((current.month - 1) // 3) + 1, 1)
    out += [parse_period(_value("quarter", q, q), today) for q in (_add_months(quarter, -3 * i) for i in range(4))]
    out += [parse_period(str(current.year - i), today) for i in range(2)]
    return out


@dataclass(frozen=True)
class HistogramBin:
    """Communes whose total percent lies in ``[low, high)`` (the last bin includes 100)."""

    low: Decimal
    high: Decimal
    count: int


def percent_histogram(percents: Sequence[Decimal], width: int = 5) -> list[HistogramBin]:
    """Equal-width bins from the bin of the lowest percent up to 100."""
    if not percents:
        return []
    low = int(min(percents)) // width * width
    low = min(low, 100 - width)
    bins = []
    for start in range(low, 100, width):
        end = start + width
        count = sum(1 for p in percents if start <= p < end or (end >= 100 and p >= 100))
        bins.append(HistogramBin(Decimal(start), Decimal(min(end, 100)), count))
    return bins


def _trend(metric_set: MetricSet, catalogue: CatalogueCounters, monthly: dict[Any, DossierCounters],
           period: Period) -> list[TrendPoint]:
    points = []
    for month in period.months:
        c = monthly.get(month, DossierCounters.zero())
        points.append(TrendPoint(month, scorecard(metric_set, c, catalogue).percent if c.counted else None,
                                 _on_time_percent(c), c.received))
    return points


def province_trend(session: Session, principal: Principal, province_code: str, period: Period,
                   months: int = 12) -> list[TrendPoint]:
    """The province's rollups summed month by month over the ``months`` months ending with the period: its 2.1
    on-time rate and its total (percent of the attainable points, scored on the province's summed counters)."""
    if principal.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")
    last = _add_months(period.end, -1)
    trend_period = Period("custom", _add_months(period.end, -months), period.end, "")
    monthly = rollup_counters(session, province_code, trend_period, by="month")
    return _trend(metric_set_for(last), catalogue_counters(session, last), monthly, trend_period)


@dataclass(frozen=True)
class OfficerWorkload:
    """Open dossiers at one handler (None: not assigned yet — at the counter or waiting for the division head)."""

    officer_id: int | None
    officer_name: str | None
    open: int
    overdue: int


def open_workload_by_officer(session: Session, principal: Principal, commune_code: str,
                             now: datetime) -> list[OfficerWorkload]:
    """Open dossiers the commune decides, grouped by handler, with how many are past their appointment now."""
    from sqlalchemy import case

    from motcua.dossier.workflow import OPEN_STATES
    from motcua.org.models import Officer

    commune = _commune_for(session, principal, commune_code)
    overdue = func.sum(case((Dossier.due_at < now, 1), else_=0))
    rows = session.execute(
        select(Dossier.handler_id, Officer.full_name, func.count().label("open"), overdue.label("overdue"))
        .outerjoin(Officer, Officer.id == Dossier.handler_id)
        .where(Dossier.deciding_commune_code == commune.code,
               Dossier.status.in_([s.value for s in OPEN_STATES]))
        .group_by(Dossier.handler_id, Officer.full_name)
    ).all()
    out = [OfficerWorkload(r.handler_id, r.full_name, int(r.open), int(r.overdue or 0)) for r in rows]
    return sorted(out, key=lambda w: (w.officer_id is None, -w.overdue, -w.open, w.officer_name or ""))


def late_text(hours: Decimal, day_hours: Decimal = Decimal(8)) -> str:
    """Working hours late as "2 ngày 3 giờ làm việc" (days of the province's working day, 8 hours by default)."""
    if hours <= 0:
        return "Không tính theo giờ (quá hạn theo quy tắc)"
    days = int(hours // day_hours)
    rest = (hours - days * day_hours).quantize(Decimal("0.01"))
    parts = [f"{days} ngày"] if days else []
    if rest:
        parts.append(f"{format(rest.normalize(), 'f').replace('.', ',')} giờ")
    return f"{' '.join(parts)} làm việc"


@dataclass(frozen=True)
class LateDossier:
    """A costly dossier with what its reader needs in words: the step that overran and its body, the reason."""

    dossier: CostlyDossier
    step_name: str | None
    body_name: str | None
    reason_label: str
    late_text: str


def late_dossiers(session: Session, principal: Principal, commune_code: str, period: Period, limit: int = 50,
                  offset: int = 0) -> tuple[list[LateDossier], int]:
    """``costly_dossiers`` (same gate) with the overrun step's name from the dossier's procedure version, its body,
    the reason in words and the lateness in working days of the province."""
    from motcua.base.roles import DEPARTMENT_NAMES
    from motcua.calendar.queries import working_hours_for

    costly, total = costly_dossiers(session, principal, commune_code, period, limit, offset)
    bodies = {kind.value: name for kind, name in DEPARTMENT_NAMES.items()}
    ids = [c.dossier_id for c in costly if c.late_step]
    steps: dict[int, dict[str, str]] = {}
    if ids:
        versions: dict[int, int] = {r.id: r.procedure_version_id for r in session.execute(
            select(Dossier.id, Dossier.procedure_version_id).where(Dossier.id.in_(ids)))}
        data: dict[int, dict[str, Any]] = {r.id: r.data for r in session.execute(
            select(ProcedureVersion.id, ProcedureVersion.data).where(ProcedureVersion.id.in_(set(versions.values()))))}
        for dossier_id, version_id in versions.items():
            steps[dossier_id] = {s.get("key", ""): s.get("name", "") for s in data[version_id].get("process", [])}
    province_code = session.scalar(select(Commune.province_code).where(Commune.code == commune_code)) or ""
    day_hours = Decimal(working_hours_for(session, province_code).day_us) / 3_600_000_000
    return [LateDossier(c, steps.get(c.dossier_id, {}).get(c.late_step or "", c.late_step),
                        bodies.get(c.late_body or "", c.late_body), REASON_LABELS.get(c.reason, c.reason),
                        late_text(c.late_hours, day_hours))
            for c in costly], total


@dataclass(frozen=True)
class ProvinceDashboard:
    ranking: Ranking
    card: Scorecard  # the province as a whole: its communes' counters summed
    counters: DossierCounters
    trend: list[TrendPoint]
    histogram: list[HistogramBin]


def province_dashboard(session: Session, principal: Principal, period: Period) -> ProvinceDashboard:
    """The ranking of the principal's province (published figures: every officer of the province may read it)."""
    from motcua.index.score import merge_all

    ranking = province_ranking(session, principal, principal.province_code, period)
    counters = merge_all(r.counters for r in ranking.rows)
    return ProvinceDashboard(
        ranking, scorecard(ranking.metric_set, counters, ranking.catalogue), counters,
        province_trend(session, principal, principal.province_code, period),
        percent_histogram([r.card.percent for r in ranking.rows if r.rank is not None and r.card.percent is not None]),
    )


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
        from motcua.index.score import shown

        c = self.counters
        return None if not c.counted else shown(Fraction(c.on_time * 100, c.counted))


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
    from motcua.base.roles import DEPARTMENT_NAMES

    divisions = {kind.value: name for kind, name in DEPARTMENT_NAMES.items()}
    return CommuneDashboard(
        report, ranking.metric_set, ranking.province_name, ranking.row(report.commune.code), ranking.ranked,
        late, total, open_workload_by_officer(session, principal, commune_code, now),
        [Breakdown(code, name, c) for code, name, c in report.by_procedure],
        [Breakdown(kind, divisions.get(kind, kind), c) for kind, c in report.by_department],
    )
