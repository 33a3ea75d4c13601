"""The registry of issued results (``docstore.actions``): what the results domain calls at issue time, and what it
refuses (SQLite and PostgreSQL).

Rules checked: a verification code is 16 URL-safe random characters; a registration names a result of the dossier
whose stored file has exactly the hash given (the registry never vouches for bytes motcua does not hold); only the
deciding commune's handler or leader registers or revokes (Decree 118 Art. 19, 20(1)); a document or a code is
registered once; a revocation (cancelled or corrected, Art. 23) keeps the row with its date and reason and is done
once; every write is audited.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.principal import Principal
from motcua.docstore.actions import new_verification_code, register_issued, revoke_issued
from motcua.dossier.files import FileStore
from motcua.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.docstore.helpers import issued_result, registry_row, result_pdf
from tests.factories import T0, other_commune, staff


def test_codes_are_16_url_safe_random_characters() -> None:
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", c) for c in codes)


def test_a_registered_result_keeps_its_hash_number_body_and_signers(session: Session, team: dict[str, Principal],
                                                                      store: FileStore) -> None:
    dossier, doc, code = issued_result(session, team, store)
    row = registry_row(session, code)
    assert (row.dossier_id, row.document_id, row.number, row.signature, row.signers) == (
        dossier.id, doc.id, "12/GKS-UBND", "digital", ["Lê Minh Quân"])
    assert row.sha256 == hashlib.sha256(result_pdf("khai-sinh")).hexdigest()
    assert row.issuing_body == "Ủy ban nhân dân xã Chí Tiên" and row.revoked_at is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "docstore.issued")).one()
    assert code in event.data and row.sha256 in event.data  # the canonical JSON the chain hashes


def test_a_hash_that_is_not_the_stored_files_is_refused(session: Session, team: dict[str, Principal],
                                                        store: FileStore) -> None:
    dossier, doc, _ = issued_result(session, team, store)
    with pytest.raises(ValidationFailed, match="không khớp"):
        register_issued(session, actor=team["approver"], code=new_verification_code(), dossier_id=dossier.id,
                        document_id=doc.id, sha256=hashlib.sha256(b"other bytes").hexdigest(), number="13/GKS",
                        signature="digital", signers=["Lê Minh Quân"], now=T0 + timedelta(hours=2))


def test_a_document_is_registered_once(session: Session, team: dict[str, Principal], store: FileStore) -> None:
    dossier, doc, _ = issued_result(session, team, store)
    with pytest.raises(Conflict):
        register_issued(session, actor=team["approver"], code=new_verification_code(), dossier_id=dossier.id,
                        document_id=doc.id, sha256=hashlib.sha256(result_pdf("khai-sinh")).hexdigest(),
                        number="12/GKS-UBND", signature="digital", signers=["Lê Minh Quân"],
                        now=T0 + timedelta(hours=2))


@pytest.mark.parametrize("field, value", [("code", "short"), ("signature", "stamp"), ("number", " "),
                                          ("sha256", "xyz")])
def test_malformed_registrations_are_refused_in_vietnamese(session: Session, team: dict[str, Principal],
                                                           store: FileStore, field: str, value: str) -> None:
    dossier, doc, _ = issued_result(session, team, store)
    given: dict[str, object] = {"code": new_verification_code(), "signature": "digital", "number": "14/GKS",
                                "sha256": hashlib.sha256(result_pdf("khai-sinh")).hexdigest()}
    given[field] = value
    with pytest.raises(ValidationFailed) as refused:
        register_issued(session, actor=team["approver"], dossier_id=dossier.id, document_id=doc.id,
                        signers=["Lê Minh Quân"], now=T0, **given)  # type: ignore[arg-type]
    assert field in refused.value.fields


def test_only_the_deciding_communes_handler_or_leader_registers(session: Session, team: dict[str, Principal],
                                                                 store: FileStore) -> None:
    dossier, doc, _ = issued_result(session, team, store)
    digest = hashlib.sha256(result_pdf("khai-sinh")).hexdigest()
    with pytest.raises(Forbidden):  # the counter receives and returns; it does not issue
        revoke_issued(session, actor=team["reception"], dossier_id=dossier.id, reason="Sai", now=T0)
    elsewhere = staff(session, other_commune(session))
    with pytest.raises(NotFound):  # outside the jurisdiction: as if it did not exist
        register_issued(session, actor=elsewhere["approver"], code=new_verification_code(), dossier_id=dossier.id,
                        document_id=doc.id, sha256=digest, number="1", signature="digital", signers=["X"], now=T0)


def test_a_revocation_keeps_the_row_with_its_date_and_reason_once(session: Session, team: dict[str, Principal],
                                                                  store: FileStore) -> None:
    """Art. 23: a result cancelled or corrected no longer holds; the registry says since when and why."""
    dossier, _, code = issued_result(session, team, store)
    at = T0 + timedelta(days=3)
    with pytest.raises(ValidationFailed):
        revoke_issued(session, actor=team["approver"], dossier_id=dossier.id, reason="  ", now=at)
    assert revoke_issued(session, actor=team["approver"], dossier_id=dossier.id, reason="Đính chính họ tên",
                         now=at) == 1
    assert revoke_issued(session, actor=team["approver"], dossier_id=dossier.id, reason="Lần hai",
                         now=at + timedelta(hours=1)) == 0
    row = registry_row(session, code)
    assert (row.revoked_at, row.revoked_reason, row.revoked_by_id) == (at, "Đính chính họ tên", team["approver"].id)
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "docstore.revoked")).all() == [
        "docstore.revoked"]
