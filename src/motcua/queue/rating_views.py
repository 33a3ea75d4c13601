"""The counter's rating tablet (public device page): ``/quay/{commune}/danh-gia/{counter}``."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, get_now, optional_principal, require_csrf
from motcua.kit.errors import MotcuaError, NotFound
from motcua.kit.numbers import form_int
from motcua.queue import rating
from motcua.queue.models import QueueCounter
from motcua.queue.queries import kiosk_commune
from motcua.queue.views import COMMUNE_CODE, COUNTER_ID
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

SCORES = ((2, "Rất hài lòng", "very"), (1, "Hài lòng", "ok"), (0, "Không hài lòng", "bad"))


def _counter(session: Session, commune_code: str, counter_id: int) -> QueueCounter:
    """The tablet stands in the commune's hall: any counter of an existing commune, else 404."""
    commune = kiosk_commune(session, commune_code)
    counter = session.get(QueueCounter, counter_id)
    if counter is None or counter.commune_code != commune.code:
        raise NotFound()
    return counter


def _tablet(request: Request, session: Session, counter: QueueCounter, now: datetime, *, message: str | None = None,
            error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "queue/rate.html", {
        "counter": counter, "ticket": rating.ratable(session, counter, now), "scores": SCORES,
        "message": message, "error": error, "reason_max": rating.REASON_MAX}, status_code=status_code)


# optional_principal: an officer logged in on the device gets the form token of their session, which require_csrf
# then expects (without it the page would carry the anonymous cookie's token and the tap would be refused).
@router.get("/quay/{commune_code}/danh-gia/{counter_id}", response_class=HTMLResponse,
            dependencies=[Depends(optional_principal)])
def rating_tablet(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    counter_id: int = COUNTER_ID,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """Public: the tablet on the counter."""
    return _tablet(request, session, _counter(session, commune_code, counter_id), now)


@router.post("/quay/{commune_code}/danh-gia/{counter_id}", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def rating_submit(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    counter_id: int = COUNTER_ID,
    ticket: str = Form(default="", max_length=12),
    diem: str = Form(default="", max_length=2),
    ly_do: str = Form(default="", max_length=2000),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    counter = _counter(session, commune_code, counter_id)
    try:
        ticket_id = form_int(ticket, field="ticket", label="Số thứ tự", maximum=2**31 - 1)
        score = form_int(diem, field="score", label="Mức đánh giá", maximum=2)
        if ticket_id is None:
            return _tablet(request, session, counter, now, error="Chưa có lượt phục vụ nào để đánh giá.",
                           status_code=422)
        rating.rate_at_counter(session, counter=counter, ticket_id=ticket_id, score=-1 if score is None else score,
                               reason=ly_do, now=now)
    except MotcuaError as exc:
        session.rollback()
        return _tablet(request, session, counter, now, error=exc.message, status_code=exc.status_code)
    return _tablet(request, session, counter, now, message="Cảm ơn Ông/Bà đã đánh giá!")
