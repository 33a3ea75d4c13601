"""Counters → scorecard for one period and scope (commune, province, procedure, division), Decision 766/QĐ-TTg.

Why the shape: the database layer only counts (``DossierCounters``, ``CatalogueCounters``, adding rows up with
``merge``); every formula lives in the versioned metric set (``definitions``) and is applied here, so a past
period is re-scored by the rules in force then. Three outcomes are kept apart on purpose (docs/legal.md §7):

* ``no_data`` — the indicator's source is not available (the citizen portal, the national portal sync, …): it
  gets no points and leaves the attainable maximum; it is never scored as zero nor invented.
* ``not_applicable`` — the denominator is zero: shown "N/A", also left out of the attainable maximum.
* ``ok`` — scored.

Arithmetic is exact (``Fraction``) until display: rates and points are shown to 2 decimals, ROUND_HALF_UP, and
totals add the exact points before rounding, as the portal shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Literal

from motcua.index.definitions import COUNTER_SOURCES, SOURCES, Indicator, Level, MetricSet

Status = Literal["ok", "no_data", "not_applicable"]

_ORDERED_PAIRS = (
    ("on_time", "counted"),
    ("online_by_citizen", "received"),
    ("paid_online", "with_fee"),
    ("dissatisfied", "ratings"),
    ("feedback_on_time", "feedback"),
    ("feedback_satisfied", "feedback"),
    ("feedback_within_time", "feedback_cases"),
    ("feedback_not_unsatisfied", "feedback_cases"),
    ("unsatisfactory_dossiers", "counted"),
    ("owed_fee_paid_online", "owed_fee"),
    ("e_results", "results_issued"),
    ("digitised", "received"),
    ("certified_copies", "results_issued"),
    ("e_certified_copies", "certified_copies"),
    ("vneid_verified", "received"),
    ("reused_from_store", "received"),
    ("linked_to_store", "received"),
)


class CounterError(ValueError):
    """Counters that cannot be right (negative, a part larger than its whole) or a counter a source lacks."""

    code = "index_counter_invalid"


_PLAIN_INT = {int}


def _check_counts(obj: object, pairs: Iterable[tuple[str, str]] = ()) -> None:
    values = obj.__dict__
    # The common case at C speed (every counter a plain int ≥ 0, every part within its whole); the loop below
    # finds the offending counter and words the error.
    numbers = values.values()
    if set(map(type, numbers)) == _PLAIN_INT and min(numbers) >= 0 and all(
            values[part] <= values[whole] for part, whole in pairs):
        return
    for f in fields(obj):  # type: ignore[arg-type]  # only called on the counter dataclasses
        value = getattr(obj, f.name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CounterError(f"{type(obj).__name__}.{f.name} must be a whole number ≥ 0, got {value!r}")
    for part, whole in pairs:
        if getattr(obj, part) > getattr(obj, whole):
            raise CounterError(
                f"{type(obj).__name__}.{part} ({getattr(obj, part)}) exceeds {whole} ({getattr(obj, whole)})"
            )


@dataclass(frozen=True)
class DossierCounters:
    """Dossier counts over a period and a scope. 2.1: ``counted`` is the denominator, ``on_time`` the numerator
    (``judge.judge`` decides each dossier); 3.3 counts only ``online_by_citizen`` (``online_assisted`` = filed
    online by an officer or volunteer for the citizen); 3.6 ``paid_online`` of ``with_fee``; 5.4 ``ratings``;
    5.2/5.3 ``feedback`` (the last two from the citizen portal). Version 2 (docs/legal.md §7) reads 3.3 as
    ``online`` (every channel-2 dossier: ``online_by_citizen`` + ``online_assisted``), 5.4 as
    ``unsatisfactory_dossiers`` of ``counted`` and 5.2/5.3 as ``feedback_within_time`` and
    ``feedback_not_unsatisfied`` of ``feedback_cases`` — not collected yet, so their sources stay unavailable."""

    received: int
    counted: int
    on_time: int
    online_by_citizen: int
    online_assisted: int
    with_fee: int
    paid_online: int
    ratings: int = 0
    dissatisfied: int = 0
    feedback: int = 0
    feedback_on_time: int = 0
    feedback_satisfied: int = 0
    unsatisfactory_dossiers: int = 0
    feedback_cases: int = 0
    feedback_within_time: int = 0
    feedback_not_unsatisfied: int = 0
    on_time_index: int = 0  # 2.1 on the national portal's rule (version 2's numerator)
    owed_fee: int = 0  # 3.5–3.6 A: dossiers that owed a fee > 0 after exemptions; of them paid online:
    owed_fee_paid_online: int = 0
    fee_procedures_paid_online: int = 0  # B, C: distinct procedures of the scope (``rollups``), not sums
    fee_procedures_with_fee_dossiers: int = 0
    results_issued: int = 0  # 4.1, 4.6: results issued; of them stored electronically:
    e_results: int = 0
    digitised: int = 0  # 4.2 of received
    certified_copies: int = 0  # 4.6
    e_certified_copies: int = 0
    vneid_verified: int = 0  # 4.5b of received
    reused_from_store: int = 0  # 4.3 of received (version 2: the citizen's store, ``index.facts``)
    linked_to_store: int = 0  # 4.4 of received

    def __post_init__(self) -> None:
        _check_counts(self, _ORDERED_PAIRS)
        if self.online_by_citizen + self.online_assisted > self.received:
            raise CounterError(
                f"DossierCounters: online_by_citizen + online_assisted "
                f"({self.online_by_citizen + self.online_assisted}) exceeds received ({self.received})"
            )

    @classmethod
    def zero(cls) -> DossierCounters:
        return cls(0, 0, 0, 0, 0, 0, 0)

    def __add__(self, other: DossierCounters) -> DossierCounters:
        return merge(self, other)

    def __radd__(self, other: int) -> DossierCounters:
        """Lets the builtin ``sum(rows)`` start from 0."""
        if other != 0:
            return NotImplemented
        return self


def merge(a: DossierCounters, b: DossierCounters) -> DossierCounters:
    """Counts of two disjoint sets of dossiers (two communes, two days) added up."""
    return DossierCounters(**{f.name: getattr(a, f.name) + getattr(b, f.name) for f in fields(DossierCounters)})


def merge_all(rows: Iterable[DossierCounters]) -> DossierCounters:
    total = DossierCounters.zero()
    for row in rows:
        total = merge(total, row)
    return total


@dataclass(frozen=True)
class CatalogueCounters:
    """Procedure counts of the scope's catalogue: 1.3 ``complete_parts``, 3.1 ``online_offered``, 3.5
    ``fee_payable_online`` of ``fee_bearing``, all of ``procedures``."""

    procedures: int
    online_offered: int
    fee_bearing: int
    fee_payable_online: int
    complete_parts: int
    procedures_using_population_data: int = 0
    """4.5a: procedures whose applicants are identified against the population database (``rollups``)."""

    def __post_init__(self) -> None:
        _check_counts(
            self,
            (
                ("online_offered", "procedures"),
                ("fee_bearing", "procedures"),
                ("fee_payable_online", "fee_bearing"),
                ("complete_parts", "procedures"),
                ("procedures_using_population_data", "procedures"),
            ),
        )


# --------------------------------------------------------------------------------------------- results


def shown(value: Fraction) -> Decimal:
    """``value`` to 2 decimals, ROUND_HALF_UP (halves away from zero), computed exactly."""
    scaled = abs(value) * 100
    whole = int(scaled + Fraction(1, 2))  # floor of a non-negative number
    return Decimal(-whole if value < 0 else whole).scaleb(-2)


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    group: str
    name: str
    max_points: Decimal
    status: Status
    exact_rate: Fraction | None = None
    """The rate as a fraction of 1, exact; None when not computed (no data, N/A, "full when none")."""
    exact_points: Fraction | None = None
    note: str = ""

    @cached_property
    def rate(self) -> Decimal | None:
        return None if self.exact_rate is None else _decimal(self.exact_rate)

    @cached_property
    def points(self) -> Decimal | None:
        return None if self.exact_points is None else _decimal(self.exact_points)

    @cached_property
    def rate_percent_shown(self) -> Decimal | None:
        """The rate in percent, 2 decimals (e.g. 66.67)."""
        return None if self.exact_rate is None else shown(self.exact_rate * 100)

    @cached_property
    def points_shown(self) -> Decimal | None:
        return None if self.exact_points is None else shown(self.exact_points)

    @property
    def display(self) -> str:
        """What a scorecard cell shows."""
        if self.status == "not_applicable":
            return "N/A"
        if self.status == "no_data":
            return "Chưa có dữ liệu"
        return f"{self.points_shown}/{self.max_points}"


@dataclass(frozen=True)
class Subtotal:
    """Exact points and attainable maximum (indicators with status ``ok`` only) of a group or the whole card."""

    exact_points: Fraction
    attainable: Decimal

    @cached_property
    def points(self) -> Decimal:
        return shown(self.exact_points)

    @cached_property
    def percent(self) -> Decimal | None:
        """points ÷ attainable × 100, 2 decimals; None when nothing is attainable."""
        if not self.attainable:
            return None
        return shown(self.exact_points / Fraction(self.attainable) * 100)


@dataclass(frozen=True)
class GroupResult:
    code: str
    name: str
    max_points: Decimal
    total: Subtotal
    indicators: tuple[IndicatorResult, ...]


@dataclass(frozen=True)
class Scorecard:
    metric_set: str
    sources: frozenset[str]
    groups: tuple[GroupResult, ...]
    total: Subtotal

    @cached_property
    def indicators(self) -> tuple[IndicatorResult, ...]:
        return tuple(result for group in self.groups for result in group.indicators)

    @cached_property
    def _by_code(self) -> dict[str, IndicatorResult]:
        return {result.code: result for result in reversed(self.indicators)}  # the first of a code, as a search

    def indicator(self, code: str) -> IndicatorResult:
        return self._by_code[code]

    def group(self, code: str) -> GroupResult:
        for group in self.groups:
            if group.code == code:
                return group
        raise KeyError(code)

    @property
    def points(self) -> Decimal:
        return self.total.points

    @property
    def attainable(self) -> Decimal:
        return self.total.attainable

    @property
    def percent(self) -> Decimal | None:
        return self.total.percent


# --------------------------------------------------------------------------------------------- scoring


def score(
    metric_set: MetricSet,
    dossiers: DossierCounters,
    catalogue: CatalogueCounters,
    sources: frozenset[str],
    external: Mapping[str, int] | None = None,
    level: Level = "commune",
) -> Scorecard:
    """Score one period and scope. ``sources`` names the data sources available; ``external`` carries the
    counters of sources motcua does not count itself (e.g. ``synced`` from the portal sync) once they exist.
    ``level`` is whose scorecard it is: a commune's leaves out the province-only indicators (§7: 1.1–1.3)."""
    unknown = sorted(sources - (set(SOURCES) - {"none"}))
    if unknown:
        raise CounterError(f"unknown data source(s) {unknown}; known: {sorted(set(SOURCES) - {'none'})}")
    counts = _Counts(dossiers, catalogue, dict(external or {}))
    groups: list[GroupResult] = []
    for group in metric_set.groups:
        results = tuple(_indicator(ind, counts, sources, level) for ind in metric_set.indicators_of(group.code))
        groups.append(GroupResult(group.code, group.name, group.max_points, _subtotal(results), results))
    every = tuple(result for group_result in groups for result in group_result.indicators)
    return Scorecard(metric_set.id, frozenset(sources), tuple(groups), _subtotal(every))


