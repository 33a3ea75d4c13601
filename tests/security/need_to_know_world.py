"""A commune with one officer per role, a dossier received at the counter, a dossier a volunteer filed with the
citizen's consent, a scan, a feedback case; and a logged-in client per role (issue 13 findings 4 and 6).

The personal data to look for is distinctive, so that finding it in an answer means the answer disclosed it: the
applicant's ID number and phone (also written into the scan's PDF metadata, so a scan download shows them in its
bytes), the feedback sender's phone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.dossier.actions import Upload, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.queries import documents
from motcua.feedback.actions import receive_case
from motcua.feedback.schemas import FeedbackIn
from motcua.notify.models import Channel
from motcua.portal.actions.accounts import Destination, sign_in
from motcua.portal.actions.filing import file_on_behalf
from motcua.portal.deps import CITIZEN_COOKIE
from tests.factories import (
    CHI_TIEN,
    T0,
    TEST_SECRET_KEY,
    VALID_ID,
    intake_data,
    login,
    make_officer,
    make_token,
    principal_of,
)

APPLICANT_PHONE = "0977123456"
VOLUNTEER_ID = "025190004321"  # the citizen a volunteer helped (born in Phú Thọ, 1990s)
VOLUNTEER_PHONE = "0966111222"
SENDER_PHONE = "0988777666"  # the feedback case's sender

OFFICER_ROLES = (Role.VOLUNTEER, Role.COUNCIL, Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.CENTRE_DIRECTOR,
                 Role.ADMIN, Role.PROVINCE_MONITOR)
#: Every caller of the matrix: the officer roles, a citizen, an API token in a role and one without a role.
CALLERS = (*(r.value for r in OFFICER_ROLES), "citizen", "token_reception", "token_without_role")


def scan_with(text: str) -> bytes:
    """A real PDF whose (uncompressed) metadata holds ``text``: its download shows the text in its bytes."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"CCCD {text}"})  # ASCII: written as is, not UTF-16
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    dossier_id: int  # received at the counter: no volunteer filed it
    document_id: int
    filed_id: int  # filed by the volunteer with the citizen's consent
    case_id: int
    officers: dict[str, Any]
    principals: dict[str, Principal]
    tokens: dict[str, str] = field(default_factory=dict)
    citizen_cookie: str = ""

    def client_for(self, client: TestClient, caller: str) -> tuple[TestClient, dict[str, str]]:
        """``client`` signed in as ``caller`` and the headers its requests carry."""
        client.cookies.clear()
        if caller.startswith("token_"):
            return client, {"Authorization": f"Bearer {self.tokens[caller]}"}
        if caller == "citizen":
            client.cookies.set(CITIZEN_COOKIE, self.citizen_cookie)
            return client, {}
        assert login(client, self.officers[caller].username).status_code == 303
        return client, {}


def build_world(session: Session, store: FileStore) -> World:
    officers = {}
    principals = {}
    for role in OFFICER_ROLES:
        commune = None if role is Role.PROVINCE_MONITOR else CHI_TIEN
        officer = make_officer(session, commune_code=commune, roles=(role,), username=f"ntk.{role.value}",
                               with_post=False)
        officers[role.value] = officer
        principals[role.value] = principal_of(officer, role)
    dossier = receive_dossier(session, actor=principals["reception"], now=T0, store=store,
                              data=intake_data(phone=APPLICANT_PHONE),
                              uploads=[Upload("giay_de_nghi", "can-cuoc.pdf", scan_with(VALID_ID))]).dossier
    filed = file_on_behalf(session, actor=principals["volunteer"], commune_code=CHI_TIEN,
                           uploads=[Upload("giay_de_nghi", "de-nghi.pdf", scan_with(VOLUNTEER_ID))],
                           data=intake_data(id_number=VOLUNTEER_ID, phone=VOLUNTEER_PHONE,
                                            applicant_name="Hà Thị Mai", documents_present=[]),
                           consent_method="paper", consent_scan=Upload(None, "dong-y.pdf", scan_with("dong y")),
                           store=store, now=T0, max_upload_bytes=10 * 1024 * 1024, code_key=TEST_SECRET_KEY)
    case = receive_case(session, now=T0, ip="192.0.2.7", data=FeedbackIn(
        commune_code=CHI_TIEN, subject="Chậm trả kết quả", content="Hồ sơ của tôi chưa được trả đúng hẹn.",
        sender_name="Vũ Văn Tâm", phone=SENDER_PHONE)).case
    tokens = {}
    for name, roles in (("token_reception", (Role.RECEPTION,)), ("token_without_role", ())):
        _, raw = make_token(session, officers["reception"], *roles, name=f"Tích hợp {name}")
        tokens[name] = raw
    _, cookie = sign_in(session, destination=Destination(Channel.SMS, APPLICANT_PHONE), full_name="Đặng Văn Đức",
                        now=T0)
    session.commit()
    return World(dossier_id=dossier.id, document_id=documents(session, dossier)[0].id, filed_id=filed.id,
                 case_id=case.id, officers=officers, principals=principals, tokens=tokens, citizen_cookie=cookie)


def read_events(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "personal_data.read")) or 0)


def last_read_event(session: Session) -> AuditEvent:
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.read")
                           .order_by(AuditEvent.id.desc()).limit(1))
    assert event is not None
    return event


def counting(session: Session, call: Callable[[], Any]) -> tuple[Any, int]:
    """``call()`` and the number of read events it wrote."""
    before = read_events(session)
    result = call()
    return result, read_events(session) - before
