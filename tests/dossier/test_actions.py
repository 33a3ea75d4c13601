"""Dossier actions against the database (SQLite and PostgreSQL): intake, codes, the workflow, the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.principal import SYSTEM
from motcua.calendar import to_vietnam_time
from motcua.calendar.actions import record_announcement, withdraw_announcement
from motcua.calendar.schemas import AnnouncementIn
from motcua.dossier.actions import Upload, perform, receive_dossier
from motcua.dossier.files import FileStore, UploadRejected
from motcua.dossier.lookups import public_lookup
from motcua.dossier.models import Dossier, DossierCodeCounter, DossierDocument, DossierEvent
from motcua.dossier.queries import InboxFilter, get_dossier_for, inbox
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action, Status, TransitionNotAllowed
from motcua.kit.errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed
from tests.factories import CHI_TIEN, T0, intake_data, other_commune, pdf_bytes, staff

VN = timedelta(hours=7)


def vn(dt: datetime | None) -> datetime:
    assert dt is not None
    return to_vietnam_time(dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt).replace(tzinfo=None)


def receive(session: Session, team: dict, store: FileStore, now: datetime = T0, **overrides: object) -> Dossier:
    return receive_dossier(session, actor=team["reception"], data=intake_data(**overrides), uploads=(), store=store,
                           now=now).dossier


def act(session: Session, who, dossier: Dossier, action: Action, now: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=dossier.id, action=action,
                   data=ActionIn(version=dossier.version, **data), now=now)


def test_intake_issues_a_code_and_a_due_date_past_culture_day(session: Session, team: dict, store: FileStore) -> None:
    """Art. 17(3), 28 and Civil Code Art. 147: received Mon 23/11/2026 10:00 with a 3-working-day limit; the first
    day is not counted and Tue 24/11 (Culture Day, Labour Code Art. 112 as amended) is not a working day, so the
    appointment is Fri 27/11 at the end of office hours. The code is AGENCYID-YYMMDD-NNNN."""
    d = receive(session, team, store)
    assert d.code == f"TAM.{CHI_TIEN}-261123-0001"
    assert d.status == Status.RECEIVED
    assert vn(d.due_at) == datetime(2026, 11, 27, 17, 0)
    assert vn(d.paper_transfer_due) == datetime(2026, 11, 23, 17, 0)  # before 15:00: the same day (Art. 18)
    events = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == d.id)).all()
    assert [e.action for e in events] == ["receive"]
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "dossier.receive", AuditEvent.object_id == str(d.id))) == 1


def test_codes_are_sequential_per_body_and_day(session: Session, team: dict, store: FileStore) -> None:
    """Art. 28(b): the day's sequence number per deciding body; a new day starts again at 0001."""
    codes = [receive(session, team, store).code for _ in range(3)]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    next_day = receive(session, team, store, now=T0 + timedelta(days=2))
    assert next_day.code.endswith("-261125-0001")


def test_the_stored_code_is_the_issued_one_past_ten_thousand(session: Session, team: dict, store: FileStore) -> None:
    """Art. 28(b): the number is at least four digits and never cut — the 10,000th dossier of a day is -10000. The
    dossier is inserted under a placeholder and gets its code just before the commit; what is stored is the code
    returned, on both backends (PostgreSQL issues it in one statement, SQLite in two)."""
    first = receive(session, team, store)
    session.execute(update(DossierCodeCounter).values(last_seq=9998))
    codes = [receive(session, team, store).code for _ in range(2)]
    assert [c.rsplit("-", 1)[1] for c in codes] == ["9999", "10000"]
    stored = session.scalars(select(Dossier.code).where(Dossier.id != first.id).order_by(Dossier.id)).all()
    assert stored == codes
    assert not session.scalar(select(func.count()).select_from(Dossier).where(Dossier.code.startswith("~")))


