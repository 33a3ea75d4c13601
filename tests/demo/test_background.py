"""`make run`'s demo in two steps (motcua.demo.background): the recent months before the service opens, the earlier
ones in a background process that commits batch by batch and resumes; on SQLite and PostgreSQL.

The two parts must make the same kind of period a single load makes: codes gap-free per body and day with the
counter holding the last number (Decree 118 Art. 28(b)); the earlier months below the recent ones; the index
folded batch by batch equal to the set-based rebuild of everything (docs/index.md).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from motcua.calendar import to_vietnam_time
from motcua.demo import background, dossiers
from motcua.demo.dossiers import DEMO_SCOPE
from motcua.dossier.actions import DossierImport
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierCodeCounter
from motcua.index.models import IndexRollup
from motcua.index.rebuild import rebuild_index
from motcua.kit.clock import as_utc
from motcua.kit.statusfile import read_status
from tests.conftest import TestDatabase as Database
from tests.conftest import create_database

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Hà Nội
SPLIT = date(2026, 2, 1)  # the last complete month begins
SCALE = 0.02


def _recent(database: Database, store: FileStore) -> background.Plan:
    with Session(database.engine) as session, session.begin():
        loaded, plan = background.load_recent(session, province_code="25", now=NOW, months=3, store=store,
                                              scale=SCALE)
    with Session(database.engine) as session, session.begin():
        rebuild_index(session, NOW)
    assert not loaded.skipped and loaded.dossiers > 0 and plan is not None
    return plan


def _rows(database: Database) -> list[Any]:
    with Session(database.engine) as session:
        return list(session.execute(select(Dossier.id, Dossier.code, Dossier.received_at, Dossier.applicant_name,
                                           Dossier.deciding_commune_code, Dossier.status)
                                    .where(Dossier.idempotency_scope == DEMO_SCOPE).order_by(Dossier.id)))


def _rollups(database: Database) -> dict[tuple[Any, ...], dict[str, Any]]:
    with Session(database.engine) as session:
        table = IndexRollup.__table__
        return {tuple(r[:len(table.primary_key.columns)]): dict(r._mapping)
                for r in session.execute(select(table).order_by(*table.primary_key.columns))}


def test_recent_then_earlier_is_one_period(db: Database, tmp_path: Path) -> None:
    """The recent part holds exactly the days from the first of the last complete month, the earlier part every
    day before, with lower ids; together the codes are gap-free per receiving body and day and each day's counter
    holds its last number (Art. 28(b)); and the index the background load folds batch by batch is the index a
    rebuild of everything computes. The status file ends 'done' at 100%."""
    database = create_database(db.kind, tmp_path)
    try:
        store, status = FileStore(tmp_path / "files"), tmp_path / "demo-load.json"
        plan = _recent(database, store)
        background.start_status(status, plan)
        assert background.pending_plan(status) == plan
        recent = _rows(database)
        assert recent and min(r.id for r in recent) == plan.recent_first_id
        assert all(to_vietnam_time(as_utc(r.received_at)).date() >= SPLIT for r in recent)

        factory = sessionmaker(database.engine)
        written = background.load_earlier(factory, plan, store=store, status=status, clock=lambda: NOW)
        done = read_status(status)
        assert done is not None and done["state"] == "done" and done["percent"] == 100
        assert background.pending_plan(status) is None
        rows = _rows(database)
        earlier = [r for r in rows if r.id < plan.recent_first_id]
        assert len(earlier) == written > 0 and len(rows) == len(recent) + written
        assert all(to_vietnam_time(as_utc(r.received_at)).date() < SPLIT for r in earlier)

        numbers: dict[tuple[str, str], list[int]] = defaultdict(list)
        for r in rows:  # AGENCYID-YYMMDD-NNNN
            agency, day, seq = r.code.rsplit("-", 2)
            numbers[(agency, day)].append(int(seq))
        assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values()), "gap-free per body and day"
        with Session(database.engine) as session:
            counters = {(c.agency_id, f"{c.day:%y%m%d}"): c.last_seq
                        for c in session.scalars(select(DossierCodeCounter))}
        assert counters == {key: len(n) for key, n in numbers.items()}

        folded = _rollups(database)
        with Session(database.engine) as session, session.begin():
            rebuild_index(session, NOW)
        assert folded == _rollups(database)
    finally:
        database.drop()


def test_an_interrupted_background_load_resumes_where_it_stopped(db: Database, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A background load stopped after its first committed batch (the machine went down) says so in the status
    file; run again, it writes the rest and nothing twice: the same dossiers as a load that was never stopped."""
    monkeypatch.setattr(dossiers, "DOSSIER_CHUNK", 100)  # several batches at this small scale
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = create_database(db.kind, tmp_path / "a"), create_database(db.kind, tmp_path / "b")
    try:
        for database in (first, second):
            plan = _recent(database, FileStore(tmp_path / "files"))
        status = tmp_path / "demo-load.json"
        background.start_status(status, plan)
        write = DossierImport.write
        calls = []

        def failing_write(self: DossierImport, dossiers: list[Any], events: list[Any]) -> None:
            calls.append(len(dossiers))
            if len(calls) == 2:
                raise OSError("disk unplugged")
            write(self, dossiers, events)

        monkeypatch.setattr(DossierImport, "write", failing_write)
        with pytest.raises(OSError, match="disk unplugged"):
            background.load_earlier(sessionmaker(first.engine), plan, store=FileStore(tmp_path / "files"),
                                    status=status, clock=lambda: NOW)
        stopped = read_status(status)
        assert stopped is not None and stopped["state"] == "failed" and "disk unplugged" in stopped["error"]
        assert len(_rows(first)) - len(_rows(second)) > 0
        monkeypatch.setattr(DossierImport, "write", write)

        resumed = background.pending_plan(status)
        assert resumed == plan
        background.load_earlier(sessionmaker(first.engine), resumed, store=FileStore(tmp_path / "files"),
                                status=status, clock=lambda: NOW)
        background.load_earlier(sessionmaker(second.engine), plan, store=FileStore(tmp_path / "files"),
                                status=tmp_path / "other.json", clock=lambda: NOW)
        assert _rows(first) == _rows(second)
        assert _rollups(first) == _rollups(second)
    finally:
        first.drop()
        second.drop()
