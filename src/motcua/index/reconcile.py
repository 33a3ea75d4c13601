"""Reconciliation with the national portal's published Decision 766 statistics (docs/reconciliation.md).

Why: a province trusts motcua's ranking only if it is the one the national public-service portal publishes. The
officer downloads the portal's statistics for a period (per unit: each indicator's counts, rate, points and maximum),
imports them here, and sees every commune and indicator where motcua's score differs from the portal's by more than
0.01 points, with both counts and, where motcua can tell, the dossiers behind the difference.

Three parts:

* reading (pure): ``read_portal_file`` turns the JSON or Excel file into typed units and metrics, or refuses it
  with every problem named by row, unit and field — the wrong shape, another province, a unit motcua does not know,
  a period motcua cannot name, a non-numeric score, a maximum that is not the metric set's. Nothing is written
  until the whole file is valid (``import_portal_file`` writes in the caller's one transaction).
* the file against itself (pure): ``check_formula`` scores each indicator from the file's own counts with motcua's
  formula (``index.score``) and compares with the file's points: a mismatch is a formula difference, not a data one.
  Only indicators whose formula the portal publishes are checked (docs/legal.md §7: not group 3).
* the comparison (``reconciliation``): motcua's scorecard of each commune for the period, from the rollups
  (``index.rollups``) exactly as the ranking computes it, beside the portal's figures.

Counts are read by the role names of each formula kind (``definitions.KIND_ROLES``: numerator, denominator, …,
written camelCase in the file) and mapped to motcua's counters by the metric set's own ``counters``, so a counter
added to the definitions fits without a change here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO
from typing import Any, Literal

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import RECONCILE_ROLES
from motcua.dossier.models import Dossier
from motcua.index.definitions import KIND_ROLES, Indicator, Level, MetricSet, metric_set_by_id, metric_set_for
from motcua.index.models import IndexContribution
from motcua.index.periods import Period, add_months, index_period, parse_period, period_value
from motcua.index.portal_models import TOTAL, PortalImport, PortalRow
from motcua.index.rollups import catalogue_counters, rollup_counters, scorecard
from motcua.index.score import (
    DERIVED_COUNTERS,
    CatalogueCounters,
    CounterError,
    DossierCounters,
    IndicatorResult,
    counter_value,
    merge_all,
    score,
)
from motcua.kit.clock import to_local
from motcua.kit.errors import Forbidden, ValidationFailed
from motcua.org.models import Commune, Province

IMPORT_ACTION = "index.portal_statistics_imported"
#: The largest statistics file accepted: a province of 148 communes is a few hundred kilobytes.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: A difference under this many points is the portal's two-decimal rounding, not a difference.
TOLERANCE = Decimal("0.01")
#: Groups whose formula the portal does not publish (docs/legal.md §7: group 3 is motcua's flagged assumption): the
#: file's points there cannot be checked against its own counts.
UNPUBLISHED_FORMULA_GROUPS = frozenset({"online_service"})
#: Roles that are a formula's whole (denominators): building counters for one indicator, a whole the file does not
#: give is taken as large as needed, so that no part exceeds it.
WHOLE_ROLES = frozenset({"denominator", "counted", "ratings", "owed", "fee_bearing", "handled"})
MAX_PROBLEMS = 50


def count_key(role: str) -> str:
    """The file's name of a formula role: ``procedures_paid`` → ``proceduresPaid``."""
    head, *rest = role.split("_")
    return head + "".join(part.capitalize() for part in rest)


def count_keys(indicator: Indicator) -> tuple[str, ...]:
    """The counts a file may give for the indicator, in the formula's order."""
    return tuple(count_key(role) for role in KIND_ROLES[indicator.kind])


def vn_number(n: int) -> str:
    """1051 → "1.051", as Vietnamese writes thousands."""
    return f"{n:,}".replace(",", ".")


# =========================================================================================== reading the file


class PortalFileError(ValidationFailed):
    """The file cannot be imported; ``problems`` names every problem found (row or item, unit, field)."""

    code = "portal_statistics_invalid"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:5]) + (f"; và {len(self.problems) - 5} lỗi khác" if len(problems) > 5 else "")
        super().__init__(f"Tệp thống kê chưa được nhập (không có dữ liệu nào được ghi): {shown}.",
                         fields={"file": shown})


@dataclass(frozen=True)
class PortalMetric:
    place: str  # "Dòng 12" (Excel) or "children[3].metrics[2]" (JSON)
    code: str
    counts: Mapping[str, int]  # by the file's names (``count_keys``)
    ratio: Decimal | None  # percent
    score: Decimal | None  # None: the portal scored nothing
    max_score: Decimal


@dataclass(frozen=True)
class PortalUnit:
    place: str
    code: str
    name: str
    level: Level
    metrics: tuple[PortalMetric, ...]
    total_score: Decimal | None
    max_total: Decimal | None

    def metric(self, code: str) -> PortalMetric | None:
        for m in self.metrics:
            if m.code == code:
                return m
        return None