def test_a_rolled_back_intake_gives_its_number_back(session: Session, team: dict, store: FileStore) -> None:
    """Codes are gap-free per body and day: a failed intake inside a savepoint leaves no hole."""
    receive(session, team, store)
    savepoint = session.begin_nested()
    receive(session, team, store)
    savepoint.rollback()
    assert receive(session, team, store).code.endswith("-0002")


def test_complete_dossier_needs_every_mandatory_document(session: Session, team: dict, store: FileStore) -> None:
    """Art. 17(1): a dossier missing a paper is not received; the officer issues a supplement slip instead."""
    with pytest.raises(ValidationFailed) as info:
        receive(session, team, store, documents_present=[])
    assert "documents_present" in info.value.fields
    d = receive(session, team, store, documents_present=[], outcome="incomplete",
                reasons="Thiếu giấy đề nghị đăng ký hộ kinh doanh")
    assert d.status == Status.INTAKE_INCOMPLETE and d.due_at is None and d.clock_events == []


def test_happy_path_to_returned(session: Session, team: dict, store: FileStore) -> None:
    """Receive → transfer (to Phòng Kinh tế) → assign → submit → approve → return (Art. 17–22); the clock stops
    at the decision, which is on time."""
    d = receive(session, team, store)
    d = act(session, team["reception"], d, Action.TRANSFER, T0 + timedelta(hours=1))
    assert d.status == Status.TRANSFERRED and d.current_department == "economic"
    d = act(session, team["approver"], d, Action.ASSIGN, T0 + timedelta(hours=2), handler_id=team["specialist"].id)
    assert d.handler_id == team["specialist"].id
    d = act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, T0 + timedelta(days=2))
    d = act(session, team["approver"], d, Action.APPROVE, T0 + timedelta(days=2, hours=1), note="GCN số 12/HKD")
    assert d.status == Status.RESULT_READY and d.processed_at is not None
    d = act(session, team["reception"], d, Action.RETURN_RESULT, T0 + timedelta(days=3))
    assert d.status == Status.RETURNED and d.version == 6
    assert d.clock_events[-1]["type"] == "finished"
    assert d.due_at is not None and d.processed_at <= d.due_at


def test_supplement_restarts_the_clock_and_only_once(session: Session, team: dict, store: FileStore) -> None:
    """Art. 19(5): the time limit starts again from zero when the supplement arrives; Art. 11(2)(c): a request
    for changes at most once per dossier."""
    d = receive(session, team, store)
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    d = act(session, team["approver"], d, Action.ASSIGN, T0, handler_id=team["specialist"].id)
    d = act(session, team["specialist"], d, Action.REQUEST_SUPPLEMENT, T0 + timedelta(hours=1),
            note="Bổ sung bản sao hợp đồng thuê địa điểm")
    assert d.status == Status.AWAITING_SUPPLEMENT and d.supplement_count == 1
    back = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 30/11 09:00
    d = act(session, team["reception"], d, Action.RECEIVE_SUPPLEMENT, back)
    assert vn(d.due_at) == datetime(2026, 12, 3, 17, 0)  # three working days from Mon 30/11, from zero
    with pytest.raises(ValidationFailed, match="một lần"):
        act(session, team["specialist"], d, Action.REQUEST_SUPPLEMENT, back, note="Lần thứ hai")


def test_closing_an_unsupplied_dossier_waits_15_days(session: Session, team: dict, store: FileStore) -> None:
    """Art. 19(5): only after 15 days without the supplement does the centre close the dossier."""
    d = receive(session, team, store)
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    d = act(session, team["approver"], d, Action.ASSIGN, T0, handler_id=team["specialist"].id)
    d = act(session, team["specialist"], d, Action.REQUEST_SUPPLEMENT, T0, note="Thiếu giấy tờ")
    with pytest.raises(ValidationFailed, match="15 ngày"):
        act(session, team["reception"], d, Action.CLOSE_UNSUPPLIED, T0 + timedelta(days=10))
    d = act(session, team["reception"], d, Action.CLOSE_UNSUPPLIED, T0 + timedelta(days=16))
    assert d.status == Status.CLOSED_UNSUPPLIED and d.ended_at is not None


