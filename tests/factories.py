"""Factories for the models and small helpers for driving the web app in tests."""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.auth.secrets import hash_password
from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import TOKEN_ROLES, Role
from motcua.calendar import VIETNAM_TZ
from motcua.config import Settings
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn, IntakeIn
from motcua.dossier.workflow import Action
from motcua.org.actions import assign_post, ensure_departments
from motcua.org.models import Commune, Officer, Post

PASSWORD = "ca-phe-sua-da-buoi-sang"  # passes the policy (auth/passwords.py): 15+ characters, not guessable
_counter = itertools.count(1)

CHI_TIEN = "08218"  # Xã Chí Tiên, Phú Thọ (seed 002)
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@functools.cache
def password_hash() -> str:
    """PASSWORD's hash, made once on first use: under the test session's hasher (conftest), not at import."""
    return hash_password(PASSWORD)


def other_commune(session: Session, province_code: str = "25", not_code: str = CHI_TIEN) -> str:
    return session.scalars(
        select(Commune.code).where(Commune.province_code == province_code, Commune.code != not_code)
        .order_by(Commune.code).limit(1)
    ).one()


def make_officer(
    session: Session,
    *,
    commune_code: str | None = CHI_TIEN,
    province_code: str = "25",
    roles: tuple[Role, ...] = (Role.RECEPTION,),
    username: str | None = None,
    full_name: str = "Đặng Văn Đức",
    with_post: bool = True,
) -> Officer:
    username = username or f"canbo{next(_counter)}"
    officer = create_officer(
        session,
        actor=SYSTEM,
        data=OfficerCreate(username=username, full_name=full_name, password=PASSWORD,
                           province_code=province_code, commune_code=commune_code, roles=list(roles),
                           phone="0912345678", email=f"{username}@example.vn"),
        now=T0,
        password_hash=password_hash(),
    )
    if with_post and commune_code is not None:
        commune = session.get(Commune, commune_code)
        assert commune is not None
        departments = ensure_departments(session, commune)
        post = Post(department_id=departments[0].id, title="Chuyên viên", norm=1)
        session.add(post)
        session.flush()
        assign_post(session, actor=SYSTEM, officer=officer, post=post, concurrent=False, since=T0.date(), now=T0)
    session.commit()
    return officer


def make_api_token(
    session: Session,
    *,
    roles: tuple[Role, ...] = (),
    commune_code: str | None = CHI_TIEN,
    province_code: str = "25",
    name: str = "Máy tiếp nhận",
    issuer: Officer | None = None,
    officer: Officer | None = None,
) -> str:
    """A real API token, issued by ``issuer`` or by an administrator of the commune (of the province when
    ``commune_code`` is None) made here, acting for ``officer`` (by default one made here with the token's roles),
    committed; returns the raw value for ``Authorization: Bearer``.
    Every test and the fuzz harness make their tokens here, so a change in how tokens are issued is made once."""
    if issuer is None:
        issuer = make_officer(session, commune_code=commune_code, province_code=province_code, roles=(Role.ADMIN,),
                              with_post=False)
    if officer is None:
        # The officer the token acts for (finding 5) holds the token's roles; a token without roles acts for its
        # issuer.
        officer = (make_officer(session, commune_code=commune_code, province_code=province_code, roles=roles,
                                with_post=False) if roles else issuer)
    return make_token(session, officer, *roles, name=name, commune_code=commune_code, issuer=issuer)[1]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient, path: str = "/login") -> str:
    match = _CSRF.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Response:
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": "/home"}, follow_redirects=False)


#: The secret key of the tests: as long as production requires (``config.check_secrets``), and nowhere else.
TEST_SECRET_KEY = "test-secret-key-0123456789abcdef-not-for-production"


def wait_until_serving(proc: subprocess.Popen[bytes], base: str, log: Path, *, seconds: float = 60,
                       ready: Callable[[], bool] = lambda: True) -> None:
    """Until the server ``proc`` started answers ``base``/healthz and ``ready()`` holds; a server that exits or
    takes longer fails the test with the end of its log."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/healthz", timeout=1).status_code == 200 and ready():
                return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server at {base} did not come up: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------------------------ dossiers

VALID_ID = "025090001234"  # born in Phú Thọ (025), century digit 0 → 1900s, 1990
HKD = "1.001612"  # Đăng ký thành lập hộ kinh doanh: 3 working days, Phòng Kinh tế


def pdf_bytes() -> bytes:
    """A real one-page PDF, made by pypdf."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def principal_of(officer: Officer, *roles: Role) -> Principal:
    return Principal(kind="officer", id=officer.id, name=officer.username, full_name=officer.full_name,
                     province_code=officer.province_code, commune_code=officer.commune_code, roles=frozenset(roles))


