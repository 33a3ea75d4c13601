"""Two citizens booking the last place of a slot at the same instant: exactly one gets it (issue 18, "Online
appointments: slots have a capacity"); the per-phone limit of remote tickets holds under the same race.

Every thread has its own session and transaction, as every request does, on a database of its own that really
commits (``fresh_db``), on PostgreSQL (SQLite serialises writers, so nothing races there)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.calendar.hours import VIETNAM_TZ
from motcua.kit.errors import MotcuaError
from motcua.org.models import Commune
from motcua.queue import booking
from motcua.queue.booking import SlotFull
from motcua.queue.booking_models import QueueBooking, QueuePhoneTicket
from motcua.queue.models import QueueTicket
from tests.factories import CHI_TIEN

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VIETNAM_TZ)  # Monday 09:00
SLOT = datetime(2026, 11, 25, 8, 0, tzinfo=VIETNAM_TZ)  # Wednesday 08:00


@pytest.fixture
def pg_fresh_db(db: TestDatabase, request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    if db.kind != "postgresql":
        pytest.skip("SQLite serialises writers by design (BEGIN IMMEDIATE takes its one write lock), so two bookings "
                    "cannot race there; this test is about PostgreSQL's unique constraint under concurrency")
    yield request.getfixturevalue("fresh_db")


def _race(engine: Any, count: int,
          attempt: Callable[[Session, int], object]) -> tuple[list[object], list[BaseException]]:
    """``count`` threads released at once, each running ``attempt`` in its own committed transaction."""
    start = threading.Barrier(count)
    won: list[object] = []
    lost: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            start.wait()
            with Session(engine) as session, session.begin():
                result = attempt(session, i)
            with lock:
                won.append(result)
        except BaseException as exc:  # collected and asserted by the caller
            with lock:
                lost.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, lost


def test_two_citizens_booking_the_last_place_at_once_exactly_one_gets_it(pg_fresh_db: TestDatabase) -> None:
    """A slot with one place left (capacity 2, one booked): two bookings at the same instant — one succeeds, the
    other is told the slot is full; the slot holds 2, never 3."""
    engine = pg_fresh_db.engine
    with Session(engine) as session:
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        booking.set_capacities(session, actor=SYSTEM, commune=commune, values={"civil_status": 2}, now=NOW)
        booking.book(session, commune=commune, field="civil_status", slot_start=SLOT, name="Nguyễn Văn An",
                     phone="0912000100", citizen_id=None, now=NOW)
        session.commit()

    def attempt(session: Session, i: int) -> object:
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        return booking.book(session, commune=commune, field="civil_status", slot_start=SLOT, name="Trần Thị Bích",
                            phone=f"091200011{i}", citizen_id=None, now=NOW).code

    won, lost = _race(engine, 2, attempt)
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], SlotFull) and "đã hết chỗ" in lost[0].message
    with Session(engine) as session:
        places = sorted(session.scalars(select(QueueBooking.place).where(QueueBooking.slot_start == SLOT)))
        assert places == [1, 2]


def test_eight_citizens_racing_for_three_places_get_three(pg_fresh_db: TestDatabase) -> None:
    engine = pg_fresh_db.engine
    with Session(engine) as session:
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        booking.set_capacities(session, actor=SYSTEM, commune=commune, values={"land": 3}, now=NOW)
        session.commit()

    def attempt(session: Session, i: int) -> object:
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        return booking.book(session, commune=commune, field="land", slot_start=SLOT, name="Lê Văn Cường",
                            phone=f"091200012{i}", citizen_id=None, now=NOW).code

    won, lost = _race(engine, 8, attempt)
    assert len(won) == 3 and len(set(won)) == 3
    assert len(lost) == 5 and all(isinstance(e, SlotFull) for e in lost)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(QueueBooking)) == 3


def test_one_phone_asking_six_tickets_at_once_gets_three(pg_fresh_db: TestDatabase) -> None:
    """The per-phone limit (3 a day) is a counted insert under the primary key: six requests of one phone at the
    same instant get three tickets, the others the limit's message."""
    engine = pg_fresh_db.engine

    def attempt(session: Session, i: int) -> object:
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        return booking.take_remote_ticket(session, commune=commune, field="land", phone="0912000101",
                                          channel="portal", ip=f"192.0.2.{i}", now=NOW).number

    won, lost = _race(engine, 6, attempt)
    assert sorted(won) == ["DD-001", "DD-002", "DD-003"]  # type: ignore[type-var]
    assert len(lost) == 6 - 3 and all(isinstance(e, MotcuaError) and e.status_code == 429 for e in lost)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(QueueTicket)) == 3
        assert session.scalar(select(func.count()).select_from(QueuePhoneTicket)) == 3
