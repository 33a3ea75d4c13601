"""Signing with a PKCS#12 certificate: PAdES with an RFC 3161 timestamp, revocation data embedded (B-LT), a visible
box in Vietnamese, the leader then the agency seal (Decree 118/2025 Art. 22) — and the refusals that leave nothing
signed behind (expired, revoked, TSA or OCSP down, wrong passphrase)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from motcua.integrations.esign.errors import (
    CertificateExpired,
    CertificateRevoked,
    DocumentUnsignable,
    RevocationUnavailable,
    TimestampUnavailable,
    WrongPin,
)
from motcua.integrations.esign.pdf import FONT_PATH, Appearance, sign_pdf
from motcua.integrations.esign.signers import Pkcs12Signer
from tests.integrations.esign.conftest import (
    COMMITTEE,
    LEADER,
    LEADER_BOX,
    EsignWorld,
    assert_independently_valid,
)

VIETNAMESE = re.compile(r"[^\x00-\x7f]")


def test_a_pkcs12_signature_is_confirmed_by_pyhanko_and_pdfsig(esign: EsignWorld, leader_signed: bytes) -> None:
    """The leader's signature validates independently: intact, trusted to the demo root, timestamped by the TSA,
    OCSP embedded in the DSS and enough without network."""
    assert_independently_valid(leader_signed, esign.roots, signatures=1)


def test_the_seal_signs_after_the_leader_and_both_signatures_stay_valid(esign: EsignWorld,
                                                                         double_signed: bytes) -> None:
    """Art. 22: the personal signature, then the agency seal as a second, incremental signature."""
    reader = PdfFileReader(BytesIO(double_signed))
    assert [s.field_name for s in reader.embedded_signatures] == ["LanhDao", "ConDau"]
    assert_independently_valid(double_signed, esign.roots, signatures=2)


def test_the_visible_box_says_who_signed_in_vietnamese_with_every_glyph(leader_signed: bytes) -> None:
    """The appearance is a real widget on the page with the signer, title and time, in a font embedded with a
    ToUnicode map covering every Vietnamese character of the text (a missing glyph would print as a box)."""
    reader = PdfFileReader(BytesIO(leader_signed))
    page = reader.root["/Pages"]["/Kids"][0]
    widgets = [a.get_object() for a in page["/Annots"]]
    widget = next(w for w in widgets if w.get("/T") == "LanhDao")
    assert [round(float(v)) for v in widget["/Rect"]] == [330, 60, 565, 125]
    appearance = widget["/AP"]["/N"]
    fonts = appearance["/Resources"]["/Font"]
    mapped = set()
    for ref in fonts.values():
        to_unicode = ref.get_object()["/ToUnicode"].get_object().data.decode("latin-1")
        mapped |= _to_unicode_targets(to_unicode)
    text = LEADER_BOX.text(datetime.now(UTC))
    assert text.startswith(f"Ký bởi: {LEADER}\nChủ tịch UBND xã Chí Tiên\n{COMMITTEE}\nThời gian ký: ")
    wanted = set(VIETNAMESE.findall(text))
    assert wanted and wanted <= mapped
    cmap = TTFont(FONT_PATH).getBestCmap()
    assert all(ord(ch) in cmap for ch in wanted)


def _to_unicode_targets(cmap: str) -> set[str]:
    """The characters a ToUnicode CMap maps glyphs to (bfchar pairs, bfrange arrays and increments)."""
    targets: set[str] = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        targets |= {chr(int(dst, 16)) for dst in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block)}
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, rest in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
            if rest.startswith("["):
                targets |= {chr(int(dst, 16)) for dst in re.findall(r"<([0-9A-Fa-f]+)>", rest)}
            else:
                start = int(rest.strip("<>"), 16)
                targets |= {chr(start + i) for i in range(int(high, 16) - int(low, 16) + 1)}
    return targets


def test_the_time_in_the_box_is_vietnam_time() -> None:
    box = Appearance(signer="Nguyễn Văn A", title="Chủ tịch UBND xã Chí Tiên")
    assert box.text(datetime(2026, 12, 7, 7, 5, tzinfo=UTC)) == (
        "Ký bởi: Nguyễn Văn A\nChủ tịch UBND xã Chí Tiên\nThời gian ký: 07/12/2026 14:05")


def test_an_expired_certificate_is_refused_before_signing(esign: EsignWorld, base_pdf: bytes) -> None:
    expired = esign.pki.issue_expired_certificate("expired", common_name=LEADER, organisation=COMMITTEE)
    before = esign.tsa.requests
    with pytest.raises(CertificateExpired) as refused:
        sign_pdf(base_pdf, Pkcs12Signer(expired.p12_path, expired.passphrase), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "hết hạn" in refused.value.message and "chưa được ký" in refused.value.message
    assert esign.tsa.requests == before  # refused before anything was asked of the TSA


def test_expiry_is_judged_at_the_injected_time(esign: EsignWorld, base_pdf: bytes) -> None:
    """Validity is checked at ``now``, not the machine's clock: the leader's certificate is not yet valid before its
    issue date."""
    with pytest.raises(CertificateExpired) as refused:
        sign_pdf(base_pdf, esign.leader_signer(), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC) - timedelta(days=30), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "chỉ có hiệu lực từ ngày" in refused.value.message


def test_a_revoked_certificate_is_refused_before_signing(esign: EsignWorld, base_pdf: bytes) -> None:
    revoked = esign.pki.issue_certificate("revoked", common_name=LEADER, organisation=COMMITTEE)
    esign.pki.revoke(revoked.serial)
    with pytest.raises(CertificateRevoked) as refused:
        sign_pdf(base_pdf, Pkcs12Signer(revoked.p12_path, revoked.passphrase), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "bị thu hồi" in refused.value.message and refused.value.status_code == 422


def test_a_revoked_certificate_is_refused_from_the_crl_when_ocsp_is_down(esign: EsignWorld, base_pdf: bytes) -> None:
    """OCSP unreachable: the CRL decides. The revocation simulator serves both, so its OCSP path is broken by
    pointing the certificate's check at a CRL only — here by failing the next request (the OCSP one)."""
    revoked = esign.pki.issue_certificate("revoked-crl", common_name=LEADER, organisation=COMMITTEE)
    esign.pki.revoke(revoked.serial)
    esign.revocation.fail_next(1)
    with pytest.raises(CertificateRevoked):
        sign_pdf(base_pdf, Pkcs12Signer(revoked.p12_path, revoked.passphrase), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)


