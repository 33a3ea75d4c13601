"""The commune's periodic report to the province (Excel): its numbers are the index's (SQLite and PostgreSQL).

October 2026 in Chí Tiên, HKD (3 working days): on time at the counter, late, filed online by the officer, still
open within time at the month's end (received Wed 28/10, due Mon 2/11) and still open past its due date (received
Tue 20/10, due Fri 23/10).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session

from motcua.catalog.models import Procedure
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.index.periods import parse_period
from motcua.index.tasks import fold
from motcua.kit.errors import NotFound
from motcua.report.periodic import file_name, periodic_workbook
from motcua.report.queries.communes import commune_report
from tests.factories import CHI_TIEN, HKD, T0, intake_data, other_commune, staff
from tests.index.test_snapshots import OCT_5, handle
from tests.security.test_finding_14_excel_formulas import HOSTILE, assert_text_only

OCTOBER = parse_period("2026-10", date(2026, 11, 23))


@pytest.fixture
def october(session: Session, tmp_path) -> dict:
    store = FileStore(tmp_path / "files")
    team = staff(session)
    on_time = handle(session, team, store, OCT_5, OCT_5 + timedelta(days=1))
    late = handle(session, team, store, OCT_5, OCT_5 + timedelta(days=7))
    online = handle(session, team, store, OCT_5, OCT_5 + timedelta(days=2), channel=2)
    within = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                             now=datetime(2026, 10, 28, 3, 0, tzinfo=UTC)).dossier
    past = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                           now=datetime(2026, 10, 20, 3, 0, tzinfo=UTC)).dossier
    fold(session, T0)
    return {"team": team, "on_time": on_time, "late": late, "online": online, "within": within, "past": past}


def _summary(sheet) -> dict[str, object]:
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=8, values_only=True) if row[0]}


def test_the_report_carries_the_index_numbers(session: Session, october: dict) -> None:
    director = october["team"]["director"]
    data = periodic_workbook(session, director, CHI_TIEN, OCTOBER, T0)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Tổng hợp", "Theo thủ tục", "Theo phòng ban", "Hồ sơ trễ hạn", "Bộ chỉ số"]
    summary = book["Tổng hợp"]
    assert summary["A1"].value == "UBND XÃ CHÍ TIÊN" and "Tháng 10/2026" in summary["A5"].value
    values = _summary(summary)
    report = commune_report(session, director, CHI_TIEN, OCTOBER)
    c = report.counters
    assert (c.received, c.counted, c.on_time, c.online_assisted) == (5, 5, 3, 1)  # the scenario, by the index
    assert values["Hồ sơ tiếp nhận trong kỳ"] == c.received
    assert values["  - Trực tiếp"] == 4 and values["  - Trực tuyến"] == 1 and values["  - Qua dịch vụ bưu chính"] == 0
    assert values["  - Trực tuyến do người dân tự nộp"] == c.online_by_citizen == 0
    assert values["  - Trực tuyến được hỗ trợ nộp (cán bộ, tình nguyện viên)"] == c.online_assisted
    assert values["Hồ sơ thuộc diện đánh giá tiến độ (chỉ tiêu 2.1)"] == c.counted
    assert values["  - Đã giải quyết trước hạn, đúng hạn"] == 2
    assert values["  - Đã giải quyết quá hạn"] == 1
    assert values["  - Đang giải quyết, trong hạn"] == 1
    assert values["  - Đang giải quyết, quá hạn"] == 1
    assert values["Hồ sơ trước hạn, đúng hạn (kể cả đang trong hạn)"] == c.on_time
    assert values["Hồ sơ trễ hạn"] == c.counted - c.on_time == 2
    rate = report.card.indicator("2.1").rate_percent_shown
    assert rate == Decimal("60.00")
    assert values["Tỷ lệ giải quyết trước hạn, đúng hạn (%)"] == pytest.approx(float(rate))
    assert values["Tổng điểm Bộ chỉ số"] == pytest.approx(float(report.card.points))
    assert values["Tỷ lệ điểm đạt được (%)"] == pytest.approx(float(report.card.percent))  # type: ignore[arg-type]
    assert isinstance(values["Hồ sơ tiếp nhận trong kỳ"], int)  # numbers, not text

    procedures = list(book["Theo thủ tục"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in procedures] == [
        (code, p.received, p.counted, p.on_time, p.counted - p.on_time) for code, _name, p in report.by_procedure]
    departments = list(book["Theo phòng ban"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3]) for r in departments] == [(d.received, d.counted, d.on_time)
                                                        for _key, d in report.by_department]
    late = list(book["Hồ sơ trễ hạn"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in late) == sorted([october["late"].code, october["past"].code])
    assert all(isinstance(r[3], datetime) and r[9] for r in late)  # dates as dates, with the reason
    assert file_name(CHI_TIEN, OCTOBER) == "bao-cao-tthc-08218-2026-10.xlsx"


def test_another_commune_is_not_found(session: Session, october: dict) -> None:
    with pytest.raises(NotFound):
        periodic_workbook(session, staff(session, other_commune(session))["director"], CHI_TIEN, OCTOBER, T0)


# Issue 13, finding 14 (OWASP CSV/formula injection): this export writes hostile names as text, never as formulas.
def test_finding_14_periodic_report_export(session: Session, october: dict) -> None:
    session.execute(update(Procedure).where(Procedure.code == HKD).values(name=HOSTILE))
    data = periodic_workbook(session, october["team"]["director"], CHI_TIEN, OCTOBER, T0)
    assert_text_only(data, HOSTILE)
