"""A small JSON status file one process writes and others read (the demo's background load and its banner)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_status(path: Path, data: dict[str, Any]) -> None:
    """Replace the file at once (a reader never sees half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, default=str), "utf-8")
    os.replace(temporary, path)


def read_status(path: Path) -> dict[str, Any] | None:
    """The file's content; ``None`` when there is none or it is not a JSON object."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
