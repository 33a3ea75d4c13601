"""Lean scoring: many scopes (every commune of a province, of the country) scored at once, with integer arithmetic.

Why: ``score.score`` is the reference — one scope, every indicator built as a display object with ``Fraction``
arithmetic (about half a millisecond a scorecard). A ranking scores every commune twice (the period and the one
before it) and a month's index of the country 3,321 communes; there that cost is most of the page. This module gives
the very same numbers without the objects:

* a metric set is compiled once per (version, available sources, level) into a ``ScorePlan``: what does not depend
  on the counters (a province-only indicator on a commune's card, unallocated points, a missing source) is decided
  once, and an indicator that reads only the catalogue is scored once per batch, not once per commune;
* the remaining indicators are computed per scope as unreduced integer ratios ``(numerator, denominator)`` — no
  ``Fraction`` object, no ``Decimal`` — and summed per group and in total the same way;
* a ``LeanCard`` holds those ratios; totals, percents and rank keys are read from them exactly (ranks compare the
  shares as correctly rounded floats and break float ties with exact cross-multiplication), and the display
  ``Scorecard`` is built only when a page shows it (``LeanCard.scorecard``), equal field for field to what
  ``score.score`` returns for the same counters (tests/index/test_fastscore.py compares them on random counters for
  every indicator of every version).

Generic over the metric set: every counter is looked up by the name the definitions give it — a ``DossierCounters``
field, a derived counter (``online``), a ``CatalogueCounters`` field or an ``external`` counter — so counters added
to the rollups later are scored without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction
from functools import cmp_to_key
from math import gcd
from threading import Lock
from typing import Any, TypeVar

from motcua.index.definitions import COUNTER_SOURCES, SOURCES, Indicator, Level, MetricSet
from motcua.index.score import (
    CatalogueCounters,
    CounterError,
    DossierCounters,
    GroupResult,
    IndicatorResult,
    Scorecard,
    Status,
    Subtotal,
)

K = TypeVar("K")
Ratio = tuple[int, int]
"""An exact non-negative rational as (numerator, denominator > 0), not reduced."""

_ZERO: Ratio = (0, 1)
_ONE: Ratio = (1, 1)
_DOSSIER_FIELDS = frozenset(f.name for f in fields(DossierCounters))
_CATALOGUE_FIELDS = frozenset(f.name for f in fields(CatalogueCounters))
_DERIVED: Mapping[str, tuple[str, ...]] = {"online": ("online_by_citizen", "online_assisted")}


def _ratio(value: Decimal) -> Ratio:
    f = Fraction(value)
    return f.numerator, f.denominator


def _reduce(r: Ratio) -> Ratio:
    g = gcd(r[0], r[1])
    return (r[0] // g, r[1] // g) if g > 1 else r


def _add(a: Ratio, b: Ratio) -> Ratio:
    if a[1] == b[1]:
        return a[0] + b[0], a[1]
    return a[0] * b[1] + b[0] * a[1], a[1] * b[1]


def _mul(a: Ratio, b: Ratio) -> Ratio:
    return a[0] * b[0], a[1] * b[1]


def _lt(a: Ratio, b: Ratio) -> bool:
    return a[0] * b[1] < b[0] * a[1]


def _min(a: Ratio, b: Ratio) -> Ratio:
    """``min(a, b)`` as Python's builtin picks it (the first on a tie: the same value either way)."""
    return b if _lt(b, a) else a


