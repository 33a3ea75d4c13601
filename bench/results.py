"""Benchmark of signing and verifying electronic results, against pyHanko's own signing and validation of the same
PDF, measured in the same run.

    .venv/bin/python bench/results.py

Everything runs locally: the demo CA, the RFC 3161 TSA and the OCSP responder are the simulators over HTTP on
127.0.0.1 (``integrations.esign.simulators``), the token is Debian's SoftHSM2. The document is a one-page A4 result.

1. Signatures per second through ``esign.pdf.sign_pdf`` (PAdES, timestamp, OCSP checked before signing and
   embedded, the visible Vietnamese box in the embedded Liberation Serif), with a PKCS#12 file and with the PKCS#11
   token. Baseline: pyHanko's plain ``PdfSigner`` on the same PDF with the same key — PAdES, the same TSA,
   ``embed_validation_info`` with pyHanko fetching the OCSP answer itself, its default visible stamp (built-in
   font). The ratio ours/pyHanko is the price of the checks before signing and of the Vietnamese appearance.
2. Verification p95 through ``esign.verify.verify_pdf`` of the leader + seal document (two signatures), against
   pyHanko's ``validate_pdf_signature`` of each signature with a context built from the DSS (the same trust
   root, no fetching). The ratio is the price of the extra checks (the containers' unsigned parts, the
   modification verdict).
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from tests.integrations.esign.conftest import make_pdf

from motcua.integrations.esign.pdf import Appearance, sign_pdf
from motcua.integrations.esign.pki import ensure_demo_pki
from motcua.integrations.esign.signers import (
    SOFTHSM_MODULE,
    Pkcs12Signer,
    import_to_token,
    init_softhsm_token,
)
from motcua.integrations.esign.simulators import RevocationSimulator, TimestampSimulator
from motcua.integrations.esign.verify import verify_pdf

SIGNATURES = 15
VERIFICATIONS = 40
COMMITTEE = "Ủy ban nhân dân xã Chí Tiên"
BOX = Appearance(signer="Nguyễn Văn An", title="Chủ tịch UBND xã Chí Tiên", organisation=COMMITTEE)
SEAL = Appearance(signer=COMMITTEE, box=(330, 135, 565, 185))


def per_second(fn: Callable[[], object], count: int) -> float:
    fn()  # warm: fonts, connections
    start = time.perf_counter()
    for _ in range(count):
        fn()
    return count / (time.perf_counter() - start)


def p95_ms(fn: Callable[[], object], count: int) -> float:
    fn()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.quantiles(times, n=20)[-1] * 1000


def pyhanko_sign(pdf: bytes, signer: signers.Signer, roots: list[asn1_x509.Certificate], tsa_url: str) -> bytes:
    """pyHanko on its own: PAdES, its HTTP timestamper, OCSP fetched by its validation context, default stamp."""
    context = ValidationContext(trust_roots=roots, allow_fetching=True)
    meta = signers.PdfSignatureMetadata(field_name="LanhDao", subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", embed_validation_info=True,
                                        validation_context=context)
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=HTTPTimeStamper(tsa_url),
                                   new_field_spec=fields.SigFieldSpec("LanhDao", on_page=0, box=(330, 60, 565, 125)))
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), output=BytesIO())
    return bytes(out.getvalue())


def pyhanko_validate(pdf: bytes, roots: list[asn1_x509.Certificate]) -> None:
    reader = PdfFileReader(BytesIO(pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    for sig in reader.embedded_signatures:
        kwargs = {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"}
        status = validate_pdf_signature(sig, signer_validation_context=dss.as_validation_context(kwargs),
                                        ts_validation_context=dss.as_validation_context(kwargs))
        assert status.bottom_line


def main() -> int:
    for noisy in ("pyhanko", "fontTools"):  # layout and subsetting notes on every signature
        logging.getLogger(noisy).setLevel(logging.ERROR)
    directory = Path(tempfile.mkdtemp(prefix="motcua-bench-esign-"))
    ca = directory / "ca"
    pdf = make_pdf("QUYET DINH SO 12/QD-UBND")
    with RevocationSimulator(ca) as revocation, TimestampSimulator(ca) as tsa:
        pki = ensure_demo_pki(ca, ocsp_url=revocation.ocsp_url, crl_url=revocation.crl_url)
        leader = pki.issue_certificate("leader", common_name=BOX.signer, organisation=COMMITTEE, title="Chủ tịch")
        seal = pki.issue_certificate("seal", common_name=COMMITTEE, organisation=COMMITTEE)
        token = init_softhsm_token(directory / "softhsm", label="bench", pin="123456")
        import_to_token(token, label="leader", key=leader.key, certificate=leader.certificate, chain=pki.chain)
        roots = [asn1_x509.Certificate.load(der) for der in pki.trust_roots]
        now = datetime.now(UTC)

        print(f"signing: {SIGNATURES} signatures each, one-page PDF, TSA and OCSP over local HTTP")
        print(f"  {'signer':<10} {'ours /s':>9} {'pyHanko /s':>11} {'ours/pyHanko time':>18}")
        p12 = Pkcs12Signer(leader.p12_path, leader.passphrase)
        ours12 = per_second(lambda: sign_pdf(pdf, p12, BOX, field_name="LanhDao", now=now, timestamp_url=tsa.url,
                                             trust_roots=pki.trust_roots), SIGNATURES)
        simple = signers.SimpleSigner.load_pkcs12(str(leader.p12_path), passphrase=leader.passphrase.encode())
        assert simple is not None
        base12 = per_second(lambda: pyhanko_sign(pdf, simple, roots, tsa.url), SIGNATURES)
        print(f"  {'PKCS#12':<10} {ours12:>9.2f} {base12:>11.2f} {base12 / ours12:>18.2f}")

        p11 = token.signer("leader")
        ours11 = per_second(lambda: sign_pdf(pdf, p11, BOX, field_name="LanhDao", now=now, timestamp_url=tsa.url,
                                             trust_roots=pki.trust_roots), SIGNATURES)
        session = open_pkcs11_session(SOFTHSM_MODULE, token_criteria=__import__(
            "pyhanko.config.pkcs11", fromlist=["TokenCriteria"]).TokenCriteria(label="bench"), user_pin="123456")
        try:
            hsm = PKCS11Signer(session, key_label="leader", cert_label="leader", other_certs_to_pull=None)
            base11 = per_second(lambda: pyhanko_sign(pdf, hsm, roots, tsa.url), SIGNATURES)
        finally:
            session.close()
        print(f"  {'PKCS#11':<10} {ours11:>9.2f} {base11:>11.2f} {base11 / ours11:>18.2f}")

        signed = sign_pdf(pdf, p12, BOX, field_name="LanhDao", now=now, timestamp_url=tsa.url,
                          trust_roots=pki.trust_roots)
        signed = sign_pdf(signed, Pkcs12Signer(seal.p12_path, seal.passphrase), SEAL, field_name="ConDau", now=now,
                          timestamp_url=tsa.url, trust_roots=pki.trust_roots)
        assert verify_pdf(signed, trust_roots=pki.trust_roots, now=now).valid
        ours_v = p95_ms(lambda: verify_pdf(signed, trust_roots=pki.trust_roots, now=now), VERIFICATIONS)
        base_v = p95_ms(lambda: pyhanko_validate(signed, roots), VERIFICATIONS)
        print(f"verification of a 2-signature result, p95 of {VERIFICATIONS}: ours {ours_v:.0f} ms, "
              f"pyHanko {base_v:.0f} ms, ours/pyHanko {ours_v / base_v:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
