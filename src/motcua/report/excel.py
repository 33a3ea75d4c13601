"""The service index as Excel workbooks: the province ranking, and one commune's scorecard with its breakdowns and
the dossiers that cost it points (Decision 766/QĐ-TTg).

Pure: a dashboard read in, ``.xlsx`` bytes out. Every sheet has its title and the period in the first rows, then
one header row in Vietnamese (frozen, filtered) and the data. Numbers are written as numbers (percent and points
rounded to 2 decimals, as the pages show them), instants as Excel datetimes in Vietnam time, and text always as
text: a name that starts with "=" never becomes a formula.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from motcua.dossier.queries import status_label as dossier_status_label
from motcua.index.periods import Period
from motcua.index.reconcile import Figures, Reconciliation
from motcua.kit.excel import workbook_bytes
from motcua.kit.excel import write_sheet as _sheet
from motcua.report.queries.dashboards import STATUS_LABELS, Breakdown, CommuneDashboard, ProvinceDashboard

#: The ranking's fixed columns before and after the groups (each group adds its points and its rank).
RANKING_HEAD = ("Hạng", "Mã xã", "Xã, phường", "Tổng (%)", "Điểm đạt", "Điểm có thể đạt")
RANKING_TAIL = ("2.1 Đúng hạn (%)", "Hồ sơ được tính", "Thay đổi hạng", "Hạng kỳ trước", "Kỳ trước (%)")
ATTAINABLE_NOTE = ("Tỷ lệ (%) = điểm đạt ÷ điểm có thể đạt × 100; điểm có thể đạt là tổng điểm tối đa của các chỉ "
                   "tiêu đã có dữ liệu trên hệ thống — chỉ tiêu chưa có dữ liệu hoặc không phát sinh không được tính.")


def _number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _period_line(period: Period) -> str:
    return f"Kỳ đánh giá: {period.label} ({period.value})"


def _save(wb: Workbook) -> bytes:
    wb.properties.creator = "motcua"
    return workbook_bytes(wb)


# ------------------------------------------------------------------------------------------------ ranking


def ranking_headers(dash: ProvinceDashboard) -> list[str]:
    middle = [h for g in dash.ranking.metric_set.groups for h in (f"{g.name}: điểm", f"{g.name}: hạng")]
    return [*RANKING_HEAD, *middle, *RANKING_TAIL]


def ranking_xlsx(dash: ProvinceDashboard) -> bytes:
    """The ranking table of the province dashboard, row for row, as one sheet."""
    ranking = dash.ranking
    rows: list[list[object]] = []
    for r in ranking.rows:
        card = r.card
        groups: list[object] = []
        for g in card.groups:
            groups += [g.total.points if g.total.attainable else None, r.group_ranks.get(g.code)]
        ranked = [card.percent, card.points, _number(card.attainable), *groups,
                  card.indicator("2.1").rate_percent_shown]
        rows.append([
            r.rank, r.commune_code, r.commune_name, *(ranked if r.rank is not None else [None] * len(ranked)),
            r.counters.counted, r.change, r.previous_rank,
            r.previous_percent if r.previous_rank is not None else None,
        ])
    wb = Workbook()
    ws: Worksheet = wb.active
    ws.title = "Xếp hạng"
    title = "Bảng xếp hạng Chỉ số phục vụ người dân, doanh nghiệp"
    wb.properties.title = f"{title} – {ranking.province_name} – {ranking.period.label}"
    lines = [
        f"Tỉnh {ranking.province_name} · {ranking.ranked} đơn vị cấp xã được xếp hạng / {len(ranking.rows)}",
        _period_line(ranking.period),
        f"Bộ chỉ số: {ranking.metric_set.title} ({ranking.metric_set.id}). {ATTAINABLE_NOTE}",
    ]
    widths = [8, 9, 24, 10, 10, 12] + [12, 8] * len(ranking.metric_set.groups) + [12, 12, 10, 10, 12]
    _sheet(ws, title, lines, ranking_headers(dash), rows, widths)
    return _save(wb)


# ------------------------------------------------------------------------------------------------ one commune


BREAKDOWN_HEADERS = ("Tiếp nhận", "Được tính (2.1)", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)",
                     "Nộp trực tuyến", "Có phí, lệ phí", "Thanh toán trực tuyến")


def _breakdown(b: Breakdown) -> list[object]:
    c = b.counters
    return [c.received, c.counted, c.on_time, b.late, b.on_time_percent, c.online_by_citizen + c.online_assisted,
            c.with_fee, c.paid_online]


SCORECARD_HEADERS = ("Nhóm", "Mã", "Chỉ tiêu", "Điểm tối đa", "Tỷ lệ (%)", "Điểm đạt", "Trạng thái", "Hạng trong tỉnh",
                     "Ghi chú")
LATE_HEADERS = ("Mã hồ sơ", "Thủ tục", "Tháng tính", "Ngày tiếp nhận", "Hạn trả", "Thời điểm tính",
                "Trễ (giờ làm việc)", "Trễ", "Bước quá hạn", "Cơ quan", "Lý do", "Diễn giải", "Trạng thái hồ sơ")


def commune_xlsx(dash: CommuneDashboard, status_labels: dict[str, str] | None = None) -> bytes:
    """Four sheets: the scorecard (groups and indicators), by procedure, by division, the late dossiers."""
    rep, row = dash.report, dash.row
    commune = rep.commune
    head = [f"{commune.kind.capitalize()} {commune.name} (mã {commune.code}), tỉnh {dash.province_name}",
            _period_line(rep.period)]
    wb = Workbook()
    wb.properties.title = f"Chỉ số phục vụ – {commune.name} – {rep.period.label}"

    card = rep.card
    rank = f"{row.rank}/{dash.ranked}" if row.rank is not None else "chưa xếp hạng"
    score_rows: list[list[object]] = [[
        "Tổng", "", "Tổng điểm", card.attainable, card.percent, card.points, "", row.rank,
        f"Hạng {rank}. {ATTAINABLE_NOTE}",
    ]]
    for g in card.groups:
        score_rows.append([g.name, "", "Cộng nhóm", g.total.attainable if g.total.attainable else None,
                           g.total.percent, g.total.points if g.total.attainable else None,
                           "" if g.total.attainable else STATUS_LABELS["no_data"], row.group_ranks.get(g.code),
                           f"Điểm tối đa của nhóm: {g.max_points}"])
        for i in g.indicators:
            assumption = dash.metric_set.indicator(i.code).assumption
            note = "; ".join(part for part in (i.note, f"Giả định: {assumption}" if assumption else "") if part)
            score_rows.append([g.name, i.code, i.name, i.max_points, i.rate_percent_shown, i.points_shown,
                               (status_labels or STATUS_LABELS)[i.status], None, note])
    ws: Worksheet = wb.active
    ws.title = "Phiếu điểm"
    _sheet(ws, "Phiếu điểm Chỉ số phục vụ người dân, doanh nghiệp", head, SCORECARD_HEADERS, score_rows,
           [22, 7, 48, 10, 10, 10, 16, 10, 60])

    procedures = [[b.key, b.name, *_breakdown(b)] for b in dash.procedures]
    _sheet(wb.create_sheet("Theo thủ tục"), "Hồ sơ theo thủ tục hành chính", head,
           ("Mã thủ tục", "Tên thủ tục", *BREAKDOWN_HEADERS), procedures, [12, 50, 10, 12, 10, 10, 12, 12, 12, 12])

    divisions = [[b.name, *_breakdown(b)] for b in dash.divisions]
    _sheet(wb.create_sheet("Theo phòng ban"), "Hồ sơ theo cơ quan chuyên môn", head,
           ("Cơ quan", *BREAKDOWN_HEADERS), divisions, [36, 10, 12, 10, 10, 12, 12, 12, 12])

    late = [[d.dossier.code, d.dossier.procedure_name, f"{d.dossier.month:%m/%Y}", d.dossier.received_at,
             d.dossier.due_at, d.dossier.judged_at, d.dossier.late_hours, d.late_text, d.step_name or "",
             d.body_name or "", d.reason_label, d.dossier.explanation, dossier_status_label(d.dossier.status)]
            for d in dash.late]
    _sheet(wb.create_sheet("Hồ sơ trễ hạn"), "Hồ sơ trễ hạn làm giảm điểm chỉ tiêu 2.1", [
        *head, f"{dash.late_total} lượt hồ sơ trễ hạn (một hồ sơ được tính một lần mỗi tháng)"],
        LATE_HEADERS, late, [28, 40, 10, 16, 16, 16, 10, 18, 36, 26, 30, 50, 14])
    return _save(wb)


# ------------------------------------------------------------------------------------------------ reconciliation


DIFFERENCE_HEADERS = ("Mã đơn vị", "Đơn vị", "Mã chỉ tiêu", "Chỉ tiêu", "Điểm tối đa", "Số liệu motcua",
                      "Tỷ lệ motcua (%)", "Điểm motcua", "Số liệu Cổng", "Tỷ lệ Cổng (%)", "Điểm Cổng", "Chênh (điểm)",
                      "Loại chênh lệch", "Giải thích", "Kiểm tra công thức trên số liệu của Cổng")
BEHIND_HEADERS = ("Mã đơn vị", "Mã chỉ tiêu", "Mã hồ sơ", "Thủ tục", "Tháng tính", "Kết quả theo motcua", "Lý do",
                  "Diễn giải")
FORMULA_LABELS = {"match": "Khớp", "mismatch": "Không khớp", "not_checked": "Không kiểm tra"}


def counts_text(figures: Figures) -> str:
    return ", ".join(f"{key} {value}" for key, value in figures.counts)


def reconciliation_xlsx(rec: Reconciliation) -> bytes:
    """The differences between motcua's scorecards and the portal's published figures, the dossiers behind them,
    and the file's own formula mismatches."""
    imp = rec.imp
    head = [f"Tệp {imp.file_name} (SHA-256 {imp.file_digest[:16]}…), nhập bởi {imp.imported_by}",
            _period_line(rec.period),
            f"Bộ chỉ số: {rec.metric_set.id}. {rec.compared} cặp đơn vị – chỉ tiêu được so sánh, "
            f"{len(rec.differences)} chênh lệch quá 0,01 điểm."]
    wb = Workbook()
    wb.properties.title = f"Đối soát Chỉ số 766 với Cổng Dịch vụ công quốc gia – {rec.period.label}"
    rows = [[d.unit_code, d.unit_name, d.indicator, d.indicator_name, d.max_points, counts_text(d.motcua),
             d.motcua.rate, d.motcua.score, counts_text(d.portal), d.portal.rate, d.portal.score, d.gap,
             d.category_label, d.explanation,
             f"{FORMULA_LABELS[d.formula.status]}{': ' + d.formula.note if d.formula.note else ''}"]
            for d in rec.differences]
    ws: Worksheet = wb.active
    ws.title = "Chênh lệch"
    _sheet(ws, "Đối soát Chỉ số 766 với Cổng Dịch vụ công quốc gia", head, DIFFERENCE_HEADERS, rows,
           [9, 24, 8, 40, 8, 24, 10, 10, 24, 10, 10, 10, 22, 60, 40])
    behind = [[d.unit_code, d.indicator, b.code, b.procedure_name, f"{b.month:%m/%Y}",
               "Đúng hạn" if b.counted_on_time else "Trễ hạn", b.reason, b.explanation]
              for d in rec.differences for b in d.dossiers]
    _sheet(wb.create_sheet("Hồ sơ liên quan"), "Hồ sơ motcua tính trong các chỉ tiêu chênh lệch", head,
           BEHIND_HEADERS, behind, [9, 8, 28, 40, 10, 14, 24, 60])
    formulas = [[m.unit_code, m.unit_name, m.indicator, m.portal_score, m.check.expected, m.check.note]
                for m in rec.formula_mismatches]
    _sheet(wb.create_sheet("Công thức"), "Điểm của Cổng khác công thức của motcua trên chính số liệu của Cổng", head,
           ("Mã đơn vị", "Đơn vị", "Mã chỉ tiêu", "Điểm Cổng", "Điểm theo công thức motcua", "Ghi chú"), formulas,
           [9, 24, 8, 10, 12, 70])
    return _save(wb)
