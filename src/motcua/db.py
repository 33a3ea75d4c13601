"""Engine, Base and the session-per-request that commits on success and rolls back on error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Delete, Dialect, MetaData, Update, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class NaiveDatetimeError(TypeError):
    """A datetime without a timezone reached the database: a programming error, never the user's input."""


class UtcDateTime(TypeDecorator[datetime]):
    """Every stored instant: written as UTC, read back as an aware UTC datetime, on both backends.

    PostgreSQL's ``timestamptz`` keeps the instant; SQLite has no timestamp type, and SQLAlchemy's ``DateTime``
    writes the wall time of whatever it is given and drops the offset, then reads it back naive. An instant given
    in UTC+7 would be stored seven hours off, and every API answer read from SQLite would lose its offset. So the
    value is normalised to UTC before it is written, read back with UTC attached, and a naive datetime is refused on
    write: "naive means UTC" is a guess this type does not make (house rule 5:
    store UTC). Values that are not datetimes (a date compared with the column, a string) pass through to
    ``DateTime`` unchanged.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {value.isoformat()} written to a UTC column")
        value = value.astimezone(UTC)
        # SQLite stores the UTC wall time (the format demo/dossiers.py writes in bulk); PostgreSQL the instant.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


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
    intake of the same commune needs — its code counter and its audit chain head — would otherwise hold them
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
