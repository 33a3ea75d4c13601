"""The service-index dashboards, their Excel files and JSON API on a hand-made scenario (tests/report/scenario.py),
on both backends: ranks, percents, the late dossiers and why, the period parser's errors, the jurisdiction rule."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.catalog.models import Procedure
from motcua.dossier.workflow import STATUS_LABELS
from motcua.index.score import shown
from motcua.index.tasks import fold_dossiers
from motcua.org.models import Commune
from tests.factories import CHI_TIEN, HKD, login, make_officer, other_commune, supplemented_late_for_the_index
from tests.report.scenario import build
from tests.security.test_finding_14_excel_formulas import HOSTILE, assert_text_only

OCT = "2026-10"


@pytest.fixture
def scenario(session, tmp_path):
    return build(session, tmp_path)


@pytest.fixture
def monitor(client, session, scenario):
    """A province monitor of Phú Thọ, logged in."""
    make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,),
                 full_name="Vũ Thị Lan")
    login(client, "tinh.theodoi")
    return client


def _tag(html: str, element_id: str) -> str:
    """The text of the element with that id."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, element_id
    return match.group(1).strip()


def _cell(html: str, commune: str, column: int) -> str:
    """The text of one cell of a commune's row of the ranking table (0: rank, 1: name, 2: total, …)."""
    row = re.search(rf'<tr data-commune="{commune}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row for {commune}"
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)
    return re.sub(r"<[^>]+>", "", cells[column]).strip()


def test_ranking_page_shows_ranks_percents_and_changes(monitor, scenario):
    """October: commune B 100 % on time (1st, up from 2nd), Chí Tiên 75 % (2nd, down from 1st). Both have the same
    catalogue indicators, so B's total is exactly 2.1's 5 points higher: 5/44 of the attainable points."""
    page = monitor.get(f"/index?period={OCT}")
    assert page.status_code == 200
    html = page.text
    b, a = scenario.commune_b, scenario.commune_a
    assert _cell(html, b, 0) == "1/2" and _cell(html, a, 0) == "2/2"
    assert html.index(f'data-commune="{b}"') < html.index(f'data-commune="{a}"')
    percent_b = Decimal(_cell(html, b, 2).replace(",", "."))
    percent_a = Decimal(_cell(html, a, 2).replace(",", "."))
    catalogue_points = Decimal(_cell(html, b, 3).split("/")[0].replace(",", ".")) - 20  # B earned all 20 of 2.1
    assert _cell(html, b, 3).endswith("/44") and _cell(html, a, 3).endswith("/44")
    assert percent_b == shown(Fraction(catalogue_points + 20) / 44 * 100)
    assert percent_a == shown(Fraction(catalogue_points + 15) / 44 * 100)
    assert _cell(html, b, 10) == "100,00" and _cell(html, a, 10) == "75,00"  # 2.1
    assert _cell(html, b, 11) == "2" and _cell(html, a, 11) == "4"  # dossiers counted
    assert "▲" in _cell(html, b, 12) and _cell(html, b, 12).endswith("1")
    assert "▼" in _cell(html, a, 12) and _cell(html, a, 12).endswith("1")
    # September: Chí Tiên was 1st with 100 % on time — the same total as B's now.
    assert _cell(html, a, 13) == f"{_cell(html, b, 2)} (1)"
    assert f'href="/index/communes/{a}?period={OCT}"' in html
    # Groups without data are shown as such, with the reason, and the percent says what it is of.
    assert "Chưa có dữ liệu" in html and "Chưa có nguồn dữ liệu: tệp hồ sơ và kết quả điện tử lưu trên hệ thống" in html
    assert "Tỷ lệ (%) là điểm đạt chia cho điểm có thể đạt" in html
    # The total as the portal shows it: points out of 100, beside the percentage of the attainable points.
    province_points = Decimal(_tag(html, "province-points").removesuffix("/100").replace(",", "."))
    province_percent = Decimal(_tag(html, "province-percent").removesuffix("%").replace(",", "."))
    # (points are shown rounded to 0.01, so the percent recomputed from them may differ by 0.01 × 100/44)
    assert 0 < province_points <= 44 and abs(province_percent - province_points * 100 / 44) <= Decimal("0.02")
    # Charts come from embedded data, with the vendored library, and keep their tables.
    assert '<script type="application/json" id="index-data">' in html
    assert "/static/vendor/chart-4.6.1.umd.min.js" in html and 'data-chart="histogram"' in html
    assert "Số xã, phường theo khoảng tỷ lệ điểm (%)" in html


