"""Remote signing (the phone app officials approve with): the document is prepared and the request sent; it waits;
the leader approves, refuses or lets it expire. Only an approval yields a signed file; the other answers are
refusals with a Vietnamese message, and nothing signed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from motcua.integrations.esign.errors import (
    CertificateExpired,
    CertificateRevoked,
    CertificateUnusable,
    RemotePendingYet,
    RemoteRefused,
    RemoteTimedOut,
)
from motcua.integrations.esign.pdf import RemotePending, finish_remote, sign_pdf, start_remote
from motcua.integrations.esign.signers import RemoteSigner
from motcua.integrations.esign.verify import verify_pdf
from tests.integrations.esign.conftest import (
    COMMITTEE,
    LEADER,
    LEADER_BOX,
    SEAL_BOX,
    EsignWorld,
    assert_independently_valid,
)


def _start(esign: EsignWorld, pdf: bytes, user: str = "leader.remote") -> RemotePending:
    return start_remote(pdf, RemoteSigner(esign.remote.base_url, user), LEADER_BOX, field_name="LanhDao",
                        now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots,
                        description="Quyết định số 12/QĐ-UBND")


def test_an_approved_remote_signature_completes_and_validates(esign: EsignWorld, base_pdf: bytes) -> None:
    pending = _start(esign, base_pdf)
    request = next(r for r in esign.remote.sign_requests if r.id == pending.request_id)
    assert request.state == "pending" and request.description == "Quyết định số 12/QĐ-UBND"
    with pytest.raises(RemotePendingYet):
        finish_remote(pending)
    # the pending state survives a round trip through JSON (kept between two HTTP requests of the caller)
    pending = RemotePending.from_json(pending.to_json())
    esign.remote.approve(pending.request_id)
    signed = finish_remote(pending)
    assert_independently_valid(signed, esign.roots, signatures=1)
    check = verify_pdf(signed, trust_roots=esign.roots, now=datetime.now(UTC)).signatures[0]
    assert (check.signer_name, check.organisation) == (LEADER, COMMITTEE)
    sealed = sign_pdf(signed, esign.seal_signer(), SEAL_BOX, field_name="ConDau", now=datetime.now(UTC),
                      timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert_independently_valid(sealed, esign.roots, signatures=2)


def test_the_phone_approves_over_http(esign: EsignWorld, base_pdf: bytes) -> None:
    """What the app (or the simulator's page) sends: ``POST /sign-requests/<id>/approve``."""
    pending = _start(esign, base_pdf)
    page = httpx.get(esign.remote.base_url + "/")
    assert "Đồng ý ký" in page.text and pending.request_id in page.text
    answer = httpx.post(f"{esign.remote.base_url}/sign-requests/{pending.request_id}/approve")
    assert answer.status_code == 200 and answer.json()["done"] is True
    signed = finish_remote(pending)
    assert verify_pdf(signed, trust_roots=esign.roots, now=datetime.now(UTC)).valid
    assert_independently_valid(signed, esign.roots, signatures=1)


def test_a_refused_remote_request_is_refused_with_nothing_signed(esign: EsignWorld, base_pdf: bytes) -> None:
    pending = _start(esign, base_pdf)
    esign.remote.refuse(pending.request_id)
    with pytest.raises(RemoteRefused) as refused:
        finish_remote(pending)
    assert "từ chối" in refused.value.message and "chưa được ký" in refused.value.message
    # a refusal is final: approving afterwards changes nothing
    esign.remote.approve(pending.request_id)
    with pytest.raises(RemoteRefused):
        finish_remote(pending)


def test_a_remote_request_left_unanswered_times_out(esign: EsignWorld, base_pdf: bytes) -> None:
    pending = _start(esign, base_pdf)
    esign.remote.expire(pending.request_id)  # what the service does after its timeout
    with pytest.raises(RemoteTimedOut) as refused:
        finish_remote(pending)
    assert "hết hạn" in refused.value.message and refused.value.status_code == 408


def test_the_service_expires_requests_after_its_timeout(esign: EsignWorld, base_pdf: bytes) -> None:
    """The simulator's own clock: a request older than ``timeout_seconds`` is expired when next looked at."""
    pending = _start(esign, base_pdf)
    saved = esign.remote.timeout_seconds
    esign.remote.timeout_seconds = 0
    try:
        with pytest.raises(RemoteTimedOut):
            finish_remote(pending)
    finally:
        esign.remote.timeout_seconds = saved


def test_sign_pdf_with_a_remote_signer_waits_for_the_answer(esign: EsignWorld, base_pdf: bytes) -> None:
    esign.remote.auto_approve = True
    try:
        signed = sign_pdf(base_pdf, RemoteSigner(esign.remote.base_url, "leader.remote"), LEADER_BOX,
                          field_name="LanhDao", now=datetime.now(UTC), timestamp_url=esign.tsa.url,
                          trust_roots=esign.roots)
    finally:
        esign.remote.auto_approve = False
    assert verify_pdf(signed, trust_roots=esign.roots, now=datetime.now(UTC)).valid
    assert_independently_valid(signed, esign.roots, signatures=1)


def test_a_user_not_enrolled_at_the_service_is_refused(esign: EsignWorld, base_pdf: bytes) -> None:
    with pytest.raises(CertificateUnusable):
        _start(esign, base_pdf, user="nobody")


def test_a_revoked_remote_certificate_is_refused_before_the_request(esign: EsignWorld, base_pdf: bytes) -> None:
    issued = esign.pki.enrol_remote("revoked.remote", common_name=LEADER, organisation=COMMITTEE)
    esign.pki.revoke(issued.serial)
    before = len(esign.remote.sign_requests)
    with pytest.raises(CertificateRevoked):
        _start(esign, base_pdf, user="revoked.remote")
    assert len(esign.remote.sign_requests) == before  # nothing was sent to the phone


def test_an_expired_remote_certificate_is_refused_before_the_request(esign: EsignWorld, base_pdf: bytes) -> None:
    esign.pki.issue_certificate("expired.remote", common_name=LEADER, organisation=COMMITTEE, folder="remote",
                                not_before=datetime.now(UTC) - timedelta(days=400),
                                not_after=datetime.now(UTC) - timedelta(days=1))
    before = len(esign.remote.sign_requests)
    with pytest.raises(CertificateExpired):
        _start(esign, base_pdf, user="expired.remote")
    assert len(esign.remote.sign_requests) == before
