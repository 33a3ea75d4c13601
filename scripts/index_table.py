"""Write docs/index-definitions.md from the index's metric definitions (``--check`` exits 1 when the file is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from motcua.index.definitions import markdown
from motcua.index.rollups import SOURCES

TARGET = Path(__file__).resolve().parents[1] / "docs" / "index-definitions.md"


def main() -> int:
    text = markdown(SOURCES)
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text("utf-8") != text:
            print(f"{TARGET} is out of date; run python scripts/index_table.py")
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
