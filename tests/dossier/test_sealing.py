"""The intake's last write (dossier/sealing.py on PostgreSQL, the plain statements on SQLite) leaves the same rows:
the Art. 28 code, the timeline's line, the index queue, the notices and an audit event that verifies.

Each test runs on both backends; what the database filled in (the code in the notices and in the audit event's
data, the event's hash) is checked against what Python renders and hashes with the real code.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.actions import canonical_json
from motcua.audit.models import AuditEvent, AuditHead
from motcua.audit.queries import verify_chain
from motcua.calendar import to_vietnam_time
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierCodeCounter, DossierEvent
from motcua.index.models import IndexPending
from motcua.notify.actions import notice_messages
from motcua.notify.models import NoticeKind, NotificationOutbox
from motcua.notify.templates import SMS_MAX_CHARS
from tests.factories import CHI_TIEN, T0, intake_data

BASE_URL = "https://motcua.example.vn"


def _receive(session: Session, team: dict, store: FileStore, **overrides: object) -> Dossier:
    result = receive_dossier(session, actor=team["reception"], data=intake_data(**overrides), uploads=(),
                             store=store, now=T0, public_base_url=BASE_URL)
    session.flush()
    return result.dossier


def _stored_notices(session: Session, dossier: Dossier) -> dict[str, tuple[str, str]]:
    rows = session.scalars(select(NotificationOutbox).where(NotificationOutbox.dossier_id == dossier.id))
    return {row.dedup_key: (row.subject, row.body) for row in rows}


def _expected_notices(session: Session, dossier: Dossier, kind: NoticeKind, note: str = "") -> dict:
    messages = notice_messages(session, dossier, kind, now=T0, public_base_url=BASE_URL,
                               extra={"note": note} if note else {})
    return {m["dedup_key"]: (m["subject"], m["body"]) for m in messages}


def test_received_dossier_has_code_timeline_queue_notices_and_a_verified_audit_event(
        session: Session, team: dict, store: FileStore) -> None:
    """Art. 28: the code is issued in the intake's transaction; Art. 17(3): the receipt notice names it; house
    rule 3: the audit event is written with it and the chain still verifies (seq, link and hash)."""
    dossier = _receive(session, team, store)
    assert dossier.code == f"TAM.{CHI_TIEN}-261123-0001"
    assert session.scalar(select(Dossier.code).where(Dossier.id == dossier.id)) == dossier.code

    events = session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)).all()
    assert [(e.action, e.to_status, e.actor_name) for e in events] == [("receive", "received", "Nguyễn Thị Hoa")]
    assert session.scalar(select(IndexPending.dossier_id).where(IndexPending.dossier_id == dossier.id)) == dossier.id

    stored = _stored_notices(session, dossier)
    assert len(stored) == 2  # no email given: SMS and Zalo to the phone
    assert stored == _expected_notices(session, dossier, NoticeKind.RECEIVED)
    assert all(dossier.code in body and "~" not in body for _, body in stored.values())

    audit = session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "dossier",
                                                     AuditEvent.object_id == str(dossier.id))).one()
    assert audit.action == "dossier.receive"
    assert audit.data == canonical_json({"code": dossier.code, "procedure": dossier.procedure_code, "channel": 1})
    assert verify_chain(session).ok
    head = session.scalars(select(AuditHead)).one()
    assert (head.seq, head.hash) == (audit.seq, audit.hash)


def test_incomplete_and_refused_intakes_seal_alike(session: Session, team: dict, store: FileStore) -> None:
    """Art. 17(1): an incomplete dossier gets a code, a supplement notice with the officer's words and no clock
    (not queued for the index); a refusal gets a code and no notice. Codes follow each other without a gap."""
    incomplete = _receive(session, team, store, outcome="incomplete", documents_present=[],
                          reasons="Thiếu Giấy đề nghị đăng ký hộ kinh doanh")
    refused = _receive(session, team, store, outcome="refused", reasons="Không thuộc thẩm quyền của xã")
    assert [incomplete.code, refused.code] == [f"TAM.{CHI_TIEN}-261123-0001", f"TAM.{CHI_TIEN}-261123-0002"]
    assert _stored_notices(session, incomplete) == _expected_notices(
        session, incomplete, NoticeKind.SUPPLEMENT_REQUESTED, note="Thiếu Giấy đề nghị đăng ký hộ kinh doanh")
    assert _stored_notices(session, refused) == {}
    assert session.scalars(select(IndexPending).where(
        IndexPending.dossier_id.in_([incomplete.id, refused.id]))).all() == []
    assert verify_chain(session).ok


def test_a_five_digit_code_gets_its_notices_rendered_again(session: Session, team: dict, store: FileStore) -> None:
    """The notices are rendered with a stand-in as long as a four-digit code; the body's 10,000th dossier of a day
    has a longer code, so its notices are rendered again: the SMS still fits its three segments."""
    session.add(DossierCodeCounter(agency_id=f"TAM.{CHI_TIEN}", day=to_vietnam_time(T0).date(), last_seq=9999))
    session.flush()
    dossier = _receive(session, team, store)
    assert dossier.code == f"TAM.{CHI_TIEN}-261123-10000"
    stored = _stored_notices(session, dossier)
    assert stored == _expected_notices(session, dossier, NoticeKind.RECEIVED)
    sms = next(body for key, (_, body) in stored.items() if key.endswith(":sms:1"))
    assert len(sms) <= SMS_MAX_CHARS and dossier.code in sms
    assert verify_chain(session).ok
