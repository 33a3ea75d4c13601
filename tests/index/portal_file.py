"""A realistic statistics file of the national portal's Decision 766 page, built by hand for the tests: a parent
unit (the province) with its ``children`` (communes), each with its counts, ``ratio``, ``score`` and ``maxScore``
per metric (docs/reconciliation.md describes the shape).

Every score below is computed by hand from docs/legal.md §7's formulas (version 2, the portal's), written out in
the comment beside it — never by calling motcua's scoring.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from openpyxl import Workbook


def metric(code: str, max_score: int | str, score: str | None, ratio: str | None, **counts: int) -> dict[str, Any]:
    return {"code": code, "counts": counts, "ratio": None if ratio is None else Decimal(ratio),
            "score": None if score is None else Decimal(score), "maxScore": Decimal(max_score)}


def commune_a_metrics(on_time: int = 1049, counted: int = 1100, score_2_1: str = "19.07") -> list[dict[str, Any]]:
    """A commune with activity in every group; §7's formula for each, by hand."""
    return [
        # 1.4: 6 × 90/100 = 5.40
        metric("1.4", 6, "5.40", "90.00", numerator=90, denominator=100),
        # 2.1: 20 × 1049/1100 = 19.0727… → 19.07 (rate 95.36 %)
        metric("2.1", 20, score_2_1, "95.36", numerator=on_time, denominator=counted),
        # 3.3: group 3's formula is not published (§7): not checked against the counts
        metric("3.3", 6, "6.00", "62.00", numerator=62, denominator=100),
        # 3.5–3.6: A = 30/40, B = 3/5, C = 4/5 → 6×0.75 + min(2, 2.5×0.6) + 2.5×0.8 = 4.5 + 1.5 + 2 = 8.00
        metric("3.5-3.6", 10, "8.00", "75.00", paid=30, owed=40, proceduresPaid=3, proceduresWithFeeDossiers=4,
               feeBearing=5),
        # 4.1: 6 × 45/60 = 4.50
        metric("4.1", 6, "4.50", "75.00", numerator=45, denominator=60),
        # 4.2: 4 × 70/100 = 2.80 (no threshold)
        metric("4.2", 4, "2.80", "70.00", numerator=70, denominator=100),
        # 4.3: min(2, 2 × 0.30 ÷ 0.80) = 0.75
        metric("4.3", 2, "0.75", "30.00", numerator=30, denominator=100),
        # 4.4: 4 × 25/100 = 1.00
        metric("4.4", 4, "1.00", "25.00", numerator=25, denominator=100),
        # 4.5a: 2 × 10/50 = 0.40; 4.5b: 2 × 40/100 = 0.80
        metric("4.5a", 2, "0.40", "20.00", numerator=10, denominator=50),
        metric("4.5b", 2, "0.80", "40.00", numerator=40, denominator=100),
        # 4.6: 2 × 3/4 = 1.50
        metric("4.6", 2, "1.50", "75.00", numerator=3, denominator=4),
        # 5.2: 6 × 7/8 = 5.25; 5.3: 6 × 5/8 = 3.75
        metric("5.2", 6, "5.25", "87.50", numerator=7, denominator=8),
        metric("5.3", 6, "3.75", "62.50", numerator=5, denominator=8),
        # 5.4: 1 − 220/1100 = 0.80 → min(6, 6 × 0.80 ÷ 0.90) = 5.333… → 5.33
        metric("5.4", 6, "5.33", "80.00", unsatisfactory=220, handled=1100),
    ]


def commune_b_metrics() -> list[dict[str, Any]]:
    """The formulas' edges: caps, "6 when none", the threshold reached."""
    return [
        # 2.1: 20 × 2/2 = 20.00
        metric("2.1", 20, "20.00", "100.00", numerator=2, denominator=2),
        # 3.5–3.6: A = B = C = 1 → 6 + min(2, 2.5) + 2.5 = 10.5, capped at 10
        metric("3.5-3.6", 10, "10.00", "100.00", paid=10, owed=10, proceduresPaid=2, proceduresWithFeeDossiers=2,
               feeBearing=2),
        # 4.3: min(2, 2 × 0.90 ÷ 0.80 = 2.25) = 2.00
        metric("4.3", 2, "2.00", "90.00", numerator=90, denominator=100),
        # 5.2 and 5.3: no feedback case → 6 each
        metric("5.2", 6, "6.00", None, numerator=0, denominator=0),
        metric("5.3", 6, "6.00", None, numerator=0, denominator=0),
        # 5.4: 1 − 66/1100 = 0.94 → min(6, 6 × 0.94 ÷ 0.90 = 6.27) = 6.00
        metric("5.4", 6, "6.00", "94.00", unsatisfactory=66, handled=1100),
    ]


def province_metrics() -> list[dict[str, Any]]:
    """1.1–1.3 belong to the province only (§7)."""
    return [
        # 1.1: 6 × 95/100 = 5.70; 1.2: 4 × 9/10 = 3.60; 1.3: 2 × 40/50 = 1.60
        metric("1.1", 6, "5.70", "95.00", numerator=95, denominator=100),
        metric("1.2", 4, "3.60", "90.00", numerator=9, denominator=10),
        metric("1.3", 2, "1.60", "80.00", numerator=40, denominator=50),
    ]


def portal_file(period: str, children: list[dict[str, Any]], province: str = "25",
                metrics: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"period": period, "unitCode": province, "unitName": "Tỉnh Phú Thọ",
            "metrics": province_metrics() if metrics is None else metrics,
            "totalScore": Decimal("76.93"), "maxTotalScore": Decimal(100), "children": children}


def child(code: str, name: str, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    return {"unitCode": code, "unitName": name, "metrics": metrics}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(_plain(data), ensure_ascii=False).encode("utf-8")


COUNT_COLUMNS = ("numerator", "denominator", "paid", "owed", "proceduresPaid", "proceduresWithFeeDossiers",
                 "feeBearing", "unsatisfactory", "handled")


def as_xlsx(data: dict[str, Any]) -> bytes:
    """The same file as the portal's Excel form: one row per unit and metric (docs/reconciliation.md)."""
    wb = Workbook()
    ws = wb.active
    header = ["period", "unitCode", "unitName", "parentCode", "metric", *COUNT_COLUMNS, "ratio", "score", "maxScore"]
    ws.append(header)
    units = [(data, None), *((c, data["unitCode"]) for c in data["children"])]
    for unit, parent in units:
        for m in unit["metrics"]:
            ws.append([data["period"], unit["unitCode"], unit["unitName"], parent, m["code"],
                       *(m["counts"].get(c) for c in COUNT_COLUMNS), _plain(m["ratio"]), _plain(m["score"]),
                       _plain(m["maxScore"])])
    for cell in ws["B"]:
        cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
