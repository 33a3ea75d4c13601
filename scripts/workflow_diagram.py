"""Write docs/workflow.md from the workflow table (``--check`` exits 1 when the file is stale)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generated import DOCS, write_or_check

from motcua.dossier.workflow import markdown

TARGET = DOCS / "workflow.md"


def main() -> int:
    return write_or_check(TARGET, markdown(), "python scripts/workflow_diagram.py")


if __name__ == "__main__":
    raise SystemExit(main())
