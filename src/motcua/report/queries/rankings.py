"""The province's ranking of its communes for a period (published: every officer of the province may read it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.index.cache import SCORES
from motcua.index.definitions import MetricSet, metric_set_for
from motcua.index.fastscore import LeanCard, Ranked, plan_for, rank_cards
from motcua.index.periods import Period, add_months
from motcua.index.rollups import catalogue_counters, rollup_counters, sources_for
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard
from motcua.kit.errors import NotFound
from motcua.kit.text import fold
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


def _rank_rows(session: Session, province_code: str, period: Period, metric_set: MetricSet,
               catalogue: CatalogueCounters, communes: dict[str, str]) -> list[RankRow]:
    """The period's rows and, for each, its rank in the previous period of the same length. Scored by the lean
    scorer: the display scorecard is built for the period's rows only (the previous period needs ranks and
    percents, not cards)."""
    plan = plan_for(metric_set, sources_for(metric_set))
    zero = DossierCounters.zero()

    def scored(p: Period) -> tuple[dict[str, DossierCounters], dict[str, LeanCard], Ranked]:
        by_commune = rollup_counters(session, province_code, p)
        cards = plan.cards(by_commune, catalogue, keys=communes)
        return by_commune, cards, rank_cards(cards, [c for c in communes if by_commune.get(c, zero).counted])

    counters, cards, ranked = scored(period)
    _, previous_cards, previous = scored(period.previous())
    rows = []
    for code, name in communes.items():
        rank, before = ranked.total.get(code), previous.total.get(code)
        rows.append(RankRow(code, name, rank, cards[code].scorecard(), counters.get(code, zero),
                            {g: r[code] for g, r in ranked.groups.items() if code in r}, before,
                            previous_cards[code].percent if before is not None else None))
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.commune_name))


def province_ranking(session: Session, principal: Principal, province_code: str, period: Period) -> Ranking:
    """Every commune of the province ranked by its total (percent of the attainable points) and by group, with
    the place it held in the previous period of the same length. Kept in ``index.cache.SCORES`` until the rollups
    change (the key names everything else the rows depend on)."""
    if principal.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")
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
    rows = SCORES.get(session, key,
                      lambda: _rank_rows(session, province_code, period, metric_set, catalogue, communes))
    return Ranking(province_code, province.name, period, metric_set, catalogue, list(rows))


# ------------------------------------------------------------------------------------ the table: sort and search

#: The columns the ranking table sorts by (``?sort=``), besides one per group (``g-<group code>``). Names and ranks
#: read from the top (A to Z, 1 first); every figure from the largest, the way a reader looks for the best.
PLAIN_SORTS = ("rank", "name", "percent", "points", "on_time", "counted", "change", "previous")
ASCENDING_FIRST = frozenset({"rank", "name"})
GROUP_PREFIX = "g-"

SortValue = Decimal | int | str


def sort_keys(metric_set: MetricSet) -> tuple[str, ...]:
    return (*PLAIN_SORTS, *(GROUP_PREFIX + g.code for g in metric_set.groups))


def sort_value(row: RankRow, key: str) -> SortValue | None:
    """A row's value in a column of the table, as the page's ``data-k-<key>`` carries it; None where the cell is
    empty (a commune without dossiers has no percent, a group without data no points): such rows come last."""
    card = row.card
    ranked = row.rank is not None
    if key == "rank":
        return row.rank
    if key == "name":
        return fold(row.commune_name)
    if key == "percent":
        return card.percent if ranked else None
    if key == "points":
        return card.points if ranked else None
    if key == "on_time":
        return card.indicator("2.1").rate_percent_shown if ranked else None
    if key == "counted":
        return row.counters.counted
    if key == "change":
        return row.change
    if key == "previous":
        return row.previous_percent if row.previous_rank is not None else None
    if key.startswith(GROUP_PREFIX) and ranked:
        group = card.group(key.removeprefix(GROUP_PREFIX))
        return group.total.points if group.total.attainable else None
    return None


@dataclass(frozen=True)
class RankingTable:
    """The ranking table's rows sorted by one column (``sort``, ``descending``), and those a search by commune
    name without diacritics (``q``) matches: the others are sent hidden, so that the page's own search can show
    them again without a reload. ``order`` is each row's place in the ranking, which breaks ties."""

    rows: list[RankRow]
    sort: str
    descending: bool
    q: str
    total: int
    order: dict[str, int]
    keys: tuple[str, ...]
    matches: frozenset[str]

    @property
    def shown(self) -> int:
        return len(self.matches)

    def natural_descending(self, key: str) -> bool:
        return key not in ASCENDING_FIRST

    def next_descending(self, key: str) -> bool:
        """The direction a click on a column's header asks for: its natural one, or the reverse when the table is
        already sorted that way by it."""
        natural = self.natural_descending(key)
        return not natural if key == self.sort and self.descending == natural else natural


def ranking_table(ranking: Ranking, *, sort: str | None, direction: str | None, q: str | None) -> RankingTable:
    """The ranking's rows as the table shows them. An unknown column is the ranking's own order; rows without a
    value in the sorted column come last whichever the direction; equal values keep the ranking's order."""
    keys = sort_keys(ranking.metric_set)
    key = sort if sort in keys else "rank"
    descending = direction == "desc" if direction in ("asc", "desc") else key not in ASCENDING_FIRST
    words = fold(q or "").split()
    order = {r.commune_code: i for i, r in enumerate(ranking.rows)}
    present = [(v, r) for r in ranking.rows if (v := sort_value(r, key)) is not None]
    absent = [r for r in ranking.rows if sort_value(r, key) is None]
    present.sort(key=lambda pair: pair[0], reverse=descending)  # stable: equal values keep the ranking's order
    matches = frozenset(r.commune_code for r in ranking.rows if all(w in fold(r.commune_name) for w in words))
    return RankingTable([r for _, r in present] + absent, key, descending, " ".join((q or "").split()),
                        len(ranking.rows), order, keys, matches)
