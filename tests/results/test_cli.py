"""``motcua results credential``: the operator records a leader's or a seal's credential; the certificate's facts
are read from the file, the passphrase stays in the ``.pass`` file beside it; an unknown officer is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from motcua.base.roles import Role
from motcua.cli import app as cli
from motcua.config import get_settings
from motcua.integrations.esign.pki import ensure_demo_pki
from motcua.results.models import SigningCredential
from tests.factories import CHI_TIEN, make_officer


@pytest.fixture
def cli_db(fresh_db, monkeypatch, tmp_path):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    monkeypatch.setenv("MOTCUA_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    yield fresh_db
    get_settings.cache_clear()


def test_the_operator_records_a_leaders_and_a_seals_credential(cli_db, tmp_path: Path) -> None:
    pki = ensure_demo_pki(tmp_path / "ca", ocsp_url="http://127.0.0.1:9/ocsp", crl_url="http://127.0.0.1:9/crl")
    seal = pki.issue_certificate("seal", common_name="Ủy ban nhân dân xã Chí Tiên",
                                 organisation="Ủy ban nhân dân xã Chí Tiên")
    Path(f"{seal.p12_path}.pass").write_text(seal.passphrase)
    leader = pki.issue_certificate("leader", common_name="Lê Thị Yến", organisation="UBND xã Chí Tiên",
                                   title="Chủ tịch")
    pem = tmp_path / "leader.pem"
    pem.write_bytes(leader.certificate.public_bytes(Encoding.PEM))
    with Session(cli_db.engine) as session:
        make_officer(session, username="ct.lanhdao", roles=(Role.APPROVER,), with_post=False, full_name="Lê Thị Yến")
    run = CliRunner().invoke
    result = run(cli, ["results", "credential", "--commune", CHI_TIEN, "--kind", "pkcs12",
                       "--reference", str(seal.p12_path)])
    assert result.exit_code == 0, result.output
    result = run(cli, ["results", "credential", "--commune", CHI_TIEN, "--kind", "remote", "--reference",
                       "ct.lanhdao", "--officer", "ct.lanhdao", "--certificate", str(pem)])
    assert result.exit_code == 0, result.output
    result = run(cli, ["results", "credential", "--commune", CHI_TIEN, "--kind", "remote", "--reference", "x",
                       "--officer", "khong.co", "--certificate", str(pem)])
    assert result.exit_code == 2 and "Không có cán bộ" in result.output
    with Session(cli_db.engine) as session:
        rows = session.scalars(select(SigningCredential).order_by(SigningCredential.id)).all()
    assert [(r.kind, r.officer_id is None, r.serial) for r in rows] == [
        ("pkcs12", True, format(seal.serial, "x")), ("remote", False, format(leader.serial, "x"))]
    assert "Lê Thị Yến" in rows[1].subject and "passphrase" not in rows[0].reference
