"""ARCHITECTURE rule 7: outside the user's jurisdiction every object is 404, never someone else's data.

Commune officers see only their commune; province officers see every commune of their province and nothing of
another province. The first test walks the application's route table, so a new route with a path parameter
fails here until it is covered.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest

from motcua.app import route_table
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.dossier.workflow import Action
from tests.factories import (
    CHI_TIEN,
    HKD,
    T0,
    act_at,
    csrf_token,
    intake_data,
    login,
    make_officer,
    other_commune,
    pdf_bytes,
    staff,
)

#: How to fill each path parameter with an object that belongs to commune B.
PARAMS = {"code": "commune_code", "officer_id": "officer_id", "token_id": "token_id", "dossier_id": "dossier_id",
          "document_id": "document_id", "announcement_id": "announcement_id", "snapshot_id": "snapshot_id",
          "case_id": "case_id", "import_id": "import_id", "commune_code": "commune_code", "counter_id": "counter_id",
          "province_code": "province_code", "template_id": "template_id", "draft_id": "draft_id"}
#: Valid form fields, so that a POST passes validation and reaches the access gate.
FORM_VALUES = {"active": "false", "name": "Cổng thử nghiệm", "version": "1", "note": "Kiểm tra quyền truy cập",
               "reason": "Kiểm tra quyền truy cập"}
JSON_VALUES = {"version": 1, "note": "Kiểm tra quyền truy cập"}
QUERY = {"reason": "Kiểm tra quyền truy cập"}
#: Path parameters that name no object of any jurisdiction, with a valid value.
NOT_OBJECTS = {"lang": "vi", "action": "transfer", "form": "receipt", "fmt": "json"}
_PARAM = re.compile(r"\{(\w+)\}")
#: Public pages of the front desk (issue 18): a commune's kiosk check-in, the citizen's booking and ticket pages (any
#: commune's, to anyone), and a booking's page, whose code is the citizen's receipt (tests/queue/test_booking_pages).
PUBLIC_FRONT_DESK = {"/quay/{commune_code}/lay-so/lich-hen", "/lich-hen/{commune_code}", "/lay-so/{commune_code}",
                     "/lich-hen/ma/{booking_code}", "/lich-hen/ma/{booking_code}/huy"}


@pytest.fixture
def two_communes(session):
    commune_b = other_commune(session)
    officer_a = make_officer(session, commune_code=CHI_TIEN, username="xa.a", roles=(Role.ADMIN, Role.RECEPTION))
    officer_b = make_officer(session, commune_code=commune_b, username="xa.b", roles=(Role.ADMIN,),
                             full_name="Phạm Thị Bích")
    return commune_b, officer_a, officer_b


def _dossier_objects_of(session, commune_b):
    """A dossier received in commune B with a document, a feedback case sent to commune B, an announcement and a
    published ranking of another province."""
    from motcua.base.principal import SYSTEM
    from motcua.calendar.actions import record_announcement
    from motcua.calendar.schemas import AnnouncementIn
    from motcua.dossier.actions import Upload, receive_dossier
    from motcua.dossier.files import FileStore
    from motcua.dossier.queries import documents
    from motcua.feedback.actions import receive_case
    from motcua.feedback.schemas import FeedbackIn
    from motcua.index.actions import publish_snapshot
    from motcua.index.portal_models import PortalImport
    from motcua.org.models import Commune
    from motcua.queue.actions import create_counter
    from motcua.queue.schemas import CounterIn
    from motcua.results.actions import load_shipped_templates, save_template, start_draft
    from motcua.results.schemas import TemplateIn

    store = FileStore(Path(tempfile.mkdtemp()))
    dossier = receive_dossier(session, actor=staff(session, commune_b)["reception"], data=intake_data(),
                              uploads=[Upload("giay_de_nghi", "don.pdf", pdf_bytes())], store=store,
                              now=T0).dossier
    change = record_announcement(session, actor=SYSTEM, now=T0, data=AnnouncementIn(
        day=date(2026, 12, 7), kind="day_off", scope="01", document="QĐ thử nghiệm của Hà Nội"))
    snapshot = publish_snapshot(session, actor=SYSTEM, province_code="01", month=date(2026, 10, 1), now=T0)
    portal_import = PortalImport(province_code="01", period="2026-10", period_start=date(2026, 10, 1),
                                 period_end=date(2026, 11, 1), metric_set="766-v1", imported_at=T0,
                                 imported_by="Hà Nội", file_name="thong-ke.json", file_format="json",
                                 file_digest="0" * 64, file_content=b"{}", units=1)
    session.add(portal_import)
    session.flush()
    case = receive_case(session, now=T0, ip="192.0.2.99", data=FeedbackIn(
        commune_code=commune_b, subject="Phản ánh của xã B", content="Nội dung phản ánh gửi xã B.",
        sender_name="Phạm Thị Bích", phone="0912000111")).case
    counter = create_counter(session, actor=SYSTEM, commune=session.get(Commune, commune_b), now=T0,
                             data=CounterIn(number=1, fields=["civil_status"]))
    # the result of commune B's dossier drafted by its handler, and a result template of commune B's province
    team_b = staff(session, commune_b)
    in_handling = act_at(session, team_b["reception"], dossier, Action.TRANSFER, 1)
    in_handling = act_at(session, team_b["approver"], in_handling, Action.ASSIGN, 2,
                         handler_id=team_b["specialist"].officer_id)
    in_handling = act_at(session, team_b["specialist"], in_handling, Action.SUBMIT_FOR_APPROVAL, 3)
    load_shipped_templates(session, now=T0)
    draft = start_draft(session, actor=team_b["specialist"], dossier_id=in_handling.id, now=T0 + timedelta(hours=4))
    province_admin_b = Principal(kind="officer", id=None, name="tinh.b", province_code="01", commune_code=None,
                                 roles=frozenset({Role.ADMIN}))
    template = save_template(session, actor=province_admin_b, now=T0, data=TemplateIn.model_validate({
        "procedure_code": HKD, "effective_from": "2027-01-01", "name": "Giấy chứng nhận của tỉnh B",
        "title": "Giấy chứng nhận", "doc_type": "GCN", "signer_title": "CHỦ TỊCH", "recipients": ["Lưu: VT"],
        "fields": [], "body": "<p>{{ nguoi_nop }}</p>"}))
    session.commit()
    assert change.announcement is not None
    return {"counter_id": counter.id, "dossier_id": dossier.id, "document_id": documents(session, dossier)[0].id,
            "announcement_id": change.announcement.id, "snapshot_id": snapshot.id, "case_id": case.id,
            "import_id": portal_import.id, "draft_id": draft.id, "template_id": template.id}


def _token_of(client, session, username, officer_id):
    """An API token issued by an admin of commune B (through the real page), acting for that admin."""
    from sqlalchemy import select

    from motcua.auth.models import ApiToken

    login(client, username)
    client.post("/admin/tokens", data={"name": "Cổng B", "officer_id": str(officer_id),
                                       "csrf_token": csrf_token(client, "/admin/tokens")})
    client.cookies.clear()
    return session.scalars(select(ApiToken.id).order_by(ApiToken.id.desc())).first()


def test_every_route_with_an_object_of_commune_b_is_404_for_an_officer_of_commune_a(client, session, app,
                                                                                   two_communes):
    commune_b, _officer_a, officer_b = two_communes
    values = {"commune_code": commune_b, "officer_id": officer_b.id, "province_code": "01",  # another province
              "token_id": _token_of(client, session, "xa.b", officer_b.id), **_dossier_objects_of(session, commune_b)}
    login(client, "xa.a")
    token = csrf_token(client, "/home")
    checked = 0
    for route in route_table(app):
        names = _PARAM.findall(route.path)
        if not names or set(names) <= set(NOT_OBJECTS):
            continue
        if route.path.startswith("/cong-dan/"):  # citizens' own routes: tests/portal walks them as another citizen
            continue
        if route.path.endswith("/lay-so"):  # the public kiosk of a commune's hall: anyone may take a ticket there
            continue
        # the public display of a commune's hall (numbers and codes only) and the public rating tablet on a counter
        # (tests/queue/test_rating.py), the kiosk's check-in and the citizen's booking and ticket pages
        if "/man-hinh" in route.path or "/danh-gia/" in route.path or route.path in PUBLIC_FRONT_DESK:
            continue
        if route.path.startswith(("/xac-minh/", "/api/v1/verifications/")):  # public: a result's verification code
            continue
        missing = [n for n in names if n not in PARAMS and n not in NOT_OBJECTS]
        assert not missing, f"{route.path}: add {missing} to PARAMS so this route's access gate is tested"
        path = route.path
        for name in names:
            value = NOT_OBJECTS[name] if name in NOT_OBJECTS else values[PARAMS[name]]
            path = path.replace("{" + name + "}", str(value))
        for method in sorted(route.methods - {"HEAD"}):
            headers = {"X-CSRF-Token": token}
            if method == "GET":
                response = client.request(method, path, params=QUERY)
            elif (path.startswith("/api/") and path.endswith("/documents")) or path.endswith(("/result", "/ky-tay")):
                response = client.request(method, path, headers=headers, data=FORM_VALUES,
                                          files={"file": ("a.pdf", pdf_bytes(), "application/pdf")})
            elif path.startswith("/api/"):
                response = client.request(method, path, headers=headers, params=QUERY, json=JSON_VALUES)
            else:
                response = client.request(method, path, data={"csrf_token": token, **FORM_VALUES})
            assert response.status_code == 404, (method, path, response.status_code, response.text[:300])
            assert "Phạm Thị Bích" not in response.text
            checked += 1
    assert checked >= 5


def test_own_commune_objects_are_visible(client, session, two_communes):
    _commune_b, officer_a, _ = two_communes
    login(client, "xa.a")
    assert client.get(f"/communes/{CHI_TIEN}").status_code == 200
    assert client.get(f"/officers/{officer_a.id}").status_code == 200
    assert client.get(f"/api/v1/communes/{CHI_TIEN}").json()["name"] == "Chí Tiên"


def test_commune_lists_show_only_the_own_commune(client, session, two_communes):
    login(client, "xa.a")
    codes = [c["code"] for c in client.get("/api/v1/communes").json()]
    assert codes == [CHI_TIEN]


def test_province_officer_sees_every_commune_of_the_province_and_none_of_another(client, session, two_communes):
    commune_b, _, officer_b = two_communes
    make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    ha_noi_officer = make_officer(session, commune_code=other_commune(session, "01", ""), province_code="01",
                                  username="hanoi.a")
    login(client, "tinh.theodoi")
    assert len(client.get("/api/v1/communes").json()) == 148
    assert client.get(f"/communes/{commune_b}").status_code == 200
    assert client.get(f"/officers/{officer_b.id}").status_code == 200
    assert client.get(f"/communes/{ha_noi_officer.commune_code}").status_code == 404
    assert client.get(f"/officers/{ha_noi_officer.id}").status_code == 404


def test_commune_officer_cannot_open_province_staff(client, session, two_communes):
    monitor = make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    login(client, "xa.a")
    assert client.get(f"/officers/{monitor.id}").status_code == 404


def test_search_without_diacritics_finds_the_commune(client, session, two_communes):
    make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    login(client, "tinh.theodoi")
    names = [c["name"] for c in client.get("/api/v1/communes", params={"q": "chi tien"}).json()]
    assert names == ["Chí Tiên"]
