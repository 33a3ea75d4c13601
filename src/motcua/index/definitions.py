"""The service-index metric definitions as versioned data (Decision 766/QĐ-TTg, docs/legal.md §7).

Why data and not code: the national portal's per-indicator formulas are practice, not all in the decision's text,
and a new decision replaces them. Each version is one JSON file under ``data/``; a later decision ships a new
file with a later ``valid_from`` and never edits an older one, so a past period is always scored by the rules in
force then (``metric_set_for``). Where §7 leaves a gap (a missing max, points a group lists but no indicator
carries) the file says so in an explicit ``assumption`` — nothing is invented silently.

Pure: reading the packaged JSON files is the only I/O.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from typing import Any, Literal, cast, get_args

FormulaKind = Literal[
    "proportional", "full_at_threshold", "satisfaction_5_4", "full_when_none", "unallocated", "online_payment",
    "satisfaction_by_dossier",
]
"""How points follow from the rate (docs/legal.md §7): ``proportional`` max × rate; ``full_at_threshold``
max × min(1, rate ÷ threshold); ``satisfaction_5_4`` (version 1) rate = 100% − (late rate + dissatisfied rate),
min(max, max × rate ÷ threshold); ``full_when_none`` max when the denominator is 0, else max × rate;
``unallocated`` points a group has but §7 gives to no indicator — never scored; ``online_payment`` the portal's
6A + min(2, 2.5B) + 2.5C over three rates (A dossiers paid online ÷ dossiers that owed a fee, B fee-bearing
procedures paid online at least once ÷ fee-bearing procedures, C fee-bearing procedures with fee dossiers ÷
fee-bearing procedures), at most max; ``satisfaction_by_dossier`` rate = 1 − unsatisfactory dossiers ÷ dossiers
handled (each dossier once), min(max, max × rate ÷ threshold), 0 when no dossier was handled."""

FORMULA_KINDS: frozenset[str] = frozenset(get_args(FormulaKind))

KIND_ROLES: Mapping[str, tuple[str, ...]] = {
    "proportional": ("numerator", "denominator"),
    "full_at_threshold": ("numerator", "denominator"),
    "full_when_none": ("numerator", "denominator"),
    "satisfaction_5_4": ("on_time", "counted", "dissatisfied", "ratings"),
    "unallocated": (),
    "online_payment": ("paid", "owed", "procedures_paid", "procedures_with_fee_dossiers", "fee_bearing"),
    "satisfaction_by_dossier": ("unsatisfactory", "handled"),
}
"""The counters each formula kind reads, by role."""

Level = Literal["commune", "province"]
LEVELS: frozenset[str] = frozenset(get_args(Level))
"""Whose scorecard an indicator belongs to: every unit's, or only a province's (§7: 1.1–1.3 judge the province's
publication of procedures, which a commune does not do)."""

_NEEDS_THRESHOLD = frozenset({"full_at_threshold", "satisfaction_5_4", "satisfaction_by_dossier"})

Source = Literal["dossiers", "catalogue", "ratings", "feedback", "fee_obligations", "portal_sync", "e_result",
                 "population_data", "data_store", "none"]

SOURCES: Mapping[str, str] = {
    "dossiers": "hồ sơ trên hệ thống một cửa",
    "catalogue": "danh mục thủ tục hành chính",
    "ratings": "đánh giá của người dân về việc giải quyết hồ sơ",
    "feedback": "phản ánh, kiến nghị của người dân",
    "fee_obligations": "phí, lệ phí thực phải nộp của từng hồ sơ",
    "portal_sync": "đồng bộ với Cổng Dịch vụ công quốc gia",
    "e_result": "tệp hồ sơ và kết quả điện tử lưu trên hệ thống",
    "population_data": "Cơ sở dữ liệu quốc gia về dân cư (VNeID)",
    "data_store": "kho dữ liệu điện tử của công dân trên hệ thống (kết quả, giấy tờ đã số hóa và tái sử dụng)",
    "none": "chưa có nguồn dữ liệu",
}
"""Where an indicator's counters come from, with the Vietnamese label a scorecard shows. "none" is never
available: it marks points §7 gives to no indicator."""

_COUNTERS_BY_SOURCE: Mapping[str, tuple[str, ...]] = {
    # counted by motcua (score.DossierCounters, score.CatalogueCounters); ratings and feedback through the index's
    # own fact tables, written by the feedback layer (index.actions)
    "dossiers": ("received", "counted", "on_time", "on_time_index", "online_by_citizen", "online_assisted", "online",
                 "with_fee", "paid_online"),
    # unsatisfactory_dossiers: dossiers with a dissatisfied rating, a feedback case or late handling, each once
    "ratings": ("ratings", "dissatisfied", "unsatisfactory_dossiers"),
    # feedback_cases/feedback_within_time (5.2 of version 2) count cases still open and within time as on time;
    # feedback_not_unsatisfied (5.3 of version 2) counts late cases as unsatisfied and unrated ones as satisfied
    "feedback": ("feedback", "feedback_on_time", "feedback_satisfied", "feedback_cases", "feedback_within_time",
                 "feedback_not_unsatisfied"),
    # the fee each dossier actually owed (after exemptions) — not the procedure's fee schedule
    "fee_obligations": ("owed_fee", "owed_fee_paid_online", "fee_procedures_paid_online",
                        "fee_procedures_with_fee_dossiers"),
    "catalogue": ("procedures", "online_offered", "fee_bearing", "fee_payable_online", "complete_parts"),
    # external systems: passed to score() as ``external`` counters once an adapter reports them
    "portal_sync": (
        "procedures_published",
        "published_on_time",
        "procedures_decided",
        "public_within_5wd",
        "synced",
        "reused_data",
        "linked_to_data_store",
    ),
    "e_result": ("results_issued", "e_results", "digitised", "certified_copies", "e_certified_copies"),
    "population_data": ("procedures_using_population_data", "vneid_verified"),
    # the citizen's electronic store motcua keeps (issue 17, ``docstore``): items reused instead of a new scan (4.3),
    # dossiers whose documents are in a citizen's store (4.4) — version 2; version 1 keeps the portal sync's names
    "data_store": ("reused_from_store", "linked_to_store"),
}

COUNTER_SOURCES: Mapping[str, str] = {name: source for source, names in _COUNTERS_BY_SOURCE.items() for name in names}
"""Every counter a definition may name, and the source it comes from. A definition naming any other counter is
refused: a typo must not turn into an indicator that is silently never scored."""


class MetricDefinitionError(ValueError):
    """A metric-set file is malformed; ``field`` names the offending field (e.g. ``indicators[4].kind``)."""

    code = "metric_definition_invalid"

    def __init__(self, origin: str, field: str, problem: str) -> None:
        super().__init__(f"{origin}: {field}: {problem}")
        self.origin = origin
        self.field = field
        self.problem = problem
        self.message = f"Định nghĩa bộ chỉ số không hợp lệ ({origin}, trường {field}): {problem}"


class NoMetricSetInForce(LookupError):
    """No metric set applies on the day asked (before Decision 766 took effect, or after a version ended)."""

    code = "metric_set_not_in_force"

    def __init__(self, day: date) -> None:
        super().__init__(f"no service-index metric set is in force on {day.isoformat()}")
        self.day = day
        self.message = f"Không có bộ chỉ số đánh giá nào có hiệu lực vào ngày {day:%d/%m/%Y}."


@dataclass(frozen=True)
class Group:
    """A group of indicators with its share of the 100 points."""

    code: str
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class SyncFactor:
    """Indicator 3.3's "× sync rate": a second rate from another source, substituted when that source is absent."""

    numerator: str
    denominator: str
    data: str
    substitute: Decimal
    assumption: str


