"""The Decision 766/QĐ-TTg metric set as versioned data (docs/legal.md §7): it loads, validates, is picked by date."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from motcua.index.definitions import (
    COUNTER_SOURCES,
    MetricDefinitionError,
    NoMetricSetInForce,
    all_metric_sets,
    markdown,
    metric_set_by_id,
    metric_set_for,
    parse_metric_set,
)
from motcua.index.rollups import sources_for

SECTION_7_CODES = {"1.1", "1.2", "1.3", "1.4", "2.1", "3.1", "3.3", "3.5", "3.6", "4.1", "4.2", "4.3", "4.4", "5.2"}
SECTION_7_CODES |= {"5.3", "5.4", "4.5a", "4.5b"}  # 4.5 is "2+2" for procedures / dossiers


def shipped(name: str = "decision_766_v1.json") -> dict[str, Any]:
    text = (resources.files("motcua.index") / "data" / name).read_text(encoding="utf-8")
    raw: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return raw


def indicator(raw: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in raw["indicators"] if item["code"] == code)
    return found


def test_shipped_set_is_decision_766() -> None:
    metric_set = metric_set_for(date(2026, 1, 15))
    assert metric_set.id == "766-v1"
    assert metric_set.legal_basis == "Quyết định 766/QĐ-TTg (23/6/2022)"
    assert metric_set.valid_from == date(2022, 6, 23) and metric_set.valid_to is None
    assert all_metric_sets()[0] == metric_set
    assert [s.id for s in all_metric_sets()] == ["766-v1", "766-v2"]


def test_groups_and_their_points() -> None:
    """§7: transparency 18, progress 20, online service 12, online payment 10, digitisation 22, satisfaction 18."""
    metric_set = metric_set_for(date(2026, 1, 15))
    maxima = {group.code: group.max_points for group in metric_set.groups}
    assert maxima == {
        "transparency": 18,
        "progress": 20,
        "online_service": 12,
        "online_payment": 10,
        "digitisation": 22,
        "satisfaction": 18,
    }
    assert metric_set.total_points == 100 == sum(maxima.values())
    for group in metric_set.groups:
        assert sum(ind.max_points for ind in metric_set.indicators_of(group.code)) == group.max_points


def test_every_section_7_indicator_is_defined() -> None:
    metric_set = metric_set_for(date(2026, 1, 15))
    codes = {ind.code for ind in metric_set.indicators}
    assert codes == SECTION_7_CODES | {"4.x"}
    assert metric_set.indicator("2.1").counters == (("numerator", "on_time"), ("denominator", "counted"))
    assert metric_set.indicator("2.1").max_points == 20
    assert metric_set.indicator("3.3").threshold == Decimal("0.50")
    assert metric_set.indicator("3.1").threshold == Decimal("0.80")
    assert metric_set.indicator("5.4").threshold == Decimal("0.90")
    assert metric_set.indicator("5.4").sources == frozenset({"ratings", "dossiers"})
    assert all(name in COUNTER_SOURCES for ind in metric_set.indicators for _, name in ind.counters)


def test_gaps_in_section_7_are_explicit_assumptions() -> None:
    """§7 gives no max for 3.1 / 3.3 and lists 20 of digitisation's 22 points: said, not invented."""
    metric_set = metric_set_for(date(2026, 1, 15))
    for code in ("3.1", "3.3"):
        ind = metric_set.indicator(code)
        assert ind.max_points == 6 and ind.assumption and "no per-indicator max" in ind.assumption
    rest = metric_set.indicator("4.x")
    assert rest.kind == "unallocated" and rest.data == "none" and rest.max_points == 2 and rest.assumption
    sync = metric_set.indicator("3.3").sync_factor
    assert sync is not None and sync.data == "portal_sync" and sync.substitute == 1 and sync.assumption


def test_definitions_are_frozen() -> None:
    metric_set = metric_set_for(date(2026, 1, 15))
    with pytest.raises(dataclasses.FrozenInstanceError):
        metric_set.indicators[0].max_points = Decimal(99)  # type: ignore[misc, unused-ignore]


