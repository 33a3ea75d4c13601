"""Who may change the procedure catalogue, and what a change does to dossiers already received (issue 13, finding 1).

The national catalogue changes only by the national operator's command (``motcua catalog import``); a province-level
administrator adds versions of their own province (the chairman's publication, Decree 63/2010/NĐ-CP Art. 15 as
amended by Decree 92/2017/NĐ-CP); a commune administrator changes nothing. A published version is immutable: a
dossier keeps the time limit, fees and checklist it was received under (OWASP ASVS 4.0 V4.1.3 least privilege,
V11.1.1 business logic in order).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.catalog.actions import PublishedVersionChanged, import_catalogue
from motcua.catalog.exchange import load_shipped
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.queries import version_in_force
from motcua.catalog.schemas import Catalogue
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.kit.errors import Forbidden
from tests.factories import HKD, T0, csrf_token, intake_data, login, make_officer, principal_of

NEW_FEE_FROM = date(2026, 12, 1)
LATER = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # a Monday after the new fee takes effect


def hkd_with(fee: int, effective_from: date | None = None) -> Catalogue:
    """The shipped household-business procedure with another fee (and, if given, another effective date)."""
    raw: dict[str, Any] = next(p.model_dump(mode="json") for p in load_shipped().procedures if p.code == HKD)
    raw["fees"] = [{**raw["fees"][0], "amount_vnd": fee}]
    if effective_from is not None:
        raw["effective_from"] = effective_from.isoformat()
    return Catalogue.model_validate({"version": 1, "procedures": [raw]})


def fee_of(version: ProcedureVersion) -> int:
    return int(version.data["fees"][0]["amount_vnd"])


def versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProcedureVersion)) or 0


def test_finding_01_commune_admin_cannot_import_catalogue(session: Session, client: TestClient) -> None:
    """A commune administrator's upload to POST /admin/catalogue is refused (403, in Vietnamese) and no version of
    the catalogue changes; before the fix it overwrote the national version in place."""
    make_officer(session, username="xa.quantri", roles=(Role.ADMIN,))
    before = versions(session)
    _, old = version_in_force(session, HKD, T0.date())
    old_fee = fee_of(old)
    login(client, "xa.quantri")
    body = json.dumps(hkd_with(1).model_dump(mode="json")).encode()
    response = client.post("/admin/catalogue", data={"csrf_token": csrf_token(client, "/procedures")},
                           files={"file": ("danh-muc.json", body, "application/json")})
    assert response.status_code == 403
    assert "quản trị viên cấp tỉnh" in response.text
    session.expire_all()
    assert versions(session) == before
    assert fee_of(version_in_force(session, HKD, T0.date())[1]) == old_fee
    page = client.get("/procedures")
    assert 'action="/admin/catalogue"' not in page.text  # the form is not offered either


def test_finding_01_commune_admin_and_token_cannot_import_via_api(session: Session) -> None:
    """The action itself refuses a commune administrator and any API token, whatever route calls it."""
    officer = make_officer(session, roles=(Role.ADMIN,))
    commune_admin = principal_of(officer, Role.ADMIN)
    with pytest.raises(Forbidden):
        import_catalogue(session, actor=commune_admin, catalogue=hkd_with(1, date(2026, 12, 1)), now=T0, source="x")
    token = SYSTEM.__class__(kind="token", id=1, name="tich-hop", province_code="25", commune_code=None,
                             roles=frozenset({Role.ADMIN}))
    with pytest.raises(Forbidden):
        import_catalogue(session, actor=token, catalogue=hkd_with(1, date(2026, 12, 1)), now=T0, source="x")


def test_finding_01_published_version_is_immutable(session: Session, team: dict, store: FileStore) -> None:
    """A dossier received under a version keeps its fee: a changed record under the same effective date is refused,
    a changed record with a new date becomes a new version in force for dossiers from that date, and an identical
    re-import changes nothing."""
    received = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                               now=T0).dossier
    session.commit()  # the dossier stays when the refused import below is rolled back
    old = session.get_one(ProcedureVersion, received.procedure_version_id)
    old_fee, old_id = fee_of(old), old.id

    with pytest.raises(PublishedVersionChanged, match="không được sửa"):
        import_catalogue(session, actor=SYSTEM, catalogue=hkd_with(old_fee + 50_000), now=T0, source="sua")
    session.rollback()
    session.expire_all()
    assert fee_of(session.get_one(ProcedureVersion, old_id)) == old_fee

    result = import_catalogue(session, actor=SYSTEM, catalogue=hkd_with(old_fee + 50_000, NEW_FEE_FROM),
                              now=T0, source="phi-moi")
    assert (result.created, result.versioned, result.unchanged) == (0, 1, 0)
    again = import_catalogue(session, actor=SYSTEM, catalogue=hkd_with(old_fee + 50_000, NEW_FEE_FROM),
                             now=T0, source="phi-moi")
    assert (again.versioned, again.unchanged) == (0, 1)
    session.expire_all()
    assert session.get_one(type(received), received.id).procedure_version_id == old_id
    assert fee_of(session.get_one(ProcedureVersion, old_id)) == old_fee
    assert version_in_force(session, HKD, date(2026, 11, 30), "25")[1].id == old_id
    later = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                            now=LATER).dossier
    assert later.procedure_version_id != old_id
    assert fee_of(session.get_one(ProcedureVersion, later.procedure_version_id)) == old_fee + 50_000
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "catalog.imported")
                            .order_by(AuditEvent.id.desc())).first()
    assert event is not None and f"{HKD}@{NEW_FEE_FROM.isoformat()}" in json.dumps(event.data)


def test_finding_01_province_admin_imports_for_their_province_only(session: Session, team: dict,
                                                                   store: FileStore, client: TestClient) -> None:
    """A province-level administrator's import is a version of that province: it wins there over the national one,
    leaves other provinces and the national catalogue alone, and is audited with its scope."""
    make_officer(session, username="tinh.quantri", commune_code=None, roles=(Role.ADMIN,))
    _, national = version_in_force(session, HKD, T0.date())
    login(client, "tinh.quantri")
    body = json.dumps(hkd_with(0, date(2026, 11, 1)).model_dump(mode="json")).encode()
    response = client.post("/admin/catalogue", data={"csrf_token": csrf_token(client, "/procedures")},
                           files={"file": ("mien-phi.json", body, "application/json")})
    assert response.status_code == 200, response.text
    session.expire_all()
    assert fee_of(version_in_force(session, HKD, T0.date(), "25")[1]) == 0
    assert version_in_force(session, HKD, T0.date(), "01")[1].id == national.id
    assert version_in_force(session, HKD, T0.date())[1].id == national.id
    dossier = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    assert fee_of(session.get_one(ProcedureVersion, dossier.procedure_version_id)) == 0
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "catalog.imported")
                            .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.province_code == "25" and event.object_id == "25"
