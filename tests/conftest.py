"""The test harness: every database test runs on SQLite and on PostgreSQL.

Each backend gets a database of its own for the test session, built with the Alembic migrations (not
``create_all``), so a migration that drifts from the models fails here. Each test runs inside a transaction
that is rolled back at its end; the app under test commits only to a savepoint of it.

PostgreSQL is required: when it is unreachable the run stops with an error. Setting
``MOTCUA_TEST_WITHOUT_POSTGRES=1`` runs the SQLite half only, and says so at the top of the report.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from motcua.app import create_app
from motcua.auth.principal import SYSTEM, Principal
from motcua.catalog.actions import import_catalogue
from motcua.catalog.exchange import load_shipped
from motcua.config import Settings
from motcua.db import make_engine
from motcua.dossier.files import FileStore
from motcua.kit.clock import FixedClock
from motcua.kit.logs import HANDLER_MARK
from motcua.migrate import upgrade
from motcua.org.actions import load_units_file, sync_units
from tests.factories import TEST_SECRET_KEY, staff

PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WITHOUT_PG = os.environ.get("MOTCUA_TEST_WITHOUT_POSTGRES") == "1"
BACKENDS = ["sqlite"] if WITHOUT_PG else ["sqlite", "postgresql"]

#: The demo province (Phú Thọ) and a second one, for cross-province checks.
TEST_PROVINCES = ("25", "01")


def pytest_report_header(config: pytest.Config) -> str:
    if WITHOUT_PG:
        return "motcua: MOTCUA_TEST_WITHOUT_POSTGRES=1 — PostgreSQL tests NOT run (SQLite only)"
    return f"motcua: database tests run on SQLite and PostgreSQL ({PG_ADMIN_URL.split('@')[-1]})"


def pytest_sessionstart(session: pytest.Session) -> None:
    if WITHOUT_PG:
        return
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        pytest.exit(
            f"PostgreSQL is unreachable at {PG_ADMIN_URL} ({exc.__class__.__name__}). Start it "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or run with "
            "MOTCUA_TEST_WITHOUT_POSTGRES=1 to test on SQLite only.",
            returncode=3,
        )


@dataclass
class TestDatabase:
    kind: str
    url: str
    engine: Engine
    _name: str | None = None

    def drop(self) -> None:
        self.engine.dispose()
        if self.kind == "postgresql" and self._name:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            admin.dispose()


def create_database(kind: str, directory: Path, *, units: bool = True) -> TestDatabase:
    """A new, migrated database; with ``units`` the provinces of TEST_PROVINCES and their communes."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / f'motcua-{uuid.uuid4().hex[:8]}.db'}"
        name = None
    else:
        name = f"motcua_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    engine = make_engine(url)
    if units:
        data = load_units_file()
        subset = {**data, "provinces": [p for p in data["provinces"] if p["code"] in TEST_PROVINCES]}
        with Session(engine) as session, session.begin():
            sync_units(session, data=subset)
            import_catalogue(session, actor=SYSTEM, catalogue=load_shipped(), now=datetime(2026, 1, 1, tzinfo=UTC),
                             source="shipped")
    return TestDatabase(kind, url, engine, name)


@pytest.fixture(scope="session", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    database = create_database(request.param, tmp_path_factory.mktemp(request.param))
    yield database
    database.drop()


@pytest.fixture
def fresh_db(request: pytest.FixtureRequest, db: TestDatabase, tmp_path: Path) -> Iterator[TestDatabase]:
    """A database of its own for a test that must really commit (CLI, concurrency, tampering)."""
    database = create_database(db.kind, tmp_path)
    yield database
    database.drop()


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """A command run in a test configures logging for its process (``motcua.kit.logs``); the next test must not
    inherit its handler."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in before and getattr(h, HANDLER_MARK, False)]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def connection(db: TestDatabase) -> Iterator[Connection]:
    conn = db.engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    """The scans' file store, in the test's own directory."""
    return FileStore(tmp_path / "files")


@pytest.fixture
def team(session: Session) -> dict[str, Principal]:
    """Xã Chí Tiên's officers, one per role (``tests.factories.staff``)."""
    return staff(session)


@pytest.fixture
def clock() -> FixedClock:
    # Monday 23 November 2026, 10:00 in Hà Nội.
    return FixedClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))


@pytest.fixture
def settings(db: TestDatabase, tmp_path: Path) -> Settings:
    return Settings(database_url=db.url, secret_key=TEST_SECRET_KEY, cookie_secure=True,
                    files_dir=tmp_path / "files", public_base_url="https://motcua.example.vn")


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session], clock: FixedClock) -> Any:
    return create_app(settings, session_factory=session_factory, clock=clock)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if WITHOUT_PG:
        terminalreporter.write_line(
            "WARNING: MOTCUA_TEST_WITHOUT_POSTGRES=1 — the PostgreSQL half of the database tests did not run.",
            yellow=True, bold=True,
        )
