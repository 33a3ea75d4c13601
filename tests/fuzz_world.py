"""The world the fuzzing runs in: a database of its own per backend, every kind of caller, and real rows to aim at.

Built once per test module and backend (building it costs logins and a migrated database); every request of the
fuzzing runs inside a SAVEPOINT rolled back afterwards, so each example starts from the same world whatever the one
before did (a logout, a revoked token, a dossier moved on). The callers come from ``tests.factories.every_caller``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from motcua.app import create_app
from motcua.auth.models import ApiToken
from motcua.base.principal import SYSTEM
from motcua.calendar.actions import record_announcement
from motcua.calendar.schemas import AnnouncementIn
from motcua.config import Settings
from motcua.dossier.files import FileStore
from motcua.dossier.workflow import Action
from motcua.feedback.workflow import CaseAction
from motcua.kit.clock import FixedClock
from motcua.org.models import Officer
from motcua.portal.actions.filing import start_draft
from motcua.portal.models import CitizenAccount
from tests.conftest import TestDatabase as Database
from tests.conftest import create_database
from tests.factories import CHI_TIEN, HKD, T0, Caller, every_caller, staff


@dataclass
class World:
    kind: str
    app: Any
    connection: Connection
    callers: dict[str, Caller]
    #: Values that name real rows, by path parameter name.
    rows: dict[str, list[Any]] = field(default_factory=dict)

    @contextmanager
    def example(self) -> Iterator[None]:
        """One request's worth of changes, undone afterwards."""
        savepoint = self.connection.begin_nested()
        try:
            yield
        finally:
            if savepoint.is_active:
                savepoint.rollback()


def _rows(session: Session, store: FileStore) -> dict[str, list[Any]]:
    from tests.feedback.helpers import dossier_up_to, new_case

    team = staff(session)
    received = dossier_up_to(session, team, store, None)
    transferred = dossier_up_to(session, team, store, Action.TRANSFER)
    returned = dossier_up_to(session, team, store, Action.RETURN_RESULT)
    citizen = session.scalars(select(CitizenAccount).order_by(CitizenAccount.id)).first()
    assert citizen is not None
    draft = start_draft(session, citizen=citizen, procedure_code=HKD, commune_code=CHI_TIEN, now=T0)
    case = new_case(session)
    change = record_announcement(session, actor=SYSTEM, now=T0, data=AnnouncementIn.model_validate(
        {"day": "2026-12-31", "kind": "day_off", "scope": "25", "document": "01/TB-UBND", "note": "Kiểm thử"}))
    from motcua.org.models import Commune
    from motcua.queue.actions import create_counter
    from motcua.queue.schemas import CounterIn

    counter = create_counter(session, actor=SYSTEM, commune=session.get(Commune, CHI_TIEN), now=T0,
                             data=CounterIn(number=1, fields=["civil_status", "land"]))
    from motcua.queue.actions import call_next, issue_ticket

    ticket = issue_ticket(session, commune=session.get(Commune, CHI_TIEN), field="land", priority_group=None,
                          ip="192.0.2.9", now=T0)
    call_next(session, actor=SYSTEM, counter=counter, now=T0)
    from datetime import datetime

    from motcua.calendar.hours import VIETNAM_TZ
    from motcua.queue.booking import book

    appointment = book(session, commune=session.get(Commune, CHI_TIEN), field="land", name="Nguyễn Văn An",
                       slot_start=datetime(2026, 11, 25, 8, 0, tzinfo=VIETNAM_TZ), phone="0912000101",
                       citizen_id=None, now=T0)
    session.commit()
    assert change.announcement is not None
    return {
        "commune_code": [CHI_TIEN],
        "counter_id": [counter.id],
        "ticket_id": [ticket.id],
        "booking_code": [appointment.code],
        "dossier_id": [received.id, transferred.id, returned.id],
        "draft_id": [draft.id],
        "case_id": [case.id],
        "token_id": list(session.scalars(select(ApiToken.id))),
        "officer_id": list(session.scalars(select(Officer.id).where(Officer.username.like("fuzz.%")))),
        "announcement_id": [change.announcement.id],
        "code": [CHI_TIEN],
        "snapshot_id": [1],
        "file_id": [1],
        "action": [a.value for a in Action] + [a.value for a in CaseAction],
        "lang": ["vi", "en"],
        "form": ["receipt", "supplement", "refusal"],
    }


@pytest.fixture(scope="module")
def world(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory: Path = tmp_path_factory.mktemp(f"fuzz-{db.kind}")
    database = create_database(db.kind, directory)
    connection = database.engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    settings = Settings(database_url=database.url, secret_key="fuzz-secret-key-0123456789abcdef",
                        cookie_secure=True, files_dir=directory / "files", public_base_url="https://motcua.example.vn")
    with factory() as session:
        callers = every_caller(session, settings)
        rows = _rows(session, FileStore(directory / "files"))
    app = create_app(settings, session_factory=factory, clock=FixedClock(T0))
    yield World(db.kind, app, connection, callers, rows)
    outer.rollback()
    connection.close()
    database.drop()
