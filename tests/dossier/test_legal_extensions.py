"""Legal time extensions (gia hạn theo luật chuyên ngành, docs/legal.md "Legal extensions"), issue 15 item 4.

Some procedures' own laws allow more time when facts must be verified: recognising a parent or child +5 working days
(Civil Status Law 2014 Art. 25(2)), marriage +5 (Art. 18(2)), death +3 (Art. 34(2)); land procedures in
disadvantaged communes +10. The receiving officer (at intake) or the handler (in appraisal) applies one with its
ground; the appointment moves by those working days on the province's calendar, and since the appointment legally
moved, so does the one the index's 2.1 rule compares with. Each ground once; only the procedure's own grounds; not
after a result; the apology extension of Decree 118 Art. 19(6) stays available.

Every expected instant below is counted by hand on the 2026 calendar (weekends, the Hùng Kings' day — 10th day of
the 3rd lunar month, Sunday 26/4/2026, observed Monday 27/4 — and 30/4, 1/5).
"""

from __future__ import annotations

import io
import threading
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.auth.actions import create_api_token
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import ClockLedger, ExtensionAlreadyUsed, TimeLimit
from motcua.calendar.index_clock import first_appointment
from motcua.dossier import printing
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.clock import dossier_ledger, on_time_verdicts
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierEvent
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action, Status, TransitionNotAllowed
from motcua.kit.errors import Conflict, ValidationFailed
from motcua.notify.models import NotificationOutbox
from tests.clock_helpers import CAL, vn
from tests.factories import CHI_TIEN, T0, VALID_ID, intake_data, login, make_officer, principal_of, staff

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

RECOGNITION = "1.001022"  # Đăng ký nhận cha, mẹ, con: 3 working days; +5 to verify (Civil Status Law Art. 25(2))
GROUND = "xac_minh_nhan_cha_me_con"
LAND_GROUND = "xa_kho_khan"  # a land procedure's ground: not one of the recognition's
DOCS = ["to_khai", "chung_cu", "giay_to_tuy_than"]
NOTE = "Cần xác minh chứng cứ chứng minh quan hệ cha con"

# T0 is Monday 23/11/2026 10:00. Three working days from the receipt, Tue 24/11 being Vietnamese Culture Day (a
# public holiday): Wed 25 (1), Thu 26 (2), Fri 27/11 (3) → 17:00 Fri 27/11.
ORIGINAL_DUE = vn(2026, 11, 27, 17)
# Five more working days (Art. 25(2)), after the weekend: Mon 30/11, Tue 1/12, Wed 2/12, Thu 3/12, Fri 4/12 → 17:00.
EXTENDED_DUE = vn(2026, 12, 4, 17)


def _receive(session: Session, team: dict[str, Principal], store: FileStore, **extra: object) -> Dossier:
    data = intake_data(procedure_code=RECOGNITION, documents_present=DOCS, **extra)
    return receive_dossier(session, actor=team["reception"], data=data, uploads=(), store=store, now=T0).dossier


def _act(session: Session, who: Principal, d: Dossier, action: Action, at: datetime, **extra: object) -> Dossier:
    return perform(session, actor=who, dossier_id=d.id, action=action, now=at,
                   data=ActionIn.model_validate({"version": d.version, **extra}))


def _in_appraisal(session: Session, team: dict[str, Principal], store: FileStore) -> Dossier:
    d = _receive(session, team, store)
    d = _act(session, team["reception"], d, Action.TRANSFER, T0 + timedelta(hours=1))
    return _act(session, team["approver"], d, Action.ASSIGN, T0 + timedelta(hours=2), handler_id=team["specialist"].id)


def _extend_by_law(session: Session, who: Principal, d: Dossier, at: datetime, ground: str = GROUND) -> Dossier:
    return _act(session, who, d, Action.EXTEND_BY_LAW, at, legal_extension=ground, note=NOTE)


# ------------------------------------------------------------------------------------------------ the pure ledger