@dataclass(frozen=True)
class PortalFile:
    file_format: str  # json | xlsx
    period: Period
    metric_set: MetricSet
    province: PortalUnit
    communes: tuple[PortalUnit, ...]


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, place: str, unit: str | None, text: str) -> None:
        where = f"{place} (đơn vị {unit})" if unit else place
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(f"{where}: {text}")

    def raise_any(self) -> None:
        if self.items:
            raise PortalFileError(self.items)


class _Bad(ValueError):
    pass


def _number(value: object) -> Decimal | None:
    """A number of the file (JSON number, Excel cell, or text "19,07"); None for null or an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _Bad(repr(value))
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise _Bad(repr(value)) from None
    else:
        raise _Bad(repr(value))
    if not number.is_finite():
        raise _Bad(repr(value))
    return number


def _code(value: object, width: int) -> str | None:
    """A unit code as text; an Excel cell typed as a number lost its leading zeros: put them back."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value)).zfill(width)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


# ------------------------------------------------------------------------------------------- raw shapes

#: The raw file as a dict of the JSON shape; places travel in "_place" keys.
Raw = dict[str, Any]


def _from_json(data: bytes) -> Raw:
    try:
        raw = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # a hostile file nests arrays thousands deep
        raise PortalFileError([f"Tệp không phải JSON hợp lệ ({exc.__class__.__name__})"]) from None
    if not isinstance(raw, dict):
        raise PortalFileError(["Tệp không đúng dạng thống kê 766: cần một đối tượng JSON có 'period', 'unitCode' "
                               "và danh sách 'children'"])
    raw["_place"] = "Đơn vị cấp tỉnh"
    children = raw.get("children")
    if isinstance(children, list):
        for i, child in enumerate(children):
            if isinstance(child, dict):
                child["_place"] = f"children[{i}]"
    for unit in [raw, *(children if isinstance(children, list) else [])]:
        if isinstance(unit, dict) and isinstance(unit.get("metrics"), list):
            for j, metric in enumerate(unit["metrics"]):
                if isinstance(metric, dict):
                    metric["_place"] = f"{unit['_place']}.metrics[{j}]"
    return raw


#: The columns of the Excel form: the JSON fields, one row per unit and metric (docs/reconciliation.md).
XLSX_FIXED = ("period", "unitCode", "unitName", "parentCode", "metric", "ratio", "score", "maxScore")


