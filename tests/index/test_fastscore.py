"""The lean scorer (``index.fastscore``) against the reference ``index.score.score``.

The rule checked: scoring many communes at once with integer arithmetic must not change a single result of the
Decision 766/QĐ-TTg scorecard (docs/legal.md §7) — every indicator's status, exact rate, exact points and note, every
group's and the card's exact total and attainable maximum, the percents shown (2 decimals, half up) and the ranks
(competition ranking by share of the attainable points). Expected values come from ``score.score``, the reference
kept for exactly this comparison, on random counters for every indicator of every shipped version, both levels and
many sets of available sources — including counters that cannot be right, where both must refuse them alike.
"""

from __future__ import annotations

import random
from dataclasses import fields, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from motcua.index.definitions import COUNTER_SOURCES, SOURCES, Indicator, all_metric_sets
from motcua.index.fastscore import plan_for, rank_cards, ranks_by_share
from motcua.index.rollups import competition_ranks, share_order
from motcua.index.score import _ORDERED_PAIRS, CatalogueCounters, CounterError, DossierCounters, Scorecard, score

AVAILABLE = sorted(set(SOURCES) - {"none"})
_DOSSIER = [f.name for f in fields(DossierCounters)]
_CATALOGUE = {f.name for f in fields(CatalogueCounters)}
EXTERNAL = sorted(name for name in COUNTER_SOURCES if name not in _DOSSIER and name not in _CATALOGUE
                  and name != "online")


def _pairs(ind: Indicator) -> list[tuple[str, str]]:
    """The (part, whole) counter pairs an indicator divides."""
    roles = dict(ind.counters)
    pairs = {
        "satisfaction_5_4": [("on_time", "counted"), ("dissatisfied", "ratings")],
        "online_payment": [("paid", "owed"), ("procedures_paid", "fee_bearing"),
                           ("procedures_with_fee_dossiers", "fee_bearing")],
        "satisfaction_by_dossier": [("unsatisfactory", "handled")],
        "unallocated": [],
    }.get(ind.kind, [("numerator", "denominator")])
    out = [(roles[a], roles[b]) for a, b in pairs]
    if ind.sync_factor is not None:
        out.append((ind.sync_factor.numerator, ind.sync_factor.denominator))
    return out


PAIRS = sorted({pair for ms in all_metric_sets() for ind in ms.indicators for pair in _pairs(ind)})


def _small(rng: random.Random, top: int) -> int:
    """Mostly small numbers, often 0 and often equal to ``top`` (the edges of every formula)."""
    roll = rng.random()
    if roll < 0.15:
        return 0
    if roll < 0.3:
        return top
    return rng.randint(0, top)


def random_dossiers(rng: random.Random) -> DossierCounters:
    big = rng.choice([0, 1, 3, 10, 97, 1000, 123_457])
    values = {name: _small(rng, big) for name in _DOSSIER}
    values["received"] = max(values["received"], values["online_by_citizen"] + values["online_assisted"])
    pairs = (*_ORDERED_PAIRS, ("on_time_index", "counted"))
    for _ in range(3):  # parts of parts (e_certified_copies ≤ certified_copies ≤ results_issued) settle in turn
        for part, whole in pairs:
            if values[part] > values[whole]:
                values[part] = _small(rng, values[whole])
    # every pair the counters check is known here: a generator falling back to zeros would test nothing
    return DossierCounters(**values)


def fitting(dossiers: DossierCounters, catalogue: CatalogueCounters) -> DossierCounters:
    """The counters with their distinct fee-bearing procedures (3.5–3.6's B and C) within the catalogue's."""
    return replace(dossiers, **{name: min(getattr(dossiers, name), catalogue.fee_bearing)
                                for name in ("fee_procedures_paid_online", "fee_procedures_with_fee_dossiers")})


def random_catalogue(rng: random.Random) -> CatalogueCounters:
    procedures = rng.choice([0, 1, 7, 40, 2000])
    fee_bearing = _small(rng, procedures)
    return CatalogueCounters(procedures, _small(rng, procedures), fee_bearing, _small(rng, fee_bearing),
                             _small(rng, procedures), procedures_using_population_data=_small(rng, procedures))