def test_ranking_api_gives_the_same_figures(monitor, scenario):
    body = monitor.get("/api/v1/index/ranking", params={"period": OCT}).json()
    assert body["period"] == {"value": OCT, "kind": "month", "label": "Tháng 10/2026", "start": "2026-10-01",
                              "end": "2026-11-01"}
    assert body["ranked"] == 2 and body["communes"] == 148
    first, second = body["rows"][:2]
    assert (first["commune_code"], first["rank"], first["change"]) == (scenario.commune_b, 1, 1)
    assert (second["commune_code"], second["rank"], second["change"]) == (scenario.commune_a, 2, -1)
    assert first["on_time_percent"] == 100.0 and second["on_time_percent"] == 75.0
    assert round(first["points"] - second["points"], 2) == 5.0 and first["attainable"] == 44.0
    assert second["previous_percent"] == first["percent"] and second["previous_rank"] == 1
    progress = {g["code"]: g for g in second["groups"]}["progress"]
    assert (progress["points"], progress["rank"]) == (15.0, 2)
    assert body["province_on_time_percent"] == round(5 * 100 / 6, 2)  # 5 of the 6 October dossiers
    assert body["rows"][2]["rank"] is None and body["rows"][2]["percent"] is None  # nothing to rank
    assert [p["month"] for p in body["trend"]][-1] == "2026-10-01" and len(body["trend"]) == 12
    assert body["trend"][-2]["on_time_percent"] == 75.0  # September: 3 of 4


def test_commune_page_shows_its_rank_scorecard_late_dossiers_and_workload(monitor, scenario):
    page = monitor.get(f"/index/communes/{scenario.commune_a}", params={"period": OCT})
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="commune-rank">2/2<', html)
    assert 'data-indicator="2.1"' in html and "15,00/20" in html and "75,00" in html
    assert "Hạng 2/2" in html  # the progress group's rank
    late = scenario.late_a
    assert f'<a href="/dossiers/{late.id}">{late.code}</a>' in html
    assert "2 ngày 6 giờ làm việc" in html  # Fri 9/10, Mon 12/10 and 6 hours of Tue 13/10
    assert "Phòng Kinh tế" in html and "Hoàn thành quá hạn" in html
    assert "Chuyên viên Phòng Kinh tế kiểm tra tính hợp lệ" in html  # the step that overran, by name
    assert "17:00 08/10/2026" in html  # the appointment, Vietnam time
    officers = html[html.index('id="h-officers"'):]
    assert re.search(r"Trần Văn Nam</th><td class=\"num\">1</td><td class=\"num\"><span class=\"badge late\">1<",
                     officers)
    assert "Đăng ký thành lập hộ kinh doanh" in html[html.index('id="h-procedure"'):]
    assert f'href="/index/communes/{scenario.commune_a}.xlsx?period={OCT}"' in html


def test_commune_api_and_its_late_dossiers(monitor, scenario):
    body = monitor.get(f"/api/v1/index/communes/{scenario.commune_a}", params={"period": OCT}).json()
    assert (body["rank"], body["out_of"], body["late_total"]) == (2, 2, 1)
    indicator = {i["code"]: i for g in body["groups"] for i in g["indicators"]}
    assert indicator["2.1"]["rate_percent"] == 75.0 and indicator["2.1"]["points"] == 15.0
    assert indicator["4.1"]["status"] == "no_data" and indicator["4.1"]["display"] == "Chưa có dữ liệu"
    assert body["by_department"][0]["name"] == "Phòng Kinh tế"
    assert body["by_department"][0]["counters"]["counted"] == 4 and body["by_department"][0]["on_time_percent"] == 75
    assert body["open_by_officer"] == [{"officer_id": scenario.team_a["specialist"].id,
                                        "officer_name": "Trần Văn Nam", "open": 1, "overdue": 1}]
    late = monitor.get(f"/api/v1/index/communes/{scenario.commune_a}/late",
                       params={"period": "2026-Q4", "limit": 1}).json()
    assert late["total"] == 2  # October's late dossier, and November's open one (overdue at the clock)
    item = late["items"][0]
    assert (item["code"], item["late_hours"], item["reason"]) == (scenario.late_a.code, 22.0, "finished_late")
    assert item["late_body_name"] == "Phòng Kinh tế" and item["late_step"] == "tham_dinh"
    second = monitor.get(f"/api/v1/index/communes/{scenario.commune_a}/late",
                         params={"period": "2026-Q4", "limit": 1, "offset": 1}).json()["items"][0]
    assert (second["code"], second["reason"]) == (scenario.open_a.code, "open_late")


