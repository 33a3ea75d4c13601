"""A request's unit of work is committed before its answer leaves the server.

The rule the whole product leans on ("bad input loses nothing", the post/redirect/get of every form): when the
client has the answer, what the answer says was done is in the database. With FastAPI's default scope for a
dependency with ``yield`` the session's commit ran after the response had been sent; the browser journey then
failed now and then, because the login's redirect reached /home before the login session was committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import event

from motcua.auth.deps import get_session
from tests.factories import PASSWORD, csrf_token, make_officer


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def test_every_route_ends_its_unit_of_work_before_answering(app):
    """Every use of the session dependency, direct or through another dependency, has the "function" scope: its
    commit runs when the route function returns, not after the response is sent."""
    routes = [(prefix, route) for prefix, router in app.state.routers for route in router.routes
              if isinstance(route, APIRoute)]
    uses = [(prefix + route.path, route.methods, dependency) for prefix, route in routes
            for dependency in _dependencies(route.dependant) if dependency.call is get_session]
    assert len({path for path, _, _ in uses}) > 50, "the walk found too few routes using the session"
    late = sorted({f"{','.join(sorted(methods))} {path}" for path, methods, dependency in uses
                   if dependency.scope != "function"})
    assert late == []


class _Recorder:
    """An ASGI wrapper that writes down the moment the response starts, beside the session's commits."""

    def __init__(self, app: Any, events: list[str]) -> None:
        self.app = app
        self.events = events

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start" and scope.get("path") == "/login":
                self.events.append("answer")
            await send(message)

        await self.app(scope, receive, recording_send)


def test_the_login_is_committed_before_its_redirect_is_sent(app, session, session_factory):
    make_officer(session, username="dangvanduc")
    events: list[str] = []

    @event.listens_for(session_factory, "after_commit")
    def committed(_session: Any) -> None:
        events.append("commit")

    with TestClient(_Recorder(app, events), base_url="https://testserver") as client:
        token = csrf_token(client)
        events.clear()
        answer = client.post("/login", data={"username": "dangvanduc", "password": PASSWORD, "csrf_token": token,
                                             "next": "/home"}, follow_redirects=False)
        assert answer.status_code == 303
        assert events == ["commit", "answer"]
        home = client.get("/home", follow_redirects=False)
    assert home.status_code == 200 and "Đặng Văn Đức" in home.text
