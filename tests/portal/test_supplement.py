"""Supplements as Decree 118/2025/NĐ-CP and the national portal expect, through the portal's pages and the workflow,
on SQLite and PostgreSQL (docs/legal.md §3, §7):

* an online dossier found incomplete at reception is asked to supplement *in place* (Art. 17(1)-(2)): same dossier,
  same code, the request's reasons and list on the citizen's page, the upload into that dossier;
* the citizen's upload does not move the clock: a centre officer confirms the supplement complete — the clock then
  starts (before acceptance, Art. 17(3)) or restarts from zero with a new appointment (Art. 19(5)) — or finds it still
  incomplete and asks again, a second request that the index counts late (Art. 11(2)(c), §7);
* a request after the procedure's window (3 working days from receipt unless sector law sets another) is allowed and
  recorded late (Art. 19(5));
* a wrong or oversized file loses nothing; a double submit is one supplement; two officers confirming at once: one
  conflict.

Instants are Vietnam time (UTC+7); every expected date is counted here by hand, with the Civil Code's rule (the day
of the event is not counted, a term ends at 17:00 of its last working day) and Culture Day (Tue 24/11/2026) off.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.calendar import VIETNAM_TZ
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.schemas import ProcedureIn
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.clock import dossier_ledger
from motcua.dossier.models import Dossier, DossierDocument, DossierEvent
from motcua.dossier.queries import InboxFilter, inbox
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action, Status
from motcua.index.facts import supplement_requests
from motcua.index.judge import DossierFacts, judge
from motcua.kit.clock import FixedClock, as_utc
from motcua.kit.errors import Conflict, ValidationFailed
from motcua.notify.models import NotificationOutbox
from tests.factories import csrf_token, intake_data, login, make_officer, pdf_bytes, principal_of, staff
from tests.portal.test_portal import PHONE, file_online, sign_in

MISSING_KEY = "quyen_su_dung_dia_diem"  # of 1.001612 (household business, 3 working days)
MISSING_NAME = "Bản sao hợp đồng thuê, mượn địa điểm"


def vn(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM_TZ)


def act(session: Session, who: Any, dossier: Dossier, action: Action, at: datetime, **extra: Any) -> Dossier:
    done = perform(session, actor=who, dossier_id=dossier.id, action=action,
                   data=ActionIn(version=dossier.version, **extra), now=at)
    session.refresh(done)
    return done


def move_to(clock: FixedClock, at: datetime) -> None:
    clock.advance(at - clock.now())


def upload(client: Any, dossier: Dossier, *, version: int | None = None, name: str = "hop-dong.pdf",
           content: bytes | None = None) -> Any:
    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    return client.post(f"/cong-dan/ho-so/{dossier.id}/bo-sung",
                       data={"version": version or dossier.version, "file_keys": MISSING_KEY, "csrf_token": token},
                       files={"files": (name, content if content is not None else pdf_bytes(), "application/pdf")},
                       follow_redirects=False)


def asked_after_appraisal(client: Any, session: Session, people: dict[str, Any], clock: FixedClock,
                          asked_at: datetime) -> Dossier:
    """Filed online Mon 23/11 10:00 and accepted at once (due Fri 27/11 17:00: Wed, Thu, Fri), transferred, assigned;
    the specialist asks for the lease at ``asked_at``."""
    sign_in(client, session)
    d = file_online(client, session)
    start = clock.now()
    d = act(session, people["reception"], d, Action.ACCEPT_ONLINE, start)
    d = act(session, people["reception"], d, Action.TRANSFER, start)
    d = act(session, people["approver"], d, Action.ASSIGN, start, handler_id=people["specialist"].id)
    return act(session, people["specialist"], d, Action.REQUEST_SUPPLEMENT, asked_at,
               note="Bổ sung bản sao hợp đồng thuê địa điểm kinh doanh.", missing=[MISSING_KEY])


def facts_of(dossier: Dossier, session: Session) -> DossierFacts:
    return DossierFacts(received_at=as_utc(dossier.received_at), ledger=dossier_ledger(session, dossier),
                        processed_at=None, returned_at=None, ended_at=None,
                        supplement_requests=supplement_requests(dossier.clock_events),
                        original_due_at=as_utc(dossier.original_due_at))


def test_an_online_dossier_is_supplemented_in_place_and_the_clock_starts_at_the_confirmation(client, session, clock):
    """Art. 17(1)-(2): an incomplete online dossier gets the supplement request (reasons and list) and keeps its
    dossier and code; the citizen uploads into it; Art. 17(3): the time limit runs only from the centre's confirmation
    that it is complete. Asked Mon 23/11 14:00; uploaded Wed 25/11 09:00 (no clock yet); confirmed Thu 26/11 15:00:
    3 working days = Fri 27/11, Mon 30/11, Tue 1/12 → due Tue 1/12 17:00."""
    people = staff(session)
    sign_in(client, session)
    d = file_online(client, session)
    code = d.code
    assert d.status == Status.SUBMITTED
    d = act(session, people["reception"], d, Action.REQUEST_ONLINE_SUPPLEMENT, vn(23, 14),
            note="Thiếu bản sao hợp đồng thuê địa điểm kinh doanh.", missing=[MISSING_KEY])
    assert d.status == Status.INTAKE_SUPPLEMENT and d.code == code and d.ended_at is None
    assert d.clock_events == [] and d.due_at is None
    page = client.get(f"/cong-dan/ho-so/{d.id}")
    assert "Thiếu bản sao hợp đồng thuê" in page.text and MISSING_NAME in page.text
    assert f'action="/cong-dan/ho-so/{d.id}/bo-sung"' in page.text
    # 15 days from the request (Art. 19(5), by analogy): 24/11 is day 1, 8/12 day 15, until 17:00
    assert "08/12/2026</strong> (đến 17:00)" in page.text

    move_to(clock, vn(25, 9))
    sent = upload(client, d)
    assert sent.status_code == 303, sent.text
    session.refresh(d)
    assert d.status == Status.INTAKE_SUPPLEMENT_SUBMITTED and d.code == code
    assert d.clock_events == [], "the citizen's upload alone starts no clock"
    rows, _ = inbox(session, people["reception"], InboxFilter(), clock.now())
    assert d.id in [r.id for r in rows]
    assert "Bổ sung chờ xác nhận" in client.get(f"/cong-dan/ho-so/{d.id}").text

    d = act(session, people["reception"], d, Action.ACCEPT_ONLINE, vn(26, 15))
    assert d.status == Status.RECEIVED and d.code == code
    assert d.clock_events[0]["type"] == "started"
    assert datetime.fromisoformat(d.clock_events[0]["at"]) == vn(26, 15)
    assert as_utc(d.due_at) == vn(1, 17, month=12) and as_utc(d.original_due_at) == vn(1, 17, month=12)
    kinds = sorted(session.scalars(select(DossierDocument.kind).where(DossierDocument.dossier_id == d.id)))
    assert kinds == ["input", "supplement"]


def test_an_online_dossier_left_unsupplemented_for_15_days_is_closed_by_the_centre(client, session):
    """Art. 19(5), applied to an online dossier asked in place before acceptance: asked Mon 23/11 14:00, the 15 days
    run to Tue 8/12 17:00; the centre may not close it before, and closes it after (with the stop notice); the
    citizen was told the last day in the notice."""
    people = staff(session)
    sign_in(client, session)
    d = file_online(client, session)
    d = act(session, people["reception"], d, Action.REQUEST_ONLINE_SUPPLEMENT, vn(23, 14),
            note="Thiếu bản sao hợp đồng thuê địa điểm kinh doanh.", missing=[MISSING_KEY])
    with pytest.raises(ValidationFailed, match="15 ngày"):
        act(session, people["reception"], d, Action.CLOSE_UNSUPPLIED, vn(8, 16, month=12))
    session.refresh(d)
    d = act(session, people["reception"], d, Action.CLOSE_UNSUPPLIED, vn(8, 17, 1, month=12))
    assert d.status == Status.CLOSED_UNSUPPLIED and as_utc(d.ended_at) == vn(8, 17, 1, month=12)
    notices = session.scalars(select(NotificationOutbox.body).where(
        NotificationOutbox.dossier_id == d.id, NotificationOutbox.kind == "supplement_requested")).all()
    assert notices and all("08/12/2026" in body for body in notices)


def test_the_clock_restarts_only_when_the_centre_confirms_and_a_second_request_is_late_for_the_index(
        client, session, clock):
    """Art. 19(5): the citizen's upload leaves the clock waiting; the centre finds it still incomplete and asks again
    (a second request: late for the index whatever the dates, Art. 11(2)(c), docs/legal.md §7); the restart from zero
    comes at the confirmation. Asked Wed 25/11 09:00, uploaded Thu 26/11 09:00, asked again Thu 26/11 15:00,
    uploaded Mon 30/11 09:00, confirmed Tue 1/12 10:00: new appointment Wed 2, Thu 3, Fri 4/12 → Fri 4/12 17:00;
    the index subtracts the wall-clock wait from the first request to the confirmation, 6 days 1 hour."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(25, 9))
    assert as_utc(d.original_due_at) == vn(27, 17)

    move_to(clock, vn(26, 9))
    assert upload(client, d).status_code == 303
    session.refresh(d)
    assert d.status == Status.SUPPLEMENT_SUBMITTED
    assert [e["type"] for e in d.clock_events][-1] == "paused"
    assert dossier_ledger(session, d).state(vn(26, 10)).status == "paused"
    login(client, people["reception"].name)
    desk = client.get(f"/dossiers/{d.id}").text
    assert 'id="supplement-to-confirm"' in desk and 'data-action="confirm_supplement"' in desk
    assert 'data-action="request_supplement_again"' in desk
    row = client.get("/dossiers").text.split(f'<a href="/dossiers/{d.id}">', 1)[1].split("</tr>", 1)[0]
    assert "<td>Bổ sung chờ xác nhận</td>" in row  # in the counter's inbox, as a row of its own work

    d = act(session, people["reception"], d, Action.REQUEST_SUPPLEMENT_AGAIN, vn(26, 15),
            note="Hợp đồng thuê chưa có chữ ký của bên cho thuê.", missing=[MISSING_KEY])
    assert d.status == Status.AWAITING_SUPPLEMENT and d.supplement_count == 2
    november = judge(facts_of(d, session), vn(1, 0), vn(1, 0, month=12))
    assert november is not None
    assert november.reason == "supplemented_more_than_once" and not november.on_time
    assert not november.index.on_time and november.index.supplement_requests == 2

    move_to(clock, vn(30, 9))
    assert upload(client, d, name="hop-dong-ky.pdf", content=pdf_bytes() + b"\n% signed\n").status_code == 303
    session.refresh(d)
    assert d.status == Status.SUPPLEMENT_SUBMITTED
    assert "restarted" not in [e["type"] for e in d.clock_events]

    d = act(session, people["reception"], d, Action.CONFIRM_SUPPLEMENT, vn(1, 10, month=12))
    assert d.status == Status.IN_APPRAISAL
    assert as_utc(d.due_at) == vn(4, 17, month=12)
    assert as_utc(d.original_due_at) == vn(27, 17), "the receipt's appointment never moves"
    december = judge(facts_of(d, session), vn(1, 0, month=12), vn(1, 12, month=12))
    assert december is not None and december.due_at == vn(4, 17, month=12)
    assert december.index.waited == timedelta(days=6, hours=1)
    assert not december.index.on_time and december.reason == "supplemented_more_than_once"


