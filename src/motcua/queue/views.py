"""Pages of the front desk: the public kiosk (lấy số), the commune's counters (quầy) and the counter panel."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, client_ip, get_now, optional_principal, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar.hours import to_vietnam_time
from motcua.db import commit_before_answering
from motcua.kit.errors import MotcuaError, field_errors
from motcua.kit.numbers import form_int
from motcua.org.models import Commune
from motcua.queue import actions, desk, hours
from motcua.queue.fields import FIELDS, PRIORITY_GROUPS
from motcua.queue.models import QueueCounter, QueueTicket
from motcua.queue.priority import labels_for
from motcua.queue.queries import (
    commune_for_admin,
    counter_for,
    counters_of,
    current_ticket,
    kiosk_commune,
    local_day,
    waiting_before,
    waiting_by_field,
)
from motcua.queue.schemas import CounterIn
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

COMMUNE_CODE = Path(pattern=r"^\d{5}$")
COUNTER_ID = Path(ge=1, le=2**31 - 1)
COMMANDS = {"call": actions.call_next, "recall": actions.recall, "skip": actions.skip, "done": actions.finish}
DONE_MESSAGES = {"call": "Đã gọi số {number}.", "recall": "Đã gọi lại số {number}.",
                 "skip": "Đã bỏ qua số {number} (vắng mặt).", "done": "Đã hoàn thành số {number}."}
DESK_COMMANDS = {"leave": desk.leave_seat, "pause": desk.pause, "resume": desk.resume}
DESK_MESSAGES = {"seat": "Bạn đã nhận quầy số {number} hôm nay.", "leave": "Bạn đã rời quầy số {number}.",
                 "pause": "Quầy số {number} tạm dừng gọi số.", "resume": "Quầy số {number} tiếp tục gọi số.",
                 "transfer": "Đã chuyển số {number}."}
STATUS_LABELS = {"waiting": "Đang chờ", "called": "Đang phục vụ", "done": "Đã hoàn thành", "no_show": "Vắng mặt"}
_LABELS = {"fields": FIELDS, "field_labels": {f.code: f.label for f in FIELDS},
           "priority_groups": PRIORITY_GROUPS, "priority_labels": {g.code: g.label for g in PRIORITY_GROUPS},
           "status_labels": STATUS_LABELS}


# ------------------------------------------------------------------------------------------------ the kiosk


def _kiosk(request: Request, session: Session, commune: Commune, *, error: str | None = None, status_code: int = 200,
           closed: str | None = None) -> Response:
    return render(request, "queue/kiosk.html", {"commune": commune, "error": error, "closed": closed, **_LABELS,
                                                **labels_for(session, commune.province_code)}, status_code=status_code)


@router.get("/quay/{commune_code}/lay-so", response_class=HTMLResponse, dependencies=[Depends(optional_principal)])
def kiosk_page(request: Request, commune_code: str = COMMUNE_CODE, session: Session = DB_SESSION,
               now: datetime = Depends(get_now)) -> Response:
    """Public: the touch screen in the centre's hall (outside opening hours it says when the centre opens next)."""
    commune = kiosk_commune(session, commune_code)
    return _kiosk(request, session, commune, closed=hours.closed_message(session, commune, now))