def test_extension_once_and_a_day_ahead(session: Session, team: dict, store: FileStore) -> None:
    """Art. 19(6): an apology with a new date at least one day before the due date, and only once."""
    d = receive(session, team, store)
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    with pytest.raises(ValidationFailed, match="01 ngày"):
        act(session, team["approver"], d, Action.EXTEND, datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
            note="Cần xác minh thêm", new_due_date=date(2026, 12, 2))
    d = act(session, team["approver"], d, Action.EXTEND, T0 + timedelta(days=2), note="Cần xác minh địa điểm",
            new_due_date=date(2026, 12, 2))
    assert d.extended and vn(d.due_at) == datetime(2026, 12, 2, 17, 0)
    with pytest.raises(ValidationFailed, match="một lần"):
        act(session, team["approver"], d, Action.EXTEND, T0 + timedelta(days=3), note="Lần nữa",
            new_due_date=date(2026, 12, 4))


def test_stale_version_is_refused_and_changes_nothing(session: Session, team: dict, store: FileStore) -> None:
    """Two officers on the same dossier: the one who acts on what he saw after the other changed it gets a
    clear conflict (house rule 4), and the dossier keeps the first officer's change."""
    d = receive(session, team, store)
    seen = d.version
    act(session, team["reception"], d, Action.TRANSFER, T0)
    with pytest.raises(Conflict, match="cán bộ khác"):
        perform(session, actor=team["director"], dossier_id=d.id, action=Action.WITHDRAW,
                data=ActionIn(version=seen, note="Công dân xin rút"), now=T0)
    session.refresh(d)
    assert d.status == Status.TRANSFERRED


def test_wrong_role_and_wrong_state_are_refused(session: Session, team: dict, store: FileStore) -> None:
    """The table decides: a specialist cannot approve, and nothing can be approved before it is submitted."""
    d = receive(session, team, store)
    with pytest.raises(TransitionNotAllowed):
        act(session, team["specialist"], d, Action.APPROVE, T0)
    with pytest.raises(TransitionNotAllowed):
        act(session, team["approver"], d, Action.APPROVE, T0)


def test_other_commune_sees_nothing(session: Session, team: dict, store: FileStore) -> None:
    """House rule 7: outside the jurisdiction a dossier does not exist (404), for reading and for acting."""
    d = receive(session, team, store)
    outsider = staff(session, other_commune(session))
    with pytest.raises(NotFound):
        get_dossier_for(session, outsider["reception"], d.id)
    with pytest.raises(NotFound):
        act(session, outsider["reception"], d, Action.TRANSFER, T0)


def test_location_independent_filing(session: Session, team: dict, store: FileStore) -> None:
    """Art. 14, 20(1): a centre receives for another commune of the province; the code carries the deciding body;
    the paper goes within 1 working day; the deciding commune works on it, the receiving one only at the counter."""
    other = other_commune(session)
    theirs = staff(session, other)
    d = receive(session, team, store, deciding_commune_code=other)
    assert d.code.startswith(f"TAM.{other}-")
    assert vn(d.paper_transfer_due) == datetime(2026, 11, 25, 17, 0)  # 1 working day, Culture Day skipped
    assert get_dossier_for(session, theirs["approver"], d.id).id == d.id
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    with pytest.raises(Forbidden):
        act(session, staff(session)["approver"], d, Action.ASSIGN, T0, handler_id=theirs["specialist"].id)
    d = act(session, theirs["approver"], d, Action.ASSIGN, T0, handler_id=theirs["specialist"].id)
    assert d.status == Status.IN_APPRAISAL