def _shown(r: Ratio) -> Decimal:
    """``score.shown`` of a non-negative ratio: 2 decimals, half up."""
    return Decimal((200 * r[0] + r[1]) // (2 * r[1])).scaleb(-2)


def _fraction(r: Ratio) -> Fraction:
    return Fraction(r[0], r[1])


# ----------------------------------------------------------------------------------------- counter look-up


class _Counts:
    """The counters of one scope, by name (the same look-up and the same errors as ``score._Counts``)."""

    __slots__ = ("catalogue", "dossiers", "external")

    def __init__(self, dossiers: DossierCounters, catalogue: CatalogueCounters, external: Mapping[str, int]) -> None:
        self.dossiers = dossiers
        self.catalogue = catalogue
        self.external = external

    def get(self, name: str) -> int:
        if name in _DERIVED:
            return sum(self.get(part) for part in _DERIVED[name])
        if name in _DOSSIER_FIELDS:
            value: int = getattr(self.dossiers, name)
            return value
        if name in _CATALOGUE_FIELDS:
            value = getattr(self.catalogue, name)
            return value
        if name not in self.external:
            raise CounterError(
                f"counter {name!r} of source {COUNTER_SOURCES[name]!r} was not supplied: a source declared "
                f"available must bring its counters (score(..., external={{{name!r}: …}}))"
            )
        return self.external[name]

    def rate(self, numerator: str, denominator: str) -> Ratio | None:
        whole = self.get(denominator)
        if whole == 0:
            return None
        part = self.get(numerator)
        if part > whole:
            raise CounterError(f"counter {numerator} ({part}) exceeds {denominator} ({whole})")
        return part, whole


def check_external(external: Mapping[str, int]) -> None:
    """``score.score``'s checks of the ``external`` counters."""
    for name, value in external.items():
        if name not in COUNTER_SOURCES:
            raise CounterError(f"unknown external counter {name!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CounterError(f"external counter {name} must be a whole number ≥ 0, got {value!r}")


# ----------------------------------------------------------------------------------------- one indicator

Note = str | Callable[[], str]
"""A note, or how to write it (built only when the display card is)."""


@dataclass(frozen=True, slots=True)
class _Value:
    """An indicator's outcome: status, exact rate and points as ratios, note."""

    status: Status
    rate: Ratio | None
    points: Ratio | None
    note: Note = ""


_N_A_ZERO = _Value("not_applicable", None, None, "Mẫu số bằng 0")


class _Live:
    """An indicator scored from counters, its constants converted to integer ratios once."""

    def __init__(self, ind: Indicator, sources: frozenset[str]) -> None:
        self.ind = ind
        self.kind = ind.kind
        self.top = _ratio(ind.max_points)
        self.threshold = None if ind.threshold is None else _ratio(ind.threshold)
        self.roles = dict(ind.counters)
        self.factor = ind.sync_factor
        self.factor_live = self.factor is not None and self.factor.data in sources
        self.substitute = None if self.factor is None else _ratio(self.factor.substitute)
        self.substitute_note = "" if self.factor is None else (
            f"Chưa có nguồn dữ liệu ({SOURCES[self.factor.data]}): "
            f"tỷ lệ đồng bộ tạm tính bằng {self.factor.substitute}")
        self.catalogue_only = all(COUNTER_SOURCES[name] == "catalogue" for _, name in ind.counters) and (
            self.factor is None or not self.factor_live)

    def value(self, counts: _Counts) -> _Value:
        kind = self.kind
        if kind == "satisfaction_5_4":
            return self._satisfaction(counts)
        if kind == "online_payment":
            return self._online_payment(counts)
        if kind == "satisfaction_by_dossier":
            return self._by_dossier(counts)
        top = self.top
        rate = counts.rate(self.roles["numerator"], self.roles["denominator"])
        if rate is None:
            if kind == "full_when_none":
                return _Value("ok", None, top, "Không phát sinh trong kỳ: đạt điểm tối đa")
            return _N_A_ZERO
        note: Note = ""
        factor = self.factor
        if factor is not None:
            if self.factor_live:
                sync = counts.rate(factor.numerator, factor.denominator)
                rate = _mul(rate, _ZERO if sync is None else sync)
            else:
                assert self.substitute is not None
                rate = _mul(rate, self.substitute)
                note = self.substitute_note
        if kind == "full_at_threshold":
            assert self.threshold is not None
            h = self.threshold
            # top × min(1, rate ÷ threshold)
            share = (rate[0] * h[1], rate[1] * h[0])
            points = top if not _lt(share, _ONE) else _mul(top, share)
        else:
            points = _mul(top, rate)
        return _Value("ok", rate, points, note)

    def _capped(self, rate: Ratio) -> Ratio:
        """min(top, top × rate ÷ threshold)."""
        assert self.threshold is not None
        top, h = self.top, self.threshold
        return _min(top, (top[0] * rate[0] * h[1], top[1] * rate[1] * h[0]))

    def _satisfaction(self, counts: _Counts) -> _Value:
        r = self.roles
        on_time = counts.rate(r["on_time"], r["counted"])
        dissatisfied = counts.rate(r["dissatisfied"], r["ratings"])
        if on_time is None and dissatisfied is None:
            return _Value("not_applicable", None, None, "Không có hồ sơ và không có đánh giá trong kỳ")
        # 1 − late − dissatisfied, late = 1 − on-time rate
        left = _ONE if on_time is None else on_time
        d = _ZERO if dissatisfied is None else dissatisfied
        rate = (left[0] * d[1] - d[0] * left[1], left[1] * d[1])
        if rate[0] < 0:
            rate = _ZERO
        return _Value("ok", rate, self._capped(rate))

    def _online_payment(self, counts: _Counts) -> _Value:
        r = self.roles
        fee_bearing = counts.get(r["fee_bearing"])
        if fee_bearing == 0:
            return _Value("not_applicable", None, None, "Không có thủ tục có phí, lệ phí")
        a = counts.rate(r["paid"], r["owed"]) or _ZERO
        b = counts.rate(r["procedures_paid"], r["fee_bearing"])
        c = counts.rate(r["procedures_with_fee_dossiers"], r["fee_bearing"])
        assert b is not None and c is not None  # fee_bearing > 0
        points = _add(_add(_mul((6, 1), a), _min((2, 1), _mul((5, 2), b))), _mul((5, 2), c))

        def note() -> str:
            return (f"A = {_shown((a[0] * 100, a[1]))}%, B = {_shown((b[0] * 100, b[1]))}%, "
                    f"C = {_shown((c[0] * 100, c[1]))}%")

        return _Value("ok", a, _min(self.top, points), note)

    def _by_dossier(self, counts: _Counts) -> _Value:
        r = self.roles
        handled = counts.get(r["handled"])
        if handled == 0:
            return _Value("ok", None, _ZERO, "Không có hồ sơ được giải quyết trong kỳ: 0 điểm")
        unsatisfactory = counts.rate(r["unsatisfactory"], r["handled"])
        assert unsatisfactory is not None
        rate = (unsatisfactory[1] - unsatisfactory[0], unsatisfactory[1])
        return _Value("ok", rate, self._capped(rate))


# ----------------------------------------------------------------------------------------- the plan


class ScorePlan:
    """A metric set compiled for one set of available sources and one level (see the module doc)."""

    def __init__(self, metric_set: MetricSet, sources: frozenset[str], level: Level = "commune") -> None:
        unknown = sorted(sources - (set(SOURCES) - {"none"}))
        if unknown:
            raise CounterError(f"unknown data source(s) {unknown}; known: {sorted(set(SOURCES) - {'none'})}")
        self.metric_set = metric_set
        self.sources = frozenset(sources)
        self.level = level
        self.indicators: tuple[Indicator, ...] = tuple(
            ind for group in metric_set.groups for ind in metric_set.indicators_of(group.code))
        """In scorecard order: group by group, each group's indicators in the definitions' order."""
        self.group_slices: tuple[tuple[int, int], ...] = ()
        slices, start = [], 0
        for group in metric_set.groups:
            count = len(metric_set.indicators_of(group.code))
            slices.append((start, start + count))
            start += count
        self.group_slices = tuple(slices)
        self.group_index = {group.code: i for i, group in enumerate(metric_set.groups)}
        self.indicator_index = {ind.code: i for i, ind in enumerate(self.indicators)}
        self.fixed: dict[int, _Value] = {}
        self.live: dict[int, _Live] = {}
        for i, ind in enumerate(self.indicators):
            fixed = _fixed(ind, sources, level)
            if fixed is not None:
                self.fixed[i] = fixed
            else:
                self.live[i] = _Live(ind, self.sources)
        self._attainable: dict[tuple[bool, ...], tuple[tuple[Decimal, ...], Decimal]] = {}
        self._results: dict[tuple[int, _Value], IndicatorResult] = {}

    def result(self, i: int, v: _Value) -> IndicatorResult:
        """The display result of indicator ``i`` with outcome ``v``; one object per distinct outcome (most outcomes
        repeat from commune to commune: fixed ones, catalogue ones, N/A), shared by the cards (they are frozen)."""
        key = (i, v)
        found = self._results.get(key)
        if found is None:
            ind = self.indicators[i]
            note = v.note if isinstance(v.note, str) else v.note()
            found = IndicatorResult(ind.code, ind.group, ind.name, ind.max_points, v.status,
                                    None if v.rate is None else _fraction(v.rate),
                                    None if v.points is None else _fraction(v.points), note)
            if len(self._results) > 100_000:
                self._results.clear()
            self._results[key] = found
        return found

    def attainable(self, ok: tuple[bool, ...]) -> tuple[tuple[Decimal, ...], Decimal]:
        """Per group and in total, the maxima of the indicators scored ``ok`` (summed as ``score`` sums them)."""
        found = self._attainable.get(ok)
        if found is None:
            per_group = tuple(sum((self.indicators[i].max_points for i in range(a, b) if ok[i]), Decimal(0))
                              for a, b in self.group_slices)
            total = sum((self.indicators[i].max_points for i in range(len(ok)) if ok[i]), Decimal(0))
            found = self._attainable[ok] = (per_group, total)
        return found

    def card(self, dossiers: DossierCounters, catalogue: CatalogueCounters,
             external: Mapping[str, int] | None = None) -> LeanCard:
        """One scope (the same arguments as ``score.score``)."""
        external = dict(external or {})
        check_external(external)
        return _Batch(self, catalogue).card(_Counts(dossiers, catalogue, external))

    def cards(self, counters: Mapping[K, DossierCounters], catalogue: CatalogueCounters,
              external: Mapping[K, Mapping[str, int]] | None = None,
              keys: Iterable[K] | None = None) -> dict[K, LeanCard]:
        """Every scope of ``keys`` (default: of ``counters``; a key without counters scores zero counters), with the
        same catalogue; ``external`` gives each scope's external counters."""
        zero = DossierCounters.zero()
        batch = _Batch(self, catalogue)
        out: dict[K, LeanCard] = {}
        no_external: Mapping[str, int] = {}
        for key in counters if keys is None else keys:
            mine = no_external
            if external:
                mine = dict(external.get(key) or {})
                check_external(mine)
            out[key] = batch.card(_Counts(counters.get(key, zero), catalogue, mine))
        return out


class _Batch:
    """A plan applied to scopes sharing one catalogue: what depends on neither the dossiers nor the external
    counters (fixed outcomes, catalogue-only indicators, their group sums) is computed once here."""

    def __init__(self, plan: ScorePlan, catalogue: CatalogueCounters) -> None:
        self.plan = plan
        template: list[_Value | None] = [plan.fixed.get(i) for i in range(len(plan.indicators))]
        shared = _Counts(DossierCounters.zero(), catalogue, {})
        for i, live in plan.live.items():
            if live.catalogue_only:
                template[i] = live.value(shared)
        self.template = template
        self.live = [(i, plan.live[i]) for i, v in enumerate(template) if v is None]
        known_totals: list[Ratio] = []
        self.dynamic: list[tuple[int, Ratio, tuple[int, ...]]] = []
        """Per group with indicators scored per scope: its index, the points known for the batch, those indicators."""
        for g, (a, b) in enumerate(plan.group_slices):
            known: Ratio = _ZERO
            for v in template[a:b]:
                if v is not None and v.status == "ok":
                    assert v.points is not None
                    known = _add(known, v.points)
            known_totals.append(_reduce(known))
            mine = tuple(i for i in range(a, b) if template[i] is None)
            if mine:
                self.dynamic.append((g, known_totals[-1], mine))
        self.known_totals = tuple(known_totals)
        static: Ratio = _ZERO
        for g, total in enumerate(known_totals):
            if all(g != d[0] for d in self.dynamic):
                static = _add(static, total)
        self.static_total = _reduce(static)
        self.attainable: dict[tuple[bool, ...], tuple[tuple[Decimal, ...], Decimal, tuple[Ratio, ...], Ratio]] = {}

    def card(self, counts: _Counts) -> LeanCard:
        values: list[Any] = list(self.template)
        for i, live in self.live:
            values[i] = live.value(counts)
        group_totals = list(self.known_totals)
        total = self.static_total
        for g, subtotal, mine in self.dynamic:
            for i in mine:
                v = values[i]
                if v.status == "ok":
                    subtotal = _add(subtotal, v.points)
            subtotal = _reduce(subtotal)
            group_totals[g] = subtotal
            total = _add(total, subtotal)
        ok = tuple([values[i].status == "ok" for i, _ in self.live])
        found = self.attainable.get(ok)
        if found is None:
            per_group, attainable = self.plan.attainable(tuple(v.status == "ok" for v in values))
            found = self.attainable[ok] = (per_group, attainable, tuple(_ratio(a) for a in per_group),
                                           _ratio(attainable))
        return LeanCard(self.plan, tuple(values), tuple(group_totals), _reduce(total), *found)


def _fixed(ind: Indicator, sources: frozenset[str], level: Level) -> _Value | None:
    """The outcome that does not depend on the counters, if any (``score._indicator``'s first checks)."""
    if ind.level is not None and ind.level != level:
        return _Value("not_applicable", None, None, "Chỉ tiêu chỉ đánh giá cấp tỉnh")
    if ind.kind == "unallocated":
        return _Value("no_data", None, None, "Phần điểm chưa được phân bổ cho chỉ tiêu nào")
    missing = sorted(ind.sources - sources)
    if missing:
        labels = "; ".join(SOURCES[source] for source in missing)
        return _Value("no_data", None, None, f"Chưa có nguồn dữ liệu: {labels}")
    return None


_PLANS: dict[tuple[int, str, frozenset[str], str], ScorePlan] = {}
_PLANS_LOCK = Lock()


def plan_for(metric_set: MetricSet, sources: frozenset[str], level: Level = "commune") -> ScorePlan:
    """The compiled plan (kept for the process: a metric set never changes once loaded)."""
    key = (id(metric_set), metric_set.id, frozenset(sources), level)
    plan = _PLANS.get(key)
    if plan is None or plan.metric_set is not metric_set:
        plan = ScorePlan(metric_set, sources, level)
        with _PLANS_LOCK:
            if len(_PLANS) > 64:
                _PLANS.clear()
            _PLANS[key] = plan
    return plan


# ----------------------------------------------------------------------------------------- the result


class LeanCard:
    """A scope's scores as exact integer ratios; ``scorecard()`` builds the display objects (once)."""

    __slots__ = ("_attainable", "_card", "_group_attainable", "attainable", "group_attainable", "group_totals",
                 "plan", "total", "values")

    def __init__(self, plan: ScorePlan, values: tuple[_Value, ...], group_totals: tuple[Ratio, ...],
                 total: Ratio, group_attainable: tuple[Decimal, ...], attainable: Decimal,
                 group_attainable_ratio: tuple[Ratio, ...], attainable_ratio: Ratio) -> None:
        self.plan = plan
        self.values = values
        self.group_totals = group_totals
        self.total = total
        self.group_attainable = group_attainable
        self.attainable = attainable
        self._group_attainable = group_attainable_ratio
        self._attainable = attainable_ratio
        self._card: Scorecard | None = None

    # totals, exactly as ``Subtotal`` shows them
    @property
    def points(self) -> Decimal:
        return _shown(self.total)

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.share())

    def group_percent(self, code: str) -> Decimal | None:
        return _percent(self.group_share(code))

    def share(self) -> Ratio | None:
        """points ÷ attainable (``rollups.share_order``'s value, unnegated); None when nothing is attainable."""
        a = self._attainable
        return None if not a[0] else (self.total[0] * a[1], self.total[1] * a[0])

    def group_share(self, code: str) -> Ratio | None:
        i = self.plan.group_index[code]
        a, total = self._group_attainable[i], self.group_totals[i]
        return None if not a[0] else (total[0] * a[1], total[1] * a[0])

    def rate_percent_shown(self, code: str) -> Decimal | None:
        """``IndicatorResult.rate_percent_shown`` of one indicator."""
        rate = self.values[self.plan.indicator_index[code]].rate
        return None if rate is None else _shown((rate[0] * 100, rate[1]))

    def scorecard(self) -> Scorecard:
        """The display card, equal to ``score.score``'s for the same counters."""
        if self._card is None:
            self._card = _build(self)
        return self._card


def _percent(share: Ratio | None) -> Decimal | None:
    return None if share is None else _shown((share[0] * 100, share[1]))


def _build(lean: LeanCard) -> Scorecard:
    plan = lean.plan
    results = [plan.result(i, v) for i, v in enumerate(lean.values)]
    groups = tuple(
        GroupResult(group.code, group.name, group.max_points,
                    _subtotal(lean.group_totals[i], lean.group_attainable[i], lean._group_attainable[i]),
                    tuple(results[a:b]))
        for i, (group, (a, b)) in enumerate(zip(plan.metric_set.groups, plan.group_slices, strict=True)))
    return Scorecard(plan.metric_set.id, plan.sources, groups,
                     _subtotal(lean.total, lean.attainable, lean._attainable))


def _subtotal(total: Ratio, attainable: Decimal, attainable_ratio: Ratio) -> Subtotal:
    """A ``Subtotal`` with its shown points and percent already worked out from the integers (the values its
    properties would compute from the Fractions: the test compares them)."""
    subtotal = Subtotal(_fraction(total), attainable)
    subtotal.__dict__["points"] = _shown(total)
    subtotal.__dict__["percent"] = None if not attainable_ratio[0] else _shown(
        (total[0] * attainable_ratio[1] * 100, total[1] * attainable_ratio[0]))
    return subtotal


# ----------------------------------------------------------------------------------------- ranks


def _compare(a: tuple[Ratio, Any, float], b: tuple[Ratio, Any, float]) -> int:
    left, right = a[0][0] * b[0][1], b[0][0] * a[0][1]
    return -1 if left > right else (1 if left < right else 0)  # highest share first


def ranks_by_share(shares: Mapping[K, Ratio | None]) -> dict[K, int]:
    """Competition ranking ("1, 2, 2, 4") by share, highest first; None is not ranked (``rollups.competition_ranks``
    of ``share_order`` keys, without Fractions: a correctly rounded float is monotonic in the exact value, so
    sorting by it never inverts two shares, and shares whose floats are equal are ordered exactly)."""
    items: list[tuple[Ratio, K, float]] = [(s, k, s[0] / s[1]) for k, s in shares.items() if s is not None]
    items.sort(key=lambda x: -x[2])
    ranks: dict[K, int] = {}
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1][2] == items[i][2]:
            j += 1
        run = items[i:j + 1]
        first = run[0][0]
        if len(run) > 1 and any(r[0][0] * first[1] != first[0] * r[0][1] for r in run):
            run.sort(key=cmp_to_key(_compare))
        place = i + 1
        for n, (share, key, _) in enumerate(run):
            if n:
                previous = run[n - 1][0]
                if previous[0] * share[1] != share[0] * previous[1]:
                    place = i + n + 1
            ranks[key] = place
        i = j + 1
    return ranks


@dataclass(frozen=True)
class Ranked:
    """A batch of lean cards ranked: by total and by group, among the scopes given as scored."""

    total: dict[Any, int]
    groups: dict[str, dict[Any, int]]


def rank_cards(cards: Mapping[K, LeanCard], scored: Iterable[K]) -> Ranked:
    """Ranks of the ``scored`` scopes (those with something counted), by total and by each group."""
    keys = list(scored)
    if not keys:
        return Ranked({}, {})
    plan = cards[keys[0]].plan
    total = ranks_by_share({k: cards[k].share() for k in keys})
    groups = {g.code: ranks_by_share({k: cards[k].group_share(g.code) for k in keys})
              for g in plan.metric_set.groups}
    return Ranked(total, groups)
