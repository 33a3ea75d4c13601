"""Two officers calling at the same instant never get the same ticket (issue 18, "Calling").

Every thread has its own session and transaction, as every request of the counter panel does, on a database of its
own that really commits (``fresh_db``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.org.models import Commune
from motcua.queue import actions
from motcua.queue.fields import FIELDS
from motcua.queue.models import QueueCounter, QueueTicket
from motcua.queue.schemas import CounterIn
from tests.factories import CHI_TIEN, T0, make_officer, principal_of

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

THREADS = 8
PER_THREAD = 25
TICKETS = THREADS * PER_THREAD


@pytest.fixture
def pg_fresh_db(db: TestDatabase, request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    """``fresh_db`` on PostgreSQL; skipped on SQLite before a database is built for nothing."""
    if db.kind != "postgresql":
        pytest.skip("SQLite serialises writers by design (BEGIN IMMEDIATE takes its one write lock), so two calls "
                    "cannot race there; this test is about PostgreSQL's row locks")
    yield request.getfixturevalue("fresh_db")


def test_eight_officers_calling_at_once_never_get_the_same_ticket(pg_fresh_db: TestDatabase) -> None:
    """8 counters each call next 25 times at the same moment over 200 waiting tickets (a third of them priority):
    the 200 calls get 200 distinct tickets — every ticket called exactly once, none left waiting."""
    engine = pg_fresh_db.engine
    with Session(engine) as session:
        commune = session.get(Commune, CHI_TIEN)
        assert commune is not None
        officers: list[Principal] = [principal_of(make_officer(session, with_post=False), Role.RECEPTION)
                                     for _ in range(THREADS)]
        codes = [f.code for f in FIELDS]
        desks = [actions.create_counter(session, actor=SYSTEM, commune=commune, now=T0,
                                        data=CounterIn(number=i + 1, fields=codes)).id for i in range(THREADS)]
        for i in range(TICKETS):
            actions.issue_ticket(session, commune=commune, field=codes[i % len(codes)], ip=f"192.0.2.{i % 250}",
                                 priority_group="elderly" if i % 3 == 0 else None, now=T0)
        session.commit()
    start = threading.Barrier(THREADS)
    called: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def officer_at(desk_id: int, actor: Principal) -> None:
        try:
            start.wait()
            for _ in range(PER_THREAD):
                with Session(engine) as session, session.begin():
                    desk = session.get(QueueCounter, desk_id)
                    assert desk is not None
                    ticket = actions.call_next(session, actor=actor, counter=desk, now=T0)
                    actions.finish(session, actor=actor, counter=desk, now=T0)
                    with lock:
                        called.append(ticket.id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=officer_at, args=pair) for pair in zip(desks, officers, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(called) == TICKETS and len(set(called)) == TICKETS
    with Session(engine) as session:
        statuses = dict(session.execute(select(QueueTicket.status, func.count()).group_by(QueueTicket.status)).all())
        assert statuses == {"done": TICKETS}
        assert set(session.scalars(select(QueueTicket.id))) == set(called)
