"""Counters → scorecard with the Decision 766/QĐ-TTg metric set (docs/legal.md §7); expected values worked by hand.

Rules exercised: "max × rate", "full at ≥ threshold" = max × min(1, rate ÷ threshold), 5.4 rate = 100% − (late
rate + dissatisfied rate) with min(6, 6 × rate ÷ 90%), 5.2/5.3 "6 when there is none", denominator zero → N/A,
no data source → no_data; both left out of the attainable maximum. Shown to 2 decimals, ROUND_HALF_UP.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from motcua.index.definitions import COUNTER_SOURCES, metric_set_for
from motcua.index.score import (
    CatalogueCounters,
    CounterError,
    DossierCounters,
    Scorecard,
    merge,
    merge_all,
    score,
    shown,
)

M766 = metric_set_for(date(2026, 1, 31))
PORTAL_ONLY = frozenset({"dossiers", "catalogue", "ratings", "feedback"})
NO_CATALOGUE = CatalogueCounters(0, 0, 0, 0, 0)


def dossiers(**changes: int) -> DossierCounters:
    base = {"received": 0, "counted": 0, "on_time": 0, "online_by_citizen": 0, "online_assisted": 0}
    return DossierCounters(**(base | {"with_fee": 0, "paid_online": 0} | changes))


def scenario() -> Scorecard:
    """A commune's month with the citizen portal live but no portal sync, e-results or population data."""
    counts = dossiers(
        received=40, counted=50, on_time=45, online_by_citizen=12, online_assisted=6, with_fee=8, paid_online=2,
        ratings=20, dissatisfied=1, feedback=3, feedback_on_time=2, feedback_satisfied=3,
    )  # fmt: skip
    catalogue = CatalogueCounters(
        procedures=25, online_offered=18, fee_bearing=5, fee_payable_online=4, complete_parts=25
    )
    return score(M766, counts, catalogue, PORTAL_ONLY)


def test_full_scorecard_of_a_small_scenario() -> None:
    card = scenario()
    expected = {
        # code: (rate shown in %, points shown)
        "1.3": (Decimal("100.00"), Decimal("2.00")),  # 25/25 = 100%; 2 × 1
        "2.1": (Decimal("90.00"), Decimal("18.00")),  # 45/50 = 90%; 20 × 0.9
        "3.1": (Decimal("72.00"), Decimal("5.40")),  # 18/25 = 72%; 6 × min(1, 0.72 ÷ 0.80) = 6 × 0.9
        "3.3": (Decimal("30.00"), Decimal("3.60")),  # 12/40 × sync 1 (the 6 assisted do not count); 6 × 0.30 ÷ 0.50
        "3.5": (Decimal("80.00"), Decimal("4.00")),  # 4/5 = 80% ≥ 80% → full 4
        "3.6": (Decimal("25.00"), Decimal("1.50")),  # 2/8 = 25%; 6 × 0.25
        "5.2": (Decimal("66.67"), Decimal("4.00")),  # 2/3; 6 × 2/3 = 4
        "5.3": (Decimal("100.00"), Decimal("6.00")),  # 3/3; 6 × 1
        "5.4": (Decimal("85.00"), Decimal("5.67")),  # 100% − (5/50 late + 1/20 dissatisfied) = 85%; 6 × 0.85 ÷ 0.9
    }
    for code, (rate, points) in expected.items():
        result = card.indicator(code)
        assert (result.status, result.rate_percent_shown, result.points_shown) == ("ok", rate, points), code
    no_data = {"1.1", "1.2", "1.4", "4.1", "4.2", "4.3", "4.4", "4.5a", "4.5b", "4.x"}
    assert {r.code for r in card.indicators if r.status == "no_data"} == no_data
    assert all(card.indicator(code).points is None and card.indicator(code).rate is None for code in no_data)
    assert card.indicator("3.3").note == (
        "Chưa có nguồn dữ liệu (đồng bộ với Cổng Dịch vụ công quốc gia): tỷ lệ đồng bộ tạm tính bằng 1"
    )
    assert card.indicator("5.4").exact_points == Fraction(17, 3)  # 6 × (17/20) ÷ (9/10)
    groups = {g.code: (g.total.points, g.total.attainable, g.total.percent) for g in card.groups}
    assert groups == {
        "transparency": (Decimal("2.00"), Decimal(2), Decimal("100.00")),  # only 1.3 has data
        "progress": (Decimal("18.00"), Decimal(20), Decimal("90.00")),
        "online_service": (Decimal("9.00"), Decimal(12), Decimal("75.00")),  # 5.40 + 3.60
        "online_payment": (Decimal("5.50"), Decimal(10), Decimal("55.00")),  # 4.00 + 1.50
        "digitisation": (Decimal("0.00"), Decimal(0), None),  # nothing attainable
        "satisfaction": (Decimal("15.67"), Decimal(18), Decimal("87.04")),  # 4 + 6 + 17/3 = 47/3; ÷ 18 = 87.037%
    }
    # 2 + 18 + 9 + 5.5 + 47/3 = 301/6 = 50.1666…; attainable 2 + 20 + 12 + 10 + 18 = 62; 301/6 ÷ 62 = 80.913…%
    assert (card.points, card.attainable, card.percent) == (Decimal("50.17"), Decimal(62), Decimal("80.91"))
    assert card.indicator("1.1").display == "Chưa có dữ liệu"
    assert card.indicator("2.1").display == "18.00/20"


