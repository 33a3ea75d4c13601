"""The web shell: Vietnamese error pages, the language switch, the per-role home pages, the OpenAPI schema."""

from __future__ import annotations

from datetime import UTC, date, datetime

from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.calendar.actions import record_announcement
from motcua.calendar.schemas import AnnouncementIn
from tests.factories import login, make_officer


def test_404_page_is_in_vietnamese(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text and 'lang="vi"' in response.text


def test_403_page_is_in_vietnamese(client, session):
    make_officer(session, username="tiepnhan")
    login(client, "tiepnhan")
    response = client.get("/admin/tokens")
    assert response.status_code == 403 and "Không có quyền truy cập" in response.text


def test_500_page_is_in_vietnamese_and_leaks_nothing(client, app):
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Hệ thống gặp sự cố" in response.text and "secret internal detail" not in response.text


def test_api_errors_are_json_with_a_vietnamese_message(client):
    response = client.get("/api/v1/communes")
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "not_authenticated", "message": "Vui lòng đăng nhập để tiếp tục."}}


def test_english_is_available(client):
    client.get("/lang/en?next=/login")
    page = client.get("/login")
    assert 'lang="en"' in page.text and "Log in" in page.text and "Password" in page.text
    client.get("/lang/vi")
    assert "Mật khẩu" in client.get("/login").text


def test_unknown_language_keeps_vietnamese(client):
    client.get("/lang/fr")
    assert 'lang="vi"' in client.get("/login").text


def test_province_monitor_home_lists_every_commune_with_staff_counts(client, session):
    make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    make_officer(session, username="chitien.a")
    login(client, "tinh.theodoi")
    page = client.get("/home").text
    assert "148 đơn vị cấp xã" in page and "Chí Tiên" in page and "Theo dõi cấp tỉnh" in page


def test_each_role_gets_its_own_panel(client, session):
    panels = {Role.RECEPTION: "Quầy tiếp nhận", Role.SPECIALIST: "Hồ sơ cần xử lý",
              Role.APPROVER: "Hồ sơ chờ phê duyệt", Role.VOLUNTEER: "Hỗ trợ người dân nộp trực tuyến",
              Role.COUNCIL: "Kiến nghị cử tri"}
    for role, title in panels.items():
        make_officer(session, username=f"vai.{role.value}", roles=(role,))
        client.cookies.clear()
        login(client, f"vai.{role.value}")
        page = client.get("/home").text
        assert title in page, role
        assert all(other not in page for r, other in panels.items() if r is not role), role


def test_commune_home_shows_the_merged_units(client, session):
    make_officer(session, username="chitien.a")
    login(client, "chitien.a")
    page = client.get("/home").text
    assert "Chí Tiên" in page and "Sơn Cương" in page and "Thanh Hà" in page


def test_openapi_schema_lists_the_api_and_not_the_pages(client):
    schema = client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/api/v1/me", "/api/v1/communes", "/api/v1/communes/{code}", "/api/v1/officers/{officer_id}"} <= paths
    assert not any(p.startswith(("/login", "/home")) for p in paths)


def test_security_headers_are_set(client):
    headers = client.get("/login").headers
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]


def test_health_check_touches_the_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_home_says_when_today_is_a_holiday_and_when_the_clock_resumes(client, session, clock):
    """Labour Code 2019 Art. 112 as amended: 24 Nov is Vietnamese Culture Day, a day off, from 2026."""
    from datetime import UTC, datetime

    make_officer(session, username="chitien.a")
    login(client, "chitien.a")
    assert "Hôm nay là ngày làm việc" in client.get("/home").text  # Monday 23 Nov 2026
    clock.instant = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    login(client, "chitien.a")  # yesterday's session has expired
    page = client.get("/home").text
    assert "Hôm nay là ngày nghỉ" in page and "Văn hóa" in page and "25/11/2026" in page


def test_home_names_a_make_up_saturday_and_its_document(client, session, clock):
    """CV 12729/VPCP-KGVX: Saturday 10 Jan 2026 is worked in exchange for Friday 2 Jan."""
    from datetime import UTC, datetime

    make_officer(session, username="chitien.a")
    clock.instant = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    login(client, "chitien.a")
    page = client.get("/home").text
    assert "Hôm nay là ngày làm việc" in page and "ngày làm bù" in page and "12729" in page


def test_home_reads_the_provinces_recorded_day_off(client, session):
    """docs/legal.md §4: a day off the province announces is a day off for deadlines; the home page reads the
    province's calendar (the one the due dates use), not only the shipped one."""
    record_announcement(session, actor=SYSTEM, now=datetime(2026, 11, 20, 3, 0, tzinfo=UTC), data=AnnouncementIn(
        day=date(2026, 11, 23), kind="day_off", scope="25", document="QĐ 77/QĐ-UBND (thử nghiệm)"))
    make_officer(session, username="chitien.a")
    login(client, "chitien.a")
    page = client.get("/home").text  # Monday 23 Nov 2026, a working day in the shipped calendar
    assert "Hôm nay là ngày nghỉ" in page and "QĐ 77/QĐ-UBND" in page and "24/11/2026" not in page
    assert "25/11/2026" in page  # 24 Nov is Vietnamese Culture Day: the clock resumes on the 25th


def test_openapi_documents_the_bearer_scheme_and_the_error_envelope(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            for status in ("401", "422"):
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (path, status)


def test_405_says_which_methods_are_allowed(client):
    """RFC 9110 §15.5.6: a 405 response carries an Allow header."""
    response = client.post("/api/v1/me")
    assert response.status_code == 405 and "GET" in response.headers["allow"]
    assert response.json()["error"]["code"] == "http_405"
