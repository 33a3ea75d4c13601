"""The test harness: every database test runs on SQLite and on PostgreSQL.

Each backend gets a database of its own for the test session, built with the Alembic migrations (not
``create_all``), so a migration that drifts from the models fails here. Each test runs inside a transaction
that is rolled back at its end; the app under test commits only to a savepoint of it. A test that must really
commit gets a database of its own (``fresh_db``), a copy of one migrated once per process (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL): migrating and loading the units each time cost 1-2.5 s a test.

Passwords are hashed with argon2's cheapest parameters here (``_cheap_password_hashing``): at the production cost a
hash takes 0.1-0.4 s on the 2-core test machine, and the suite hashes and verifies thousands. What the tests check
is what is done with a hash (argon2id, never the password, the history), not argon2's cost.

PostgreSQL is required: when it is unreachable the run stops with an error. Setting
``MOTCUA_TEST_WITHOUT_POSTGRES=1`` runs the SQLite half only, and says so at the top of the report.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from motcua.app import create_app
from motcua.auth import secrets as password_secrets
from motcua.base.principal import SYSTEM, Principal
from motcua.catalog.actions import import_catalogue
from motcua.catalog.exchange import load_shipped
from motcua.config import Settings
from motcua.db import make_engine
from motcua.dossier.files import FileStore
from motcua.kit.clock import FixedClock
from motcua.kit.logs import HANDLER_MARK, configure_logging
from motcua.migrate import alembic_config, upgrade
from motcua.org.actions import load_units_file, sync_units
from motcua.wiring import connect
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
    connect()  # the hooks between layers, as every entry point of the product connects them (motcua.wiring)
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


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _pg_admin(statement: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


def _migrate(kind: str, directory: Path, units: bool) -> tuple[str, str | None]:
    """A new database built by the migrations (and the units and catalogue): its URL and PostgreSQL name."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / f'motcua-{uuid.uuid4().hex[:8]}.db'}"
        name = None
    else:
        name = f"motcua_test_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    upgrade(url)
    if units:
        engine = make_engine(url)
        data = load_units_file()
        subset = {**data, "provinces": [p for p in data["provinces"] if p["code"] in TEST_PROVINCES]}
        with Session(engine) as session, session.begin():
            sync_units(session, data=subset)
            import_catalogue(session, actor=SYSTEM, catalogue=load_shipped(), now=datetime(2026, 1, 1, tzinfo=UTC),
                             source="shipped")
        engine.dispose()
    return url, name


#: Per process, (kind, units) -> the migrated database every new one is copied from; dropped at the session's end.
_TEMPLATES: dict[tuple[str, bool], tuple[str, str | None]] = {}
_TEMPLATE_DIR: list[Path] = []


def _template(kind: str, units: bool) -> tuple[str, str | None]:
    key = (kind, units)
    if key not in _TEMPLATES:
        if not _TEMPLATE_DIR:
            _TEMPLATE_DIR.append(Path(tempfile.mkdtemp(prefix="motcua-templates-")))
        url, name = _migrate(kind, _TEMPLATE_DIR[0], units)
        if kind == "sqlite":  # the copies are plain file copies: fold the write-ahead log into the file first
            with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _TEMPLATES[key] = (url, name)
    return _TEMPLATES[key]


def create_database(kind: str, directory: Path, *, units: bool = True) -> TestDatabase:
    """A new, migrated database; with ``units`` the provinces of TEST_PROVINCES and their communes.

    A copy of a template migrated once per process: the migrations are what built it, so a drifting migration still
    fails every test."""
    template_url, template_name = _template(kind, units)
    if kind == "sqlite":
        path = directory / f"motcua-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template_url.removeprefix("sqlite:///"), path)
        url, name = f"sqlite:///{path}", None
    else:
        name = f"motcua_test_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        url = _pg_url(name)
    return TestDatabase(kind, url, make_engine(url), name)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for kind, _units in list(_TEMPLATES):
        _url, name = _TEMPLATES.pop((kind, _units))
        if kind == "postgresql" and name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for directory in _TEMPLATE_DIR:
        shutil.rmtree(directory, ignore_errors=True)
    _TEMPLATE_DIR.clear()


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


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2id with its cheapest parameters (see the module's docstring); the dummy hash that equalises the time of
    an unknown username is made with them too, so both branches stay alike."""
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(password_secrets, "_hasher", cheap)
        patch.setattr(password_secrets, "_DUMMY_HASH", cheap.hash("motcua-timing-equaliser"))
        yield



@contextmanager
def database_before(kind: str, directory: Path, revision: str) -> Iterator[tuple[str, Engine]]:
    """An empty database of ``kind``, migrated to just before ``revision``: where a migration's test writes the rows
    the old code wrote, then upgrades. Dropped (PostgreSQL) at the end."""
    name = None
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'old.db'}"
    else:
        name = f"motcua_test_{uuid.uuid4().hex[:12]}"
        with create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(revision).down_revision
    assert isinstance(previous, str)
    upgrade(url, revision=previous)
    engine = make_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        if name:
            with create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the product's configured log handler writes (JSON lines, the redaction net included), for this test."""
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    yield stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "stream", None) is stream]:
        root.removeHandler(handler)


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