def _from_xlsx(data: bytes, known_counts: frozenset[str]) -> Raw:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise PortalFileError(["Tệp Excel bị hỏng hoặc không phải định dạng .xlsx"]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header: list[str] = []
    header_line = 0
    for number, cells in enumerate(rows, start=1):
        if cells and isinstance(cells[0], str) and cells[0].strip() in XLSX_FIXED:
            header = [str(c).strip() if c is not None else "" for c in cells]
            header_line = number
            break
        if number >= 20:
            break
    missing = [c for c in XLSX_FIXED if c != "parentCode" and c not in header]
    if not header or missing:
        shown = ", ".join(f"'{c}'" for c in missing or XLSX_FIXED)
        raise PortalFileError([f"Tệp Excel không đúng dạng thống kê 766: thiếu cột {shown} ở dòng tiêu đề"])
    unknown = [c for c in header if c and c not in XLSX_FIXED and c not in known_counts]
    if unknown:
        raise PortalFileError([f"Dòng {header_line}: cột không thuộc mẫu thống kê 766: "
                               + ", ".join(f"'{c}'" for c in unknown)])
    units: dict[str, Raw] = {}
    parents: list[Raw] = []
    periods: set[str] = set()
    problems = _Problems()
    for number, cells in enumerate(rows, start=header_line + 1):
        row = {name: cells[i] for i, name in enumerate(header) if name and i < len(cells)}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue
        place = f"Dòng {number}"
        parent = _code(row.get("parentCode"), 2)
        code = _code(row.get("unitCode"), 2 if parent is None else 5)
        if code is None:
            problems.add(place, None, "thiếu mã đơn vị ('unitCode')")
            continue
        if row.get("period") is not None:
            periods.add(str(row["period"]).strip())
        unit = units.get(code)
        if unit is None:
            unit = units[code] = {"_place": place, "unitCode": code, "unitName": row.get("unitName") or "",
                                  "metrics": []}
            if parent is None:
                parents.append(unit)
            else:
                unit["_parent"] = parent
        metric_code = row.get("metric")
        fields_of_row = {k: v for k, v in row.items() if k in ("ratio", "score", "maxScore")}
        if isinstance(metric_code, str) and metric_code.strip() == TOTAL:
            unit["totalScore"], unit["maxTotalScore"] = row.get("score"), row.get("maxScore")
            continue
        counts = {k: v for k, v in row.items() if k in known_counts and v is not None}
        unit["metrics"].append({"_place": place, "code": metric_code, "counts": counts, **fields_of_row})
    problems.raise_any()
    if len(parents) != 1:
        raise PortalFileError([f"Tệp Excel cần đúng một đơn vị cấp tỉnh (dòng có 'parentCode' trống), có "
                               f"{len(parents)}"])
    if len(periods) > 1:
        raise PortalFileError([f"Cột 'period' có nhiều kỳ khác nhau: {', '.join(sorted(periods))}"])
    top = parents[0]
    top["period"] = next(iter(periods)) if periods else None
    top["children"] = [u for u in units.values() if u is not top]
    for child in top["children"]:
        if child["_parent"] != top["unitCode"]:
            problems.add(child["_place"], child["unitCode"],
                         f"'parentCode' {child['_parent']} không phải đơn vị cấp tỉnh của tệp ({top['unitCode']})")
    problems.raise_any()
    return top


def file_format(data: bytes, file_name: str) -> str:
    """json or xlsx, by content (an .xlsx is a zip archive), never trusting the name alone."""
    if data[:2] == b"PK":
        return "xlsx"
    if file_name.lower().endswith(".xlsx"):
        raise PortalFileError(["Tệp có đuôi .xlsx nhưng không phải tệp Excel"])
    return "json"


# ------------------------------------------------------------------------------------------- validation


def _period(raw: object, today: date) -> Period:
    """The file's period: ``2026-12``, ``2026-Q4``, ``2026``, ``2026-01..2026-06`` or {"from", "to"} dates covering
    whole months (what ``index.periods`` names). A period not begun yet is refused."""
    if isinstance(raw, dict):
        try:
            start, last = date.fromisoformat(str(raw.get("from"))), date.fromisoformat(str(raw.get("to")))
        except ValueError:
            raise ValidationFailed("'period' cần 'from' và 'to' dạng YYYY-MM-DD") from None
        first_of_last = date(last.year, last.month, 1)
        end = add_months(first_of_last, 1)
        if start.day != 1 or date.fromordinal(end.toordinal() - 1) != last or last < start:
            raise ValidationFailed("kỳ phải gồm các tháng trọn vẹn (từ ngày 1 đến ngày cuối tháng)")
        months = (end.year - start.year) * 12 + end.month - start.month
        kind = ("month" if months == 1 else "quarter" if months == 3 and start.month % 3 == 1
                else "year" if months == 12 and start.month == 1 else "custom")
        text = period_value(kind, start, end)
    elif isinstance(raw, str | int) and not isinstance(raw, bool):
        text = str(raw).strip()
    else:
        raise ValidationFailed("thiếu kỳ thống kê ('period')")
    if not text:
        raise ValidationFailed("thiếu kỳ thống kê ('period')")
    period = index_period(text, today)
    if period.start > today:
        raise ValidationFailed(f"kỳ {period.label} chưa bắt đầu")
    return period


def _metrics_list(raw: object) -> list[Any] | None:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):  # {"2.1": {...}, …}
        return [{"code": code, **value} if isinstance(value, dict) else value for code, value in raw.items()]
    return None


