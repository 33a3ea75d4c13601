"""Version 2 of the Decision 766/QĐ-TTg definitions scored by hand (docs/legal.md §7, "Version 2").

Every expected value is worked out in the comment beside it from the formulas of §7 — never by calling the code
under test: online payment 6A + min(2, 2.5B) + 2.5C; 4.2 max × rate with no threshold; 4.3 min(2, 2 × rate ÷ 80%);
4.6 max × rate; 5.2/5.3 6 × rate, 6 when there is no case; 5.4 min(6, 6 × rate ÷ 90%) with rate = 1 − unsatisfactory
dossiers ÷ dossiers handled, 0 when none; 1.1–1.3 for a province only; group 3 counts every channel-2 dossier.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from motcua.index.definitions import metric_set_for
from motcua.index.rollups import scorecard
from motcua.index.score import CatalogueCounters, DossierCounters, Scorecard, score

V1 = metric_set_for(date(2026, 11, 1))
V2 = metric_set_for(date(2026, 12, 1))
CATALOGUE = CatalogueCounters(procedures=20, online_offered=16, fee_bearing=10, fee_payable_online=4,
                              complete_parts=15)
EVERY_SOURCE = frozenset({"dossiers", "catalogue", "ratings", "feedback", "fee_obligations", "portal_sync",
                          "e_result", "population_data", "data_store"})
NOTHING_EXTERNAL = {
    # zero everywhere unless a test sets it: each source declared available must bring its counters
    "owed_fee": 0, "owed_fee_paid_online": 0, "fee_procedures_paid_online": 0, "fee_procedures_with_fee_dossiers": 0,
    "synced": 0, "reused_data": 0, "linked_to_data_store": 0, "published_on_time": 0, "procedures_published": 0,
    "public_within_5wd": 0, "procedures_decided": 0, "results_issued": 0, "e_results": 0, "digitised": 0,
    "certified_copies": 0, "e_certified_copies": 0, "procedures_using_population_data": 0, "vneid_verified": 0,
    "reused_from_store": 0, "linked_to_store": 0,
}


def dossiers(**changes: int) -> DossierCounters:
    base = {"received": 100, "counted": 100, "on_time": 100, "on_time_index": 100, "online_by_citizen": 0,
            "online_assisted": 0,
            "with_fee": 0, "paid_online": 0}
    return DossierCounters(**(base | changes))


def card(counts: DossierCounters | None = None, catalogue: CatalogueCounters = CATALOGUE,
         sources: frozenset[str] = EVERY_SOURCE, level: str = "commune", **external: int) -> Scorecard:
    """Counters motcua now counts itself (fees owed, stored files, VNeID) go into ``DossierCounters`` and
    ``CatalogueCounters``; the rest (the portal sync's) stay external."""
    given = NOTHING_EXTERNAL | external
    own = {f.name for f in fields(DossierCounters)}
    counts = replace(counts or dossiers(), **{k: v for k, v in given.items() if k in own})
    if "procedures_using_population_data" in given:
        catalogue = replace(catalogue, procedures_using_population_data=given["procedures_using_population_data"])
    rest = {k: v for k, v in given.items() if k not in own and k != "procedures_using_population_data"}
    return score(V2, counts, catalogue, sources, rest, level="province" if level == "province" else "commune")


# --------------------------------------------------------------------------------------------- online payment


def test_online_payment_is_6a_plus_min_2_2_5b_plus_2_5c() -> None:
    """§7 online payment: A = 5 paid online ÷ 10 that owed a fee = 0.5; B = 9 of the 10 fee-bearing procedures paid
    online at least once = 0.9; C = 6 of 10 had fee dossiers = 0.6 → 6 × 0.5 + min(2, 2.5 × 0.9 = 2.25) + 2.5 × 0.6
    = 3 + 2 + 1.5 = 6.5 of 10."""
    result = card(owed_fee=10, owed_fee_paid_online=5, fee_procedures_paid_online=9,
                  fee_procedures_with_fee_dossiers=6).indicator("3.5-3.6")
    assert (result.status, result.points_shown, result.max_points) == ("ok", Decimal("6.50"), 10)
    assert result.exact_points == Fraction(13, 2)
    assert result.rate_percent_shown == Decimal("50.00")  # the rate shown is A
    assert result.note == "A = 50.00%, B = 90.00%, C = 60.00%"


def test_online_payment_b_below_its_cap_and_the_group_capped_at_10() -> None:
    """§7: min(2, 2.5B) caps only when 2.5B > 2. A = 3/4 = 0.75, B = 3/10 = 0.3, C = 4/10 = 0.4 → 4.5 + min(2, 0.75)
    + 1 = 6.25. Everything at 100%: 6 + min(2, 2.5) + 2.5 = 10.5, capped at the group's 10."""
    result = card(owed_fee=4, owed_fee_paid_online=3, fee_procedures_paid_online=3,
                  fee_procedures_with_fee_dossiers=4).indicator("3.5-3.6")
    assert result.points_shown == Decimal("6.25")
    best = card(owed_fee=7, owed_fee_paid_online=7, fee_procedures_paid_online=10,
                fee_procedures_with_fee_dossiers=10).indicator("3.5-3.6")
    assert best.exact_points == 10


def test_online_payment_zero_rules() -> None:
    """No fee-bearing procedure: nothing to pay, N/A (out of the maximum). Fee-bearing procedures but no dossier
    that owed a fee: A counts 0, B = 0, C = 0 → 0 + min(2, 0) + 0 = 0 of 10, scored."""
    free = CatalogueCounters(procedures=20, online_offered=16, fee_bearing=0, fee_payable_online=0,
                             complete_parts=15)
    assert card(catalogue=free).indicator("3.5-3.6").status == "not_applicable"
    none_owed = card().indicator("3.5-3.6")
    assert (none_owed.status, none_owed.exact_points) == ("ok", 0)
    assert card().group("online_payment").total.attainable == 10


def test_free_dossiers_are_not_in_a() -> None:
    """§7: A's denominator is the dossiers that actually owed a fee (> 0). 40 dossiers of fee-bearing procedures of
    which 30 were exempt (a birth registered on time), 10 owed and 10 paid online: A = 10/10 = 1, not 10/40.
    B = 5/10 → min(2, 1.25) = 1.25; C = 5/10 → 1.25. 6 + 1.25 + 1.25 = 8.5."""
    result = card(dossiers(with_fee=40, paid_online=10), owed_fee=10, owed_fee_paid_online=10,
                  fee_procedures_paid_online=5, fee_procedures_with_fee_dossiers=5).indicator("3.5-3.6")
    assert result.points_shown == Decimal("8.50")


def test_online_payment_reads_the_fee_each_dossier_owed_not_the_schedule() -> None:
    """§7 3.5–3.6: A's denominator is the dossiers that actually owed a fee after exemptions, not the dossiers of a
    procedure with a fee schedule. 40 dossiers of fee-bearing procedures, of which 20 owed something (the others
    were free: on-time birth registrations, exempt households); 10 paid online. A = 10 ÷ 20 = 0.5 (not 10 ÷ 40);
    B = 4 of 10 fee-bearing procedures paid online → min(2, 2.5 × 0.4 = 1) = 1; C = 5 of 10 → 2.5 × 0.5 = 1.25.
    6 × 0.5 + 1 + 1.25 = 5.25 of 10."""
    counters = dossiers(with_fee=40, paid_online=10, owed_fee=20, owed_fee_paid_online=10,
                        fee_procedures_paid_online=4, fee_procedures_with_fee_dossiers=5)
    result = scorecard(V2, counters, CATALOGUE).indicator("3.5-3.6")
    assert (result.status, result.points_shown) == ("ok", Decimal("5.25"))
    assert result.rate_percent_shown == Decimal("50.00")


# --------------------------------------------------------------------------------------------- group 3


def test_a_commune_whose_officers_filed_every_online_dossier_scores_group_3_as_the_portal() -> None:
    """§7 group 3: every channel-2 dossier counts, whoever typed it in. A Chí Tiên-like commune: 100 dossiers
    received, all 100 filed online by its officers for the citizens, 16 of 20 procedures offered online.
    3.1: 16/20 = 0.8 → 6 × min(1, 0.8 ÷ 0.8) = 6. 3.3: 100/100 = 1 (sync rate taken as 1) → 6 × min(1, 1 ÷ 0.5) = 6.
    Group 3: 12 of 12. Version 1 (citizens' own filings only) gave 3.3: 0/100 → 0, group 6 of 12."""
    chi_tien = dossiers(online_by_citizen=0, online_assisted=100)
    v2 = scorecard(V2, chi_tien, CATALOGUE)
    assert v2.indicator("3.3").points_shown == Decimal("6.00")
    assert (v2.group("online_service").total.points, v2.group("online_service").total.attainable) == (
        Decimal("12.00"), Decimal(12))
    v1 = scorecard(V1, chi_tien, CATALOGUE)
    assert v1.indicator("3.3").points_shown == Decimal("0.00")
    assert v1.group("online_service").total.points == Decimal("6.00")


def test_online_dossiers_by_citizens_and_by_officers_add_up() -> None:
    """§7 group 3: 12 filed by citizens + 8 by officers = 20 of 100 online = 0.2 → 6 × min(1, 0.2 ÷ 0.5) = 2.4."""
    result = scorecard(V2, dossiers(online_by_citizen=12, online_assisted=8), CATALOGUE).indicator("3.3")
    assert (result.rate_percent_shown, result.points_shown) == (Decimal("20.00"), Decimal("2.40"))


# --------------------------------------------------------------------------------------------- digitisation


def test_digitisation_formulas() -> None:
    """§7 digitisation, 100 dossiers received:
    4.1: 30 e-results of 40 results = 0.75 → 6 × 0.75 = 4.5;
    4.2: 60 digitised of 100 = 0.6 → 4 × 0.6 = 2.4 (no threshold: version 1 gave 4 × 0.6 ÷ 0.8 = 3);
    4.3: 60 re-using the citizen's store of 100 = 0.6 → min(2, 2 × 0.6 ÷ 0.8 = 1.5) = 1.5; 90 of 100 → min(2, 2.25) = 2;
    4.4: 70 linked to the citizen's store of 100 = 0.7 → 4 × 0.7 = 2.8;
    4.6: 3 electronic copies of 4 certified copies = 0.75 → 2 × 0.75 = 1.5."""
    result = card(results_issued=40, e_results=30, digitised=60, reused_from_store=60, linked_to_store=70,
                  certified_copies=4, e_certified_copies=3)
    assert [result.indicator(c).points_shown for c in ("4.1", "4.2", "4.3", "4.4", "4.6")] == [
        Decimal("4.50"), Decimal("2.40"), Decimal("1.50"), Decimal("2.80"), Decimal("1.50")]
    assert card(reused_from_store=90).indicator("4.3").exact_points == 2


# --------------------------------------------------------------------------------------------- satisfaction


def test_5_4_rate_counts_each_unsatisfactory_dossier_once() -> None:
    """§7 5.4: 100 dossiers handled, 3 with a dissatisfied rating, 2 with a feedback case, 4 late (9 different
    dossiers) → rate 1 − 9/100 = 0.91 → min(6, 6 × 0.91 ÷ 0.9 = 6.0667) = 6. 19 of 100 → 0.81 → 6 × 0.81 ÷ 0.9
    = 5.4."""
    good = card(dossiers(ratings=50, dissatisfied=3, unsatisfactory_dossiers=9)).indicator("5.4")
    assert (good.rate_percent_shown, good.exact_points) == (Decimal("91.00"), 6)
    worse = card(dossiers(unsatisfactory_dossiers=19)).indicator("5.4")
    assert (worse.rate_percent_shown, worse.points_shown) == (Decimal("81.00"), Decimal("5.40"))


def test_5_4_is_zero_when_no_dossier_was_handled() -> None:
    """§7 5.4: "0 when there are none" — scored 0 of 6, in the attainable maximum (not N/A)."""
    result = card(dossiers(received=0, counted=0, on_time=0)).indicator("5.4")
    assert (result.status, result.exact_points, result.rate) == ("ok", 0, None)
    assert card(dossiers(received=0, counted=0, on_time=0)).group("satisfaction").total.attainable == 18


def test_5_2_and_5_3_are_full_when_there_is_no_case() -> None:
    """§7 5.2 and 5.3: 6 when there is no feedback case. With 4 cases, 3 handled (or still open) within time → 6 ×
    3/4 = 4.5; 2 not unsatisfied (late ones count unsatisfied, unrated ones satisfied) → 6 × 2/4 = 3."""
    none = card()
    assert (none.indicator("5.2").exact_points, none.indicator("5.3").exact_points) == (6, 6)
    some = card(dossiers(feedback_cases=4, feedback_within_time=3, feedback_not_unsatisfied=2))
    assert (some.indicator("5.2").points_shown, some.indicator("5.3").points_shown) == (
        Decimal("4.50"), Decimal("3.00"))


# --------------------------------------------------------------------------------------------- levels and sources


def test_province_only_indicators_leave_a_communes_maximum() -> None:
    """§7: 1.1–1.3 are scored at province level only. A commune's transparency group is 1.4 alone (6 points); the
    province's adds 1.1 (6), 1.2 (4), 1.3 (2): 15/20 complete procedures = 0.75 → 2 × 0.75 = 1.5; 1.1: 8 of 10
    published on time → 6 × 0.8 = 4.8; 1.2: 4 of 4 → 4; 1.4: 50 of 100 synced → 3. 13.3 of 18."""
    commune = card(synced=50)
    assert {commune.indicator(c).status for c in ("1.1", "1.2", "1.3")} == {"not_applicable"}
    assert commune.indicator("1.3").note == "Chỉ tiêu chỉ đánh giá cấp tỉnh"
    assert commune.group("transparency").total.attainable == 6
    province = card(synced=50, level="province", procedures_published=10, published_on_time=8,
                    procedures_decided=4, public_within_5wd=4)
    assert province.indicator("1.3").points_shown == Decimal("1.50")
    assert (province.group("transparency").total.points, province.group("transparency").total.attainable) == (
        Decimal("13.30"), Decimal(18))


def test_what_motcua_scores_today_under_version_2() -> None:
    """With the sources motcua fills for version 2 (dossiers, catalogue, fees owed, ratings, feedback cases, stored
    files, population data, the citizen's store), only the indicator of the national-portal sync stays "no data":
    1.4, with the source named. 100 received and handled, 90 on time for the index → 2.1 = 20 × 0.9 = 18; 3.1 = 16
    of 20 offered online → 6 × min(1, 0.8 ÷ 0.8) = 6; 3.3 = 50 online of 100 → 6 × min(1, 0.5 ÷ 0.5) = 6; 3.5–3.6
    with 10 fee-bearing procedures and nothing owed: A = 0, B = 0, C = 0 → 0 of 10; 4.1 and 4.6: no result issued →
    N/A; 4.2: 0 digitised of 100 → 0 of 4; 4.3: 0 reused of 100 → 0 of 2; 4.4: 0 linked of 100 → 0 of 4; 4.5a: 0 of
    20 procedures → 0 of 2; 4.5b: 0 of 100 → 0 of 2; 5.2, 5.3: no feedback case → 6 each; 5.4: 0 unsatisfactory of
    100 handled → rate 1, min(6, 6 × 1 ÷ 0.9) = 6.
    Total 18 + 6 + 6 + 0 + 0 + 0 + 0 + 0 + 0 + 6 + 6 + 6 = 48 of 20 + 6 + 6 + 10 + 4 + 2 + 4 + 2 + 2 + 6 + 6 + 6
    = 74."""
    commune = scorecard(V2, dossiers(on_time_index=90, online_by_citizen=20, online_assisted=30), CATALOGUE)
    assert {r.code for r in commune.indicators if r.status == "no_data"} == {"1.4"}
    assert (commune.indicator("4.3").points_shown, commune.indicator("4.4").points_shown) == (0, 0)
    assert {r.code for r in commune.indicators if r.status == "not_applicable"} == {"1.1", "1.2", "1.3", "4.1", "4.6"}
    assert (commune.points, commune.attainable) == (Decimal("48.00"), Decimal(74))
    province = scorecard(V2, dossiers(), CATALOGUE, level="province")
    assert "1.3" in {r.code for r in province.indicators if r.status == "ok"}


def test_version_1_keeps_the_sources_of_its_published_months() -> None:
    """docs/legal.md §7: a month published under version 1 scores the same forever, so version 1 is scored with the
    sources it had — its dossiers and catalogue — and its 5.2–5.4 stay "no data" even now that motcua counts ratings
    and feedback cases for version 2. The same counters scored with those two sources alone give the same card."""
    counters = dossiers(on_time=95, online_by_citizen=20, with_fee=10, paid_online=4, owed_fee=8,
                        owed_fee_paid_online=4, unsatisfactory_dossiers=30, results_issued=50, e_results=40)
    v1 = scorecard(V1, counters, CATALOGUE)
    assert v1 == score(V1, counters, CATALOGUE, frozenset({"dossiers", "catalogue"}))
    assert {r.code for r in v1.indicators if r.code.startswith("5.")} == {"5.2", "5.3", "5.4"}
    assert all(r.status == "no_data" for r in v1.indicators if r.code.startswith(("4.", "5.")))


def test_version_2_counts_2_1_on_the_portals_rule_not_the_legal_clock() -> None:
    """docs/legal.md §7, 2.1: version 2 counts a dossier on time by the national portal's rule (the original
    appointment less the supplement waits), not by the legal clock that restarts after a supplement. 100 counted,
    95 on time for the citizen, 80 on time for the index → 20 × 80/100 = 16.00; version 1 reads the legal clock:
    20 × 95/100 = 19.00."""
    counters = dossiers(on_time=95, on_time_index=80)
    assert scorecard(V2, counters, CATALOGUE).indicator("2.1").points == Decimal("16.00")
    assert scorecard(V1, counters, CATALOGUE).indicator("2.1").points == Decimal("19.00")
