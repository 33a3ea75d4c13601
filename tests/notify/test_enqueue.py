"""Enqueueing (SQLite and PostgreSQL): one row per channel the applicant gave, rendered now, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.dossier.actions import announce, perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.notify.actions import requeue_dead
from motcua.notify.models import NoticeKind, NotificationOutbox
from tests.factories import CHI_TIEN, T0, intake_data

BASE = "https://motcua.phutho.gov.vn"


def receive(session: Session, team: dict, tmp_path: Path, **overrides: object) -> Dossier:
    return receive_dossier(session, actor=team["reception"], data=intake_data(**overrides), uploads=(),
                           store=FileStore(tmp_path / "files"), now=T0, public_base_url=BASE).dossier


def act(session: Session, who, dossier: Dossier, action: Action, now: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=dossier.id, action=action,
                   data=ActionIn(version=dossier.version, **data), now=now, public_base_url=BASE)


def outbox_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(NotificationOutbox)) or 0


def test_receipt_enqueues_email_sms_and_zalo_with_the_code(session: Session, team: dict, tmp_path: Path) -> None:
    d = receive(session, team, tmp_path, email="dang.duc@example.vn")
    rows = announce(session, d, NoticeKind.RECEIVED, now=T0, public_base_url=BASE)
    assert [(r.channel, r.recipient) for r in rows] == [("email", "dang.duc@example.vn"), ("sms", "0912345678"),
                                                        ("zalo", "0912345678")]
    assert {r.status for r in rows} == {"pending"} and {r.attempts for r in rows} == {0}
    assert all(r.dossier_id == d.id and r.kind == "received" for r in rows)
    assert rows[0].dedup_key == f"{d.id}:received:email:1"
    email = rows[0]
    assert email.subject == f"Đã tiếp nhận hồ sơ {d.code}"
    assert "Ngày hẹn trả kết quả: 27/11/2026 17:00" in email.body  # Fri 27/11, Culture Day 24/11 skipped
    assert f"{BASE}/tra-cuu?ma={d.code}" in email.body
    assert "Trung tâm Phục vụ hành chính công xã Chí Tiên" in email.body
    assert rows[1].body.startswith("UBND xa Chi Tien: ") and rows[1].body.isascii()
    assert d.receiving_commune_code == CHI_TIEN


def test_enqueue_is_idempotent_by_dedup_key(session: Session, team: dict, tmp_path: Path) -> None:
    """An action replayed after a lost response (or two code paths announcing one event) enqueues nothing new."""
    d = receive(session, team, tmp_path, email="dang.duc@example.vn")
    first = announce(session, d, NoticeKind.RECEIVED, now=T0, public_base_url=BASE)
    again = announce(session, d, NoticeKind.RECEIVED, now=T0 + timedelta(minutes=5), public_base_url=BASE)
    assert [r.id for r in again] == [r.id for r in first]
    assert outbox_count(session) == 3
    assert {r.created_at.replace(tzinfo=UTC) if r.created_at.tzinfo is None else r.created_at for r in again} == {T0}


def test_only_the_channels_given_and_none_without_contact(session: Session, team: dict, tmp_path: Path) -> None:
    phone_only = receive(session, team, tmp_path)
    assert [r.channel for r in announce(session, phone_only, "received", now=T0,
                                         public_base_url=BASE)] == ["sms", "zalo"]
    email_only = receive(session, team, tmp_path, phone=None, email="dang.duc@example.vn")
    assert [r.channel for r in announce(session, email_only, "received", now=T0,
                                         public_base_url=BASE)] == ["email"]
    nobody = receive(session, team, tmp_path)  # intake demands a contact; a dossier imported from a dissolved unit
    nobody.phone = None  # may have none
    assert announce(session, nobody, "result_ready", now=T0, public_base_url=BASE) == []


def test_a_dossier_without_its_code_cannot_be_announced(session: Session, team: dict, tmp_path: Path) -> None:
    d = receive(session, team, tmp_path)
    d.code = "~placeholder"
    with pytest.raises(ValueError, match="no code yet"):
        announce(session, d, "received", now=T0, public_base_url=BASE)


def test_supplement_notice_carries_the_ledger_deadline(session: Session, team: dict, tmp_path: Path) -> None:
    """Art. 19(5): requested Mon 23/11/2026 11:00; 15 calendar days, the first not counted → Tue 08/12/2026."""
    d = receive(session, team, tmp_path, email="dang.duc@example.vn")
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    d = act(session, team["approver"], d, Action.ASSIGN, T0, handler_id=team["specialist"].id)
    note = "Bổ sung bản sao hợp đồng thuê địa điểm"
    d = act(session, team["specialist"], d, Action.REQUEST_SUPPLEMENT, T0 + timedelta(hours=1), note=note)
    rows = announce(session, d, NoticeKind.SUPPLEMENT_REQUESTED, now=T0 + timedelta(hours=1),
                    public_base_url=BASE, extra={"note": note})
    email = rows[0]
    assert email.dedup_key == f"{d.id}:supplement_requested:email:{d.version}"
    assert f"Nội dung cần bổ sung: {note}" in email.body
    assert "Hạn nộp bổ sung: 08/12/2026" in email.body and "15 ngày" in email.body


def test_extension_notice_shows_the_new_date(session: Session, team: dict, tmp_path: Path) -> None:
    """Art. 19(6): the new appointment, after the extension, in Vietnam time."""
    d = receive(session, team, tmp_path, email="dang.duc@example.vn")
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    previous = d.due_at
    d = act(session, team["approver"], d, Action.EXTEND, T0 + timedelta(days=2), note="Cần xác minh địa điểm",
            new_due_date=date(2026, 12, 4))
    assert previous is not None
    email = announce(session, d, NoticeKind.EXTENDED, now=T0 + timedelta(days=2), public_base_url=BASE,
                     extra={"note": "Cần xác minh địa điểm", "previous_due_at": previous})[0]
    assert "Ngày hẹn cũ: 27/11/2026 17:00" in email.body
    assert "Ngày hẹn trả kết quả mới: 04/12/2026 17:00" in email.body


def test_dead_messages_can_be_requeued(session: Session, team: dict, tmp_path: Path) -> None:
    d = receive(session, team, tmp_path)
    rows = announce(session, d, "received", now=T0, public_base_url=BASE)
    rows[0].status, rows[0].attempts = "dead", 20
    session.flush()
    assert requeue_dead(session, now=T0 + timedelta(days=1), ids=[rows[0].id]) == 1
    session.refresh(rows[0])
    assert (rows[0].status, rows[0].attempts) == ("pending", 0)


def test_the_workflow_enqueues_each_notice_once_on_each_channel(session: Session, team: dict,
                                                               tmp_path: Path) -> None:
    """House rule 3: the action that changes the dossier enqueues its notice in the same transaction — received at
    the counter, the supplement request (Art. 19(5)), the result ready and the result returned; a transfer between
    divisions is internal and sends nothing."""
    d = receive(session, team, tmp_path)
    d = act(session, team["reception"], d, Action.TRANSFER, T0)
    d = act(session, team["approver"], d, Action.ASSIGN, T0, handler_id=team["specialist"].id)
    d = act(session, team["specialist"], d, Action.REQUEST_SUPPLEMENT, T0, note="Bổ sung hợp đồng thuê địa điểm")
    d = act(session, team["reception"], d, Action.RECEIVE_SUPPLEMENT, T0 + timedelta(days=1))
    d = act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, T0 + timedelta(days=1))
    d = act(session, team["approver"], d, Action.APPROVE, T0 + timedelta(days=1), note="GCN số 12/HKD")
    d = act(session, team["reception"], d, Action.RETURN_RESULT, T0 + timedelta(days=2))
    kinds = session.execute(select(NotificationOutbox.kind, NotificationOutbox.channel)
                            .where(NotificationOutbox.dossier_id == d.id).order_by(NotificationOutbox.id)).all()
    assert [k for k, _ in kinds][::2] == ["received", "supplement_requested", "result_ready", "returned"]
    assert {c for _, c in kinds} == {"sms", "zalo"}  # a phone, no email
    supplement = session.scalars(select(NotificationOutbox).where(
        NotificationOutbox.dossier_id == d.id, NotificationOutbox.kind == "supplement_requested",
        NotificationOutbox.channel == "zalo")).one()
    assert "Bổ sung hợp đồng thuê địa điểm" in supplement.body


def test_a_refusal_at_the_counter_sends_nothing(session: Session, team: dict, tmp_path: Path) -> None:
    """The citizen is at the counter and is handed the refusal slip (Art. 17(2)); no message follows."""
    d = receive(session, team, tmp_path, outcome="refused", reasons="Không thuộc thẩm quyền của xã")
    assert session.scalar(select(func.count()).select_from(NotificationOutbox)
                          .where(NotificationOutbox.dossier_id == d.id)) == 0
