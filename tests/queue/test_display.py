"""The hall display (issue 18, part 6): every queue change is an event numbered per commune in its own transaction;
a display that comes back gets what it missed (Last-Event-ID) or the whole state; the state is public, so it holds
numbers and dossier codes only; one poller per process fans a commune's events out to its displays; each call is
spoken in Vietnamese as a WAV file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.dossier.actions import receive_dossier
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import Status
from motcua.org.models import Commune
from motcua.queue import actions, display
from motcua.queue.board import snapshot
from motcua.queue.display import catch_up
from motcua.queue.live import Hub
from motcua.queue.models import QueueEvent
from motcua.queue.voice import call_text, engine, spoken_number
from tests.factories import CHI_TIEN, T0, intake_data, other_commune
from tests.queue.test_tickets import counter, take

T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` in a thread of its own: a browser test of the same session leaves Playwright's event loop
    running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def kinds(session: Session, commune_code: str = CHI_TIEN) -> list[tuple[int, str, str]]:
    return [(e.seq, e.kind, e.number) for e in session.scalars(
        select(QueueEvent).where(QueueEvent.commune_code == commune_code).order_by(QueueEvent.seq))]


def messages(text: str) -> list[tuple[str, int | None, dict]]:
    """An event stream's messages: (event, id, data)."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith((":", "retry")))
        if "event" in fields:
            out.append((fields["event"], int(fields["id"]) if "id" in fields else None, json.loads(fields["data"])))
    return out


def test_every_change_appends_one_event_numbered_per_commune_in_its_own_transaction(session):
    """Issue, call, recall, skip and done each append one event, numbered 1, 2, 3… per commune; a change rolled
    back takes its event (and its number) with it, so the numbers stay gap-free and a display never announces a
    call that did not happen."""
    desk = counter(session, 1, ["civil_status"])
    take(session, "civil_status")
    take(session, "civil_status")
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)
    actions.recall(session, actor=SYSTEM, counter=desk, now=T0)
    actions.skip(session, actor=SYSTEM, counter=desk, now=T0)
    with pytest.raises(RuntimeError), session.begin_nested():  # a call whose transaction fails after the event
        actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)
        raise RuntimeError("the request failed before its commit")
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)
    actions.finish(session, actor=SYSTEM, counter=desk, now=T0)
    take(session, "civil_status", commune_code=other_commune(session))
    assert kinds(session) == [(1, "issue", "HT-001"), (2, "issue", "HT-002"), (3, "call", "HT-001"),
                              (4, "recall", "HT-001"), (5, "skip", "HT-001"), (6, "call", "HT-002"),
                              (7, "done", "HT-002")]
    assert kinds(session, other_commune(session)) == [(1, "issue", "HT-001")]  # its own numbering


def test_a_display_coming_back_gets_the_events_it_missed_then_the_state(session, monkeypatch):
    """Last-Event-ID n: the events after n, oldest first, marked as replayed with their age, then the state with
    the latest id. Too far behind (or an id the commune never reached), the state alone."""
    desk = counter(session, 2, ["civil_status", "land"])
    take(session, "civil_status")
    take(session, "land")
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)
    now = T0 + timedelta(seconds=30)
    sent, last = catch_up(session, CHI_TIEN, 1, now)
    got = messages("".join(sent))
    assert [(kind, seq) for kind, seq, _ in got] == [("issue", 2), ("call", 3), ("state", 3)]
    assert last == 3
    call = got[1][2]
    assert call["replay"] is True and call["age"] == 30 and call["number"] == "HT-001" and call["counter"] == 2
    assert got[2][2]["counters"] == [{"number": 2, "name": "", "serving": "HT-001", "priority": False}]
    assert [k for k, _, _ in messages("".join(catch_up(session, CHI_TIEN, 3, now)[0]))] == ["state"]
    assert [k for k, _, _ in messages("".join(catch_up(session, CHI_TIEN, 99, now)[0]))] == ["state"]
    assert [k for k, _, _ in messages("".join(catch_up(session, CHI_TIEN, None, now)[0]))] == ["state"]
    monkeypatch.setattr(display, "REPLAY_MAX", 1)
    assert [k for k, _, _ in messages("".join(catch_up(session, CHI_TIEN, 1, now)[0]))] == ["state"]


