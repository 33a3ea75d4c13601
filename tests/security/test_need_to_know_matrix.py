"""Role × route matrix (issue 13, findings 4 and 6): every GET route of the application, for every caller, answers
per the need-to-know table (``motcua.base.access``, docs/need-to-know.md), and every answer that shows an ID number
or a phone wrote a read event.

The routes come from the application's own route table, so a new route that shows personal data is walked the day
it is added: a path parameter the walker cannot fill fails the test until it is added here. Each answer is searched
for the fixture citizen's ID number and phone (in the HTML or JSON, in the bytes of a scan, in the text of a PDF
form, in the strings of an Excel export) and for the feedback sender's phone.

Rules (Decree 13/2023/NĐ-CP Art. 3(4) purpose limitation and Art. 27 records of processing; OWASP ASVS 4.0 V4.1.3
least privilege, V8.3.5 access to sensitive data logged):
* the applicant's ID number or phone leaves only to callers whose row of the table gives the identity in full over
  their whole jurisdiction — never to a volunteer for a dossier they did not file, a council member, an
  administrator, the province (masked), a citizen who does not follow the dossier, a token without a role;
* the feedback sender's phone leaves only to callers whose row gives the sender's contact in full;
* every answer that shows one of them wrote a ``personal_data.read`` event in the same request;
* the callers the table allows do get the data (the gate does not simply refuse everyone).
"""

from __future__ import annotations

import inspect
import io
import re
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from motcua.app import route_table
from motcua.base.access import Detail, Reach, need_to_know
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.portal.actions.accounts import citizen_principal
from motcua.portal.models import CitizenAccount
from tests.factories import CHI_TIEN, HKD, VALID_ID
from tests.security.need_to_know_world import (
    APPLICANT_PHONE,
    CALLERS,
    SENDER_PHONE,
    build_world,
    read_events,
)

#: Left out of `make check` (the fast loop); `make test` runs it.
pytestmark = pytest.mark.slow

_PARAM = re.compile(r"\{(\w+)\}")
#: Path parameters that name no citizen's object, with a valid value.
FIXED = {"lang": "vi", "form": "receipt", "fmt": "json", "snapshot_id": "1", "draft_id": "1", "import_id": "1",
         "officer_id": None, "code": None,
         # the front desk's pages show no one's personal data (a ticket has a number, a field, a priority group)
         "commune_code": CHI_TIEN, "counter_id": "1", "ticket_id": "1",
         # its statistics count tickets and name officers, never a citizen
         "province_code": "25",
         # a booking's page is opened with its code, the citizen's receipt (no caller's role reaches it otherwise)
         "booking_code": "LHAAAAAAAA",
         # a result template is the province's text, with no citizen in it (its preview masks the ID number)
         "template_id": "1"}
#: Query parameters every route receives: the register's period (ignored by routes without one).
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


def _fill(path: str, world: Any) -> str:
    values = {"dossier_id": world.dossier_id, "document_id": world.document_id, "case_id": world.case_id,
              "officer_id": world.officers["reception"].id,
              "code": HKD if path.startswith(("/procedures", "/api/v1/procedures")) else CHI_TIEN}
    for name in _PARAM.findall(path):
        assert name in values or name in FIXED, f"{path}: add {name!r} to the walker so its need to know is tested"
        path = path.replace("{" + name + "}", str(values[name] if FIXED.get(name) is None else FIXED[name]))
    return path


def _text_of(response: Any) -> str:
    """Everything an answer shows: its text, a PDF's extracted text and raw bytes, an Excel file's strings."""
    kind = response.headers.get("content-type", "").split(";")[0]
    body = response.content
    if kind == "application/pdf" or body.startswith(b"%PDF"):
        try:
            extracted = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
        except Exception:  # not a PDF after all: its bytes are what it shows
            extracted = ""
        return extracted + body.decode("latin-1")
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as xlsx:
            return "\n".join(xlsx.read(n).decode("utf-8", "replace") for n in xlsx.namelist())
    return body.decode("utf-8", "replace")


def _sight_of(caller: str, world: Any, session: Any) -> Any:
    if caller == "citizen":
        account = session.query(CitizenAccount).one()
        return need_to_know(citizen_principal(account))
    if caller == "token_reception":
        return need_to_know(_token(Role.RECEPTION))
    if caller == "token_without_role":
        return need_to_know(_token())
    return need_to_know(world.principals[caller])


def _token(*roles: Role) -> Principal:
    return Principal(kind="token", id=1, name="t", province_code="25", commune_code=CHI_TIEN, roles=frozenset(roles))


def _walk(client: Any, headers: dict[str, str], world: Any, app: Any, session: Any) -> dict[str, tuple[int, set[str],
                                                                                                    int]]:
    """Every GET route (and, for a route that searches, a search by the ID number and by the phone): what it
    disclosed and how many read events it wrote."""
    seen: dict[str, tuple[int, set[str], int]] = {}
    for route in route_table(app):
        if "GET" not in route.methods:
            continue
        path = _fill(route.path, world)
        queries: list[dict[str, str]] = [PERIOD]
        if "q" in inspect.signature(route.endpoint).parameters:
            queries += [{"q": VALID_ID}, {"q": APPLICANT_PHONE}]
        for params in queries:
            before = read_events(session)
            response = client.get(path, params=params, headers=headers, follow_redirects=False)
            assert response.status_code != 500, (path, params, response.status_code, response.text[:300])
            text = _text_of(response)
            # A search form echoes its own term: what it found is the citizen's *other* identifier.
            shown = {name for name, value in (("id_number", VALID_ID), ("phone", APPLICANT_PHONE),
                                              ("sender_phone", SENDER_PHONE))
                     if value in text and value != params.get("q")}
            key = path + ("?q=" + params["q"] if "q" in params else "")
            seen[key] = (response.status_code, shown, read_events(session) - before)
    return seen


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_caller_per_the_need_to_know_table(client, session, app, store, caller):
    world = build_world(session, store)
    sight = _sight_of(caller, world, session)
    c, headers = world.client_for(client, caller)
    seen = _walk(c, headers, world, app, session)
    assert len(seen) >= 40, "the route table was not walked"

    identity_allowed = sight.identity is Detail.FULL and sight.dossiers is Reach.JURISDICTION
    contact_allowed = sight.feedback_contact is Detail.FULL
    for key, (status, shown, events) in seen.items():
        if not identity_allowed:
            assert not shown & {"id_number", "phone"}, f"{caller} was shown {shown} by {key} ({status})"
        if not contact_allowed:
            assert "sender_phone" not in shown, f"{caller} was shown the feedback sender's phone by {key}"
        if shown:
            assert events >= 1, f"{key} showed {shown} to {caller} without recording the read"
        # one event per request, never one per row
        assert events <= 1, f"{key} wrote {events} read events for one request"

    disclosing = {key for key, (_, shown, _) in seen.items() if shown & {"id_number", "phone"}}
    if identity_allowed:  # the table's "yes" is a yes: the page, the forms, the scans, the register, the search
        d = world.dossier_id
        expected = {f"/api/v1/dossiers/{d}/forms/receipt"}
        if not caller.startswith("token_"):
            expected |= {f"/dossiers/{d}", f"/dossiers/{d}/forms/receipt.pdf"}
            if sight.documents:
                expected.add(f"/dossiers/{d}/documents/{world.document_id}")
            if sight.register:
                expected.add("/register.xlsx")
        assert expected <= disclosing, f"{caller} should see {sorted(expected - disclosing)}"
    if contact_allowed and caller.startswith("token_"):
        assert "sender_phone" in seen[f"/api/v1/feedback/{world.case_id}"][1]
