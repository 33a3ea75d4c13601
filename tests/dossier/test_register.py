"""Sổ theo dõi hồ sơ as an Excel workbook: read back with openpyxl, values, types and totals."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from motcua.dossier.register import DATETIME_FORMAT, HEADERS, RegisterRow, register_xlsx

HEADER_ROW = 5
FIRST = HEADER_ROW + 1


BASE_ROW = RegisterRow(
    code="000.00.14.H56-261123-0001",
    procedure_name="Đăng ký khai sinh",
    applicant_name="Đặng Văn Đức",
    applicant_address="Khu 3, xã Chí Tiên, tỉnh Phú Thọ",
    applicant_phone="0912345678",
    channel_label="Trực tiếp",
    received_at=datetime(2026, 11, 23, 3, 5, tzinfo=UTC),  # 10:05 in Vietnam
    due_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),  # 16:00 in Vietnam
    transferred_to="Phòng Văn hóa - Xã hội",
    result_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC),  # 09:00 on the due day: on time
    returned_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
    status="Đã trả kết quả",
)


def row(code: str, **changes: Any) -> RegisterRow:
    return replace(BASE_ROW, code=code, **changes)


ROWS = (
    row("000.00.14.H56-261123-0001"),
    row("000.00.14.H56-261123-0002", result_at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC)),  # a day early
    row("000.00.14.H56-261123-0003", result_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC), note="Chờ xác minh"),
    row(
        "000.00.14.H56-261123-0004",
        result_at=None,
        returned_at=None,
        transferred_to=None,
        applicant_phone=None,
        status="Đang giải quyết",
    ),
    row("000.00.14.H56-261123-0005", due_at=None, result_at=None, returned_at=None, status="Đang giải quyết"),
)


def sheet(rows: tuple[RegisterRow, ...] = ROWS) -> Worksheet:
    data = register_xlsx(
        rows, commune="Xã Chí Tiên, tỉnh Phú Thọ", period_from=date(2026, 11, 1), period_to=date(2026, 11, 30)
    )
    assert data[:2] == b"PK"  # an .xlsx is a zip file
    ws = load_workbook(io.BytesIO(data)).active
    assert isinstance(ws, Worksheet)
    return ws


def test_register_opens_with_title_rows_and_vietnamese_headers() -> None:
    """The register is a workbook openpyxl opens; it names itself, the commune and the period, then one header
    row with the columns of Sổ theo dõi hồ sơ in Vietnamese."""
    ws = sheet()
    assert ws["A1"].value == "SỔ THEO DÕI HỒ SƠ"
    assert ws["A2"].value == "Xã Chí Tiên, tỉnh Phú Thọ"
    assert ws["A3"].value == "Từ ngày 01/11/2026 đến ngày 30/11/2026"
    assert [c.value for c in ws[HEADER_ROW]] == [
        "STT",
        "Mã hồ sơ",
        "Tên thủ tục",
        "Tên tổ chức/cá nhân",
        "Địa chỉ",
        "Số điện thoại",
        "Kênh nộp",
        "Ngày giờ nhận",
        "Ngày hẹn trả",
        "Chuyển hồ sơ đến cơ quan",
        "Ngày có kết quả",
        "Ngày trả kết quả",
        "Trạng thái",
        "Ghi chú",
    ]
    assert list(HEADERS) == [c.value for c in ws[HEADER_ROW]]


def test_register_is_frozen_filtered_and_sized() -> None:
    """The header stays in view (frozen), the data can be filtered, and columns have set widths."""
    ws = sheet()
    assert ws.freeze_panes == f"C{FIRST}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:N{HEADER_ROW + len(ROWS)}"
    assert ws.column_dimensions["B"].width >= 20
    assert ws.column_dimensions["C"].width >= 30


def test_register_row_values_and_vietnam_datetimes() -> None:
    """A row holds the dossier's values; instants are real Excel datetimes in Vietnam time shown dd/mm/yyyy hh:mm,
    and a missing instant is an empty cell."""
    ws = sheet()
    first = [c.value for c in ws[FIRST]]
    assert first[:7] == [
        1,
        "000.00.14.H56-261123-0001",
        "Đăng ký khai sinh",
        "Đặng Văn Đức",
        "Khu 3, xã Chí Tiên, tỉnh Phú Thọ",
        "0912345678",
        "Trực tiếp",
    ]
    received = ws.cell(row=FIRST, column=8)
    assert isinstance(received.value, datetime)
    assert received.value == datetime(2026, 11, 23, 10, 5)
    assert received.number_format == DATETIME_FORMAT == "dd/mm/yyyy hh:mm"
    assert ws.cell(row=FIRST, column=9).value == datetime(2026, 11, 25, 16, 0)
    assert ws.cell(row=FIRST, column=10).value == "Phòng Văn hóa - Xã hội"
    assert ws.cell(row=FIRST, column=11).value == datetime(2026, 11, 25, 9, 0)
    assert ws.cell(row=FIRST, column=12).value == datetime(2026, 11, 25, 15, 0)
    assert ws.cell(row=FIRST, column=13).value == "Đã trả kết quả"
    pending = FIRST + 3
    assert ws.cell(row=pending, column=11).value is None
    assert ws.cell(row=pending, column=12).value is None


def test_register_notes_say_on_time_or_late() -> None:
    """Ghi chú tells on time from late: a result on the due day is on time, a day before is early, after the due
    time is late (with any note kept), no result yet is pending, and no due date cannot be judged."""
    ws = sheet()
    notes = [ws.cell(row=FIRST + i, column=14).value for i in range(len(ROWS))]
    assert notes == ["Đúng hạn", "Trước hạn", "Quá hạn; Chờ xác minh", "Chưa có kết quả", "Chưa có kết quả"]


def test_register_totals() -> None:
    """The totals line counts the dossiers, those on time (early included), the late ones and the pending ones."""
    ws = sheet()
    start = HEADER_ROW + len(ROWS) + 2
    totals = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=3).value for r in range(start, start + 4)}
    assert totals == {
        "Tổng số hồ sơ": 5,
        "Đúng hạn (kể cả trước hạn)": 2,
        "Quá hạn": 1,
        "Chưa có kết quả": 2,
    }


def test_empty_register_still_has_headers_and_zero_totals() -> None:
    """A period with no dossier still gives a valid register with its headers and zero totals."""
    ws = sheet(())
    assert ws.cell(row=HEADER_ROW, column=1).value == "STT"
    assert ws.cell(row=HEADER_ROW + 2, column=2).value == "Tổng số hồ sơ"
    assert ws.cell(row=HEADER_ROW + 2, column=3).value == 0


def test_late_flag_from_the_caller_wins() -> None:
    """The caller may know a dossier is late although its result came in time (a second supplement request
    counts as late, docs/legal.md §3/§7), or clear a computed lateness."""
    assert row("X", late=True).timeliness == "Quá hạn"
    assert row("X", result_at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC), late=False).timeliness == "Đúng hạn"
    assert row("X", result_at=None, late=False).timeliness == "Chưa có kết quả"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    """A name starting with "=" is stored as text, never as a formula (spreadsheet formula injection)."""
    ws = sheet((row("X", applicant_name='=HYPERLINK("http://attacker.example","Bấm")'),))
    cell = ws.cell(row=FIRST, column=4)
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://attacker.example","Bấm")'


def test_register_refuses_naive_datetimes_and_reversed_periods() -> None:
    """Instants must carry a time zone, and a period must not end before it starts."""
    with pytest.raises(ValueError, match="naive"):
        row("X", received_at=datetime(2026, 11, 23, 10, 5))
    with pytest.raises(ValueError, match="before"):
        register_xlsx(ROWS, commune="Xã Chí Tiên", period_from=date(2026, 12, 1), period_to=date(2026, 11, 1))