def test_same_idempotency_key_never_makes_two_dossiers(session: Session, team: dict, store: FileStore) -> None:
    """A retried create with the same key and body returns the first dossier; the key with another body is 409."""
    first = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store, now=T0,
                            idempotency_key="quay-1-abc")
    again = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store, now=T0,
                            idempotency_key="quay-1-abc")
    assert again.replayed and again.dossier.id == first.dossier.id
    with pytest.raises(Conflict):
        receive_dossier(session, actor=team["reception"], data=intake_data(applicant_name="Người khác"), uploads=(),
                        store=store, now=T0, idempotency_key="quay-1-abc")
    assert session.scalar(select(func.count()).select_from(Dossier)) == 1


def test_a_bad_upload_stores_nothing(session: Session, team: dict, store: FileStore) -> None:
    """A renamed executable is refused before anything is written: no dossier, no code, no file."""
    with pytest.raises(UploadRejected):
        receive_dossier(session, actor=team["reception"], data=intake_data(), store=store, now=T0,
                        uploads=[Upload("giay_de_nghi", "don.pdf", b"MZ\x90\x00" + b"\x00" * 200)])
    assert session.scalar(select(func.count()).select_from(Dossier)) == 0
    assert list(store.keys()) == []
    good = receive_dossier(session, actor=team["reception"], data=intake_data(), store=store, now=T0,
                           uploads=[Upload("giay_de_nghi", "don.pdf", pdf_bytes())]).dossier
    assert good.code.endswith("-0001")
    doc = session.scalars(select(DossierDocument).where(DossierDocument.dossier_id == good.id)).one()
    assert store.exists(doc.file_key) and doc.content_type == "application/pdf"


def test_announcement_recomputes_open_due_dates(session: Session, team: dict, store: FileStore) -> None:
    """docs/legal.md §4: a day off announced for the province moves the due date of open dossiers in the same
    transaction, and withdrawing it moves it back; both are audited."""
    d = receive(session, team, store)
    change = record_announcement(session, actor=SYSTEM, now=T0, data=AnnouncementIn(
        day=date(2026, 11, 25), kind="day_off", scope="25", document="QĐ 99/QĐ-UBND (thử nghiệm)"))
    assert change.recomputed == 1
    session.refresh(d)
    assert vn(d.due_at) == datetime(2026, 11, 30, 17, 0)
    assert change.announcement is not None
    withdraw_announcement(session, actor=SYSTEM, announcement_id=change.announcement.id, reason="Nhập nhầm",
                          now=T0)
    session.refresh(d)
    assert vn(d.due_at) == datetime(2026, 11, 27, 17, 0)
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("calendar.%"))))
    assert actions == {"calendar.announcement_recorded", "calendar.announcement_withdrawn"}


def test_contradicting_announcement_is_refused(session: Session) -> None:
    """An announcement that contradicts another gets a clear error, never a wrong date (issue 3)."""
    record_announcement(session, actor=SYSTEM, now=T0, data=AnnouncementIn(
        day=date(2026, 12, 5), kind="make_up_workday", scope="25", document="CV 1/UBND"))
    with pytest.raises(ValidationFailed, match="05/12/2026"):
        record_announcement(session, actor=SYSTEM, now=T0, data=AnnouncementIn(
            day=date(2026, 12, 5), kind="day_off", scope="national", document="CV 2/VPCP"))


def test_public_lookup_and_its_limit(session: Session, team: dict, store: FileStore) -> None:
    """The citizen needs the code and 4 last digits of phone or ID; misses are counted per address (and per code:
    tests/security/test_finding_10_lookup_limits.py), so these misses are spread over codes."""
    d = receive(session, team, store)
    assert public_lookup(session, code=d.code.lower(), secret="5678", ip="1.2.3.4", now=T0) is not None
    assert public_lookup(session, code=d.code, secret="1234", ip="1.2.3.4", now=T0) is not None  # ID number
    for i in range(10):
        assert public_lookup(session, code=f"{d.code}{i}", secret="0000", ip="5.6.7.8", now=T0) is None
    with pytest.raises(TooManyRequests):
        public_lookup(session, code=d.code, secret="5678", ip="5.6.7.8", now=T0)


