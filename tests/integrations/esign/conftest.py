"""Fixtures of the signature tests: one demo CA, its trust services over real HTTP, a SoftHSM2 token and the
certificates of a commune's leader and seal, shared by the whole session (key generation and the token cost the
most), plus the independent validators every produced signature is checked with."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from motcua.integrations.esign.aio import run_coroutine
from motcua.integrations.esign.pdf import Appearance, sign_pdf
from motcua.integrations.esign.pki import DemoPki, IssuedCertificate, ensure_demo_pki
from motcua.integrations.esign.signers import Pkcs12Signer, SoftHsmToken, import_to_token, init_softhsm_token
from motcua.integrations.esign.simulators import RemoteSigningSimulator, RevocationSimulator, TimestampSimulator

COMMITTEE = "Ủy ban nhân dân xã Chí Tiên"
LEADER = "Nguyễn Văn Ánh"
TITLE = "Chủ tịch"
TOKEN_PIN = "246810"


@dataclass
class EsignWorld:
    pki: DemoPki
    tsa: TimestampSimulator
    revocation: RevocationSimulator
    remote: RemoteSigningSimulator
    leader: IssuedCertificate
    seal: IssuedCertificate
    token: SoftHsmToken
    directory: Path

    @property
    def roots(self) -> list[bytes]:
        return self.pki.trust_roots

    def leader_signer(self) -> Pkcs12Signer:
        return Pkcs12Signer(self.leader.p12_path, self.leader.passphrase)

    def seal_signer(self) -> Pkcs12Signer:
        return Pkcs12Signer(self.seal.p12_path, self.seal.passphrase)


def make_pdf(text: str = "QUYET DINH") -> bytes:
    """A one-page A4 document with a line of text, standing in for a drafted result."""
    writer = PdfFileWriter()
    font = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Times-Roman")})
    content = generic.StreamObject(stream_data=f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("ascii"))
    page = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        generic.NameObject("/Resources"): generic.DictionaryObject({
            generic.NameObject("/Font"): generic.DictionaryObject({generic.NameObject("/F1"): font})}),
        generic.NameObject("/Contents"): writer.add_object(content)})
    writer.insert_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def esign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EsignWorld]:
    directory = tmp_path_factory.mktemp("esign")
    ca = directory / "ca"
    with RevocationSimulator(ca) as revocation, TimestampSimulator(ca) as tsa, \
            RemoteSigningSimulator(ca, timeout_seconds=300) as remote:
        pki = ensure_demo_pki(ca, ocsp_url=revocation.ocsp_url, crl_url=revocation.crl_url)
        leader = pki.issue_certificate("leader", common_name=LEADER, organisation=COMMITTEE, title=TITLE)
        seal = pki.issue_certificate("seal", common_name=COMMITTEE, organisation=COMMITTEE)
        token = init_softhsm_token(directory / "softhsm", label="motcua-test", pin=TOKEN_PIN)
        import_to_token(token, label="leader", key=leader.key, certificate=leader.certificate, chain=pki.chain)
        pki.enrol_remote("leader.remote", common_name=LEADER, organisation=COMMITTEE, title=TITLE)
        yield EsignWorld(pki, tsa, revocation, remote, leader, seal, token, directory)


@pytest.fixture(scope="session")
def base_pdf() -> bytes:
    return make_pdf()


LEADER_BOX = Appearance(signer=LEADER, title=f"{TITLE} UBND xã Chí Tiên", organisation=COMMITTEE,
                        box=(330, 60, 565, 125))
SEAL_BOX = Appearance(signer=COMMITTEE, box=(330, 135, 565, 185))


@pytest.fixture(scope="session")
def leader_signed(esign: EsignWorld, base_pdf: bytes) -> bytes:
    return sign_pdf(base_pdf, esign.leader_signer(), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                    timestamp_url=esign.tsa.url, trust_roots=esign.roots)


@pytest.fixture(scope="session")
def double_signed(esign: EsignWorld, leader_signed: bytes) -> bytes:
    return sign_pdf(leader_signed, esign.seal_signer(), SEAL_BOX, field_name="ConDau", now=datetime.now(UTC),
                    timestamp_url=esign.tsa.url, trust_roots=esign.roots)


# ------------------------------------------------------------------------------------------------ independent checks


def assert_independently_valid(pdf: bytes, roots: list[bytes], *, signatures: int) -> None:
    """pyHanko's own validator with a fresh context built only from the trust root and what the file embeds (no
    network), and Debian's pdfsig, both confirm every signature: intact, trusted, timestamped by a trusted TSA,
    revocation data (OCSP) embedded in the DSS and sufficient on its own."""
    reader = PdfFileReader(BytesIO(pdf))
    assert len(reader.embedded_signatures) == signatures
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps, "the DSS carries no OCSP response"
    for sig in reader.embedded_signatures:
        kwargs = {"trust_roots": [asn1_x509.Certificate.load(r) for r in roots], "allow_fetching": False,
                  "revocation_mode": "hard-fail"}
        # pyHanko's own validator (its coroutine: the sync wrapper's asyncio.run refuses a thread where Playwright's
        # sync API already runs a loop, as in a worker that ran a browser journey before)
        status = run_coroutine(async_validate_pdf_signature(
            sig, signer_validation_context=dss.as_validation_context(kwargs),
            ts_validation_context=ValidationContext(**{**kwargs, "revocation_mode": "soft-fail"})))
        assert status.bottom_line, status.pretty_print_details()
        assert status.intact and status.valid and status.trusted and not status.revoked
        assert status.timestamp_validity is not None and status.timestamp_validity.trusted
        assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert_pdfsig_valid(pdf, signatures=signatures)


def assert_pdfsig_valid(pdf: bytes, *, signatures: int) -> str:
    """poppler's pdfsig (NSS): every signature "is Valid", of type ETSI.CAdES.detached, the last one covering the
    whole document. (Its NSS database does not hold the demo root, so the certificate is reported untrusted: trust
    is pyHanko's part of the cross-check.)"""
    pdfsig = shutil.which("pdfsig")
    assert pdfsig, "pdfsig (poppler-utils) is missing: make sysdeps"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        report = subprocess.run([pdfsig, "-no-ocsp", handle.name], capture_output=True, text=True,
                                check=False).stdout
    assert report.count("Signature Validation: Signature is Valid.") == signatures, report
    assert report.count("Signature Type: ETSI.CAdES.detached") == signatures, report
    assert report.rstrip().split("Signature #")[-1].count("Total document signed") == 1, report
    return report
