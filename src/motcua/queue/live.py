"""Live updates of the hall displays: one poller per server process fans the commune's new events out to the
displays connected to that process.

Why polling the database: ``motcua serve --workers N`` runs several processes, a counter's call may be handled by
any of them and a display may be connected to any other, on SQLite as on PostgreSQL. The event log
(``queue.events``) is the one place every process sees. Each process runs ONE poller (an asyncio task, started when
the first display connects and ended when the last one leaves or the server stops) that reads, every
``POLL_SECONDS``, the new events of every commune that has a display here with one statement (one range of the
``(commune_code, seq)`` index per commune; an empty read costs a fraction of a millisecond), builds each changed
commune's snapshot once (``queue.board``) and puts ``(events, snapshot)`` on each display's queue. So the database
work is per process and per change, not per display: 200 displays cost one read every ``POLL_SECONDS``.

A display whose queue is full (a stalled connection) is marked behind and gets the latest snapshot instead of the
events it missed. On SIGTERM/SIGINT the poller ends every stream, so uvicorn's graceful shutdown is not held up by
the open connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from motcua.org.models import Commune
from motcua.queue.board import snapshot
from motcua.queue.events import event_json, last_seq, new_events

log = logging.getLogger("motcua.queue.live")

POLL_SECONDS = 0.2
QUEUE_SIZE = 64


@dataclass
class Batch:
    """What one poll found for a commune: its new events (oldest first) and the snapshot after them."""

    events: list[dict[str, Any]]
    state: dict[str, Any]


@dataclass(eq=False)
class Subscriber:
    commune_code: str
    queue: asyncio.Queue[Batch | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    behind: bool = False  # missed batches (queue full): the stream sends a fresh snapshot

    def offer(self, batch: Batch | None) -> None:
        try:
            self.queue.put_nowait(batch)
        except asyncio.QueueFull:
            self.behind = True
            if batch is None:  # the end must get through: drop what waits
                while not self.queue.empty():
                    self.queue.get_nowait()
                self.queue.put_nowait(None)


class Hub:
    """The process's poller and its subscribers (one per app: ``app.state.display_hub``)."""

    def __init__(self, session_factory: sessionmaker[Session], now: Callable[[], datetime], *,
                 interval: float = POLL_SECONDS) -> None:
        self.session_factory = session_factory
        self.now = now
        self.interval = interval
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.cursors: dict[str, int] = {}
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.polls = 0
        self._signals_chained = False

    # -------------------------------------------------------------------------------------------- subscribers

    async def subscribe(self, commune_code: str) -> Subscriber:
        """A new display of the commune. Register first, read the catch-up after: nothing falls in between."""
        sub = Subscriber(commune_code)
        if self.closed:
            sub.offer(None)
            return sub
        if commune_code not in self.cursors:
            seq = await asyncio.to_thread(self._last_seq, commune_code)
            self.cursors.setdefault(commune_code, seq)
        self.subscribers.setdefault(commune_code, set()).add(sub)
        self._ensure_running()
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self.subscribers.get(sub.commune_code)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.subscribers[sub.commune_code]
                self.cursors.pop(sub.commune_code, None)

    def count(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    # -------------------------------------------------------------------------------------------- the poller

    def _ensure_running(self) -> None:
        if self.task is None or self.task.done():
            self._chain_signals()
            self.task = asyncio.get_running_loop().create_task(self._run(), name="motcua-display-poller")

    async def _run(self) -> None:
        while self.subscribers and not self.closed:
            await asyncio.sleep(self.interval)
            cursors = {code: self.cursors[code] for code in self.subscribers if code in self.cursors}
            try:
                found = await asyncio.to_thread(self._poll, cursors)
            except Exception:  # a database hiccup: log, keep polling; the displays keep their last state
                log.exception("display poll failed")
                await asyncio.sleep(1)
                continue
            self.polls += 1
            for code, batch in found.items():
                if code not in self.subscribers:
                    continue
                self.cursors[code] = max(self.cursors.get(code, 0), batch.events[-1]["seq"])
                for sub in list(self.subscribers.get(code, ())):
                    sub.offer(batch)

    def _last_seq(self, commune_code: str) -> int:
        with self.session_factory() as session:
            return last_seq(session, commune_code)

    def _poll(self, cursors: dict[str, int]) -> dict[str, Batch]:
        with self.session_factory() as session:
            events = new_events(session, cursors)
            grouped: dict[str, list[dict[str, Any]]] = {}
            for event in events:
                grouped.setdefault(event.commune_code, []).append(event_json(event))
            out: dict[str, Batch] = {}
            for code, evs in grouped.items():
                commune = session.get(Commune, code)
                if commune is not None:
                    out[code] = Batch(evs, snapshot(session, commune, self.now()))
            session.rollback()
            return out

    # -------------------------------------------------------------------------------------------- shutdown

    def close(self) -> None:
        """End every stream and the poller (the server is stopping)."""
        self.closed = True
        for subs in list(self.subscribers.values()):
            for sub in list(subs):
                sub.offer(None)
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def aclose(self) -> None:
        self.close()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    def _chain_signals(self) -> None:
        """uvicorn waits, on SIGTERM/SIGINT, for every open response to end before it stops, and a display's
        stream never ends by itself: chain onto uvicorn's handlers (installed before serving) to close the streams
        first. Only from the main thread (where signal handlers live); a test client's loop runs elsewhere."""
        if self._signals_chained or threading.current_thread() is not threading.main_thread():
            return
        self._signals_chained = True
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.close)
                if callable(previous):
                    previous(signum, frame)
                elif previous == signal.SIG_DFL:  # nobody else handles it: the default action, as before
                    signal.signal(signum, signal.SIG_DFL)
                    signal.raise_signal(signum)

            signal.signal(sig, handler)
