"""The hall display (issue 18, part 6): a full-screen page for the TV of a commune's centre, its live updates by
server-sent events, the voice of each call and its state as JSON. Public, as the kiosk is: a TV in the hall has no
login, and nothing here is personal (numbers, counters and dossier codes only: ``queue.board``).

- ``GET /quay/{commune}/man-hinh`` — the page (1920×1080; usable down to a phone's width);
- ``GET /quay/{commune}/man-hinh/trang-thai`` — the state as JSON (the page reads it when it comes back online);
- ``GET /quay/{commune}/man-hinh/su-kien`` — the event stream. Each message's ``id`` is the commune's event number:
  a browser that reconnects sends ``Last-Event-ID`` (the page, reopening the stream itself, ``?sau=``) and gets the
  events it missed (at most ``REPLAY_MAX``, marked
  ``replay`` with their age), then the current state; a client that does not ask for ``text/event-stream`` gets the
  state once and the stream ends;
- ``GET /quay/{commune}/man-hinh/loa/{ticket_id}.wav`` — the call of a ticket, spoken (``queue.voice``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, get_now
from motcua.kit.errors import NotFound
from motcua.queue.board import snapshot
from motcua.queue.events import event_json, events_after, last_seq
from motcua.queue.live import Hub, Subscriber, encode, sse
from motcua.queue.models import QueueCounter, QueueTicket
from motcua.queue.queries import kiosk_commune, local_day
from motcua.queue.voice import call_text, engine, render_wav
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

COMMUNE_CODE = PathParam(pattern=r"^\d{5}$")
TICKET_ID = PathParam(ge=1, le=2**31 - 1)
#: Events replayed to a display that comes back; further behind, it gets the state alone.
REPLAY_MAX = 200
HEARTBEAT_SECONDS = 15.0
#: The browser waits this long before reconnecting a dropped stream (the SSE ``retry`` field).
RETRY_MS = 2000
NO_STORE = {"Cache-Control": "no-store"}


def hub_of(request: Request) -> Hub:
    hub: Hub | None = getattr(request.app.state, "display_hub", None)
    if hub is None:
        hub = request.app.state.display_hub = Hub(request.app.state.session_factory, request.app.state.clock.now)
    return hub


def voice_dir(request: Request) -> Path:
    """Rendered calls are kept beside the files directory (``var/cache/voice`` by default)."""
    return Path(request.app.state.settings.files_dir).parent / "cache" / "voice"


def last_event_id(request: Request, after: str | None) -> int | None:
    """Where the display stopped: the browser's ``Last-Event-ID`` (sent when it reconnects by itself), else ``?sau=``
    (the page's own reconnection); a plain number of at most 10 digits, anything else is ignored (the state)."""
    for raw in (request.headers.get("last-event-id", "").strip(), (after or "").strip()):
        if raw.isascii() and raw.isdigit() and len(raw) <= 10:
            return int(raw)
    return None


def catch_up(session: Session, commune_code: str, after: int | None, now: datetime) -> tuple[list[str], int]:
    """What a display gets on (re)connecting: the events after ``after`` if not too many (marked ``replay``, with
    their age, so the page speaks only fresh ones), then the whole state. Returns the messages and the id the stream
    goes on from: the last event replayed (later ones come live, so none is lost between the two), else the state's
    number (the state read after it covers every event up to it)."""
    commune = kiosk_commune(session, commune_code)
    messages: list[str] = []
    current = last_seq(session, commune.code)
    last: int | None = None
    if after is not None and after <= current and current - after <= REPLAY_MAX:
        last = after
        for event in events_after(session, commune.code, after, limit=REPLAY_MAX):
            age = max(0, int((now - event.at).total_seconds()))
            messages.append(sse(event.kind, event.seq, {**event_json(event), "replay": True, "age": age}))
            last = event.seq
    state = snapshot(session, commune, now)
    if last is None:
        last = state["seq"]
    messages.append(sse("state", last, state))
    return messages, last


def _catch_up_in_thread(request: Request, commune_code: str, after: int | None) -> tuple[list[str], int]:
    with request.app.state.session_factory() as session:
        try:
            return catch_up(session, commune_code, after, request.app.state.clock.now())
        finally:
            session.rollback()


async def _stream(request: Request, hub: Hub, sub: Subscriber, first: list[str], last: int) -> AsyncIterator[str]:
    try:
        yield f"retry: {RETRY_MS}\n\n" + "".join(first)
        while True:
            try:
                batch = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                # Keeps proxies from closing an idle stream, fails on a dead client, and tells the page the stream
                # is alive (an SSE comment would not reach its script): no id, so Last-Event-ID stays as it was.
                yield "event: ping\ndata: {}\n\n"
                continue
            if batch is None:  # the server is stopping: the browser reconnects to another process or later
                return
            if sub.behind:  # it missed batches: the whole state instead
                sub.behind = False
                while not sub.queue.empty():
                    if sub.queue.get_nowait() is None:
                        return
                messages, last = await asyncio.to_thread(_catch_up_in_thread, request, sub.commune_code, None)
                yield "".join(messages)
                continue
            fresh = [e for e in batch.events if e["seq"] > last]
            if not fresh:
                continue
            # the batch as encoded once for every display, unless this one had already been sent some of it
            last = fresh[-1]["seq"]
            yield batch.text if len(fresh) == len(batch.events) else encode(fresh, batch.state, last)
    finally:
        hub.unsubscribe(sub)


# ------------------------------------------------------------------------------------------------ routes


@router.get("/quay/{commune_code}/man-hinh", response_class=HTMLResponse)
def display_page(request: Request, commune_code: str = COMMUNE_CODE, session: Session = DB_SESSION,
                 now: datetime = Depends(get_now)) -> Response:
    """Public: the TV in the centre's hall (Vietnamese only: the hall's language)."""
    commune = kiosk_commune(session, commune_code)
    request.state.lang = "vi"
    state = snapshot(session, commune, now)
    return render(request, "queue/display.html", {"commune": commune, "state": state,
                                                  "voice": engine() is not None}, )


@router.get("/quay/{commune_code}/man-hinh/trang-thai")
def display_state(commune_code: str = COMMUNE_CODE, session: Session = DB_SESSION,
                  now: datetime = Depends(get_now)) -> Response:
    """The display's whole state, as JSON (what the page reads when it comes back online)."""
    return JSONResponse(snapshot(session, kiosk_commune(session, commune_code), now), headers=NO_STORE)


@router.get("/quay/{commune_code}/man-hinh/su-kien")
async def display_events(request: Request, commune_code: str = COMMUNE_CODE,
                         sau: str | None = Query(default=None, max_length=20)) -> Response:
    """The live stream (text/event-stream); see the module's docstring."""
    after = last_event_id(request, sau)
    headers = {**NO_STORE, "X-Accel-Buffering": "no"}
    if "text/event-stream" not in request.headers.get("accept", ""):  # not an EventSource: the state, once
        messages, _ = await asyncio.to_thread(_catch_up_in_thread, request, commune_code, after)
        return Response(f"retry: {RETRY_MS}\n\n" + "".join(messages), media_type="text/event-stream",
                        headers=headers)
    hub = hub_of(request)
    await asyncio.to_thread(_check_commune, request, commune_code)  # 404 before subscribing
    sub = await hub.subscribe(commune_code)
    try:
        messages, last = await asyncio.to_thread(_catch_up_in_thread, request, commune_code, after)
    except BaseException:
        hub.unsubscribe(sub)
        raise
    return StreamingResponse(_stream(request, hub, sub, messages, last), media_type="text/event-stream",
                             headers=headers)


def _check_commune(request: Request, commune_code: str) -> None:
    with request.app.state.session_factory() as session:
        kiosk_commune(session, commune_code)


@router.get("/quay/{commune_code}/man-hinh/loa/{ticket_id}.wav")
def display_voice(request: Request, commune_code: str = COMMUNE_CODE, ticket_id: int = TICKET_ID,
                  session: Session = DB_SESSION, now: datetime = Depends(get_now)) -> Response:
    """The call of a ticket called today at a counter of the commune, as a WAV file; 404 for any other ticket and
    503 without espeak-ng (the page then stays silent)."""
    commune = kiosk_commune(session, commune_code)
    ticket = session.get(QueueTicket, ticket_id)
    if (ticket is None or ticket.commune_code != commune.code or ticket.counter_id is None
            or ticket.day != local_day(now)):
        raise NotFound()
    counter = session.get(QueueCounter, ticket.counter_id)
    assert counter is not None
    path = render_wav(call_text(ticket.number, counter.number), voice_dir(request))
    if path is None:
        return JSONResponse({"error": {"code": "voice_off", "message": "Máy chủ chưa cài giọng đọc (espeak-ng)."}},
                            status_code=503)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-cache"})
