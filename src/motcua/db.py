"""Engine, Base and the session-per-request that commits on success and rolls back on error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Delete, MetaData, Update, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions, so SAVEPOINT works (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Take the write lock at BEGIN: a WAL reader that later tries to write can fail at once with
    SQLITE_BUSY_SNAPSHOT, which no timeout cures; BEGIN IMMEDIATE queues writers on the busy timeout instead."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def make_session_factory(bind: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The unit of work of one request or job: commit if the block ends normally, roll back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def commit_before_answering(session: Session) -> None:
    """Commit the request's unit of work now, before its answer is built (the request still owns the transaction:
    this is its route deciding when). Every route's session is committed when the route function returns, before
    the answer is sent (``auth.deps.DB_SESSION``); a route whose last statement locked rows every concurrent
    request needs — the intake's code counter and audit head (``dossier/sealing.py``) — would otherwise hold them
    while it builds its answer (``pg_stat_activity`` showed the holder idle in its transaction while the other
    counters waited). The session's own commit then has nothing left to do."""
    session.commit()


def dialect_insert(session: Session, table: Any) -> Any:
    """The backend's own INSERT (PostgreSQL's or SQLite's), which has ``on_conflict_do_nothing/update``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def affected_rows(session: Session, statement: Update | Delete) -> int:
    """Run a guarded UPDATE/DELETE and say how many rows it changed (house rule 4: 0 means someone was first)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
