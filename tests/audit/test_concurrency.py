"""The audit chains under concurrent writers and under a crash in the middle of a write.

House rule 4: concurrent writes are safe by construction. Every writer locks its chain's head first: eight threads
writing at once to one commune still give one unbroken, gap-free chain, and eight threads on eight communes give
eight, without waiting for each other; a process killed with SIGKILL mid-transaction leaves neither a half-written
change nor an audit gap.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.audit.models import AuditEvent
from motcua.audit.queries import verify_chain
from motcua.base.principal import Principal
from motcua.org.models import Commune, Officer
from tests.factories import T0

#: Left out of `make check` (the fast loop); `make test` runs it.
pytestmark = pytest.mark.slow

THREADS = 8
PER_THREAD = 25


def _run_writers(engine, communes: list[str]) -> None:
    """``THREADS`` threads, thread n writing ``PER_THREAD`` events (a transaction each) of ``communes[n]``, all
    released at once."""
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        actor = Principal(kind="officer", id=n, name=f"t{n}", province_code="25", commune_code=communes[n])
        try:
            start.wait()
            for i in range(PER_THREAD):
                with Session(engine) as session, session.begin():
                    record(session, actor=actor, action="test.concurrent", now=T0, object_id=f"{n}-{i}",
                           province_code="25", commune_code=communes[n])
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _chain_seqs(session: Session, chain: str) -> list[int]:
    return list(session.scalars(select(AuditEvent.chain_seq).where(AuditEvent.chain == chain)
                                .order_by(AuditEvent.chain_seq)))


def test_eight_threads_on_one_commune_keep_one_gap_free_chain(fresh_db):
    """Writers of one commune queue on its head: 200 events numbered 1..200 in one chain, which verifies."""
    _run_writers(fresh_db.engine, ["08218"] * THREADS)
    with Session(fresh_db.engine) as session:
        assert _chain_seqs(session, "c:08218") == list(range(1, THREADS * PER_THREAD + 1))
        result = verify_chain(session)
        assert result.ok, result.problem


def test_eight_threads_on_eight_communes_leave_eight_gap_free_chains(fresh_db):
    """One chain per commune: eight threads writing at once to eight communes leave eight chains, each numbered
    1..25 without a gap and holding only its commune's events, and every chain verifies."""
    with Session(fresh_db.engine) as session:
        communes = list(session.scalars(select(Commune.code).where(Commune.province_code == "25")
                                        .order_by(Commune.code).limit(THREADS)))
    _run_writers(fresh_db.engine, communes)
    with Session(fresh_db.engine) as session:
        for commune in communes:
            assert _chain_seqs(session, f"c:{commune}") == list(range(1, PER_THREAD + 1)), commune
            assert set(session.scalars(select(AuditEvent.commune_code)
                                       .where(AuditEvent.chain == f"c:{commune}"))) == {commune}
        result = verify_chain(session)
        assert result.ok, result.problem
        assert {f"c:{c}" for c in communes} <= {c.chain for c in result.chains}


def test_a_writer_of_another_commune_does_not_wait_for_an_open_transaction(db):
    """Writers of different communes never wait for each other. A transaction that wrote an event of xã Chí Tiên
    and has not committed holds Chí Tiên's head: a second writer of Chí Tiên waits for it, a writer of another
    commune goes through. PostgreSQL's ``lock_timeout`` turns a wait into an error, so "does not wait" is checked
    without measuring time. (SQLite serialises all writers at BEGIN IMMEDIATE by design: PostgreSQL only.)"""
    if db.kind != "postgresql":
        pytest.skip("SQLite has one write lock for the whole database (BEGIN IMMEDIATE); row locks are PostgreSQL's")
    actor = Principal(kind="officer", id=1, name="t", province_code="25", commune_code="08218")

    def write(session: Session, commune: str) -> None:
        session.execute(text("SET LOCAL lock_timeout = '2s'"))
        record(session, actor=actor, action="test.lock", now=T0, province_code="25", commune_code=commune)

    # Each session's transaction ends in a rollback when it is closed: nothing here is committed.
    with Session(db.engine) as holder:
        write(holder, "08218")  # holds Chí Tiên's head until it closes
        with Session(db.engine) as other:
            write(other, "08221")  # another commune: no wait
        with Session(db.engine) as same, pytest.raises(OperationalError, match="lock timeout"):
            write(same, "08218")


WRITER = textwrap.dedent(
    """
    import sys, itertools
    from datetime import UTC, datetime
    from sqlalchemy.orm import Session
    from motcua.db import make_engine
    from motcua.base.principal import SYSTEM
    from motcua.admin.actions import create_officer
    from motcua.base.roles import Role
    from motcua.admin.schemas import OfficerCreate

    engine = make_engine(sys.argv[1])
    now = datetime(2026, 11, 23, 3, tzinfo=UTC)
    for i in itertools.count():
        with Session(engine) as session, session.begin():
            for j in range(5):
                create_officer(session, actor=SYSTEM, now=now, password_hash="$argon2id$stub",
                               data=OfficerCreate(username=f"crash{i}x{j}", full_name="Lò Văn Páo",
                                                  password="ca-phe-sua-da-buoi-sang", province_code="25",
                                                  commune_code="08218", roles=[Role.RECEPTION]))
        if i == 2:
            print("running", flush=True)
    """
)


def test_kill_9_in_the_middle_of_writes_leaves_no_half_change_and_no_audit_gap(fresh_db):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, fresh_db.url], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ})
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "running", proc.stderr.read() if proc.stderr else ""
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    fresh_db.engine.dispose()
    with Session(fresh_db.engine) as session:
        officers = session.execute(select(func.count()).select_from(Officer)).scalar_one()
        created = session.execute(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "officer.create")).scalar_one()
        assert officers > 0 and officers % 5 == 0  # whole transactions only
        assert created == officers  # every change has its event, and no event lacks its change
        assert verify_chain(session).ok
