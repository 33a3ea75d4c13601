"""The `motcua` command on a real database: migrate loads the units, demo-data staffs a province, create-officer."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from motcua.audit.models import AuditAnchor
from motcua.cli import app as cli
from motcua.config import get_settings
from motcua.dossier.models import Dossier
from motcua.kit.statusfile import read_status
from motcua.org.models import Assignment, Commune, Officer, PredecessorUnit, Province


@pytest.fixture
def cli_db(fresh_db, monkeypatch, tmp_path):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    monkeypatch.setenv("MOTCUA_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    yield fresh_db
    get_settings.cache_clear()


def _count(engine, model, *where):
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_migrate_loads_all_34_provinces_and_3321_communes(cli_db):
    """Resolution 202/2025/QH15 and Decision 19/2025/QĐ-TTg: 34 provinces, 3,321 commune-level units."""
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    assert _count(cli_db.engine, Province) == 34
    assert _count(cli_db.engine, Commune) == 3321
    assert _count(cli_db.engine, PredecessorUnit) > 3321  # most communes were merged from several
    again = CliRunner().invoke(cli, ["migrate"])
    assert "(0 mới)" in again.output and _count(cli_db.engine, Commune) == 3321


@pytest.mark.slow
def test_demo_data_staffs_phu_tho_and_loads_the_recent_months_first(cli_db, monkeypatch):
    """`make run`: `demo-data --background` staffs every commune of Phú Thọ once, returns once the last complete
    month and this one are loaded and indexed (issue 16: the first page within a minute), and a process of its own
    fills in the earlier months, its progress in the status file every page reads; run again, with or without
    --background, it loads nothing twice."""
    monkeypatch.setenv("MOTCUA_DEMO", "true")  # the demo officers' shared password is accepted in demo mode only
    get_settings.cache_clear()
    CliRunner().invoke(cli, ["migrate"])
    result = CliRunner().invoke(cli, ["demo-data", "--months", "3", "--scale", "0.03", "--background"])
    assert result.exit_code == 0, result.output
    assert "Hồ sơ mẫu tháng trước và tháng này:" in result.output and "chế độ nền" in result.output
    assert "chitien.tiepnhan" in result.output and "tinh25.theodoi" in result.output and "motcua2025" in result.output
    status = get_settings().demo_load_status
    first = read_status(status)
    assert first is not None and first["state"] in ("loading", "done")
    recent = _count(cli_db.engine, Dossier)
    assert recent > 0
    with Session(cli_db.engine) as s:
        staffed = s.execute(select(func.count(func.distinct(Officer.commune_code)))
                            .where(Officer.province_code == "25")).scalar_one()
        receptions = s.scalars(select(Officer.username).where(Officer.username.like("%.tiepnhan"))).all()
        concurrent = s.execute(select(func.count()).select_from(Assignment)
                               .where(Assignment.concurrent.is_(True))).scalar_one()
        sizes = s.execute(select(func.count()).select_from(Officer).where(Officer.commune_code.is_not(None))
                          .group_by(Officer.commune_code)).scalars().all()
    assert staffed == 148 and len(receptions) == 148
    assert concurrent > 0  # kiêm nhiệm (seed 004)
    assert min(sizes) < max(sizes)  # staffing is uneven between communes (seed 004)

    deadline = time.monotonic() + 240
    while (read_status(status) or {}).get("state") == "loading" and time.monotonic() < deadline:
        time.sleep(0.5)
    done = read_status(status)
    assert done is not None and done["state"] == "done", status.with_suffix(".log").read_text("utf-8")
    loaded = _count(cli_db.engine, Dossier)
    assert loaded > recent
    with Session(cli_db.engine) as s:
        oldest = s.scalar(select(func.min(Dossier.received_at)))
    assert oldest is not None and oldest.date() < date.fromisoformat(first["until"])

    officers = _count(cli_db.engine, Officer)
    again = CliRunner().invoke(cli, ["demo-data", "--months", "3", "--scale", "0.03", "--background"])
    assert again.exit_code == 0 and "chế độ nền" not in again.output
    assert CliRunner().invoke(cli, ["demo-data", "--months", "3", "--scale", "0.03"]).exit_code == 0
    assert _count(cli_db.engine, Dossier) == loaded and _count(cli_db.engine, Officer) == officers


def test_create_officer_validates_its_input(cli_db):
    runner = CliRunner()
    ok = runner.invoke(cli, ["create-officer", "--username", "chitien.moi", "--full-name", "Lò Văn Páo",
                             "--province", "25", "--commune", "08218", "--role", "reception", "--role", "specialist",
                             "--password", "bo-ba-ngon-thom-lung-cho-que"])
    assert ok.exit_code == 0, ok.output
    duplicate = runner.invoke(cli, ["create-officer", "--username", "chitien.moi", "--full-name", "Lò Văn Páo",
                                    "--province", "25", "--commune", "08218", "--role", "reception",
                                    "--password", "bo-ba-ngon-thom-lung-cho-que"])
    assert duplicate.exit_code == 2 and "đã được dùng" in duplicate.output
    for args in (["--username", "Có Dấu"], ["--commune", "99999"], ["--password", "ngan"], ["--province", "1"]):
        base = {"--username": "hople", "--full-name": "Lò Văn Páo", "--province": "25", "--commune": "08218",
                "--role": "reception", "--password": "bo-ba-ngon-thom-lung-cho-que"}
        base.update(dict([args]))
        flat = [x for kv in base.items() for x in kv]
        bad = runner.invoke(cli, ["create-officer", *flat])
        assert bad.exit_code == 2, (args, bad.output)
    assert _count(cli_db.engine, Officer) == 1


def test_housekeeping_runs_on_a_real_database(cli_db):
    """Daily housekeeping: expired sessions, old login attempts, and a scan no dossier references (a request that
    failed after storing its file) older than an hour is removed; the audit log's anchor of the day is recorded
    once (a second run the same day records none)."""
    import hashlib
    import os

    root = get_settings().files_dir
    digest = hashlib.sha256(b"orphan").hexdigest()
    orphan = root / digest[:2] / digest[2:]
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"orphan")
    os.utime(orphan, (1_000_000_000, 1_000_000_000))
    result = CliRunner().invoke(cli, ["housekeeping"])
    assert result.exit_code == 0 and "0 phiên hết hạn" in result.output, result.output
    assert "1 tệp" in result.output and not orphan.exists()
    assert "Đã ghi mốc nhật ký ngày" in result.output and _count(cli_db.engine, AuditAnchor) == 1
    again = CliRunner().invoke(cli, ["housekeeping"])
    assert again.exit_code == 0 and "mốc nhật ký" not in again.output and _count(cli_db.engine, AuditAnchor) == 1


def test_single_officer_approval_is_set_per_province(cli_db):
    """Issue 13, finding 8: the province's exception to separation of duties is set by the operator's command."""
    runner = CliRunner()
    allowed = runner.invoke(cli, ["single-officer-approval", "25", "--allow"])
    assert allowed.exit_code == 0, allowed.output
    with Session(cli_db.engine) as s:
        assert s.get_one(Province, "25").allow_single_officer_approval is True
        assert s.get_one(Province, "01").allow_single_officer_approval is False
    assert runner.invoke(cli, ["single-officer-approval", "25", "--forbid"]).exit_code == 0
    with Session(cli_db.engine) as s:
        assert s.get_one(Province, "25").allow_single_officer_approval is False
    assert runner.invoke(cli, ["single-officer-approval", "99", "--allow"]).exit_code == 2
