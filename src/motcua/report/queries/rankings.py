"""The province's ranking of its communes for a period (published: every officer of the province may read it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.index.definitions import MetricSet, metric_set_for
from motcua.index.periods import Period, add_months
from motcua.index.rollups import catalogue_counters, competition_ranks, rollup_counters, scorecard, share_order
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard
from motcua.kit.errors import NotFound
from motcua.org.models import Commune, Province


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
    metric_set = metric_set_for(add_months(period.end, -1))
    catalogue = catalogue_counters(session, add_months(period.end, -1))
    rows = _rank_rows(session, province_code, period, metric_set, catalogue, communes)
    previous = {r.commune_code: r for r in _rank_rows(session, province_code, period.previous(), metric_set,
                                                      catalogue, communes)}
    rows = [RankRow(r.commune_code, r.commune_name, r.rank, r.card, r.counters, r.group_ranks,
                    previous[r.commune_code].rank,
                    previous[r.commune_code].card.percent if previous[r.commune_code].rank is not None else None)
            for r in rows]
    return Ranking(province_code, province.name, period, metric_set, catalogue, rows)
