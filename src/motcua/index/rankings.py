"""The province's ranking of its communes for a period (Decision 766): scored by the lean scorer, ranked with ties
sharing a place, each with its place in the previous period of the same length; cached until the rollups change."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.index.cache import SCORES
from motcua.index.definitions import MetricSet, metric_set_for
from motcua.index.fastscore import LeanCard, Ranked, plan_for, rank_cards
from motcua.index.periods import Period, add_months
from motcua.index.rollups import catalogue_counters, rollup_counters, sources_for
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

    @cached_property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)

    def row(self, commune_code: str) -> RankRow:
        for r in self.rows:
            if r.commune_code == commune_code:
                return r
        raise NotFound("Không tìm thấy xã, phường trong bảng xếp hạng.")


Scored = tuple[dict[str, DossierCounters], dict[str, LeanCard], Ranked]


def _scored(session: Session, province_code: str, period: Period, metric_set: MetricSet,
            catalogue: CatalogueCounters, communes: dict[str, str]) -> Scored:
    """One period's counters, lean cards and ranks of the province's communes, cached on the period's months: a
    fold of another month leaves it (and so the previous period's, which every ranking reads) served."""
    plan = plan_for(metric_set, sources_for(metric_set))
    zero = DossierCounters.zero()

    def compute() -> Scored:
        by_commune = rollup_counters(session, province_code, period)
        cards = plan.cards(by_commune, catalogue, keys=communes)
        return by_commune, cards, rank_cards(cards, [c for c in communes if by_commune.get(c, zero).counted])

    key = ("scored", province_code, period.start, period.end, metric_set.id, sources_for(metric_set), catalogue,
           tuple(communes))
    return SCORES.get(session, key, compute, scope=(province_code, tuple(period.months)))


def _rank_rows(session: Session, province_code: str, period: Period, metric_set: MetricSet,
               catalogue: CatalogueCounters, communes: dict[str, str]) -> list[RankRow]:
    """The period's rows and, for each, its rank in the previous period of the same length. Scored by the lean
    scorer: the display scorecard is built for the period's rows only (the previous period needs ranks and
    percents, not cards)."""
    zero = DossierCounters.zero()
    counters, cards, ranked = _scored(session, province_code, period, metric_set, catalogue, communes)
    _, previous_cards, previous = _scored(session, province_code, period.previous(), metric_set, catalogue, communes)
    rows = []
    for code, name in communes.items():
        rank, before = ranked.total.get(code), previous.total.get(code)
        rows.append(RankRow(code, name, rank, cards[code].scorecard(), counters.get(code, zero),
                            {g: r[code] for g, r in ranked.groups.items() if code in r}, before,
                            previous_cards[code].percent if before is not None else None))
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.commune_name))


def province_ranking(session: Session, province_code: str, period: Period) -> Ranking:
    """Every commune of the province ranked by its total (percent of the attainable points) and by group, with
    the place it held in the previous period of the same length. Kept in ``index.cache.SCORES`` until the rollups
    of its months or the previous period's change (the key names everything else the rows depend on). The one
    ranking: the ranking page, the dashboards and the province's home page all read it."""
    province = session.get(Province, province_code)
    if province is None:
        raise NotFound("Không tìm thấy tỉnh.")
    communes = {code: name for code, name in session.execute(
        select(Commune.code, Commune.name).where(Commune.province_code == province_code).order_by(Commune.code))}
    metric_set = metric_set_for(add_months(period.end, -1))
    catalogue = catalogue_counters(session, add_months(period.end, -1))
    key = ("ranking", province_code, period.kind, period.start, period.end, metric_set.id, sources_for(metric_set),
           catalogue,
           tuple(communes.items()))
    months = (*period.previous().months, *period.months)
    rows = SCORES.get(session, key,
                      lambda: _rank_rows(session, province_code, period, metric_set, catalogue, communes),
                      scope=(province_code, months))
    return Ranking(province_code, province.name, period, metric_set, catalogue, list(rows))