def test_the_public_state_shows_numbers_and_result_codes_only_never_personal_data(session, team, store):
    """The hall's TV is public (Decree 13/2023: minimum data): the counters' numbers, each field's next numbers
    (priority groups first, as they will be called) and the codes of the results ready to collect at this commune —
    never the applicant's name, ID number, phone or address."""
    desk = counter(session, 1, ["civil_status"])
    take(session, "civil_status")
    take(session, "civil_status", priority="elderly")
    take(session, "civil_status")
    ready = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                            now=T0).dossier
    waiting = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                              now=T0).dossier
    ready.status = Status.RESULT_READY.value
    session.flush()
    state = snapshot(session, session.get(Commune, CHI_TIEN), T0)
    field = next(f for f in state["fields"] if f["code"] == "civil_status")
    assert field["next"] == ["HT-002", "HT-001", "HT-003"] and field["waiting"] == 3
    assert [f["code"] for f in state["fields"]] == ["civil_status"]  # the fields the counters serve
    assert state["results"] == [ready.code] and waiting.code not in state["results"]
    called = actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)
    state = snapshot(session, session.get(Commune, CHI_TIEN), T0)
    assert called.number == "HT-002"
    assert state["counters"] == [{"number": 1, "name": "", "serving": "HT-002", "priority": True}]
    assert state["recent"] == [{"number": "HT-002", "counter": 1}]
    text = json.dumps(state, ensure_ascii=False)
    dossier = session.get(Dossier, ready.id)
    for personal in (dossier.applicant_name, dossier.id_number, dossier.phone, dossier.address):
        assert personal and personal not in text


def test_one_poller_fans_a_communes_events_out_to_its_displays_only(fresh_db):
    """Two displays of Chí Tiên and one of another commune, one poller: a call committed at Chí Tiên reaches both
    Chí Tiên displays with the state after it, and nothing reaches the other commune's display. On PostgreSQL the
    commit's notification wakes the poller (its interval here is far longer than the wait allowed); on SQLite it
    polls. The poller stops when the last display leaves."""
    from motcua.db import make_session_factory

    factory = make_session_factory(fresh_db.engine)
    with factory() as session:
        desk = counter(session, 1, ["civil_status"])
        take(session, "civil_status")
        other = other_commune(session)
        session.commit()

    async def scenario() -> None:
        hub = Hub(factory, lambda: T0, interval=60 if fresh_db.kind == "postgresql" else 0.02)
        a1, a2, b = await hub.subscribe(CHI_TIEN), await hub.subscribe(CHI_TIEN), await hub.subscribe(other)
        assert hub.task is not None
        await asyncio.sleep(0.5)  # the listener is listening
        with factory() as session:
            actions.call_next(session, actor=SYSTEM, counter=session.merge(desk), now=T0)
            session.commit()
        first = await asyncio.wait_for(a1.queue.get(), 5)
        second = await asyncio.wait_for(a2.queue.get(), 5)
        for batch in (first, second):
            assert batch is not None
            assert [(e["kind"], e["number"], e["counter"]) for e in batch.events] == [("call", "HT-001", 1)]
            assert batch.state["counters"][0]["serving"] == "HT-001"
        assert first is second  # one read and one snapshot per change, not per display
        await asyncio.sleep(0.1)
        assert b.queue.empty()
        for sub in (a1, a2, b):
            hub.unsubscribe(sub)
        await asyncio.wait_for(hub.task, 2)  # no display left: the poller ends
        await hub.aclose()

    run_async(scenario)


