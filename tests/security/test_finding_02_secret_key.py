"""Finding 2 (issue 13): the demo ran with the published default secret key, with which anyone could sign feedback
and rating links. The rule (OWASP ASVS 4.0 2.10.4 "secrets are not in source code", 6.4.1 "keys are generated and
kept apart"): a demo generates its key on first start and keeps it in var/; production refuses to start with the
default or a short key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from motcua.app import create_app
from motcua.cli import app as cli
from motcua.config import DEFAULT_SECRET_KEY, InsecureConfiguration, Settings, get_settings


def _demo_key(db_path: str) -> str:
    return Settings(demo=True, database_url=f"sqlite:///{db_path}").secret_key


def test_finding_02_demo_generates_its_key_once_in_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Demo mode without MOTCUA_SECRET_KEY: a random key in var/secret_key (0600), the same for every process."""
    monkeypatch.delenv("MOTCUA_SECRET_KEY", raising=False)
    db_path = str(tmp_path / "var" / "motcua.db")
    with ProcessPoolExecutor(4) as pool:  # demo-data, serve and its workers, starting at once
        keys = set(pool.map(_demo_key, [db_path] * 8))
    assert len(keys) == 1
    key = keys.pop()
    assert key != DEFAULT_SECRET_KEY and len(key) >= 32
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _demo_key(db_path) == key  # reused on later starts
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]  # no temporary file left behind
    assert _demo_key(str(tmp_path / "other" / "motcua.db")) != key  # another demo, another key
    given = "a-key-the-operator-gave-0123456789abcdef"
    assert Settings(demo=True, database_url=f"sqlite:///{db_path}", secret_key=given).secret_key == given


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "short-but-not-default-key"])
def test_finding_02_production_refuses_default_or_short_key(key: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside demo mode, create_app, `motcua serve`, `motcua worker` and the ASGI entry point refuse to start,
    saying how to set MOTCUA_SECRET_KEY."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key=key)
    with pytest.raises(InsecureConfiguration, match="MOTCUA_SECRET_KEY"):
        create_app(settings)

    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("MOTCUA_SECRET_KEY", key)
    monkeypatch.delenv("MOTCUA_DEMO", raising=False)
    get_settings.cache_clear()
    try:
        results = [CliRunner().invoke(cli, ["serve", "--port", "1"]), CliRunner().invoke(cli, ["worker", "--once"])]
    finally:
        get_settings.cache_clear()
    for result in results:
        assert result.exit_code == 2, result.output
        assert "MOTCUA_SECRET_KEY" in result.output

    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "MOTCUA_SECRET_KEY": key}
    env.pop("MOTCUA_DEMO", None)
    proc = subprocess.run([sys.executable, "-c", "import motcua.asgi"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "MOTCUA_SECRET_KEY" in proc.stderr


def test_finding_02_a_long_random_key_starts(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="k" * 16 + "0123456789abcdef")
    assert create_app(settings) is not None