def _metric(item: object, unit_place: str, unit: str, metric_set: MetricSet, problems: _Problems,
            j: int) -> PortalMetric | None:
    place = f"{unit_place}.metrics[{j}]"
    if not isinstance(item, dict):
        problems.add(place, unit, "mỗi chỉ số phải là một đối tượng có 'code', 'ratio', 'score', 'maxScore'")
        return None
    place = item.get("_place", place)
    code = item.get("code")
    code = str(code).strip() if isinstance(code, str | int | float | Decimal) and not isinstance(code, bool) else None
    if not code:
        problems.add(place, unit, "thiếu mã chỉ số ('code')")
        return None
    try:
        indicator = metric_set.indicator(code)
    except KeyError:
        problems.add(place, unit, f"chỉ số '{code}' không có trong bộ chỉ số {metric_set.id} áp dụng cho kỳ này")
        return None
    values: dict[str, Decimal | None] = {}
    ok = True
    for key in ("ratio", "score", "maxScore"):
        if key not in item:
            problems.add(place, unit, f"thiếu trường '{key}' của chỉ số {code}")
            ok = False
            continue
        try:
            values[key] = _number(item[key])
        except _Bad as exc:
            problems.add(place, unit, f"trường '{key}' của chỉ số {code} không phải là số: {exc}")
            ok = False
    counts: dict[str, int] = {}
    raw_counts = item.get("counts", {})
    if raw_counts is None:
        raw_counts = {}
    if not isinstance(raw_counts, dict):
        problems.add(place, unit, f"'counts' của chỉ số {code} phải là một đối tượng")
        ok = False
        raw_counts = {}
    allowed = count_keys(indicator)
    for key, value in raw_counts.items():
        if key not in allowed:
            problems.add(place, unit, f"số liệu '{key}' không thuộc công thức của chỉ số {code} (dùng: "
                                      f"{', '.join(allowed) or 'không có'})")
            ok = False
            continue
        try:
            number = _number(value)
        except _Bad as exc:
            problems.add(place, unit, f"số liệu '{key}' của chỉ số {code} không phải là số: {exc}")
            ok = False
            continue
        if number is None:
            continue
        if number < 0 or number != number.to_integral_value():
            problems.add(place, unit, f"số liệu '{key}' của chỉ số {code} phải là số nguyên ≥ 0, không phải "
                                      f"{value}")
            ok = False
            continue
        counts[key] = int(number)
    if not ok:
        return None
    max_score, points, ratio = values["maxScore"], values["score"], values["ratio"]
    if max_score != indicator.max_points:
        problems.add(place, unit, f"điểm tối đa ('maxScore') của chỉ số {code} là {max_score}, bộ chỉ số "
                                  f"{metric_set.id} cho {indicator.max_points:f}: tệp theo bộ chỉ số khác")
        return None
    assert max_score is not None
    if points is not None and not 0 <= points <= max_score + TOLERANCE:
        problems.add(place, unit, f"điểm ('score') {points} của chỉ số {code} ngoài khoảng 0–{max_score:f}")
        return None
    if ratio is not None and not 0 <= ratio <= 100 + TOLERANCE:
        problems.add(place, unit, f"tỷ lệ ('ratio') {ratio} của chỉ số {code} ngoài khoảng 0–100")
        return None
    return PortalMetric(place, code, counts, ratio, points, max_score)


def _unit(raw: object, place: str, level: Level, metric_set: MetricSet, problems: _Problems,
          code: str) -> PortalUnit | None:
    assert isinstance(raw, dict)
    metrics_raw = _metrics_list(raw.get("metrics"))
    if metrics_raw is None:
        problems.add(place, code, "thiếu danh sách chỉ số ('metrics')")
        return None
    metrics = [_metric(item, place, code, metric_set, problems, j) for j, item in enumerate(metrics_raw)]
    seen: set[str] = set()
    for m in metrics:
        if m is not None:
            if m.code in seen:
                problems.add(m.place, code, f"chỉ số {m.code} bị lặp")
            seen.add(m.code)
    totals: dict[str, Decimal | None] = {}
    for key in ("totalScore", "maxTotalScore"):
        try:
            totals[key] = _number(raw.get(key))
        except _Bad as exc:
            problems.add(place, code, f"trường '{key}' không phải là số: {exc}")
            return None
    name = raw.get("unitName")
    return PortalUnit(place, code, name.strip() if isinstance(name, str) else "", level,
                      tuple(m for m in metrics if m is not None), totals["totalScore"], totals["maxTotalScore"])


def read_portal_file(data: bytes, file_name: str, *, province_code: str, units: Mapping[str, str],
                     today: date) -> PortalFile:
    """Read and validate the whole file; refuse it with every problem named (``PortalFileError``).

    ``units`` maps every commune code motcua knows to its province: a child must be a commune of the importing
    officer's province ``province_code``, the parent that province."""
    if not data:
        raise PortalFileError(["Tệp rỗng"])
    if len(data) > MAX_FILE_BYTES:
        raise PortalFileError([f"Tệp lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB"])
    fmt = file_format(data, file_name)
    every_key = frozenset(count_key(role) for roles in KIND_ROLES.values() for role in roles)
    raw = _from_json(data) if fmt == "json" else _from_xlsx(data, every_key)
    top_place = raw.get("_place", "Đơn vị cấp tỉnh")
    children = raw.get("children")
    parent_code = _code(raw.get("unitCode"), 2)
    if not isinstance(children, list) or parent_code is None:
        raise PortalFileError(["Tệp không đúng dạng thống kê 766: cần 'unitCode' của tỉnh và danh sách 'children' "
                               "(các xã, phường), mỗi đơn vị có 'metrics'"])
    if parent_code != province_code:
        raise PortalFileError([f"{top_place} (đơn vị {parent_code}): tệp thống kê của tỉnh mã {parent_code}, không "
                               f"phải tỉnh của cán bộ nhập (mã {province_code})"])
    try:
        period = _period(raw.get("period"), today)
    except ValidationFailed as exc:
        raise PortalFileError([f"{top_place}: kỳ thống kê không hợp lệ: {exc.message}"]) from None
    metric_set = metric_set_for(add_months(period.end, -1))
    problems = _Problems()
    province = _unit(raw, top_place, "province", metric_set, problems, parent_code)
    communes: list[PortalUnit] = []
    seen: set[str] = set()
    for i, child in enumerate(children):
        place = f"children[{i}]"
        if not isinstance(child, dict):
            problems.add(place, None, "mỗi đơn vị phải là một đối tượng có 'unitCode' và 'metrics'")
            continue
        place = child.get("_place", place)
        code = _code(child.get("unitCode"), 5)
        if code is None:
            problems.add(place, None, "thiếu mã đơn vị ('unitCode')")
            continue
        if code not in units:
            problems.add(place, code, "mã đơn vị không có trong danh mục đơn vị hành chính của motcua")
            continue
        if units[code] != province_code:
            problems.add(place, code, f"đơn vị thuộc tỉnh mã {units[code]}, không thuộc tỉnh {province_code}")
            continue
        if code in seen:
            problems.add(place, code, "đơn vị bị lặp")
            continue
        seen.add(code)
        unit = _unit(child, place, "commune", metric_set, problems, code)
        if unit is not None:
            communes.append(unit)
    problems.raise_any()
    assert province is not None
    return PortalFile(fmt, period, metric_set, province, tuple(communes))


