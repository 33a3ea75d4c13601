"""Reading and writing the procedure catalogue: the shipped file, JSON and Excel — pure, no database.

An administrator exports the catalogue, edits it (often in Excel), and imports it back; whatever is wrong must be
named by its place — ``procedures.3.time_limit_amount`` for JSON, "Sheet 'Quy trình', dòng 7, cột 'Vai trò'" for
Excel — in Vietnamese, so the person can fix the cell and try again (house rule 6: bad input is never a 500).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from motcua.catalog.schemas import Catalogue
from motcua.kit import jsonsafe
from motcua.kit.errors import MotcuaError
from motcua.kit.excel import clean_text, workbook_bytes
from motcua.kit.messages import vietnamese_message

SHIPPED_PACKAGE = "motcua.catalog"
SHIPPED_PATH = "data/procedures.json"
MAX_FIELD_ERRORS = 50


class CatalogueImportError(MotcuaError):
    status_code = 422
    code = "catalogue_invalid"
    default_message = "Danh mục thủ tục không hợp lệ."


def _errors(exc: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    return [(tuple(error["loc"]), vietnamese_message(error)) for error in exc.errors()]


def _summary(places: Sequence[str], count: int) -> str:
    shown = "; ".join(place.rstrip(".") for place in places[:3])
    more = f" (và {count - 3} lỗi khác)" if count > 3 else ""
    return f"Danh mục thủ tục không hợp lệ — {count} lỗi: {shown}{more}."


# ---------------------------------------------------------------------------------------------------- JSON


@cache
def load_shipped() -> Catalogue:
    """The catalogue shipped with motcua (``data/procedures.json``), validated once per process."""
    raw = resources.files(SHIPPED_PACKAGE).joinpath(SHIPPED_PATH).read_bytes()
    return from_json(raw)


def _plain(value: Any) -> Any:
    """Python values of ``model_dump`` as JSON values; a Decimal becomes a number without float noise."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_json(catalogue: Catalogue) -> bytes:
    """UTF-8 JSON, Vietnamese kept as is, indented — the same shape as the shipped file."""
    text = json.dumps(_plain(catalogue.model_dump(mode="python")), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def from_json(data: bytes) -> Catalogue:
    """Validate a catalogue in JSON; every problem is reported by its path, e.g. ``procedures.3.time_limit_amount``."""
    try:
        raw = jsonsafe.loads(data)  # nesting bounded before the parser recurses
    except jsonsafe.JsonTooDeep as exc:
        raise CatalogueImportError(exc.message, fields=exc.fields) from exc
    except UnicodeDecodeError as exc:
        message = "Tệp JSON phải được mã hóa UTF-8."
        raise CatalogueImportError(message, fields={"json": message}) from exc
    except json.JSONDecodeError as exc:
        message = f"Tệp JSON sai cú pháp tại dòng {exc.lineno}, cột {exc.colno}."
        raise CatalogueImportError(message, fields={"json": message}) from exc
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        errors = _errors(exc)
        fields: dict[str, str] = {}
        for loc, message in errors[:MAX_FIELD_ERRORS]:
            key = ".".join(str(part) for part in loc) or "catalogue"
            fields[key] = f"{fields[key]} {message}" if key in fields else message
        places = [f"{_json_place(raw, loc)}: {message}" for loc, message in errors]
        raise CatalogueImportError(_summary(places, len(errors)), fields=fields) from exc


def _json_place(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``procedures.3.time_limit_amount (thủ tục 1.001193)`` — the path, with the procedure code when known."""
    path = ".".join(str(part) for part in loc) or "catalogue"
    if len(loc) >= 2 and loc[0] == "procedures" and isinstance(loc[1], int) and isinstance(raw, dict):
        items = raw.get("procedures")
        if isinstance(items, list) and 0 <= loc[1] < len(items) and isinstance(items[loc[1]], dict):
            code = items[loc[1]].get("code")
            if isinstance(code, str) and code:
                return f"{path} (thủ tục {code})"
    return path


# ---------------------------------------------------------------------------------------------------- Excel layout


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str = "text"  # text | code | decimal | int | bool | date | optional
    width: int = 18
    choices: tuple[str, ...] = ()
    optional: bool = False  # a workbook made before the column existed may leave it out


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: tuple[Column, ...]
    list_field: str | None = None  # the ProcedureIn list this sheet holds; None for the procedures sheet
    scalar_list: bool = False  # a list of strings (one column besides the code and the order)
    optional: bool = False  # a workbook made before the sheet existed may leave it out (the list is then empty)


CODE = Column("code", "Mã thủ tục", "code", 12)
ORDER = Column("order", "STT", "int", 6)
UNITS = ("working_days", "working_hours", "calendar_days", "same_day", "months")
DEPARTMENTS = ("office", "economic", "culture_society", "service_centre", "comprehensive_centre")
YES, NO = "Có", "Không"

PROCEDURES_SHEET = Sheet("Thủ tục", (
    CODE,
    Column("name", "Tên thủ tục", width=60),
    Column("field", "Lĩnh vực", width=24),
    Column("level", "Cấp thực hiện", choices=("commune",), width=12),
    Column("deciding_authority", "Cơ quan có thẩm quyền quyết định", width=36),
    Column("handling_department", "Bộ phận giải quyết", choices=DEPARTMENTS),
    Column("time_limit_amount", "Thời hạn giải quyết", "decimal", 12),
    Column("time_limit_unit", "Đơn vị thời hạn", choices=UNITS),
    Column("time_limit_note", "Ghi chú thời hạn", width=50),
    Column("online_level", "Mức độ dịch vụ công trực tuyến", choices=("full", "partial", "none"), width=14),
    Column("paper_result_required", "Trả kết quả bản giấy", "bool", 12, (YES, NO)),
    Column("result_template", "Kết quả thực hiện", width=40),
    Column("effective_from", "Ngày hiệu lực", "date", 14),
    Column("supplement_request_window_wd", "Thời hạn yêu cầu bổ sung (ngày làm việc)", "int", 14, optional=True),
    Column("supplement_request_window_basis", "Căn cứ thời hạn yêu cầu bổ sung", "optional", 40, optional=True),
))
CHILD_SHEETS = (
    Sheet("Thành phần hồ sơ", (
        CODE, ORDER,
        Column("key", "Khóa", width=22),
        Column("name", "Tên giấy tờ", width=70),
        Column("form", "Hình thức", choices=("original", "copy", "certified_copy", "original_or_copy")),
        Column("count", "Số lượng", "int", 10),
        Column("template", "Mẫu đơn, tờ khai", "optional", 40),
        Column("mandatory", "Bắt buộc", "bool", 10, (YES, NO)),
    ), "documents"),
    Sheet("Phí lệ phí", (
        CODE, ORDER,
        Column("name", "Tên phí, lệ phí", width=50),
        Column("amount_vnd", "Mức thu (đồng)", "int", 16),
        Column("note", "Ghi chú", width=70),
        Column("alternative", "Nhóm thay thế (chỉ áp dụng một khoản)", "optional", 36),
    ), "fees"),
    Sheet("Miễn phí lệ phí", (
        CODE, ORDER,
        Column("key", "Khóa", width=22),
        Column("ground", "Căn cứ miễn phí, lệ phí", width=80),
    ), "fee_exemptions"),
    Sheet("Quy trình", (
        CODE, ORDER,
        Column("key", "Khóa bước", width=20),
        Column("name", "Tên bước", width=60),
        Column("department", "Bộ phận", choices=DEPARTMENTS),
        Column("role", "Vai trò", choices=("reception", "specialist", "approver"), width=14),
        Column("budget_amount", "Thời gian", "decimal", 10),
        Column("budget_unit", "Đơn vị", choices=("working_days", "working_hours"), width=16),
    ), "process"),
    Sheet("Căn cứ pháp lý", (CODE, ORDER, Column("value", "Văn bản", width=100)), "legal_sources", True),
    Sheet("Kênh nộp", (CODE, ORDER, Column("value", "Cách thức nộp", choices=("in_person", "post", "online"))),
          "channels", True),
    Sheet("Gia hạn theo luật", (
        CODE, ORDER,
        Column("key", "Khóa", width=22),
        Column("working_days", "Số ngày làm việc gia hạn", "int", 12),
        Column("ground", "Căn cứ pháp lý", width=50),
        Column("condition", "Trường hợp áp dụng", width=60),
    ), "legal_extensions", optional=True),
)
INFO_SHEET = "Thông tin"
VERSION_LABEL = "Phiên bản danh mục"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


# ---------------------------------------------------------------------------------------------------- Excel export


def _cell_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "bool":
        return YES if value else NO
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):  # DepartmentKind, Role: the code, as the importer expects
        return value.value
    if isinstance(value, str):
        return clean_text(value)
    return value


def _write_sheet(book: Workbook, sheet: Sheet, rows: Iterable[Sequence[Any]]) -> None:
    ws = book.create_sheet(sheet.title)
    ws.append([column.header for column in sheet.columns])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        ws.append([_cell_value(column, value) for column, value in zip(sheet.columns, row, strict=True)])
    ws.freeze_panes = "C2" if sheet.list_field else "B2"
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.kind == "code":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"
        if column.kind == "date":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "DD/MM/YYYY"
        if column.choices:
            validation = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{max(ws.max_row, 2) + 500}")
            ws.add_data_validation(validation)


def to_xlsx(catalogue: Catalogue) -> bytes:
    """The catalogue as an Excel workbook: one sheet of procedures, one sheet per list, keyed by procedure code."""
    book = Workbook()
    book.remove(book.active)  # a new workbook has one default sheet; ours are created below
    procedures = catalogue.procedures
    _write_sheet(book, PROCEDURES_SHEET, (
        [getattr(procedure, column.field) for column in PROCEDURES_SHEET.columns] for procedure in procedures
    ))
    for sheet in CHILD_SHEETS:
        rows: list[list[Any]] = []
        assert sheet.list_field is not None
        for procedure in procedures:
            for order, item in enumerate(getattr(procedure, sheet.list_field), start=1):
                if sheet.scalar_list:
                    rows.append([procedure.code, order, item])
                else:
                    rows.append([procedure.code, order, *(getattr(item, c.field) for c in sheet.columns[2:])])
        _write_sheet(book, sheet, rows)
    info = book.create_sheet(INFO_SHEET)
    info.append([VERSION_LABEL, catalogue.version])
    info["A1"].font = _HEADER_FONT
    info.column_dimensions["A"].width = 24
    return workbook_bytes(book)


# ---------------------------------------------------------------------------------------------------- Excel import


class _CellError(Exception):
    def __init__(self, place: str, message: str) -> None:
        super().__init__(f"{place}: {message}")
        self.place = place
        self.message = message


def _place(sheet: str, row: int | None = None, header: str | None = None) -> str:
    text = f"Sheet '{sheet}'"
    if row is not None:
        text += f", dòng {row}"
    if header is not None:
        text += f", cột '{header}'"
    return text


def _fail(place: str, message: str) -> CatalogueImportError:
    return CatalogueImportError(f"{place}: {message}", fields={place: message})


def _parse(column: Column, value: Any, place: str) -> Any:
    """One cell as the value the schema expects; empty cells become None (the schema then says what is missing)."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        return None
    kind = column.kind
    try:
        if kind == "code":
            return f"{value:.6f}" if isinstance(value, float) else str(value)
        if kind in ("decimal", "int"):
            if isinstance(value, bool):
                raise ValueError
            number = Decimal(str(value).replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
            if not number.is_finite():
                raise ValueError
            if kind == "int":
                if number != number.to_integral_value():
                    raise _CellError(place, "Phải là số nguyên.")
                return int(number)
            return number
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("có", "co", "x", "true", "1", "yes"):
                return True
            if text in ("không", "khong", "false", "0", "no"):
                return False
            raise _CellError(place, f"Chỉ nhận '{YES}' hoặc '{NO}'.")
        if kind == "date":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            text = str(value)
            if "/" in text:
                day, month, year = (int(part) for part in text.split("/"))
                return date(year, month, day)
            return date.fromisoformat(text)
    except _CellError:
        raise
    except (ValueError, InvalidOperation, TypeError) as exc:
        expected = {"decimal": "một số", "int": "một số nguyên", "date": "một ngày (DD/MM/YYYY)"}.get(kind, "")
        raise _CellError(place, f"Giá trị '{value}' không hợp lệ; cần {expected}.") from exc
    return str(value) if not isinstance(value, str) else value


def _read_rows(ws: Worksheet, sheet: Sheet) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of a sheet as (row number, {field: value}); the header row decides the column order."""
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        raise _fail(_place(sheet.title), "Sheet trống, thiếu dòng tiêu đề.")
    by_header = {column.header.casefold(): column for column in sheet.columns}
    by_header.update({column.field.casefold(): column for column in sheet.columns})
    positions: list[tuple[int, Column]] = []
    for index, header in enumerate(header_row):
        if header is None or str(header).strip() == "":
            continue
        found = by_header.get(str(header).strip().casefold())
        if found is None:
            raise _fail(_place(sheet.title, 1, str(header)), "Cột không thuộc mẫu danh mục thủ tục.")
        if any(column is found for _, column in positions):
            raise _fail(_place(sheet.title, 1, str(header)), "Cột bị lặp.")
        positions.append((index, found))
    missing = [column.header for column in sheet.columns
               if not column.optional and all(c is not column for _, c in positions)]
    if missing:
        raise _fail(_place(sheet.title, 1), f"Thiếu cột: {', '.join(missing)}.")
    result: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        record: dict[str, Any] = {}
        for index, column in positions:
            value = values[index] if index < len(values) else None
            record[column.field] = _parse(column, value, _place(sheet.title, number, column.header))
        result.append((number, record))
    return result


def _open(data: bytes) -> Workbook:
    try:
        return load_workbook(BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        message = "Tệp Excel bị hỏng hoặc không phải định dạng .xlsx."
        raise CatalogueImportError(message, fields={"xlsx": message}) from exc


def from_xlsx(data: bytes) -> Catalogue:
    """Read a workbook made by ``to_xlsx`` (and edited); errors name the sheet, row and column to fix."""
    book = _open(data)
    absent = [s.title for s in (PROCEDURES_SHEET, *CHILD_SHEETS) if s.title not in book.sheetnames and not s.optional]
    if absent:
        message = f"Thiếu sheet: {', '.join(repr(title) for title in absent)}."
        raise CatalogueImportError(message, fields={"xlsx": message})
    try:
        return _build(book)
    except _CellError as exc:
        raise CatalogueImportError(str(exc), fields={exc.place: exc.message}) from exc


def _version(book: Workbook) -> Any:
    if INFO_SHEET not in book.sheetnames:
        return 1
    for label, value, *_ in book[INFO_SHEET].iter_rows(min_col=1, max_col=2, values_only=True):
        if isinstance(label, str) and label.strip() == VERSION_LABEL:
            return _parse(Column("version", VERSION_LABEL, "int"), value, _place(INFO_SHEET, 1, "B"))
    return 1


def _build(book: Workbook) -> Catalogue:
    places: dict[tuple[int | str, ...], tuple[str, int]] = {}  # pydantic loc (after "procedures") -> sheet, row
    procedures: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    for number, record in _read_rows(book[PROCEDURES_SHEET.title], PROCEDURES_SHEET):
        code = record.get("code")
        if code in index_of:
            raise _CellError(_place(PROCEDURES_SHEET.title, number, CODE.header), f"Mã thủ tục {code} bị lặp.")
        if code is not None:
            index_of[code] = len(procedures)
        places[(len(procedures),)] = (PROCEDURES_SHEET.title, number)
        procedures.append({k: v for k, v in record.items() if v is not None or k == "template"})
    for sheet in CHILD_SHEETS:
        assert sheet.list_field is not None
        grouped: dict[int, list[tuple[int, int, dict[str, Any]]]] = {}
        rows = _read_rows(book[sheet.title], sheet) if sheet.title in book.sheetnames else []
        for number, record in rows:
            code = record.pop("code")
            if code not in index_of:
                raise _CellError(_place(sheet.title, number, CODE.header),
                                 f"Mã thủ tục '{code or ''}' không có trong sheet '{PROCEDURES_SHEET.title}'.")
            order = record.pop("order")
            grouped.setdefault(index_of[code], []).append((order if order is not None else number, number, record))
        for position in range(len(procedures)):
            items = sorted(grouped.get(position, []), key=lambda item: (item[0], item[1]))
            values: list[Any] = []
            for j, (_, number, record) in enumerate(items):
                places[(position, sheet.list_field, j)] = (sheet.title, number)
                if sheet.scalar_list:
                    values.append(record["value"])
                else:
                    values.append({k: v for k, v in record.items() if v is not None or k == "template"})
            procedures[position][sheet.list_field] = values
    try:
        return Catalogue.model_validate({"version": _version(book), "procedures": procedures})
    except ValidationError as exc:
        raise _xlsx_error(exc, places) from exc


def _header_of(sheet_title: str, field: str) -> str | None:
    for sheet in (PROCEDURES_SHEET, *CHILD_SHEETS):
        if sheet.title == sheet_title:
            for column in sheet.columns:
                if column.field == field:
                    return column.header
    return None


def _xlsx_place(loc: tuple[int | str, ...], places: Mapping[tuple[int | str, ...], tuple[str, int]]) -> str:
    if len(loc) < 2 or loc[0] != "procedures":
        return _place(INFO_SHEET) if loc[:1] == ("version",) else _place(PROCEDURES_SHEET.title)
    rest = loc[1:]
    for depth in range(len(rest), 0, -1):  # the deepest row we know, then the column below it
        found = places.get(rest[:depth])
        if found is None:
            continue
        sheet_title, row = found
        tail = rest[depth:]
        if depth == 3 and not tail and _header_of(sheet_title, "value"):  # an item of a list of strings
            return _place(sheet_title, row, _header_of(sheet_title, "value"))
        if tail and isinstance(tail[0], str):
            header = _header_of(sheet_title, tail[0])
            if header is None and depth == 1:  # a whole list (e.g. no documents): point at its sheet
                child = next((s for s in CHILD_SHEETS if s.list_field == tail[0]), None)
                if child is not None:
                    return f"{_place(sheet_title, row)} (sheet '{child.title}')"
            return _place(sheet_title, row, header)
        return _place(sheet_title, row)
    return _place(PROCEDURES_SHEET.title)


def _xlsx_error(exc: ValidationError, places: Mapping[tuple[int | str, ...], tuple[str, int]]) -> CatalogueImportError:
    errors = _errors(exc)
    fields: dict[str, str] = {}
    lines: list[str] = []
    for loc, message in errors:
        place = _xlsx_place(loc, places)
        lines.append(f"{place}: {message}")
        if len(fields) < MAX_FIELD_ERRORS:
            fields[place] = f"{fields[place]} {message}" if place in fields else message
    return CatalogueImportError(_summary(lines, len(errors)), fields=fields)
