"""The demo's background load (``make run``, docs/operations.md "The demo") is shown on every page while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from motcua.app import create_app
from motcua.config import Settings
from motcua.kit.statusfile import write_status


@pytest.fixture
def status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "demo-load.json"
    monkeypatch.setattr(Settings, "demo_load_status", property(lambda self: path))
    return path


def _page(settings: Settings, session_factory, clock, *, demo: bool) -> str:
    app = create_app(settings.model_copy(update={"demo": demo}), session_factory=session_factory, clock=clock)
    with TestClient(app, base_url="https://testserver") as client:
        return client.get("/tra-cuu").text


def test_the_banner_follows_the_status_file_in_demo_mode_only(settings, session_factory, clock, status):
    """Loading: the percentage and the months still coming, in words; done: no banner; failed: how to resume;
    outside demo mode the file is never read."""
    write_status(status, {"state": "loading", "phase": "dossiers", "percent": 45, "since": "2025-12-08",
                          "until": "2026-11-01"})
    page = _page(settings, session_factory, clock, demo=True)
    assert "Dữ liệu mẫu đang được nạp: 45%" in page
    assert "hồ sơ từ 08/12/2025 đến trước 01/11/2026" in page
    assert '<progress max="100" value="45"' in page
    assert "Dữ liệu mẫu" not in _page(settings, session_factory, clock, demo=False)

    write_status(status, {"state": "failed", "error": "OSError", "since": "2025-12-08", "until": "2026-11-01"})
    assert "Chạy lại «make run» để nạp tiếp" in _page(settings, session_factory, clock, demo=True)

    write_status(status, {"state": "done", "percent": 100, "since": "2025-12-08", "until": "2026-11-01"})
    assert "Dữ liệu mẫu" not in _page(settings, session_factory, clock, demo=True)
    status.write_text("{not json", "utf-8")
    assert "Dữ liệu mẫu" not in _page(settings, session_factory, clock, demo=True)