# =========================================================================================== the file against itself

FormulaStatus = Literal["match", "mismatch", "not_checked"]


@dataclass(frozen=True)
class FormulaCheck:
    """motcua's formula applied to the file's own counts, against the file's points."""

    status: FormulaStatus
    expected: Decimal | None = None  # the points motcua's formula gives on the file's counts (2 decimals)
    note: str = ""


def formula_published(indicator: Indicator) -> bool:
    return indicator.kind != "unallocated" and indicator.group not in UNPUBLISHED_FORMULA_GROUPS


def _wholes(metric_set: MetricSet) -> frozenset[str]:
    return frozenset(ind.counter(role) for ind in metric_set.indicators for role in KIND_ROLES[ind.kind]
                     if role in WHOLE_ROLES)


def counters_from_counts(metric_set: MetricSet, named: Mapping[str, int]
                         ) -> tuple[DossierCounters, CatalogueCounters, dict[str, int]]:
    """Counters carrying ``named`` (motcua's counter names) for scoring one indicator: every other counter is 0,
    or, if it is some formula's whole, as large as the largest count (so no part exceeds its whole)."""
    given = dict(named)
    for derived, parts in DERIVED_COUNTERS.items():
        if derived in given:  # e.g. ``online``: all of it in its first part
            value = given.pop(derived)
            given[parts[0]] = value
            for part in parts[1:]:
                given.setdefault(part, 0)
    big = max(given.values(), default=0)
    wholes = _wholes(metric_set) | {"procedures", "received"}

    def fill(cls: type[Any]) -> Any:
        return cls(**{f.name: given.pop(f.name) if f.name in given else (big if f.name in wholes else 0)
                      for f in fields(cls)})

    dossiers, catalogue = fill(DossierCounters), fill(CatalogueCounters)
    return dossiers, catalogue, given


def _alone(metric_set: MetricSet, indicator: Indicator) -> MetricSet:
    """The metric set reduced to one indicator: scoring it reads that indicator's counters only."""
    return replace(metric_set, groups=(metric_set.group(indicator.group),), indicators=(indicator,))


def check_formula(metric_set: MetricSet, metric: PortalMetric, level: Level) -> FormulaCheck:
    """Score the indicator from the file's counts with motcua's formula and compare with the file's points."""
    indicator = metric_set.indicator(metric.code)
    if not formula_published(indicator):
        return FormulaCheck("not_checked", note="Cổng không công bố công thức của chỉ tiêu này")
    if indicator.level is not None and indicator.level != level:
        return FormulaCheck("not_checked", note="Chỉ tiêu chỉ đánh giá cấp tỉnh")
    roles = KIND_ROLES[indicator.kind]
    absent = [count_key(role) for role in roles if count_key(role) not in metric.counts]
    if absent:
        return FormulaCheck("not_checked", note=f"Tệp thiếu số liệu {', '.join(absent)}")
    named: dict[str, int] = {}
    for role in roles:
        name, value = indicator.counter(role), metric.counts[count_key(role)]
        if named.setdefault(name, value) != value:
            return FormulaCheck("mismatch", note=f"Tệp cho hai giá trị khác nhau của cùng số liệu {name}")
    try:
        dossiers, catalogue, external = counters_from_counts(metric_set, named)
        sources = frozenset(indicator.sources - {"none"})
        result = score(_alone(metric_set, indicator), dossiers, catalogue, sources, external, level).indicator(
            indicator.code)
    except CounterError as exc:
        return FormulaCheck("mismatch", note=f"Số liệu của tệp không nhất quán: {exc}")
    expected = result.points_shown if result.status == "ok" else None
    if expected is None and metric.score is None:
        return FormulaCheck("match", None)
    if expected is None or metric.score is None:
        what = "không tính điểm" if expected is None else f"{expected} điểm"
        return FormulaCheck("mismatch", expected, f"Công thức của motcua trên số liệu của tệp: {what}")
    if abs(expected - metric.score) <= TOLERANCE:
        return FormulaCheck("match", expected)
    return FormulaCheck("mismatch", expected, f"Công thức của motcua trên chính số liệu của tệp cho {expected} điểm, "
                                              f"tệp ghi {metric.score}: công thức khác nhau")


