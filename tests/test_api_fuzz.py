"""ARCHITECTURE rule 6: bad input never becomes a 500; every API field is validated.

Schemathesis reads the app's own OpenAPI schema (``/api/openapi.json``, which holds only ``/api/v1/*``) and sends
every operation, in process through its ASGI transport, valid and malformed path and query values (positive and
negative generation, plus its coverage phase: boundary values, wrong types, other HTTP methods), with arbitrary
extra headers (language, cookies, CSRF token, forwarding, and any other header name). It runs on SQLite and on
PostgreSQL (the ``db``-parametrised fixtures of conftest), bounded and derandomised, and checks that

- no response is a server error (5xx);
- with a real API token of an administrator, every status code is one the schema documents for the operation,
  the content type is the documented one, and the body matches the documented response model;
- without valid credentials (no header, a bogus bearer token, a bogus session cookie) the documented method
  answers 401, and any other method 405;
- every API response is JSON, and every error is the ``{"error": {"code", "message"}}`` envelope;
- as every kind of caller (an API token of each token role, administrators' and province monitor's sessions
  with their CSRF token, officers of the other roles, a citizen's portal session, someone anonymous), no
  operation answers a server error (``test_api_as_every_caller_never_fails``).

The HTML forms, uploads and query strings are fuzzed by ``tests/web/test_form_fuzz.py``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from motcua.app import create_app
from motcua.auth.actions import create_api_token
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.config import Settings
from tests.factories import CHI_TIEN, T0, Caller, make_officer
from tests.fuzz_world import World
from tests.fuzz_world import world as world  # the module-scoped fixture

#: Left out of `make check` (the fast loop); `make test` runs it.
pytestmark = pytest.mark.slow

# The schema is read once, at collection, from an app with no database behind it (routes and parameters do not
# depend on one), so that pytest collects one test per operation and backend. Every request then goes, in
# process, to the test's own app (``app=``), which runs on the test's database.
_SCHEMA_APP = create_app(Settings(database_url="sqlite://", secret_key="schema-only-key-0123456789abcdef-xyz"),
                         session_factory=sessionmaker())
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _SCHEMA_APP)

# Bounded so that the whole fuzzing (this file and tests/web/test_form_fuzz.py) stays near two and a half minutes on
# two cores: the API has grown to twice the operations it had when 35 examples took two (derandomized: the same
# examples every run, so a finding is reproduced at once).
FUZZ = settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
#: Every caller, fewer examples each operation: the callers are drawn among the examples.
FUZZ_EVERY_CALLER = settings(
    max_examples=10,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# Header values as HTTP allows them (visible ASCII and obs-text, inner spaces and tabs; no CR, LF or other
# controls, which the HTTP server refuses before the app sees them) under token names. Framing headers belong to
# the HTTP server, not the app; Authorization and Cookie are generated on purpose below.
_VALUE = st.text(
    st.characters(codec="latin-1", exclude_categories=["Cc"]) | st.sampled_from("\t "), max_size=60
).map(str.strip)
_NOT_FUZZED = {"host", "content-length", "transfer-encoding", "connection", "authorization", "cookie"}
_NAME = st.from_regex(r"\A[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}\Z").filter(lambda n: n.lower() not in _NOT_FUZZED)
_KNOWN = ("Accept-Language", "Accept", "X-CSRF-Token", "X-Forwarded-For", "User-Agent", "Origin", "Referer")
_TOKENISH = st.from_regex(r"\A[A-Za-z0-9_-]{0,60}\Z")
_COOKIE = st.fixed_dictionaries(
    {},
    optional={
        "motcua_lang": st.sampled_from(["vi", "en", "fr", ""]) | _VALUE,
        "motcua_session": _TOKENISH,
        "motcua_csrf": _TOKENISH,
    },
).map(lambda c: "; ".join(f"{k}={v}" for k, v in c.items()))
_EXTRA_HEADERS = st.dictionaries(st.sampled_from(_KNOWN) | _NAME, _VALUE, max_size=4).flatmap(
    lambda h: st.one_of(st.just(h), _COOKIE.filter(bool).map(lambda c: {**h, "Cookie": c}))
)
# What a caller without a valid token may send instead (None: no Authorization header at all).
_BOGUS_AUTHORIZATION = st.one_of(
    st.none(),
    st.builds(lambda s: f"Bearer {s}", _VALUE),
    st.builds(lambda s: f"Bearer mc_{s}", _TOKENISH),
    st.sampled_from(["Bearer", "bearer ", "Basic YWRtaW46YWRtaW4=", "Token mc_x", ""]),
    _VALUE,
)

#: Rows that exist in the test's database, by path parameter (``bearer`` adds its officer), and when a generated
#: value is well formed enough to be swapped for one.
_REAL_ROWS: dict[str, Any] = {"code": CHI_TIEN}
_WELL_FORMED = {
    "code": lambda v: isinstance(v, str) and re.fullmatch(r"\d{5}", v) is not None,
    "officer_id": lambda v: type(v) is int and 1 <= v <= 2**31 - 1,
    "dossier_id": lambda v: type(v) is int and 1 <= v <= 2**31 - 1,
    "case_id": lambda v: type(v) is int and 1 <= v <= 2**31 - 1,
    "announcement_id": lambda v: type(v) is int and 1 <= v <= 2**31 - 1,
}
_CALLER_HEADER = "X-Fuzz-Caller"


# Hooks (flatmap_headers, flatmap_path_parameters), applied per test below.


def _with_extra_headers(ctx: Any, headers: dict[str, str] | None) -> st.SearchStrategy[dict[str, str]]:
    return _EXTRA_HEADERS.map(lambda extra: {**extra, **(headers or {})})


def _with_bogus_credentials(ctx: Any, headers: dict[str, str] | None) -> st.SearchStrategy[dict[str, str]]:
    return st.tuples(_with_extra_headers(ctx, headers), _BOGUS_AUTHORIZATION).map(
        lambda pair: pair[0] if pair[1] is None else {**pair[0], "Authorization": pair[1]}
    )


def _as_every_caller(ctx: Any, headers: dict[str, str] | None) -> st.SearchStrategy[dict[str, str]]:
    """Arbitrary extra headers, and which caller sends the case (``_CALLER_HEADER``; the test replaces it with
    that caller's credentials, which exist only once the world is built, after schemathesis drew its examples)."""
    return st.tuples(_with_extra_headers(ctx, headers), st.integers(0, 255)).map(
        lambda pair: {**pair[0], _CALLER_HEADER: str(pair[1])}
    )


def _sometimes_a_real_row(ctx: Any, path: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any] | None]:
    """Random ids almost never exist: aim some well-formed ones at real rows, so that 200 bodies are checked too."""
    real = {k: v for k, v in _REAL_ROWS.items() if path and k in path and _WELL_FORMED[k](path[k])}
    return st.sampled_from([path, {**path, **real}]) if path and real else st.just(path)


