"""The register under concurrent leaders (Decree 30/2020 Art. 15: one sequence per body and year, no gap), and two
leaders on one draft (exactly one issues). Every thread has its own session and transaction, as a web request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.dossier.files import FileStore
from motcua.dossier.models import DossierDocument
from motcua.kit.errors import Conflict, MotcuaError
from motcua.results.actions import issue_on_paper
from motcua.results.models import ResultDraft, ResultRegisterCounter
from tests.factories import T0, make_officer, pdf_bytes, principal_of, staff
from tests.results.helpers import awaiting_approval, submitted_draft

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

pytestmark = pytest.mark.slow

LEADERS = 4
PER_LEADER = 15
NOW = T0 + timedelta(hours=6)


@pytest.fixture
def pg_fresh_db(db: TestDatabase, request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    if db.kind != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race is PostgreSQL's row locks")
    yield request.getfixturevalue("fresh_db")


def test_concurrent_signings_with_failures_number_gap_free(pg_fresh_db: TestDatabase, tmp_path: Path) -> None:
    """Four leaders issue 60 results at once; every third attempt fails after the register gave it a number (the
    scan is refused by the upload check) and is retried: the numbers issued are exactly 1..60."""
    engine = pg_fresh_db.engine
    store = FileStore(tmp_path / "files")
    with Session(engine) as session:
        team = staff(session)
        leaders = [team["approver"], *(principal_of(make_officer(session, roles=(Role.APPROVER,), with_post=False,
                                                                 full_name=name), Role.APPROVER)
                                       for name in ("Vũ Thị Mai", "Đỗ Văn Hải", "Ngô Thị Hằng")[:LEADERS - 1])]
    drafts: list[tuple[int, int]] = []
    with Session(engine) as session, session.begin():
        for _ in range(LEADERS * PER_LEADER):
            draft = submitted_draft(session, team, awaiting_approval(session, team, store))
            drafts.append((draft.id, draft.version))
    start = threading.Barrier(LEADERS)
    errors: list[BaseException] = []
    failures: list[int] = []

    def leader(index: int, actor: Principal) -> None:
        try:
            start.wait()
            for n, (draft_id, seen) in enumerate(drafts[index::LEADERS]):
                if n % 3 == 0:
                    try:
                        with Session(engine) as session, session.begin():
                            issue_on_paper(session, actor=actor, draft_id=draft_id, seen=seen, scan=b"not a scan",
                                           filename="x.pdf", now=NOW, store=store)
                    except MotcuaError:
                        failures.append(draft_id)
                with Session(engine) as session, session.begin():
                    issue_on_paper(session, actor=actor, draft_id=draft_id, seen=seen, scan=pdf_bytes(),
                                   filename="scan.pdf", now=NOW, store=store)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=leader, args=(i, actor)) for i, actor in enumerate(leaders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = LEADERS * PER_LEADER
    assert len(failures) == LEADERS * ((PER_LEADER + 2) // 3)
    with Session(engine) as session:
        numbers = sorted(session.scalars(select(ResultDraft.number)))
        assert numbers == list(range(1, total + 1))
        assert session.scalar(select(ResultRegisterCounter.last_seq)) == total
        assert session.scalar(select(func.count()).select_from(DossierDocument)
                              .where(DossierDocument.kind == "result")) == total


def test_two_leaders_on_one_draft_exactly_one_issues(fresh_db: TestDatabase, tmp_path: Path) -> None:
    """The guarded UPDATE: the second leader's transaction finds the draft issued and changes nothing."""
    engine = fresh_db.engine
    store = FileStore(tmp_path / "files")
    with Session(engine) as session:
        team = staff(session)
        second = principal_of(make_officer(session, roles=(Role.APPROVER,), with_post=False, full_name="Vũ Thị Mai"),
                              Role.APPROVER)
    with Session(engine) as session, session.begin():
        draft = submitted_draft(session, team, awaiting_approval(session, team, store))
        draft_id, seen = draft.id, draft.version
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def sign(actor: Principal) -> None:
        try:
            start.wait()
            with Session(engine) as session, session.begin():
                issue_on_paper(session, actor=actor, draft_id=draft_id, seen=seen, scan=pdf_bytes(),
                               filename="scan.pdf", now=NOW, store=store)
            outcomes.append("issued")
        except Conflict:
            outcomes.append("conflict")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(who,)) for who in (team["approver"], second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(outcomes) == ["conflict", "issued"]
    with Session(engine) as session:
        assert session.scalar(select(ResultRegisterCounter.last_seq)) == 1
        assert session.scalar(select(func.count()).select_from(DossierDocument)
                              .where(DossierDocument.kind == "result")) == 1