def _subtotal(results: Iterable[IndicatorResult]) -> Subtotal:
    scored = [r for r in results if r.status == "ok"]
    exact = sum((r.exact_points or Fraction(0) for r in scored), Fraction(0))
    return Subtotal(exact, sum((r.max_points for r in scored), Decimal(0)))


_DOSSIER_FIELDS = frozenset(f.name for f in fields(DossierCounters))
_DERIVED: Mapping[str, tuple[str, ...]] = {"online": ("online_by_citizen", "online_assisted")}
"""Counters that are sums of others: ``online`` is every channel-2 dossier, whoever filed it (§7 group 3)."""
_CATALOGUE_FIELDS = frozenset(f.name for f in fields(CatalogueCounters))


def missing_counter(name: str) -> CounterError:
    """The error of a counter a source declared available did not bring."""
    return CounterError(f"counter {name!r} of source {COUNTER_SOURCES[name]!r} was not supplied: a source declared "
                        f"available must bring its counters (score(..., external={{{name!r}: …}}))")


class _Counts:
    def __init__(self, dossiers: DossierCounters, catalogue: CatalogueCounters, external: dict[str, int]) -> None:
        self.owners: tuple[tuple[object, frozenset[str]], ...] = ((dossiers, _DOSSIER_FIELDS),
                                                                  (catalogue, _CATALOGUE_FIELDS))
        self.external = external
        for name, value in external.items():
            if name not in COUNTER_SOURCES:
                raise CounterError(f"unknown external counter {name!r}")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CounterError(f"external counter {name} must be a whole number ≥ 0, got {value!r}")

    def __getitem__(self, name: str) -> int:
        if name in _DERIVED:
            return sum(self[part] for part in _DERIVED[name])
        for owner, names in self.owners:
            if name in names:
                value: int = getattr(owner, name)
                return value
        if name not in self.external:
            raise missing_counter(name)
        return self.external[name]

    def rate(self, numerator: str, denominator: str) -> Fraction | None:
        whole = self[denominator]
        if whole == 0:
            return None
        part = self[numerator]
        if part > whole:
            raise CounterError(f"counter {numerator} ({part}) exceeds {denominator} ({whole})")
        return Fraction(part, whole)


