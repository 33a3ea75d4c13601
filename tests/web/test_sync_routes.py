"""House rule (docs/architecture.md, Stack): endpoints are sync. An ``async def`` endpoint runs on the event loop, so
its synchronous database and file work would stall every other request while it waits.

The one exception is a live stream, which must wait on the event loop for its events (the hall display's
server-sent events, ``queue.display``): it takes no database session as a dependency and does its database work
in a worker thread (``asyncio.to_thread``)."""

from __future__ import annotations

import inspect
from typing import Any

from motcua.app import route_table

#: The streams allowed to be ``async def``, each holding a connection open for its events.
STREAMS = {"['GET'] /quay/{commune_code}/man-hinh/su-kien"}


def test_every_route_is_a_sync_function_but_the_live_streams(app: Any) -> None:
    coroutines = {f"{sorted(r.methods)} {r.path}": r.endpoint for r in route_table(app)
                  if inspect.iscoroutinefunction(r.endpoint)}
    assert sorted(set(coroutines) - STREAMS) == []
    for name, endpoint in coroutines.items():
        parameters = inspect.signature(endpoint).parameters
        assert "session" not in parameters, f"{name}: a database session would be used on the event loop"
        assert "asyncio.to_thread" in inspect.getsource(endpoint), f"{name}: its database work must run in a thread"
