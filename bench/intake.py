"""Benchmark of the counter intake through the HTTP API, and of the inbox with 1,000,000 dossiers in PostgreSQL.

    .venv/bin/python bench/intake.py           # full run (about 5 minutes)
    .venv/bin/python bench/intake.py --quick   # smoke run: 200 intakes, 50,000 dossiers, about half a minute

1. Intakes per second, on SQLite (WAL) and on PostgreSQL. A fresh migrated database with Phú Thọ's communes and the
   shipped catalogue, a reception officer and an API token with the reception role for each of 16 communes (xã Chí
   Tiên and the next 15 by code); the real server (``motcua.web.server.run``, what ``motcua serve --workers N``
   runs, in a subprocess; the full run measures N = 1 and 2 on each backend, the quick run 1 on SQLite and 2 on
   PostgreSQL); 16 clients, each a keep-alive HTTP/1.1 connection, POST ``/api/v1/dossiers`` with a unique
   ``Idempotency-Key`` each, after a warm-up: first all 16 on Chí Tiên (the busiest commune: every intake queues
   on its day's code counter and its audit chain), then each on a commune of its own. The clients are 16
   coroutines on one asyncio event loop (uvloop when installed) writing requests encoded before the clock starts and
   parsing the answers by hand, not ``httpx`` clients in threads: the load generator runs on the same 2 cores as the
   server and PostgreSQL, so every CPU-millisecond it spends is taken from what is measured (16 ``httpx.Client``
   threads cost about 2 ms of CPU per intake, this client a small fraction of that). Every answer must be 201, every
   code distinct, every dossier stored. The CPU each party used during the load (the server process and its workers;
   all PostgreSQL processes, and of them the backends of the bench's database; this process) is read from ``/proc``
   and reported per intake, with the share of the machine's CPU time the hypervisor stole. Baseline in the same run:
   the same rows (the column values the one-commune intakes wrote) INSERTed into ``dossier`` straight through the
   same driver, one row per transaction, 16 threads; both intake runs are printed as ratios against it. Target: at
   least 200 intakes/s on PostgreSQL on a 2-core machine, on the one commune.
2. The inbox with 1,000,000 dossiers in PostgreSQL: bulk-loaded with one ``INSERT … SELECT generate_series`` (a year
   of dossiers over the province's 148 communes, a skewed share per commune with Chí Tiên the busiest, ~3% open,
   due dates of open ones around now), then VACUUM ANALYZE. ``GET /dossiers`` (the HTML page, logged in with the
   session cookie as Chí Tiên's reception officer), ``GET /api/v1/dossiers`` (the token) and ``GET /healthz`` (the
   server's floor) are timed sequentially; baseline in the same run: the naive ``SELECT * FROM dossier WHERE
   deciding_commune_code = … ORDER BY due_at LIMIT 50`` through the driver. Each SQL statement the page runs is
   then timed with EXPLAIN ANALYZE under a custom and under a generic plan (the generic plan of the slowest is
   printed when the page misses its target). Target: p95 under 150 ms.

Exits non-zero on an error (a failed request, a duplicate code, a server that does not start), never on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg.types.json import Json
from sqlalchemy import JSON, create_engine, event, text
from sqlalchemy.orm import Session

from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.app import create_app
from motcua.auth.actions import create_api_token
from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.catalog.actions import import_catalogue
from motcua.catalog.exchange import load_shipped
from motcua.config import ROOT, Settings
from motcua.db import make_engine
from motcua.dossier.models import Dossier
from motcua.kit.text import fold
from motcua.migrate import upgrade
from motcua.org.actions import load_units_file, sync_units

PG_ADMIN_URL = os.environ.get("MOTCUA_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
#: A secret as long as production requires (config.check_secrets); the bench never serves anyone.
BENCH_SECRET_KEY = "bench-secret-key-0123456789abcdef-not-for-production"
PROVINCE = "25"  # Phú Thọ: 148 communes
COMMUNE = "08218"  # xã Chí Tiên: the counter under load, and the busiest commune of the bulk-loaded dossiers
PROCEDURE = "1.001612"  # Đăng ký thành lập hộ kinh doanh
CLIENTS = 16
PASSWORD = "do-toc-do-tiep-nhan-ho-so"  # passes the password policy (auth/passwords.py)
RECEPTION_USER = "bench_tiepnhan"
INTAKE_TARGET = 200.0  # intakes/s on PostgreSQL
INBOX_TARGET_MS = 150.0  # p95 of GET /dossiers with 1,000,000 dossiers

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Đinh", "Hà", "Cao", "Trịnh"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thu", "Đức", "Quang", "Thanh", "Xuân", "Hồng", "Kim", "Gia", "Bảo"]
GIVEN = ["Anh", "Bình", "Châu", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Long",
         "Mai", "Minh", "Nam", "Nga", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"]


#: httpx writes a POST's headers and body separately; without TCP_NODELAY, Nagle's algorithm holds the body until
#: the server's delayed ACK (~40 ms) and the benchmark would measure that instead of the server. (The intake client
#: writes each request in one piece, and sets it all the same.) (The server side
#: has the same trap with ``uvicorn --workers N``; ``motcua.web.server`` — what ``motcua serve`` runs, and what is
#: started here — binds its socket so that asyncio sets TCP_NODELAY; see the /healthz row.)
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class BenchError(Exception):
    """Something went wrong that is not a timing: the run fails."""


@dataclass(frozen=True)
class Sizes:
    intakes: dict[str, int]  # measured intakes per backend
    warmup: int
    inbox_rows: int
    inbox_samples: int


FULL = Sizes(intakes={"sqlite": 1500, "postgresql": 3000}, warmup=100, inbox_rows=1_000_000, inbox_samples=200)
QUICK = Sizes(intakes={"sqlite": 200, "postgresql": 200}, warmup=20, inbox_rows=50_000, inbox_samples=50)


_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"  {time.perf_counter() - _T0:6.1f}s  {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method), in the unit of the values."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def timed(fn: Callable[[], object], samples: int) -> list[float]:
    """Latencies of ``samples`` sequential calls, in ms."""
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1e3)
    return out


# ------------------------------------------------------------------------------------------------ databases


@dataclass
class BenchDatabase:
    kind: str
    url: str
    name: str | None = None  # the PostgreSQL database, dropped at the end

    @classmethod
    def create(cls, kind: str, directory: Path) -> BenchDatabase:
        if kind == "sqlite":
            return cls(kind, f"sqlite:///{directory / 'motcua-bench.db'}")
        name = f"motcua_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return cls(kind, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name)

    @property
    def libpq_url(self) -> str:
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    def drop(self) -> None:
        if self.name:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()


@dataclass(frozen=True)
class Seeded:
    tokens: list[str]  # raw API tokens, reception role, one per commune of ``communes`` (the first is COMMUNE's)
    communes: list[str]  # COMMUNE, then the next CLIENTS - 1 communes of the province by code

    @property
    def token(self) -> str:
        """COMMUNE's token (RECEPTION_USER, its officer, logs in to the inbox)."""
        return self.tokens[0]


