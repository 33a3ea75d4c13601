"""Catalogue import and export (motcua.catalog.exchange): JSON and Excel, no database.

Rules checked: what is exported imports back unchanged (JSON and Excel); the Excel file is a normal workbook
with Vietnamese headers a person can edit; every problem in an imported file is reported as a
CatalogueImportError (HTTP 422, code catalogue_invalid) that names the place — the JSON path
(procedures.3.time_limit_amount) or the sheet, row and column — with a Vietnamese message (house rule 6).
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from motcua.catalog.exchange import (
    CatalogueImportError,
    from_json,
    from_xlsx,
    load_shipped,
    to_json,
    to_xlsx,
)
from motcua.catalog.schemas import Catalogue
from motcua.kit.errors import MotcuaError


def shipped_raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(to_json(load_shipped()))
    return data


def workbook_bytes(edit: Any) -> bytes:
    """The shipped catalogue as xlsx, changed by ``edit(workbook)``."""
    book = load_workbook(BytesIO(to_xlsx(load_shipped())))
    edit(book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def column_of(sheet: Any, header: str) -> int:
    return next(cell.column for cell in sheet[1] if cell.value == header)


# ------------------------------------------------------------------------------------------ JSON


def test_json_round_trip() -> None:
    """from_json(to_json(c)) == c for the shipped catalogue."""
    catalogue = load_shipped()
    assert from_json(to_json(catalogue)) == catalogue


def test_json_is_readable_utf8_without_float_noise() -> None:
    """UTF-8 with Vietnamese letters as is, indented; Decimals are plain numbers (4, 0.5), never strings."""
    text = to_json(load_shipped()).decode("utf-8")
    assert "Thủ tục đăng ký khai sinh" in text and "\\u" not in text
    assert '\n  "procedures": [' in text
    raw = json.loads(text)
    amounts = [s["budget_amount"] for p in raw["procedures"] for s in p["process"]]
    assert all(isinstance(a, int | float) for a in amounts)
    half = Catalogue.model_validate({**raw, "procedures": [_with_half_hour_steps(raw["procedures"][0])]})
    assert '"budget_amount": 0.5' in to_json(half).decode()
    assert from_json(to_json(half)) == half


def _with_half_hour_steps(procedure: dict[str, Any]) -> dict[str, Any]:
    procedure = copy.deepcopy(procedure)
    procedure["process"][0]["budget_amount"] = 0.5
    procedure["process"][1]["budget_amount"] = 3.5
    return procedure


def test_shipped_file_is_in_canonical_form() -> None:
    """The shipped file is exactly what to_json writes, so an export diff shows only real changes."""
    from importlib import resources

    shipped = resources.files("motcua.catalog").joinpath("data/procedures.json").read_bytes()
    assert shipped == to_json(load_shipped())


def test_malformed_json_gives_a_clear_error() -> None:
    """Broken JSON is a CatalogueImportError naming the line, not a 500."""
    with pytest.raises(CatalogueImportError) as exc:
        from_json(b'{"procedures": [')
    assert "dòng 1" in exc.value.message
    assert isinstance(exc.value, MotcuaError)
    assert (exc.value.status_code, exc.value.code) == (422, "catalogue_invalid")


def test_json_with_a_bad_row_names_the_field() -> None:
    """A bad value is reported under its path (procedures.3.time_limit_amount) with a Vietnamese message."""
    raw = shipped_raw()
    raw["procedures"][3]["time_limit_amount"] = -2
    with pytest.raises(CatalogueImportError) as exc:
        from_json(json.dumps(raw).encode())
    fields = exc.value.fields
    assert "procedures.3.time_limit_amount" in fields
    assert "lớn hơn hoặc bằng 0" in fields["procedures.3.time_limit_amount"]
    assert raw["procedures"][3]["code"] in exc.value.message


def test_json_model_rule_error_is_reported_at_the_procedure() -> None:
    """A rule over the whole procedure (budgets not summing) is reported at procedures.N."""
    raw = shipped_raw()
    index = next(i for i, p in enumerate(raw["procedures"]) if p["time_limit_unit"] == "working_days")
    raw["procedures"][index]["process"][1]["budget_amount"] = 99
    with pytest.raises(CatalogueImportError) as exc:
        from_json(json.dumps(raw).encode())
    assert "phải bằng" in exc.value.fields[f"procedures.{index}"]


def test_json_that_is_not_a_catalogue() -> None:
    """A JSON list or a missing procedures key is refused in Vietnamese."""
    with pytest.raises(CatalogueImportError) as exc:
        from_json(b"[]")
    assert exc.value.fields
    with pytest.raises(CatalogueImportError) as exc:
        from_json(b"{}")
    assert exc.value.fields == {"procedures": "Thiếu thông tin bắt buộc."}


# ------------------------------------------------------------------------------------------ Excel


def test_xlsx_round_trip() -> None:
    """from_xlsx(to_xlsx(c)) == c for the shipped catalogue."""
    catalogue = load_shipped()
    assert from_xlsx(to_xlsx(catalogue)) == catalogue


def test_xlsx_round_trip_keeps_half_hours_and_missing_templates() -> None:
    """Fractional budgets, empty notes and absent templates survive the trip through Excel."""
    raw = shipped_raw()
    catalogue = Catalogue.model_validate({**raw, "procedures": [_with_half_hour_steps(raw["procedures"][0])]})
    back = from_xlsx(to_xlsx(catalogue))
    assert back == catalogue
    assert back.procedures[0].process[0].budget_amount == Decimal("0.5")


def test_xlsx_opens_with_vietnamese_bold_frozen_headers() -> None:
    """The workbook opens with openpyxl; headers are Vietnamese, bold, frozen; every list has its sheet."""
    book = load_workbook(BytesIO(to_xlsx(load_shipped())))
    assert {"Thủ tục", "Thành phần hồ sơ", "Phí lệ phí", "Quy trình", "Căn cứ pháp lý", "Kênh nộp"} <= set(
        book.sheetnames)
    main = book["Thủ tục"]
    headers = [cell.value for cell in main[1]]
    assert headers[:3] == ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực"]
    assert "Thời hạn giải quyết" in headers
    assert all(cell.font.bold for cell in main[1])
    assert main.freeze_panes == "B2"
    assert main.column_dimensions["B"].width >= 40
    assert main.max_row == len(load_shipped().procedures) + 1
    assert main["A2"].value == "1.001193"
    steps = book["Quy trình"]
    assert [c.value for c in steps[1]][:3] == ["Mã thủ tục", "STT", "Khóa bước"]
    assert steps.freeze_panes == "C2"


def test_corrupt_xlsx_is_an_import_error() -> None:
    """Bytes that are not a workbook give a CatalogueImportError, not a crash."""
    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(b"PK\x03\x04 not really a zip")
    assert "Excel" in exc.value.message
    with pytest.raises(CatalogueImportError):
        from_xlsx(to_json(load_shipped()))


def test_xlsx_with_a_missing_sheet_names_it() -> None:
    """A workbook without the 'Quy trình' sheet is refused, naming the sheet."""
    data = workbook_bytes(lambda book: book.remove(book["Quy trình"]))
    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(data)
    assert "Quy trình" in exc.value.message


def test_xlsx_bad_role_names_sheet_row_and_column() -> None:
    """A step with role 'admin' in row 7 of 'Quy trình' is reported as Sheet 'Quy trình', dòng 7, cột 'Vai trò'."""
    def edit(book: Any) -> None:
        sheet = book["Quy trình"]
        sheet.cell(row=7, column=column_of(sheet, "Vai trò"), value="admin")

    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(workbook_bytes(edit))
    assert "Sheet 'Quy trình', dòng 7, cột 'Vai trò'" in exc.value.message
    assert "Sheet 'Quy trình', dòng 7, cột 'Vai trò'" in exc.value.fields


def test_xlsx_text_in_a_number_cell_names_the_cell() -> None:
    """A word where a number belongs is reported at its sheet, row and column."""
    def edit(book: Any) -> None:
        sheet = book["Thủ tục"]
        sheet.cell(row=4, column=column_of(sheet, "Thời hạn giải quyết"), value="ba ngày")

    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(workbook_bytes(edit))
    assert exc.value.message.startswith("Sheet 'Thủ tục', dòng 4, cột 'Thời hạn giải quyết'")


def test_xlsx_budget_rule_is_reported_at_the_procedure_row() -> None:
    """Budgets that no longer add up point at the procedure's row in 'Thủ tục'."""
    codes = [p.code for p in load_shipped().procedures]
    row = codes.index("1.001022") + 2

    def edit(book: Any) -> None:
        sheet = book["Thủ tục"]
        assert sheet.cell(row=row, column=1).value == "1.001022"
        sheet.cell(row=row, column=column_of(sheet, "Thời hạn giải quyết"), value=4)

    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(workbook_bytes(edit))
    assert f"Sheet 'Thủ tục', dòng {row}" in exc.value.message
    assert "phải bằng" in exc.value.message


