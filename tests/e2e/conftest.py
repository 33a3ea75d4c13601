"""A real server and a real Chromium (Debian's /usr/bin/chromium, never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import TEST_SECRET_KEY, free_port, wait_until_serving

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

#: Headless Chromium has no print dialog to show (its print preview takes the page down): ``print()`` is recorded
#: instead, in whichever frame it is called, on the top page (``window.__printed``: the paths printed).
RECORD_PRINT = ("window.print = function () { window.top.__printed = (window.top.__printed || [])"
                ".concat([String(window.location.pathname)]); };")


@pytest.fixture
def live_server(fresh_db) -> Iterator[str]:
    """uvicorn serving motcua on a fresh database of the current backend."""
    port = free_port()
    env = {**os.environ, "MOTCUA_DATABASE_URL": fresh_db.url, "MOTCUA_SECRET_KEY": TEST_SECRET_KEY}
    log = ARTIFACTS / f"server-{fresh_db.kind}-{port}.log"
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "motcua.asgi:app", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, log)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def live_server_files(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``live_server`` keeping attached scans in the test's own directory, not the checkout's var/files."""
    monkeypatch.setenv("MOTCUA_FILES_DIR", str(tmp_path / "files"))
    return str(request.getfixturevalue("live_server"))


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