def seed(url: str) -> Seeded:
    """Migrate, load the province's units and the shipped catalogue; a reception officer and an API token with the
    reception role for each of ``CLIENTS`` communes (COMMUNE's officer is RECEPTION_USER), issued by a province
    administrator."""
    upgrade(url)
    engine = make_engine(url)
    data = load_units_file()
    subset = {**data, "provinces": [p for p in data["provinces"] if p["code"] == PROVINCE]}
    now = datetime.now(UTC)
    with Session(engine) as session, session.begin():
        sync_units(session, data=subset)
        import_catalogue(session, actor=SYSTEM, catalogue=load_shipped(), now=now, source="shipped")
        others = session.scalars(text("SELECT code FROM commune WHERE province_code = :p AND code <> :c ORDER BY code"
                                      " LIMIT :n"), {"p": PROVINCE, "c": COMMUNE, "n": CLIENTS - 1}).all()
        communes = [COMMUNE, *others]
        admin = create_officer(session, actor=SYSTEM, now=now, data=OfficerCreate(
            username="bench_qttinh", full_name="Lê Minh Quân", password=PASSWORD, province_code=PROVINCE,
            commune_code=None, roles=[Role.ADMIN]))
        issuer = Principal(kind="officer", id=admin.id, name=admin.username, province_code=PROVINCE,
                           commune_code=None, roles=frozenset({Role.ADMIN}))
        tokens = []
        for n, commune in enumerate(communes):
            reception = create_officer(session, actor=SYSTEM, now=now, data=OfficerCreate(
                username=RECEPTION_USER if commune == COMMUNE else f"{RECEPTION_USER}_{n:02d}",
                full_name="Nguyễn Thị Hoa", password=PASSWORD, province_code=PROVINCE, commune_code=commune,
                roles=[Role.RECEPTION]))
            _, raw = create_api_token(session, actor=issuer, name=f"Máy tiếp nhận (bench) {commune}",
                                      commune_code=commune, days_valid=1, now=now, roles=(Role.RECEPTION,),
                                      officer_id=reception.id)
            tokens.append(raw)
    engine.dispose()
    if len(communes) < CLIENTS:
        raise BenchError(f"province {PROVINCE} has {len(communes)} communes, fewer than {CLIENTS}")
    return Seeded(tokens, communes)


# ------------------------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    base: str
    log_path: Path
    pid: int  # the process ``serve`` started: uvicorn itself, or with --workers N its supervisor (workers are children)

    def exceptions(self) -> list[str]:
        """The distinct exception lines of the server's log (the last line of each logged traceback)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        lines = re.findall(r"^[A-Za-z_][\w.]*(?:Error|Exception)\b.*$", text, flags=re.MULTILINE)
        return list(dict.fromkeys(lines))


def listeners(port: int) -> int:
    """How many sockets listen on 127.0.0.1:``port`` (``/proc/net/tcp``, state 0A): one per worker."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1] == f"0100007F:{port:04X}" and line.split()[3] == "0A")


