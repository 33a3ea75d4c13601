"""The pages and the JSON API of ratings and feedback, through the real app (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.dossier.workflow import Action
from motcua.feedback.criteria import CRITERIA
from motcua.feedback.models import DossierRating, FeedbackCase
from motcua.feedback.queries import FORM_MAX_PER_HOUR
from motcua.feedback.workflow import CaseAction, CaseStatus
from tests.factories import CHI_TIEN, T0, csrf_token, login, make_officer, other_commune
from tests.feedback.helpers import act, new_case, returned_dossier

FORM = {"commune_code": CHI_TIEN, "kind": "report", "subject": "Thái độ cán bộ tiếp nhận",
        "content": "Cán bộ tiếp nhận không hướng dẫn đầy đủ giấy tờ cần nộp.", "sender_name": "Hà Thị Mai",
        "phone": "0987 654 321", "email": "", "dossier_code": ""}
_HREF = re.compile(r'href="(/danh-gia\?t=[^"]+)"')


def post_form(client: TestClient, **overrides: str):
    token = csrf_token(client, "/phan-anh")
    return client.post("/phan-anh", data={**FORM, **overrides, "csrf_token": token}, follow_redirects=False)


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="err-{name}">([^<]+)</p>', page)
    assert match, f"no error next to {name}"
    return match.group(1)


# ------------------------------------------------------------------------------------------ the public form


def test_the_public_form_has_a_label_for_every_field_and_a_csrf_token(client: TestClient) -> None:
    """Rule 9: every field labelled (the page works on a 360 px phone and with a screen reader); the anonymous CSRF
    token as on the other public forms."""
    page = client.get("/phan-anh", params={"xa": CHI_TIEN}).text
    for name in ("commune_code", "subject", "content", "sender_name", "phone", "email", "dossier_code"):
        assert f'<label for="{name}">' in page and f'id="{name}"' in page, name
    assert 'name="csrf_token" value="' in page and f'<option value="{CHI_TIEN}" selected>Xã Chí Tiên' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page


def test_a_feedback_sent_from_the_form_gets_its_code_and_deadline(client: TestClient, session: Session) -> None:
    """docs/legal.md §7: the case is received at once with its code and the answer's deadline (15 working days); the
    sender lands on the case's page through a signed link."""
    response = post_form(client)
    assert response.status_code == 303 and response.headers["location"].startswith("/phan-anh/tra-loi?t=")
    page = client.get(response.headers["location"]).text
    case = session.scalars(select(FeedbackCase)).one()
    assert case.code in page and "Đã tiếp nhận phản ánh" in page and "Hạn trả lời" in page
    assert case.sender_phone == "0987654321" and case.source == "form"


@pytest.mark.parametrize("overrides, field, message", [
    ({"phone": "12345"}, "phone", "Số điện thoại không hợp lệ"),
    ({"content": ""}, "content", "Vui lòng nhập nội dung"),
    ({"content": "x" * 5001}, "content", "quá dài (tối đa 5000 ký tự"),
    ({"content": "Ngắn"}, "content", "quá ngắn"),
    ({"phone": "", "email": ""}, "contact", "Cần số điện thoại hoặc thư điện tử"),
    ({"phone": "", "email": "khong-phai-email"}, "email", "Thư điện tử không hợp lệ"),
    ({"commune_code": ""}, "commune_code", "Chọn xã, phường"),
    ({"dossier_code": "ABC"}, "dossier_code", "Mã hồ sơ không đúng dạng"),
])
def test_bad_input_is_shown_next_to_its_field(client: TestClient, session: Session, overrides: dict[str, str],
                                              field: str, message: str) -> None:
    """Rule 9 and rule 6: a bad phone, an empty or too long content, no way to answer… — the form comes back (422)
    with what was typed and the Vietnamese reason next to the field; nothing is stored."""
    response = post_form(client, **overrides)
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert 'aria-invalid="true"' in response.text
    assert "Cán bộ tiếp nhận không hướng dẫn" in response.text or field == "content"
    assert session.scalar(select(func.count()).select_from(FeedbackCase)) == 0


def test_an_unknown_dossier_code_is_refused_next_to_the_field(client: TestClient) -> None:
    """House rule 6 and 7: the dossier code, when given, must be a dossier of the commune's province — refused next
    to the field otherwise (and counted as a failed lookup, so the form is no oracle for codes)."""
    response = post_form(client, dossier_code="TAM.08218-261123-0042")
    assert response.status_code == 422
    assert "Không tìm thấy hồ sơ" in field_error(response.text, "dossier_code")


