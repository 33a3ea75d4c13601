"""What the index pages computed, kept in the process until the rollups they read change (docs/architecture.md,
"Scoring is cached").

The key of every entry ends with the **versions of its scope**: random tokens in ``index_state`` that every writer of
the rollups replaces in the same transaction as its writes (``mark_rollups_changed``). A scope is a province (or the
whole country) and the months an entry reads; its versions are

* the **global** token (``rollups_version``), replaced by whatever changes everything (the rebuild);
* the province's **all-months** token and the country's (``rollups:25:all``, ``rollups:*:all``), replaced by a change
  that reaches every month from some day on (a feedback case of 5.2–5.3 opened, closed, late);
* one token per month read, the province's and the country's (``rollups:25:2026-11``, ``rollups:*:2026-11``),
  replaced by the fold for exactly the months whose rollups its deltas moved.

So a fold of December's dossiers leaves November's ranking, the previous period's and eleven of the trend's twelve
months cached: the province dashboard recomputes only what the fold changed.

A reader reads the versions first (one query), then the rollups, so an entry can hold rollups newer than its
versions but never older; once a writer commits, every reader of that scope sees a new version and misses. Tokens
are random rather than counters so that a transaction that wrote and rolled back can never hand its number to other
rollups. No global version yet (rollups written by something that does not mark them, before any writer) means
nothing is cached; every marking writer makes sure it exists.

The rest of a key names everything else the value depends on: the database, the province, the period, the metric
set's id (a new version of the definitions is a new id), the available sources, the catalogue's counters (read
fresh, cheaply, on every request: ``rollups.catalogue_counters``) and the communes with their names. Entries are
shared read-only between requests (frozen dataclasses); the cache keeps the most recently used ``MEMO_SIZE``.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import date
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


#: A scope of cached scores: a province's code (None: the whole country) and the first days of the months it reads.
Scope = tuple[str | None, tuple[date, ...]]

COUNTRY = "*"


def _month_key(province_code: str | None, month: date | None) -> str:
    return f"rollups:{province_code or COUNTRY}:{'all' if month is None else month.strftime('%Y-%m')}"


def _replace(session: Session, keys: Iterable[str]) -> None:
    upsert = dialect_insert(session, IndexState)
    for key in sorted(set(keys)):  # one order for every writer: two never wait on each other's rows in a cycle
        token = secrets.token_hex(16)
        session.execute(upsert.values(key=key, value=token).on_conflict_do_update(
            index_elements=[IndexState.key], set_={"value": token}))


def _ensure_global(session: Session) -> None:
    session.execute(dialect_insert(session, IndexState).values(key=ROLLUPS_VERSION, value=secrets.token_hex(16))
                    .on_conflict_do_nothing(index_elements=[IndexState.key]))


def mark_rollups_changed(session: Session) -> None:
    """Give every cached score a new version, in the caller's transaction: a writer that may have changed anything
    (the rebuild) calls this with its writes, or cached scores would outlive them."""
    _replace(session, [ROLLUPS_VERSION])


def mark_months_changed(session: Session, changed: Iterable[tuple[str, date]]) -> None:
    """The rollups of these (province, month) changed, in the caller's transaction (the fold, for the months its
    deltas moved): the entries reading one of them, for the province or the country, are no longer served."""
    pairs = set(changed)
    if not pairs:
        return
    _ensure_global(session)
    _replace(session, [k for province, month in pairs for k in (_month_key(province, month), _month_key(None, month))])


def mark_province_changed(session: Session, province_code: str) -> None:
    """Something the scores of every month of a province read changed (a feedback case of 5.2–5.3)."""
    _ensure_global(session)
    _replace(session, [_month_key(province_code, None), _month_key(None, None)])


def rollups_version(session: Session) -> str | None:
    """The rollups' global version; None before any writer marked them (nothing is cached then)."""
    return session.scalar(select(IndexState.value).where(IndexState.key == ROLLUPS_VERSION))


def scope_versions(session: Session, scope: Scope) -> tuple[str | None, ...] | None:
    """The versions of a scope, read in one query; None when nothing may be cached (no global version yet)."""
    province_code, months = scope
    keys = [ROLLUPS_VERSION, _month_key(province_code, None), *(_month_key(province_code, m) for m in months)]
    values = dict(session.execute(select(IndexState.key, IndexState.value).where(IndexState.key.in_(keys))).all())
    if values.get(ROLLUPS_VERSION) is None:
        return None
    return tuple(values.get(k) for k in keys)


class Memo:
    """A thread-safe LRU of values keyed on (database, key, rollups version)."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, session: Session, key: Hashable, compute: Callable[[], T], scope: Scope) -> T:
        """The entry of ``key`` if none of the rollups of ``scope`` (what ``compute`` reads) changed since it was
        computed, else ``compute()``, kept."""
        version = scope_versions(session, scope)  # first: see the module doc
        if version is None:
            self.misses += 1
            return compute()
        full = (database_of(session), key, scope, version)
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
