"""Write docs/index-definitions.md from the index's metric definitions (``--check`` exits 1 when the file is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated import DOCS, write_or_check

from motcua.index.definitions import markdown
from motcua.index.rollups import sources_for

TARGET = DOCS / "index-definitions.md"


def main() -> int:
    return write_or_check(TARGET, markdown(sources_for), "python scripts/index_table.py")


if __name__ == "__main__":
    raise SystemExit(main())