def test_the_form_refuses_a_post_without_its_csrf_token(client: TestClient, session: Session) -> None:
    """Every state-changing form checks the synchroniser token (house rule), the public ones included."""
    client.get("/phan-anh")
    for path in ("/phan-anh", "/danh-gia", "/phan-anh/tra-loi"):
        assert client.post(path, data=FORM).status_code == 403
        assert client.post(path, data={**FORM, "csrf_token": "gia-mao"}).status_code == 403
    assert session.scalar(select(func.count()).select_from(FeedbackCase)) == 0


def test_the_form_is_limited_per_address(client: TestClient, session: Session) -> None:
    """One address sends at most FORM_MAX_PER_HOUR cases an hour; the next gets 429 in Vietnamese with
    Retry-After, and its text is kept."""
    for _ in range(FORM_MAX_PER_HOUR):
        assert post_form(client).status_code == 303
    refused = post_form(client, subject="Lần thứ sáu")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "3600"
    assert "nhiều phản ánh, kiến nghị trong một giờ" in refused.text and "Lần thứ sáu" in refused.text
    assert session.scalar(select(func.count()).select_from(FeedbackCase)) == FORM_MAX_PER_HOUR


# ------------------------------------------------------------------------------------------ ratings


def _lookup(client: TestClient, code: str, secret: str = "5678") -> str:
    token = csrf_token(client, "/tra-cuu")
    return client.post("/tra-cuu", data={"code": code, "secret": secret, "csrf_token": token}).text


def _answers(value: str) -> dict[str, str]:
    return {f"c_{c.key}": value for c in CRITERIA}


def test_the_lookup_offers_the_rating_and_the_link_rates_the_dossier_once(client: TestClient, session: Session,
                                                                          team: dict, tmp_path: Path) -> None:
    """Art. 31–33: after a successful lookup (code + last 4 digits) of a returned dossier the result card offers
    "Đánh giá mức độ hài lòng"; its signed link opens the rating form without a second check; once rated, the card
    no longer offers it, and a second submit (a double click) is refused with a clear message."""
    d = returned_dossier(session, team, tmp_path)
    session.commit()
    page = _lookup(client, d.code)
    href = _HREF.search(page)
    assert href and "Đánh giá mức độ hài lòng" in page
    form = client.get(href.group(1).replace("&amp;", "&")).text
    assert d.code in form and 'name="c_attitude"' in form and 'name="code"' not in form
    token = re.search(r'name="t" value="([^"]+)"', form)
    assert token
    response = client.post("/danh-gia", data={"t": token.group(1), **_answers("2"), "comment": "Rất tốt",
                                              "csrf_token": csrf_token(client, "/phan-anh")}, follow_redirects=False)
    assert response.status_code == 303
    thanks = client.get(response.headers["location"]).text
    assert "Cảm ơn Ông/Bà đã đánh giá" in thanks and "Hài lòng" in thanks
    assert "Đánh giá mức độ hài lòng</a>" not in _lookup(client, d.code)
    again = client.post("/danh-gia", data={"t": token.group(1), **_answers("1"),
                                           "csrf_token": csrf_token(client, "/phan-anh")}, follow_redirects=False)
    assert again.status_code == 409 and f"Hồ sơ {d.code} đã được đánh giá lúc" in again.text  # a double submit
    assert session.scalar(select(func.count()).select_from(DossierRating)) == 1


def test_a_dossier_not_yet_returned_is_not_offered_for_rating(client: TestClient, session: Session,
                                                              team: dict, tmp_path: Path) -> None:
    """No result, no rating (Art. 22): the card has no link and the rating page refuses with 409."""
    from motcua.dossier.files import FileStore
    from tests.feedback.helpers import dossier_up_to

    d = dossier_up_to(session, team, FileStore(tmp_path / "files"), Action.APPROVE)
    session.commit()
    assert "/danh-gia?t=" not in _lookup(client, d.code)
    response = client.post("/danh-gia", data={"code": d.code, "secret": "5678", **_answers("2"),
                                              "csrf_token": csrf_token(client, "/danh-gia")})
    assert response.status_code == 409 and "chưa có kết quả" in response.text


