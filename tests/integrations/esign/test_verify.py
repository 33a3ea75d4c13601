"""Verification (issue 17 item 5): each signature's signer, times, integrity, trust and revocation from the embedded
data — and whether the document changed since: untouched, signed again later (fine), changed by an incremental
update, or broken bytes. A damaged file is an answer, never an error."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from motcua.integrations.esign.pdf import sign_pdf
from motcua.integrations.esign.signers import Pkcs12Signer
from motcua.integrations.esign.verify import verify_pdf
from tests.integrations.esign.conftest import (
    COMMITTEE,
    LEADER,
    LEADER_BOX,
    EsignWorld,
    assert_independently_valid,
    make_pdf,
)


def test_a_signed_result_is_valid_with_who_and_when(esign: EsignWorld, double_signed: bytes) -> None:
    result = verify_pdf(double_signed, trust_roots=esign.roots, now=datetime.now(UTC))
    assert result.valid and not result.modified and result.has_dss
    assert result.sha256 == hashlib.sha256(double_signed).hexdigest()
    leader, seal = result.signatures
    assert (leader.field_name, leader.signer_name, leader.title, leader.organisation) == (
        "LanhDao", LEADER, "Chủ tịch", COMMITTEE)
    assert leader.serial == esign.leader.serial
    assert leader.modification == "signed_later"  # the seal came after: fine
    assert "ConDau" in leader.change_detail
    assert seal.signer_name == COMMITTEE and seal.modification == "intact"
    for check in result.signatures:
        assert check.intact and check.trusted and check.revoked is False and check.revocation_embedded
        assert check.timestamp_valid and check.timestamp_time is not None and check.signing_time is not None
        assert abs(check.timestamp_time - datetime.now(UTC)) < timedelta(hours=1)


def test_one_flipped_byte_is_shown_as_modified(esign: EsignWorld, leader_signed: bytes) -> None:
    """A byte of the page content changed: the digest no longer matches."""
    position = leader_signed.index(b"QUYET DINH")
    damaged = leader_signed[:position] + b"X" + leader_signed[position + 1:]
    result = verify_pdf(damaged, trust_roots=esign.roots, now=datetime.now(UTC))
    assert result.parsed and result.modified and not result.valid
    assert [s.modification for s in result.signatures] == ["broken"]
    assert not result.signatures[0].intact


def test_any_flipped_bit_anywhere_in_the_file_is_shown_as_modified(esign: EsignWorld, double_signed: bytes) -> None:
    """Not only the signed bytes: a bit flipped in the signature containers (a carried certificate, the timestamp
    token, the zero padding) or in the structure makes the file "modified" too — never valid, never an error."""
    size = len(double_signed)
    for step in range(24):
        position = size * step // 24 + 11
        damaged = bytearray(double_signed)
        damaged[position] ^= 0x01
        result = verify_pdf(bytes(damaged), trust_roots=esign.roots, now=datetime.now(UTC))
        assert result.modified and not result.valid, (position, result)


def test_a_file_that_does_not_parse_is_modified_not_an_error(esign: EsignWorld, leader_signed: bytes) -> None:
    result = verify_pdf(leader_signed[: len(leader_signed) // 3], trust_roots=esign.roots, now=datetime.now(UTC))
    assert result.modified and not result.valid
    result = verify_pdf(b"not a pdf at all", trust_roots=esign.roots, now=datetime.now(UTC))
    assert not result.parsed and result.modified and result.signatures == ()


def test_an_incremental_update_after_signing_is_modified_after_signing(esign: EsignWorld,
                                                                       leader_signed: bytes) -> None:
    """Someone appends a revision that changes the page: the signature is intact over its own revision, and the
    document is reported changed after signing."""
    writer = IncrementalPdfFileWriter(BytesIO(leader_signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 700 Td (DA SUA) Tj ET"))
    contents = page["/Contents"]
    page["/Contents"] = generic.ArrayObject([contents, extra])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust_roots=esign.roots, now=datetime.now(UTC))
    check = result.signatures[0]
    assert check.intact and check.trusted
    assert check.modification == "modified_after_signing" and check.change_detail
    assert result.modified and not result.valid


def test_bytes_appended_without_a_revision_are_modified_after_signing(esign: EsignWorld,
                                                                      leader_signed: bytes) -> None:
    result = verify_pdf(leader_signed + b"\n% appended later\n1 0 obj\n(x)\nendobj\n", trust_roots=esign.roots,
                        now=datetime.now(UTC))
    assert result.signatures[0].modification == "modified_after_signing" and result.modified


def test_an_unknown_root_is_not_trusted(esign: EsignWorld, leader_signed: bytes) -> None:
    other = esign.pki.tsa_cert  # any certificate that is not the CA's root
    from cryptography.hazmat.primitives.serialization import Encoding

    result = verify_pdf(leader_signed, trust_roots=[other.public_bytes(Encoding.DER)], now=datetime.now(UTC))
    check = result.signatures[0]
    assert check.intact and not check.trusted and not result.valid
    assert check.modification == "intact"


def test_an_unsigned_pdf_is_not_valid(esign: EsignWorld) -> None:
    result = verify_pdf(make_pdf(), trust_roots=esign.roots, now=datetime.now(UTC))
    assert result.parsed and not result.signed and not result.valid and not result.modified


def test_a_revocation_after_signing_does_not_undo_the_signature(esign: EsignWorld, base_pdf: bytes) -> None:
    """PAdES B-LT: the OCSP answer embedded at signing shows the certificate good at the timestamp's time; a later
    revocation (a leader leaving office) does not make the results signed before invalid."""
    issued = esign.pki.issue_certificate("later-revoked", common_name=LEADER, organisation=COMMITTEE)
    signed = sign_pdf(base_pdf, Pkcs12Signer(issued.p12_path, issued.passphrase), LEADER_BOX, field_name="LanhDao",
                      now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert_independently_valid(signed, esign.roots, signatures=1)
    esign.pki.revoke(issued.serial, at=datetime.now(UTC) + timedelta(seconds=1))
    result = verify_pdf(signed, trust_roots=esign.roots, now=datetime.now(UTC) + timedelta(days=1))
    assert result.valid and result.signatures[0].revoked is False


def test_fetching_asks_the_ca_for_the_current_status(esign: EsignWorld, base_pdf: bytes) -> None:
    """``allow_fetching``: the status now, from the CA's OCSP responder, instead of the embedded answer at signing
    time — a certificate revoked since is reported revoked."""
    issued = esign.pki.issue_certificate("fetched", common_name=LEADER, organisation=COMMITTEE)
    signed = sign_pdf(base_pdf, Pkcs12Signer(issued.p12_path, issued.passphrase), LEADER_BOX, field_name="LanhDao",
                      now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert_independently_valid(signed, esign.roots, signatures=1)
    assert verify_pdf(signed, trust_roots=esign.roots, now=datetime.now(UTC), allow_fetching=True).valid
    esign.pki.revoke(issued.serial)
    check = verify_pdf(signed, trust_roots=esign.roots, now=datetime.now(UTC), allow_fetching=True).signatures[0]
    assert check.revoked is True and not check.valid
    assert check.modification == "intact"  # revoked is not "modified": the bytes are as signed
