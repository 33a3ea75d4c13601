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

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

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