def test_rating_by_code_and_digits_dissatisfied_opens_a_case(client: TestClient, session: Session, team: dict,
                                                             tmp_path: Path) -> None:
    """The rating page without a link asks for the code and the last 4 digits (the lookup's check and budget); a
    wrong pair is 404; a "Không hài lòng" opens a phản ánh whose code the citizen is shown."""
    d = returned_dossier(session, team, tmp_path)
    session.commit()
    wrong = client.post("/danh-gia", data={"code": d.code, "secret": "0000", **_answers("2"),
                                           "csrf_token": csrf_token(client, "/danh-gia")})
    assert wrong.status_code == 404 and "Không tìm thấy hồ sơ" in wrong.text
    missing = client.post("/danh-gia", data={"code": d.code, "secret": "5678", **_answers(""),
                                             "csrf_token": csrf_token(client, "/danh-gia")})
    assert missing.status_code == 422 and "vui lòng chọn mức độ hài lòng" in field_error(missing.text, "attitude")
    # The messages name the questions left unanswered, by their number on the form (issue 16: errors name the
    # unanswered question).
    attitude = next(n for n, c in enumerate(CRITERIA, start=1) if c.key == "attitude")
    assert f"Câu {attitude} chưa được trả lời" in field_error(missing.text, "attitude")
    assert f"câu {attitude}" in missing.text[missing.text.index('class="error"'):][:400]
    response = client.post("/danh-gia", data={"code": d.code, "secret": "5678", **_answers("0"),
                                              "comment": "Phải đi lại ba lần",
                                              "csrf_token": csrf_token(client, "/danh-gia")}, follow_redirects=False)
    assert response.status_code == 303
    case = session.scalars(select(FeedbackCase)).one()
    assert case.source == "rating" and "Phải đi lại ba lần" in case.content
    page = client.get("/danh-gia", params={"t": re.search(r"t=([^&]+)", response.headers["location"]).group(1)})
    assert case.code in page.text and "Không hài lòng" in page.text


# ------------------------------------------------------------------------------------------ officers


def test_officer_pages_render_and_an_answer_is_given(client: TestClient, session: Session, team: dict) -> None:
    """The commune's list sorted by what is due (overdue marked) and the case page with the table's buttons; the
    answer is recorded, audited and shown; the sender's page then offers the verdict."""
    make_officer(session, username="chitien.tiepnhan", roles=(Role.RECEPTION,))
    late = new_case(session, now=T0 - timedelta(days=40), subject="Phản ánh cũ quá hạn")
    fresh = new_case(session, subject="Phản ánh mới")
    session.commit()
    login(client, "chitien.tiepnhan")
    listing = client.get("/feedback").text
    assert listing.index("Phản ánh cũ quá hạn") < listing.index("Phản ánh mới") and "Quá hạn" in listing
    page = client.get(f"/feedback/{fresh.id}").text
    assert re.findall(r'data-action="(\w+)"', page) == ["refuse", "ask_more", "answer"]
    assert "Từ chối tiếp nhận" in page and "Hạn trả lời" in page and fresh.sender_phone in page
    token = csrf_token(client, f"/feedback/{fresh.id}")
    response = client.post(f"/feedback/{fresh.id}/actions/answer", follow_redirects=False,
                           data={"version": fresh.version, "note": "Trung tâm đã nhắc nhở cán bộ.",
                                 "csrf_token": token})
    assert response.status_code == 303
    answered = client.get(response.headers["location"]).text
    assert "Đã trả lời" in answered and "Trung tâm đã nhắc nhở cán bộ." in answered
    stale = client.post(f"/feedback/{fresh.id}/actions/publish", data={"version": fresh.version, "csrf_token": token})
    assert stale.status_code == 409 and "cán bộ khác" in stale.text
    assert late.code in listing


def test_another_commune_gets_404_and_a_monitor_reads_only(client: TestClient, session: Session) -> None:
    """House rule 7: a case of another commune is 404 on every page and API route; a province monitor reads the
    case but is shown no button and cannot act."""
    case = new_case(session)
    make_officer(session, commune_code=other_commune(session), username="xa.khac", roles=(Role.RECEPTION,))
    make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    session.commit()
    login(client, "xa.khac")
    assert client.get(f"/feedback/{case.id}").status_code == 404
    assert client.get(f"/api/v1/feedback/{case.id}").status_code == 404
    assert case.code not in client.get("/feedback").text
    client.cookies.clear()
    login(client, "tinh.theodoi")
    page = client.get(f"/feedback/{case.id}")
    assert page.status_code == 200 and "data-action" not in page.text
    token = csrf_token(client, f"/feedback/{case.id}")
    refused = client.post(f"/feedback/{case.id}/actions/answer",
                          data={"version": case.version, "note": "Trả lời thay xã", "csrf_token": token})
    assert refused.status_code in (403, 409)
    assert "Xã Chí Tiên" in client.get("/feedback").text