def test_xlsx_row_for_an_unknown_procedure() -> None:
    """A fee row whose code is not in 'Thủ tục' is refused, naming the row."""
    def edit(book: Any) -> None:
        book["Phí lệ phí"].append(["9.999999", 1, "Lệ phí lạ", 1000, ""])

    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(workbook_bytes(edit))
    assert "Sheet 'Phí lệ phí'" in exc.value.message and "9.999999" in exc.value.message


def test_xlsx_unknown_column_is_refused() -> None:
    """A column the catalogue does not know is refused rather than silently dropped."""
    def edit(book: Any) -> None:
        sheet = book["Thủ tục"]
        sheet.cell(row=1, column=sheet.max_column + 1, value="Ghi chú riêng")

    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(workbook_bytes(edit))
    assert "Ghi chú riêng" in exc.value.message


def test_xlsx_missing_documents_points_at_the_sheet() -> None:
    """A procedure left without any dossier item is reported at its row, naming 'Thành phần hồ sơ'."""
    def edit(book: Any) -> None:
        sheet = book["Thành phần hồ sơ"]
        rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "1.001193"]
        for r in reversed(rows):
            sheet.delete_rows(r)

    with pytest.raises(CatalogueImportError) as exc:
        from_xlsx(workbook_bytes(edit))
    assert "Sheet 'Thủ tục', dòng 2" in exc.value.message
    assert "Thành phần hồ sơ" in exc.value.message