def _result(
    ind: Indicator, status: Status, rate: Fraction | None = None, points: Fraction | None = None, note: str = ""
) -> IndicatorResult:
    return IndicatorResult(ind.code, ind.group, ind.name, ind.max_points, status, rate, points, note)


def _indicator(ind: Indicator, counts: _Counts, sources: frozenset[str], level: Level) -> IndicatorResult:
    if ind.level is not None and ind.level != level:
        return _result(ind, "not_applicable", note="Chỉ tiêu chỉ đánh giá cấp tỉnh")
    if ind.kind == "unallocated":
        return _result(ind, "no_data", note="Phần điểm chưa được phân bổ cho chỉ tiêu nào")
    missing = sorted(ind.sources - sources)
    if missing:
        labels = "; ".join(SOURCES[source] for source in missing)
        return _result(ind, "no_data", note=f"Chưa có nguồn dữ liệu: {labels}")
    top = Fraction(ind.max_points)
    if ind.kind == "satisfaction_5_4":
        return _satisfaction(ind, counts, top)
    if ind.kind == "online_payment":
        return _online_payment(ind, counts, top)
    if ind.kind == "satisfaction_by_dossier":
        return _satisfaction_by_dossier(ind, counts, top)
    rate = counts.rate(ind.counter("numerator"), ind.counter("denominator"))
    if rate is None:
        if ind.kind == "full_when_none":
            return _result(ind, "ok", None, top, "Không phát sinh trong kỳ: đạt điểm tối đa")
        return _result(ind, "not_applicable", note="Mẫu số bằng 0")
    note = ""
    factor = ind.sync_factor
    if factor is not None:
        if factor.data in sources:
            sync = counts.rate(factor.numerator, factor.denominator)
            rate *= Fraction(0) if sync is None else sync
        else:
            rate *= Fraction(factor.substitute)
            note = f"Chưa có nguồn dữ liệu ({SOURCES[factor.data]}): tỷ lệ đồng bộ tạm tính bằng {factor.substitute}"
    if ind.kind == "full_at_threshold":
        assert ind.threshold is not None  # the definitions require a threshold for this kind
        points = top * min(Fraction(1), rate / Fraction(ind.threshold))
    else:
        points = top * rate
    return _result(ind, "ok", rate, points, note)