def test_the_sender_reads_the_answer_by_code_and_contact_and_rates_it(client: TestClient, session: Session,
                                                                     team: dict) -> None:
    """The sender's page: code + the phone or email they gave (a wrong pair is 404, counted like a lookup); once
    answered, "Hài lòng" / "Không hài lòng", once (indicator 5.3); the published answer is public without the
    sender's name."""
    case = act(session, team["reception"], new_case(session), CaseAction.ANSWER, T0 + timedelta(hours=1),
               note="Đã bố trí thêm một quầy vào buổi sáng.")
    act(session, team["reception"], case, CaseAction.PUBLISH, T0 + timedelta(hours=2))
    session.commit()
    token = csrf_token(client, "/phan-anh/tra-loi")
    assert client.post("/phan-anh/tra-loi", data={"code": case.code, "contact": "0900000000",
                                                  "csrf_token": token}).status_code == 404
    found = client.post("/phan-anh/tra-loi", data={"code": case.code, "contact": "0987654321", "csrf_token": token},
                        follow_redirects=False)
    assert found.status_code == 303
    page = client.get(found.headers["location"]).text
    assert "Đã bố trí thêm một quầy" in page and 'name="satisfied" value="yes"' in page
    link = re.search(r'name="t" value="([^"]+)"', page).group(1)
    rated = client.post("/phan-anh/tra-loi", data={"t": link, "satisfied": "yes", "csrf_token": token})
    assert rated.status_code == 200 and "Ông/Bà đã đánh giá kết quả trả lời" in rated.text
    again = client.post("/phan-anh/tra-loi", data={"t": link, "satisfied": "no", "csrf_token": token})
    assert again.status_code == 409
    session.refresh(case)
    assert case.sender_satisfied is True and case.status == CaseStatus.PUBLISHED
    public = client.get("/phan-anh/cong-khai").text
    assert "Đã bố trí thêm một quầy" in public and case.sender_name not in public


# ------------------------------------------------------------------------------------------ the API


def test_the_api_receives_feedback_with_an_idempotency_key_and_officers_read_it(client: TestClient,
                                                                                session: Session) -> None:
    """POST /api/v1/feedback is public and honours Idempotency-Key (201, then 200 with the same case; 409 for
    another body under the same key); reading cases needs credentials (401) and a role (403)."""
    body = {**FORM, "phone": "0987654321", "email": None, "dossier_code": None}
    headers = {"Idempotency-Key": "kiosk-20261123-0001"}
    first = client.post("/api/v1/feedback", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/feedback", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]
    other = client.post("/api/v1/feedback", json={**body, "subject": "Khác"}, headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    bad = client.post("/api/v1/feedback", json={**body, "phone": "123"})
    assert bad.status_code == 422 and "phone" in bad.json()["error"]["fields"]
    assert client.get("/api/v1/feedback").status_code == 401
    make_officer(session, username="chuyenvien", roles=(Role.SPECIALIST,))
    make_officer(session, username="tiepnhan", roles=(Role.RECEPTION,))
    login(client, "chuyenvien")
    assert client.get("/api/v1/feedback").status_code == 403
    client.cookies.clear()
    login(client, "tiepnhan")
    listing = client.get("/api/v1/feedback").json()
    assert listing["total"] == 1 and listing["items"][0]["allowed_actions"] == ["refuse", "ask_more", "answer"]
    one = client.get(f"/api/v1/feedback/{listing['items'][0]['id']}").json()
    assert one["events"][0]["action"] == "receive" and one["sender_phone"] == "0987654321"


def test_the_api_rates_a_dossier_once(client: TestClient, session: Session, team: dict, tmp_path: Path) -> None:
    """POST /api/v1/ratings: code + last 4 digits (404 on a wrong pair), 201 once, 409 the second time."""
    d = returned_dossier(session, team, tmp_path)
    session.commit()
    scores = {c.key: 2 for c in CRITERIA if not c.optional}
    body = {"code": d.code, "secret": "5678", "scores": scores, "channel": "counter"}
    assert client.post("/api/v1/ratings", json={**body, "secret": "1111"}).status_code == 404
    first = client.post("/api/v1/ratings", json=body)
    assert first.status_code == 201 and first.json()["satisfied"] is True
    second = client.post("/api/v1/ratings", json=body)
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_rated"