@contextlib.contextmanager
def serve(url: str, workers: int, workdir: Path) -> Iterator[Server]:
    """The real server in a subprocess (its own process group), once /healthz answers."""
    port = free_port()
    env = {**os.environ, "MOTCUA_DATABASE_URL": url, "MOTCUA_FILES_DIR": str(workdir / "files"),
           "MOTCUA_COOKIE_SECURE": "false", "MOTCUA_SECRET_KEY": BENCH_SECRET_KEY}
    log_path = workdir / f"uvicorn-{port}.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from motcua.web.server import run; "
             "run('127.0.0.1', int(sys.argv[1]), workers=int(sys.argv[2]), log_level='warning', access_log=False)",
             str(port), str(workers)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise BenchError(f"uvicorn exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    # Every worker listening, not only the first one up: clients connected before the second
                    # listens would all be the first's for the whole run (web/server.py).
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200 and listeners(port) >= workers:
                        break
                if time.monotonic() > deadline:
                    raise BenchError(f"uvicorn did not answer /healthz with {workers} listening workers in 60 s: "
                                     f"{log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            yield Server(base, log_path, proc.pid)
        except BaseException:
            tail = log_path.read_text(errors="replace")[-4000:].strip()
            if tail:
                print(f"uvicorn's log (the end):\n{tail}", file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# ------------------------------------------------------------------------------------------------ intake load


# ------------------------------------------------------------------------------------------------ CPU accounting

_TICKS = os.sysconf("SC_CLK_TCK")  # the unit of utime and stime in /proc/<pid>/stat


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU ticks used so far by the server's processes and by PostgreSQL's, and the machine's /proc/stat counters.

    A process is keyed by (pid, start time), so that a pid recycled between two snapshots is not taken for the
    process it used to name."""

    server: dict[tuple[int, int], int]  # the server process and all its descendants (uvicorn's workers)
    postgres: dict[tuple[int, int], int]  # every process whose comm is ``postgres``
    database: dict[tuple[int, int], int]  # those of them that are backends connected to the bench's database
    machine: tuple[int, ...]  # the ``cpu`` line of /proc/stat: user nice system idle iowait irq softirq steal …

    @classmethod
    def take(cls, server_pid: int, database: str | None) -> CpuSnapshot:
        """``database``: the PostgreSQL database the server uses, if any. A backend's command line (its process
        title) names its database: ``postgres: 15/main: postgres motcua_bench_… 127.0.0.1(51234) idle``."""
        processes: dict[int, tuple[int, str, int, int]] = {}  # pid -> (start time, comm, ppid, utime + stime)
        with os.scandir("/proc") as entries:
            for entry in entries:
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as f:
                        data = f.read()
                except OSError:  # gone since the listing
                    continue
                close = data.rfind(b")")  # the comm may hold spaces and parentheses: it ends at the last ')'
                fields = data[close + 2:].split()  # fields[0] is field 3 of proc(5), the state
                comm = data[data.index(b"(") + 1:close].decode(errors="replace")
                processes[int(entry.name)] = (int(fields[19]), comm, int(fields[1]), int(fields[11]) + int(fields[12]))
        children: dict[int, list[int]] = {}
        for pid, (_, _, ppid, _) in processes.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = [], [server_pid] if server_pid in processes else []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, ()))
        postgres = {(pid, st): ticks for pid, (st, comm, _, ticks) in processes.items() if comm == "postgres"}
        ours = {}
        if database:
            for key, ticks in postgres.items():
                with contextlib.suppress(OSError), open(f"/proc/{key[0]}/cmdline", "rb") as f:
                    if f" {database} ".encode() in f.read():
                        ours[key] = ticks
        with open("/proc/stat") as f:
            machine = tuple(int(v) for v in f.readline().split()[1:])
        return cls({(pid, processes[pid][0]): processes[pid][3] for pid in tree}, postgres, ours, machine)


@dataclass(frozen=True)
class CpuUse:
    server_s: float  # CPU seconds of the server process and its workers
    postgres_s: float  # CPU seconds of all the PostgreSQL processes (other databases' work on the machine included)
    database_s: float  # CPU seconds of the backends connected to the bench's database (0 on SQLite)
    steal: float  # share of the machine's CPU time the hypervisor took (steal / all, from /proc/stat)

    @classmethod
    def between(cls, before: CpuSnapshot, after: CpuSnapshot) -> CpuUse:
        """What was used between two snapshots. A process that started in between counts in full; one that ended
        in between is lost, which is fine here: the server's workers and PostgreSQL's pooled backends live through
        the load."""

        def used(a: dict[tuple[int, int], int], b: dict[tuple[int, int], int]) -> float:
            return sum(ticks - a.get(key, 0) for key, ticks in b.items()) / _TICKS

        delta = [b - a for a, b in zip(before.machine, after.machine, strict=False)]
        total = sum(delta[:8])  # guest time is already counted in user time
        steal = delta[7] / total if len(delta) > 7 and total > 0 else 0.0
        return cls(used(before.server, after.server), used(before.postgres, after.postgres),
                   used(before.database, after.database), steal)


# ------------------------------------------------------------------------------------------------ intake load


@dataclass(frozen=True)
class Load:
    count: int  # requests (or rows) attempted
    seconds: float
    latencies_ms: list[float]
    client_cpu_s: float  # CPU used by this process (the load generator) during the load
    failures: tuple[str, ...] = ()  # what came back instead of a 201
    cpu: CpuUse | None = None  # the server's and PostgreSQL's CPU during the load (intakes only)

    @property
    def ok(self) -> int:
        return self.count - len(self.failures)

    @property
    def rate(self) -> float:
        """Successful ones per second."""
        return self.ok / self.seconds


def intake_body(i: int) -> dict[str, Any]:
    name = f"{SURNAMES[i % len(SURNAMES)]} {MIDDLE[i % len(MIDDLE)]} {GIVEN[i % len(GIVEN)]}"
    return {"procedure_code": PROCEDURE, "applicant_name": name, "id_number": "025090001234", "phone": "0912345678",
            "address": "Khu 3, xã Chí Tiên, tỉnh Phú Thọ", "documents_present": ["giay_de_nghi"]}


def run_threads(worker: Callable[[Callable[[], None]], None]) -> tuple[float, float]:
    """Run ``CLIENTS`` threads of ``worker(ready)``; the clock starts when all have called ``ready()``.

    Returns (wall seconds, CPU seconds of this process) from the start to the last thread's end.
    """
    barrier = threading.Barrier(CLIENTS + 1)
    threads = [threading.Thread(target=worker, args=(barrier.wait,), daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    cpu, start = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, time.process_time() - cpu


class ProtocolError(Exception):
    """An answer the intake client cannot read."""


#: What ends one intake client: the connection or the answer is broken (asyncio.timeout raises TimeoutError, an
#: OSError; a connection closed mid-answer raises IncompleteReadError, an EOFError).
_BROKEN = (OSError, EOFError, asyncio.LimitOverrunError, ValueError, ProtocolError)
REQUEST_TIMEOUT = 60.0  # seconds, per request (httpx's timeout before)


async def open_http(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection with TCP_NODELAY, as asyncio streams."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        for option in NODELAY:
            sock.setsockopt(*option)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (host, port))
        return await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One HTTP/1.1 answer: (status, body, whether the connection stays open). The body is delimited by
    Content-Length or by chunked transfer encoding; an answer with neither (read to the close) is refused."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ProtocolError(f"not an HTTP/1.x status line: {lines[0][:100]!r}")
    status = int(parts[1])
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
            chunks.append(await reader.readexactly(size))
            if await reader.readexactly(2) != b"\r\n":
                raise ProtocolError("a chunk not followed by CRLF")
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailer fields, up to the empty line
            pass
        body = b"".join(chunks)
    elif b"content-length" in headers:
        body = await reader.readexactly(int(headers[b"content-length"]))
    elif status < 200 or status in (204, 304):
        body = b""
    else:
        raise ProtocolError(f"HTTP {status} with neither Content-Length nor chunked encoding")
    return status, body, headers.get(b"connection", b"").lower() != b"close"


def intake_requests(netloc: str, token: str, count: int, tag: str) -> list[bytes]:
    """The ``count`` intake requests, each one bytes string: request line, headers, JSON body."""
    out = []
    for i in range(count):
        body = json.dumps(intake_body(i), ensure_ascii=False, separators=(",", ":")).encode()
        out.append((f"POST /api/v1/dossiers HTTP/1.1\r\nHost: {netloc}\r\nAuthorization: Bearer {token}\r\n"
                    f"Content-Type: application/json\r\nIdempotency-Key: bench-{tag}-{i:06d}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
    return out


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when installed (less CPU per request than asyncio's), else asyncio's default."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def post_intakes(server: Server, tokens: list[str], count: int, tag: str, database: str | None
                 ) -> tuple[Load, list[str]]:
    """``count`` intakes by 16 keep-alive connections; returns the load (failures = answers other than 201, or a
    broken connection, which ends that client) with the CPU used meanwhile, and the codes of the dossiers created.
    Two 201s with the same code stop the run. ``database``: the server's PostgreSQL database, if any (for the CPU
    used by its backends).

    Client k sends every intake it takes with ``tokens[k % len(tokens)]``: one token puts all 16 clients on one
    commune's counter, 16 tokens of 16 communes give each client a commune of its own. The intakes are numbered
    from one shared counter either way, each client taking the next number when its previous answer is in.

    The 16 connections are opened (and each has answered ``GET /healthz``) before the clock starts."""
    url = urlsplit(server.base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    by_token = {t: intake_requests(url.netloc, t, count, tag) for t in dict.fromkeys(tokens)}
    healthz = f"GET /healthz HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode()
    counter = itertools.count()
    latencies = [0.0] * count
    codes = [""] * count
    failures: list[str] = []

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await open_http(host, port)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                writer.write(healthz)
                status, _, _ = await read_answer(reader)
        except BaseException:
            writer.close()
            raise
        if status != 200:
            writer.close()
            raise ProtocolError(f"GET /healthz: HTTP {status}")
        return reader, writer

    async def client(k: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests = by_token[tokens[k % len(tokens)]]
        try:
            while (i := next(counter)) < count:
                start = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        writer.write(requests[i])  # a few hundred bytes into an idle socket: no drain() needed
                        status, body, keep_alive = await read_answer(reader)
                except _BROKEN as exc:
                    failures.append(f"{exc!r}")
                    return
                latencies[i] = (time.perf_counter() - start) * 1e3
                if status != 201:
                    failures.append(f"HTTP {status} {body.decode(errors='replace')[:200]}")
                else:
                    try:
                        codes[i] = json.loads(body)["code"]
                    except (ValueError, KeyError, TypeError):
                        failures.append(f"HTTP 201 without a code: {body.decode(errors='replace')[:200]}")
                if not keep_alive:  # the server closed the connection (as httpx would, open another)
                    writer.close()
                    try:
                        reader, writer = await connect()
                    except _BROKEN as exc:
                        failures.append(f"reconnecting: {exc!r}")
                        return
        finally:
            writer.close()

    async def load() -> tuple[float, float, CpuUse]:
        opened = await asyncio.gather(*(connect() for _ in range(CLIENTS)), return_exceptions=True)
        broken = [c for c in opened if isinstance(c, BaseException)]
        if broken:
            for c in opened:
                if not isinstance(c, BaseException):
                    c[1].close()
            raise BenchError(f"{len(broken)} of the {CLIENTS} connections to {server.base} failed: {broken[0]!r}")
        before = CpuSnapshot.take(server.pid, database)
        cpu, start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(client(k, *c) for k, c in enumerate(opened) if not isinstance(c, BaseException)))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        return seconds, cpu, CpuUse.between(before, CpuSnapshot.take(server.pid, database))

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        seconds, cpu, used = runner.run(load())
    created = [c for c in codes if c]
    if len(set(created)) != len(created):
        raise BenchError(f"{len(created) - len(set(created))} duplicate dossier codes among {len(created)} intakes")
    return Load(count, seconds, latencies, cpu, tuple(failures), used), created


def plain_inserts(db: BenchDatabase, tag: str) -> Load:
    """Baseline: the rows the measured intakes wrote, INSERTed again through the same driver (the app's connect-time
    settings: WAL, synchronous=NORMAL, BEGIN IMMEDIATE on SQLite), one row per transaction, 16 threads."""
    engine = make_engine(db.url, pool_size=CLIENTS + 1, max_overflow=0)  # the app's driver and connect hooks
    columns = [c for c in Dossier.__table__.columns if c.name != "id"]
    names = [c.name for c in columns]
    json_cols = {i for i, c in enumerate(columns) if isinstance(c.type, JSON)}
    sqlite = db.kind == "sqlite"
    placeholders = ", ".join(f":{n}" if sqlite else f"%({n})s" for n in names)
    insert = f"INSERT INTO dossier ({', '.join(names)}) VALUES ({placeholders})"
    select = f"SELECT {', '.join(names)} FROM dossier WHERE idempotency_key LIKE 'bench-{tag}-%' ORDER BY id"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(select)
        fetched = cursor.fetchall()
        raw.commit()
    finally:
        raw.close()
    rows = []
    for values in fetched:
        row = dict(zip(names, values, strict=True))
        row["code"] = f"{row['code']}-B"
        row["idempotency_key"] = f"base-{row['idempotency_key']}"
        if not sqlite:  # psycopg hands JSON back as Python objects; send it as JSON
            for i in json_cols:
                row[names[i]] = Json(row[names[i]])
        rows.append(row)
    counter = itertools.count()
    latencies = [0.0] * len(rows)
    errors: list[str] = []

    def writer(ready: Callable[[], None]) -> None:
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            ready()
            while (i := next(counter)) < len(rows):
                start = time.perf_counter()
                if sqlite:
                    cur.execute("BEGIN IMMEDIATE")
                    cur.execute(insert, rows[i])
                    cur.execute("COMMIT")
                else:
                    cur.execute(insert, rows[i])
                    conn.commit()
                latencies[i] = (time.perf_counter() - start) * 1e3
        except Exception as exc:  # reported after the join; the run fails
            errors.append(repr(exc))
        finally:
            conn.close()

    seconds, cpu = run_threads(writer)
    engine.dispose()
    if errors:
        raise BenchError(f"baseline INSERTs failed: {errors[0]}")
    return Load(len(rows), seconds, latencies, cpu)


def count_rows(url: str, where: str = "1=1") -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text(f"SELECT count(*) FROM dossier WHERE {where}")).scalar_one())
    engine.dispose()
    return n


@dataclass(frozen=True)
class IntakeResult:
    backend: str
    workers: int
    intake: Load  # 16 clients on one commune (COMMUNE, the busiest): one code counter, one audit chain
    spread: Load  # 16 clients on 16 communes, one each
    baseline: Load
    failed: int  # intakes answered other than 201, warm-up included
    server_errors: list[str]  # what the server logged when some failed


def bench_intake(db: BenchDatabase, seeded: Seeded, server: Server, workers: int, sizes: Sizes) -> IntakeResult:
    """Warm up (on every commune), measure the intakes of 16 clients on one commune, then of 16 clients on 16
    communes, check each in the database, then the baseline with the rows of the first."""
    count, tag = sizes.intakes[db.kind], f"w{workers}"
    log(f"{db.kind}: server up ({workers} worker{'s' * (workers > 1)}); {sizes.warmup} warm-up intakes")
    warmup, _ = post_intakes(server, seeded.tokens, sizes.warmup, f"warmup-{tag}", db.name)

    def measure(tokens: list[str], run: str) -> Load:
        load, created = post_intakes(server, tokens, count, run, db.name)
        stored = count_rows(db.url, f"idempotency_key LIKE 'bench-{run}-%'")
        if stored != len(created):
            raise BenchError(f"{len(created)} intakes answered 201 but {stored} dossiers are stored")
        return load

    log(f"{db.kind}: {count:,} intakes by {CLIENTS} clients on one commune ({COMMUNE})")
    intake = measure([seeded.token], tag)
    log(f"{db.kind}: {count:,} intakes by {CLIENTS} clients on {len(seeded.tokens)} communes")
    spread = measure(seeded.tokens, f"spread-{tag}")
    log(f"{db.kind}: {intake.ok:,} plain INSERTs by {CLIENTS} threads (baseline)")
    baseline = plain_inserts(db, tag)
    failed = len(warmup.failures) + len(intake.failures) + len(spread.failures)
    return IntakeResult(db.kind, workers, intake, spread, baseline, failed, server.exceptions() if failed else [])


# ------------------------------------------------------------------------------------------------ 1M dossiers

BULK_SQL = """
INSERT INTO dossier (
    code, version, status, province_code, receiving_commune_code, deciding_commune_code, procedure_version_id,
    procedure_code, procedure_name, channel, filed_by, applicant_kind, applicant_name, applicant_name_folded,
    id_number, phone, address, address_commune_code, received_at, due_at, original_due_at, processed_at,
    returned_at, ended_at, clock_events, supplement_count, supplement_requested_at, extended, current_department,
    paid_online, request_digest, created_at)
WITH g AS (
    SELECT s, %(start)s::timestamptz + s * %(step)s * interval '1 second' AS received_at,
           1 + floor(%(nc)s * power(random(), 1.5))::int AS ci, random() AS r_dec, random() AS r_dec2,
           random() AS r_state, random() AS r_kind, random() AS r_ready, random() AS r_done,
           1 + floor(random() * %(np)s)::int AS pi, random() AS r_chan, random() AS r_ver,
           1 + floor(random() * %(n1)s)::int AS n1, 1 + floor(random() * %(n2)s)::int AS n2,
           1 + floor(random() * %(n3)s)::int AS n3, floor(random() * 1e8)::bigint AS id8,
           floor(random() * 1e8)::bigint AS ph8, 1 + floor(random() * 12)::int AS khu
    FROM generate_series(0, %(n)s - 1) AS s
), a AS (
    SELECT g.*, extract(epoch FROM %(now)s::timestamptz - received_at) / 86400 AS age,
           CASE WHEN r_dec < 0.03 THEN 1 + mod(ci + floor(r_dec2 * (%(nc)s - 1))::int, %(nc)s) ELSE ci END AS di,
           (%(p_span)s::float8[])[pi] * interval '1 second' AS span
    FROM g
), st AS (
    SELECT a.*, CASE
        WHEN age < 3 AND r_state < 0.04 THEN 'submitted'
        WHEN age < 30 AND r_state < 0.7 * (1 - age / 30) THEN CASE
            WHEN r_kind < 0.15 THEN 'received' WHEN r_kind < 0.25 THEN 'transferred'
            WHEN r_kind < 0.70 THEN 'in_appraisal' WHEN r_kind < 0.82 THEN 'awaiting_supplement'
            WHEN r_kind < 0.97 THEN 'awaiting_approval' ELSE 'refusal_proposed' END
        WHEN age < 40 AND r_ready < 0.08 * (1 - age / 40) THEN 'result_ready'
        ELSE CASE
            WHEN r_kind < 0.90 THEN 'returned' WHEN r_kind < 0.94 THEN 'intake_incomplete'
            WHEN r_kind < 0.95 THEN 'intake_refused' WHEN r_kind < 0.965 THEN 'refused'
            WHEN r_kind < 0.98 THEN 'withdrawn' WHEN r_kind < 0.99 THEN 'stopped' ELSE 'closed_unsupplied' END
        END AS status,
        CASE WHEN r_chan < 0.7 THEN 1 WHEN r_chan < 0.98 THEN 2 ELSE 3 END AS channel,
        least(received_at + span * (0.3 + 0.9 * r_done), %(now)s::timestamptz) AS done
    FROM a
), d AS (
    SELECT st.*, CASE WHEN status IN ('submitted', 'intake_incomplete', 'intake_refused') THEN NULL
                      ELSE received_at + span END AS due,
           (%(c_code)s::text[])[ci] AS rc, (%(c_code)s::text[])[di] AS dc
    FROM st
)
SELECT 'TAM.' || dc || '-' || to_char(received_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-'
           || lpad(s::text, %(width)s, '0'),
       1 + floor(r_ver * 6)::int, status, %(province)s, rc, dc, (%(p_id)s::int[])[pi], (%(p_code)s::text[])[pi],
       (%(p_name)s::text[])[pi], channel, CASE WHEN channel = 2 THEN 'officer' ELSE 'citizen' END, 'person',
       (%(names1)s::text[])[n1] || ' ' || (%(names2)s::text[])[n2] || ' ' || (%(names3)s::text[])[n3],
       (%(folded1)s::text[])[n1] || ' ' || (%(folded2)s::text[])[n2] || ' ' || (%(folded3)s::text[])[n3],
       '0250' || lpad(id8::text, 8, '0'), '09' || lpad(ph8::text, 8, '0'),
       'Khu ' || khu || ', ' || (%(c_name)s::text[])[ci] || ', tỉnh Phú Thọ', rc, received_at, due, due,
       CASE WHEN status IN ('result_ready', 'returned', 'refused') THEN done END,
       CASE WHEN status = 'returned' THEN done + interval '20 hours' END,
       CASE WHEN status IN ('intake_incomplete', 'intake_refused') THEN received_at
            WHEN status = 'returned' THEN done + interval '20 hours'
            WHEN status IN ('refused', 'withdrawn', 'stopped', 'closed_unsupplied') THEN done END,
       CASE WHEN due IS NULL THEN '[]'::json
            ELSE json_build_array(json_build_object('type', 'started', 'at', received_at,
                                                    'amount', (%(p_amount)s::text[])[pi],
                                                    'unit', (%(p_unit)s::text[])[pi])) END,
       CASE WHEN status IN ('awaiting_supplement', 'closed_unsupplied') THEN 1 ELSE 0 END,
       CASE WHEN status IN ('awaiting_supplement', 'closed_unsupplied') THEN received_at + interval '2 days' END,
       false,
       CASE WHEN status IN ('transferred', 'in_appraisal', 'awaiting_approval', 'refusal_proposed')
            THEN (%(p_dept)s::text[])[pi] ELSE 'service_centre' END,
       false, md5(s::text) || md5((s + 1)::text), received_at
FROM d
"""
"""A year of dossiers in one statement, in order of receipt (as the table fills up). The commune is the
floor(148·u^1.5)-th for a uniform u: the first (the busy one) gets ~3.6% of all, the median one ~0.4%; 3% are
decided by another commune; ~3% are still open (received in the last 30 days, due around now), the rest in end
states. The lists (communes, procedures, names) come in as arrays."""

#: Calendar time a limit takes, roughly: working days are 7/5 calendar days; "same day" is the office day.
_SPAN_SECONDS = {"same_day": 8 * 3600.0, "calendar_days": 86400.0, "working_days": 86400.0 * 1.4}


def bulk_load(db: BenchDatabase, rows: int) -> float:
    """Exactly ``rows`` dossiers of the past year (the intake runs' dossiers are removed first); returns the seconds
    it took (load, index rebuild, VACUUM ANALYZE)."""
    now = datetime.now(UTC)
    start = time.perf_counter()
    with psycopg.connect(db.libpq_url) as conn:
        communes = conn.execute("SELECT code, kind || ' ' || name FROM commune WHERE province_code = %s "
                                "ORDER BY code <> %s, code", (PROVINCE, COMMUNE)).fetchall()
        procedures = conn.execute(
            "SELECT v.id, p.code, p.name, v.handling_department, v.time_limit_amount, v.time_limit_unit "
            "FROM procedure_version v JOIN procedure p ON p.id = v.procedure_id ORDER BY v.id").fetchall()
        # Bulk-load speed-ups, all inside this one transaction: no FK triggers (the rows are consistent by
        # construction), the secondary indexes dropped and rebuilt after the load with the same definitions.
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        conn.execute("SET LOCAL synchronous_commit = off")
        indexes = conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'dossier' AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)").fetchall()
        conn.execute("TRUNCATE dossier CASCADE")  # with its events, documents, index rows and notices
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("SELECT setseed(0.25)")
        conn.execute(BULK_SQL, {
            "n": rows, "now": now, "start": now - timedelta(days=365), "step": 365 * 86400 / rows,
            "province": PROVINCE, "width": max(6, len(str(rows - 1))),
            "nc": len(communes), "c_code": [c[0] for c in communes], "c_name": [c[1] for c in communes],
            "np": len(procedures), "p_id": [p[0] for p in procedures], "p_code": [p[1] for p in procedures],
            "p_name": [p[2] for p in procedures], "p_dept": [p[3] for p in procedures],
            "p_amount": [str(p[4]) for p in procedures], "p_unit": [p[5] for p in procedures],
            "p_span": [float(p[4]) * _SPAN_SECONDS.get(p[5], 86400.0) for p in procedures],
            "n1": len(SURNAMES), "n2": len(MIDDLE), "n3": len(GIVEN),
            "names1": SURNAMES, "names2": MIDDLE, "names3": GIVEN,
            "folded1": [fold(x) for x in SURNAMES], "folded2": [fold(x) for x in MIDDLE],
            "folded3": [fold(x) for x in GIVEN],
        })
        for _, definition in indexes:
            conn.execute(definition)
        conn.commit()
    with psycopg.connect(db.libpq_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) dossier")
    return time.perf_counter() - start


@dataclass(frozen=True)
class InboxResult:
    rows: int
    load_seconds: float
    commune_rows: int
    commune_open: int
    page_total: int
    page_ms: list[float]
    api_ms: list[float]
    health_ms: list[float]
    naive_ms: list[float]
    queries: list[Explained]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOTAL = re.compile(r'<p class="muted">(\d+) ')


def login(http: httpx.Client) -> None:
    """Like a browser: the login form's CSRF token, then POST /login; the session cookie stays in the client."""
    match = _CSRF.search(http.get("/login").text)
    if match is None:
        raise BenchError("no CSRF field on /login")
    response = http.post("/login", data={"username": RECEPTION_USER, "password": PASSWORD,
                                         "csrf_token": match.group(1), "next": "/dossiers"},
                         follow_redirects=False)
    if response.status_code != 303 or "motcua_session" not in http.cookies:
        raise BenchError(f"login failed: HTTP {response.status_code}")


def readable(statement: str, parameters: Any) -> str:
    """One line, select lists elided, parameters inlined: what a statement asks, for the report."""
    sql = " ".join(statement.split())
    sql = re.sub(r"SELECT (?:(?! FROM ).){60,}? FROM ", "SELECT … FROM ", sql)
    values = parameters if isinstance(parameters, dict) else {}

    def literal(match: re.Match[str]) -> str:
        value = values.get(match.group(1), match.group(0))
        if isinstance(value, datetime):
            return f"'{value.isoformat(timespec='seconds')}'"
        return repr(value[:12] + "…" if isinstance(value, str) and len(value) > 40 else value)

    return re.sub(r"%\((\w+)\)s(?:::\w+)?( WITH TIME ZONE)?", literal, sql)


@dataclass(frozen=True)
class Explained:
    sql: str  # readable, parameters inlined
    custom_ms: float  # median Execution Time, plan for these parameter values (what EXPLAIN of the SQL shows)
    generic_ms: float  # the same with the generic plan, which psycopg's server-side prepared statements get to
    generic_plan: str


def explain(conn: psycopg.Connection[Any], statement: str, parameters: dict[str, Any], runs: int = 5
            ) -> tuple[float, float, str]:
    """EXPLAIN ANALYZE of a captured statement as a prepared statement, with a custom and with a generic plan.

    psycopg prepares a statement on the server once it has run it 5 times on a connection, and PostgreSQL then
    switches to a generic plan (one for any parameter values) when it estimates it no worse: so a page the app
    serves over and over runs on the generic plan, which EXPLAIN of the literal SQL never shows.
    """
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    sql = re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")
    conn.execute(f"PREPARE bench_q AS {sql}")
    arguments = f"({', '.join(['%s'] * len(names))})" if names else ""
    cursor = psycopg.ClientCursor(conn)  # literals in EXECUTE's argument list: a utility statement takes no binds
    out: list[float] = []
    plan = ""
    for mode in ("force_custom_plan", "force_generic_plan"):
        conn.execute(f"SET plan_cache_mode = {mode}")
        times = []
        for _ in range(runs):
            rows = cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_q{arguments}",
                                  [parameters[n] for n in names]).fetchall()
            plan = "\n".join(r[0] for r in rows)
            found = re.search(r"Execution Time: ([\d.]+) ms", plan)
            times.append(float(found.group(1)) if found else float("nan"))
        out.append(statistics.median(times))
    conn.execute("RESET plan_cache_mode")
    conn.execute("DEALLOCATE bench_q")
    return out[0], out[1], plan


def inbox_sql(db: BenchDatabase, workdir: Path) -> list[Explained]:
    """Every SELECT the inbox page runs (captured from the app in-process, logged in like the browser), timed
    with EXPLAIN ANALYZE (median of 5) under a custom and under a generic plan."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx
        from fastapi.testclient import TestClient

    engine = make_engine(db.url)
    captured: list[tuple[str, Any]] = []
    recording = threading.Event()

    @event.listens_for(engine, "before_cursor_execute")
    def _capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if recording.is_set() and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    settings = Settings(database_url=db.url, secret_key=BENCH_SECRET_KEY, cookie_secure=False,
                        files_dir=workdir / "files")
    with TestClient(create_app(settings, engine=engine), base_url="http://testserver") as client:
        login(client)
        recording.set()
        if client.get("/dossiers").status_code != 200:
            raise BenchError("GET /dossiers failed in-process")
        recording.clear()
    engine.dispose()
    out = []
    with psycopg.connect(db.libpq_url, autocommit=True, prepare_threshold=None) as conn:
        for statement, parameters in captured:
            custom, generic, plan = explain(conn, statement, dict(parameters or {}))
            out.append(Explained(readable(statement, parameters), custom, generic, plan))
    return out


def bench_inbox(db: BenchDatabase, seeded: Seeded, base: str, sizes: Sizes, workdir: Path) -> InboxResult:
    """Bulk-load, time the inbox page, the API, /healthz and the naive query (sequentially, after 10 warm-up
    calls each), check the page's count against the database, then EXPLAIN the page's SQL."""
    log(f"postgresql: bulk-loading {sizes.inbox_rows:,} dossiers")
    load_seconds = bulk_load(db, sizes.inbox_rows)
    total_rows = count_rows(db.url)
    commune_rows = count_rows(db.url, f"receiving_commune_code = '{COMMUNE}' OR deciding_commune_code = '{COMMUNE}'")
    commune_open = count_rows(db.url, f"(receiving_commune_code = '{COMMUNE}' OR deciding_commune_code = '{COMMUNE}')"
                                      " AND status IN ('submitted', 'received', 'awaiting_supplement', 'result_ready')")
    samples, warm = sizes.inbox_samples, 10
    log(f"postgresql: {total_rows:,} dossiers in {load_seconds:.0f} s; timing the inbox {samples} times")

    page_total = -1

    with httpx.Client(base_url=base, timeout=60, transport=httpx.HTTPTransport(socket_options=NODELAY)) as http:
        login(http)

        def page() -> None:
            nonlocal page_total
            response = http.get("/dossiers")
            found = _TOTAL.search(response.text)
            if response.status_code != 200 or found is None:
                raise BenchError(f"GET /dossiers: HTTP {response.status_code}")
            page_total = int(found.group(1))

        timed(page, warm)
        page_ms = timed(page, samples)

    with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {seeded.token}"},
                      transport=httpx.HTTPTransport(socket_options=NODELAY)) as http:

        def api() -> None:
            response = http.get("/api/v1/dossiers")
            if response.status_code != 200 or len(response.json()["items"]) != min(50, page_total):
                raise BenchError(f"GET /api/v1/dossiers: HTTP {response.status_code}")

        def health() -> None:
            if http.get("/healthz").status_code != 200:
                raise BenchError("GET /healthz failed")

        timed(api, warm)
        api_ms = timed(api, samples)
        timed(health, warm)
        health_ms = timed(health, samples)

    with psycopg.connect(db.libpq_url, autocommit=True) as conn:

        def naive() -> None:
            conn.execute("SELECT * FROM dossier WHERE deciding_commune_code = %s ORDER BY due_at LIMIT 50",
                         (COMMUNE,)).fetchall()

        timed(naive, warm)
        naive_ms = timed(naive, samples)

    if page_total != commune_open:
        raise BenchError(f"the inbox counts {page_total} dossiers; the database holds {commune_open} in its states")
    log("postgresql: EXPLAIN ANALYZE of the page's queries")
    queries = inbox_sql(db, workdir)
    return InboxResult(total_rows, load_seconds, commune_rows, commune_open, page_total, page_ms, api_ms,
                       health_ms, naive_ms, queries)


# ------------------------------------------------------------------------------------------------ report


def report(results: list[IntakeResult], inbox: InboxResult | None) -> None:
    print(f"intake: POST /api/v1/dossiers, {CLIENTS} keep-alive clients; baseline: the same rows as plain INSERTs "
          f"through the same driver, one row per transaction, {CLIENTS} threads")
    print(f"  {'backend':<10} {'workers':>7} {'communes':>8} {'intakes':>7} {'failed':>6} {'intakes/s':>9} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'client CPU':>10} | {'INSERT rows/s':>13} {'p50 ms':>7} {'p95 ms':>7} | "
          f"{'ratio':>6}")
    for r in results:
        b = r.baseline
        base = b.latencies_ms
        for communes, i in ((1, r.intake), (CLIENTS, r.spread)):
            lat = i.latencies_ms
            print(f"  {r.backend:<10} {r.workers:>7} {communes:>8} {i.count:>7,} {len(i.failures):>6} {i.rate:>9.1f} "
                  f"{pct(lat, 50):>7.1f} {pct(lat, 95):>7.1f} {i.client_cpu_s / i.seconds:>9.2f}c | "
                  f"{b.rate:>13.1f} {pct(base, 50):>7.2f} {pct(base, 95):>7.2f} | {i.rate / b.rate:>6.3f}")
            if i.cpu is not None and i.ok:
                server, pg, ours, client = (x / i.ok * 1e3 for x in (i.cpu.server_s, i.cpu.postgres_s,
                                                                     i.cpu.database_s, i.client_cpu_s))
                if r.backend == "postgresql":
                    postgres = f"PostgreSQL {pg:.2f} ms ({ours:.2f} ms in the bench database's backends)"
                else:  # PostgreSQL's processes are busy with other work, if any: not this run's
                    postgres, pg = "PostgreSQL - (SQLite)", 0.0
                print(f"    CPU per intake: server {server:.2f} ms, {postgres}, client {client:.2f} ms (together "
                      f"{server + pg + client:.2f} ms); steal {i.cpu.steal:.0%}")
    for r in results:
        if r.failed:
            first = (r.intake.failures or r.spread.failures or ("(in the warm-up)",))[0]
            print(f"  ERROR: {r.failed} intakes failed on {r.backend} with {r.workers} worker{'s' * (r.workers > 1)} "
                  f"(warm-up included); first: {first[:100]}")
            for line in r.server_errors[:5]:
                print(f"    server log: {line}")
    for r in results:
        if r.backend == "postgresql":
            met = "met" if r.intake.rate >= INTAKE_TARGET else "NOT met"  # the busiest commune's counter
            print(f"  target >= {INTAKE_TARGET:.0f} intakes/s on PostgreSQL: {met} with {r.workers} worker"
                  f"{'s' * (r.workers > 1)} ({r.intake.rate:.1f}/s)")
    if inbox is None:
        return
    page, api, naive = inbox.page_ms, inbox.api_ms, inbox.naive_ms
    print(f"inbox: {inbox.rows:,} dossiers in PostgreSQL (loaded + VACUUM ANALYZE in {inbox.load_seconds:.0f} s); "
          f"reception officer of {COMMUNE}: {inbox.commune_rows:,} dossiers, {inbox.commune_open:,} in the inbox")
    print(f"  {'request':<48} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} | {'p95 ratio':>9}")
    baseline = pct(naive, 95)
    for label, values in (("GET /dossiers (HTML, session cookie)", page), ("GET /api/v1/dossiers (JSON, token)", api),
                          ("GET /healthz (SELECT 1: the server's floor)", inbox.health_ms),
                          ("baseline: naive SELECT … ORDER BY due_at LIMIT 50", naive)):
        print(f"  {label:<48} {len(values):>4} {pct(values, 50):>7.1f} {pct(values, 95):>7.1f} {max(values):>7.1f} "
              f"| {pct(values, 95) / baseline:>9.2f}")
    met = "met" if pct(page, 95) < INBOX_TARGET_MS else "NOT met"
    print(f"  target p95 < {INBOX_TARGET_MS:.0f} ms for GET /dossiers: {met} ({pct(page, 95):.1f} ms)")
    print("  SQL of GET /dossiers under EXPLAIN ANALYZE, median of 5, ms: custom plan (these values) | generic plan "
          "(what a statement prepared by psycopg after 5 runs gets)")
    for q in inbox.queries:
        print(f"    {q.custom_ms:>8.2f} | {q.generic_ms:>8.2f}  {q.sql[:400]}{'…' if len(q.sql) > 400 else ''}")
    if pct(page, 95) >= INBOX_TARGET_MS and inbox.queries:
        slowest = max(inbox.queries, key=lambda q: q.generic_ms)
        print(f"  generic plan of the slowest ({slowest.generic_ms:.1f} ms):")
        for line in slowest.generic_plan.splitlines():
            print(f"    {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 intakes, 50,000 dossiers")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sqlite-workers", help="uvicorn workers on SQLite; a list runs each (default 1,2; quick 1)")
    parser.add_argument("--pg-workers", help="uvicorn workers on PostgreSQL; a list runs each, the inbox uses the "
                                             "last (default 1,2; quick 2)")
    parser.add_argument("--intakes", type=int, help="measured intakes per backend (default 3,000 PG, 1,500 SQLite)")
    parser.add_argument("--rows", type=int, help="dossiers bulk-loaded for the inbox (default 1,000,000)")
    parser.add_argument("--no-inbox", action="store_true", help="skip the inbox part")
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database (for EXPLAIN)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.intakes:
        sizes = Sizes({"sqlite": args.intakes, "postgresql": args.intakes}, sizes.warmup, sizes.inbox_rows,
                      sizes.inbox_samples)
    if args.rows:
        sizes = Sizes(sizes.intakes, sizes.warmup, args.rows, sizes.inbox_samples)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    workers = {"sqlite": [int(n) for n in (args.sqlite_workers or ("1" if args.quick else "1,2")).split(",")],
               "postgresql": [int(n) for n in (args.pg_workers or ("2" if args.quick else "1,2")).split(",")]}

    results: list[IntakeResult] = []
    inbox: InboxResult | None = None
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    try:
        for kind in backends:
            with tempfile.TemporaryDirectory(prefix=f"motcua-bench-{kind}-") as tmp:
                workdir = Path(tmp)
                db = BenchDatabase.create(kind, workdir)
                try:
                    log(f"{kind}: migrate, units of province {PROVINCE}, catalogue, officer and token")
                    seeded = seed(db.url)
                    counts = workers[kind]
                    for n in counts:
                        with serve(db.url, n, workdir) as server:
                            results.append(bench_intake(db, seeded, server, n, sizes))
                            if kind == "postgresql" and not args.no_inbox and n == counts[-1]:
                                inbox = bench_inbox(db, seeded, server.base, sizes, workdir)
                finally:
                    if args.keep_db and db.name:
                        print(f"kept {db.url}", file=sys.stderr)
                    else:
                        db.drop()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report(results, inbox)
    print(f"({time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; 1-min load average {load_before:.1f} at "
          f"the start, {os.getloadavg()[0]:.1f} at the end: other work on the machine shows in the absolute figures)")
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