def test_the_display_page_and_its_state_are_public_and_404_for_an_unknown_commune(client, session):
    """A hall TV has no login: the page and the state answer anyone; a commune that does not exist is 404. A
    client that does not ask for an event stream gets the state once and the stream ends."""
    counter(session, 3, ["land"])
    take(session, "land")
    page = client.get(f"/quay/{CHI_TIEN}/man-hinh")
    assert page.status_code == 200 and "Quầy 3" in page.text and "DD-001" in page.text
    state = client.get(f"/quay/{CHI_TIEN}/man-hinh/trang-thai").json()
    assert state["fields"][0]["next"] == ["DD-001"] and state["seq"] == 1
    once = client.get(f"/quay/{CHI_TIEN}/man-hinh/su-kien", headers={"Last-Event-ID": "0"})
    assert once.headers["content-type"].startswith("text/event-stream")
    assert [(k, seq) for k, seq, _ in messages(once.text)] == [("issue", 1), ("state", 1)]
    for path in ("/quay/99999/man-hinh", "/quay/99999/man-hinh/trang-thai", "/quay/99999/man-hinh/su-kien"):
        assert client.get(path).status_code == 404


def test_numbers_are_read_as_a_vietnamese_caller_reads_them():
    """Tens, units and the words that change with them (mười, mốt, tư, lăm, linh, không trăm)."""
    assert [spoken_number(n) for n in (0, 10, 15, 21, 24, 105, 1023)] == [
        "không", "mười", "mười lăm", "hai mươi mốt", "hai mươi tư", "một trăm linh năm",
        "một nghìn không trăm hai mươi ba"]
    assert call_text("HT-012", 2) == "Mời số hát tê mười hai đến quầy số hai."


def test_a_call_is_spoken_as_a_wav_file_for_todays_called_tickets_only(client, session):
    """The voice of a call: a real RIFF/WAVE file rendered by espeak-ng; a ticket not called yet, or of another
    commune, is 404."""
    if engine() is None:
        pytest.skip("espeak-ng is not installed (`make sysdeps` installs it): the display is silent without it")
    desk = counter(session, 2, ["civil_status"])
    called = take(session, "civil_status")
    waiting = take(session, "civil_status")
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)
    wav = client.get(f"/quay/{CHI_TIEN}/man-hinh/loa/{called.id}.wav")
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF" and wav.content[8:12] == b"WAVE" and len(wav.content) > 8000
    assert client.get(f"/quay/{CHI_TIEN}/man-hinh/loa/{waiting.id}.wav").status_code == 404
    assert client.get(f"/quay/{other_commune(session)}/man-hinh/loa/{called.id}.wav").status_code == 404


def test_a_display_gets_every_event_even_when_a_snapshot_was_newer_than_its_batch():
    """The poller reads the events, then builds the state; a call committed in between is in that state but not
    in that batch. The stream's id must stay at the batch's last event, so the next batch's events (that call among
    them) are still sent — to be announced — and not dropped as already seen."""
    from motcua.queue.live import Batch, Subscriber, encode

    def batch(seqs: list[int], state_seq: int) -> Batch:
        events = [{"seq": s, "kind": "call", "ticket": s, "number": f"HT-{s:03d}", "field": "civil_status",
                   "counter": 1} for s in seqs]
        made = Batch(events, {"seq": state_seq})
        made.text = encode(made.events, made.state, made.last)
        return made

    async def scenario() -> list[tuple[str, int | None, dict]]:
        hub = Hub(None, lambda: T0)  # type: ignore[arg-type]
        sub = Subscriber(CHI_TIEN)
        for item in (batch([3], state_seq=5), batch([4, 5], state_seq=5), batch([5, 6], state_seq=6), None):
            sub.offer(item)
        chunks = [chunk async for chunk in display._stream(None, hub, sub, [], 2)]  # type: ignore[arg-type]
        return messages("".join(chunks))

    got = run_async(scenario)
    assert [(kind, seq) for kind, seq, _ in got] == [("call", 3), ("state", 3), ("call", 4), ("call", 5),
                                                     ("state", 5), ("call", 6), ("state", 6)]


def _texts(session: Session) -> list[tuple[str, str]]:
    from motcua.notify.models import NotificationOutbox

    return [(o.recipient, o.body) for o in session.scalars(
        select(NotificationOutbox).where(NotificationOutbox.kind == "queue_near").order_by(NotificationOutbox.id))]


