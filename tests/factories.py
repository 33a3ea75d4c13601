"""Factories for the models and small helpers for driving the web app in tests."""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.auth.principal import SYSTEM, Principal
from motcua.auth.secrets import hash_password
from motcua.dossier.schemas import IntakeIn
from motcua.org.actions import assign_post, create_officer, ensure_departments
from motcua.org.models import Commune, Officer, Post
from motcua.org.roles import Role
from motcua.org.schemas import OfficerCreate

PASSWORD = "mat-khau-dung-2025"
_HASH = hash_password(PASSWORD)
_counter = itertools.count(1)

CHI_TIEN = "08218"  # Xã Chí Tiên, Phú Thọ (seed 002)
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


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
        password_hash=_HASH,
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