# =========================================================================================== storing


def _may_reconcile(actor: Principal) -> None:
    if actor.kind != "system" and not (actor.is_province_level and actor.has_role(*RECONCILE_ROLES)):
        raise Forbidden("Chỉ cán bộ theo dõi hoặc quản trị cấp tỉnh được đối soát với Cổng Dịch vụ công quốc gia.")


def may_reconcile(actor: Principal) -> bool:
    try:
        _may_reconcile(actor)
    except Forbidden:
        return False
    return True


def known_units(session: Session) -> dict[str, str]:
    """Every commune code motcua knows, with its province."""
    return {code: province for code, province in session.execute(select(Commune.code, Commune.province_code))}


def _rows(parsed: PortalFile) -> Iterable[dict[str, Any]]:
    for unit in (parsed.province, *parsed.communes):
        for m in unit.metrics:
            yield {"place": m.place[:60], "unit_code": unit.code, "unit_name": unit.name[:200], "level": unit.level,
                   "indicator": m.code, "counts": dict(m.counts), "ratio": m.ratio, "score": m.score,
                   "max_score": m.max_score}
        if unit.total_score is not None or unit.max_total is not None:
            yield {"place": unit.place[:60], "unit_code": unit.code, "unit_name": unit.name[:200],
                   "level": unit.level, "indicator": TOTAL, "counts": {}, "ratio": None, "score": unit.total_score,
                   "max_score": unit.max_total or Decimal(0)}


def import_portal_file(session: Session, *, actor: Principal, data: bytes, file_name: str,
                       now: datetime) -> PortalImport:
    """Validate the whole file, then write it in the caller's transaction: the import, its rows, the audit event.
    A second import of the same period replaces the first (the audit event keeps the replaced file's digest)."""
    _may_reconcile(actor)
    province_code = actor.province_code
    parsed = read_portal_file(data, file_name, province_code=province_code, units=known_units(session),
                              today=to_local(now).date())
    digest = hashlib.sha256(data).hexdigest()
    old = session.scalars(select(PortalImport).where(PortalImport.province_code == province_code,
                                                     PortalImport.period == parsed.period.value)).first()
    replaced = None
    if old is not None:
        replaced = {"id": old.id, "digest": old.file_digest, "imported_by": old.imported_by,
                    "imported_at": old.imported_at.isoformat()}
        session.execute(delete(PortalRow).where(PortalRow.import_id == old.id))
        session.delete(old)
        session.flush()
    who = f"{actor.full_name} ({actor.name})" if actor.full_name else actor.name
    imp = PortalImport(province_code=province_code, period=parsed.period.value, period_start=parsed.period.start,
                       period_end=parsed.period.end, metric_set=parsed.metric_set.id, imported_at=now,
                       imported_by=who[:120], file_name=(file_name or "thong-ke-766")[:200],
                       file_format=parsed.file_format, file_digest=digest, file_content=data,
                       units=1 + len(parsed.communes))
    session.add(imp)
    session.flush()
    rows = [PortalRow(import_id=imp.id, **row) for row in _rows(parsed)]
    session.add_all(rows)
    session.flush()
    record(session, actor=actor, action=IMPORT_ACTION, now=now, object_kind="index_portal_import",
           object_id=imp.id, province_code=province_code,
           data={"period": parsed.period.value, "metric_set": parsed.metric_set.id, "digest": digest,
                 "file_name": imp.file_name, "units": imp.units, "rows": len(rows), "replaced": replaced})
    return imp


# =========================================================================================== the comparison

Category = Literal["missing_data", "not_synced", "not_in_motcua", "judged_differently", "formula", "unexplained"]

CATEGORY_LABELS: dict[str, str] = {
    "missing_data": "Thiếu dữ liệu trên motcua",
    "not_synced": "Có trên motcua, chưa đồng bộ lên cổng",
    "not_in_motcua": "Có trên cổng, không có trên motcua",
    "judged_differently": "Tính khác nhau",
    "formula": "Công thức khác nhau",
    "unexplained": "Chưa rõ nguyên nhân",
}

NO_SYNC = ("motcua chưa có chức năng đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia (chỉ tiêu 1.4), nên chưa chỉ ra "
           "được hồ sơ nào cổng chưa nhận")


@dataclass(frozen=True)
class Figures:
    """One side's figures for an indicator: counts by the file's names, rate in percent, points."""

    counts: tuple[tuple[str, int], ...]
    rate: Decimal | None
    score: Decimal | None
    status: str  # motcua: index.score.Status; the portal: "ok" when it scored, else "not_applicable"
    note: str = ""

    def count(self, key: str) -> int | None:
        return dict(self.counts).get(key)


