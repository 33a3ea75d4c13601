"""The one way a generated docs page is written or checked (``--check``: exit 1 when the page is out of date)."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def write_or_check(target: Path, text: str, command: str) -> int:
    if "--check" in sys.argv:
        if not target.exists() or target.read_text("utf-8") != text:
            print(f"{target} is out of date; run {command}")
            return 1
        return 0
    target.write_text(text, "utf-8")
    print(f"wrote {target}")
    return 0
