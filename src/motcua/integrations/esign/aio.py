"""Running pyHanko's coroutines from synchronous code: motcua's routes are sync, but the caller's thread may already
run an event loop (a sync route called from an async context, Playwright's sync API in the tests), where
``asyncio.run`` refuses to start."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable
from typing import Any, TypeVar

_T = TypeVar("_T")


def run_coroutine(coroutine: Awaitable[_T]) -> _T:
    """``asyncio.run`` — in a thread of its own when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)  # type: ignore[arg-type]
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coroutine)  # type: ignore[arg-type]
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