def test_a_request_after_the_procedures_window_is_allowed_and_recorded_late(client, session, store):
    """Art. 19(5): a supplement is asked within 3 working days of receipt unless sector law sets another window; after
    it the request still goes out (the citizen keeps the dossier) but is recorded late and the dossier page says so.
    Received Mon 23/11 10:00, asked Thu 26/11 09:00: on time under the general 3 days (window Wed 25, Thu 26, Fri
    27/11 until 17:00); late under a 1-working-day window (Wed 25/11 17:00)."""
    people = staff(session)

    def asked(window: int | None) -> Dossier:
        d = receive_dossier(session, actor=people["reception"], data=intake_data(), uploads=(), store=store,
                            now=vn(23, 10)).dossier
        if window is not None:  # the procedure's data as the catalogue stores a version with its own window
            version = session.get_one(ProcedureVersion, d.procedure_version_id)
            data = copy.deepcopy(version.data)
            data.update(supplement_request_window_wd=window, supplement_request_window_basis="Luật thử nghiệm")
            session.execute(update(ProcedureVersion).where(ProcedureVersion.id == version.id).values(data=data))
            session.expire(version)
        d = act(session, people["reception"], d, Action.TRANSFER, vn(23, 10))
        d = act(session, people["approver"], d, Action.ASSIGN, vn(23, 10), handler_id=people["specialist"].id)
        return act(session, people["specialist"], d, Action.REQUEST_SUPPLEMENT, vn(26, 9),
                   note="Thiếu hợp đồng thuê địa điểm.")

    general = asked(None)
    event = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == general.id,
                                                      DossierEvent.action == "request_supplement")).one()
    assert event.data["late_request"] is False
    assert datetime.fromisoformat(event.data["window_ends"]) == vn(27, 17)

    late = asked(1)
    assert late.status == Status.AWAITING_SUPPLEMENT and late.supplement_count == 1
    event = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == late.id,
                                                      DossierEvent.action == "request_supplement")).one()
    assert event.data["late_request"] is True
    assert datetime.fromisoformat(event.data["window_ends"]) == vn(25, 17)
    login(client, people["specialist"].name)
    page = client.get(f"/dossiers/{late.id}").text
    assert 'data-mark="late-supplement-request"' in page and "17:00 25/11/2026" in page
    assert 'data-mark="late-supplement-request"' not in client.get(f"/dossiers/{general.id}").text