@dataclass(frozen=True)
class DossierBehind:
    """A dossier motcua counts in the indicator (2.1) with its verdict."""

    dossier_id: int
    code: str
    procedure_name: str
    month: date
    counted_on_time: bool
    reason: str
    explanation: str
    late_hours: Decimal


@dataclass(frozen=True)
class Difference:
    unit_code: str
    unit_name: str
    level: str
    indicator: str
    indicator_name: str
    max_points: Decimal
    motcua: Figures
    portal: Figures
    category: str
    explanation: str
    formula: FormulaCheck
    dossiers: tuple[DossierBehind, ...] = ()
    dossiers_total: int = 0

    @property
    def gap(self) -> Decimal | None:
        """motcua − portal, points."""
        if self.motcua.score is None or self.portal.score is None:
            return None
        return self.motcua.score - self.portal.score

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


@dataclass(frozen=True)
class FormulaMismatch:
    unit_code: str
    unit_name: str
    indicator: str
    portal_score: Decimal | None
    check: FormulaCheck


@dataclass(frozen=True)
class Reconciliation:
    imp: PortalImport
    period: Period
    metric_set: MetricSet
    compared: int  # unit × indicator pairs compared
    differences: list[Difference]
    formula_mismatches: list[FormulaMismatch]
    formula_checked: int
    missing_units: list[tuple[str, str]]  # communes motcua scored in the period that the file does not list

    def by_unit(self) -> list[tuple[str, str, list[Difference]]]:
        out: dict[str, tuple[str, str, list[Difference]]] = {}
        for d in self.differences:
            out.setdefault(d.unit_code, (d.unit_code, d.unit_name, []))[2].append(d)
        return list(out.values())


def _metric_of(row: PortalRow) -> PortalMetric:
    counts = {str(k): int(v) for k, v in (row.counts or {}).items()}
    return PortalMetric(row.place, row.indicator, counts, row.ratio, row.score, row.max_score)


def _motcua_figures(indicator: Indicator, result: IndicatorResult, dossiers: DossierCounters,
                    catalogue: CatalogueCounters) -> Figures:
    counts: list[tuple[str, int]] = []
    for role, name in indicator.counters:
        with contextlib.suppress(CounterError):  # a source motcua does not count (the indicator is "no data")
            counts.append((count_key(role), counter_value(name, dossiers, catalogue)))
    return Figures(tuple(counts), result.rate_percent_shown, result.points_shown if result.status == "ok" else None,
                   result.status, result.note)


def _two(value: Decimal | None) -> Decimal | None:
    """To 2 decimals, half up, as the portal shows its figures (the stored column keeps 4)."""
    return None if value is None else value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _portal_figures(indicator: Indicator, metric: PortalMetric) -> Figures:
    counts = tuple((key, metric.counts[key]) for key in count_keys(indicator) if key in metric.counts)
    return Figures(counts, _two(metric.ratio), _two(metric.score),
                   "ok" if metric.score is not None else "not_applicable")


def _explain(indicator: Indicator, motcua: Figures, portal: Figures, check: FormulaCheck) -> tuple[str, str]:
    """The category of a difference and its explanation in words."""
    if motcua.status == "no_data":
        text = motcua.note or "motcua chưa có nguồn dữ liệu của chỉ tiêu này"
        if "portal_sync" in indicator.sources:
            text += f". {NO_SYNC}"
        return "missing_data", text
    roles = KIND_ROLES[indicator.kind]
    for role in roles:
        if role not in WHOLE_ROLES:
            continue
        key = count_key(role)
        mine, theirs = motcua.count(key), portal.count(key)
        if mine is None or theirs is None or mine == theirs:
            continue
        gap = abs(mine - theirs)
        text = f"motcua tính {vn_number(mine)} hồ sơ, cổng tính {vn_number(theirs)}: chênh {vn_number(gap)} ({key})"
        if mine > theirs:
            return "not_synced", f"{text}. {NO_SYNC}"
        return "not_in_motcua", (f"{text}. Cổng có hồ sơ motcua không có (tiếp nhận trên hệ thống khác, hoặc "
                                 "đồng bộ sai đơn vị)")
    for role in roles:
        key = count_key(role)
        mine, theirs = motcua.count(key), portal.count(key)
        if role in WHOLE_ROLES or mine is None or theirs is None or mine == theirs:
            continue
        whole = next((motcua.count(count_key(r)) for r in roles if r in WHOLE_ROLES), None)
        of = f" trên cùng {vn_number(whole)} hồ sơ" if whole is not None else ""
        return "judged_differently", (f"motcua tính {vn_number(mine)} ({key}), cổng tính {vn_number(theirs)}{of}: "
                                      f"chênh {vn_number(abs(mine - theirs))} hồ sơ được đánh giá khác nhau")
    if check.status == "mismatch":
        return "formula", check.note
    if not portal.counts:
        return "unexplained", "Tệp không có số liệu đếm của chỉ tiêu này để so sánh"
    return "formula", "Cùng số liệu nhưng điểm khác nhau: công thức hoặc cách làm tròn khác nhau"