def random_external(rng: random.Random, dossiers: DossierCounters, catalogue: CatalogueCounters,
                    consistent: bool) -> dict[str, int]:
    big = rng.choice([0, 1, 5, 100, 99_991])
    external = {name: _small(rng, big) for name in EXTERNAL}
    if consistent:
        known = {**dossiers.__dict__, **catalogue.__dict__}
        known["online"] = dossiers.online_by_citizen + dossiers.online_assisted
        for part, whole in PAIRS:
            if part in external:
                limit = external.get(whole, known.get(whole, 0))
                if external[part] > limit:
                    external[part] = _small(rng, limit)
    return external


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except CounterError as error:
        return ("CounterError", str(error))


def _assert_same(lean_card: Any, reference: Scorecard) -> None:
    card = lean_card.scorecard()
    assert card == reference  # every field of every indicator, group and total
    for built, expected in ((card.total, reference.total),
                            *((b.total, e.total) for b, e in zip(card.groups, reference.groups, strict=True))):
        # the shown points and percent the built card carries, worked out from integers, are the reference's
        assert (built.points, built.percent) == (expected.points, expected.percent)
    assert lean_card.points == reference.points
    assert lean_card.percent == reference.percent
    assert lean_card.attainable == reference.attainable
    for group in reference.groups:
        assert lean_card.group_percent(group.code) == group.total.percent
    for result in reference.indicators:
        assert lean_card.rate_percent_shown(result.code) == result.rate_percent_shown
    share = lean_card.share()
    assert (None if share is None else Fraction(*share)) == (
        None if reference.total.percent is None else reference.total.exact_points / Fraction(reference.attainable))


@pytest.mark.parametrize("metric_set", all_metric_sets(), ids=lambda m: m.id)
@pytest.mark.parametrize("level", ["commune", "province"])
def test_the_lean_scorer_equals_the_reference_on_random_counters(metric_set: Any, level: Any) -> None:
    rng = random.Random(f"{metric_set.id}-{level}")
    source_sets = [frozenset(AVAILABLE), frozenset({"dossiers", "catalogue"}), frozenset()]
    source_sets += [frozenset(rng.sample(AVAILABLE, rng.randint(1, len(AVAILABLE)))) for _ in range(6)]
    compared = refused = 0
    statuses: dict[str, set[str]] = {ind.code: set() for ind in metric_set.indicators}
    for sources in source_sets:
        plan = plan_for(metric_set, sources, level)
        for _ in range(200):
            dossiers, catalogue = random_dossiers(rng), random_catalogue(rng)
            external = random_external(rng, dossiers, catalogue, consistent=rng.random() < 0.9)
            expected = _outcome(lambda: score(metric_set, dossiers, catalogue, sources, external, level))
            got = _outcome(lambda: plan.card(dossiers, catalogue, external))
            # the same scope scored on its own, scope by scope (the path a batch falls back to)
            alone = _outcome(lambda: plan.cards({0: dossiers}, catalogue, {0: external}, vectorised=False).get(0))
            if isinstance(expected, tuple):
                assert got == expected == alone  # the same counters refused with the same message
                refused += 1
                continue
            _assert_same(got, expected)
            _assert_same(alone, expected)
            compared += 1
            for result in expected.indicators:
                statuses[result.code].add(result.status)
    assert compared > 1000 and refused > 0
    # every indicator that can be scored was scored somewhere, and the zero rules were met too
    scorable = [ind.code for ind in metric_set.indicators if ind.kind != "unallocated"
                and (ind.level is None or ind.level == level)]
    assert all("ok" in statuses[code] for code in scorable), statuses
    assert any("not_applicable" in s for s in statuses.values())


