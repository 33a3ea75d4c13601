"""One writer per aggregate: a dossier has the same shape whichever way it came in (SQLite and PostgreSQL).

The rule: every dossier row and every timeline line is built as ``dossier.actions.DossierRow`` / ``EventRow`` (every
column of the table; mypy refuses a builder that misses one) and written by ``dossier.actions`` — ``create_dossier``
for the counter and the portal, ``DossierImport`` for dossiers that come with their history (the demo). So a new
column is set everywhere, or the type check fails. What legitimately differs between the ways in is a parameter,
named here with its reason; everything else must be the same.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.catalog.models import ProcedureVersion
from motcua.demo.dossiers import DEMO_SCOPE, load_demo_dossiers
from motcua.demo.org import load_demo_org
from motcua.dossier.actions import DossierRow, EventRow, Upload, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierDocument, DossierEvent
from motcua.dossier.schemas import IntakeIn
from motcua.dossier.workflow import Action, Status
from motcua.index.models import IndexPending
from motcua.notify.models import NotificationOutbox
from motcua.portal.actions.accounts import citizen_principal, parse_destination, sign_in
from motcua.portal.actions.filing import attach_to_draft, save_draft, start_draft, submit_draft
from tests.factories import T0, act_at, pdf_bytes, staff

#: Left out of `make check`: it loads a month of demo dossiers.
pytestmark = pytest.mark.slow

DEMO_NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Hà Nội
APPLICANT = ("applicant_kind", "applicant_name", "id_number", "tax_code", "phone", "email", "address",
             "address_commune_code")
#: Columns whose being set is a parameter of the way in, with the reason.
PARAMETERS = {
    "idempotency_scope": "the caller's idempotency key (the demo marks its rows with the scope alone)",
    "idempotency_key": "the caller's idempotency key",
    "request_digest": "the digest of the request sent with an idempotency key",
    "citizen_id": "the citizen account that follows the dossier online",
    "paper_transfer_due": "a paper dossier received at a counter goes to the deciding body (Art. 18, 20(2))",
}
ALL_KINDS = {"events", "documents", "clock", "outbox", "index queue", "audit"}


def set_columns(dossier: Dossier) -> set[str]:
    return {c.key for c in Dossier.__table__.columns if getattr(dossier, c.key) is not None}


def related_kinds(session: Session, dossier: Dossier) -> set[str]:
    def has(model: Any, *where: Any) -> bool:
        return bool(session.scalar(select(func.count()).select_from(model).where(*where)))

    found = {
        "events": has(DossierEvent, DossierEvent.dossier_id == dossier.id),
        "documents": has(DossierDocument, DossierDocument.dossier_id == dossier.id),
        "clock": bool(dossier.clock_events),
        "outbox": has(NotificationOutbox, NotificationOutbox.dossier_id == dossier.id),
        "index queue": has(IndexPending, IndexPending.dossier_id == dossier.id),
        "audit": has(AuditEvent, AuditEvent.object_kind == "dossier", AuditEvent.object_id == str(dossier.id)),
    }
    return {kind for kind, present in found.items() if present}


def test_the_row_types_name_every_column_of_their_tables() -> None:
    """A column added to the model without its key in DossierRow/EventRow fails here; once added, mypy fails every
    builder of a row that does not set it."""
    assert set(DossierRow.__annotations__) == {c.key for c in Dossier.__table__.columns}
    assert set(EventRow.__annotations__) == {c.key for c in DossierEvent.__table__.columns} - {"id"}


def test_counter_portal_and_demo_write_dossiers_of_the_same_shape(session: Session, tmp_path: Path) -> None:
    """The same applicant and procedure, at the same step (received, then transferred to the division), through the
    counter intake, the portal's online filing (then accepted) and the demo generator: the same columns are set, but
    for the parameters above; the counter's and the portal's dossiers have the same kinds of related rows, and the
    imported one exactly those an import has — its timeline and its clock, the import's audit event, and no
    documents (it brings none), no notices, no index queue (the index is rebuilt after the load)."""
    load_demo_org(session, now=DEMO_NOW, demo=True)
    load_demo_dossiers(session, now=DEMO_NOW, months=1, scale=0.05, parallel=False)
    online = {v.id for v in session.scalars(select(ProcedureVersion))
              if "online" in v.data.get("channels", []) and v.data.get("documents")}
    demo = session.scalars(select(Dossier).where(Dossier.status == Status.TRANSFERRED.value, Dossier.channel == 1,
                                                 Dossier.procedure_version_id.in_(online))
                           .order_by(Dossier.id).limit(1)).one()
    version = session.get_one(ProcedureVersion, demo.procedure_version_id)
    mandatory = sorted(d["key"] for d in version.data["documents"] if d.get("mandatory", True))
    applicant = {name: getattr(demo, name) for name in APPLICANT}

    team = staff(session)
    store = FileStore(tmp_path / "files")
    counter = receive_dossier(
        session, actor=team["reception"], now=T0, store=store, idempotency_key="quay-1",
        data=IntakeIn.model_validate({**applicant, "procedure_code": demo.procedure_code,
                                      "documents_present": mandatory}),
        uploads=[Upload(mandatory[0], "don.pdf", pdf_bytes())]).dossier
    counter = act_at(session, team["reception"], counter, Action.TRANSFER, 1)

    account, _ = sign_in(session, destination=parse_destination("0987000111"), full_name="Đặng Văn Đức", now=T0)
    draft = start_draft(session, citizen=account, procedure_code=demo.procedure_code,
                        commune_code=team["reception"].commune_code or "", now=T0)
    save_draft(session, citizen=account, draft_id=draft.id, now=T0,
               fields={k: v for k, v in applicant.items() if v is not None})
    for key in mandatory:
        attach_to_draft(session, citizen=account, draft_id=draft.id, requirement_key=key, filename=f"{key}.pdf",
                        data=pdf_bytes(), store=store, now=T0, max_upload_bytes=10 * 1024 * 1024)
    portal = submit_draft(session, citizen=account, actor=citizen_principal(account), draft_id=draft.id, now=T0)
    portal = act_at(session, team["reception"], portal, Action.ACCEPT_ONLINE, 1)
    portal = act_at(session, team["reception"], portal, Action.TRANSFER, 2)

    assert counter.status == portal.status == demo.status == Status.TRANSFERRED.value
    shapes = {way: set_columns(d) - set(PARAMETERS) for way, d in
              (("counter", counter), ("portal", portal), ("demo", demo))}
    assert shapes["counter"] == shapes["portal"] == shapes["demo"], shapes
    assert set_columns(counter) & set(PARAMETERS) == {"idempotency_scope", "idempotency_key", "request_digest",
                                                      "paper_transfer_due"}
    assert set_columns(portal) & set(PARAMETERS) == {"citizen_id"}
    assert set_columns(demo) & set(PARAMETERS) == {"idempotency_scope", "paper_transfer_due"}

    assert related_kinds(session, counter) == related_kinds(session, portal) == ALL_KINDS
    assert related_kinds(session, demo) == {"events", "clock"}
    imported = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.imported")).one()
    assert json.loads(imported.data)["dossiers"] == session.scalar(select(func.count()).select_from(Dossier).where(
        Dossier.idempotency_scope == DEMO_SCOPE))
    assert [e.action for e in session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == demo.id)
                                              .order_by(DossierEvent.id))] == ["receive", "transfer"]
