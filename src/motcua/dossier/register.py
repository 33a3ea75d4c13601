"""Sổ theo dõi hồ sơ — the dossier register as an Excel workbook (Decree 118/2025/NĐ-CP; Circular 03/2025/TT-VPCP).

A pure function: register rows in, ``.xlsx`` bytes out (no database). Instants are aware datetimes (UTC); the
sheet shows them in Vietnam time as real Excel datetimes. Each row is marked on time or late from its due date
and the date its result was ready, and a totals block closes the sheet.

Text is always written as text: a name that starts with "=" stays a name and never becomes a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from motcua.kit.clock import VN_TZ
from motcua.kit.excel import workbook_bytes

SHEET_TITLE = "Sổ theo dõi hồ sơ"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"

#: (header, column width) in sheet order.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 6),
    ("Mã hồ sơ", 27),
    ("Tên thủ tục", 40),
    ("Tên tổ chức/cá nhân", 26),
    ("Địa chỉ", 32),
    ("Số điện thoại", 14),
    ("Kênh nộp", 13),
    ("Ngày giờ nhận", 17),
    ("Ngày hẹn trả", 17),
    ("Chuyển hồ sơ đến cơ quan", 28),
    ("Ngày có kết quả", 17),
    ("Ngày trả kết quả", 17),
    ("Trạng thái", 18),
    ("Ghi chú", 26),
)
HEADERS: tuple[str, ...] = tuple(name for name, _ in COLUMNS)

Timeliness = Literal["Trước hạn", "Đúng hạn", "Quá hạn", "Chưa có kết quả", "Không hạn"]


@dataclass(frozen=True)
class RegisterRow:
    """One dossier in the register; instants are timezone-aware (UTC)."""

    code: str
    procedure_name: str
    applicant_name: str
    applicant_address: str
    applicant_phone: str | None
    channel_label: str
    received_at: datetime
    due_at: datetime | None
    transferred_to: str | None  # "Chuyển hồ sơ đến cơ quan"
    result_at: datetime | None  # "Ngày có kết quả"
    returned_at: datetime | None  # "Ngày trả kết quả"
    status: str
    note: str = ""
    late: bool | None = None  # set when the caller knows better (e.g. a second supplement request counts as late)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError(f"RegisterRow.{name}: naive datetime {value.isoformat()}; pass an aware datetime")

    @property
    def timeliness(self) -> Timeliness:
        """Trước hạn / Đúng hạn / Quá hạn: the result time against the due time (dates in Vietnam time).

        ``late`` set by the caller wins: True makes the row late, False clears a computed lateness.
        """
        computed = self._computed_timeliness()
        if self.late is True:
            return "Quá hạn"
        if self.late is False and computed == "Quá hạn":
            return "Đúng hạn"
        return computed

    def _computed_timeliness(self) -> Timeliness:
        if self.result_at is None:
            return "Chưa có kết quả"
        if self.due_at is None:
            return "Không hạn"
        if self.result_at > self.due_at:
            return "Quá hạn"
        if self.result_at.astimezone(VN_TZ).date() < self.due_at.astimezone(VN_TZ).date():
            return "Trước hạn"
        return "Đúng hạn"


def _excel_time(instant: datetime | None) -> datetime | None:
    """Excel has no time zones: the Vietnam wall-clock time, naive."""
    if instant is None:
        return None
    return instant.astimezone(VN_TZ).replace(tzinfo=None)


def _text(value: str | None) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value or "")


def _put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _text(value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell.value = value
    if isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    return cell


def _note(row: RegisterRow) -> str:
    parts: list[str] = [row.timeliness]
    if row.note:
        parts.append(row.note)
    return "; ".join(parts)


def register_xlsx(rows: Sequence[RegisterRow], *, commune: str, period_from: date, period_to: date) -> bytes:
    """Sổ theo dõi hồ sơ for one commune centre and period, as ``.xlsx`` bytes.

    Title rows (the register, the commune, the period), one header row in Vietnamese (frozen, filtered), one row
    per dossier in the given order, and the totals: number of dossiers, on time (before or on the due date),
    late, and still without a result.
    """
    if period_to < period_from:
        raise ValueError(f"period_to {period_to} is before period_from {period_from}")

    wb = Workbook()
    ws: Worksheet = wb.active
    ws.title = SHEET_TITLE
    wb.properties.title = f"{SHEET_TITLE} – {commune}"
    wb.properties.creator = "motcua"
    width = len(COLUMNS)
    last = get_column_letter(width)

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    base_font = "Times New Roman"

    _put(ws, 1, 1, SHEET_TITLE.upper()).font = Font(name=base_font, size=14, bold=True)
    _put(ws, 2, 1, _text(commune)).font = Font(name=base_font, size=12, bold=True)
    _put(ws, 3, 1, f"Từ ngày {period_from:%d/%m/%Y} đến ngày {period_to:%d/%m/%Y}").font = Font(
        name=base_font, size=12, italic=True
    )
    for r in (1, 2, 3):
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")

    header_row = 5
    header_fill = PatternFill("solid", fgColor="D9D9D9")
    for col, (name, col_width) in enumerate(COLUMNS, start=1):
        cell = _put(ws, header_row, col, name)
        cell.font = Font(name=base_font, size=11, bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = col_width
    ws.row_dimensions[header_row].height = 32

    body_font = Font(name=base_font, size=11)
    late_font = Font(name=base_font, size=11, color="C00000")
    counts = {"on_time": 0, "late": 0, "pending": 0}
    r = header_row
    for index, row in enumerate(rows, start=1):
        r = header_row + index
        values: tuple[object, ...] = (
            index,
            row.code,
            row.procedure_name,
            row.applicant_name,
            row.applicant_address,
            row.applicant_phone or "",
            row.channel_label,
            _excel_time(row.received_at),
            _excel_time(row.due_at),
            row.transferred_to or "",
            _excel_time(row.result_at),
            _excel_time(row.returned_at),
            row.status,
            _note(row),
        )
        timeliness = row.timeliness
        for col, value in enumerate(values, start=1):
            cell = _put(ws, r, col, value)
            cell.border = border
            cell.font = late_font if timeliness == "Quá hạn" and col == width else body_font
            cell.alignment = Alignment(vertical="top", wrap_text=col in (3, 4, 5, 10, 14))
        if timeliness == "Quá hạn":
            counts["late"] += 1
        elif timeliness in ("Trước hạn", "Đúng hạn"):
            counts["on_time"] += 1
        elif timeliness == "Chưa có kết quả":
            counts["pending"] += 1
        # "Không hạn" (a result with no due date to measure against) is neither on time nor late
    last_data_row = max(r, header_row)

    ws.freeze_panes = f"C{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last}{last_data_row}"

    totals = (
        ("Tổng số hồ sơ", len(rows)),
        ("Đúng hạn (kể cả trước hạn)", counts["on_time"]),
        ("Quá hạn", counts["late"]),
        ("Chưa có kết quả", counts["pending"]),
    )
    bold = Font(name=base_font, size=11, bold=True)
    for offset, (label, number) in enumerate(totals):
        tr = last_data_row + 2 + offset
        _put(ws, tr, 2, label).font = bold
        _put(ws, tr, 3, number).font = bold
        ws.cell(row=tr, column=3).alignment = Alignment(horizontal="left")

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    return workbook_bytes(wb)
