"""The demo's signing set-up (``make run``): the trust services start, the demo CA is created once and kept across
restarts (its revocation service comes back on the address written into the certificates), a leader signs with
the demo SoftHSM2 token and the committee's seal, and the result verifies against the configured roots."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from motcua.config import Settings
from motcua.integrations.esign.demo import (
    EsignServices,
    demo_pkcs11_signer,
    demo_pki_dir,
    demo_remote_signer,
    demo_seal_signer,
    trust_roots,
)
from motcua.integrations.esign.pdf import finish_remote, sign_pdf, start_remote
from motcua.integrations.esign.verify import verify_pdf
from tests.integrations.esign.conftest import (
    COMMITTEE,
    LEADER,
    LEADER_BOX,
    SEAL_BOX,
    assert_independently_valid,
    make_pdf,
)


def test_the_demo_signs_with_its_token_seal_and_phone_and_survives_a_restart(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MOTCUA_ESIGN_TSA_URL", "MOTCUA_ESIGN_REMOTE_URL"):  # restored after: configure() sets them
        monkeypatch.setenv(name, "")
    settings = Settings(files_dir=tmp_path / "files", database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    directory = demo_pki_dir(settings)
    with EsignServices(directory) as services:
        services.configure(settings)
        first_root = trust_roots(settings)
        token = demo_pkcs11_signer(settings, key_label="chutich.chitien", person=LEADER, title="Chủ tịch",
                                   committee=COMMITTEE)
        signed = sign_pdf(make_pdf(), token, LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                          timestamp_url=settings.esign_tsa_url, trust_roots=first_root)
        sealed = sign_pdf(signed, demo_seal_signer(settings, committee=COMMITTEE), SEAL_BOX, field_name="ConDau",
                          now=datetime.now(UTC), timestamp_url=settings.esign_tsa_url, trust_roots=first_root)
        assert verify_pdf(sealed, trust_roots=first_root, now=datetime.now(UTC)).valid
        assert_independently_valid(sealed, first_root, signatures=2)
        phone = demo_remote_signer(settings, user="pct.chitien", person=LEADER, title="Phó Chủ tịch",
                                   committee=COMMITTEE)
        pending = start_remote(make_pdf(), phone, LEADER_BOX, field_name="LanhDao", now=datetime.now(UTC),
                               timestamp_url=settings.esign_tsa_url, trust_roots=first_root)
        assert services.remote is not None
        services.remote.approve(pending.request_id)
        approved = finish_remote(pending)
        assert verify_pdf(approved, trust_roots=first_root, now=datetime.now(UTC)).valid
        assert_independently_valid(approved, first_root, signatures=1)
        port = services.revocation.base_url if services.revocation else ""
    with EsignServices(directory) as again:
        assert again.revocation is not None and again.revocation.base_url == port
        assert trust_roots(settings) == first_root  # the same CA: documents signed before still verify
        assert verify_pdf(sealed, trust_roots=trust_roots(settings), now=datetime.now(UTC)).valid
