"""Live updates of the hall displays: one poller per server process fans the commune's new events out to the
displays connected to that process.

Why the database: ``motcua serve --workers N`` runs several processes, a counter's call may be handled by any of
them and a display may be connected to any other, on SQLite as on PostgreSQL. The event log (``queue.events``) is
the one place every process sees. Each process runs ONE poller (an asyncio task, started when the first display
connects and ended when the last one leaves or the server stops) that reads the new events of every commune that
has a display here with one statement (one range of the ``(commune_code, seq)`` index per commune; an empty read
costs a fraction of a millisecond), builds each changed commune's snapshot once (``queue.board``), encodes the
message once and puts it on each display's queue. So the database and encoding work is per process and per change,
not per display.

When it reads: every ``POLL_SECONDS`` at the latest; on PostgreSQL also the moment an event is committed, by any
process — the event's transaction sends ``pg_notify`` (delivered at commit) and a listener thread of each process,
on a connection of its own, wakes the poller. Measured with ``bench/queue.py`` (2 workers, 200 displays): polling
alone put the call on the displays 100 ms later on average (half the interval), the wake-up removes that wait.

A display whose queue is full (a stalled connection) is marked behind and gets the latest snapshot instead of the
events it missed. On SIGTERM/SIGINT the poller ends every stream, so uvicorn's graceful shutdown is not held up by
the open connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from motcua.org.models import Commune
from motcua.queue.board import snapshot
from motcua.queue.events import CHANNEL, event_json, last_seq, new_events

log = logging.getLogger("motcua.queue.live")

POLL_SECONDS = 0.2
#: After a read, the poller waits this long before the next even when woken: a burst of changes (a busy kiosk) is
#: read, snapshotted and encoded once per gap instead of once per change.
MIN_GAP_SECONDS = 0.05
QUEUE_SIZE = 64


def sse(kind: str, seq: int | None, data: dict[str, Any]) -> str:
    """One server-sent event message."""
    head = f"event: {kind}\n" + (f"id: {seq}\n" if seq is not None else "")
    return head + f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def encode(events: list[dict[str, Any]], state: dict[str, Any], last: int) -> str:
    """Events, then the state after them with the last id."""
    return "".join(sse(e["kind"], e["seq"], e) for e in events) + sse("state", last, state)


@dataclass
class Batch:
    """What one poll found for a commune: its new events (oldest first), the snapshot after them, and the whole as
    server-sent event messages, encoded once for every display."""

    events: list[dict[str, Any]]
    state: dict[str, Any]
    text: str = ""

    @property
    def last(self) -> int:
        """The id of the batch's state message: its last event's. The snapshot, read after the events, may be newer
        still (``state["seq"]``), but a display must get every event after the id it holds, so the id never runs
        ahead of the events it was sent."""
        return int(self.events[-1]["seq"])


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
        self._wake: asyncio.Event | None = None
        self._listener: threading.Thread | None = None
        self._listening = threading.Event()  # set while the listener should run

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
        if not self.subscribers and self._wake is not None:
            self._wake.set()  # the poller sees nobody left and ends now, not after its interval

    def count(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    # -------------------------------------------------------------------------------------------- the poller

    def _ensure_running(self) -> None:
        if self.task is None or self.task.done():
            self._chain_signals()
            loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self._start_listener(loop, self._wake)
            self.task = loop.create_task(self._run(), name="motcua-display-poller")

    async def _run(self) -> None:
        try:
            await self._loop()
        finally:
            self._listening.clear()

    async def _loop(self) -> None:
        wake = self._wake
        assert wake is not None
        while self.subscribers and not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.interval)
            await asyncio.sleep(MIN_GAP_SECONDS if self.interval > MIN_GAP_SECONDS else 0)
            wake.clear()
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
                self.cursors[code] = max(self.cursors.get(code, 0), batch.last)
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
                    batch = Batch(evs, snapshot(session, commune, self.now()))
                    batch.text = encode(batch.events, batch.state, batch.last)
                    out[code] = batch
            session.rollback()
            return out

    # -------------------------------------------------------------------------------------------- PostgreSQL's wake-up

    def _start_listener(self, loop: asyncio.AbstractEventLoop, wake: asyncio.Event) -> None:
        bind = self.session_factory.kw.get("bind")
        if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
            return  # SQLite: the poll's interval alone
        if self._listener is not None and self._listener.is_alive():
            self._listening.set()
            return
        url = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._listening.set()
        self._listener = threading.Thread(target=self._listen, args=(url, loop, wake), daemon=True,
                                          name="motcua-display-listener")
        self._listener.start()

    def _listen(self, url: str, loop: asyncio.AbstractEventLoop, wake: asyncio.Event) -> None:
        """LISTEN on a connection of its own; each notification wakes the poller (its read finds what is new)."""
        import psycopg  # the PostgreSQL driver, present wherever PostgreSQL is used

        while self._listening.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while self._listening.is_set():
                        if any(True for _ in conn.notifies(timeout=1.0, stop_after=1)):
                            loop.call_soon_threadsafe(wake.set)
            except Exception:  # the database restarted, say: the poll's interval covers the gap
                log.warning("display listener lost its connection; polling meanwhile", exc_info=True)
                time.sleep(1)

    # -------------------------------------------------------------------------------------------- shutdown

    def close(self) -> None:
        """End every stream and the poller (the server is stopping)."""
        self.closed = True
        for subs in list(self.subscribers.values()):
            for sub in list(subs):
                sub.offer(None)
        self._listening.clear()
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