def _satisfaction(ind: Indicator, counts: _Counts, top: Fraction) -> IndicatorResult:
    """5.4: rate = 100% − (late rate + dissatisfied rate); points = min(max, max × rate ÷ 90%) (docs/legal.md §7)."""
    on_time_rate = counts.rate(ind.counter("on_time"), ind.counter("counted"))
    dissatisfied_rate = counts.rate(ind.counter("dissatisfied"), ind.counter("ratings"))
    if on_time_rate is None and dissatisfied_rate is None:
        return _result(ind, "not_applicable", note="Không có hồ sơ và không có đánh giá trong kỳ")
    late = Fraction(0) if on_time_rate is None else 1 - on_time_rate
    rate = max(Fraction(0), 1 - late - (dissatisfied_rate or Fraction(0)))
    assert ind.threshold is not None  # the definitions require a threshold for this kind
    return _result(ind, "ok", rate, min(top, top * rate / Fraction(ind.threshold)))


def _online_payment(ind: Indicator, counts: _Counts, top: Fraction) -> IndicatorResult:
    """3.5–3.6 of version 2: 6A + min(2, 2.5B) + 2.5C, at most max (docs/legal.md §7). A = dossiers paid online ÷
    dossiers that owed a fee (> 0); B = fee-bearing procedures paid online at least once ÷ fee-bearing procedures;
    C = fee-bearing procedures that had fee dossiers ÷ fee-bearing procedures. With no fee-bearing procedure there
    is nothing to pay: N/A. With no dossier owing a fee, A counts 0. The rate shown is A."""
    fee_bearing = counts[ind.counter("fee_bearing")]
    if fee_bearing == 0:
        return _result(ind, "not_applicable", note="Không có thủ tục có phí, lệ phí")
    a = counts.rate(ind.counter("paid"), ind.counter("owed")) or Fraction(0)
    b = counts.rate(ind.counter("procedures_paid"), ind.counter("fee_bearing"))
    c = counts.rate(ind.counter("procedures_with_fee_dossiers"), ind.counter("fee_bearing"))
    assert b is not None and c is not None  # fee_bearing > 0
    points = 6 * a + min(Fraction(2), Fraction(5, 2) * b) + Fraction(5, 2) * c
    note = f"A = {shown(a * 100)}%, B = {shown(b * 100)}%, C = {shown(c * 100)}%"
    return _result(ind, "ok", a, min(top, points), note)


