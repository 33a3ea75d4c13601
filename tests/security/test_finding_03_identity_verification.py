"""Finding 3 (issue 13): identity "verification" on the portal took only an ID number and a name. Two unrelated
phone accounts were both "verified" at VNeID level 2 as the same number; the errors told "number exists, wrong
name" from "no such number" (the population database could be enumerated); nothing limited the tries.

Rules:
- verification needs what a VNeID level 2 account proves (Decree 69/2024/NĐ-CP Art. 12): the ID number, the full
  name, the date of birth, and the population database's answer that the account's phone is the phone registered
  to that number;
- one ID number belongs to one citizen account (a unique constraint; a clear message that names no account);
- every mismatch gets one answer, same message, status and shape (OWASP ASVS 2.2, WSTG-IDNT-04: no enumeration);
- tries are limited per account, per ID number and per client address, counted in the database (ASVS 2.2.1).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from motcua.integrations.identity import PopulationDbClient
from motcua.integrations.simulators import PopulationDbSimulator
from motcua.portal.actions.accounts import IDENTITY_PER_ACCOUNT, IDENTITY_PER_ID_NUMBER, NOT_MATCHED, verify_identity
from motcua.portal.models import CitizenAccount, IdentityAttempt
from tests.factories import csrf_token
from tests.portal.test_portal import sign_in

ID, NAME, BORN, REGISTERED = "025090001234", "Đặng Văn Đức", date(1990, 4, 2), "0912345678"
OTHER = "0987654321"


@pytest.fixture
def population(app: Any) -> Iterator[PopulationDbSimulator]:
    with PopulationDbSimulator(demo=False) as simulator:
        simulator.add(ID, NAME, BORN, vneid_level=2, phone=REGISTERED)
        simulator.add("025190012345", "Trần Thị Bích Ngọc", date(1990, 7, 21), vneid_level=2, phone=OTHER)
        settings = app.state.settings
        settings.identity_url, settings.identity_api_key = simulator.base_url, simulator.api_key
        yield simulator


def verify(client: Any, **fields: str) -> Any:
    token = csrf_token(client, "/cong-dan")
    data = {"id_number": ID, "full_name": NAME, "birth_date": BORN.isoformat(), **fields, "csrf_token": token}
    return client.post("/cong-dan/dinh-danh", data=data, follow_redirects=False)


def account(session: Any, phone: str) -> CitizenAccount:
    found = session.scalar(select(CitizenAccount).where(CitizenAccount.phone == phone))
    session.refresh(found)
    return found


def error_of(page: Any) -> str:
    return page.text.split('id="identity-error">', 1)[1].split("<", 1)[0]


def test_finding_03_a_phone_account_not_registered_to_the_number_is_not_verified(client, session, population):
    """The number, name and date of birth of someone else are not enough: the account's phone must be the one the
    population database holds for that number. The holder of that phone verifies; nobody else does."""
    sign_in(client, session, OTHER, "Kẻ Mạo Danh")
    impostor = verify(client)
    assert impostor.status_code == 422 and error_of(impostor) == NOT_MATCHED
    assert account(session, OTHER).vneid_level == 0 and account(session, OTHER).id_number is None

    client.cookies.clear()
    sign_in(client, session, REGISTERED, NAME)
    assert verify(client, birth_date="1990-04-03").status_code == 422  # the date of birth is checked too
    done = verify(client)
    assert done.status_code == 303, done.text
    holder = account(session, REGISTERED)
    assert (holder.id_number, holder.vneid_level) == (ID, 2)
    assert population.checks[-1].result == "match"


def test_finding_03_every_mismatch_gets_one_answer(client, session, population):
    """Unknown number, wrong name, wrong date of birth, another phone: one message, one status, one page shape —
    and the database is asked each time (the same time class)."""
    sign_in(client, session, OTHER, "Kẻ Mạo Danh")
    asked_before = population.requests
    answers = [verify(client, id_number="025090009999"),  # nobody holds it
               verify(client, full_name="Đặng Văn Đạt"),  # exists, other name
               verify(client, birth_date="1991-01-01"),  # exists, other date of birth
               verify(client)]  # exists, all right, but the phone registered to it is another
    assert {a.status_code for a in answers} == {422}
    assert {error_of(a) for a in answers} == {NOT_MATCHED}
    shapes = {a.text.replace(a.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0], "")
              .replace("025090009999", ID).replace("Đặng Văn Đạt", NAME).replace("1991-01-01", BORN.isoformat())
              for a in answers}
    assert len(shapes) == 1
    assert population.requests - asked_before == 4


def test_finding_03_one_id_number_belongs_to_one_account(session, population, clock):
    """Two accounts cannot both hold a number: the unique constraint refuses the second, with a message that names
    no account, and the refused try is counted."""
    now = clock.now()
    first = CitizenAccount(phone=REGISTERED, full_name=NAME, created_at=now, vneid_level=0)
    second = CitizenAccount(email="duc@example.vn", full_name=NAME, created_at=now, vneid_level=0)
    session.add_all([first, second])
    session.flush()
    # the second account holds the number already (as the old code allowed); the registered phone's owner asks
    session.execute(CitizenAccount.__table__.update().where(CitizenAccount.id == second.id)
                    .values(id_number=ID, vneid_level=2, identity_checked_at=now))
    with PopulationDbClient(population.base_url, population.api_key) as adapter:
        result = verify_identity(session, account=first, id_number=ID, full_name=NAME, birth_date=BORN,
                                 adapter=adapter, now=now, ip="203.0.113.9")
    assert result.error is not None and result.error.status_code == 409
    assert "tài khoản khác" in result.error.message and "duc@example.vn" not in result.error.message
    session.refresh(first)
    assert first.id_number is None and first.vneid_level == 0
    outcomes = session.scalars(select(IdentityAttempt.outcome).where(IdentityAttempt.citizen_id == first.id)).all()
    assert outcomes == ["taken"]


def test_finding_03_tries_are_limited_per_account_per_number_and_per_address(client, session, population, app):
    """After the limit, the account is refused before the database is asked; another account trying the same
    number is refused too (per number); the tries are rows in the database, so every worker counts them."""
    sign_in(client, session, OTHER, "Kẻ Mạo Danh")
    for _ in range(IDENTITY_PER_ACCOUNT):
        assert verify(client, id_number="025190012345", full_name="Trần Thị Bích Ngọc",
                      birth_date="1990-07-22").status_code == 422
    asked = population.requests
    blocked = verify(client, id_number="025190012345", full_name="Trần Thị Bích Ngọc", birth_date="1990-07-21")
    assert blocked.status_code == 429 and population.requests == asked
    assert account(session, OTHER).vneid_level == 0

    # per number: other accounts probing one number stop at the limit, whoever asks
    rows = session.scalar(select(IdentityAttempt.id_number_digest).limit(1))
    assert rows and ID not in rows
    client.cookies.clear()
    sign_in(client, session, "0911111111", "Người Thứ Ba")
    for _ in range(IDENTITY_PER_ID_NUMBER):
        verify(client, full_name="Sai Tên")
    client.cookies.clear()
    sign_in(client, session, REGISTERED, NAME)
    assert verify(client).status_code == 429  # the number is resting, even for its owner, until the window passes


def test_finding_03_tries_are_limited_per_client_address(session, population, clock, monkeypatch):
    """Many accounts from one address (each under its own limits) stop at the address's limit."""
    from motcua.kit.errors import TooManyRequests
    from motcua.portal.actions import accounts

    monkeypatch.setattr(accounts, "IDENTITY_PER_IP", 3)
    now = clock.now()
    people = [CitizenAccount(phone=f"09130000{i:02d}", full_name="Người Dùng", created_at=now, vneid_level=0)
              for i in range(4)]
    session.add_all(people)
    session.flush()
    with PopulationDbClient(population.base_url, population.api_key) as adapter:
        def attempt(who: CitizenAccount, ip: str) -> Any:
            return verify_identity(session, account=who, id_number=f"02509000{people.index(who):04d}",
                                   full_name="Người Dùng", birth_date=BORN, adapter=adapter, now=now, ip=ip)

        for who in people[:3]:
            assert attempt(who, "198.51.100.7").error is not None
        with pytest.raises(TooManyRequests):
            attempt(people[3], "198.51.100.7")
        assert attempt(people[3], "198.51.100.8").error is not None  # another address is not held back