@pytest.mark.parametrize("period", ["2026-13", "2026-Q5", "hôm qua", "2026-06..2026-01", "2021-12"])
def test_a_bad_period_gets_a_vietnamese_message(monitor, scenario, period):
    page = monitor.get("/index", params={"period": period})
    assert page.status_code == 422
    assert re.search(r'<p id="period-error" class="field-error" role="alert">Kỳ không hợp lệ', page.text)
    assert 'aria-invalid="true"' in page.text and 'id="ranking"' not in page.text
    assert monitor.get(f"/index/communes/{CHI_TIEN}", params={"period": period}).status_code == 422
    api = monitor.get("/api/v1/index/ranking", params={"period": period})
    assert api.status_code == 422
    assert api.json()["error"]["message"].startswith("Kỳ không hợp lệ")
    assert "period" in api.json()["error"]["fields"]
    assert monitor.get("/index.xlsx", params={"period": period}).status_code == 422


def test_without_a_period_the_last_month_that_is_over(monitor, scenario):
    """Issue 16 (13): the ranking opens on the last complete month, not on the days of a month just begun. The
    clock is Mon 23/11/2026: October, where commune B (100 % on time) ranks before Chí Tiên (75 %)."""
    html = monitor.get("/index").text
    assert '<option value="2026-10" selected>Tháng 10/2026</option>' in html
    assert _cell(html, scenario.commune_b, 0) == "1/2" and _cell(html, scenario.commune_a, 10) == "75,00"
    assert monitor.get("/api/v1/index/ranking").json()["period"]["value"] == "2026-10"
    # November is still one choice away.
    assert '<option value="2026-11">Tháng 11/2026</option>' in html


def test_quarters_years_and_ranges(monitor, scenario):
    for period, label in (("2026-Q4", "Quý 4/2026"), ("2026-H2", "6 tháng cuối năm 2026"), ("2026", "Năm 2026"),
                          ("2026-09..2026-10", "Từ tháng 9/2026 đến tháng 10/2026")):
        body = monitor.get("/api/v1/index/ranking", params={"period": period}).json()
        assert body["period"]["label"] == label
        assert label in monitor.get("/index", params={"period": period}).text
    rows = {r["commune_code"]: r for r in monitor.get("/api/v1/index/ranking",
                                                      params={"period": "2026-09..2026-10"}).json()["rows"]}
    assert rows[scenario.commune_a]["counted"] == 6 and rows[scenario.commune_a]["on_time_percent"] == 83.33
    assert rows[scenario.commune_b]["counted"] == 4 and rows[scenario.commune_b]["on_time_percent"] == 75.0


def test_commune_officer_sees_the_ranking_but_only_its_own_commune(client, session, scenario):
    make_officer(session, commune_code=CHI_TIEN, username="chitien.giamdoc", roles=(Role.CENTRE_DIRECTOR,))
    login(client, "chitien.giamdoc")
    ranking = client.get("/index", params={"period": OCT})
    assert ranking.status_code == 200  # the ranking is published to every officer of the province
    assert f'href="/index/communes/{CHI_TIEN}?period={OCT}"' in ranking.text
    assert f'href="/index/communes/{scenario.commune_b}?' not in ranking.text
    assert client.get(f"/index/communes/{CHI_TIEN}", params={"period": OCT}).status_code == 200
    for path in (f"/index/communes/{scenario.commune_b}", f"/index/communes/{scenario.commune_b}.xlsx",
                 f"/api/v1/index/communes/{scenario.commune_b}", f"/api/v1/index/communes/{scenario.commune_b}/late"):
        response = client.get(path, params={"period": OCT})
        assert response.status_code == 404, path
        assert scenario.late_a.code not in response.text


def test_another_province_sees_neither_commune_nor_ranking_of_phu_tho(client, session, scenario):
    make_officer(session, commune_code=None, province_code="01", username="hanoi.theodoi",
                 roles=(Role.PROVINCE_MONITOR,))
    login(client, "hanoi.theodoi")
    body = client.get("/api/v1/index/ranking", params={"period": OCT}).json()
    assert body["province_code"] == "01" and body["ranked"] == 0
    assert CHI_TIEN not in {r["commune_code"] for r in body["rows"]}
    assert client.get(f"/index/communes/{CHI_TIEN}", params={"period": OCT}).status_code == 404
    assert client.get(f"/api/v1/index/communes/{CHI_TIEN}", params={"period": OCT}).status_code == 404


def _rows(sheet):
    """The header row (the first row whose first cell is a column name) and the rows under it."""
    values = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(values) if row[0] in ("Hạng", "Nhóm", "Mã thủ tục", "Cơ quan", "Mã hồ sơ"))
    return values[start], values[start + 1:]


