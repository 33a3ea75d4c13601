"""Signing with a PKCS#11 token (the leader's USB token; Debian's SoftHSM2 stands in for it): the key never leaves
the token, the PIN unlocks it. A wrong PIN, a missing token and a token pulled out mid-signing are refused with a
Vietnamese message and nothing signed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from motcua.integrations.esign.errors import CertificateExpired, CertificateRevoked, TokenAbsent, WrongPin
from motcua.integrations.esign.pdf import sign_pdf
from motcua.integrations.esign.signers import OpenSigner, Pkcs11Signer, import_to_token
from motcua.integrations.esign.verify import verify_pdf
from tests.integrations.esign.conftest import (
    COMMITTEE,
    LEADER,
    LEADER_BOX,
    SEAL_BOX,
    EsignWorld,
    assert_independently_valid,
)


@pytest.fixture(scope="module")
def token_signed(esign: EsignWorld, base_pdf: bytes) -> bytes:
    return sign_pdf(base_pdf, esign.token.signer("leader"), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                    timestamp_url=esign.tsa.url, trust_roots=esign.roots)


def test_a_token_signature_is_confirmed_by_pyhanko_and_pdfsig(esign: EsignWorld, token_signed: bytes) -> None:
    assert_independently_valid(token_signed, esign.roots, signatures=1)
    check = verify_pdf(token_signed, trust_roots=esign.roots, now=datetime.now(UTC)).signatures[0]
    assert check.signer_name == LEADER and check.serial == esign.leader.serial


def test_the_seal_signs_after_a_token_signature(esign: EsignWorld, token_signed: bytes) -> None:
    sealed = sign_pdf(token_signed, esign.seal_signer(), SEAL_BOX, field_name="ConDau", now=datetime.now(UTC),
                      timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert_independently_valid(sealed, esign.roots, signatures=2)


def test_a_wrong_pin_is_refused(esign: EsignWorld, base_pdf: bytes) -> None:
    with pytest.raises(WrongPin) as refused:
        sign_pdf(base_pdf, esign.token.signer("leader", pin="000000"), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "Mã PIN" in refused.value.message and "chưa được ký" in refused.value.message
    assert refused.value.status_code == 403


def test_a_missing_token_is_refused(esign: EsignWorld, base_pdf: bytes) -> None:
    absent = Pkcs11Signer(esign.token.module_path, "not-plugged-in", esign.token.pin, "leader")
    with pytest.raises(TokenAbsent) as refused:
        sign_pdf(base_pdf, absent, LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                 timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "thiết bị ký số" in refused.value.message


@dataclass(frozen=True)
class PulledOut:
    """The token as the leader pulls it out after unlocking it: the PKCS#11 session the key lives in is gone by the
    time the signature is computed (what the module reports as a closed session / removed device)."""

    inner: Pkcs11Signer
    kind: str = "pkcs11"

    @contextlib.contextmanager
    def open(self) -> Iterator[OpenSigner]:
        with self.inner.open() as opened:
            opened.hanko.pkcs11_session.close()  # type: ignore[attr-defined]
            yield opened


def test_a_token_pulled_out_mid_signing_is_refused_with_nothing_signed(esign: EsignWorld, base_pdf: bytes) -> None:
    before = esign.tsa.requests_by_key["timestamp"]
    with pytest.raises(TokenAbsent) as refused:
        sign_pdf(base_pdf, PulledOut(esign.token.signer("leader")), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "rút ra" in refused.value.message
    # the signature was never completed: no timestamp was asked for the (non-existent) signature value
    assert esign.tsa.requests_by_key["timestamp"] <= before + 1
    # and the token still works once plugged back in
    again = sign_pdf(base_pdf, esign.token.signer("leader"), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                     timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert_independently_valid(again, esign.roots, signatures=1)


def test_an_expired_certificate_on_the_token_is_refused(esign: EsignWorld, base_pdf: bytes) -> None:
    expired = esign.pki.issue_expired_certificate("token-expired", common_name=LEADER, organisation=COMMITTEE)
    import_to_token(esign.token, label="expired", key=expired.key, certificate=expired.certificate,
                    chain=esign.pki.chain)
    with pytest.raises(CertificateExpired):
        sign_pdf(base_pdf, esign.token.signer("expired"), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                 timestamp_url=esign.tsa.url, trust_roots=esign.roots)


def test_a_revoked_certificate_on_the_token_is_refused(esign: EsignWorld, base_pdf: bytes) -> None:
    revoked = esign.pki.issue_certificate("token-revoked", common_name=LEADER, organisation=COMMITTEE)
    import_to_token(esign.token, label="revoked", key=revoked.key, certificate=revoked.certificate,
                    chain=esign.pki.chain)
    esign.pki.revoke(revoked.serial)
    with pytest.raises(CertificateRevoked):
        sign_pdf(base_pdf, esign.token.signer("revoked"), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                 timestamp_url=esign.tsa.url, trust_roots=esign.roots)


def test_two_signatures_on_one_token_at_once_both_complete(esign: EsignWorld, base_pdf: bytes) -> None:
    """Two leaders' requests reach the same token together (one HSM for the commune): PKCS#11 logs in per
    application, so the second login would collide with the first session; signatures take turns instead."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(sign_pdf, base_pdf, esign.token.signer("leader"), LEADER_BOX, field_name="LanhDao",
                               now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
                   for _ in range(2)]
        results = [future.result() for future in futures]
    for signed in results:
        assert_independently_valid(signed, esign.roots, signatures=1)
