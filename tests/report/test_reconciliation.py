"""Reconciliation with the national portal's published 766 statistics, end to end on both backends: the upload, the
page of differences with the dossiers behind them, the Excel export, the JSON API, bad files refused whole.

December 2026 is scored by version 2 (docs/legal.md §7: the portal's formulas; 2.1 on the portal's rule).
Đăng ký thành lập hộ kinh doanh (1.001612) takes 3 working days: received Monday 7/12 at 9:00, due Thursday 10/12.

Chí Tiên: 5 dossiers decided Wednesday 9/12 (on time), 1 decided Monday 14/12 (late): 2.1 = 20 × 5/6 = 16.67.
Commune B: 2 on time: 2.1 = 20 × 2/2 = 20.00.
The portal file gives B the same counts and score (no difference) and plants one for Chí Tiên: 3 on time of 6
(two fewer), 20 × 3/6 = 10.00 — "tính khác nhau", with the six dossiers motcua counts listed.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from motcua.index.portal_models import PortalImport, PortalRow
from motcua.index.reconcile import IMPORT_ACTION
from motcua.index.tasks import fold
from motcua.kit.clock import FixedClock
from tests.factories import CHI_TIEN, csrf_token, login, make_officer, other_commune, staff
from tests.index.portal_file import as_json, as_xlsx, child, metric, portal_file
from tests.report.scenario import handled, vn

DEC = "2026-12"


@pytest.fixture
def clock() -> FixedClock:
    # Tuesday 5 January 2027, 10:00 in Hà Nội: December 2026 is over.
    return FixedClock(datetime(2027, 1, 5, 3, 0, tzinfo=UTC))


@pytest.fixture
def december(session: Session, tmp_path):
    store = FileStore(tmp_path / "files")
    commune_b = other_commune(session)
    team_a, team_b = staff(session, CHI_TIEN), staff(session, commune_b)
    a = [handled(session, team_a, store, vn(2026, 12, 7), vn(2026, 12, 9, 10)) for _ in range(5)]
    a.append(handled(session, team_a, store, vn(2026, 12, 7), vn(2026, 12, 14, 10)))  # late
    for _ in range(2):
        handled(session, team_b, store, vn(2026, 12, 7), vn(2026, 12, 9, 10))
    session.commit()
    while fold(session, vn(2027, 1, 5, 10)).pending_left:
        pass
    session.commit()
    return {"a": a, "b": commune_b}


@pytest.fixture
def monitor(client, session, december):
    make_officer(session, commune_code=None, username="tinh.doisoat", roles=(Role.PROVINCE_MONITOR,),
                 full_name="Vũ Thị Lan")
    assert login(client, "tinh.doisoat").status_code == 303
    return client


def _file(commune_b: str, a_on_time: int = 3, a_score: str = "10.00", a_ratio: str = "50.00") -> dict:
    return portal_file(DEC, [
        child(CHI_TIEN, "Xã Chí Tiên", [
            # planted: the portal counts a_on_time of 6 on time; 20 × 3/6 = 10.00
            metric("2.1", 20, a_score, a_ratio, numerator=a_on_time, denominator=6),
            # 6 × 45/60 = 4.50; motcua has no source for the sync to the national portal (1.4) yet
            metric("1.4", 6, "4.50", "75.00", numerator=45, denominator=60),
        ]),
        # the same counts as motcua: 20 × 2/2 = 20.00
        child(commune_b, "Xã B", [metric("2.1", 20, "20.00", "100.00", numerator=2, denominator=2)]),
    ])


def _upload(client, data: bytes, name: str = "thong-ke-766.json"):
    token = csrf_token(client, "/index/reconciliation")
    kind = "application/json" if name.endswith(".json") else "application/octet-stream"
    return client.post("/index/reconciliation", data={"csrf_token": token}, files={"file": (name, data, kind)},
                       follow_redirects=False)


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(PortalImport)) or 0,
            session.scalar(select(func.count()).select_from(PortalRow)) or 0)


def _difference(page: str, key: str) -> str:
    row = re.search(rf'<tr data-difference="{key}">(.*?)</tr>', page, re.S)
    assert row, f"no difference {key}"
    return row.group(1)


def test_the_page_lists_the_planted_difference_with_the_dossiers_behind_it(monitor, session, december):
    response = _upload(monitor, as_json(_file(december["b"])))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    page = monitor.get(location)
    assert page.status_code == 200
    html = page.text
    row = _difference(html, f"{CHI_TIEN}-2.1")
    assert "16.67" in row and "10.00" in row and "6.67" in row  # motcua 20 × 5/6, the portal 20 × 3/6
    assert "Tính khác nhau" in row
    assert "motcua tính 5 (numerator), cổng tính 3 trên cùng 6 hồ sơ: chênh 2" in row
    for d in december["a"]:  # the six dossiers motcua counts, linked, the late one marked
        assert f'href="/dossiers/{d.id}">{d.code}</a>' in row
    assert row.count("trễ hạn") == 1
    assert f'href="/index/communes/{CHI_TIEN}?period={DEC}"' in html
    # the same counts give the same score: no difference for commune B's 2.1
    assert f'data-difference="{december["b"]}-2.1"' not in html
    # motcua has no source for 1.4 (dossiers synced to the national portal): "thiếu dữ liệu", with the reason
    assert "Thiếu dữ liệu trên motcua" in _difference(html, f"{CHI_TIEN}-1.4")
    # the province's 1.1 needs the national-portal sync, which motcua does not have yet: said so
    assert "chưa có chức năng đồng bộ" in _difference(html, "25-1.1")


def test_the_excel_export_has_the_differences(monitor, december):
    location = _upload(monitor, as_json(_file(december["b"]))).headers["location"]
    response = monitor.get(location.split("?")[0] + ".xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = [r for r in book["Chênh lệch"].iter_rows(values_only=True) if r[0] == CHI_TIEN and r[2] == "2.1"]
    assert len(rows) == 1
    row = rows[0]
    assert row[7] == pytest.approx(16.67) and row[10] == pytest.approx(10.0) and row[11] == pytest.approx(6.67)
    assert row[12] == "Tính khác nhau"
    codes = {r[2] for r in book["Hồ sơ liên quan"].iter_rows(values_only=True) if r[0] == CHI_TIEN}
    assert {d.code for d in december["a"]} <= codes


def test_the_json_api_gives_the_same_differences(monitor, december):
    location = _upload(monitor, as_json(_file(december["b"]))).headers["location"]
    import_id = int(location.split("/")[-1].split("?")[0])
    listing = monitor.get("/api/v1/index/reconciliation").json()
    assert [i["id"] for i in listing] == [import_id] and listing[0]["period"] == DEC
    body = monitor.get(f"/api/v1/index/reconciliation/{import_id}").json()
    found = [d for d in body["differences"] if d["unit_code"] == CHI_TIEN and d["indicator"] == "2.1"]
    assert len(found) == 1
    assert found[0]["category"] == "judged_differently"
    assert found[0]["motcua"]["counts"] == {"numerator": 5, "denominator": 6}
    assert found[0]["portal"]["counts"] == {"numerator": 3, "denominator": 6}
    assert found[0]["dossiers_total"] == 6


def test_the_excel_form_of_the_file_imports_the_same(monitor, session, december):
    response = _upload(monitor, as_xlsx(_file(december["b"])), "thong-ke-766.xlsx")
    assert response.status_code == 303, response.text
    assert "Tính khác nhau" in _difference(monitor.get(response.headers["location"]).text, f"{CHI_TIEN}-2.1")
    assert session.scalar(select(PortalImport.file_format)) == "xlsx"


def test_reimporting_a_period_replaces_it_and_the_audit_keeps_the_old_digest(monitor, session, december):
    assert _upload(monitor, as_json(_file(december["b"]))).status_code == 303
    first = session.scalars(select(PortalImport)).one()
    first_digest = first.file_digest
    # 20 × 5/6 = 16.666… → 16.67 (rate 83.33 %)
    assert _upload(monitor, as_json(_file(december["b"], a_on_time=5, a_score="16.67", a_ratio="83.33"))
                   ).status_code == 303
    session.expire_all()
    second = session.scalars(select(PortalImport)).one()
    assert second.file_digest != first_digest
    # 2.1 now agrees for Chí Tiên (5 of 6), so it is no longer listed
    html = monitor.get(f"/index/reconciliation/{second.id}").text
    assert f'data-difference="{CHI_TIEN}-2.1"' not in html
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == IMPORT_ACTION)
                             .order_by(AuditEvent.id)).all()
    assert len(events) == 2
    assert json.loads(events[1].data)["replaced"]["digest"] == first_digest


def test_same_counts_but_another_score_is_a_formula_difference(monitor, december):
    """The portal counts 5 of 6 like motcua but publishes 10.00: motcua's formula on the portal's own counts gives
    20 × 5/6 = 16.67, so the difference is the formula's, not the data's."""
    location = _upload(monitor, as_json(_file(december["b"], a_on_time=5))).headers["location"]
    html = monitor.get(location).text
    assert "Công thức khác nhau" in _difference(html, f"{CHI_TIEN}-2.1")
    assert f'data-formula="{CHI_TIEN}-2.1"' in html


def _bad_files(commune_b: str) -> dict[str, tuple[bytes, str, str]]:
    """file, name, and what the error must name (the row or item and the unit)."""
    unknown = _file(commune_b)
    unknown["children"].append(child("99999", "Xã không có", []))
    non_numeric = _file(commune_b)
    non_numeric["children"][1]["metrics"][0]["score"] = "hai mươi"
    other = _file(commune_b)
    other["unitCode"] = "01"
    return {
        "wrong shape": (b'{"period": "2026-12", "unitCode": "25", "communes": []}', "a.json", "'children'"),
        "other province": (as_json(other), "b.json", "tỉnh mã 01"),
        "unknown unit": (as_json(unknown), "c.json", "children[2] (đơn vị 99999)"),
        "non-numeric score": (as_json(non_numeric), "d.json", f"children[1].metrics[0] (đơn vị {commune_b})"),
        # Excel: header row 1, the province's 1.1–1.3 rows 2–4, Chí Tiên's 2.1 and 1.4 rows 5–6, B's 2.1 row 7
        "non-numeric score, Excel": (as_xlsx(non_numeric), "d.xlsx", f"Dòng 7 (đơn vị {commune_b})"),
    }


def test_a_bad_file_is_refused_whole_with_the_row_named(monitor, session, december):
    """Nothing is half-imported: the valid units before the bad one are not written either."""
    for case, (data, name, named) in _bad_files(december["b"]).items():
        before = _counts(session)
        response = _upload(monitor, data, name)
        assert response.status_code == 422, case
        assert named in unescape(response.text), case
        assert "không có dữ liệu nào được ghi" in response.text, case
        assert _counts(session) == before == (0, 0), case


def test_only_a_province_monitor_or_administrator_reconciles(client, session, december):
    """A commune officer sees no menu link and is refused the pages; the province monitor sees the link."""
    make_officer(session, username="xa.chitien", roles=(Role.APPROVER,))
    login(client, "xa.chitien")
    assert 'href="/index/reconciliation"' not in client.get("/home").text
    assert client.get("/index/reconciliation").status_code == 403
    assert client.get("/api/v1/index/reconciliation").status_code == 403
    token = csrf_token(client, "/home")
    refused = client.post("/index/reconciliation", data={"csrf_token": token},
                          files={"file": ("x.json", as_json(_file(december["b"])), "application/json")})
    assert refused.status_code == 403
    assert _counts(session) == (0, 0)


def test_the_upload_needs_the_csrf_token(monitor, session, december):
    response = monitor.post("/index/reconciliation", files={"file": ("x.json", as_json(_file(december["b"])),
                                                                     "application/json")})
    assert response.status_code == 403
    assert _counts(session) == (0, 0)
    assert 'href="/index/reconciliation"' in monitor.get("/home").text