def test_ranking_excel_holds_the_table_of_the_page_as_numbers(monitor, scenario):
    response = monitor.get("/index.xlsx", params={"period": OCT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert f"chi-so-phuc-vu-25-{OCT}.xlsx" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Xếp hạng"]
    titles = [ws.cell(row=r, column=1).value for r in range(1, 5)]
    assert titles[0].startswith("BẢNG XẾP HẠNG") and "Tháng 10/2026" in titles[2]
    header, rows = _rows(ws)
    assert header[:6] == ("Hạng", "Mã xã", "Xã, phường", "Tổng (%)", "Điểm đạt", "Điểm có thể đạt")
    assert "Tiến độ giải quyết: điểm" in header and header[-5] == "2.1 Đúng hạn (%)"
    assert len(rows) == 148
    api = monitor.get("/api/v1/index/ranking", params={"period": OCT}).json()["rows"]
    for row, expected in zip(rows, api, strict=True):
        assert row[1] == expected["commune_code"] and row[0] == expected["rank"]
        if expected["rank"] is None:
            assert row[3] is None
            continue
        assert isinstance(row[3], float) and isinstance(row[0], int)
        assert (row[3], row[4], row[5]) == (expected["percent"], expected["points"], expected["attainable"])
        group = {g["code"]: g for g in expected["groups"]}["progress"]
        assert row[header.index("Tiến độ giải quyết: điểm")] == group["points"]
        assert row[header.index("Tiến độ giải quyết: hạng")] == group["rank"]
        assert row[-5:] == (expected["on_time_percent"], expected["counted"], expected["change"],
                            expected["previous_rank"], expected["previous_percent"])


def test_commune_excel_has_four_sheets_whose_numbers_equal_the_api(monitor, scenario):
    code = scenario.commune_a
    response = monitor.get(f"/index/communes/{code}.xlsx", params={"period": OCT})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Phiếu điểm", "Theo thủ tục", "Theo phòng ban", "Hồ sơ trễ hạn"]
    api = monitor.get(f"/api/v1/index/communes/{code}", params={"period": OCT}).json()
    assert "Tháng 10/2026" in wb["Phiếu điểm"].cell(row=3, column=1).value
    header, rows = _rows(wb["Phiếu điểm"])
    assert header[:6] == ("Nhóm", "Mã", "Chỉ tiêu", "Điểm tối đa", "Tỷ lệ (%)", "Điểm đạt")
    total = rows[0]
    assert (total[3], total[4], total[5], total[7]) == (api["total"]["attainable"], api["total"]["percent"],
                                                       api["total"]["points"], api["rank"])
    by_code = {r[1]: r for r in rows if r[1]}
    for group in api["groups"]:
        for indicator in group["indicators"]:
            row = by_code[indicator["code"]]
            assert (row[4], row[5]) == (indicator["rate_percent"], indicator["points"]), indicator["code"]
    assert by_code["4.1"][6] == "Chưa có dữ liệu"
    header, rows = _rows(wb["Theo thủ tục"])
    assert [(r[0], r[2], r[3], r[6]) for r in rows] == [
        (p["key"], p["counters"]["received"], p["counters"]["counted"], p["on_time_percent"])
        for p in api["by_procedure"]]
    header, rows = _rows(wb["Theo phòng ban"])
    assert [(r[0], r[2], r[5]) for r in rows] == [
        (d["name"], d["counters"]["counted"], d["on_time_percent"]) for d in api["by_department"]]
    header, rows = _rows(wb["Hồ sơ trễ hạn"])
    late = monitor.get(f"/api/v1/index/communes/{code}/late", params={"period": OCT}).json()
    assert len(rows) == late["total"] == api["late_total"] == 1
    assert rows[0][0] == late["items"][0]["code"] and rows[0][6] == late["items"][0]["late_hours"] == 22.0
    # Issue 16 (13): the dossier's state in words, as the pages show it, not its code ("returned").
    assert rows[0][-1] in set(STATUS_LABELS.values()) and not rows[0][-1].isascii()
    assert rows[0][4].strftime("%H:%M %d/%m/%Y") == "17:00 08/10/2026"  # the due time, Vietnam wall clock


def test_text_in_the_excel_is_never_a_formula(monitor, session, scenario):
    from motcua.org.models import Commune

    session.get(Commune, scenario.commune_b).name = '=HYPERLINK("http://x","y")'
    session.commit()
    wb = load_workbook(io.BytesIO(monitor.get("/index.xlsx", params={"period": OCT}).content))
    _, rows = _rows(wb["Xếp hạng"])
    assert rows[0][2] == '=HYPERLINK("http://x","y")'
    assert wb["Xếp hạng"].cell(row=6, column=3).data_type == "s"


def test_navigation_links_to_the_index(monitor, scenario):
    home = monitor.get("/home").text
    assert '<a href="/index">Chỉ số phục vụ</a>' in home  # the layout's navigation
    assert '<a class="button" href="/index">Xem bảng xếp hạng</a>' in home  # the province monitor's home page


def test_english_page(monitor, scenario):
    monitor.cookies.set("motcua_lang", "en")
    html = monitor.get("/index", params={"period": OCT}).text
    assert "Ranking of the communes and wards" in html
    assert _cell(html, scenario.commune_a, 10) == "75.00"  # decimal point in English


def test_unknown_commune_is_404(monitor, session):
    assert monitor.get("/index/communes/99999").status_code == 404
    assert monitor.get(f"/index/communes/{other_commune(session, '01', '')}").status_code == 404


# Issue 13, finding 14 (OWASP CSV/formula injection): this export writes hostile names as text, never as formulas.
def test_finding_14_index_exports(session: Session, monitor, scenario) -> None:
    session.execute(update(Commune).where(Commune.code == scenario.commune_a).values(name=HOSTILE))
    session.execute(update(Procedure).where(Procedure.code == HKD).values(name="@" + HOSTILE))
    session.commit()
    ranking = monitor.get("/index.xlsx", params={"period": OCT})
    assert ranking.status_code == 200
    assert_text_only(ranking.content, HOSTILE)
    commune = monitor.get(f"/index/communes/{scenario.commune_a}.xlsx", params={"period": OCT})
    assert commune.status_code == 200
    assert_text_only(commune.content, "@" + HOSTILE)


def test_commune_page_shows_late_for_the_citizen_and_for_the_index(client, session, team, store):
    """docs/legal.md §7, 2.1: the commune's card shows both counts. The example dossier (on time for the citizen,
    late for the index) is counted once in January 2026: late 0 by the legal clock, 1 by the portal's rule."""
    d = supplemented_late_for_the_index(session, team, store)
    fold_dossiers(session, [d.id], datetime(2026, 2, 2, 9, tzinfo=UTC))
    session.commit()
    make_officer(session, commune_code=None, username="tinh.theodoi2", roles=(Role.PROVINCE_MONITOR,),
                 full_name="Vũ Thị Lan")
    login(client, "tinh.theodoi2")
    html = client.get(f"/index/communes/{d.deciding_commune_code}", params={"period": "2026-01"}).text
    assert re.search(r"Hồ sơ được tính / trễ hạn</dt><dd>1 / 0</dd>", html)
    assert re.search(r'id="late-for-index">1</dd>', html)


def _order(html: str) -> list[str]:
    return re.findall(r'<tr data-commune="(\d+)"', html)


def _visible(html: str) -> list[str]:
    return [code for code, attrs in re.findall(r'<tr data-commune="(\d+)"([^>]*)>', html) if " hidden" not in attrs]


def test_the_ranking_sorts_and_searches_without_javascript(monitor, session, scenario):
    """Issue 16 (13): the server answers ?sort=&dir= and ?q= itself (the page's script only saves the reload). By
    total, largest first (the default direction of a figure), B (1st) comes before Chí Tiên; ascending, after it;
    the communes without dossiers come last either way. By name, A to Z without diacritics. "chi tien" typed
    without diacritics finds Xã Chí Tiên alone; the other rows are sent hidden. An unknown column is the rank."""
    b, a = scenario.commune_b, scenario.commune_a
    html = monitor.get(f"/index?period={OCT}&sort=percent").text
    assert _order(html)[:2] == [b, a] and 'aria-sort="descending"><a href="/index?period=2026-10&amp;sort=percent' \
        '&amp;dir=asc"' in html
    html = monitor.get(f"/index?period={OCT}&sort=percent&dir=asc").text
    assert _order(html)[:2] == [a, b]
    names = {code: name for code, name in session.execute(
        select(Commune.code, Commune.name).where(Commune.province_code == "25"))}
    by_name = _order(monitor.get(f"/index?period={OCT}&sort=name").text)
    assert len(by_name) == len(names) and by_name == sorted(by_name, key=lambda c: _fold(names[c]))
    html = monitor.get(f"/index?period={OCT}&q=chi+tien").text
    assert _visible(html) == [a] and len(_order(html)) == len(names)
    assert f"Hiển thị 1/{len(names)} xã, phường." in html
    assert _order(monitor.get(f"/index?period={OCT}&sort=nonsense").text)[:2] == [b, a]


def _fold(text: str) -> str:
    import unicodedata
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()
