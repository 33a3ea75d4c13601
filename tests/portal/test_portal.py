"""The citizen portal through its pages, on SQLite and PostgreSQL: signing in with a one-time code, filing online,
the acceptance within 8 working hours, the online supplement, withdrawal, the result, assisted filing, payment."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import func, select

from motcua.base.roles import Role
from motcua.calendar import to_vietnam_time
from motcua.dossier.actions import perform
from motcua.dossier.models import Dossier, DossierDocument, FilingConsent
from motcua.dossier.schemas import ActionIn
from motcua.notify.models import NotificationOutbox
from motcua.notify.senders import expand_codes
from motcua.portal.actions.accounts import OTP_PER_DESTINATION
from motcua.portal.models import CitizenAccount, DossierDraft, DraftFile
from tests.factories import CHI_TIEN, HKD, TEST_SECRET_KEY, VALID_ID, csrf_token, login, make_officer, pdf_bytes, staff

PHONE = "0912345678"
OTHER_PHONE = "0987654321"


def last_code(session: Any, destination: str) -> str:
    body = session.scalar(select(NotificationOutbox.body).where(NotificationOutbox.recipient == destination,
                                                               NotificationOutbox.kind == "otp")
                          .order_by(NotificationOutbox.id.desc()).limit(1))
    assert body and not re.search(r"\b\d{6}\b", body), "the outbox holds a reference, never the code"
    match = re.search(r"\b(\d{6})\b", expand_codes(body, TEST_SECRET_KEY))  # as the sender does when it leaves
    assert match, "no one-time code was queued"
    return match.group(1)


def sign_in(client: Any, session: Any, destination: str = PHONE, name: str = "Đặng Văn Đức") -> None:
    token = csrf_token(client, "/cong-dan/dang-nhap")
    sent = client.post("/cong-dan/dang-nhap", data={"destination": destination, "csrf_token": token})
    assert sent.status_code == 200, sent.text
    code = last_code(session, destination.replace(" ", ""))
    done = client.post("/cong-dan/xac-thuc", data={"destination": destination.replace(" ", ""), "code": code,
                                                   "full_name": name, "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303, done.text


def new_draft(client: Any, procedure: str = HKD, commune: str = CHI_TIEN) -> int:
    token = csrf_token(client, "/cong-dan/thu-tuc")
    made = client.post("/cong-dan/ho-so-nhap", data={"procedure_code": procedure, "commune_code": commune,
                                                     "csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


FIELDS = {"applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": PHONE,
          "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ"}


def save(client: Any, draft_id: int, *, intent: str = "save", files: dict[str, tuple[str, bytes, str]] | None = None,
         **fields: str) -> Any:
    token = csrf_token(client, f"/cong-dan/ho-so-nhap/{draft_id}")
    return client.post(f"/cong-dan/ho-so-nhap/{draft_id}", data={**FIELDS, **fields, "intent": intent,
                                                                 "csrf_token": token},
                       files={f"file_{k}": v for k, v in (files or {}).items()}, follow_redirects=False)


def file_online(client: Any, session: Any) -> Dossier:
    draft_id = new_draft(client)
    sent = save(client, draft_id, intent="submit", files={"giay_de_nghi": ("de-nghi.pdf", pdf_bytes(),
                                                                           "application/pdf")})
    assert sent.status_code == 303, sent.text
    dossier_id = int(sent.headers["location"].split("/")[-1].split("?")[0])
    return session.get(Dossier, dossier_id)


# ------------------------------------------------------------------------------------------------ accounts


def test_sign_up_by_phone_creates_the_account_once_and_opens_a_session(client, session):
    """The first sign-in with a verified code is the sign-up; the account holds the normalised phone."""
    sign_in(client, session, destination="0912 345 678")
    account = session.scalar(select(CitizenAccount).where(CitizenAccount.phone == PHONE))
    assert account is not None and account.full_name == "Đặng Văn Đức"
    page = client.get("/cong-dan")
    assert page.status_code == 200 and "Xin chào" in page.text


def test_a_code_is_used_once_and_a_wrong_code_is_refused_next_to_the_field(client, session):
    """A one-time code opens one session; a wrong one shows the error beside the code field (house rule 9)."""
    token = csrf_token(client, "/cong-dan/dang-nhap")
    client.post("/cong-dan/dang-nhap", data={"destination": PHONE, "csrf_token": token})
    code = last_code(session, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    bad = client.post("/cong-dan/xac-thuc", data={"destination": PHONE, "code": wrong, "full_name": "An",
                                                  "csrf_token": token})
    assert bad.status_code == 422 and "không đúng" in bad.text and 'id="code-error"' in bad.text
    ok = client.post("/cong-dan/xac-thuc", data={"destination": PHONE, "code": code, "full_name": "Lê An",
                                                 "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    client.cookies.clear()
    again = client.post("/cong-dan/xac-thuc", data={"destination": PHONE, "code": code, "full_name": "Lê An",
                                                    "csrf_token": csrf_token(client, "/cong-dan/dang-nhap")})
    assert again.status_code == 422


def test_codes_to_one_destination_are_throttled(client, session):
    """At most 3 codes per destination in 15 minutes: the SMS budget cannot be drained (429, in Vietnamese)."""
    token = csrf_token(client, "/cong-dan/dang-nhap")
    for _ in range(OTP_PER_DESTINATION):
        assert client.post("/cong-dan/dang-nhap", data={"destination": PHONE, "csrf_token": token}).status_code == 200
    refused = client.post("/cong-dan/dang-nhap", data={"destination": PHONE, "csrf_token": token})
    assert refused.status_code == 429 and "quá nhiều" in refused.text


@pytest.mark.parametrize("destination", ["12345", "09123456789012", "a@b", "khong-phai-email"])
def test_a_malformed_phone_or_email_is_refused(client, destination):
    token = csrf_token(client, "/cong-dan/dang-nhap")
    refused = client.post("/cong-dan/dang-nhap", data={"destination": destination, "csrf_token": token})
    assert refused.status_code == 422 and 'id="destination-error"' in refused.text


def test_citizen_pages_send_a_visitor_to_the_citizen_sign_in(client):
    page = client.get("/cong-dan/ho-so/1", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/cong-dan/dang-nhap?next=")


# ------------------------------------------------------------------------------------------------ filing


def test_filing_online_submits_with_a_code_an_acceptance_due_and_an_alert_to_reception(client, session):
    """Art. 17(2): the online dossier is acknowledged at once (its Art. 28 code), the centre's reception officers are
    alerted, and it is to be accepted within 8 working hours: Mon 23/11/2026 10:00 + 8 h, Tuesday 24/11 being a day
    off in this calendar (Culture Day), is Wed 25/11 10:00 (07:30–11:30, 13:00–17:00)."""
    reception = make_officer(session, commune_code=CHI_TIEN, roles=(Role.RECEPTION,), with_post=False)
    reception.email = "tiepnhan@chitien.example.vn"
    session.flush()
    sign_in(client, session)
    dossier = file_online(client, session)
    assert dossier.status == "submitted" and dossier.channel == 2 and dossier.filed_by == "citizen"
    assert re.fullmatch(r".+-261123-\d{4}", dossier.code)
    due = to_vietnam_time(dossier.due_at.replace(tzinfo=dossier.due_at.tzinfo or UTC))
    assert (due.date().isoformat(), due.hour, due.minute) == ("2026-11-25", 10, 0)
    assert dossier.clock_events == []  # the procedure's clock waits for the acceptance
    alerts = session.scalars(select(NotificationOutbox).where(NotificationOutbox.dossier_id == dossier.id,
                                                              NotificationOutbox.kind == "staff_alert")).all()
    assert {(a.channel, a.recipient) for a in alerts} == {("email", "tiepnhan@chitien.example.vn"),
                                                          ("sms", reception.phone)}
    acks = session.scalars(select(NotificationOutbox.kind).where(NotificationOutbox.dossier_id == dossier.id,
                                                                 NotificationOutbox.kind == "submitted")).all()
    assert acks  # SMS and Zalo to the applicant's phone
    page = client.get(f"/cong-dan/ho-so/{dossier.id}")
    assert dossier.code in page.text and "Chờ tiếp nhận" in page.text


def test_a_double_submit_of_a_draft_makes_one_dossier(client, session):
    """Two submissions of the same draft (a double click, a second tab): one dossier, the second answers with it."""
    sign_in(client, session)
    draft_id = new_draft(client)
    files = {"giay_de_nghi": ("de-nghi.pdf", pdf_bytes(), "application/pdf")}
    first = save(client, draft_id, intent="submit", files=files)
    second = save(client, draft_id, intent="submit")
    assert first.status_code == 303
    assert second.status_code == 409 or second.headers.get("location") == first.headers["location"]
    assert session.scalar(select(func.count()).select_from(Dossier)) == 1


def test_a_draft_keeps_what_was_typed_and_refuses_submission_without_the_mandatory_documents(client, session):
    """An online dossier carries every mandatory document; the refusal says which, and loses nothing typed."""
    sign_in(client, session)
    draft_id = new_draft(client)
    refused = save(client, draft_id, intent="submit", address="Thôn Đồng, xã Chí Tiên")
    assert refused.status_code == 422 and "Còn thiếu" in refused.text
    draft = session.get(DossierDraft, draft_id)
    session.refresh(draft)
    assert draft.fields["address"] == "Thôn Đồng, xã Chí Tiên" and draft.submitted_at is None
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0


def zip_bomb() -> bytes:
    """A zip whose one member inflates to 1 GB: refused from its first bytes, never opened."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("giay-to.pdf", b"\0" * (50 * 1024 * 1024))  # 50 MB of zeros compress to ~50 kB
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("giay-to.docx", b"PK\x03\x04" + b"\0" * 100, "ZIP"),
    ("giay-to.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 64, "mã thực thi"),
    ("giay-to.pdf", None, "ZIP"),  # the zip bomb
    ("../../etc/passwd.pdf", b"%PDF-", "đường dẫn"),
    (".htaccess.pdf", b"%PDF-", "đường dẫn"),
    ("big.pdf", b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024), "MB"),
])
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(client, session, name, data, expected):
    """Wrong type, a renamed executable, a zip bomb, a path in the name, an oversized file: each refused beside its
    field in Vietnamese; the draft gets no file and the store keeps nothing."""
    sign_in(client, session)
    draft_id = new_draft(client)
    payload = zip_bomb() if data is None else data
    answer = save(client, draft_id, files={"giay_de_nghi": (name, payload, "application/pdf")})
    assert answer.status_code == 422 and expected in answer.text, answer.text[-600:]
    assert 'id="file_giay_de_nghi-error"' in answer.text
    assert session.scalar(select(func.count()).select_from(DraftFile)) == 0