def test_the_catalogue_validates_a_procedures_window(session):
    """Art. 19(5): a procedure's own window is a whole number of working days with its legal ground; without one the
    general 3 working days apply and the procedure's data carries no window at all."""
    shipped = session.scalars(select(ProcedureVersion).limit(1)).one()
    raw = {k: v for k, v in shipped.data.items()}
    with pytest.raises(ValidationError, match="căn cứ pháp"):
        ProcedureIn.model_validate({**raw, "supplement_request_window_wd": 5})
    with pytest.raises(ValidationError):
        ProcedureIn.model_validate({**raw, "supplement_request_window_wd": 0, "supplement_request_window_basis": "x"})
    own = ProcedureIn.model_validate({**raw, "supplement_request_window_wd": 5,
                                      "supplement_request_window_basis": "Nghị định thử nghiệm, Điều 9"})
    assert own.model_dump(mode="json")["supplement_request_window_wd"] == 5
    assert "supplement_request_window_wd" not in ProcedureIn.model_validate(raw).model_dump(mode="json")


@pytest.mark.parametrize("case", ["wrong_type", "oversized"])
def test_a_wrong_or_oversized_file_is_refused_in_vietnamese_and_nothing_is_lost(client, session, clock, case):
    """House rule: bad input loses nothing. A text file named .pdf, or a file over the size limit, is refused with a
    Vietnamese message on the same page; the request still stands and the dossier is as it was."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(23, 11))
    move_to(clock, vn(23, 14))
    before = d.version
    if case == "oversized":
        client.app.state.settings.max_upload_bytes = 2048
        sent = upload(client, d, content=pdf_bytes() + b"\n%" + b"0" * 4096 + b"\n")
    else:
        sent = upload(client, d, content="Đây không phải tệp PDF".encode())
    assert sent.status_code == 422
    assert 'id="supply-error"' in sent.text and "Hồ sơ và yêu cầu bổ sung vẫn giữ nguyên" in sent.text
    assert f'action="/cong-dan/ho-so/{d.id}/bo-sung"' in sent.text  # the form is there to send again
    session.refresh(d)
    assert d.status == Status.AWAITING_SUPPLEMENT and d.version == before
    assert session.scalar(select(func.count()).select_from(DossierDocument).where(
        DossierDocument.dossier_id == d.id, DossierDocument.kind == "supplement")) == 0
    assert upload(client, d).status_code == 303  # and a good file then goes through


def test_a_double_submit_of_the_supplement_is_one_supplement(client, session, clock):
    """The same upload sent twice (a double click, a reload) is one supplement: one document, one timeline line."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(23, 11))
    move_to(clock, vn(23, 14))
    seen = d.version
    first, second = upload(client, d, version=seen), upload(client, d, version=seen)
    assert first.status_code == second.status_code == 303, second.text
    session.refresh(d)
    assert d.status == Status.SUPPLEMENT_SUBMITTED
    assert session.scalar(select(func.count()).select_from(DossierDocument).where(
        DossierDocument.dossier_id == d.id, DossierDocument.kind == "supplement")) == 1
    assert session.scalar(select(func.count()).select_from(DossierEvent).where(
        DossierEvent.dossier_id == d.id, DossierEvent.action == "supply_online")) == 1