@dataclass(frozen=True)
class Indicator:
    """One indicator of §7: what it counts, from which source, and how the rate becomes points."""

    code: str
    group: str
    name: str
    max_points: Decimal
    kind: FormulaKind
    data: str
    counters: tuple[tuple[str, str], ...]
    """(role, counter name) pairs, in the order of ``KIND_ROLES[kind]``."""
    threshold: Decimal | None = None
    sync_factor: SyncFactor | None = None
    assumption: str | None = None
    level: Level | None = None
    """None: scored for every unit; "province": left out of a commune's scorecard and of its maximum."""
    zero_rule: str | None = None
    """What a zero denominator gives, when the kind's own rule needs saying (shown in docs/index-definitions.md)."""

    def counter(self, role: str) -> str:
        return dict(self.counters)[role]

    @cached_property
    def sources(self) -> frozenset[str]:
        """Every source the indicator needs (the substitutable sync factor excluded)."""
        return frozenset({self.data, *(COUNTER_SOURCES[name] for _, name in self.counters)})


@dataclass(frozen=True)
class MetricSet:
    """One version of the index: in force from ``valid_from`` until ``valid_to`` (inclusive) or a later version."""

    id: str
    title: str
    legal_basis: str
    valid_from: date
    valid_to: date | None
    total_points: Decimal
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    assumptions: tuple[str, ...]
    origin: str

    def group(self, code: str) -> Group:
        return {group.code: group for group in self.groups}[code]

    def indicator(self, code: str) -> Indicator:
        return {indicator.code: indicator for indicator in self.indicators}[code]

    def indicators_of(self, group: str) -> tuple[Indicator, ...]:
        return tuple(indicator for indicator in self.indicators if indicator.group == group)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