def test_every_citizen_route_with_another_citizens_object_is_404(client, session, app):
    """Walks every /cong-dan route with a path parameter, filled with another citizen's dossier, draft, file and
    document: each answers 404 (house rule 7), never a redirect or someone else's data. A new parameter fails the
    test until it is mapped here."""
    from motcua.app import route_table

    sign_in(client, session)
    dossier = file_online(client, session)
    draft_id = new_draft(client)
    save(client, draft_id, files={"giay_de_nghi": ("de-nghi.pdf", pdf_bytes(), "application/pdf")})
    values = {"dossier_id": dossier.id, "draft_id": draft_id, "form": "receipt",
              "file_id": session.scalar(select(DraftFile.id).where(DraftFile.draft_id == draft_id)),
              "document_id": session.scalar(select(DossierDocument.id).where(DossierDocument.dossier_id == dossier.id))}
    client.cookies.clear()
    sign_in(client, session, destination=OTHER_PHONE, name="Hà Thị Mai")
    token = csrf_token(client, "/cong-dan")
    checked = 0
    for route in route_table(app):
        names = re.findall(r"\{(\w+)\}", route.path)
        if not route.path.startswith("/cong-dan/") or not names:
            continue
        assert set(names) <= set(values), f"{route.path}: map {set(names) - set(values)} in this test"
        path = route.path
        for name in names:
            path = path.replace("{" + name + "}", str(values[name]))
        for method in sorted(route.methods - {"HEAD"}):
            answer = client.request(method, path, data={"csrf_token": token, "version": "1", "fee_index": "0",
                                                        "reason": "Kiểm tra quyền truy cập"})
            assert answer.status_code == 404, (method, path, answer.status_code)
            assert "Đặng Văn Đức" not in answer.text
            checked += 1
    assert checked >= 8


