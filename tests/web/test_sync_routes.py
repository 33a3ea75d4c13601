"""House rule (docs/architecture.md, Stack): endpoints are sync. An ``async def`` endpoint runs on the event loop, so
its synchronous database and file work would stall every other request while it waits."""

from __future__ import annotations

import inspect
from typing import Any

from motcua.app import route_table


def test_every_route_is_a_sync_function(app: Any) -> None:
    coroutines = sorted(f"{sorted(r.methods)} {r.path}" for r in route_table(app)
                        if inspect.iscoroutinefunction(r.endpoint))
    assert coroutines == []
