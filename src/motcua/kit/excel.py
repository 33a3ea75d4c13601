"""The one way an Excel workbook leaves motcua: every string cell is text, never a formula.

A name, a note or an explanation typed by anyone can begin with "=", "+", "-" or "@" ("=HYPERLINK(…)"), and openpyxl
stores a string starting with "=" as a formula that Excel runs when the file is opened (OWASP
"CSV Injection": cells beginning with =, +, -, @, tab or carriage return). ``workbook_bytes`` is how every export
saves: it turns each string cell into a text cell and marks those with a dangerous first character
``quotePrefix`` (Excel's leading apostrophe), so that even editing the cell and pressing Enter keeps it text. Excel
files motcua writes hold no formulas of their own: numbers are written as numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.kit.clock import VN_TZ, as_utc

DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DECIMAL_FORMAT = "0.00"
FONT = "Times New Roman"
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may read as the start of a formula (OWASP, CSV Injection)."""


def clean_text(value: str) -> str:
    """``value`` without the control characters an .xlsx file cannot hold (openpyxl would refuse the cell)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def as_text(cell: Cell) -> None:
    """Make a string cell plain text, with Excel's quote prefix when it starts like a formula."""
    if not isinstance(cell.value, str):
        return
    cell.data_type = "s"
    if cell.value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def neutralise(ws: Worksheet) -> None:
    """Every string cell of ``ws`` as text (see the module docstring)."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell, Cell):  # merged cells hold no value of their own
                as_text(cell)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, every sheet neutralised first: the only way motcua saves a workbook."""
    for ws in wb.worksheets:
        neutralise(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ sheets
# The layout every export shares (the index's and the front desk's): title lines, one header row in Vietnamese
# (frozen, filtered), then the data; numbers as numbers, instants in Vietnam time, text as text.


def excel_time(instant: datetime | None) -> datetime | None:
    """Excel has no time zones: the Vietnam wall-clock time, naive (stored instants are UTC)."""
    if instant is None:
        return None
    return as_utc(instant).astimezone(VN_TZ).replace(tzinfo=None)


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, Decimal):
        cell.value = float(value)
        cell.number_format = DECIMAL_FORMAT
    elif isinstance(value, float):
        cell.value = value
        cell.number_format = DECIMAL_FORMAT
    elif isinstance(value, datetime):
        cell.value = excel_time(value)
        cell.number_format = DATETIME_FORMAT
    else:
        cell.value = value
    return cell


def write_sheet(ws: Worksheet, title: str, lines: Sequence[str], headers: Sequence[str],
           rows: Sequence[Sequence[object]], widths: Sequence[float]) -> int:
    """Title lines, the header row and the rows; returns the header row's number."""
    for r, line in enumerate((title.upper(), *lines), start=1):
        cell = put(ws, r, 1, line)
        cell.font = Font(name=FONT, size=14 if r == 1 else 11, bold=r == 1, italic=r > 2)
    header_row = len(lines) + 3
    for col, name in enumerate(headers, start=1):
        cell = put(ws, header_row, col, name)
        cell.font = Font(name=FONT, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1] if col <= len(widths) else 14
    body = Font(name=FONT)
    for offset, values in enumerate(rows, start=1):
        for col, value in enumerate(values, start=1):
            cell = put(ws, header_row + offset, col, value)
            cell.font = body
            cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str) and len(value) > 30)
    last = get_column_letter(len(headers))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(rows), 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    return header_row