# ------------------------------------------------------------------------------------------------ following


def test_online_supplement_restarts_the_clock_and_the_result_is_downloaded(client, session, clock):
    """The whole online life: accepted (the clock starts, Art. 17(3)), asked once to supplement (paused, Art. 19(5)),
    supplied online (still paused until the centre confirms it complete, then restarted from zero), approved with an
    electronic result (Art. 22) the citizen downloads."""
    people = staff(session)
    sign_in(client, session)
    dossier = file_online(client, session)
    now = clock.now()

    def act(who: str, action: str, **extra: Any) -> None:
        perform(session, actor=people[who], dossier_id=dossier.id, action=action,
                data=ActionIn(version=dossier.version, **extra), now=now)
        session.refresh(dossier)

    act("reception", "accept_online")
    assert dossier.status == "received" and dossier.clock_events[0]["type"] == "started"
    act("reception", "transfer")
    handler = people["specialist"]
    act("approver", "assign", handler_id=handler.id)
    act("specialist", "request_supplement", note="Bổ sung bản sao hợp đồng thuê địa điểm kinh doanh.")
    page = client.get(f"/cong-dan/ho-so/{dossier.id}")
    assert "Bổ sung bản sao hợp đồng thuê" in page.text and "Nộp bổ sung" in page.text
    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    supplied = client.post(f"/cong-dan/ho-so/{dossier.id}/bo-sung",
                           data={"version": dossier.version, "file_keys": "giay_de_nghi", "csrf_token": token},
                           files={"files": ("hop-dong.pdf", pdf_bytes(), "application/pdf")}, follow_redirects=False)
    assert supplied.status_code == 303, supplied.text
    session.refresh(dossier)
    assert dossier.status == "supplement_submitted"
    assert dossier.clock_events[-1]["type"] == "paused"
    act("reception", "confirm_supplement")
    assert dossier.status == "in_appraisal"
    assert [e["type"] for e in dossier.clock_events][-2:] == ["paused", "restarted"]
    kinds = session.scalars(select(DossierDocument.kind).where(DossierDocument.dossier_id == dossier.id)).all()
    assert sorted(kinds) == ["input", "supplement"]
    act("specialist", "submit_for_approval")
    from motcua.dossier.actions import Upload, add_document

    add_document(session, actor=people["approver"], dossier_id=dossier.id, upload=Upload(None, "giay-cn.pdf",
                 pdf_bytes()), store=client.app.state.files, now=now, kind="result")
    act("approver", "approve", result_summary="Giấy chứng nhận đăng ký hộ kinh doanh số 25A8001234")
    page = client.get(f"/cong-dan/ho-so/{dossier.id}")
    link = re.search(r'href="(/cong-dan/ho-so/\d+/ket-qua/\d+)"', page.text)
    assert link, page.text
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")