def test_five_working_days_skip_the_weekend_the_lunar_holiday_and_30_4() -> None:
    """Art. 25(2) counted on the calendar (docs/legal.md §4): received Fri 24/4/2026 08:00 with 1 working day, due
    Tue 28/4 17:00 (Sat, Sun, then Mon 27/4 the Hùng Kings' day observed). +5 working days: Wed 29/4 (1), Thu 30/4
    and Fri 1/5 holidays, weekend, Mon 4/5 (2), Tue 5/5 (3), Wed 6/5 (4), Thu 7/5 (5) → Thu 7/5 17:00."""
    ledger = ClockLedger.start(vn(2026, 4, 24, 8), TimeLimit(1, "working_days"), CAL)
    assert ledger.due(vn(2026, 4, 24, 9)) == vn(2026, 4, 28, 17)
    extended = ledger.extend_by_law(vn(2026, 4, 24, 9), 5, GROUND)
    assert extended.due(vn(2026, 4, 24, 10)) == vn(2026, 5, 7, 17)
    assert extended.state(vn(2026, 4, 24, 10)).extended is False  # not the apology: that one stays unused
    assert first_appointment(extended) == vn(2026, 5, 7, 17)  # the index's appointment moves with it
    with pytest.raises(ExtensionAlreadyUsed):  # each ground once
        extended.extend_by_law(vn(2026, 4, 24, 11), 5, GROUND)


def test_a_restart_from_zero_keeps_the_law_s_extra_days() -> None:
    """The extra days lengthen the time limit (Art. 25(2): "thời hạn được kéo dài thêm"), so a supplement's restart
    from zero (Decree 118 Art. 19(5)) starts the limit plus them: restarted Mon 4/5/2026 10:00 with 1 + 5 working
    days → Tue 5/5 (1), Wed 6 (2), Thu 7 (3), Fri 8 (4), the weekend, Mon 11 (5), Tue 12/5 (6) 17:00."""
    ledger = (ClockLedger.start(vn(2026, 4, 24, 8), TimeLimit(1, "working_days"), CAL)
              .extend_by_law(vn(2026, 4, 24, 9), 5, GROUND)
              .pause(vn(2026, 4, 24, 10), "supplement")
              .restart_from_zero(vn(2026, 5, 4, 10)))
    assert ledger.due(vn(2026, 5, 4, 11)) == vn(2026, 5, 12, 17)


# ------------------------------------------------------------------------------------------------ at intake


