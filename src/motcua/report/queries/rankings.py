"""The province's ranking of its communes for a period (published: every officer of the province may read it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.index.definitions import MetricSet
from motcua.index.periods import Period
from motcua.index.rankings import Ranking, RankRow
from motcua.index.rankings import province_ranking as ranking_of
from motcua.kit.errors import NotFound
from motcua.kit.text import fold

__all__ = ["RankRow", "Ranking", "province_ranking", "ranking_table", "sort_value"]


def province_ranking(session: Session, principal: Principal, province_code: str, period: Period) -> Ranking:
    """The province's ranking (``index.rankings``), for an officer of that province."""
    if principal.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")
    return ranking_of(session, province_code, period)


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