def test_a_batch_scores_each_commune_as_the_reference_does_and_ranks_them_alike() -> None:
    """Ranks: the communes with counted dossiers, by share of the attainable points, highest first, equal shares
    sharing a place — computed by the reference's ``competition_ranks(share_order(…))`` on the reference cards."""
    rng = random.Random(766)
    for metric_set in all_metric_sets():
        sources = frozenset({"dossiers", "catalogue"})
        catalogue = random_catalogue(rng)
        counters = {f"{i:05d}": random_dossiers(rng) for i in range(300)}
        # duplicates, so that ties happen
        counters.update({f"9{i:04d}": counters[f"{i:05d}"] for i in range(0, 300, 7)})
        keys = [*counters, "99999"]  # one commune with no counters at all
        cards = plan_for(metric_set, sources).cards(counters, catalogue, keys=keys)
        zero = DossierCounters.zero()
        reference = {k: score(metric_set, counters.get(k, zero), catalogue, sources) for k in keys}
        for k in keys:
            _assert_same(cards[k], reference[k])
        scored = [k for k in keys if counters.get(k, zero).counted]
        ranked = rank_cards(cards, scored)
        assert ranked.total == competition_ranks({k: share_order(reference[k].total) for k in scored})
        for group in metric_set.groups:
            assert ranked.groups[group.code] == competition_ranks(
                {k: share_order(reference[k].group(group.code).total) for k in scored})
        assert len(set(ranked.total.values())) < len(scored)  # ties were met


def test_a_batch_with_external_counters_scores_and_refuses_as_the_reference() -> None:
    """Every source available, each commune with its own external counters; where one commune's counters cannot be
    right, the batch refuses them with the reference's error for the first such commune."""
    rng = random.Random(7766)
    sources = frozenset(AVAILABLE)
    for metric_set in all_metric_sets():
        plan = plan_for(metric_set, sources)
        catalogue = random_catalogue(rng)
        counters = {f"{i:05d}": fitting(random_dossiers(rng), catalogue) for i in range(150)}
        external = {k: random_external(rng, c, catalogue, consistent=True) for k, c in counters.items()}
        cards = plan.cards(counters, catalogue, external)
        for k, c in counters.items():
            _assert_same(cards[k], score(metric_set, c, catalogue, sources, external[k]))
        bad = dict(external)
        culprits = []
        for k in list(counters)[40::50]:  # a synced count above the dossiers received, in a few communes
            bad[k] = {**external[k], "synced": counters[k].received + 1}
            culprits.append(k)
        first = next(_outcome(lambda c=c, k=k: score(metric_set, c, catalogue, sources, bad[k]))
                     for k, c in counters.items() if isinstance(
                         _outcome(lambda c=c, k=k: score(metric_set, c, catalogue, sources, bad[k])), tuple))
        assert _outcome(lambda: plan.cards(counters, catalogue, bad)) == first


def test_ranks_of_shares_that_only_differ_beyond_a_float() -> None:
    """Two shares a float cannot tell apart are still ordered exactly; equal shares share a place ("1, 2, 2, 4")."""
    big = 10**30
    shares = {"a": (big + 1, big), "b": (big + 2, big), "c": (2 * big + 2, 2 * big), "d": (1, 3), "e": None}
    assert float(Fraction(big + 1, big)) == float(Fraction(big + 2, big))
    assert ranks_by_share(shares) == {"b": 1, "a": 2, "c": 2, "d": 4}
    assert ranks_by_share(shares) == competition_ranks(
        {k: None if v is None else (-Fraction(*v),) for k, v in shares.items()})


def test_external_counters_are_checked_as_the_reference_checks_them() -> None:
    metric_set = all_metric_sets()[-1]
    plan = plan_for(metric_set, frozenset(AVAILABLE))
    catalogue = CatalogueCounters(1, 1, 1, 1, 1)
    for bad in ({"nonsense": 1}, {"synced": -1}, {"synced": True}):
        with pytest.raises(CounterError) as expected:
            score(metric_set, DossierCounters.zero(), catalogue, frozenset(AVAILABLE), bad)
        with pytest.raises(CounterError) as got:
            plan.card(DossierCounters.zero(), catalogue, bad)
        assert str(got.value) == str(expected.value)
    with pytest.raises(CounterError, match="unknown data source"):
        plan_for(metric_set, frozenset({"nowhere"}))
    assert Decimal(0) == plan_for(metric_set, frozenset()).card(DossierCounters.zero(), catalogue).attainable
