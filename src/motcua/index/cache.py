"""What the index pages computed, kept in the process until the rollups change (docs/architecture.md, "Scoring is
cached").

The key of every entry ends with the **rollups version**: a random token in ``index_state`` that every writer of
the rollups replaces in the same transaction as its writes (``mark_rollups_changed``: the fold's ``_apply``, the
rebuild). A reader reads the version first, then the rollups, so an entry can hold rollups newer than its version
but never older; once a writer commits, every reader sees the new version and misses. The token is random rather
than a counter so that a transaction that wrote and rolled back can never hand its number to other rollups. No
version yet (rollups written by something that does not mark them, before any fold) means nothing is cached.

The rest of a key names everything else the value depends on: the database, the province, the period, the metric
set's id (a new version of the definitions is a new id), the available sources, the catalogue's counters (read
fresh, cheaply, on every request: ``rollups.catalogue_counters``) and the communes with their names. Entries are
shared read-only between requests (frozen dataclasses); the cache keeps the most recently used ``MEMO_SIZE``.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.db import dialect_insert
from motcua.index.models import IndexState

T = TypeVar("T")

#: The ``index_state`` row holding the rollups version.
ROLLUPS_VERSION = "rollups_version"
#: Entries kept (a ranking of a province-period is one; a month's index of the country is one).
MEMO_SIZE = 256


def database_of(session: Session) -> str:
    """Which database the session reads (one process may talk to several: tests, the bench)."""
    return str(session.get_bind().engine.url)


def mark_rollups_changed(session: Session) -> None:
    """Give the rollups a new version, in the caller's transaction: every writer of ``index_rollup`` or
    ``index_rollup_commune`` calls this with its writes, or cached scores would outlive them."""
    token = secrets.token_hex(16)
    upsert = dialect_insert(session, IndexState).values(key=ROLLUPS_VERSION, value=token)
    session.execute(upsert.on_conflict_do_update(index_elements=[IndexState.key], set_={"value": token}))


def rollups_version(session: Session) -> str | None:
    """The rollups' current version; None before any writer marked them (nothing is cached then)."""
    return session.scalar(select(IndexState.value).where(IndexState.key == ROLLUPS_VERSION))


class Memo:
    """A thread-safe LRU of values keyed on (database, key, rollups version)."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        version = rollups_version(session)  # first: see the module doc
        if version is None:
            self.misses += 1
            return compute()
        full = (database_of(session), key, version)
        with self._lock:
            if full in self._entries:
                self._entries.move_to_end(full)
                self.hits += 1
                return self._entries[full]  # type: ignore[return-value]  # stored by this key's compute
        self.misses += 1
        value = compute()
        with self._lock:
            self._entries[full] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: The index pages' scores (rankings, trends, a month's index of every commune).
SCORES = Memo()