def test_signing_is_refused_when_revocation_cannot_be_checked(esign: EsignWorld, base_pdf: bytes) -> None:
    esign.revocation.fail_all(503)
    try:
        with pytest.raises(RevocationUnavailable) as refused:
            sign_pdf(base_pdf, esign.leader_signer(), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                     timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    finally:
        esign.revocation.fail_all(None)
    assert refused.value.status_code == 503 and "thu hồi" in refused.value.message


def test_signing_is_refused_when_the_tsa_is_unavailable(esign: EsignWorld, base_pdf: bytes) -> None:
    esign.tsa.fail_all(503)
    try:
        with pytest.raises(TimestampUnavailable) as refused:
            sign_pdf(base_pdf, esign.leader_signer(), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                     timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    finally:
        esign.tsa.fail_all(None)
    assert "dấu thời gian" in refused.value.message


def test_a_wrong_pkcs12_passphrase_is_refused(esign: EsignWorld, base_pdf: bytes) -> None:
    with pytest.raises(WrongPin) as refused:
        sign_pdf(base_pdf, Pkcs12Signer(esign.leader.p12_path, "not-the-passphrase"), LEADER_BOX,
                 field_name="LanhDao", now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "Mật khẩu" in refused.value.message


def test_the_signature_dictionary_is_pades(leader_signed: bytes) -> None:
    """ETSI.CAdES.detached, and the document's DSS holds the OCSP answer in the signed revision (B-LT)."""
    reader = PdfFileReader(BytesIO(leader_signed))
    sig = reader.embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert "/DSS" in reader.root and reader.root["/DSS"]["/OCSPs"]


def test_a_field_already_signed_is_not_signed_over(esign: EsignWorld, leader_signed: bytes) -> None:
    with pytest.raises(DocumentUnsignable) as refused:
        sign_pdf(leader_signed, esign.seal_signer(), LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                 timestamp_url=esign.tsa.url, trust_roots=esign.roots)
    assert "đã có chữ ký" in refused.value.message


def test_a_file_that_is_not_a_pdf_is_refused(esign: EsignWorld) -> None:
    with pytest.raises(DocumentUnsignable):
        sign_pdf(b"%PDF-1.7 but nothing after", esign.leader_signer(), LEADER_BOX, field_name="LanhDao",
                 now=datetime.now(UTC), timestamp_url=esign.tsa.url, trust_roots=esign.roots)