def test_totals_add_exact_points_before_rounding() -> None:
    """2.1 = 20 × 1/3 = 6.666… (6.67), 3.6 = 6 × 1/9 = 0.666… (0.67): total 22/3 = 7.33, not 6.67 + 0.67 = 7.34."""
    card = score(M766, dossiers(counted=3, on_time=1, with_fee=9, paid_online=1), NO_CATALOGUE, frozenset({"dossiers"}))
    assert card.indicator("2.1").points_shown == Decimal("6.67")
    assert card.indicator("3.6").points_shown == Decimal("0.67")
    assert card.indicator("3.3").status == "not_applicable"  # received 0
    assert card.indicator("3.3").display == "N/A"
    assert card.points == Decimal("7.33")
    # attainable: 2.1 (20) + 3.6 (6); 3.3 is N/A, everything else has no source: 22/3 ÷ 26 = 28.205…%
    assert (card.attainable, card.percent) == (Decimal(26), Decimal("28.21"))


def test_half_up_rounding() -> None:
    """3.6 with 1 of 48 paid online: 6 × 1/48 = 0.125 → 0.13 (half-up, not half-even's 0.12); 1/48 = 2.0833%."""
    card = score(M766, dossiers(with_fee=48, paid_online=1), NO_CATALOGUE, frozenset({"dossiers"}))
    result = card.indicator("3.6")
    assert (result.points, result.points_shown, result.rate_percent_shown) == (
        Decimal("0.125"),
        Decimal("0.13"),
        Decimal("2.08"),
    )
    assert shown(Fraction(-1, 200)) == Decimal("-0.01")


@pytest.mark.parametrize(
    ("counts", "rate", "points"),
    [
        # late 0/50, dissatisfied 1/20 → 95%; 6 × 0.95 ÷ 0.9 = 6.33 → capped at 6
        ({"counted": 50, "on_time": 50, "ratings": 20, "dissatisfied": 1}, Decimal("95.00"), Decimal("6.00")),
        # late 1/10, no ratings (that term counts 0%) → exactly 90% → 6 × 0.9 ÷ 0.9 = 6
        ({"counted": 10, "on_time": 9}, Decimal("90.00"), Decimal("6.00")),
        # late 3/10 = 30%, dissatisfied 1/10 = 10% → 60%; 6 × 0.6 ÷ 0.9 = 4
        ({"counted": 10, "on_time": 7, "ratings": 10, "dissatisfied": 1}, Decimal("60.00"), Decimal("4.00")),
        # late 60% + dissatisfied 50% = 110% → rate taken as 0 (assumption in the JSON), not −10%
        ({"counted": 10, "on_time": 4, "ratings": 10, "dissatisfied": 5}, Decimal("0.00"), Decimal("0.00")),
    ],
)
def test_satisfaction_5_4(counts: dict[str, int], rate: Decimal, points: Decimal) -> None:
    card = score(M766, dossiers(**counts), NO_CATALOGUE, frozenset({"dossiers", "ratings"}))
    result = card.indicator("5.4")
    assert (result.status, result.rate_percent_shown, result.points_shown) == ("ok", rate, points)


def test_satisfaction_5_4_without_dossiers_or_ratings_is_na() -> None:
    card = score(M766, dossiers(), NO_CATALOGUE, frozenset({"dossiers", "ratings"}))
    assert card.indicator("5.4").status == "not_applicable"
    assert card.indicator("2.1").status == "not_applicable"
    assert (card.points, card.attainable, card.percent) == (Decimal("0.00"), Decimal(0), None)


def test_feedback_indicators_are_full_when_there_is_none() -> None:
    """§7: 5.2 and 5.3 score 6 when no feedback (PAKN) was handled in the period."""
    card = score(M766, dossiers(), NO_CATALOGUE, frozenset({"feedback"}))
    for code in ("5.2", "5.3"):
        result = card.indicator(code)
        assert (result.status, result.rate, result.points_shown) == ("ok", None, Decimal("6.00"))
    assert (card.points, card.attainable, card.percent) == (Decimal("12.00"), Decimal(12), Decimal("100.00"))