def test_an_extension_chosen_at_intake_is_on_the_receipt(session: Session, team: dict[str, Principal],
                                                         store: FileStore) -> None:
    """The counter picks Art. 25(2) with the receipt: the Giấy tiếp nhận hồ sơ và hẹn trả kết quả already shows the
    moved appointment (17:00 Fri 4/12/2026), the timeline and the audit log record the extension."""
    d = _receive(session, team, store, legal_extension=GROUND, legal_extension_note=NOTE)
    assert d.due_at == EXTENDED_DUE and d.original_due_at == EXTENDED_DUE
    line = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == d.id,
                                                      DossierEvent.action == "extend_by_law")).one()
    assert line.note == NOTE and line.data["working_days"] == 5 and "Điều 25" in line.data["basis"]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier.extend_by_law",
                                                   AuditEvent.object_id == str(d.id))) is not None
    pdf = printing.form_pdf(session, d, "receipt", base_url="https://motcua.example.vn", now=T0)
    text = unicodedata.normalize("NFC", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "17 giờ 00 phút, ngày 04/12/2026" in " ".join(text.split())
    assert "ngày 27/11/2026" not in text


def test_the_intake_api_accepts_the_extension_and_validates_it(client, session: Session) -> None:
    """The API's IntakeIn takes the optional ground (documented in the OpenAPI schema): a ground of the procedure
    moves the appointment; another procedure's ground, or one without its reason, is refused in Vietnamese (422)."""
    admin = make_officer(session, username="qtxa", roles=(Role.ADMIN,))
    counter = make_officer(session, username="tnkiosk", roles=(Role.RECEPTION,), full_name="Nguyễn Thị Hoa")
    _, raw = create_api_token(session, actor=principal_of(admin, Role.ADMIN), name="Máy tiếp nhận", days_valid=30,
                              commune_code=CHI_TIEN, now=T0, roles=(Role.RECEPTION,), officer_id=counter.id)
    session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    body = {"procedure_code": RECOGNITION, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID,
            "phone": "0912345678", "address": "Khu 3, xã Chí Tiên", "documents_present": DOCS}
    wrong = client.post("/api/v1/dossiers", headers=headers,
                        json={**body, "legal_extension": LAND_GROUND, "legal_extension_note": NOTE})
    assert wrong.status_code == 422 and "không có căn cứ gia hạn" in wrong.json()["error"]["message"]
    silent = client.post("/api/v1/dossiers", headers=headers, json={**body, "legal_extension": GROUND})
    assert silent.status_code == 422 and "Ghi rõ lý do áp dụng gia hạn theo luật" in silent.text
    ok = client.post("/api/v1/dossiers", headers=headers,
                     json={**body, "legal_extension": GROUND, "legal_extension_note": NOTE})
    assert ok.status_code == 201, ok.text
    assert datetime.fromisoformat(ok.json()["due_at"]) == EXTENDED_DUE
    shown = [e["legal_extension"] for e in ok.json()["events"] if e["action"] == "extend_by_law"]
    assert shown and shown[0]["ground"] == GROUND and shown[0]["working_days"] == 5
    schema = client.get("/api/openapi.json").json()
    assert "legal_extension" in schema["components"]["schemas"]["IntakeIn"]["properties"]
    assert "legal_extension" in schema["components"]["schemas"]["ActionIn"]["properties"]


# ------------------------------------------------------------------------------------------------ the action


def test_the_handler_applies_a_ground_the_appointment_and_the_index_move(session: Session,
                                                                        team: dict[str, Principal],
                                                                        store: FileStore) -> None:
    """In appraisal the handler applies Art. 25(2): due 17:00 Fri 27/11 → 17:00 Fri 4/12; the original appointment
    (the index's, portal rule 2.1) moves the same; the citizen is told the new appointment."""
    d = _in_appraisal(session, team, store)
    assert d.due_at == ORIGINAL_DUE and d.original_due_at == ORIGINAL_DUE
    version = d.version
    d = _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=3))
    assert d.version == version + 1 and d.status == Status.IN_APPRAISAL and d.extended is False
    assert d.due_at == EXTENDED_DUE and d.original_due_at == EXTENDED_DUE
    notices = session.scalars(select(NotificationOutbox).where(NotificationOutbox.dossier_id == d.id,
                                                               NotificationOutbox.kind == "extended_by_law")).all()
    assert notices and all("04/12/2026" in n.body for n in notices)


def test_finished_three_working_days_after_the_original_appointment_is_on_time_both_ways(
        session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """docs/legal.md §7 with a legal extension: approved Wed 2/12/2026 16:00, three working days after the receipt's
    appointment of Fri 27/11 (Mon 30/11, Tue 1/12, Wed 2/12) but within the +5 of Art. 25(2) (4/12): on time for the
    citizen and — the appointment having legally moved — on time for the index."""
    d = _in_appraisal(session, team, store)
    d = _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=3))
    d = _act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, vn(2026, 12, 2, 15))
    d = _act(session, team["approver"], d, Action.APPROVE, vn(2026, 12, 2, 16), note="Trích lục số 12")
    verdicts = on_time_verdicts(d, dossier_ledger(session, d), vn(2026, 12, 10, 9))
    assert verdicts is not None and verdicts.finished
    assert verdicts.citizen and verdicts.index.on_time
    assert verdicts.index.appointment == EXTENDED_DUE


def test_a_ground_the_procedure_lacks_is_refused_in_vietnamese(session: Session, team: dict[str, Principal],
                                                              store: FileStore) -> None:
    """Only the grounds the dossier's procedure version lists: the land procedures' +10 is not the recognition's
    (422, the dossier unchanged)."""
    d = _in_appraisal(session, team, store)
    with pytest.raises(ValidationFailed, match="không có căn cứ gia hạn theo luật") as info:
        _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=3), ground=LAND_GROUND)
    assert info.value.status_code == 422
    session.refresh(d)
    assert d.due_at == ORIGINAL_DUE