def _satisfaction_by_dossier(ind: Indicator, counts: _Counts, top: Fraction) -> IndicatorResult:
    """5.4 of version 2: rate = 1 − dossiers with a dissatisfied rating, a feedback case or late handling (each
    once) ÷ dossiers handled; points = min(max, max × rate ÷ 90%); 0 when no dossier was handled (docs/legal.md §7)."""
    handled = counts[ind.counter("handled")]
    if handled == 0:
        return _result(ind, "ok", None, Fraction(0), "Không có hồ sơ được giải quyết trong kỳ: 0 điểm")
    unsatisfactory = counts.rate(ind.counter("unsatisfactory"), ind.counter("handled"))
    assert unsatisfactory is not None and ind.threshold is not None  # handled > 0; the kind requires a threshold
    rate = 1 - unsatisfactory
    return _result(ind, "ok", rate, min(top, top * rate / Fraction(ind.threshold)))


#: Counters that are sums of others (``online`` = every channel-2 dossier), for code that builds counters by name.
DERIVED_COUNTERS: Mapping[str, tuple[str, ...]] = _DERIVED


def counter_value(name: str, dossiers: DossierCounters, catalogue: CatalogueCounters,
                  external: Mapping[str, int] | None = None) -> int:
    """One counter by name, read exactly as ``score`` reads it (a derived counter summed): what a page shows beside
    an indicator's result (the reconciliation with the national portal's figures)."""
    return _Counts(dossiers, catalogue, dict(external or {}))[name]
