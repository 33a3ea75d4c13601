"""Benchmark of the front desk's hall display and kiosk through the real server on PostgreSQL (issue 18).

    .venv/bin/python bench/front_desk.py           # full run (about 2 minutes)
    .venv/bin/python bench/front_desk.py --quick   # smoke run: 50 displays, 10 counters, about 40 seconds

A fresh migrated PostgreSQL database with Phú Thọ's communes; 30 counters at xã Chí Tiên, each serving every field,
and a reception officer logged in at each; the real server (``motcua.web.server.run``, what ``motcua serve
--workers N`` runs, in a subprocess, 2 workers by default) behind a trusted proxy address, so that each kiosk
request can come from an address of its own (the kiosk's limit of 10 tickets a minute per address is not what is
measured). Then, with 200 displays connected to ``GET /quay/08218/man-hinh/su-kien`` (server-sent events; raw
asyncio streams spread over the workers by the kernel):

1. Tickets issued per second through the kiosk: 16 keep-alive clients POST ``/quay/08218/lay-so`` (a field in turn,
   one in ten with a priority group). Baseline in the same run: the same rows (the ticket's day counter upserted,
   the ticket and its event inserted, one ticket per transaction) written straight through psycopg by 16 threads.
2. Call-to-display latency: 30 counters, each calling the next ticket (``POST /quay/08218/quay-so/{id}``, the
   panel's "Gọi số tiếp theo"), pausing, finishing it and calling again. For each call, each display's receipt of
   the ``call`` event is timed from the moment the call's request was sent (and from its answer). Baseline in the
   same run: the same events (the commune's event counter upserted and the event inserted, one per transaction) at
   the same pace by 30 threads through psycopg, read by one reader polling the event table in a tight loop; the
   latency is from the write's commit to the reader seeing it. Target: p95 under 300 ms on 2 cores.

Every call must reach every display; exits non-zero on an error (a failed request, a lost event), never on a timing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).parent))
from intake import BenchDatabase, BenchError, log, pct, serve
from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.db import make_engine
from motcua.migrate import upgrade
from motcua.org.actions import load_units_file, sync_units
from motcua.org.models import Commune
from motcua.queue import hours
from motcua.queue.actions import create_counter
from motcua.queue.fields import FIELDS, PRIORITY_GROUPS
from motcua.queue.schemas import CounterIn

PROVINCE = "25"
COMMUNE = "08218"  # xã Chí Tiên
BASELINE_COMMUNE = "04792"  # the baseline's rows go to another commune's numbering
PASSWORD = "do-toc-do-goi-so-tai-quay"
KIOSK_CLIENTS = 16
LATENCY_TARGET_MS = 300.0
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CALLED = re.compile(r"Đã gọi số ([A-Z]{2}-\d+)\.")
_NUMBER = re.compile(r'class="kiosk-number">([A-Z]{2}-\d+)<')


@dataclass(frozen=True)
class Sizes:
    displays: int
    counters: int
    tickets: int  # issued through the kiosk (and then called)
    rounds: int  # calls per counter
    pause: float  # seconds between a counter's calls


FULL = Sizes(displays=200, counters=30, tickets=1500, rounds=20, pause=1.0)
QUICK = Sizes(displays=50, counters=10, tickets=300, rounds=5, pause=0.5)


# ------------------------------------------------------------------------------------------------ seeding


def seed(url: str, counters: int) -> list[tuple[int, str]]:
    """Migrate, the province's units; ``counters`` counters at COMMUNE serving every field, and a reception officer
    for each (``(counter id, username)``)."""
    upgrade(url)
    engine = make_engine(url)
    data = load_units_file()
    subset = {**data, "provinces": [p for p in data["provinces"] if p["code"] == PROVINCE]}
    now = datetime.now(UTC)
    out = []
    with Session(engine) as session, session.begin():
        sync_units(session, data=subset)
        commune = session.get(Commune, COMMUNE)
        assert commune is not None and session.get(Commune, BASELINE_COMMUNE) is not None
        # the kiosk honours the centre's opening hours: open around the clock, so the bench runs at any hour
        hours.set_week(session, actor=SYSTEM, province_code=PROVINCE, commune=commune, now=now,
                       week=[((dt_time(0, 0), dt_time(23, 59)),)] * 7)
        for n in range(1, counters + 1):
            counter = create_counter(session, actor=SYSTEM, commune=commune, now=now,
                                     data=CounterIn(number=n, fields=[f.code for f in FIELDS]))
            officer = create_officer(session, actor=SYSTEM, now=now, data=OfficerCreate(
                username=f"bench_quay_{n:02d}", full_name="Nguyễn Thị Hoa", password=PASSWORD,
                province_code=PROVINCE, commune_code=COMMUNE, roles=[Role.RECEPTION]))
            out.append((counter.id, officer.username))
    engine.dispose()
    return out


# ------------------------------------------------------------------------------------------------ displays


@dataclass
class Display:
    """One hall TV: an event stream read by hand; when each called number arrived."""

    calls: dict[str, float] = field(default_factory=dict)
    events: int = 0
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


async def follow(host: str, port: int, display: Display, stop: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write((f"GET /quay/{COMMUNE}/man-hinh/su-kien HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise BenchError(f"display answered {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        display.connected.set()
        kind = ""
        while not stop.is_set():
            line = await reader.readline()
            if not line:
                raise BenchError("a display's stream ended")
            line = line.rstrip(b"\r\n")
            # chunked transfer: chunk-size lines are hex digits alone; SSE lines always contain ":" or are empty
            if line.startswith(b"event: "):
                kind = line[7:].decode()
            elif line.startswith(b"data: ") and kind == "call":
                display.calls.setdefault(json.loads(line[6:])["number"], time.perf_counter())
                display.events += 1
        writer.close()
    except (OSError, BenchError, ValueError) as exc:
        display.error = str(exc)
        display.connected.set()


# ------------------------------------------------------------------------------------------------ kiosk, counters


def kiosk_address(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


async def issue_tickets(base: str, count: int) -> tuple[float, list[float], list[str]]:
    """``count`` tickets through the kiosk by KIOSK_CLIENTS clients: (seconds, latencies ms, failures)."""
    latencies: list[float] = []
    failures: list[str] = []
    todo = iter(range(count))

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            page = await http.get(f"/quay/{COMMUNE}/lay-so")
            token = _CSRF.search(page.text)
            assert token is not None
            for i in todo:
                f = FIELDS[i % len(FIELDS)]
                group = PRIORITY_GROUPS[i % len(PRIORITY_GROUPS)].code if i % 10 == 0 else ""
                start = time.perf_counter()
                answer = await http.post(f"/quay/{COMMUNE}/lay-so", headers={"X-Forwarded-For": kiosk_address(i)},
                                         data={"csrf_token": token.group(1), "field": f.code,
                                               "priority_group": group})
                latencies.append((time.perf_counter() - start) * 1e3)
                if answer.status_code != 200 or not _NUMBER.search(answer.text):
                    failures.append(f"{answer.status_code} {answer.text[:200]}")

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(KIOSK_CLIENTS)))
    return time.perf_counter() - start, latencies, failures


@dataclass
class Call:
    number: str
    sent: float
    answered: float


async def counter_loop(base: str, counter_id: int, username: str, sizes: Sizes, calls: list[Call],
                       failures: list[str], ready: asyncio.Barrier) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60, headers={"X-Forwarded-For": "10.200.0.1"}) as http:
        page = await http.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        await http.post("/login", data={"csrf_token": token.group(1), "username": username, "password": PASSWORD})
        panel = await http.get(f"/quay/{COMMUNE}/quay-so/{counter_id}")
        token = _CSRF.search(panel.text)
        if panel.status_code != 200 or token is None:
            failures.append(f"panel {panel.status_code}")
            await ready.wait()
            return
        form = {"csrf_token": token.group(1)}
        seated = await http.post(f"/quay/{COMMUNE}/quay-so/{counter_id}", data={**form, "lenh": "seat"})
        if seated.status_code != 200:  # the officer takes the counter for the day before calling
            failures.append(f"seat {seated.status_code}")
        await ready.wait()
        await asyncio.sleep(random.random() * sizes.pause)  # the counters do not all call in the same instant
        for _ in range(sizes.rounds):
            sent = time.perf_counter()
            answer = await http.post(f"/quay/{COMMUNE}/quay-so/{counter_id}", data={**form, "lenh": "call"})
            answered = time.perf_counter()
            called = _CALLED.search(answer.text)
            if answer.status_code != 200 or called is None:
                failures.append(f"call {answer.status_code} {answer.text[:200]}")
                continue
            calls.append(Call(called.group(1), sent, answered))
            await asyncio.sleep(sizes.pause)
            done = await http.post(f"/quay/{COMMUNE}/quay-so/{counter_id}", data={**form, "lenh": "done"})
            if done.status_code != 200:
                failures.append(f"done {done.status_code}")


@dataclass
class Measured:
    tickets: int
    ticket_seconds: float
    ticket_ms: list[float]
    calls: list[Call]
    from_sent_ms: list[float]
    from_answer_ms: list[float]
    failures: list[str]
    lost: int  # (call, display) pairs never received
    displays: int
    missing: str = ""  # which displays missed calls, and how many


async def run_load(base: str, counters: list[tuple[int, str]], sizes: Sizes) -> Measured:
    host, port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port or 80
    stop = asyncio.Event()
    displays = [Display() for _ in range(sizes.displays)]
    tasks = [asyncio.create_task(follow(host, port, d, stop)) for d in displays]
    await asyncio.gather(*(d.connected.wait() for d in displays))
    broken = [d.error for d in displays if d.error]
    if broken:
        raise BenchError(f"{len(broken)} displays failed to connect: {broken[0]}")
    log(f"{len(displays)} displays connected; issuing {sizes.tickets} tickets through the kiosk")
    seconds, ticket_ms, failures = await issue_tickets(base, sizes.tickets)
    log(f"kiosk: {sizes.tickets / seconds:.1f} tickets/s; {len(counters)} counters calling, {sizes.rounds} rounds")
    calls: list[Call] = []
    ready = asyncio.Barrier(len(counters))
    await asyncio.gather(*(counter_loop(base, cid, user, sizes, calls, failures, ready) for cid, user in counters))
    await asyncio.sleep(2)  # the last calls reach the displays
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    errors = [d.error for d in displays if d.error]
    if errors:
        failures.append(f"{len(errors)} displays lost their stream: {errors[0]}")
    from_sent, from_answer, lost = [], [], 0
    for call in calls:
        for d in displays:
            at = d.calls.get(call.number)
            if at is None:
                lost += 1
                continue
            from_sent.append((at - call.sent) * 1e3)
            from_answer.append((at - call.answered) * 1e3)
    misses = sorted((sum(1 for c in calls if c.number not in d.calls), n) for n, d in enumerate(displays))
    missed = [(count, n) for count, n in misses if count]
    missing = f"{len(missed)} displays missed calls; the most: {missed[-3:]} (calls missed, display)" if missed else ""
    return Measured(sizes.tickets, seconds, ticket_ms, calls, from_sent, from_answer, failures, lost, len(displays),
                    missing)


# ------------------------------------------------------------------------------------------------ baselines


def baseline_tickets(db: BenchDatabase, count: int) -> tuple[float, list[float]]:
    """The kiosk's rows straight through psycopg: the day counter upserted, the ticket and its event inserted, one
    ticket per transaction, KIOSK_CLIENTS threads."""
    today = datetime.now(UTC).date()
    todo = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []

    def worker() -> None:
        with psycopg.connect(db.libpq_url, autocommit=False) as conn:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                f = FIELDS[i % len(FIELDS)]
                start = time.perf_counter()
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO queue_ticket_counter (commune_code, field, day, last_seq) "
                                "VALUES (%s, %s, %s, 1) ON CONFLICT (commune_code, field, day) "
                                "DO UPDATE SET last_seq = queue_ticket_counter.last_seq + 1 RETURNING last_seq",
                                (BASELINE_COMMUNE, f.code, today))
                    seq = cur.fetchone()[0]  # type: ignore[index]
                    number = f"{f.prefix}-{seq:03d}"
                    cur.execute("INSERT INTO queue_ticket (commune_code, field, day, seq, number, status, ip_digest, "
                                "issued_at, recalls) VALUES (%s, %s, %s, %s, %s, 'waiting', %s, now(), 0) "
                                "RETURNING id", (BASELINE_COMMUNE, f.code, today, seq, number, "x" * 64))
                    ticket_id = cur.fetchone()[0]  # type: ignore[index]
                    _event(cur, ticket_id, number, f.code)
                conn.commit()
                latencies.append((time.perf_counter() - start) * 1e3)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(KIOSK_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies


def _event(cur: psycopg.Cursor[tuple[int]], ticket_id: int, number: str, field_code: str,
           kind: str = "issue", counter: int | None = None) -> int:
    cur.execute("INSERT INTO queue_event_counter (commune_code, last_seq) VALUES (%s, 1) ON CONFLICT (commune_code) "
                "DO UPDATE SET last_seq = queue_event_counter.last_seq + 1 RETURNING last_seq", (BASELINE_COMMUNE,))
    seq = cur.fetchone()[0]  # type: ignore[index]
    cur.execute("INSERT INTO queue_event (commune_code, seq, kind, ticket_id, number, field, counter_number, at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, now())",
                (BASELINE_COMMUNE, seq, kind, ticket_id, number, field_code, counter))
    return int(seq)


def baseline_events(db: BenchDatabase, sizes: Sizes) -> tuple[list[float], int]:
    """The calls' events straight through psycopg at the same pace (``sizes.counters`` threads, ``sizes.rounds``
    each, ``sizes.pause`` apart, a call and a done per round), read by one reader polling in a tight loop: the
    latency from each call's commit to the reader seeing it."""
    with psycopg.connect(db.libpq_url) as conn:
        row = conn.execute("SELECT id, number, field FROM queue_ticket WHERE commune_code = %s ORDER BY id LIMIT 1",
                           (BASELINE_COMMUNE,)).fetchone()
    assert row is not None
    ticket_id, number, field_code = row
    committed: dict[int, float] = {}
    seen: dict[int, float] = {}
    stop = threading.Event()

    def reader() -> None:
        with psycopg.connect(db.libpq_url, autocommit=True) as conn:
            last = int(conn.execute("SELECT coalesce(max(seq), 0) FROM queue_event WHERE commune_code = %s",
                                    (BASELINE_COMMUNE,)).fetchone()[0])  # type: ignore[index]
            while not stop.is_set():
                for seq, kind in conn.execute("SELECT seq, kind FROM queue_event WHERE commune_code = %s AND seq > %s "
                                              "ORDER BY seq", (BASELINE_COMMUNE, last)).fetchall():
                    if kind == "call":
                        seen[seq] = time.perf_counter()
                    last = seq

    def writer(n: int) -> None:
        time.sleep(random.random() * sizes.pause)
        with psycopg.connect(db.libpq_url, autocommit=False) as conn:
            for _ in range(sizes.rounds):
                with conn.cursor() as cur:
                    seq = _event(cur, ticket_id, number, field_code, "call", n)
                conn.commit()
                committed[seq] = time.perf_counter()
                time.sleep(sizes.pause)
                with conn.cursor() as cur:
                    _event(cur, ticket_id, number, field_code, "done", n)
                conn.commit()

    read = threading.Thread(target=reader)
    read.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(1, sizes.counters + 1)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    time.sleep(0.5)
    stop.set()
    read.join()
    latencies = [(seen[s] - at) * 1e3 for s, at in committed.items() if s in seen]
    return latencies, len(committed) - len(latencies)


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 displays, 10 counters")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument("--displays", type=int, help="connected displays (default 200)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.displays:
        sizes = Sizes(args.displays, sizes.counters, sizes.tickets, sizes.rounds, sizes.pause)
    os.environ["MOTCUA_TRUSTED_PROXIES"] = "127.0.0.1"  # each kiosk request from an address of its own
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="motcua-bench-queue-") as tmp:
            db = BenchDatabase.create("postgresql", Path(tmp))
            try:
                log(f"postgresql: migrate, units of province {PROVINCE}, {sizes.counters} counters and officers")
                counters = seed(db.url, sizes.counters)
                with serve(db.url, args.workers, Path(tmp)) as server:
                    measured = asyncio.run(run_load(server.base, counters, sizes))
                    server_errors = server.exceptions()
                log("baseline: the same rows and events straight through psycopg")
                base_seconds, base_ticket_ms = baseline_tickets(db, sizes.tickets)
                base_latency, base_lost = baseline_events(db, sizes)
            finally:
                db.drop()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    rate, base_rate = measured.tickets / measured.ticket_seconds, sizes.tickets / base_seconds
    print(f"queue: PostgreSQL, {args.workers} workers, {measured.displays} displays connected (server-sent events), "
          f"xã Chí Tiên; baselines: the same rows and events written and read straight through psycopg")
    print(f"  {'measure':<44} {'n':>7} {'rate/s':>8} {'p50 ms':>8} {'p95 ms':>8} | {'baseline':>8} {'p50 ms':>8} "
          f"{'p95 ms':>8} | {'ratio':>6}")
    print(f"  {'tickets issued at the kiosk (16 clients)':<44} {measured.tickets:>7,} {rate:>8.1f} "
          f"{pct(measured.ticket_ms, 50):>8.1f} {pct(measured.ticket_ms, 95):>8.1f} | {base_rate:>8.1f} "
          f"{pct(base_ticket_ms, 50):>8.2f} {pct(base_ticket_ms, 95):>8.2f} | {rate / base_rate:>6.3f}")
    sent, answer = measured.from_sent_ms, measured.from_answer_ms
    if sent and base_latency:
        b50, b95 = pct(base_latency, 50), pct(base_latency, 95)
        for label, values in ((f"call → display, from the click ({len(measured.calls)} calls)", sent),
                              ("call → display, from the panel's answer", answer)):
            print(f"  {label:<44} {len(values):>7,} {'':>8} {pct(values, 50):>8.1f} {pct(values, 95):>8.1f} | "
                  f"{'':>8} {b50:>8.2f} {b95:>8.2f} | {pct(values, 95) / b95:>6.1f}")
        print(f"    (ratio: p95 against the baseline's p95, commit → a reader polling the table in a tight loop; "
              f"max from the click {max(sent):.0f} ms; mean {statistics.fmean(sent):.0f} ms)")
        met = "met" if pct(sent, 95) < LATENCY_TARGET_MS else "NOT met"
        print(f"  target p95 < {LATENCY_TARGET_MS:.0f} ms from the click: {met} ({pct(sent, 95):.0f} ms)")
    failed = bool(measured.failures or measured.lost or base_lost)
    if measured.failures:
        print(f"  ERROR: {len(measured.failures)} failures; first: {measured.failures[0][:200]}")
    if measured.lost:
        print(f"  ERROR: {measured.lost} (call, display) pairs never arrived ({measured.missing})")
    if base_lost:
        print(f"  ERROR: the baseline's reader missed {base_lost} events")
    for line in server_errors[:5]:
        print(f"    server log: {line}")
    print(f"({time.perf_counter() - started:.0f} s on {os.cpu_count()} CPUs; 1-min load average {load_before:.1f} at "
          f"the start, {os.getloadavg()[0]:.1f} at the end: other work on the machine shows in the absolute figures)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