def staff(session: Session, commune_code: str = CHI_TIEN) -> dict[str, Principal]:
    """A counter officer, a specialist, an approver and a centre director of one commune."""
    out = {}
    for key, role in (("reception", Role.RECEPTION), ("specialist", Role.SPECIALIST), ("approver", Role.APPROVER),
                      ("director", Role.CENTRE_DIRECTOR)):
        officer = make_officer(session, commune_code=commune_code, roles=(role,), with_post=False,
                               full_name={"reception": "Nguyễn Thị Hoa", "specialist": "Trần Văn Nam",
                                          "approver": "Lê Minh Quân", "director": "Phạm Thu Hà"}[key])
        out[key] = principal_of(officer, role)
    return out


def intake_data(**overrides: object) -> IntakeIn:
    data: dict[str, object] = {
        "procedure_code": HKD, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID, "phone": "0912345678",
        "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ", "documents_present": ["giay_de_nghi"],
    }
    data.update(overrides)
    return IntakeIn.model_validate(data)


def act_at(session: Session, actor: Principal, dossier: Dossier, action: Action, hours: int,
           **extra: object) -> Dossier:
    """``perform`` one workflow action on ``dossier`` as ``actor``, ``hours`` after T0, with the version it was read
    at (the page's form carries it)."""
    return perform(session, actor=actor, dossier_id=dossier.id, action=action,
                   data=ActionIn(version=dossier.version, **extra), now=T0 + timedelta(hours=hours))


def make_token(session: Session, officer: Officer, *roles: Role, name: str = "Phần mềm tích hợp",
               commune_code: str | None = None, issuer: Officer | None = None) -> tuple[int, str]:
    """An API token acting on behalf of ``officer`` with ``roles`` (issue 13, finding 5: a token is never an officer
    of its own), issued by ``issuer`` or by a fresh administrator of the officer's commune, scoped to
    ``commune_code`` (by default the officer's), committed. Returns (token id, raw value)."""
    from motcua.auth.actions import create_api_token  # local import: only the tests that issue tokens need it

    if issuer is None:
        issuer = make_officer(session, commune_code=officer.commune_code, province_code=officer.province_code,
                              roles=(Role.ADMIN,), with_post=False, full_name="Quản trị xã")
        commune_code = commune_code or officer.commune_code
    token, raw = create_api_token(session, actor=principal_of(issuer, *(Role(r.role) for r in issuer.roles)),
                                  name=name, commune_code=commune_code, days_valid=30, now=T0,
                                  officer_id=officer.id, roles=roles)
    session.commit()
    return token.id, raw


# ------------------------------------------------------------------------------------------------ callers