def test_a_result_is_not_downloadable_before_the_decision(client, session, clock):
    """The electronic result is the citizen's only once the result is ready (Art. 22): before, neither downloaded nor
    listed on the citizen's page."""
    people = staff(session)
    sign_in(client, session)
    dossier = file_online(client, session)
    for who, action, extra in (("reception", "accept_online", {}), ("reception", "transfer", {}),
                               ("approver", "assign", {"handler_id": people["specialist"].id}),
                               ("specialist", "submit_for_approval", {})):
        perform(session, actor=people[who], dossier_id=dossier.id, action=action,
                data=ActionIn(version=dossier.version, **extra), now=clock.now())
        session.refresh(dossier)
    from motcua.dossier.actions import Upload, add_document

    add_document(session, actor=people["approver"], dossier_id=dossier.id, upload=Upload(None, "kq.pdf", pdf_bytes()),
                 store=client.app.state.files, now=clock.now(), kind="result")
    doc_id = session.scalar(select(DossierDocument.id).where(DossierDocument.kind == "result"))
    assert client.get(f"/cong-dan/ho-so/{dossier.id}/ket-qua/{doc_id}").status_code == 404
    # nor offered on the citizen's page: a link there would lead to the 404 above
    assert f"/ket-qua/{doc_id}" not in client.get(f"/cong-dan/ho-so/{dossier.id}").text


