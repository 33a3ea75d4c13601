"""The index pages: publishing and checking a month's ranking, the fair-play flags, the periodic report download.

The app's clock is Mon 23/11/2026, so October 2026 is the last month that is over.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.index.tasks import fold
from tests.factories import CHI_TIEN, T0, csrf_token, login, make_officer, other_commune, staff
from tests.index.test_snapshots import OCT_5, handle


@pytest.fixture
def data(session: Session, tmp_path) -> dict:
    store = FileStore(tmp_path / "files")
    team = staff(session)
    on_time = handle(session, team, store, OCT_5, OCT_5 + timedelta(days=1))
    late = handle(session, team, store, OCT_5, OCT_5 + timedelta(days=7))
    fold(session, T0)
    session.commit()
    make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    make_officer(session, username="chitien.giamdoc", roles=(Role.CENTRE_DIRECTOR,))
    return {"on_time": on_time, "late": late}


def _publish(client, month: str = "2026-10"):
    token = csrf_token(client, "/index/snapshots")
    return client.post("/index/snapshots", data={"month": month, "csrf_token": token}, follow_redirects=False)


def test_a_province_monitor_publishes_october_and_the_check_matches(client, session: Session, data: dict) -> None:
    login(client, "tinh.theodoi")
    page = client.get("/index/snapshots")
    assert page.status_code == 200 and "Chưa công bố tháng nào." in page.text and 'value="2026-10"' in page.text
    response = _publish(client)
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(r"/index/snapshots/\d+\?published=1", location)
    shown = client.get(location)
    assert shown.status_code == 200
    assert "Khớp: nội dung đã công bố còn nguyên vẹn" in shown.text and "Chí Tiên" in shown.text
    assert "10/2026" in client.get("/index/snapshots").text

    again = _publish(client)
    assert again.status_code == 409 and "đã được công bố" in again.text and 'aria-invalid="true"' in again.text
    current = _publish(client, "2026-11")
    assert current.status_code == 422 and "chưa kết thúc" in current.text
    assert _publish(client, "2026-Q3").status_code == 422

    session.execute(update(Dossier).where(Dossier.id == data["on_time"].id)
                    .values(processed_at=OCT_5 + timedelta(days=12)))
    session.commit()
    checked = client.get(location.split("?")[0])
    assert "Không khớp" in checked.text and data["on_time"].code in checked.text
    assert f'href="/dossiers/{data["on_time"].id}"' in checked.text


def test_the_pages_speak_english_too(client, session: Session, data: dict) -> None:
    login(client, "tinh.theodoi")
    location = _publish(client).headers["location"]
    client.get("/lang/en?next=/home")
    assert "Published rankings" in client.get("/index/snapshots").text
    assert "Match: the published content is intact" in client.get(location).text
    assert "Thresholds in use" in client.get("/index/fair-play").text


def test_commune_officers_cannot_publish_nor_see_the_province_pages(client, session: Session, data: dict) -> None:
    login(client, "chitien.giamdoc")
    assert client.get("/index/snapshots").status_code == 403
    assert client.get("/index/fair-play").status_code == 403
    token = csrf_token(client, "/home")
    assert client.post("/index/snapshots", data={"month": "2026-10", "csrf_token": token}).status_code == 403


def test_the_fair_play_page_lists_a_backdated_receipt(client, session: Session, data: dict) -> None:
    late = data["late"]
    session.execute(update(Dossier).where(Dossier.id == late.id).values(received_at=OCT_5 - timedelta(days=3)))
    session.commit()
    login(client, "tinh.theodoi")
    page = client.get("/index/fair-play", params={"period": "2026-10"})
    assert page.status_code == 200
    assert "Ngày tiếp nhận ghi lùi" in page.text and late.code in page.text and "Chí Tiên" in page.text
    assert client.get("/index/fair-play", params={"period": "tháng mười"}).status_code in (400, 422)


def test_the_periodic_report_downloads_for_the_own_commune_and_the_province(client, session: Session,
                                                                             data: dict) -> None:
    login(client, "chitien.giamdoc")
    response = client.get(f"/index/communes/{CHI_TIEN}/report.xlsx", params={"period": "2026-10"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="bao-cao-tthc-08218-2026-10.xlsx"' in response.headers["content-disposition"]
    summary = load_workbook(io.BytesIO(response.content))["Tổng hợp"]
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=8, values_only=True) if row[0]}
    assert values["Hồ sơ tiếp nhận trong kỳ"] == 2 and values["Hồ sơ trễ hạn"] == 1
    assert client.get(f"/index/communes/{other_commune(session)}/report.xlsx").status_code == 404
    client.cookies.clear()
    login(client, "tinh.theodoi")
    default = client.get(f"/index/communes/{CHI_TIEN}/report.xlsx")  # the last month that is over: October
    assert default.status_code == 200 and "2026-10" in default.headers["content-disposition"]
