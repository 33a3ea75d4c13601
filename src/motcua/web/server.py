"""Running the ASGI app under uvicorn, with listening sockets set up so that replies are not held back and several
workers share the connections.

Two traps of uvicorn's own multi-worker socket, both measured with ``bench/intake.py``:

- **Delayed replies.** uvicorn binds the socket with ``socket.socket(family)``, whose protocol number is 0, and
  asyncio turns on ``TCP_NODELAY`` only for sockets whose protocol is ``IPPROTO_TCP``
  (``asyncio.base_events._set_nodelay``). Every reply written in two parts (headers, then body) then waited for the
  client's delayed ACK: about 40 ms more per request on a keep-alive connection (``GET /healthz`` 44 ms with 2
  workers, 1.2 ms with an ``IPPROTO_TCP`` socket). A single worker is not affected: there asyncio creates the
  socket from ``getaddrinfo``, which says ``IPPROTO_TCP``.
- **One worker takes every connection.** All workers listen on the one inherited socket, and the worker whose event
  loop wakes first accepts every connection waiting (it accepts until the queue is empty). Sixteen keep-alive
  clients connecting at once were found all on one worker in about half the runs, and the other worker idle for the
  whole run: 125-135 intakes/s instead of 220-230 on PostgreSQL with 2 workers (``ss -tnp`` during the load).
  Here each worker listens on a socket of its own, all bound to the same address with ``SO_REUSEPORT``, and the
  kernel spreads new connections over them by a hash of the client's address and port.
"""

from __future__ import annotations

import gc
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE, logger
from uvicorn.supervisors import Multiprocess

APP = "motcua.asgi:app"


class WorkerSocket(socket.socket):
    """A listening socket bound with ``SO_REUSEPORT``, which a worker process does not inherit but re-creates.

    uvicorn's supervisor hands the same socket list to every worker it starts (and restarts). Pickled for the
    worker, this socket becomes a new socket of the worker's own, bound to the same address: each worker then has
    its queue of connections, closed with the worker when it ends. The supervisor's socket only holds the address
    (so a port already taken fails at start, and port 0 is resolved once); it never listens, so it never receives a
    connection."""

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        host, port = self.getsockname()[:2]
        return (bind_worker_socket, (self.family, host, port))


def bind_worker_socket(family: socket.AddressFamily, host: str, port: int) -> WorkerSocket:
    """A TCP socket (protocol ``IPPROTO_TCP``, for ``TCP_NODELAY``) bound to ``(host, port)`` with
    ``SO_REUSEPORT``; uvicorn makes it listen."""
    sock = WorkerSocket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def tune_garbage_collector() -> None:
    """The garbage collector tuned for a long-running server process (``motcua.asgi`` calls it once the app exists).

    The index pages keep their scores in memory (``index.cache``): hundreds of thousands of small objects that every
    full collection walks. With Python's default thresholds one request in six paid 150–250 ms for it
    (``bench/index.py``, the province dashboard's p95). What exists after start-up (modules, templates, the
    catalogue) is frozen out of the collector's walk, and the young generation is collected after 50,000
    allocations instead of 700, so full collections are rare. Cycles are still collected."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration, binding the workers' TCP sockets as described above."""

    def bind_socket(self) -> socket.socket:
        if self.uds is not None or self.fd is not None:
            return super().bind_socket()
        ipv6 = ":" in self.host
        family = socket.AF_INET6 if ipv6 else socket.AF_INET
        try:
            # SO_REUSEPORT would let a second motcua of the same user join this address and take half of its
            # connections (an old version left running, say); a plain bind first fails on any listener there.
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((self.host, self.port))
            sock = bind_worker_socket(family, self.host, self.port)
        except OSError as exc:  # as uvicorn does: the supervisor stops instead of starting workers that cannot bind
            logger.error(exc)
            sys.exit(STARTUP_FAILURE)
        address = f"{'https' if self.is_ssl else 'http'}://{f'[{self.host}]' if ipv6 else self.host}"
        logger.info("Uvicorn running on %s:%d (Press CTRL+C to quit)", address, sock.getsockname()[1])
        return sock


def run(host: str, port: int, *, workers: int = 1, **options: Any) -> None:
    """Serve ``motcua.asgi:app``: in this process for one worker, else under uvicorn's process supervisor."""
    # uvicorn's own proxy-header handling believes X-Forwarded-For from 127.0.0.1 by default, so any local process
    # could pose as any client; the app believes it only from MOTCUA_TRUSTED_PROXIES (TrustedProxyMiddleware).
    options.setdefault("proxy_headers", False)
    # The app's configuration (motcua.kit.logs) formats uvicorn's lines too, and the app writes the access lines:
    # uvicorn's own would carry the query string, where a search puts an ID number or a phone.
    options.setdefault("log_config", None)
    options.setdefault("access_log", False)
    config = NoDelayConfig(APP, host=host, port=port, workers=workers, **options)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
