"""The commune's periodic report to the province (báo cáo định kỳ tình hình tiếp nhận, giải quyết TTHC), as Excel.

Why: seed 001 — after the merger "chế độ báo cáo được thực hiện liên thông" between commune and province. The
report is generated from the data the index already holds (the monthly rollups and contributions), so the
commune does not retype figures the province can check: every number here equals the one the commune's index
page shows for the same period (``report.queries.communes.commune_report``).

How dossiers are counted (the index's rule, docs/legal.md §7): indicator 2.1 judges a dossier in every month it is open
and in the month it ends, so over a quarter a dossier open across a month end is counted once per month, as the
monthly rollups add up. "Finished" and "in progress" below are those monthly judgements: finished within the
month judged, or still open at its end.

Personal data: the report names dossiers by their code only, never the applicant (Decree 13/2023/NĐ-CP: the
province needs the figures and the codes to follow up, not the people).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES
from motcua.dossier.models import Dossier
from motcua.index.definitions import metric_set_by_id
from motcua.index.models import IndexContribution
from motcua.index.periods import Period
from motcua.index.score import DossierCounters
from motcua.kit.clock import to_local
from motcua.kit.excel import workbook_bytes
from motcua.org.models import Province
from motcua.report.queries.communes import CommuneReport, commune_report, costly_dossiers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Late dossiers listed in the report (the summary gives the full count).
LATE_LISTED = 2000
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính"}

_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDE4EE")
_DECIMALS = "0.00"


@dataclass(frozen=True)
class Progress:
    """Indicator 2.1's judgements in the period, split by whether processing ended within the month judged."""

    finished_on_time: int
    finished_late: int
    open_within_time: int
    open_late: int

    @property
    def counted(self) -> int:
        return self.finished_on_time + self.finished_late + self.open_within_time + self.open_late


@dataclass(frozen=True)
class PeriodicReport:
    report: CommuneReport
    province_name: str
    by_channel: dict[int, int]
    progress: Progress
    late_total: int
    generated_at: datetime


def _where(report: CommuneReport) -> list[Any]:
    c = IndexContribution
    return [c.commune_code == report.commune.code, c.month >= report.period.start, c.month < report.period.end]


def _by_channel(session: Session, report: CommuneReport) -> dict[int, int]:
    c = IndexContribution
    rows = session.execute(select(Dossier.channel, func.count()).select_from(c)
                           .join(Dossier, Dossier.id == c.dossier_id)
                           .where(*_where(report), c.received.is_(True)).group_by(Dossier.channel))
    return {int(channel): int(n) for channel, n in rows}


def _progress(session: Session, report: CommuneReport) -> Progress:
    c = IndexContribution
    counts = {(bool(open_at_end), bool(on_time)): int(n) for open_at_end, on_time, n in session.execute(
        select(c.open_at_end, c.on_time, func.count()).where(*_where(report), c.counted.is_(True))
        .group_by(c.open_at_end, c.on_time))}
    return Progress(counts.get((False, True), 0), counts.get((False, False), 0), counts.get((True, True), 0),
                    counts.get((True, False), 0))


def periodic_report(session: Session, principal: Principal, commune_code: str, period: Period,
                    now: datetime) -> PeriodicReport:
    """The figures of the report (the gate of ``commune_report``: a commune outside the jurisdiction is 404)."""
    report = commune_report(session, principal, commune_code, period, trend_months=1)
    province = session.get_one(Province, report.commune.province_code)
    _rows, late_total = costly_dossiers(session, principal, commune_code, period, limit=1)
    return PeriodicReport(report, province.name, _by_channel(session, report), _progress(session, report),
                          late_total, now)


# --------------------------------------------------------------------------------------------- the workbook


def _rate(on_time: int, counted: int) -> Decimal | None:
    return None if not counted else (Decimal(on_time * 100) / counted).quantize(Decimal("0.01"))