def test_no_data_is_never_zero() -> None:
    """Without the ratings source 5.4 is no_data: no points and out of the attainable maximum (not 0 of 6)."""
    counts = dossiers(counted=10, on_time=10, ratings=5, dissatisfied=5)  # ratings present but source not declared
    card = score(M766, counts, NO_CATALOGUE, frozenset({"dossiers"}))
    result = card.indicator("5.4")
    assert (result.status, result.points) == ("no_data", None)
    assert result.note == "Chưa có nguồn dữ liệu: đánh giá của người dân về việc giải quyết hồ sơ"
    assert card.group("satisfaction").total.attainable == 0
    assert (card.points, card.attainable, card.percent) == (Decimal("20.00"), Decimal(20), Decimal("100.00"))


def test_portal_sync_counters_when_the_source_exists() -> None:
    """3.3 = 20/40 online × 30/40 synced = 37.5%; 6 × 0.375 ÷ 0.5 = 4.5. 1.4 = 30/40 → 6 × 0.75 = 4.5.
    1.1 = 9/10 → 6 × 0.9 = 5.4. 4.3 = 0/40 → 0 points (scored, not N/A)."""
    external = {
        "synced": 30, "procedures_published": 10, "published_on_time": 9, "procedures_decided": 10,
        "public_within_5wd": 10, "reused_data": 0, "linked_to_data_store": 0,
    }  # fmt: skip
    counts = dossiers(received=40, online_by_citizen=20)
    card = score(M766, counts, NO_CATALOGUE, frozenset({"dossiers", "portal_sync"}), external)
    assert card.indicator("3.3").points_shown == Decimal("4.50") and card.indicator("3.3").note == ""
    assert card.indicator("1.4").points_shown == Decimal("4.50")
    assert card.indicator("1.1").points_shown == Decimal("5.40")
    assert card.indicator("1.2").points_shown == Decimal("4.00")
    assert (card.indicator("4.3").status, card.indicator("4.3").points_shown) == ("ok", Decimal("0.00"))
    without_synced = {name: value for name, value in external.items() if name != "synced"}
    with pytest.raises(CounterError, match="'synced'"):
        score(M766, counts, NO_CATALOGUE, frozenset({"dossiers", "portal_sync"}), without_synced)
    with pytest.raises(CounterError, match="synced \\(50\\) exceeds received \\(40\\)"):
        score(M766, counts, NO_CATALOGUE, frozenset({"dossiers", "portal_sync"}), external | {"synced": 50})


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(CounterError, match="unknown data source"):
        score(M766, dossiers(), NO_CATALOGUE, frozenset({"dossier"}))
    with pytest.raises(CounterError, match="unknown data source"):
        score(M766, dossiers(), NO_CATALOGUE, frozenset({"none"}))
    with pytest.raises(CounterError, match="on_time"):
        dossiers(counted=1, on_time=2)
    with pytest.raises(CounterError, match="received"):
        dossiers(received=3, online_by_citizen=2, online_assisted=2)
    with pytest.raises(CounterError, match="received"):
        dossiers(received=-1)
    with pytest.raises(CounterError, match="fee_payable_online"):
        CatalogueCounters(procedures=5, online_offered=0, fee_bearing=1, fee_payable_online=2, complete_parts=0)
    with pytest.raises(CounterError, match="unknown external counter"):
        score(M766, dossiers(), NO_CATALOGUE, frozenset({"dossiers"}), {"sinced": 1})


def test_merge_adds_rows_up() -> None:
    a = dossiers(received=3, counted=4, on_time=3, online_by_citizen=1, with_fee=2, paid_online=1, ratings=2)
    b = dossiers(received=5, counted=5, on_time=5, online_assisted=2, feedback=1, feedback_satisfied=1)
    total = merge(a, b)
    assert total == dossiers(
        received=8, counted=9, on_time=8, online_by_citizen=1, online_assisted=2, with_fee=2, paid_online=1,
        ratings=2, feedback=1, feedback_satisfied=1,
    )  # fmt: skip
    assert a + b == total == sum([a, b]) == merge_all([a, b])
    assert merge_all([]) == DossierCounters.zero()


def test_counter_names_match_the_counter_classes() -> None:
    """Every counter a definition can name that motcua counts itself is a field, and every field is nameable."""
    dossier_fields = {f.name for f in fields(DossierCounters)}
    catalogue_fields = {f.name for f in fields(CatalogueCounters)}
    own = {"dossiers", "ratings", "feedback", "fee_obligations", "e_result", "data_store"}
    derived = {"online"}  # every channel-2 dossier: online_by_citizen + online_assisted
    # 4.5: the dossiers verified against the population database are counted per dossier, the procedures using it
    # per catalogue entry
    population = {"vneid_verified"}
    assert {n for n, s in COUNTER_SOURCES.items() if s in own} | population == dossier_fields | derived
    assert ({n for n, s in COUNTER_SOURCES.items() if s == "catalogue"} | {"procedures_using_population_data"}
            == catalogue_fields)
