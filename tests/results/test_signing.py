"""Signing a result with the real signers of ``integrations.esign`` against the demo CA and its trust services over
HTTP (RFC 3161 timestamps, OCSP): the leader's PKCS#12 or PKCS#11 (SoftHSM2) signature then the seal, numbered,
attached, and confirmed by the integration's own verifier; a wrong PIN, an expired certificate, a remote approval
refused or timed out leave no result, no number used, and the draft waiting for a leader with the message."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM, Principal
from motcua.dossier.files import FileStore
from motcua.dossier.models import DossierDocument
from motcua.integrations.esign.demo import EsignServices
from motcua.integrations.esign.pki import IssuedCertificate
from motcua.integrations.esign.signers import SOFTHSM_MODULE, import_to_token, init_softhsm_token
from motcua.integrations.esign.verify import verify_pdf
from motcua.kit.errors import MotcuaError, ValidationFailed
from motcua.results.actions import add_credential, poll_remote_signing, sign_draft, start_remote_signing
from motcua.results.models import ResultDraft, ResultRegisterCounter
from motcua.results.signing import SigningContext
from motcua.results.workflow import DraftStatus
from tests.factories import CHI_TIEN
from tests.integrations.esign.conftest import assert_independently_valid
from tests.results.helpers import awaiting_approval, submitted_draft

COMMITTEE = "Ủy ban nhân dân xã Chí Tiên"
PIN = "135790"


@dataclass
class Trust:
    services: EsignServices
    seal: IssuedCertificate
    leader: IssuedCertificate
    token_conf: str
    directory: Path

    @property
    def context(self) -> SigningContext:
        assert self.services.tsa is not None and self.services.remote is not None and self.services.pki
        return SigningContext(timestamp_url=self.services.tsa.url, remote_url=self.services.remote.base_url,
                              trust_roots=tuple(self.services.pki.trust_roots))


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trust]:
    directory = tmp_path_factory.mktemp("esign")
    with EsignServices(directory / "ca") as services:
        pki = services.pki
        assert pki is not None
        seal = pki.issue_certificate("seal", common_name=COMMITTEE, organisation=COMMITTEE)
        leader = pki.issue_certificate("leader", common_name="Lê Minh Quân", organisation=COMMITTEE, title="Chủ tịch")
        token = init_softhsm_token(directory / "softhsm", label="motcua-results", pin=PIN)
        import_to_token(token, label="leader", key=leader.key, certificate=leader.certificate, chain=pki.chain)
        pki.enrol_remote("ct.leader", common_name="Lê Minh Quân", organisation=COMMITTEE, title="Chủ tịch")
        for issued in (seal, leader):
            Path(f"{issued.p12_path}.pass").write_text(issued.passphrase)
        yield Trust(services, seal, leader, str(token.conf_path), directory)


def _credentials(session: Session, leader: Principal, trust: Trust, kind: str) -> None:
    cert = trust.leader.certificate
    reference = {"pkcs12": str(trust.leader.p12_path), "remote": "ct.leader",
                 "pkcs11": json.dumps({"token": "motcua-results", "key": "leader", "module": SOFTHSM_MODULE,
                                       "conf": trust.token_conf})}[kind]
    add_credential(session, actor=SYSTEM, commune_code=CHI_TIEN, officer_id=leader.officer_id, kind=kind,
                   reference=reference, subject="Lê Minh Quân", serial=format(cert.serial_number, "x"),
                   not_after=cert.not_valid_after_utc, now=datetime.now(UTC))
    add_credential(session, actor=SYSTEM, commune_code=CHI_TIEN, officer_id=None, kind="pkcs12",
                   reference=str(trust.seal.p12_path), subject=COMMITTEE,
                   serial=format(trust.seal.certificate.serial_number, "x"),
                   not_after=trust.seal.certificate.not_valid_after_utc, now=datetime.now(UTC))


def _counter(session: Session) -> int | None:
    return session.scalar(select(ResultRegisterCounter.last_seq))


@pytest.mark.parametrize("kind", ["pkcs12", "pkcs11"])
def test_the_leader_signs_then_the_seal_numbered_attached(session: Session, team: dict[str, Principal],
                                                          store: FileStore, trust: Trust, kind: str) -> None:
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    _credentials(session, team["approver"], trust, kind)
    now = datetime.now(UTC)
    draft = sign_draft(session, actor=team["approver"], draft_id=draft.id, seen=draft.version, now=now, store=store,
                       context=trust.context, base_url="http://motcua.test", pin=PIN if kind == "pkcs11" else None)
    assert (draft.status, draft.signature, draft.number) == (DraftStatus.ISSUED, "digital", 1)
    document = session.get_one(DossierDocument, draft.document_id)
    assert document.signature == "digital"
    checked = verify_pdf(store.read(document.file_key), trust_roots=trust.services.pki.trust_roots, now=now)
    assert checked.valid and not checked.modified
    assert [s.signer_name for s in checked.signatures] == ["Lê Minh Quân", COMMITTEE]
    assert all(s.timestamp_valid and s.revocation_embedded for s in checked.signatures)
    assert_independently_valid(store.read(document.file_key), trust.services.pki.trust_roots, signatures=2)


def test_a_wrong_pin_leaves_nothing(session: Session, team: dict[str, Principal], store: FileStore,
                                   trust: Trust) -> None:
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    _credentials(session, team["approver"], trust, "pkcs11")
    with pytest.raises(MotcuaError, match="PIN"), session.begin_nested():
        sign_draft(session, actor=team["approver"], draft_id=draft.id, seen=draft.version,
                   now=datetime.now(UTC), store=store, context=trust.context, base_url="http://motcua.test",
                   pin="000000")
    session.expire_all()
    assert session.get_one(ResultDraft, draft.id).status == DraftStatus.SUBMITTED
    assert _counter(session) is None


def test_an_expired_certificate_is_refused_before_signing(session: Session, team: dict[str, Principal],
                                                          store: FileStore, trust: Trust) -> None:
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    _credentials(session, team["approver"], trust, "pkcs12")
    later = trust.leader.certificate.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(ValidationFailed, match="hết hạn"):
        sign_draft(session, actor=team["approver"], draft_id=draft.id, seen=draft.version, now=later, store=store,
                   context=trust.context, base_url="http://motcua.test")


def test_remote_signing_waits_then_a_refusal_brings_the_draft_back(session: Session, team: dict[str, Principal],
                                                                   store: FileStore, trust: Trust) -> None:
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    _credentials(session, team["approver"], trust, "remote")
    remote = trust.services.remote
    assert remote is not None
    kw = {"actor": team["approver"], "draft_id": draft.id, "store": store, "context": trust.context}
    draft = start_remote_signing(session, actor=team["approver"], draft_id=draft.id, seen=draft.version,
                                 now=datetime.now(UTC), context=trust.context, base_url="http://motcua.test")
    assert (draft.status, draft.number_text) == (DraftStatus.AWAITING_REMOTE, "01/GCN-UBND")
    assert poll_remote_signing(session, now=datetime.now(UTC), **kw) == "pending"
    remote.refuse(remote.sign_requests[-1].id)
    assert poll_remote_signing(session, now=datetime.now(UTC), **kw) == "failed"
    draft = session.get_one(ResultDraft, draft.id)
    assert draft.status == DraftStatus.SUBMITTED and "từ chối" in (draft.message or "").lower()
    # the next try keeps the number it holds; this time the phone times out, then approves on a third try
    draft = start_remote_signing(session, actor=team["approver"], draft_id=draft.id, seen=draft.version,
                                 now=datetime.now(UTC), context=trust.context, base_url="http://motcua.test")
    remote.expire(remote.sign_requests[-1].id)
    assert poll_remote_signing(session, now=datetime.now(UTC), **kw) == "failed"
    draft = session.get_one(ResultDraft, draft.id)
    draft = start_remote_signing(session, actor=team["approver"], draft_id=draft.id, seen=draft.version,
                                 now=datetime.now(UTC), context=trust.context, base_url="http://motcua.test")
    remote.approve(remote.sign_requests[-1].id)
    assert poll_remote_signing(session, now=datetime.now(UTC), **kw) == "issued"
    draft = session.get_one(ResultDraft, draft.id)
    assert (draft.status, draft.number_text, _counter(session)) == (DraftStatus.ISSUED, "01/GCN-UBND", 1)
    document = session.get_one(DossierDocument, draft.document_id)
    checked = verify_pdf(store.read(document.file_key), trust_roots=trust.services.pki.trust_roots,
                         now=datetime.now(UTC))
    assert checked.valid and len(checked.signatures) == 2
    assert_independently_valid(store.read(document.file_key), trust.services.pki.trust_roots, signatures=2)
    assert os.environ.get("SOFTHSM2_CONF")  # set by the token's set-up; signing reads it


def test_the_waiting_page_polls_until_the_phone_answers(client, app, clock, session: Session,
                                                        team: dict[str, Principal], store: FileStore, trust: Trust,
                                                        tmp_path: Path) -> None:
    """``/ket-qua/{id}/tu-xa`` (htmx, every 3 s): the waiting fragment while the phone has not answered, then
    ``HX-Redirect`` to the result's page once the leader approved."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.factories import csrf_token, login

    root = tmp_path / "root.pem"
    assert trust.services.pki is not None
    root.write_bytes(trust.services.pki.root_cert.public_bytes(Encoding.PEM))
    settings = app.state.settings
    settings.esign_tsa_url, settings.esign_remote_url = trust.context.timestamp_url, trust.context.remote_url
    settings.esign_trust_roots = str(root)
    clock.instant = datetime.now(UTC)  # the demo CA's certificates are valid from yesterday
    dossier = awaiting_approval(session, team, store)
    draft = submitted_draft(session, team, dossier)
    _credentials(session, team["approver"], trust, "remote")
    session.commit()
    login(client, team["approver"].name)
    token = csrf_token(client, f"/ket-qua/ho-so/{dossier.id}")
    page = client.post(f"/ket-qua/{draft.id}/ky-tu-xa", data={"csrf_token": token, "version": draft.version})
    assert "Chờ xác nhận ký số từ xa" in page.text and 'hx-post="/ket-qua/' in page.text
    waiting = client.post(f"/ket-qua/{draft.id}/tu-xa", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert waiting.status_code == 200 and 'id="remote-wait"' in waiting.text
    remote = trust.services.remote
    assert remote is not None
    remote.approve(remote.sign_requests[-1].id)
    done = client.post(f"/ket-qua/{draft.id}/tu-xa", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert done.headers["HX-Redirect"] == f"/ket-qua/ho-so/{dossier.id}?done=sign"
    assert "01/GCN-UBND" in client.get(f"/ket-qua/ho-so/{dossier.id}").text