def _dossiers_behind(session: Session, indicator: Indicator, commune_code: str, period: Period,
                     limit: int) -> tuple[tuple[DossierBehind, ...], int]:
    """For 2.1 (its numerator a contribution's verdict, its denominator ``counted``): the dossiers motcua counts in
    the period, late ones first. Over several months a dossier counts once (``index.rollups``)."""
    numerator = dict(indicator.counters).get("numerator")
    if dict(indicator.counters).get("denominator") != "counted" or numerator not in ("on_time", "on_time_index"):
        return (), 0
    c = IndexContribution
    verdict = getattr(c, numerator)
    where = [c.commune_code == commune_code, c.month >= period.start, c.month < period.end, c.counted.is_(True),
             or_(c.month == period.last_month, c.open_at_end.is_(False))]
    total = int(session.scalar(select(func.count()).select_from(c).where(*where)) or 0)
    rows = session.execute(
        select(c, verdict.label("verdict"), Dossier.code, Dossier.procedure_name)
        .join(Dossier, Dossier.id == c.dossier_id).where(*where)
        .order_by(verdict, c.late_hours.desc(), c.month, c.dossier_id).limit(limit)
    ).all()
    return tuple(DossierBehind(r.IndexContribution.dossier_id, r.code, r.procedure_name, r.IndexContribution.month,
                               bool(r.verdict), r.IndexContribution.reason, r.IndexContribution.explanation,
                               r.IndexContribution.late_hours) for r in rows), total


def reconciliation(session: Session, imp: PortalImport, today: date, dossier_limit: int = 100) -> Reconciliation:
    """Every unit and indicator of the import where motcua's points differ from the portal's by more than 0.01
    (or one side scored and the other did not), explained; and the file's own formula mismatches."""
    period = parse_period(imp.period, today)
    metric_set = metric_set_by_id(imp.metric_set)
    last = add_months(period.end, -1)
    catalogue = catalogue_counters(session, last)
    by_commune = rollup_counters(session, imp.province_code, period)
    rows = session.scalars(select(PortalRow).where(PortalRow.import_id == imp.id).order_by(PortalRow.id)).all()
    units = {code: name for code, name in session.execute(
        select(Commune.code, Commune.name).where(Commune.province_code == imp.province_code))}
    province_name = session.scalar(select(Province.name).where(Province.code == imp.province_code)) or ""
    cards = {}
    differences: list[Difference] = []
    mismatches: list[FormulaMismatch] = []
    compared = checked = 0
    listed: set[str] = set()
    for row in rows:
        if row.indicator == TOTAL:
            continue
        level: Level = "province" if row.level == "province" else "commune"
        listed.add(row.unit_code)
        if level == "province":
            counters = merge_all(by_commune.values())
            name = province_name or row.unit_name
        else:
            counters = by_commune.get(row.unit_code, DossierCounters.zero())
            name = units.get(row.unit_code, row.unit_name)
        key = (row.unit_code, level)
        if key not in cards:
            cards[key] = scorecard(metric_set, counters, catalogue, level=level)
        indicator = metric_set.indicator(row.indicator)
        metric = _metric_of(row)
        check = check_formula(metric_set, metric, level)
        if check.status != "not_checked":
            checked += 1
        if check.status == "mismatch":
            mismatches.append(FormulaMismatch(row.unit_code, name, row.indicator, row.score, check))
        mine = _motcua_figures(indicator, cards[key].indicator(row.indicator), counters, catalogue)
        theirs = _portal_figures(indicator, metric)
        compared += 1
        if mine.score is None and theirs.score is None:
            continue
        if mine.score is not None and theirs.score is not None and abs(mine.score - theirs.score) <= TOLERANCE:
            continue
        category, text = _explain(indicator, mine, theirs, check)
        dossiers, total = ((), 0) if level == "province" else _dossiers_behind(
            session, indicator, row.unit_code, period, dossier_limit)
        differences.append(Difference(row.unit_code, name, level, indicator.code, indicator.name,
                                      indicator.max_points, mine, theirs, category, text, check, dossiers, total))
    missing = sorted((code, units.get(code, code)) for code, c in by_commune.items()
                     if c.counted and code not in listed)
    return Reconciliation(imp, period, metric_set, compared, differences, mismatches, checked, missing)


def portal_imports(session: Session, province_code: str) -> list[PortalImport]:
    return list(session.scalars(select(PortalImport).where(PortalImport.province_code == province_code)
                                .order_by(PortalImport.period_start.desc(), PortalImport.id.desc())))