@pytest.mark.parametrize(
    ("breakage", "field", "problem"),
    [
        (lambda raw: indicator(raw, "2.1").__setitem__("max", 19), "groups[1].max", "add up to 19"),
        (lambda raw: indicator(raw, "2.1").__setitem__("kind", "linear"), "indicators[4].kind", "unknown formula"),
        (lambda raw: indicator(raw, "1.2").__setitem__("code", "1.1"), "indicators[1].code", "duplicate indicator"),
        (
            lambda raw: indicator(raw, "2.1")["counters"].__setitem__("numerator", "ontime"),
            "indicators[4].counters.numerator",
            "unknown counter 'ontime'",
        ),
        (lambda raw: indicator(raw, "2.1").__setitem__("data", "crm"), "indicators[4].data", "unknown data source"),
        (lambda raw: indicator(raw, "3.1").__setitem__("threshold", None), "indicators[5].threshold", "number"),
        (lambda raw: indicator(raw, "3.1").__setitem__("threshold", "1.5"), "indicators[5].threshold", "(0, 1]"),
        (lambda raw: indicator(raw, "2.1").__setitem__("threshold", "0.5"), "indicators[4].threshold", "no threshold"),
        (lambda raw: indicator(raw, "2.1").__setitem__("group", "speed"), "indicators[4].group", "unknown group"),
        (lambda raw: indicator(raw, "4.x").pop("assumption"), "indicators[15].assumption", "must say why"),
        (lambda raw: raw["groups"][0].__setitem__("max", 19), "groups[0].max", "add up to 18"),
        (lambda raw: raw.__setitem__("total_points", 99), "total_points", "add up to 100"),
        (lambda raw: raw.__setitem__("valid_to", "2020-01-01"), "valid_to", "before valid_from"),
        (lambda raw: raw.__setitem__("valid_from", "23/6/2022"), "valid_from", "ISO date"),
    ],
)
def test_broken_copies_are_refused_naming_the_field(breakage: Any, field: str, problem: str) -> None:
    raw = copy.deepcopy(shipped())
    breakage(raw)
    with pytest.raises(MetricDefinitionError) as caught:
        parse_metric_set(raw, "broken.json")
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"broken.json: {field}: ")


def test_metric_set_for_picks_the_version_in_force() -> None:
    """A later decision is a new version with a later valid_from; the old file is not edited."""
    v1 = parse_metric_set(shipped(), "decision_766_v1.json")
    later = shipped() | {"id": "766-v2", "valid_from": "2026-07-01"}
    v2 = parse_metric_set(later, "decision_766_v2.json")
    assert metric_set_for(date(2026, 6, 30), (v2, v1)).id == "766-v1"
    assert metric_set_for(date(2026, 7, 1), (v1, v2)).id == "766-v2"
    assert metric_set_for(date(2022, 6, 23)).id == "766-v1"
    with pytest.raises(NoMetricSetInForce):
        metric_set_for(date(2022, 6, 22))  # before Decision 766
    repealed = parse_metric_set(shipped() | {"id": "766-r", "valid_to": "2025-12-31"}, "repealed.json")
    with pytest.raises(NoMetricSetInForce):
        metric_set_for(date(2026, 1, 1), (repealed,))
    with pytest.raises(MetricDefinitionError, match="same day"):
        metric_set_for(date(2026, 1, 1), (v1, parse_metric_set(shipped() | {"id": "x"}, "x.json")))
    with pytest.raises(MetricDefinitionError, match="more than one file"):
        metric_set_for(date(2026, 8, 1), (v1, parse_metric_set(later | {"id": "766-v1"}, "copy.json")))


# --------------------------------------------------------------------------------------------- version 2


def test_version_2_takes_over_on_the_first_day_of_december_2026() -> None:
    """docs/legal.md §7: version 2 applies from 1 December 2026, a month's first day, so no month is split between
    versions; every month before it (the ones that may already be published) keeps version 1."""
    assert metric_set_for(date(2026, 11, 30)).id == "766-v1"
    assert metric_set_for(date(2026, 12, 1)).id == "766-v2"
    assert metric_set_for(date(2027, 6, 1)).id == "766-v2"
    assert metric_set_by_id("766-v1").valid_from == date(2022, 6, 23)
    assert metric_set_by_id("766-v2").valid_from == date(2026, 12, 1)
    with pytest.raises(KeyError):
        metric_set_by_id("766-v9")


def test_version_1_is_untouched_by_version_2() -> None:
    """Past periods are re-scored by the rules in force then: version 1 keeps its own 3.3, 3.5/3.6, 4.2 and 5.4."""
    v1 = metric_set_by_id("766-v1")
    assert v1.indicator("3.3").counters == (("numerator", "online_by_citizen"), ("denominator", "received"))
    assert v1.indicator("4.2").kind == "full_at_threshold"
    assert v1.indicator("5.4").kind == "satisfaction_5_4"
    assert {ind.code for ind in v1.indicators} >= {"3.5", "3.6", "4.x"}
    assert all(ind.level is None for ind in v1.indicators)