@dataclass(frozen=True)
class Caller:
    """Who sends a request, as the request carries it: headers (a bearer token, the CSRF header) and cookies
    (an officer's or a citizen's session, the anonymous CSRF cookie); ``csrf`` is what a form echoes."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str | None = None

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}


#: The anonymous CSRF cookie a browser would hold (WebContextMiddleware keeps one the client already has).
ANONYMOUS_CSRF = "fuzz-anonymous-csrf-0123456789"


def token_caller(name: str, raw: str) -> Caller:
    return Caller(name, headers={"Authorization": f"Bearer {raw}"})


def officer_caller(session: Session, officer: Officer, settings: Settings, name: str | None = None) -> Caller:
    """An officer signed in through the login action (cookie session + its CSRF token, sent as htmx does)."""
    from motcua.auth.actions import login as login_action
    from motcua.auth.deps import CSRF_HEADER, SESSION_COOKIE

    outcome = login_action(session, username=officer.username, password=PASSWORD, ip=None, user_agent="fuzz",
                           now=T0, settings=settings)
    assert outcome.ok and outcome.token and outcome.csrf_token, outcome.message
    session.commit()
    return Caller(name or officer.username, headers={CSRF_HEADER: outcome.csrf_token},
                  cookies={SESSION_COOKIE: outcome.token}, csrf=outcome.csrf_token)


def citizen_caller(session: Session, phone: str = "0912345678", full_name: str = "Đặng Văn Đức") -> Caller:
    """A citizen signed in to the portal (the sign-in action after a verified one-time code)."""
    from motcua.auth.deps import CSRF_COOKIE, CSRF_HEADER
    from motcua.portal.actions.accounts import parse_destination, sign_in
    from motcua.portal.deps import CITIZEN_COOKIE

    _, token = sign_in(session, destination=parse_destination(phone), full_name=full_name, now=T0)
    session.commit()
    return Caller("citizen", headers={CSRF_HEADER: ANONYMOUS_CSRF},
                  cookies={CITIZEN_COOKIE: token, CSRF_COOKIE: ANONYMOUS_CSRF}, csrf=ANONYMOUS_CSRF)


def anonymous_caller() -> Caller:
    from motcua.auth.deps import CSRF_COOKIE, CSRF_HEADER

    return Caller("anonymous", headers={CSRF_HEADER: ANONYMOUS_CSRF}, cookies={CSRF_COOKIE: ANONYMOUS_CSRF},
                  csrf=ANONYMOUS_CSRF)


def every_caller(session: Session, settings: Settings) -> dict[str, Caller]:
    """One caller of every kind the product serves, for the fuzzing: an API token of each token role and one
    without roles (an administrator's integration), a province token, a signed-in officer of every role (the
    commune and the province administrator among them), a citizen, and someone anonymous."""
    callers: dict[str, Caller] = {}
    admin = make_officer(session, roles=(Role.ADMIN,), username="fuzz.admin", with_post=False)
    province_admin = make_officer(session, commune_code=None, roles=(Role.ADMIN,), username="fuzz.tinh.admin")
    for role in TOKEN_ROLES:
        callers[f"token_{role.value}"] = token_caller(f"token_{role.value}",
                                                      make_api_token(session, roles=(role,), issuer=admin))
    callers["token_admin"] = token_caller("token_admin", make_api_token(session, issuer=admin))
    callers["token_province"] = token_caller("token_province",
                                             make_api_token(session, commune_code=None, issuer=province_admin))
    callers["session_admin"] = officer_caller(session, admin, settings, "session_admin")
    callers["session_province_admin"] = officer_caller(session, province_admin, settings, "session_province_admin")
    for role in (Role.PROVINCE_MONITOR,):
        monitor = make_officer(session, commune_code=None, roles=(role,), username="fuzz.tinh.theodoi")
        callers["session_province_monitor"] = officer_caller(session, monitor, settings, "session_province_monitor")
    for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.CENTRE_DIRECTOR, Role.VOLUNTEER, Role.COUNCIL):
        officer = make_officer(session, roles=(role,), username=f"fuzz.{role.value}")
        callers[f"session_{role.value}"] = officer_caller(session, officer, settings, f"session_{role.value}")
    callers["citizen"] = citizen_caller(session)
    callers["anonymous"] = anonymous_caller()
    return callers


def supplemented_late_for_the_index(session: Session, team: dict[str, Principal], store: FileStore) -> Dossier:
    """docs/legal.md §7, 2.1: a 5-working-day procedure (1.001653) received Fri 9/1/2026 07:30 (appointment Thu 15/1
    17:00: Sat 10/1 is a make-up working day), a supplement asked Tue 13/1 17:00 after 4 working days and completed
    Fri 23/1 17:00 (10 days), approved Thu 29/1 17:00 after 4 more: on time for the citizen (the legal clock
    restarted, due Mon 2/2 17:00), late for the index (29/1 17:00 − 10 days = 19/1 17:00, after 15/1 17:00)."""
    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 1, day, hour, minute, tzinfo=VIETNAM_TZ)

    data = intake_data(procedure_code="1.001653", documents_present=["don_de_nghi", "giay_to_tuy_than"])
    d = receive_dossier(session, actor=team["reception"], data=data, uploads=(), store=store, now=at(9, 7, 30)).dossier
    steps = [(team["reception"], Action.TRANSFER, at(9, 8), {}),
             (team["approver"], Action.ASSIGN, at(9, 9), {"handler_id": team["specialist"].id}),
             (team["specialist"], Action.REQUEST_SUPPLEMENT, at(13, 17), {"note": "Bổ sung giấy xác nhận cũ"}),
             (team["reception"], Action.RECEIVE_SUPPLEMENT, at(23, 17), {}),
             (team["specialist"], Action.SUBMIT_FOR_APPROVAL, at(29, 16), {}),
             (team["approver"], Action.APPROVE, at(29, 17), {"note": "Giấy xác nhận khuyết tật số 12"})]
    for actor, action, now, extra in steps:
        d = perform(session, actor=actor, dossier_id=d.id, action=action, data=ActionIn(version=d.version, **extra),
                    now=now)
    return d