def test_search_without_diacritics_by_id_and_phone(session: Session, team: dict, store: FileStore) -> None:
    """Issue 4: "dang van duc" finds "Đặng Văn Đức"; so do the ID number and the phone."""
    d = receive(session, team, store)
    receive(session, team, store, applicant_name="Hoàng Thị Lan", id_number="025185009999", phone="0987000111")
    for q in ("dang van duc", "Đặng Văn", "025090001234", "0912345678", d.code):
        rows, _ = inbox(session, team["reception"], InboxFilter(q=q), T0)
        assert [r.id for r in rows] == [d.id], q


def test_correcting_a_wrong_result(session: Session, team: dict, store: FileStore) -> None:
    """Art. 23(1): a wrong result is corrected within 3 working days and returned again."""
    d = receive(session, team, store)
    for who, action, extra in (("reception", Action.TRANSFER, {}),
                               ("approver", Action.ASSIGN, {"handler_id": team["specialist"].id}),
                               ("specialist", Action.SUBMIT_FOR_APPROVAL, {}), ("approver", Action.APPROVE, {}),
                               ("reception", Action.RETURN_RESULT, {})):
        d = act(session, team[who], d, action, T0, **extra)
    d = act(session, team["reception"], d, Action.START_CORRECTION, T0 + timedelta(days=3),
            note="Sai ngày sinh trên giấy chứng nhận")
    assert d.status == Status.IN_CORRECTION and vn(d.correction_due) == datetime(2026, 12, 1, 17, 0)
    d = act(session, team["approver"], d, Action.FINISH_CORRECTION, T0 + timedelta(days=4))
    assert d.status == Status.RESULT_READY


def test_agency_identifier_heads_new_codes(session: Session, team: dict, store: FileStore) -> None:
    """Art. 28(a): once the commune's electronic identifier (Decision 20/2020/QĐ-TTg) is entered, new codes start
    with it; a malformed or already-used identifier is refused; the change is audited."""
    from motcua.base.roles import Role
    from motcua.org.actions import set_agency_id
    from tests.factories import make_officer, principal_of

    admin = principal_of(make_officer(session, roles=(Role.ADMIN,), with_post=False), Role.ADMIN)
    with pytest.raises(ValidationFailed):
        set_agency_id(session, actor=admin, commune_code=CHI_TIEN, agency_id="H25-08218", now=T0)
    set_agency_id(session, actor=admin, commune_code=CHI_TIEN, agency_id="000.00.18.h25", now=T0)
    assert receive(session, team, store).code == "000.00.18.H25-261123-0001"
    other = other_commune(session)
    other_admin = principal_of(make_officer(session, commune_code=other, roles=(Role.ADMIN,), with_post=False),
                               Role.ADMIN)
    with pytest.raises(Conflict):
        set_agency_id(session, actor=other_admin, commune_code=other, agency_id="000.00.18.H25", now=T0)
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "commune.agency_id_set")) == 1


def test_accepting_an_online_dossier_starts_the_clock(session: Session, team: dict, store: FileStore) -> None:
    """Art. 17(2)-(3): a dossier filed online waits in "submitted" without a clock; when the centre accepts it,
    the time limit runs from that acceptance (here Mon 23/11 10:00 + 3 working days, Culture Day skipped)."""
    filed = receive(session, team, store)
    session.execute(update(Dossier).where(Dossier.id == filed.id).values(
        status=Status.SUBMITTED.value, clock_events=[], due_at=None, original_due_at=None, channel=2,
        filed_by="citizen"))
    session.refresh(filed)
    d = act(session, team["reception"], filed, Action.ACCEPT_ONLINE, T0)
    assert d.status == Status.RECEIVED and d.clock_events[0]["type"] == "started"
    assert vn(d.due_at) == datetime(2026, 11, 27, 17, 0) and d.original_due_at == d.due_at