def _head(ws: Worksheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = _BOLD, _HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _counter_row(name: str, c: DossierCounters) -> list[Any]:
    return [name, c.received, c.counted, c.on_time, c.counted - c.on_time, _rate(c.on_time, c.counted)]


def _summary(ws: Worksheet, data: PeriodicReport) -> None:
    r, c = data.report, data.report.counters
    commune = r.commune
    ws.title = "Tổng hợp"
    ws["A1"], ws["C1"] = f"UBND {commune.kind.upper()} {commune.name.upper()}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["A2"], ws["C2"] = data.province_name, "Độc lập - Tự do - Hạnh phúc"
    ws["A4"] = "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    ws["A5"] = (f"Kỳ báo cáo: {r.period.label} (từ {r.period.start:%d/%m/%Y} đến hết ngày "
                f"{_last_day(r.period):%d/%m/%Y}); lập lúc {to_local(data.generated_at):%H:%M %d/%m/%Y} "
                "từ dữ liệu hệ thống một cửa")
    for ref in ("A1", "C1", "A4"):
        ws[ref].font = _BOLD
    _head(ws, 7, ["Chỉ tiêu", "Số liệu", "Ghi chú"])
    card = r.card
    indicator = card.indicator("2.1")
    metric_set = metric_set_by_id(card.metric_set)
    # version 2 counts every online dossier in 3.3, whoever filed it, and scores payment as one group (§7)
    assisted_count = metric_set.indicator("3.3").counter("numerator") == "online"
    payment = "Chỉ tiêu 3.6" if "3.6" in {i.code for i in metric_set.indicators} else "Nhóm thanh toán trực tuyến"
    rows: list[tuple[str, Any, str]] = [
        ("Hồ sơ tiếp nhận trong kỳ", c.received, ""),
        *((f"  - {label}", data.by_channel.get(channel, 0), f"Kênh {channel}") for channel, label in CHANNELS.items()),
        ("  - Trực tuyến do người dân tự nộp", c.online_by_citizen, "Chỉ tiêu 3.3 tính các hồ sơ này"),
        ("  - Trực tuyến được hỗ trợ nộp (cán bộ, tình nguyện viên)", c.online_assisted,
         "Chỉ tiêu 3.3 tính các hồ sơ này" if assisted_count else "Không tính vào chỉ tiêu 3.3"),
        ("Hồ sơ thuộc diện đánh giá tiến độ (chỉ tiêu 2.1)", c.counted, "Đã tiếp nhận và xử lý trong kỳ"),
        ("  - Đã giải quyết trước hạn, đúng hạn", data.progress.finished_on_time, ""),
        ("  - Đã giải quyết quá hạn", data.progress.finished_late, ""),
        ("  - Đang giải quyết, trong hạn", data.progress.open_within_time, "Tính tại cuối tháng"),
        ("  - Đang giải quyết, quá hạn", data.progress.open_late, "Tính tại cuối tháng"),
        ("Hồ sơ trước hạn, đúng hạn (kể cả đang trong hạn)", c.on_time, ""),
        ("Hồ sơ trễ hạn", c.counted - c.on_time, f"{min(data.late_total, LATE_LISTED)} hồ sơ liệt kê ở trang "
                                                 "«Hồ sơ trễ hạn»"),
        ("Tỷ lệ giải quyết trước hạn, đúng hạn (%)", indicator.rate_percent_shown, "Chỉ tiêu 2.1"),
        ("Điểm chỉ tiêu 2.1", indicator.points_shown, f"Tối đa {indicator.max_points}"),
        ("Hồ sơ có phí, lệ phí", c.with_fee, ""),
        ("  - Thanh toán trực tuyến", c.paid_online, payment),
        ("Tổng điểm Bộ chỉ số", card.points, f"Bộ chỉ số {card.metric_set}"),
        ("Điểm tối đa có dữ liệu để tính", card.attainable, "Chỉ tiêu chưa có nguồn dữ liệu không tính"),
        ("Tỷ lệ điểm đạt được (%)", card.percent, ""),
    ]
    for i, (label, value, note) in enumerate(rows, start=8):
        ws.cell(row=i, column=1, value=label)
        cell = ws.cell(row=i, column=2, value="N/A" if value is None else value)
        if isinstance(value, Decimal):
            cell.number_format = _DECIMALS
        ws.cell(row=i, column=3, value=note)
        if not label.startswith("  "):
            ws.cell(row=i, column=1).font = _BOLD
    _widths(ws, [58, 14, 52])


def _last_day(period: Period) -> date:
    return date.fromordinal(period.end.toordinal() - 1)


def _procedures(ws: Worksheet, data: PeriodicReport) -> None:
    ws.title = "Theo thủ tục"
    _head(ws, 1, ["Mã thủ tục", "Tên thủ tục", "Tiếp nhận", "Tính chỉ tiêu 2.1", "Đúng hạn", "Trễ hạn",
                  "Tỷ lệ đúng hạn (%)"])
    for i, (code, name, c) in enumerate(data.report.by_procedure, start=2):
        for col, value in enumerate([code, *_counter_row(name, c)], start=1):
            cell = ws.cell(row=i, column=col, value=value)
            if col == 7:
                cell.number_format = _DECIMALS
    _widths(ws, [14, 60, 11, 14, 11, 11, 14])


def _departments(ws: Worksheet, data: PeriodicReport) -> None:
    ws.title = "Theo phòng ban"
    _head(ws, 1, ["Cơ quan, bộ phận giải quyết", "Tiếp nhận", "Tính chỉ tiêu 2.1", "Đúng hạn", "Trễ hạn",
                  "Tỷ lệ đúng hạn (%)"])
    names = {d.value: n for d, n in DEPARTMENT_NAMES.items()}
    for i, (department, c) in enumerate(data.report.by_department, start=2):
        for col, value in enumerate(_counter_row(names.get(department, department), c), start=1):
            cell = ws.cell(row=i, column=col, value=value)
            if col == 6:
                cell.number_format = _DECIMALS
    _widths(ws, [40, 11, 14, 11, 11, 14])


def _late(ws: Worksheet, session: Session, principal: Principal, data: PeriodicReport) -> None:
    ws.title = "Hồ sơ trễ hạn"
    _head(ws, 1, ["Mã hồ sơ", "Thủ tục", "Tháng", "Ngày tiếp nhận", "Hạn giải quyết", "Thời điểm tính",
                  "Số giờ làm việc trễ", "Bước trễ", "Bộ phận", "Lý do"])
    rows, _total = costly_dossiers(session, principal, data.report.commune.code, data.report.period,
                                   limit=LATE_LISTED)
    names = {d.value: n for d, n in DEPARTMENT_NAMES.items()}
    for i, d in enumerate(rows, start=2):
        values: list[Any] = [d.code, d.procedure_name, f"{d.month:%m/%Y}", _local(d.received_at), _local(d.due_at),
                             _local(d.judged_at), d.late_hours, d.late_step or "",
                             names.get(d.late_body or "", d.late_body or ""), d.explanation]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=i, column=col, value=value)
            if isinstance(value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(value, Decimal):
                cell.number_format = _DECIMALS
    if data.late_total > len(rows):
        ws.cell(row=len(rows) + 3, column=1,
                value=f"Còn {data.late_total - len(rows)} hồ sơ trễ hạn khác; xem trên hệ thống.")
    _widths(ws, [26, 50, 9, 17, 17, 17, 12, 18, 28, 60])


def _local(value: datetime | None) -> datetime | None:
    """Excel has no time zones: Vietnam local time, without its offset."""
    return None if value is None else to_local(value).replace(tzinfo=None)


def _scorecard(ws: Worksheet, data: PeriodicReport) -> None:
    ws.title = "Bộ chỉ số"
    _head(ws, 1, ["Mã", "Chỉ tiêu", "Điểm tối đa", "Tỷ lệ (%)", "Điểm", "Ghi chú"])
    row = 2
    for group in data.report.card.groups:
        ws.cell(row=row, column=2, value=group.name).font = _BOLD
        ws.cell(row=row, column=3, value=group.max_points)
        ws.cell(row=row, column=5, value=group.total.points)
        row += 1
        for ind in group.indicators:
            shown = ind.display if ind.status != "ok" else ""
            for col, value in enumerate([ind.code, ind.name, ind.max_points, ind.rate_percent_shown,
                                         ind.points_shown, (shown + " " + ind.note).strip()], start=1):
                cell = ws.cell(row=row, column=col, value=value)
                if col in (4, 5):
                    cell.number_format = _DECIMALS
            row += 1
    _widths(ws, [7, 80, 11, 11, 11, 50])


def to_xlsx(session: Session, principal: Principal, data: PeriodicReport) -> bytes:
    workbook = Workbook()
    _summary(workbook.active, data)
    _procedures(workbook.create_sheet(), data)
    _departments(workbook.create_sheet(), data)
    _late(workbook.create_sheet(), session, principal, data)
    _scorecard(workbook.create_sheet(), data)
    return workbook_bytes(workbook)


def periodic_workbook(session: Session, principal: Principal, commune_code: str, period: Period,
                      now: datetime) -> bytes:
    """The report as an .xlsx file (numbers are numbers: Excel can add them up)."""
    return to_xlsx(session, principal, periodic_report(session, principal, commune_code, period, now))


def file_name(commune_code: str, period: Period) -> str:
    return f"bao-cao-tthc-{commune_code}-{period.value.replace('..', '-')}.xlsx"

