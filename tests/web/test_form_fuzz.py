"""ARCHITECTURE rule 6 for the HTML side: bad input in a form, an upload or a query string never becomes a 500.

The JSON API is fuzzed from its OpenAPI schema (``tests/test_api_fuzz.py``); the pages have no schema, so this walks
the app's own route table (``app.route_table``): every page route that takes a POST, and every GET that takes query
parameters. For each, the parameters are read from the route itself (query, form fields, file fields, path), plus
the field names of the form the page shows at the same address (the portal draft and the rating form read fields
the route does not declare). Hypothesis then sends, as each caller that can reach the route (officers of every role,
the province administrator and monitor, a citizen, someone anonymous — ``tests.factories.every_caller``), values
that have broken parsers before: digits that are not ASCII (``²``, ``١``), huge and negative numbers, dates at the
ends of the calendar (0001-01-01, 9999-12-31) and impossible ones, empty and very long strings, NUL bytes, lists
where one value is expected, a missing or wrong CSRF token, uploads of the wrong type, of zero bytes, of garbage,
with odd file names — and real row ids, so that the route's own code runs and not only its validation. Any 5xx
fails. Bounded and derandomised: the same examples on every run.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.params import File
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import sessionmaker

from motcua.app import create_app, route_table
from motcua.config import Settings
from tests.factories import CHI_TIEN, HKD, PASSWORD, TEST_SECRET_KEY, VALID_ID, Caller, pdf_bytes
from tests.fuzz_world import World
from tests.fuzz_world import world as world

#: Left out of `make check` (the fast loop); `make test` runs it.
pytestmark = pytest.mark.slow

_APP = create_app(Settings(database_url="sqlite://", secret_key=TEST_SECRET_KEY), session_factory=sessionmaker())


def _params(dependant: Dependant) -> tuple[list[str], list[tuple[str, bool]]]:
    queries = [p.alias for p in dependant.query_params]
    body = [(p.alias, isinstance(p.field_info, File)) for p in dependant.body_params]
    for sub in dependant.dependencies:
        q, b = _params(sub)
        queries += q
        body += b
    return queries, body


def _walk() -> list[tuple[str, str, list[str], list[tuple[str, bool]]]]:
    out = []
    for info in route_table(_APP):
        if info.path.startswith("/api/"):
            continue
        queries, body = _params(get_dependant(path=info.path, call=info.endpoint))
        if "POST" in info.methods:
            out.append(("POST", info.path, queries, body))
        if "GET" in info.methods and queries:
            out.append(("GET", info.path, queries, []))
    return out


ROUTES = _walk()

FUZZ = settings(max_examples=6, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))

#: Values that have broken a parser somewhere (issue 13 findings 17–20 among them), and plausible ones, so that
#: the code behind validation runs too.
_NASTY = [
    "", " ", "²", "١٢٣", "𝟗", "0", "-1", "1.5", "1e309", "9" * 40, str(2**63), str(-(2**63) - 1), "0x1F",
    "0001-01-01", "9999-12-31", "9999-12-01", "10000-01-01", "2026-02-30", "31/12/2026", "2026-13", "0000-00-00",
    "\x00", "a\x00b", "x" * 5000, "null", "true", "[]", "{}", "NaN", "-inf", "<script>alert(1)</script>",
    "' OR '1'='1", "../../etc/passwd", "%00", "\u202e", "🙂", "Đặng Văn Đức", "national", "25", "01", CHI_TIEN,
    HKD, VALID_ID, "0912345678", "a@b.vn", "2026-11-23", "2026-12-31", "2026-11", "1", "2", "on", "save",
    "submit", "reception", "admin",
]
VALUE = st.one_of(
    st.sampled_from(_NASTY),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
)
FIELD_VALUE = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))
_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
_CONTENTS = [b"", b"\x00" * 16, pdf_bytes(), b"%PDF-1.4\n%%EOF garbage", _PNG, b"\xff\xd8\xff\xe0" + b"\x00" * 8,
             b"MZ\x90\x00" + b"\x00" * 60, b"PK\x03\x04" + b"\x00" * 26, b'{"procedures": [}', b'{"procedures": []}']
#: The uploads the sweep sends to every file field: each content once, under a name and type that fit it or not.
_UPLOADS = [("Giấy khai sinh.png", b"", "image/png"), ("don.pdf", b"\x00" * 16, "application/pdf"),
            ("don.pdf", pdf_bytes(), "application/pdf"), ("", pdf_bytes(), "application/pdf"),
            ("a" * 300 + ".pdf", b"%PDF-1.4\n%%EOF garbage", "application/pdf"), ("x.png", _PNG, "image/png"),
            ("x.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream"),
            ("danh-muc.xlsx", b"PK\x03\x04" + b"\x00" * 26, ""), ("danh-muc.json", b'{"procedures": [}', "text/plain"),
            ("danh-muc.json", b'{"procedures": []}', "application/json"),
            ("danh-muc.json", b"[" * 50_000 + b"]" * 50_000, "application/json")]
UPLOAD = st.tuples(
    st.sampled_from(["don.pdf", "Giấy khai sinh.png", "", "a" * 300 + ".pdf", "../../x.pdf", "a\x00.pdf", "x.exe",
                     "scan.jpg", "catalogue.json", "danh-muc.xlsx"]),
    st.sampled_from(_CONTENTS) | st.binary(max_size=64),
    st.sampled_from(["application/pdf", "image/png", "image/jpeg", "application/json", "application/octet-stream",
                     "text/plain", ""]),
)
_FIELD_NAMES = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
_PATH_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")

#: Callers that use pages (API tokens are refused on them).
_PAGE_CALLERS = ("session_admin", "session_province_admin", "session_province_monitor", "session_reception",
                 "session_specialist", "session_approver", "session_centre_director", "session_volunteer",
                 "session_council", "citizen", "anonymous")
_reachable: dict[tuple[str, str, str], list[str]] = {}
_harvested: dict[tuple[str, str], list[str]] = {}


def _send(client: TestClient, method: str, url: str, caller: Caller, *, data: dict[str, Any] | None = None,
          files: list[tuple[str, tuple[str, bytes, str]]] | None = None, csrf: str | None = None) -> Any:
    client.cookies.clear()
    headers = {**caller.cookie_header(), **{k: v for k, v in caller.headers.items() if k.lower() != "x-csrf-token"}}
    if method == "GET":
        return client.get(url, headers=headers, follow_redirects=False)
    body = dict(data or {})
    if csrf is not None:
        body["csrf_token"] = csrf
    return client.post(url, headers=headers, data=body, files=files or None, follow_redirects=False)


def _concrete(path: str, world: World) -> str:
    return _PATH_PARAM.sub(lambda m: quote(str(world.rows.get(m.group(1), [1])[0]), safe=""), path)


def _reachable_callers(world: World, client: TestClient, method: str, path: str) -> list[str]:
    """The callers the route does not turn away before reading its input (not 401/403, not sent to sign in)."""
    key = (world.kind, method, path)
    if key not in _reachable:
        ok = []
        for name in _PAGE_CALLERS:
            caller = world.callers[name]
            with world.example():
                answer = _send(client, method, _concrete(path, world), caller, csrf=caller.csrf)
            location = answer.headers.get("location", "")
            signed_out = answer.status_code in (301, 302, 303, 307) and ("dang-nhap" in location
                                                                          or "/login" in location)
            if answer.status_code not in (401, 403) and not signed_out:
                ok.append(name)
        _reachable[key] = ok or list(_PAGE_CALLERS)
    return _reachable[key]


def _harvest(world: World, client: TestClient, path: str, caller: str) -> list[str]:
    """The field names of the form the page at the same address shows (fields the route reads by hand)."""
    key = (world.kind, path)
    if key not in _harvested:
        with world.example():
            page = _send(client, "GET", _concrete(path, world), world.callers[caller])
        names = _FIELD_NAMES.findall(page.text) if page.status_code == 200 else []
        _harvested[key] = sorted(set(names) - {"csrf_token"})
    return _harvested[key]


def _path_value(world: World, name: str) -> st.SearchStrategy[str]:
    real = world.rows.get(name)
    bad = st.sampled_from(["0", "-1", "²", "99999999999999999999", "x", "%00", "1e3"]) | st.integers().map(str)
    if not real:
        return bad
    return st.integers(0, 3).flatmap(lambda i: st.sampled_from([str(v) for v in real]) if i else bad)


#: A well-formed value for each field name the forms use, so that a request is valid but for the fields being
#: fuzzed and reaches the code behind validation (the counter intake with ``channel=²``, not a 422 for a missing
#: name). Fields not listed get a short text. The calendar announcement is the world's own: the well-formed request
#: records it a second time.
_PLAUSIBLE: dict[str, str] = {
    "username": "fuzz.moi", "password": PASSWORD, "next": "/home", "name": "Máy tiếp nhận", "commune_code": CHI_TIEN,
    "days_valid": "30", "roles": "reception", "current": PASSWORD, "new": "mat-khau-moi-2026-rat-dai",
    "confirm": "mat-khau-moi-2026-rat-dai", "full_name": "Đặng Văn Đức", "email": "a@example.vn",
    "phone": "0912345678", "agency_id": "000.00.08.H25", "active": "0", "day": "2026-12-31", "kind": "day_off",
    "scope": "25", "document": "01/TB-UBND", "note": "Kiểm thử", "reason": "Kiểm thử",
    "intervals": "07:30-11:30,13:00-17:00", "procedure_code": HKD, "outcome": "receive", "applicant_kind": "person",
    "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "tax_code": "", "address": "Khu 3, xã Chí Tiên",
    "channel": "1", "deciding_commune_code": CHI_TIEN, "documents_present": "giay_de_nghi", "reasons": "",
    "file_keys": "giay_de_nghi", "submission": "fuzz-submission-1", "version": "1", "handler_id": "1",
    "new_due_date": "2026-12-30", "result_summary": "GCN số 12/HKD", "code": "123456", "secret": "5678",
    "month": "2026-10", "destination": "0912345678", "birth_date": "1990-01-01", "fee_index": "0",
    "consent_method": "code", "consent_code": "123456", "t": "", "comment": "Tốt", "subject": "Thái độ cán bộ",
    "content": "Cán bộ không hướng dẫn đầy đủ.", "sender_name": "Hà Thị Mai", "dossier_code": "", "contact": "",
    "satisfied": "1", "intent": "save", "from": "2026-11-01", "to": "2026-11-30", "period": "2026-11",
    "year": "2026", "page": "1", "q": "hộ kinh doanh", "status": "received", "procedure": HKD, "ma": "",
    "xa": CHI_TIEN, "published": "1", "late_page": "1", "mine": "1", "overdue": "1", "moi": "1", "da_gui": "1",
    "field": "civil_status", "priority_group": "elderly", "lenh": "call", "number": "2", "fields": "land",
}
#: What the sweep puts into every field in turn: values that broke a parser somewhere (issue 13 findings 17–20).
_TRAPS = ["²", "9" * 40, "0001-01-01", "9999-12-31", "\x00", "", "x" * 5000]


def _plausible(name: str) -> str:
    return _PLAUSIBLE.get(name, "1" if name.startswith("c_") else "Kiểm thử")


def _failure(method: str, url: str, caller: Caller, what: str, answer: Any = None,
             exc: BaseException | None = None) -> str:
    outcome = f"{type(exc).__name__}: {str(exc)[:200]}" if exc is not None else f"HTTP {answer.status_code}"
    return f"{method} {url} as {caller.name} with {what[:300]} -> {outcome}"


def _try(world: World, client: TestClient, method: str, url: str, caller: Caller, what: str,
         **kwargs: Any) -> str | None:
    try:
        with world.example():
            answer = _send(client, method, url, caller, **kwargs)
    except Exception as exc:  # raise_server_exceptions: the unhandled error itself, for the report
        return _failure(method, url, caller, what, exc=exc)
    # 503 is the app's own answer when an external system it needs is off or down (the population database in
    # this world): not input turned into an error. Unhandled errors raise here (raise_server_exceptions).
    failed = answer.status_code >= 500 and answer.status_code != 503
    return _failure(method, url, caller, what, answer) if failed else None


@pytest.mark.parametrize(("method", "path", "queries", "body"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_pages_never_answer_a_server_error(world: World, method: str, path: str, queries: list[str],
                                           body: list[tuple[str, bool]]) -> None:
    """First a sweep (every field and query parameter in turn given each trap value, the others well formed, as
    each caller that reaches the route in turn), then Hypothesis's examples (several fields at once, uploads, CSRF
    token missing or wrong); every server error found is listed."""
    failures: list[str] = []
    with TestClient(world.app, base_url="https://testserver", raise_server_exceptions=True) as client:
        callers = _reachable_callers(world, client, method, path)
        fields = [name for name, is_file in body if not is_file]
        file_fields = [name for name, is_file in body if is_file]
        if method == "POST":
            fields += [n for n in _harvest(world, client, path, callers[0]) if n not in fields]
        url = _concrete(path, world)
        names = queries if method == "GET" else fields
        for name in callers:  # the well-formed request itself, as each caller (a duplicate of the world's rows)
            caller = world.callers[name]
            plain = {n: _plausible(n) for n in names}
            failure = (_try(world, client, "GET", f"{url}?{urlencode(plain)}", caller, "well-formed values")
                       if method == "GET" else
                       _try(world, client, "POST", url, caller, "well-formed values", data=plain, csrf=caller.csrf))
            failures += [failure] if failure else []
        for i, (name, trap) in enumerate((n, t) for n in names for t in _TRAPS):
            caller = world.callers[callers[i % len(callers)]]
            values = {n: _plausible(n) for n in names}
            values[name] = trap
            if method == "GET":
                failure = _try(world, client, "GET", f"{url}?{urlencode(values)}", caller, f"{name}={trap!r}")
                failures += [failure] if failure else []
                alone = urlencode({name: trap})
                failure = _try(world, client, "GET", f"{url}?{alone}", caller, f"{name}={trap!r} alone")
            else:
                failure = _try(world, client, "POST", url, caller, f"{name}={trap!r}", data=values, csrf=caller.csrf)
            if failure:
                failures.append(failure)
        for name in file_fields:
            for j, upload in enumerate(_UPLOADS):
                caller = world.callers[callers[j % len(callers)]]
                failure = _try(world, client, "POST", url, caller, f"{name}={upload[0]!r} ({len(upload[1])} bytes)",
                               data={n: _plausible(n) for n in fields}, files=[(name, upload)], csrf=caller.csrf)
                if failure:
                    failures.append(failure)

        @FUZZ
        @given(data=st.data())
        def run(data: st.DataObject) -> None:
            caller = world.callers[data.draw(st.sampled_from(callers), label="caller")]
            target = _PATH_PARAM.sub(lambda m: quote(data.draw(_path_value(world, m.group(1)), label=m.group(1)),
                                                     safe=""), path)
            if method == "GET":
                query = {n: _plausible(n) for n in queries}
                query.update(data.draw(st.dictionaries(st.sampled_from(queries), VALUE, max_size=3), label="query"))
                failure = _try(world, client, "GET", f"{target}?{urlencode(query, doseq=True)}", caller,
                               f"query={query!r}")
            else:
                form: dict[str, Any] = {n: _plausible(n) for n in fields}
                if fields:
                    form.update(data.draw(st.dictionaries(st.sampled_from(fields), FIELD_VALUE, max_size=3),
                                          label="form"))
                    for gone in data.draw(st.sets(st.sampled_from(fields), max_size=2), label="omitted"):
                        form.pop(gone, None)
                form.update(data.draw(st.dictionaries(st.from_regex(r"\A[a-z_]{1,12}\Z"), VALUE, max_size=2),
                                      label="extra"))
                files = [(name, upload) for name in file_fields
                         for upload in data.draw(st.lists(UPLOAD, max_size=2), label=name)]
                csrf = data.draw(st.sampled_from([caller.csrf, caller.csrf, caller.csrf, None, "sai-ma-csrf"]),
                                 label="csrf")
                failure = _try(world, client, "POST", target, caller, f"form={form!r} files={files!r}", data=form,
                               files=files, csrf=csrf)
            if failure:
                failures.append(failure)

        run()
    assert not failures, f"{len(failures)} server error(s):\n" + "\n".join(failures)
