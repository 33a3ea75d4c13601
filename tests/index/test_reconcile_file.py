"""Reading the national portal's 766 statistics file and checking it against itself (pure: no database).

docs/legal.md §7: the portal's published points follow the formulas of version 2 of the definitions; given the
file's own counts, motcua's formula (``index.score``) must give the file's points to 0.01 for every indicator whose
formula §7 gives (group 3's is not published). The scores in ``tests/index/portal_file.py`` are computed by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from motcua.index.definitions import metric_set_by_id
from motcua.index.reconcile import PortalFileError, check_formula, read_portal_file
from tests.index.portal_file import (
    as_json,
    as_xlsx,
    child,
    commune_a_metrics,
    commune_b_metrics,
    metric,
    portal_file,
)

TODAY = date(2027, 1, 5)
UNITS = {"08218": "25", "08227": "25", "00004": "01"}
V2 = metric_set_by_id("766-v2")


def _file() -> dict:
    return portal_file("2026-12", [child("08218", "Xã Chí Tiên", commune_a_metrics()),
                                   child("08227", "Xã B", commune_b_metrics())])


def _read(data: bytes, name: str = "thong-ke.json"):
    return read_portal_file(data, name, province_code="25", units=UNITS, today=TODAY)


@pytest.mark.parametrize("form", ["json", "xlsx"])
def test_given_the_same_counts_motcua_gives_the_portals_scores(form: str) -> None:
    """Every indicator of every unit with a published formula (all but group 3) matches to 0.01; group 3 is left
    unchecked, not silently passed."""
    data = as_json(_file()) if form == "json" else as_xlsx(_file())
    parsed = _read(data, f"thong-ke.{form}")
    assert parsed.file_format == form
    assert parsed.period.value == "2026-12" and parsed.metric_set.id == "766-v2"
    assert [u.code for u in parsed.communes] == ["08218", "08227"]
    outcomes: dict[tuple[str, str], str] = {}
    for unit in (parsed.province, *parsed.communes):
        for m in unit.metrics:
            check = check_formula(parsed.metric_set, m, unit.level)
            outcomes[(unit.code, m.code)] = check.status
            if check.status == "match" and m.score is not None:
                assert check.expected is not None and abs(check.expected - m.score) <= Decimal("0.01")
    assert outcomes.pop(("08218", "3.3")) == "not_checked"
    assert set(outcomes.values()) == {"match"}, outcomes
    # every group whose formula §7 gives is represented: transparency, progress, payment, digitisation, satisfaction
    checked_groups = {V2.indicator(code).group for (_, code) in outcomes}
    assert checked_groups == {"transparency", "progress", "online_payment", "digitisation", "satisfaction"}


def test_a_formula_difference_is_found_from_the_files_own_counts() -> None:
    """If the portal scored 4.3 proportionally (2 × 0.30 = 0.60) instead of min(2, 2 × rate ÷ 80%) = 0.75, the
    file contradicts motcua's formula on its own counts: a formula difference, not a data one."""
    m = metric("4.3", 2, "0.60", "30.00", numerator=30, denominator=100)
    check = check_formula(V2, read_metric(m), "commune")
    assert check.status == "mismatch"
    assert check.expected == Decimal("0.75")
    assert "công thức" in check.note


def read_metric(m: dict):
    parsed = _read(as_json(portal_file("2026-12", [child("08218", "Xã Chí Tiên", [m])])))
    return parsed.communes[0].metrics[0]


def _problems(data: bytes, name: str = "thong-ke.json") -> list[str]:
    with pytest.raises(PortalFileError) as caught:
        _read(data, name)
    return caught.value.problems


def test_wrong_shape_is_refused() -> None:
    assert "children" in _problems(b'{"period": "2026-12", "unitCode": "25"}')[0]
    assert "JSON" in _problems(b"not json at all")[0]
    assert "JSON" in _problems(b"[" * 100_000)[0]  # nested beyond the parser's recursion: refused, not a 500
    assert "Excel" in _problems(b"PK\x03\x04broken", "thong-ke.xlsx")[0]


def test_another_provinces_file_is_refused() -> None:
    data = portal_file("2026-12", [child("00004", "Phường Ba Đình", commune_b_metrics())], province="01")
    problem = _problems(as_json(data))[0]
    assert "01" in problem and "25" in problem


def test_unknown_unit_and_non_numeric_score_are_named_by_row_unit_and_field() -> None:
    bad_score = commune_b_metrics()
    bad_score[0]["score"] = "mười chín"
    data = portal_file("2026-12", [child("08218", "Xã Chí Tiên", commune_a_metrics()),
                                   child("99999", "Xã không có", commune_b_metrics()),
                                   child("08227", "Xã B", bad_score)])
    problems = _problems(as_json(data))
    assert any(p.startswith("children[1] (đơn vị 99999)") and "không có trong danh mục" in p for p in problems)
    assert any(p.startswith("children[2].metrics[0] (đơn vị 08227)") and "'score'" in p and "2.1" in p
               for p in problems)
    rows = _problems(as_xlsx(data), "thong-ke.xlsx")
    # Excel: the header is row 1, the province's 3 metrics rows 2–4, Chí Tiên's 14 rows 5–18, the unknown unit
    # starts at row 19 and commune B's first metric (2.1) is row 19 + 6 = 25.
    assert any(p.startswith("Dòng 19 (đơn vị 99999)") for p in rows), rows
    assert any(p.startswith("Dòng 25 (đơn vị 08227)") and "'score'" in p for p in rows), rows


def test_a_missing_score_field_a_foreign_commune_and_a_bad_period_are_named() -> None:
    no_score = commune_b_metrics()
    del no_score[0]["score"]
    data = portal_file("2026-12", [child("08227", "Xã B", no_score), child("00004", "Phường Ba Đình", [])])
    problems = _problems(as_json(data))
    assert "children[0].metrics[0] (đơn vị 08227): thiếu trường 'score' của chỉ số 2.1" in problems
    assert any(p.startswith("children[1] (đơn vị 00004)") and "không thuộc tỉnh 25" in p for p in problems)
    assert "kỳ" in _problems(as_json(portal_file("2026-13", [])))[0]
    assert "kỳ" in _problems(as_json(portal_file("2027-03", [])))[0]  # not begun on 5 January 2027


def test_a_maximum_of_another_metric_set_is_refused() -> None:
    """4.2 is worth 4 points in both versions; a file saying 6 follows some other set of rules."""
    m = metric("4.2", 6, "2.80", "70.00", numerator=70, denominator=100)
    problems = _problems(as_json(portal_file("2026-12", [child("08218", "Xã Chí Tiên", [m])])))
    assert "maxScore" in problems[0] and "766-v2" in problems[0]


def test_a_period_given_as_dates_covers_whole_months() -> None:
    data = _file()
    data["period"] = {"from": "2026-10-01", "to": "2026-12-31"}
    assert _read(as_json(data)).period.value == "2026-Q4"
    data["period"] = {"from": "2026-10-02", "to": "2026-12-31"}
    assert "tháng trọn vẹn" in _problems(as_json(data))[0]
