"""The demo CA and the trust services' simulators speak the real protocols: RFC 3161 timestamps, RFC 6960 OCSP,
RFC 5280 CRLs, each signed by the demo CA and checked here with ``cryptography`` and asn1crypto (not with the code
under test)."""

from __future__ import annotations

import httpx
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from motcua.integrations.esign.pki import ensure_demo_identities, ensure_demo_pki, load_demo_pki
from tests.integrations.esign.conftest import COMMITTEE, LEADER, EsignWorld


def test_the_leader_certificate_is_a_personal_signing_certificate(esign: EsignWorld) -> None:
    cert = esign.leader.certificate
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == LEADER
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == COMMITTEE
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [d.access_location.value for d in aia] == [esign.revocation.ocsp_url]
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == esign.revocation.crl_url
    # the chain: leaf <- issuing CA <- root
    cert.verify_directly_issued_by(esign.pki.issuing_cert)
    esign.pki.issuing_cert.verify_directly_issued_by(esign.pki.root_cert)


def test_the_demo_ca_is_reused_when_it_exists(esign: EsignWorld) -> None:
    again = ensure_demo_pki(esign.pki.directory, ocsp_url=esign.pki.ocsp_url, crl_url=esign.pki.crl_url)
    assert again.root_cert == esign.pki.root_cert and again.issuing_cert == esign.pki.issuing_cert
    assert load_demo_pki(esign.pki.directory).tsa_cert == esign.pki.tsa_cert


def test_the_ocsp_responder_answers_good_then_revoked(esign: EsignWorld) -> None:
    issued = esign.pki.issue_certificate("ocsp-probe", common_name=LEADER, organisation=COMMITTEE)

    def ask() -> ocsp.OCSPResponse:
        request = ocsp.OCSPRequestBuilder().add_certificate(issued.certificate, esign.pki.issuing_cert,
                                                            hashes.SHA1()).build()
        answer = httpx.post(esign.revocation.ocsp_url, content=request.public_bytes(Encoding.DER),
                            headers={"Content-Type": "application/ocsp-request"})
        assert answer.headers["content-type"] == "application/ocsp-response"
        response = ocsp.load_der_ocsp_response(answer.content)
        esign.pki.issuing_cert.public_key().verify(  # type: ignore[call-arg]
            response.signature, response.tbs_response_bytes,
            __import__("cryptography.hazmat.primitives.asymmetric.padding", fromlist=["PKCS1v15"]).PKCS1v15(),
            response.signature_hash_algorithm)
        return response

    assert ask().certificate_status == ocsp.OCSPCertStatus.GOOD
    esign.pki.revoke(issued.serial)
    assert ask().certificate_status == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(httpx.get(esign.revocation.crl_url).content)
    assert crl.is_signature_valid(esign.pki.issuing_cert.public_key())  # type: ignore[arg-type]
    assert crl.get_revoked_certificate_by_serial_number(issued.serial) is not None


def test_the_tsa_answers_an_rfc3161_query_over_http(esign: EsignWorld) -> None:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(b"a result")
    query = tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest.finalize()}, "cert_req": True})
    answer = httpx.post(esign.tsa.url, content=query.dump(), headers={"Content-Type": "application/timestamp-query"})
    assert answer.headers["content-type"] == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(answer.content)
    assert reply["status"]["status"].native == "granted"
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == query["message_imprint"]["hashed_message"].native
    wrong = httpx.post(esign.tsa.url, content=b"junk", headers={"Content-Type": "application/json"})
    assert wrong.status_code == 415


def test_the_demo_gives_each_leader_and_each_committee_seal_a_certificate_once(esign: EsignWorld) -> None:
    people = [("chutich.chitien", LEADER, "Chủ tịch", COMMITTEE),
              ("pct.chitien", "Trần Thị Bình", "Phó Chủ tịch", COMMITTEE)]
    first = ensure_demo_identities(esign.pki, people)
    assert sorted(first) == sorted(["chutich.chitien", "pct.chitien", f"seal-{COMMITTEE}"])
    seal = first[f"seal-{COMMITTEE}"].certificate
    assert seal.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == COMMITTEE
    again = ensure_demo_identities(esign.pki, people)
    assert {k: v.serial for k, v in again.items()} == {k: v.serial for k, v in first.items()}