def test_the_same_ground_twice_is_refused(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """Each ground at most once per dossier: once applied, the procedure has none left and the action is refused."""
    d = _in_appraisal(session, team, store)
    d = _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=3))
    with pytest.raises(ValidationFailed):
        _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=4))
    assert session.get_one(Dossier, d.id).due_at == EXTENDED_DUE


def test_no_extension_after_the_result(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """Only while the dossier is open and before its result (Decree 118 Art. 19, 22): after approval it is refused."""
    d = _in_appraisal(session, team, store)
    d = _act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, T0 + timedelta(hours=3))
    d = _act(session, team["approver"], d, Action.APPROVE, T0 + timedelta(hours=4), note="Trích lục số 12")
    with pytest.raises(TransitionNotAllowed):
        _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=5))


def test_the_apology_extension_is_still_available_after_a_legal_one(session: Session, team: dict[str, Principal],
                                                                   store: FileStore) -> None:
    """The apology of Decree 118 Art. 19(6) is separate: after Art. 25(2) moved the due to Fri 4/12, the handler may
    still apologise with a new date (Tue 8/12, asked on Mon 30/11, a working day before the due)."""
    d = _in_appraisal(session, team, store)
    d = _extend_by_law(session, team["specialist"], d, T0 + timedelta(hours=3))
    d = _act(session, team["specialist"], d, Action.EXTEND, vn(2026, 11, 30, 9), new_due_date="2026-12-08",
             note="Chờ kết quả xác minh từ nơi cư trú")
    assert d.extended and d.due_at == vn(2026, 12, 8, 17)
    assert d.original_due_at == EXTENDED_DUE  # the apology does not move the index's appointment


def test_two_officers_at_once_one_gets_a_conflict(fresh_db: TestDatabase, tmp_path: Path) -> None:
    """Optimistic locking (house rule 4): two counter officers apply Art. 25(2) to the same received dossier at the
    same moment, each in a transaction of its own; one applies it, the other gets the Vietnamese conflict message and
    changes nothing — one timeline line, the due date moved once."""
    engine = fresh_db.engine
    with Session(engine) as session:
        team = staff(session)
        second = principal_of(make_officer(session, roles=(Role.RECEPTION,), with_post=False, full_name="Vũ Thị Mai"),
                              Role.RECEPTION)
    with Session(engine) as session, session.begin():
        d = _receive(session, team, FileStore(tmp_path / "files"))
        dossier_id, seen = d.id, d.version
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def apply(actor: Principal) -> None:
        try:
            start.wait()
            with Session(engine) as session, session.begin():
                perform(session, actor=actor, dossier_id=dossier_id, action=Action.EXTEND_BY_LAW,
                        now=T0 + timedelta(hours=1), data=ActionIn(version=seen, legal_extension=GROUND, note=NOTE))
            outcomes.append("applied")
        except Conflict as exc:
            outcomes.append("conflict" if "cán bộ khác" in exc.message else exc.message)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=apply, args=(who,)) for who in (team["reception"], second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == ["applied", "conflict"]
    with Session(engine) as session:
        d = session.get_one(Dossier, dossier_id)
        assert d.version == seen + 1 and d.due_at == EXTENDED_DUE
        lines = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id,
                                                           DossierEvent.action == "extend_by_law")).all()
        assert len(lines) == 1


def test_the_dossier_page_shows_the_extension_and_offers_the_grounds(client, session: Session,
                                                                      team: dict[str, Principal],
                                                                      store: FileStore) -> None:
    """The page lists the extension on the timeline (ground, days, who, when) and offers the action, with the
    procedure's grounds, to the handler in appraisal."""
    d = _in_appraisal(session, team, store)
    session.commit()
    login(client, team["specialist"].name)
    page = client.get(f"/dossiers/{d.id}")
    assert 'data-action="extend_by_law"' in page.text and f'value="{GROUND}"' in page.text
    d = _extend_by_law(session, team["specialist"], session.get_one(Dossier, d.id), T0 + timedelta(hours=3))
    session.commit()
    page = client.get(f"/dossiers/{d.id}")
    assert 'data-mark="legal-extension"' in page.text and "Khoản 2 Điều 25" in page.text
    assert team["specialist"].full_name in page.text
    assert 'data-action="extend_by_law"' not in page.text  # its one ground is used

