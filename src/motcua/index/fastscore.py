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
from operator import attrgetter
from threading import Lock
from typing import Any, Final, TypeVar

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
    missing_counter,
)

K = TypeVar("K")
Ratio = tuple[int, int]
"""An exact non-negative rational as (numerator, denominator > 0), not reduced."""

_ZERO: Ratio = (0, 1)
_ONE: Ratio = (1, 1)
_DOSSIER_FIELDS = frozenset(f.name for f in fields(DossierCounters))
_CATALOGUE_FIELDS = frozenset(f.name for f in fields(CatalogueCounters))
_DERIVED: Mapping[str, tuple[str, ...]] = {"online": ("online_by_citizen", "online_assisted")}
_PLAIN_INT = {int}


def _ratio(value: Decimal) -> Ratio:
    f = Fraction(value)
    return f.numerator, f.denominator


def _reduce(r: Ratio) -> Ratio:
    g = gcd(r[0], r[1])
    return (r[0] // g, r[1] // g) if g > 1 else r


def _add(a: Ratio, b: Ratio) -> Ratio:
    if a[1] == b[1]:
        return a[0] + b[0], a[1]
    g = gcd(a[1], b[1])  # over the lowest common denominator: sums of many ratios stay small numbers
    if g == 1:
        return a[0] * b[1] + b[0] * a[1], a[1] * b[1]
    return a[0] * (b[1] // g) + b[0] * (a[1] // g), a[1] // g * b[1]


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
            raise missing_counter(name)
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
    values = external.values()
    if external.keys() <= COUNTER_SOURCES.keys() and set(map(type, values)) <= _PLAIN_INT and min(
            values, default=0) >= 0:
        return  # the common case at C speed; the loop finds the first offender as ``score.score`` does
    for name, value in external.items():
        if name not in COUNTER_SOURCES:
            raise CounterError(f"unknown external counter {name!r}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CounterError(f"external counter {name} must be a whole number ≥ 0, got {value!r}")


class _Fallback(Exception):  # not an error: the batch is scored one scope at a time instead
    """A column cannot be read for every scope at once (a counter missing, a part above its whole): the batch is
    scored scope by scope, which reads counters lazily and raises exactly ``score.score``'s errors."""


class _Columns:
    """The counters of many scopes, column by column (``_Counts`` for a batch)."""

    def __init__(self, dossiers: list[DossierCounters], catalogue: CatalogueCounters,
                 external: list[Mapping[str, int]] | None) -> None:
        self.dossiers = dossiers
        self.catalogue = catalogue
        self.external = external
        self.n = len(dossiers)
        self._cache: dict[str, list[int]] = {}

    def get(self, name: str) -> list[int]:
        found = self._cache.get(name)
        if found is not None:
            return found
        if name in _DERIVED:
            parts = [self.get(part) for part in _DERIVED[name]]
            found = [sum(values) for values in zip(*parts, strict=True)]
        elif name in _DOSSIER_FIELDS:
            found = list(map(attrgetter(name), self.dossiers))
        elif name in _CATALOGUE_FIELDS:
            found = [getattr(self.catalogue, name)] * self.n
        else:
            values = [e.get(name) for e in self.external] if self.external else [None] * self.n
            if None in values:
                raise _Fallback(name)
            found = [int(v or 0) for v in values]
        self._cache[name] = found
        return found

    def rates(self, numerator: str, denominator: str) -> list[Ratio | None]:
        wholes, parts = self.get(denominator), self.get(numerator)
        if any(p > w for p, w in zip(parts, wholes, strict=True) if w):
            raise _Fallback(numerator)
        return [(p, w) if w else None for p, w in zip(parts, wholes, strict=True)]


# ----------------------------------------------------------------------------------------- one indicator

Note = str | Callable[[], str]
"""A note, or how to write it (built only when the display card is)."""


_Value = tuple[Status, Ratio | None, Ratio | None, Note]
"""An indicator's outcome: status, exact rate and points as ratios, note (a plain tuple: cheap to make by the
thousand; read with the indexes below)."""
_STATUS: Final = 0
_RATE: Final = 1
_POINTS: Final = 2


_N_A_ZERO: _Value = ("not_applicable", None, None, "Mẫu số bằng 0")


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
                return ("ok", None, top, "Không phát sinh trong kỳ: đạt điểm tối đa")
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
        return ("ok", rate, points, note)

    def column(self, cols: _Columns) -> list[_Value]:
        """``value`` for every scope of the batch at once (the same outcomes)."""
        kind = self.kind
        if kind in ("satisfaction_5_4", "online_payment", "satisfaction_by_dossier"):
            return self._column_other(cols)
        top = self.top
        rates = cols.rates(self.roles["numerator"], self.roles["denominator"])
        note: Note = ""
        factor = self.factor
        if factor is not None:
            if self.factor_live:
                syncs = cols.rates(factor.numerator, factor.denominator)
                rates = [None if r is None else ((r[0] * s[0], r[1] * s[1]) if s is not None else (0, r[1]))
                         for r, s in zip(rates, syncs, strict=True)]
            else:
                u0, u1 = self.substitute or _ONE
                rates = [None if r is None else (r[0] * u0, r[1] * u1) for r in rates]
                note = self.substitute_note
        none: _Value = (("ok", None, top, "Không phát sinh trong kỳ: đạt điểm tối đa") if kind == "full_when_none"
                        else _N_A_ZERO)
        t0, t1 = top
        if kind == "full_at_threshold":
            assert self.threshold is not None
            h0, h1 = self.threshold
            return [none if r is None else ("ok", r, top if r[0] * h1 >= r[1] * h0
                                            else (t0 * r[0] * h1, t1 * r[1] * h0), note)
                    for r in rates]
        return [none if r is None else ("ok", r, (t0 * r[0], t1 * r[1]), note) for r in rates]

    def _column_other(self, cols: _Columns) -> list[_Value]:
        r = self.roles
        if self.kind == "satisfaction_5_4":
            pairs = zip(cols.rates(r["on_time"], r["counted"]), cols.rates(r["dissatisfied"], r["ratings"]),
                        strict=True)
            return [self._satisfaction_of(on_time, dissatisfied) for on_time, dissatisfied in pairs]
        if self.kind == "online_payment":
            fee_bearing = cols.get(r["fee_bearing"])
            paid = cols.rates(r["paid"], r["owed"])
            b = cols.rates(r["procedures_paid"], r["fee_bearing"])
            c = cols.rates(r["procedures_with_fee_dossiers"], r["fee_bearing"])
            return [self._online_payment_of(*x) for x in zip(fee_bearing, paid, b, c, strict=True)]
        handled = cols.get(r["handled"])
        unsatisfactory = cols.rates(r["unsatisfactory"], r["handled"])
        return [self._by_dossier_of(h, u) for h, u in zip(handled, unsatisfactory, strict=True)]

    def _capped(self, rate: Ratio) -> Ratio:
        """min(top, top × rate ÷ threshold)."""
        assert self.threshold is not None
        top, h = self.top, self.threshold
        return _min(top, (top[0] * rate[0] * h[1], top[1] * rate[1] * h[0]))

    def _satisfaction(self, counts: _Counts) -> _Value:
        r = self.roles
        on_time = counts.rate(r["on_time"], r["counted"])
        return self._satisfaction_of(on_time, counts.rate(r["dissatisfied"], r["ratings"]))

    def _satisfaction_of(self, on_time: Ratio | None, dissatisfied: Ratio | None) -> _Value:
        if on_time is None and dissatisfied is None:
            return ("not_applicable", None, None, "Không có hồ sơ và không có đánh giá trong kỳ")
        # 1 − late − dissatisfied, late = 1 − on-time rate
        left = _ONE if on_time is None else on_time
        d = _ZERO if dissatisfied is None else dissatisfied
        rate = (left[0] * d[1] - d[0] * left[1], left[1] * d[1])
        if rate[0] < 0:
            rate = _ZERO
        return ("ok", rate, self._capped(rate), "")

    def _online_payment(self, counts: _Counts) -> _Value:
        r = self.roles
        fee_bearing = counts.get(r["fee_bearing"])
        if fee_bearing == 0:
            return self._online_payment_of(0, None, None, None)
        a = counts.rate(r["paid"], r["owed"])
        b = counts.rate(r["procedures_paid"], r["fee_bearing"])
        c = counts.rate(r["procedures_with_fee_dossiers"], r["fee_bearing"])
        return self._online_payment_of(fee_bearing, a, b, c)

    def _online_payment_of(self, fee_bearing: int, paid: Ratio | None, b: Ratio | None, c: Ratio | None) -> _Value:
        if fee_bearing == 0:
            return ("not_applicable", None, None, "Không có thủ tục có phí, lệ phí")
        a = paid or _ZERO
        assert b is not None and c is not None  # fee_bearing > 0
        points = _add(_add(_mul((6, 1), a), _min((2, 1), _mul((5, 2), b))), _mul((5, 2), c))

        def note() -> str:
            return (f"A = {_shown((a[0] * 100, a[1]))}%, B = {_shown((b[0] * 100, b[1]))}%, "
                    f"C = {_shown((c[0] * 100, c[1]))}%")

        return ("ok", a, _min(self.top, points), note)

    def _by_dossier(self, counts: _Counts) -> _Value:
        r = self.roles
        handled = counts.get(r["handled"])
        if handled == 0:
            return self._by_dossier_of(0, None)
        return self._by_dossier_of(handled, counts.rate(r["unsatisfactory"], r["handled"]))

    def _by_dossier_of(self, handled: int, unsatisfactory: Ratio | None) -> _Value:
        if handled == 0:
            return ("ok", None, _ZERO, "Không có hồ sơ được giải quyết trong kỳ: 0 điểm")
        assert unsatisfactory is not None
        rate = (unsatisfactory[1] - unsatisfactory[0], unsatisfactory[1])
        return ("ok", rate, self._capped(rate), "")


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
            status, rate, points, note = v
            found = IndicatorResult(ind.code, ind.group, ind.name, ind.max_points, status,
                                    None if rate is None else _fraction(rate),
                                    None if points is None else _fraction(points),
                                    note if isinstance(note, str) else note())
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
        return self.cards({0: dossiers}, catalogue, None if external is None else {0: external})[0]

    def cards(self, counters: Mapping[K, DossierCounters], catalogue: CatalogueCounters,
              external: Mapping[K, Mapping[str, int]] | None = None,
              keys: Iterable[K] | None = None, vectorised: bool = True) -> dict[K, LeanCard]:
        """Every scope of ``keys`` (default: of ``counters``; a key without counters scores zero counters), with the
        same catalogue; ``external`` gives each scope's external counters. Scored indicator by indicator over all
        the scopes at once; scope by scope (``vectorised=False``, or when a counter is missing or a part exceeds its
        whole somewhere: the errors are then ``score.score``'s, for the first scope in error)."""
        zero = DossierCounters.zero()
        batch = _Batch(self, catalogue)
        order = list(counters if keys is None else keys)
        dossiers = [counters.get(key, zero) for key in order]
        externals: list[Mapping[str, int]] | None = None
        if external:
            externals = [dict(external.get(key) or {}) for key in order]
            for mine in externals:
                check_external(mine)
        if vectorised:
            try:
                return dict(zip(order, batch.vector(_Columns(dossiers, catalogue, externals)), strict=True))
            except _Fallback:
                pass
        no_external: Mapping[str, int] = {}
        return {key: batch.card(_Counts(d, catalogue, no_external if externals is None else externals[n]))
                for n, (key, d) in enumerate(zip(order, dossiers, strict=True))}


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
        self.live_indexes = tuple(i for i, _ in self.live)
        known_totals: list[Ratio] = []
        self.dynamic: list[tuple[int, Ratio, tuple[int, ...]]] = []
        """Per group with indicators scored per scope: its index, the points known for the batch, those indicators."""
        for g, (a, b) in enumerate(plan.group_slices):
            known: Ratio = _ZERO
            for v in template[a:b]:
                if v is not None and v[_STATUS] == "ok":
                    assert v[_POINTS] is not None
                    known = _add(known, v[_POINTS])
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

    def vector(self, cols: _Columns) -> list[LeanCard]:
        """Every scope of the columns, indicator by indicator (each step a loop over the scopes)."""
        n = cols.n
        columns = {i: live.column(cols) for i, live in self.live}
        group_columns: list[Any] = [[known] * n for known in self.known_totals]
        totals = [self.static_total] * n
        for g, known, mine in self.dynamic:
            sums = [known] * n
            for i in mine:
                sums = [t if v[0] != "ok" else (v[2] if not t[0] else _add(t, v[2]))  # type: ignore[arg-type,misc]
                        for t, v in zip(sums, columns[i], strict=True)]
            sums = [_reduce(t) for t in sums]
            group_columns[g] = sums
            totals = [b if not a[0] else (a if not b[0] else _add(a, b)) for a, b in zip(totals, sums, strict=True)]
        live = [columns[i] for i, _ in self.live]
        rows: Any = zip(*live, strict=True) if live else (() for _ in range(n))
        oks: Any = zip(*[[v[0] == "ok" for v in column] for column in live], strict=True) if live else (
            () for _ in range(n))
        out = []
        plan, template, indexes = self.plan, self.template, self.live_indexes
        for row, groups, total, ok in zip(rows, zip(*group_columns, strict=True), totals, oks, strict=True):
            found = self.attainable.get(ok)
            if found is None:
                found = self._attainable(ok, _merge(template, indexes, row))
            out.append(LeanCard(plan, (template, indexes, row), groups, _reduce(total), *found))
        return out

    def _attainable(self, ok: tuple[bool, ...], values: list[Any]) -> tuple[tuple[Decimal, ...], Decimal,
                                                                           tuple[Ratio, ...], Ratio]:
        per_group, attainable = self.plan.attainable(tuple(v[_STATUS] == "ok" for v in values))
        found = self.attainable[ok] = (per_group, attainable, tuple(_ratio(a) for a in per_group),
                                       _ratio(attainable))
        return found

    def card(self, counts: _Counts) -> LeanCard:
        values: list[Any] = list(self.template)
        for i, live in self.live:
            values[i] = live.value(counts)
        group_totals = list(self.known_totals)
        total = self.static_total
        for g, subtotal, mine in self.dynamic:
            for i in mine:
                v = values[i]
                if v[_STATUS] == "ok":
                    subtotal = _add(subtotal, v[_POINTS])
            subtotal = _reduce(subtotal)
            group_totals[g] = subtotal
            total = _add(total, subtotal)
        ok = tuple([values[i][_STATUS] == "ok" for i, _ in self.live])
        found = self.attainable.get(ok)
        if found is None:
            found = self._attainable(ok, values)
        return LeanCard(self.plan, (values, (), ()), tuple(group_totals), _reduce(total), *found)


def _merge(template: list[_Value | None], indexes: tuple[int, ...], row: tuple[_Value, ...]) -> list[_Value]:
    """The batch's outcomes with one scope's own put in their places."""
    values = list(template)
    for i, v in zip(indexes, row, strict=True):
        values[i] = v
    return values  # type: ignore[return-value]  # every None was one of ``indexes``


def _fixed(ind: Indicator, sources: frozenset[str], level: Level) -> _Value | None:
    """The outcome that does not depend on the counters, if any (``score._indicator``'s first checks)."""
    if ind.level is not None and ind.level != level:
        return ("not_applicable", None, None, "Chỉ tiêu chỉ đánh giá cấp tỉnh")
    if ind.kind == "unallocated":
        return ("no_data", None, None, "Phần điểm chưa được phân bổ cho chỉ tiêu nào")
    missing = sorted(ind.sources - sources)
    if missing:
        labels = "; ".join(SOURCES[source] for source in missing)
        return ("no_data", None, None, f"Chưa có nguồn dữ liệu: {labels}")
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

    __slots__ = ("_attainable", "_card", "_group_attainable", "_parts", "_values", "attainable", "group_attainable",
                 "group_totals", "plan", "total")

    def __init__(self, plan: ScorePlan, parts: tuple[list[Any], tuple[int, ...], tuple[_Value, ...]],
                 group_totals: tuple[Ratio, ...],
                 total: Ratio, group_attainable: tuple[Decimal, ...], attainable: Decimal,
                 group_attainable_ratio: tuple[Ratio, ...], attainable_ratio: Ratio) -> None:
        self.plan = plan
        self._parts = parts
        """(the batch's outcomes, the places of the scope's own, the scope's own): merged when asked for."""
        self._values: tuple[_Value, ...] | None = None
        self.group_totals = group_totals
        self.total = total
        self.group_attainable = group_attainable
        self.attainable = attainable
        self._group_attainable = group_attainable_ratio
        self._attainable = attainable_ratio
        self._card: Scorecard | None = None

    @property
    def values(self) -> tuple[_Value, ...]:
        """Every indicator's outcome, in scorecard order."""
        if self._values is None:
            self._values = tuple(_merge(*self._parts))
        return self._values

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
        rate = self.values[self.plan.indicator_index[code]][_RATE]
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
