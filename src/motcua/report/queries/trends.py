"""The index month by month (a commune's or the province's) and the spread of the communes' totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.index.cache import SCORES
from motcua.index.definitions import Level, MetricSet, metric_set_for
from motcua.index.fastscore import plan_for
from motcua.index.periods import Period, add_months
from motcua.index.rollups import catalogue_counters, on_time_percent, rollup_counters, sources_for
from motcua.index.score import CatalogueCounters, DossierCounters
from motcua.kit.errors import NotFound


@dataclass(frozen=True)
class TrendPoint:
    month: date
    percent: Decimal | None
    on_time_percent: Decimal | None
    received: int


def monthly_trend(metric_set: MetricSet, catalogue: CatalogueCounters, monthly: dict[Any, DossierCounters],
           period: Period, level: Level = "commune") -> list[TrendPoint]:
    plan = plan_for(metric_set, sources_for(metric_set), level)
    points = []
    for month in period.months:
        c = monthly.get(month, DossierCounters.zero())
        points.append(TrendPoint(month, plan.card(c, catalogue).percent if c.counted else None,
                                 on_time_percent(c), c.received))
    return points


def province_trend(session: Session, principal: Principal, province_code: str, period: Period,
                   months: int = 12) -> list[TrendPoint]:
    """The province's rollups summed month by month over the ``months`` months ending with the period: its 2.1
    on-time rate and its total (percent of the attainable points, scored on the province's summed counters). Each
    month's counters are cached on that month alone (``index.cache``): a fold of this month leaves the others'."""
    if principal.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")
    last = add_months(period.end, -1)
    trend_period = Period("custom", add_months(period.end, -months), period.end, "")
    monthly = {month: _province_month(session, province_code, month) for month in trend_period.months}
    return monthly_trend(metric_set_for(last), catalogue_counters(session, last), monthly, trend_period,
                         "province")


def _province_month(session: Session, province_code: str, month: date) -> DossierCounters:
    one = Period("month", month, add_months(month, 1), "")
    # the month's catalogue in the key: 3.5–3.6's B and C count the procedures it makes fee-bearing
    return SCORES.get(
        session, ("province_month", province_code, month, catalogue_counters(session, month)),
        lambda: rollup_counters(session, province_code, one, by="month").get(month, DossierCounters.zero()),
        scope=(province_code, (month,)))


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