def test_version_2_follows_section_7() -> None:
    """docs/legal.md §7, version 2: each indicator's rate, point formula and zero rule."""
    v2 = metric_set_by_id("766-v2")
    maxima = {group.code: group.max_points for group in v2.groups}
    assert maxima == {"transparency": 18, "progress": 20, "online_service": 12, "online_payment": 10,
                      "digitisation": 22, "satisfaction": 18}
    assert {ind.code for ind in v2.indicators} == {
        "1.1", "1.2", "1.3", "1.4", "2.1", "3.1", "3.3", "3.5-3.6", "4.1", "4.2", "4.3", "4.4", "4.5a", "4.5b",
        "4.6", "5.2", "5.3", "5.4"}
    assert [ind.code for ind in v2.indicators if ind.level == "province"] == ["1.1", "1.2", "1.3"]
    # group 3: every channel-2 dossier, whoever typed it in
    assert v2.indicator("3.3").counter("numerator") == "online"
    payment = v2.indicator("3.5-3.6")
    assert payment.kind == "online_payment" and payment.max_points == 10
    assert dict(payment.counters) == {"paid": "owed_fee_paid_online", "owed": "owed_fee",
                                      "procedures_paid": "fee_procedures_paid_online",
                                      "procedures_with_fee_dossiers": "fee_procedures_with_fee_dossiers",
                                      "fee_bearing": "fee_bearing"}
    assert (v2.indicator("4.2").kind, v2.indicator("4.2").threshold) == ("proportional", None)
    assert (v2.indicator("4.3").kind, v2.indicator("4.3").threshold) == ("full_at_threshold", Decimal("0.80"))
    assert (v2.indicator("4.6").kind, v2.indicator("4.6").max_points) == ("proportional", 2)
    assert v2.indicator("5.2").kind == v2.indicator("5.3").kind == "full_when_none"
    assert v2.indicator("5.2").counters == (("numerator", "feedback_within_time"), ("denominator", "feedback_cases"))
    assert v2.indicator("5.4").kind == "satisfaction_by_dossier"
    assert v2.indicator("5.4").threshold == Decimal("0.90")
    assert v2.indicator("5.4").counters == (("unsatisfactory", "unsatisfactory_dossiers"), ("handled", "counted"))


@pytest.mark.parametrize(
    ("breakage", "field", "problem"),
    [
        (lambda raw: indicator(raw, "1.1").__setitem__("level", "district"), "indicators[0].level", "unknown level"),
        (lambda raw: indicator(raw, "3.5-3.6")["counters"].pop("owed"), "indicators[7].counters", "needs exactly"),
        (lambda raw: indicator(raw, "5.4").pop("threshold"), "indicators[17].threshold", "number"),
    ],
)
def test_broken_version_2_copies_are_refused_naming_the_field(breakage: Any, field: str, problem: str) -> None:
    raw = copy.deepcopy(shipped("decision_766_v2.json"))
    breakage(raw)
    with pytest.raises(MetricDefinitionError) as caught:
        parse_metric_set(raw, "broken.json")
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_online_payment_is_out_of_10() -> None:
    """6A + min(2, 2.5B) + 2.5C is a 10-point formula: another max would be a different formula."""
    raw = copy.deepcopy(shipped("decision_766_v2.json"))
    indicator(raw, "3.5-3.6")["max"] = 8
    raw["groups"][3]["max"] = 8
    raw["total_points"] = 98
    with pytest.raises(MetricDefinitionError) as caught:
        parse_metric_set(raw, "broken.json")
    assert caught.value.field == "indicators[7].max"


def test_the_table_in_docs_is_generated_from_the_definitions() -> None:
    """docs/index-definitions.md is the definitions' own rendering (scripts/index_table.py); editing either alone
    fails here."""
    root = Path(__file__).resolve().parents[2]
    assert (root / "docs" / "index-definitions.md").read_text("utf-8") == markdown(sources_for)


def test_the_table_says_each_indicators_rule() -> None:
    """The generated page carries, for every indicator, the formula, threshold and zero rule of docs/legal.md §7."""
    text = markdown(sources_for)
    assert text.count("\n| ") == sum(len(s.groups) + len(s.indicators) + 2 for s in all_metric_sets())
    assert ("| 3.5-3.6 | Thanh toán trực tuyến (hồ sơ thanh toán trực tuyến, thủ tục có phí đã phát sinh thanh toán "
            "trực tuyến) | 10 | A = `owed_fee_paid_online` ÷ `owed_fee`; B = `fee_procedures_paid_online` ÷ "
            "`fee_bearing`; C = `fee_procedures_with_fee_dossiers` ÷ `fee_bearing` | "
            "min(10, 6A + min(2, 2.5B) + 2.5C) | — |") in text
    assert "| 5.4 | Mức độ hài lòng trong giải quyết thủ tục hành chính | 6 | 1 − `unsatisfactory_dossiers` ÷ " \
           "`counted` | min(6, 6 × rate ÷ 90%) | 90% | 0 points when no dossier was handled | every unit |" in text
    assert "| 1.3 | " in text and "| province only | catalogue (danh mục thủ tục hành chính) | yes |" in text