def test_a_ticket_with_a_phone_gets_one_sms_when_a_call_leaves_it_third_in_line_never_twice(session):
    """Issue 18: "SMS to the citizen when their turn is 3 away" — when a call leaves a ticket third in line in its
    field (two ahead of it), one SMS goes through the outbox, without diacritics (GSM-7); a priority ticket pushing
    it back and a later call bringing it to third again sends nothing more. The number is kept only until the
    ticket is closed (Decree 13/2023: minimum data)."""
    desk = counter(session, 1, ["civil_status"])
    commune = session.get(Commune, CHI_TIEN)

    def take_with(phone: str = "", priority: str | None = None):
        return actions.issue_ticket(session, commune=commune, field="civil_status", priority_group=priority,
                                    ip="192.0.2.7", now=T0, phone=phone)

    take_with(), take_with(), take_with()
    texted = take_with("+84 912 345 678")
    assert texted.phone == "0912345678"
    take_with("0987654321")  # HT-005
    assert _texts(session) == []  # no call yet
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)  # HT-001: HT-002, HT-003, HT-004, HT-005 wait
    place = "Chi Tien" if commune.name == "Chí Tiên" else commune.name
    assert _texts(session) == [("0912345678", f"Trung tam Phuc vu hanh chinh cong {place}: so HT-004 cua ban con 2 "
                                              "so nua la den luot. Vui long co mat tai khu vuc cho de nghe goi so.")]
    take_with(priority="elderly")  # jumps ahead: HT-004 is fourth again
    actions.finish(session, actor=SYSTEM, counter=desk, now=T0)
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)  # the priority one: HT-004 third again
    assert [r for r, _ in _texts(session)] == ["0912345678"]  # never twice; HT-005 is fourth: not yet
    actions.finish(session, actor=SYSTEM, counter=desk, now=T0)
    actions.call_next(session, actor=SYSTEM, counter=desk, now=T0)  # HT-002: HT-005 is third
    assert [r for r, _ in _texts(session)] == ["0912345678", "0987654321"]
    for command in (actions.finish, actions.call_next, actions.finish, actions.call_next):  # HT-003, then HT-004
        command(session, actor=SYSTEM, counter=desk, now=T0)
    assert texted.phone == "0912345678"  # kept while it waits and is served
    actions.skip(session, actor=SYSTEM, counter=desk, now=T0)
    session.refresh(texted)
    assert texted.status == "no_show" and texted.phone is None  # closed tickets keep no number


@pytest.mark.parametrize("raw", ["0123456789", "091234567", "09123456789", "abc", "+1 202 555 0100",
                                 "０９１２３４５６７８"])
def test_the_kiosk_refuses_a_phone_that_is_not_a_vietnamese_mobile_number(client, session, raw):
    """The kiosk's optional number must be a Vietnamese mobile number (10 digits, 03/05/07/08/09), with a clear
    message; nothing is issued."""
    from tests.factories import csrf_token

    counter(session, 1, ["civil_status"])
    token = csrf_token(client, f"/quay/{CHI_TIEN}/lay-so")
    answer = client.post(f"/quay/{CHI_TIEN}/lay-so", data={"csrf_token": token, "field": "civil_status",
                                                            "phone": raw})
    assert answer.status_code == 422
    assert "Số điện thoại di động không hợp lệ" in answer.text
    assert kinds(session) == []


def test_the_hall_says_when_the_centre_is_closed_and_when_it_opens(session):
    """The display honours the centre's opening hours (issue 18, part 1): outside them the state carries the
    kiosk's sentence with the next opening; inside them, nothing. Default week: Monday–Friday 07:30–11:30 and
    13:30–17:00 (queue.hours)."""
    commune = session.get(Commune, CHI_TIEN)
    monday_morning = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Mon 23/11 09:00 in Hà Nội
    sunday = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # Sun 22/11 09:00
    assert snapshot(session, commune, monday_morning)["closed"] is None
    closed = snapshot(session, commune, sunday)["closed"]
    assert closed is not None and "ngoài giờ tiếp nhận" in closed and "07:30" in closed and "23/11/2026" in closed