# Fixtures.


def _served(app: Any) -> Any:
    """The app as a server runs it: Starlette re-raises an unhandled error after sending the 500 response; the
    server logs it and the client sees the 500. Without this the error would escape into the test instead of
    being reported by ``not_a_server_error`` with the request that caused it."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def watched_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, watched_send)
        except Exception:
            if not started:
                raise

    return asgi


@pytest.fixture
def served(app: Any) -> Any:
    return _served(app)


@pytest.fixture
def callers(world: World, monkeypatch: pytest.MonkeyPatch) -> list[Caller]:
    """The world's callers, in a fixed order, and its real rows for the path hook."""
    for name in ("dossier_id", "case_id", "announcement_id", "officer_id"):
        monkeypatch.setitem(_REAL_ROWS, name, world.rows[name][0])
    return [world.callers[name] for name in sorted(world.callers)]


@pytest.fixture
def bearer(session: Session, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real API token issued by an administrator of Xã Chí Tiên, committed to the test's savepoint."""
    officer = make_officer(session, roles=(Role.ADMIN,))
    monkeypatch.setitem(_REAL_ROWS, "officer_id", officer.id)
    actor = Principal(
        kind="officer", id=officer.id, name=officer.username, full_name=officer.full_name,
        province_code=officer.province_code, commune_code=officer.commune_code,
        roles=frozenset(Role(r.role) for r in officer.roles),
    )
    _, raw = create_api_token(session, actor=actor, name="Kiểm thử fuzz", commune_code=None, days_valid=30, now=T0,
                              officer_id=officer.id)
    session.commit()
    return raw


# Checks, besides schemathesis's own.


def json_error_envelope(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every /api response is JSON (or a success in the media type its operation documents); every error is
    {"error": {"code": str, "message": str, ...}}."""
    content_type = response.headers.get("content-type", [""])[0]
    documented = case.operation.definition.raw.get("responses", {}).get(str(response.status_code), {})
    if response.status_code < 400 and content_type.split(";")[0].strip() in documented.get("content", {}):
        return None  # a success in the media type the operation documents (an official form as PDF)
    assert content_type.split(";")[0].strip() == "application/json", (
        f"{case.method} {case.formatted_path} -> {response.status_code} with content type {content_type!r}"
    )
    body = response.json()
    if response.status_code >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict) and isinstance(error.get("code"), str) and isinstance(
            error.get("message"), str
        ), f"{case.method} {case.formatted_path} -> {response.status_code}: not the error envelope: {body!r}"
    return None


def refused_without_credentials(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """401 for the documented method; 405 for the others (routing comes before authentication). Operations the
    schema marks public (``security: []``, the citizen's lookup) are exempt from the 401."""
    if case.operation.definition.raw.get("security") == [] and case.method.upper() == case.operation.method.upper():
        assert response.status_code != 401
        return None
    expected = 401 if case.method.upper() == case.operation.method.upper() else 405
    assert response.status_code == expected, (
        f"{case.method} {case.formatted_path} without valid credentials -> {response.status_code}, not {expected}"
    )
    return None


@schema.hooks.apply(_with_extra_headers, name="flatmap_headers")
@schema.hooks.apply(_sometimes_a_real_row, name="flatmap_path_parameters")
@schema.parametrize()
@FUZZ
def test_api_with_a_token_never_fails_and_follows_its_schema(case: Case, served: Any, bearer: str) -> None:
    case.call_and_validate(
        app=served,
        headers={"Authorization": f"Bearer {bearer}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
                json_error_envelope],
    )


@schema.hooks.apply(_with_bogus_credentials, name="flatmap_headers")
@schema.parametrize()
@FUZZ
def test_api_without_credentials_answers_401_in_json(case: Case, served: Any) -> None:
    case.call_and_validate(app=served, checks=[not_a_server_error, refused_without_credentials, json_error_envelope])


@schema.hooks.apply(_as_every_caller, name="flatmap_headers")
@schema.hooks.apply(_sometimes_a_real_row, name="flatmap_path_parameters")
@schema.parametrize()
@FUZZ_EVERY_CALLER
def test_api_as_every_caller_never_fails(case: Case, world: World, callers: list[Caller]) -> None:
    """Every operation as every kind of caller (``tests.factories.every_caller``: an API token of each token role,
    an administrator's and a province token, the commune and province administrators' sessions with their CSRF
    token, the province monitor, officers of every other role, a citizen's portal session, someone anonymous):
    never a server error, always JSON and the error envelope. Each request runs in a savepoint rolled back after
    it, so every example meets the same world."""
    caller = callers[int(case.headers.pop(_CALLER_HEADER, "0")) % len(callers)] if case.headers else callers[0]
    with world.example():
        case.call_and_validate(app=_served(world.app), headers={**caller.headers, **caller.cookie_header()},
                               checks=[not_a_server_error, json_error_envelope])


def test_the_fuzzing_callers_are_signed_in_as_themselves(world: World) -> None:
    """The fuzzing above is worth something only if its callers really are signed in: every token and officer
    session is recognised by the API (200 on /api/v1/me with its own name), the citizen and the anonymous caller are
    not officers (401), and the sessions' pages answer without sending them to sign in."""
    from fastapi.testclient import TestClient

    with TestClient(world.app, base_url="https://testserver") as client:
        for name, caller in world.callers.items():
            client.cookies.clear()
            with world.example():
                me = client.get("/api/v1/me", headers={**caller.headers, **caller.cookie_header()})
            if name in ("citizen", "anonymous"):
                assert me.status_code == 401, (name, me.text)
            else:
                assert me.status_code == 200, (name, me.text)
        client.cookies.clear()
        with world.example():
            home = client.get("/cong-dan", headers=world.callers["citizen"].cookie_header(), follow_redirects=False)
        assert home.status_code == 200, home.headers.get("location")