@router.post("/quay/{commune_code}/lay-so", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def kiosk_take(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    field: str = Form(default="", max_length=30),
    priority_group: str = Form(default="", max_length=30),
    phone: str = Form(default="", max_length=20),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    commune = kiosk_commune(session, commune_code)
    try:
        hours.check_open(session, commune, now)  # opening hours (queue.hours): no ticket while the centre is closed
        ticket = actions.issue_ticket(session, commune=commune, field=field, priority_group=priority_group or None,
                                      ip=client_ip(request), now=now, phone=phone)
    except MotcuaError as exc:
        session.rollback()
        response = _kiosk(request, session, commune, error=exc.message, status_code=exc.status_code)
        if exc.status_code == 429:
            response.headers["Retry-After"] = "60"
        return response
    commit_before_answering(session)  # frees the day's number and the hall's event counter before the page is built
    return render(request, "queue/ticket.html", {
        "commune": commune, "ticket": ticket, "ahead": waiting_before(session, ticket),
        "issued": to_vietnam_time(ticket.issued_at), **_LABELS, **labels_for(session, commune.province_code)})


# ------------------------------------------------------------------------------------------------ counters


def _counters_page(request: Request, session: Session, principal: Principal, commune: Commune, now: datetime, *,
                   values: dict[str, object], errors: dict[str, str], message: str | None = None,
                   status_code: int = 200) -> Response:
    return render(request, "queue/counters.html", {
        "commune": commune, "counters": counters_of(session, commune.code), "values": values, "errors": errors,
        "seats": desk.seats_today(session, commune.code, now),
        "message": message, "is_admin": principal.has_role(Role.ADMIN), **_LABELS}, status_code=status_code)


@router.get("/quay/{commune_code}/quay", response_class=HTMLResponse)
def counters_page(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    principal: Principal = Depends(require_roles(Role.ADMIN, Role.RECEPTION)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    commune = commune_for_admin(session, principal, commune_code)
    return _counters_page(request, session, principal, commune, now, values={}, errors={})


@router.post("/quay/{commune_code}/quay", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def counter_create(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    number: str = Form(default="", max_length=10),
    name: str = Form(default="", max_length=200),
    fields: list[str] = Form(default=[]),
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    commune = commune_for_admin(session, principal, commune_code)
    values: dict[str, object] = {"number": number, "name": name, "fields": fields[:len(FIELDS)]}
    try:
        data = CounterIn.model_validate({"number": form_int(number, field="number", label="Số quầy", maximum=99),
                                         "name": name, "fields": fields[:len(FIELDS)]})
        counter = actions.create_counter(session, actor=principal, commune=commune, data=data, now=now)
    except ValidationError as exc:
        return _counters_page(request, session, principal, commune, now, values=values, errors=field_errors(exc),
                              status_code=422)
    except MotcuaError as exc:
        session.rollback()
        return _counters_page(request, session, principal, commune, now, values=values,
                              errors={**exc.fields, "form": exc.message}, status_code=exc.status_code)
    return _counters_page(request, session, principal, commune, now, values={}, errors={},
                          message=f"Đã thêm quầy số {counter.number}.")


# ------------------------------------------------------------------------------------------------ the panel


def _province(session: Session, commune_code: str) -> str:
    commune = session.get(Commune, commune_code)
    return commune.province_code if commune is not None else ""


def _panel(request: Request, session: Session, counter: QueueCounter, now: datetime, *,
           message: str | None = None, error: str | None = None, status_code: int = 200,
           principal: Principal | None = None) -> Response:
    serving: QueueTicket | None = current_ticket(session, counter)
    seat = desk.seat_of(session, counter, now)
    return render(request, "queue/panel.html", {
        "counter": counter, "serving": serving, "message": message, "error": error,
        "queues": waiting_by_field(session, counter.commune_code, local_day(now), counter.field_codes),
        "stale": serving is not None and serving.day != local_day(now),
        "seat_name": desk.officer_name(session, seat.officer_id) if seat is not None else "",
        "seated": seat is not None and principal is not None and seat.officer_id == principal.officer_id,
        "others": [c for c in counters_of(session, counter.commune_code) if c.id != counter.id and c.active],
        **_LABELS, **labels_for(session, _province(session, counter.commune_code))},
        status_code=status_code)


@router.get("/quay/{commune_code}/quay-so/{counter_id}", response_class=HTMLResponse)
def panel_page(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    counter_id: int = COUNTER_ID,
    principal: Principal = Depends(require_roles(Role.RECEPTION)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    return _panel(request, session, counter_for(session, principal, commune_code, counter_id), now,
                  principal=principal)


@router.post("/quay/{commune_code}/quay-so/{counter_id}", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def panel_command(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    counter_id: int = COUNTER_ID,
    lenh: str = Form(default="", max_length=10),
    den_quay: str = Form(default="", max_length=10, description="transfer: the counter (its id)"),
    den_linh_vuc: str = Form(default="", max_length=30, description="transfer: the field (its code)"),
    principal: Principal = Depends(require_roles(Role.RECEPTION)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    counter = counter_for(session, principal, commune_code, counter_id)
    if lenh not in COMMANDS and lenh not in DESK_MESSAGES:
        return _panel(request, session, counter, now, error="Thao tác không hợp lệ.", status_code=422,
                      principal=principal)
    try:
        if lenh == "seat":
            desk.take_seat(session, actor=principal, counter=counter, now=now)
            message = DESK_MESSAGES[lenh].format(number=counter.number)
        else:
            desk.require_seat(session, principal, counter, now)
            if lenh in COMMANDS:
                ticket = COMMANDS[lenh](session, actor=principal, counter=counter, now=now)
                message = DONE_MESSAGES[lenh].format(number=ticket.number)
            elif lenh == "transfer":
                to_counter = form_int(den_quay, field="to", label="Quầy nhận chuyển", maximum=2**31 - 1)
                ticket = desk.transfer(session, actor=principal, counter=counter, now=now, to_counter_id=to_counter,
                                       to_field=den_linh_vuc or None)
                message = DESK_MESSAGES[lenh].format(number=ticket.number)
            else:
                DESK_COMMANDS[lenh](session, actor=principal, counter=counter, now=now)
                message = DESK_MESSAGES[lenh].format(number=counter.number)
    except MotcuaError as exc:
        session.rollback()
        return _panel(request, session, counter, now, error=exc.message, status_code=exc.status_code,
                      principal=principal)
    commit_before_answering(session)  # frees the hall's event counter (queue.events) before the page is built
    return _panel(request, session, counter, now, message=message, principal=principal)
