"""The worker: scheduled jobs that run beside the web server (``motcua worker``, or a thread of ``motcua serve``).

Each round, in short transactions of its own: the service index's sweep and fold (``index.tasks``) until nothing
is queued. Officers' requests never wait for it; if it stops, the queue only grows and is folded when it is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from motcua.index import tasks as index_tasks

log = logging.getLogger("motcua.worker")


@dataclass(frozen=True)
class RoundReport:
    swept: int
    folded: int


def run_round(factory: sessionmaker[Session], now: datetime, batch: int = 2000, max_batches: int = 1000,
              progress: Callable[[int], None] | None = None) -> RoundReport:
    """One round: sweep, then fold batch after batch until the queue is empty (or ``max_batches``)."""
    with factory.begin() as session:
        swept = index_tasks.sweep(session, now)
    folded = 0
    for _ in range(max_batches):
        with factory.begin() as session:
            report = index_tasks.fold(session, now, batch=batch)
        folded += report.dossiers
        if progress is not None and report.dossiers:
            progress(report.dossiers)
        if not report.pending_left:
            break
    return RoundReport(swept, folded)


def run_forever(factory: sessionmaker[Session], clock: Callable[[], datetime], interval: float,
                stop: threading.Event) -> None:
    """Rounds every ``interval`` seconds until ``stop`` is set; an error is logged and the next round retries."""
    while not stop.is_set():
        try:
            run_round(factory, clock())
        except Exception:  # a failed round must not end the worker; it is logged and retried
            log.exception("worker round failed; retrying in %s s", interval)
        stop.wait(interval)


def start_in_thread(factory: sessionmaker[Session], clock: Callable[[], datetime],
                    interval: float = 5.0) -> threading.Event:
    """Run the worker in a daemon thread (what ``motcua serve`` does); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(factory, clock, interval, stop), name="motcua-worker",
                     daemon=True).start()
    return stop