def test_two_officers_confirming_the_supplement_at_once_get_one_conflict(client, session, clock):
    """Optimistic locking: both officers saw the same version; the first confirmation restarts the clock (Art. 19(5)),
    the second is a conflict with a Vietnamese message and changes nothing."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(23, 11))
    move_to(clock, vn(23, 14))
    assert upload(client, d).status_code == 303
    session.refresh(d)
    other = principal_of(make_officer(session, roles=(Role.RECEPTION,), with_post=False), Role.RECEPTION)
    seen = d.version
    perform(session, actor=people["reception"], dossier_id=d.id, action=Action.CONFIRM_SUPPLEMENT,
            data=ActionIn(version=seen), now=vn(24, 9))
    with pytest.raises(Conflict, match="cán bộ khác"):
        perform(session, actor=other, dossier_id=d.id, action=Action.CONFIRM_SUPPLEMENT,
                data=ActionIn(version=seen), now=vn(24, 9, 1))
    session.refresh(d)
    assert [e["type"] for e in d.clock_events].count("restarted") == 1
    assert d.status == Status.IN_APPRAISAL


# ------------------------------------------------------------------ several files at once; the public lookup (16.10-11)

LEASE_PAGE_2 = pdf_bytes() + b"\n% page 2\n"
MEETING = "bien_ban_hop"  # another item of the procedure's checklist, which the officer did not list


def test_several_files_in_one_supplement_are_each_recorded_against_their_item(client, session, clock):
    """Issue 16 (10): the citizen's page lists the items the officer asked for, each with its own file input that
    takes several files, and states the deadline — 15 days from the request (Art. 19(5)), asked Mon 23/11 11:00:
    24/11 is day 1, Tue 8/12 day 15, until 17:00. One submit with two pages of the lease (its item's input) and a
    file for another item of the checklist (the other-item picker) is one supplement holding three documents, each
    with its item."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(23, 11))
    move_to(clock, vn(23, 15))
    page = client.get(f"/cong-dan/ho-so/{d.id}").text
    assert f'name="item_{MISSING_KEY}"' in page
    item_input = page.split(f'name="item_{MISSING_KEY}"', 1)[1].split(">", 1)[0]
    assert "multiple" in item_input
    assert 'Hạn nộp bổ sung: <strong id="supplement-due">08/12/2026</strong> (đến 17:00)' in page
    assert "tạm dừng trong khi chờ bổ sung" in page  # the receipt's appointment is not shown as if it held

    move_to(clock, vn(24, 9))
    token = csrf_token(client, f"/cong-dan/ho-so/{d.id}")
    sent = client.post(f"/cong-dan/ho-so/{d.id}/bo-sung", data={
        "version": d.version, "csrf_token": token, "file_keys": MEETING, "note": "Gửi hợp đồng và biên bản họp."},
        files=[(f"item_{MISSING_KEY}", ("hop-dong-1.pdf", pdf_bytes(), "application/pdf")),
               (f"item_{MISSING_KEY}", ("hop-dong-2.pdf", LEASE_PAGE_2, "application/pdf")),
               ("files", ("bien-ban.pdf", pdf_bytes() + b"\n% meeting\n", "application/pdf"))],
        follow_redirects=False)
    assert sent.status_code == 303, sent.text
    session.refresh(d)
    assert d.status == Status.SUPPLEMENT_SUBMITTED
    stored = sorted((key, name) for key, name in session.execute(
        select(DossierDocument.requirement_key, DossierDocument.file_name).where(
            DossierDocument.dossier_id == d.id, DossierDocument.kind == "supplement")))
    assert stored == [(MEETING, "bien-ban.pdf"), (MISSING_KEY, "hop-dong-1.pdf"), (MISSING_KEY, "hop-dong-2.pdf")]
    assert session.scalar(select(func.count()).select_from(DossierEvent).where(
        DossierEvent.dossier_id == d.id, DossierEvent.action == "supply_online")) == 1


@pytest.mark.parametrize("bad", ["wrong_type", "malformed", "not_in_checklist"])
def test_one_bad_file_among_several_keeps_none_and_names_the_file(client, session, clock, bad):
    """House rule: bad input loses nothing. Among several files, a text file, a truncated PDF or a file for an
    item that is not in the procedure's checklist refuses the whole supplement, with a Vietnamese message naming
    the file where a file is at fault; no document is stored and the request still stands."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(23, 11))
    move_to(clock, vn(24, 9))
    before = d.version
    wrong = {"wrong_type": ("ghi-chu.pdf", "Đây không phải tệp PDF".encode()),
             "malformed": ("hong.pdf", pdf_bytes()[:60]),
             "not_in_checklist": ("khac.pdf", LEASE_PAGE_2)}[bad]
    field = "item_khong_co" if bad == "not_in_checklist" else f"item_{MISSING_KEY}"
    token = csrf_token(client, f"/cong-dan/ho-so/{d.id}")
    sent = client.post(f"/cong-dan/ho-so/{d.id}/bo-sung", data={"version": d.version, "csrf_token": token},
                       files=[(f"item_{MISSING_KEY}", ("hop-dong.pdf", pdf_bytes(), "application/pdf")),
                              (field, (wrong[0], wrong[1], "application/pdf"))])
    assert sent.status_code == 422
    message = sent.text.split('id="supply-error">', 1)[1].split("</p>", 1)[0]
    if bad == "not_in_checklist":
        assert "không thuộc thành phần hồ sơ" in message
    else:
        assert f"Tệp “{wrong[0]}”" in message
    assert "Hồ sơ và yêu cầu bổ sung vẫn giữ nguyên" in message
    session.refresh(d)
    assert d.status == Status.AWAITING_SUPPLEMENT and d.version == before
    assert session.scalar(select(func.count()).select_from(DossierDocument).where(
        DossierDocument.dossier_id == d.id, DossierDocument.kind == "supplement")) == 0


def _look_up(client: Any, dossier: Dossier) -> str:
    client.cookies.clear()
    token = csrf_token(client, "/tra-cuu")
    found = client.post("/tra-cuu", data={"csrf_token": token, "code": dossier.code, "secret": PHONE[-4:]})
    assert found.status_code == 200, found.text
    return found.text


def test_the_public_lookup_of_a_dossier_awaiting_supplement_says_what_and_by_when(client, session, clock):
    """Issue 16 (11): the public lookup (anyone holding the code and 4 digits) of a dossier paused for a supplement
    lists the documents asked for — the procedure's names, never the officer's note, which may name people — and
    the deadline (asked Mon 23/11 11:00 → Tue 8/12/2026, the date the citizen's page and the centre's closing rule
    use); the receipt's appointment (Fri 27/11 17:00) is not shown while the clock is paused. Once the centre
    confirms the supplement, the new appointment is shown."""
    people = staff(session)
    d = asked_after_appraisal(client, session, people, clock, vn(23, 11))
    assert as_utc(d.due_at) == vn(27, 17)
    move_to(clock, vn(23, 15))
    html = _look_up(client, d)
    missing = html.split('id="lookup-missing"', 1)[1].split("</ul>", 1)[0]
    assert MISSING_NAME in missing
    assert '<strong id="lookup-supplement-due">08/12/2026</strong> (đến 17:00)' in html
    assert "27/11/2026" not in html and 'id="lookup-due"' not in html
    assert 'id="lookup-due-paused"' in html
    assert "Bổ sung bản sao hợp đồng" not in html  # the officer's note stays off the public page
    assert "Đặng Văn Đức" not in html

    sign_in(client, session)
    assert upload(client, d).status_code == 303
    session.refresh(d)
    html = _look_up(client, d)
    assert 'id="lookup-supplement-sent"' in html and 'id="lookup-due-paused"' in html
    assert 'id="lookup-missing"' not in html

    d = act(session, people["reception"], d, Action.CONFIRM_SUPPLEMENT, vn(25, 10))
    html = _look_up(client, d)
    assert 'id="lookup-due-paused"' not in html and 'id="lookup-supplement-due"' not in html
    assert f'id="lookup-due">{as_utc(d.due_at).astimezone(VIETNAM_TZ):%H:%M %d/%m/%Y}<' in html


def test_the_public_lookup_of_an_online_dossier_asked_in_place_shows_its_deadline(client, session):
    """Art. 17(1)-(2): an online dossier asked to supplement before its acceptance has no appointment yet; the lookup
    lists what is asked and the 15 days from the request (Mon 23/11 14:00 → Tue 8/12/2026 17:00)."""
    people = staff(session)
    sign_in(client, session)
    d = file_online(client, session)
    d = act(session, people["reception"], d, Action.REQUEST_ONLINE_SUPPLEMENT, vn(23, 14),
            note="Thiếu bản sao hợp đồng thuê địa điểm kinh doanh.", missing=[MISSING_KEY])
    html = _look_up(client, d)
    assert MISSING_NAME in html.split('id="lookup-missing"', 1)[1].split("</ul>", 1)[0]
    assert '<strong id="lookup-supplement-due">08/12/2026</strong> (đến 17:00)' in html
    assert 'id="lookup-due"' not in html
