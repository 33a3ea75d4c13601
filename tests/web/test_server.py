"""``motcua serve --workers N`` (``web/server.py``): each worker listens on a socket of its own, so the connections
are spread over the workers instead of all taken by whichever worker woke first."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import TEST_SECRET_KEY, free_port, wait_until_serving

SERVE = "import sys; from motcua.web.server import run; run('127.0.0.1', int(sys.argv[1]), workers=int(sys.argv[2]))"


def _serve(db_url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MOTCUA_DATABASE_URL": db_url, "MOTCUA_SECRET_KEY": TEST_SECRET_KEY}
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(workers)], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _wait_up(proc: subprocess.Popen[bytes], port: int, log: Path, workers: int) -> None:
    """Until every worker listens (the first one up answers /healthz before the second listens)."""
    wait_until_serving(proc, f"http://127.0.0.1:{port}", log, ready=lambda: sum(
        1 for _, _, state in _tcp_sockets(port) if state == "0A") >= workers)


def _tcp_sockets(port: int) -> Iterator[tuple[int, int, str]]:
    """(remote port, inode, state) of each IPv4 TCP socket whose local port is ``port`` (``/proc/net/tcp``)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
        if int(local.split(":")[1], 16) == port:
            yield int(remote.split(":")[1], 16), inode, state


def _owners(inodes: set[int]) -> dict[int, int]:
    """inode -> pid of the process holding the socket."""
    owners = {}
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                    owners[int(target[8:-1])] = int(fd_dir.parent.name)
        except OSError:  # a process that ended, or one of another user
            continue
    return owners


def test_two_workers_each_listen_and_share_sixteen_connections(db, tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    proc = _serve(db.url, port, 2, log)
    clients: list[socket.socket] = []
    try:
        _wait_up(proc, port, log, workers=2)
        # Sixteen keep-alive connections opened at once, as the counters' clients (bench/intake.py) do.
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        for client in clients:
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: motcua\r\n\r\n")
        for client in clients:
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
        sockets = list(_tcp_sockets(port))
        listening = {inode for _, inode, state in sockets if state == "0A"}
        ours = {remote for remote in (c.getsockname()[1] for c in clients)}
        served = {inode for remote, inode, state in sockets if state == "01" and remote in ours}
        owners = _owners(listening | served)
        # One listening socket per worker; the supervisor's socket holds the address but never listens.
        assert len(listening) == 2 and len({owners[i] for i in listening}) == 2
        assert proc.pid not in {owners[i] for i in listening}
        # Every connection is held by a worker, and both workers hold some (all 16 on one happened in about half
        # of the runs with uvicorn's shared socket; the kernel's hash makes that about 1 in 30,000 here).
        holders = [owners[i] for i in served]
        assert len(holders) == 16
        assert set(holders) == {owners[i] for i in listening}
    finally:
        for client in clients:
            client.close()
        proc.terminate()
        proc.wait(timeout=20)


def test_a_port_already_taken_stops_the_server_at_once(db, tmp_path):
    """The supervisor binds the address itself before starting any worker: a taken port is a start failure
    (uvicorn's exit code 3), not workers restarted forever."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        log = tmp_path / "server.log"
        proc = _serve(db.url, port, 2, log)
        try:
            assert proc.wait(timeout=60) == 3
        finally:
            if proc.poll() is None:
                proc.kill()
    assert "Address already in use" in log.read_text()


@pytest.mark.slow  # one more server start; a server that starts and listens is held by the two-worker test
def test_one_worker_serves_without_the_supervisor(db, tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    proc = _serve(db.url, port, 1, log)
    try:
        _wait_up(proc, port, log, workers=1)
        listening = {inode for _, inode, state in _tcp_sockets(port) if state == "0A"}
        assert set(_owners(listening).values()) == {proc.pid}
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# Slow: two servers, six processes. `make check` keeps test_a_port_already_taken_stops_the_server_at_once, the same
# refusal against a plain listener; only this one puts it against our own SO_REUSEPORT workers.
@pytest.mark.slow
def test_a_second_server_on_the_same_port_stops_instead_of_sharing_it(db, tmp_path):
    """SO_REUSEPORT lets sockets of one user share a port: a second motcua (an old version left running) would take
    half of the connections unnoticed. The supervisor refuses to start on an address something listens on."""
    port = free_port()
    first = _serve(db.url, port, 2, tmp_path / "first.log")
    try:
        _wait_up(first, port, tmp_path / "first.log", workers=2)
        second = _serve(db.url, port, 2, tmp_path / "second.log")
        try:
            assert second.wait(timeout=60) == 3
        finally:
            if second.poll() is None:
                second.kill()
        assert "Address already in use" in (tmp_path / "second.log").read_text()
        listening = {inode for _, inode, state in _tcp_sockets(port) if state == "0A"}
        assert len(listening) == 2  # the first server's two workers, still alone on the port
    finally:
        first.terminate()
        first.wait(timeout=20)