# --------------------------------------------------------------------------------------------- parsing


class _Reader:
    """Field access with errors that name the field."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, field: str, problem: str) -> MetricDefinitionError:
        return MetricDefinitionError(self.origin, field, problem)

    def obj(self, raw: object, field: str) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(field, f"expected an object, got {type(raw).__name__}")
        return cast(Mapping[str, Any], raw)

    def text(self, raw: Mapping[str, Any], key: str, field: str) -> str | None:
        """An optional string: absent or null is None; anything else must be a non-empty string."""
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{field}.{key}" if field else key, "expected a non-empty string")
        return value

    def req(self, raw: Mapping[str, Any], key: str, field: str) -> str:
        value = self.text(raw, key, field)
        if value is None:
            raise self.fail(f"{field}.{key}" if field else key, "required")
        return value

    def number(self, raw: Mapping[str, Any], key: str, field: str) -> Decimal:
        value = raw.get(key)
        name = f"{field}.{key}" if field else key
        if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
            raise self.fail(name, f"expected a number, got {value!r}")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(name, f"not a number: {value!r}") from None
        if not number.is_finite() or number < 0:
            raise self.fail(name, f"expected a finite number ≥ 0, got {value!r}")
        return number

    def day(self, raw: Mapping[str, Any], key: str) -> date | None:
        value = self.text(raw, key, "")
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(key, f"not an ISO date: {value!r}") from None


def parse_metric_set(raw: object, origin: str) -> MetricSet:
    """Build and validate one metric set from its decoded JSON (numbers decoded as ``Decimal``, never float)."""
    r = _Reader(origin)
    top = r.obj(raw, "(top)")
    valid_from = r.day(top, "valid_from")
    if valid_from is None:
        raise r.fail("valid_from", "required")
    valid_to = r.day(top, "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise r.fail("valid_to", f"{valid_to.isoformat()} is before valid_from {valid_from.isoformat()}")
    assumptions = top.get("assumptions", [])
    if not isinstance(assumptions, list) or not all(isinstance(a, str) and a for a in assumptions):
        raise r.fail("assumptions", "expected a list of non-empty strings")
    groups = _groups(r, top.get("groups"))
    items = top.get("indicators")
    if not isinstance(items, list) or not items:
        raise r.fail("indicators", "expected a non-empty list")
    indicators = tuple(_indicator(r, item, f"indicators[{i}]") for i, item in enumerate(items))
    metric_set = MetricSet(
        id=r.req(top, "id", ""),
        title=r.req(top, "title", ""),
        legal_basis=r.req(top, "legal_basis", ""),
        valid_from=valid_from,
        valid_to=valid_to,
        total_points=r.number(top, "total_points", ""),
        groups=groups,
        indicators=indicators,
        assumptions=tuple(assumptions),
        origin=origin,
    )
    _check_sums(r, metric_set)
    return metric_set


def _groups(r: _Reader, raw: object) -> tuple[Group, ...]:
    if not isinstance(raw, list) or not raw:
        raise r.fail("groups", "expected a non-empty list")
    groups: list[Group] = []
    for i, item in enumerate(raw):
        field = f"groups[{i}]"
        g = r.obj(item, field)
        group = Group(r.req(g, "code", field), r.req(g, "name", field), r.number(g, "max", field))
        if any(existing.code == group.code for existing in groups):
            raise r.fail(f"{field}.code", f"duplicate group code {group.code!r}")
        groups.append(group)
    return tuple(groups)


def _counter_name(r: _Reader, raw: Mapping[str, Any], key: str, field: str) -> str:
    name = r.req(raw, key, field)
    if name not in COUNTER_SOURCES:
        raise r.fail(f"{field}.{key}", f"unknown counter {name!r} (known: {', '.join(sorted(COUNTER_SOURCES))})")
    return name


def _source(r: _Reader, raw: Mapping[str, Any], field: str) -> str:
    data = r.req(raw, "data", field)
    if data not in SOURCES:
        raise r.fail(f"{field}.data", f"unknown data source {data!r} (known: {', '.join(sorted(SOURCES))})")
    return data


def _indicator(r: _Reader, raw: object, field: str) -> Indicator:
    item = r.obj(raw, field)
    code = r.req(item, "code", field)
    kind = r.req(item, "kind", field)
    if kind not in FORMULA_KINDS:
        raise r.fail(f"{field}.kind", f"unknown formula kind {kind!r} (known: {', '.join(sorted(FORMULA_KINDS))})")
    data = _source(r, item, field)
    counters_raw = r.obj(item.get("counters"), f"{field}.counters")
    roles = KIND_ROLES[kind]
    if set(counters_raw) != set(roles):
        raise r.fail(
            f"{field}.counters", f"kind {kind} needs exactly the roles {list(roles)}, got {sorted(counters_raw)}"
        )
    counters = tuple((role, _counter_name(r, counters_raw, role, f"{field}.counters")) for role in roles)
    if kind == "unallocated" and data != "none":
        raise r.fail(f"{field}.data", "unallocated points have no data source: expected 'none'")
    if kind != "unallocated" and data not in {COUNTER_SOURCES[name] for _, name in counters}:
        raise r.fail(f"{field}.data", f"source {data!r} provides none of the indicator's counters")
    threshold: Decimal | None = None
    if kind in _NEEDS_THRESHOLD:
        threshold = r.number(item, "threshold", field)
        if not 0 < threshold <= 1:
            raise r.fail(f"{field}.threshold", f"expected a rate in (0, 1], got {threshold}")
    elif item.get("threshold") is not None:
        raise r.fail(f"{field}.threshold", f"kind {kind} takes no threshold")
    factor_raw = item.get("sync_factor")
    factor = None if factor_raw is None else _sync_factor(r, factor_raw, f"{field}.sync_factor", kind)
    assumption = r.text(item, "assumption", field)
    level = r.text(item, "level", field)
    if level is not None and level not in LEVELS:
        raise r.fail(f"{field}.level", f"unknown level {level!r} (known: {', '.join(sorted(LEVELS))})")
    if kind == "online_payment" and r.number(item, "max", field) != 10:
        raise r.fail(f"{field}.max", "the online-payment formula 6A + min(2, 2.5B) + 2.5C is out of 10 points")
    if kind == "unallocated" and assumption is None:
        raise r.fail(f"{field}.assumption", "unallocated points must say why (an explicit assumption)")
    return Indicator(
        code=code,
        group=r.req(item, "group", field),
        name=r.req(item, "name", field),
        max_points=r.number(item, "max", field),
        kind=cast(FormulaKind, kind),
        data=data,
        counters=counters,
        threshold=threshold,
        sync_factor=factor,
        assumption=assumption,
        level=cast(Level | None, level),
        zero_rule=r.text(item, "zero_rule", field),
    )


def _sync_factor(r: _Reader, raw: object, field: str, kind: str) -> SyncFactor:
    item = r.obj(raw, field)
    if "numerator" not in KIND_ROLES[kind]:
        raise r.fail(field, f"kind {kind} takes no sync factor")
    assumption = r.req(item, "assumption", field)
    substitute = r.number(item, "substitute", field)
    if substitute > 1:
        raise r.fail(f"{field}.substitute", f"a rate is at most 1, got {substitute}")
    numerator, denominator = (_counter_name(r, item, role, field) for role in ("numerator", "denominator"))
    return SyncFactor(numerator, denominator, _source(r, item, field), substitute, assumption)


def _check_sums(r: _Reader, metric_set: MetricSet) -> None:
    """Unique codes, known groups, and points that add up: indicators to their group, groups to the total."""
    seen: set[str] = set()
    group_codes = {group.code for group in metric_set.groups}
    for i, indicator in enumerate(metric_set.indicators):
        if indicator.code in seen:
            raise r.fail(f"indicators[{i}].code", f"duplicate indicator code {indicator.code!r}")
        seen.add(indicator.code)
        if indicator.group not in group_codes:
            raise r.fail(f"indicators[{i}].group", f"unknown group {indicator.group!r}")
    for i, group in enumerate(metric_set.groups):
        total = sum((ind.max_points for ind in metric_set.indicators_of(group.code)), Decimal(0))
        if total != group.max_points:
            raise r.fail(
                f"groups[{i}].max", f"{group.code} has max {group.max_points}; its indicators add up to {total}"
            )
    groups_total = sum((group.max_points for group in metric_set.groups), Decimal(0))
    if groups_total != metric_set.total_points:
        raise r.fail("total_points", f"{metric_set.total_points} but the groups add up to {groups_total}")


# --------------------------------------------------------------------------------------------- versions


def check_versions(sets: Iterable[MetricSet]) -> tuple[MetricSet, ...]:
    """Order versions by ``valid_from``; refuse duplicate ids and two versions starting the same day."""
    ordered = tuple(sorted(sets, key=lambda s: s.valid_from))
    for s in ordered:
        if sum(other.id == s.id for other in ordered) > 1:
            raise MetricDefinitionError(s.origin, "id", f"metric set id {s.id!r} is used by more than one file")
    for earlier, later in pairwise(ordered):
        if earlier.valid_from == later.valid_from:
            raise MetricDefinitionError(
                later.origin, "valid_from", f"{later.id} starts on the same day as {earlier.id}; which one applies?"
            )
    return ordered


@cache
def all_metric_sets() -> tuple[MetricSet, ...]:
    """Every shipped version, oldest first (read once from ``motcua/index/data/*.json``)."""
    folder = resources.files("motcua.index") / "data"
    loaded = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            raw = json.loads(entry.read_text(encoding="utf-8"), parse_float=Decimal)
            loaded.append(parse_metric_set(raw, entry.name))
    return check_versions(loaded)


def metric_set_by_id(metric_set_id: str, sets: Iterable[MetricSet] | None = None) -> MetricSet:
    """The version named ``metric_set_id`` (a published snapshot is verified by the version it was computed with,
    whatever version is in force for its month today)."""
    for metric_set in all_metric_sets() if sets is None else sets:
        if metric_set.id == metric_set_id:
            return metric_set
    raise KeyError(metric_set_id)


def metric_set_for(day: date, sets: Iterable[MetricSet] | None = None) -> MetricSet:
    """The version in force on ``day``: the one with the latest ``valid_from`` ≤ day, unless its ``valid_to`` passed.

    A new decision is a new file with a later ``valid_from``; older files are never edited, so they keep no
    ``valid_to`` unless a version was repealed with no successor.
    """
    started = [s for s in (all_metric_sets() if sets is None else check_versions(sets)) if s.valid_from <= day]
    if not started or not started[-1].covers(day):
        raise NoMetricSetInForce(day)
    return started[-1]


# --------------------------------------------------------------------------------------------- the docs table


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _ratio(ind: Indicator, numerator: str = "numerator", denominator: str = "denominator") -> str:
    return f"`{ind.counter(numerator)}` ÷ `{ind.counter(denominator)}`"


def rate_text(ind: Indicator) -> str:
    """The indicator's rate, in the counters' names."""
    if ind.kind == "unallocated":
        return "—"
    if ind.kind == "satisfaction_5_4":
        return (f"1 − ((`{ind.counter('counted')}` − `{ind.counter('on_time')}`) ÷ `{ind.counter('counted')}` + "
                f"{_ratio(ind, 'dissatisfied', 'ratings')}), at least 0")
    if ind.kind == "satisfaction_by_dossier":
        return f"1 − {_ratio(ind, 'unsatisfactory', 'handled')}"
    if ind.kind == "online_payment":
        return (f"A = {_ratio(ind, 'paid', 'owed')}; B = {_ratio(ind, 'procedures_paid', 'fee_bearing')}; "
                f"C = {_ratio(ind, 'procedures_with_fee_dossiers', 'fee_bearing')}")
    text = _ratio(ind)
    factor = ind.sync_factor
    if factor is not None:
        text += f" × `{factor.numerator}` ÷ `{factor.denominator}` ({factor.substitute} without {factor.data})"
    return text


def points_text(ind: Indicator) -> str:
    """How the rate becomes points, with the indicator's own numbers."""
    top = f"{ind.max_points:f}"
    if ind.kind in ("proportional", "full_when_none"):
        return f"{top} × rate"
    if ind.kind == "online_payment":
        return f"min({top}, 6A + min(2, 2.5B) + 2.5C)"
    if ind.kind == "unallocated":
        return "never scored, never attainable"
    assert ind.threshold is not None  # every other kind has one
    return f"min({top}, {top} × rate ÷ {_percent(ind.threshold)})"


def zero_text(ind: Indicator) -> str:
    """What the indicator gives when there is nothing to count."""
    if ind.zero_rule is not None:
        return ind.zero_rule
    return {
        "full_when_none": f"{ind.max_points:f} points when the denominator is 0",
        "satisfaction_5_4": "a term with denominator 0 counts 0%; N/A when both are 0",
        "satisfaction_by_dossier": "0 points when the denominator is 0",
        "unallocated": "—",
    }.get(ind.kind, "N/A when the denominator is 0 (left out of the maximum)")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(collected: frozenset[str] | Callable[[MetricSet], frozenset[str]],
             sets: Iterable[MetricSet] | None = None) -> str:
    """docs/index-definitions.md: every indicator of every version with its rate, points, source, threshold and zero
    rule. ``collected`` names the sources motcua fills today, or gives them per version (``rollups.sources_for``):
    any other source leaves the indicator "no data" on a scorecard."""
    lines = [
        "# The service-index definitions (Decision 766/QĐ-TTg)",
        "",
        "Generated from `src/motcua/index/data/*.json` by `python scripts/index_table.py`; do not edit by hand (a",
        "test fails when this page and the definitions differ). The rules behind them are in `docs/legal.md` §7.",
        "A rate is a ratio of counters (their names as the code counts them); \"collected\" says whether motcua fills",
        "every source of the indicator today — an indicator with a source it does not fill is shown \"Chưa có dữ",
        "liệu\" with the missing source named, and is left out of the attainable maximum.",
    ]
    for metric_set in all_metric_sets() if sets is None else check_versions(sets):
        filled = collected if isinstance(collected, frozenset) else collected(metric_set)
        until = f" to {metric_set.valid_to.isoformat()}" if metric_set.valid_to else ""
        lines += ["", f"## {metric_set.id}: from {metric_set.valid_from.isoformat()}{until}", "",
                  f"{metric_set.title} — {metric_set.legal_basis}, {metric_set.total_points:f} points.", "",
                  "| group | points |", "|---|---|"]
        lines += [f"| {group.code} ({group.name}) | {group.max_points:f} |" for group in metric_set.groups]
        lines += ["", "| # | indicator | max | rate | points | threshold | zero rule | level | data source "
                  "| collected |", "|---|---|---|---|---|---|---|---|---|---|"]
        for ind in metric_set.indicators:
            threshold = "—" if ind.threshold is None else _percent(ind.threshold)
            level = "province only" if ind.level == "province" else "every unit"
            source = "; ".join(f"{s} ({SOURCES[s]})" for s in sorted(ind.sources))
            live = "—" if ind.kind == "unallocated" else ("yes" if ind.sources <= filled else "no")
            cells = (ind.code, ind.name, f"{ind.max_points:f}", rate_text(ind), points_text(ind), threshold,
                     zero_text(ind), level, source, live)
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines += ["", "Assumptions:", ""]
        lines += [f"- {_cell(a)}" for a in metric_set.assumptions]
        lines += [f"- {ind.code}: {_cell(ind.assumption)}" for ind in metric_set.indicators if ind.assumption]
        lines += [f"- {ind.code} (sync rate): {_cell(ind.sync_factor.assumption)}"
                  for ind in metric_set.indicators if ind.sync_factor]
    return "\n".join(lines) + "\n"