def test_the_online_filer_withdraws_before_acceptance_without_a_clock(client, session):
    """Art. 21: an online filer may withdraw their own dossier; before acceptance no clock ever ran."""
    sign_in(client, session)
    dossier = file_online(client, session)
    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    short = client.post(f"/cong-dan/ho-so/{dossier.id}/rut", data={"version": dossier.version, "reason": "x",
                                                                 "csrf_token": token})
    assert short.status_code == 422
    done = client.post(f"/cong-dan/ho-so/{dossier.id}/rut", data={
        "version": dossier.version, "reason": "Tôi nộp nhầm thủ tục.", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    session.refresh(dossier)
    assert dossier.status == "withdrawn" and dossier.clock_events == [] and dossier.ended_at is not None


def test_a_stale_withdrawal_is_a_conflict_and_changes_nothing(client, session, clock):
    """Two hands on one dossier: the citizen acting on an old page after the centre accepted it gets 409."""
    people = staff(session)
    sign_in(client, session)
    dossier = file_online(client, session)
    seen = dossier.version
    perform(session, actor=people["reception"], dossier_id=dossier.id, action="accept_online",
            data=ActionIn(version=seen), now=clock.now())
    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    stale = client.post(f"/cong-dan/ho-so/{dossier.id}/rut", data={"version": seen, "reason": "Không cần nữa.",
                                                                 "csrf_token": token})
    assert stale.status_code == 409
    session.refresh(dossier)
    assert dossier.status == "received"


# ------------------------------------------------------------------------------------------------ assisted filing


def test_a_volunteer_files_for_a_citizen_with_the_code_the_citizen_reads_back(client, session):
    """Assisted filing (docs/legal.md §9): consent by a code sent to the citizen's own phone; the dossier says a
    volunteer filed it, so it is counted apart from citizens' own online filing (Decision 766, 3.3)."""
    volunteer = make_officer(session, commune_code=CHI_TIEN, roles=(Role.VOLUNTEER,), with_post=False)
    assert login(client, volunteer.username).status_code == 303
    token = csrf_token(client, f"/ho-tro-nop?procedure={HKD}")
    sent = client.post("/ho-tro-nop/ma-dong-y", data={"phone": OTHER_PHONE, "csrf_token": token})
    assert sent.status_code == 200
    form = {"procedure_code": HKD, "commune_code": CHI_TIEN, "applicant_name": "Hà Thị Mai", "id_number": VALID_ID,
            "phone": OTHER_PHONE, "address": "Xóm Trại, xã Chí Tiên", "consent_method": "otp", "csrf_token": token,
            "file_keys": "giay_de_nghi"}
    files = {"files": ("de-nghi.pdf", pdf_bytes(), "application/pdf")}
    wrong = client.post("/ho-tro-nop", data={**form, "consent_code": "999999" if last_code(
        session, OTHER_PHONE) != "999999" else "888888"}, files=files)
    assert wrong.status_code == 422 and "Mã xác nhận" in wrong.text
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    done = client.post("/ho-tro-nop", data={**form, "consent_code": last_code(session, OTHER_PHONE)}, files=files)
    assert done.status_code == 200, done.text
    dossier = session.scalar(select(Dossier))
    assert (dossier.status, dossier.channel, dossier.filed_by) == ("submitted", 2, "volunteer")
    consent = session.scalar(select(FilingConsent).where(FilingConsent.dossier_id == dossier.id))
    assert consent.method == "otp" and consent.helper_id == volunteer.id


def test_only_volunteers_and_reception_may_file_for_someone(client, session):
    specialist = make_officer(session, commune_code=CHI_TIEN, roles=(Role.SPECIALIST,), with_post=False)
    login(client, specialist.username)
    assert client.get("/ho-tro-nop").status_code == 403


# ------------------------------------------------------------------------------------------------ payment


def test_a_fee_paid_through_the_gateway_marks_the_dossier_paid_online_once(client, session, app):
    """Art. 24(3), indicator 3.6: the gateway's signed return marks the dossier paid online; a forged return is
    refused; the same return twice settles once."""
    from motcua.integrations.simulators import PaymentSimulator

    with PaymentSimulator() as gateway:
        settings = app.state.settings
        settings.payment_url, settings.payment_merchant = gateway.base_url, gateway.merchant_id
        settings.payment_secret = gateway.secret
        sign_in(client, session)
        dossier = file_online(client, session)
        token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
        started = client.post(f"/cong-dan/ho-so/{dossier.id}/thanh-toan", data={"fee_index": 0, "csrf_token": token},
                              follow_redirects=False)
        assert started.status_code == 303 and started.headers["location"].startswith(gateway.base_url)
        provider_ref = started.headers["location"].rstrip("/").rsplit("/", 1)[1]
        back = gateway.pay(provider_ref)
        query = back.split("?", 1)[1]
        forged = client.get("/cong-dan/thanh-toan/ket-qua?" + query.replace("pay_amount=", "pay_amount=1"))
        assert forged.status_code == 422
        session.refresh(dossier)
        assert dossier.paid_online is False
        for _ in range(2):
            settled = client.get("/cong-dan/thanh-toan/ket-qua?" + query, follow_redirects=False)
            assert settled.status_code == 303 and "paid=paid" in settled.headers["location"]
        session.refresh(dossier)
        assert dossier.paid_online is True


def test_the_demo_clock_is_monday_morning(clock):
    """The scenario above assumes Mon 23/11/2026 10:00 in Hà Nội (the fixture's clock)."""
    local = to_vietnam_time(clock.now())
    assert (local.date(), local.hour, local.minute) == (datetime(2026, 11, 23).date(), 10, 0)


def test_the_sms_simulator_shows_its_inbox_so_a_demo_can_read_the_codes():
    """With the simulators (make run), a one-time code goes to the SMS simulator; its inbox page shows it."""
    import httpx

    from motcua.integrations.simulators import SmsSimulator

    with SmsSimulator() as sms:
        empty = httpx.get(sms.base_url + "/")
        assert empty.status_code == 200 and "Chưa có tin nhắn" in empty.text
        sent = httpx.post(sms.base_url + "/v1/messages", headers={"Authorization": f"Bearer {sms.api_key}"},
                          json={"to": "84912345678", "text": "Ma xac thuc: 123456", "brandname": sms.brandname})
        assert sent.status_code == 201, sent.text
        inbox = httpx.get(sms.base_url + "/")
        assert "Ma xac thuc: 123456" in inbox.text and "84912345678" in inbox.text


def test_an_online_dossier_not_accepted_within_8_working_hours_is_marked_overdue_in_the_inbox(client, session):
    """Art. 17(2): accepted or asked to supplement within 8 working hours; the counter's inbox says "Chờ tiếp nhận"
    with that limit before it, and "Quá hạn tiếp nhận" in red past it (issue 16, item 6: the clock in words)."""
    from datetime import timedelta

    from motcua.dossier.clock import badge_of

    sign_in(client, session)
    dossier = file_online(client, session)
    due = dossier.due_at if dossier.due_at.tzinfo else dossier.due_at.replace(tzinfo=UTC)
    before = badge_of(session, dossier, due - timedelta(minutes=1))
    assert before.kind == "awaiting_acceptance" and before.text.startswith("Chờ tiếp nhận — hạn ")
    after = badge_of(session, dossier, due + timedelta(minutes=1))
    assert (after.kind, after.tone) == ("acceptance_late", "late")


def test_procedures_are_found_without_diacritics_with_their_fees_in_dong(client, session):
    """The search matches every word without diacritics; a fee reads as Vietnamese write it (100.000 đ)."""
    sign_in(client, session)
    page = client.get("/cong-dan/thu-tuc", params={"q": "dang ky ho kinh doanh"})
    assert f'data-procedure="{HKD}"' in page.text and "100.000 đ" in page.text
    assert 'data-procedure="1.001193"' not in page.text  # khai sinh does not match


def test_the_commune_picker_groups_by_province_and_chooses_nothing_for_the_citizen(client, session):
    """Issue 16 (9): 3,321 communes in one list repeated 246 names and defaulted to a commune in Hà Nội. The
    picker groups them by province, preselects none on a first visit, and then the commune of the citizen's
    latest draft; each option carries its folded name and province for type-to-search without diacritics."""
    sign_in(client, session)
    page = client.get("/cong-dan/thu-tuc", params={"q": "ho kinh doanh"}).text
    picker = page[page.index('<select id="commune_code"'):page.index("</select>")]
    assert '<option value="" selected>' in picker and picker.count(" selected") == 1
    assert '<optgroup label="Tỉnh Phú Thọ">' in picker
    assert f'value="{CHI_TIEN}" data-search="xa chi tien tinh phu tho"' in picker
    assert 'data-filter-for="commune_code"' in page and "/static/picker.js" in page
    empty = client.post("/cong-dan/ho-so-nhap", data={"procedure_code": HKD, "commune_code": "",
                                                      "csrf_token": csrf_token(client, "/cong-dan/thu-tuc")})
    assert empty.status_code == 422 and "Chọn xã, phường giải quyết hồ sơ" in empty.text
    new_draft(client)
    picker = client.get("/cong-dan/thu-tuc", params={"q": "ho kinh doanh"}).text
    assert f'value="{CHI_TIEN}" data-search="xa chi tien tinh phu tho" selected' in picker


def test_a_signed_in_citizen_is_not_offered_the_officers_login(client, session):
    """Issue 16 (9): after signing in, the header's "Đăng nhập" led to the officers' login page."""
    sign_in(client, session)
    header = client.get("/cong-dan").text.split("</header>")[0]
    assert 'href="/login"' not in header and 'action="/cong-dan/dang-xuat"' in header


def test_the_sign_in_field_opens_the_number_pad_unless_the_citizen_chose_email(client):
    """Issue 16 (9): most citizens sign in with a phone number; its field must open the number pad. A citizen with
    an e-mail address switches to the letters' keyboard with a link, and a refused address keeps that keyboard."""
    field = re.compile(r'<input id="destination"[^>]*>', re.S)
    assert 'inputmode="tel"' in field.search(client.get("/cong-dan/dang-nhap").text).group(0)
    page = client.get("/cong-dan/dang-nhap", params={"via": "email"}).text
    assert 'inputmode="email"' in field.search(page).group(0)
    refused = client.post("/cong-dan/dang-nhap", data={"destination": "khong-phai@", "csrf_token":
                                                       csrf_token(client, "/cong-dan/dang-nhap")})
    assert refused.status_code == 422 and 'inputmode="email"' in field.search(refused.text).group(0)
