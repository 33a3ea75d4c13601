"""Pages of the front desk's second slice: the opening hours (giờ mở cửa) an administrator keeps, check-in at the
kiosk, and the citizen's pages — book an appointment (đặt lịch hẹn), see or cancel it by its code, take a ticket for
today from a phone — plus the SMS gateway's webhook (tickets by SMS).

The citizen's pages are public (a booking needs a name and a phone, prefilled for a citizen signed in to the portal,
``queue.citizen``) and live under ``/lich-hen`` and ``/lay-so``: the portal's ``/cong-dan`` pages are the citizen's
own dossiers, and the portal and the front desk are siblings that do not import each other."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

import segno
from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from motcua.auth.deps import DB_SESSION, client_ip, get_now, read_form, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar.hours import VIETNAM_TZ, to_vietnam_time
from motcua.integrations.sms_inbound import SIGNATURE_HEADER, InboundRejected, parse_inbound
from motcua.kit.errors import Forbidden, MotcuaError, NotFound
from motcua.kit.text import fold
from motcua.org.models import Commune
from motcua.org.queries import get_commune_for
from motcua.queue import booking, hours, priority
from motcua.queue.citizen import CitizenContact, optional_contact
from motcua.queue.fields import FIELDS, FIELDS_BY_CODE, PRIORITY_GROUPS
from motcua.queue.models import QueueTicket
from motcua.queue.priority import labels_for
from motcua.queue.queries import kiosk_commune, local_day, waiting_before
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

SMS_WEBHOOK_PATH = "/api/v1/sms/den"
COMMUNE_CODE = Path(pattern=r"^\d{5}$")
BOOKING_CODE = Path(min_length=1, max_length=20)
_LABELS = {"fields": FIELDS, "field_labels": {f.code: f.label for f in FIELDS},
           "priority_groups": PRIORITY_GROUPS, "priority_labels": {g.code: g.label for g in PRIORITY_GROUPS},
           "weekdays": hours.WEEKDAYS, "booking_status": booking.STATUS_LABELS}


def _grace(request: Request) -> timedelta:
    """The grace period after an appointment's start (``MOTCUA_QUEUE_NO_SHOW_GRACE_MINUTES``), as the worker uses it."""
    return timedelta(minutes=request.app.state.settings.queue_no_show_grace_minutes)


def _text(form: FormData, name: str, limit: int = 10) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


# ------------------------------------------------------------------------------------------------ opening hours


def _week_values(week: hours.Week) -> dict[str, str]:
    values: dict[str, str] = {}
    for i, day in enumerate(week.days):
        values[f"open_{i}"] = "1" if day else ""
        for part, interval in zip(("am", "pm"), (*day, None, None), strict=False):
            if interval is not None:
                values[f"{part}_start_{i}"], values[f"{part}_end_{i}"] = f"{interval[0]:%H:%M}", f"{interval[1]:%H:%M}"
    return values


def _hours_page(request: Request, session: Session, principal: Principal, *, commune: Commune | None,
                province_code: str, now: datetime, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, message: str | None = None,
                status_code: int = 200) -> Response:
    week = hours.week_of(session, commune) if commune is not None else hours.province_week(session, province_code)
    can_edit = principal.has_role(Role.ADMIN) and (
        principal.commune_code == commune.code if commune is not None else principal.is_province_level)
    upcoming: list[tuple[date, str]] = []
    if commune is not None:
        today = local_day(now)
        for k in range(14):
            day = today + timedelta(days=k)
            sessions = hours.sessions_on(session, commune, day, week)
            upcoming.append((day, hours.format_intervals(sessions).replace(",", ", ").replace("-", "–")))
    return render(request, "queue/hours.html", {
        "commune": commune, "province_code": province_code, "week": week, "values": values or _week_values(week),
        "errors": errors or {}, "message": message, "can_edit": can_edit, "upcoming": upcoming,
        "capacities": booking.capacities(session, commune.code) if commune is not None else {},
        "slot_minutes": booking.SLOT_MINUTES, "default_capacity": booking.DEFAULT_CAPACITY,
        "max_capacity": booking.MAX_CAPACITY, **_LABELS}, status_code=status_code)


@router.get("/quay/tinh/gio-mo-cua", response_class=HTMLResponse)
def province_hours_page(
    request: Request,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """The province's default week: every administrator of the province sees it; the province's own edit it."""
    return _hours_page(request, session, principal, commune=None, province_code=principal.province_code, now=now)


def _hours_form(form: FormData) -> dict[str, str]:
    names = [f"{k}_{i}" for i in range(7) for k in ("open", "am_start", "am_end", "pm_start", "pm_end")]
    return {n: _text(form, n) for n in names}


@router.post("/quay/tinh/gio-mo-cua", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def province_hours_set(
    request: Request,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    form: FormData = Depends(read_form),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    if not principal.is_province_level:  # refused before the form is read: a refusal never looks like a typo
        raise Forbidden("Chỉ quản trị viên cấp tỉnh được đặt giờ mở cửa mặc định của tỉnh.")
    values = _hours_form(form)
    week, errors = hours.parse_week(values)
    page = partial(_hours_page, request, session, principal, commune=None, province_code=principal.province_code,
                   now=now)
    if errors:
        return page(values=values, errors=errors, status_code=422)
    try:
        hours.set_week(session, actor=principal, province_code=principal.province_code, commune=None, week=week,
                       now=now)
    except MotcuaError as exc:
        session.rollback()
        return page(values=values,
                           errors={**exc.fields, "form": exc.message}, status_code=exc.status_code)
    return page(
                       message="Đã lưu giờ mở cửa mặc định của tỉnh; các xã chưa đặt giờ riêng dùng giờ này.")


@router.get("/quay/{commune_code}/gio-mo-cua", response_class=HTMLResponse)
def commune_hours_page(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    principal: Principal = Depends(require_roles(Role.ADMIN, Role.RECEPTION, Role.CENTRE_DIRECTOR)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """A commune's opening hours and appointment capacities: another province's commune (or another commune, for a
    commune officer) is 404."""
    commune = get_commune_for(session, principal, commune_code)
    return _hours_page(request, session, principal, commune=commune, province_code=commune.province_code, now=now)


@router.post("/quay/{commune_code}/gio-mo-cua", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def commune_hours_set(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    form: FormData = Depends(read_form),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    commune = get_commune_for(session, principal, commune_code)
    if principal.commune_code != commune.code:
        raise Forbidden("Chỉ quản trị viên của xã được đặt giờ mở cửa riêng của xã.")
    command = _text(form, "lenh")
    page = partial(_hours_page, request, session, principal, commune=commune, province_code=commune.province_code,
                   now=now)
    values = _hours_form(form)
    try:
        if command == "reset":
            hours.reset_commune_week(session, actor=principal, commune=commune, now=now)
            message = "Xã dùng lại giờ mở cửa mặc định của tỉnh."
        elif command == "capacity":
            raw = {f.code: _text(form, f"cap_{f.code}") for f in FIELDS}
            caps: dict[str, int] = {}
            for code, text in raw.items():
                if not text.strip().isdigit():
                    label = FIELDS_BY_CODE[code].label
                    return page(errors={
                        f"cap_{code}": f"{label}: số lịch hẹn phải là số nguyên từ 0 đến {booking.MAX_CAPACITY}.",
                        "form": "Vui lòng kiểm tra số lịch hẹn mỗi khung giờ."}, status_code=422)
                caps[code] = int(text)
            booking.set_capacities(session, actor=principal, commune=commune, values=caps, now=now)
            message = "Đã lưu số lịch hẹn mỗi khung giờ."
        elif command == "save":
            week, errors = hours.parse_week(values)
            if errors:
                return page(values=values, errors=errors, status_code=422)
            hours.set_week(session, actor=principal, province_code=commune.province_code, commune=commune, week=week,
                           now=now)
            message = "Đã lưu giờ mở cửa riêng của xã."
        else:
            return page(errors={"form": "Thao tác không hợp lệ."},
                               status_code=422)
    except MotcuaError as exc:
        session.rollback()
        return page(values=values,
                           errors={**exc.fields, "form": exc.message}, status_code=exc.status_code)
    return page(message=message)


# ------------------------------------------------------------------------------------------------ priority groups


def _priority_page(request: Request, session: Session, principal: Principal, *, values: dict[str, str] | None = None,
                   errors: dict[str, str] | None = None, message: str | None = None,
                   status_code: int = 200) -> Response:
    return render(request, "queue/priority.html", {
        "legal": PRIORITY_GROUPS, "own": priority.province_groups(session, principal.province_code, active_only=False),
        "can_edit": principal.has_role(Role.ADMIN) and principal.is_province_level, "values": values or {},
        "errors": errors or {}, "message": message}, status_code=status_code)


@router.get("/quay/tinh/uu-tien", response_class=HTMLResponse)
def priority_page(
    request: Request,
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
) -> Response:
    """The province's priority groups: the law's four and the province's own; its administrators see them."""
    return _priority_page(request, session, principal)


@router.post("/quay/tinh/uu-tien", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def priority_change(
    request: Request,
    lenh: str = Form(default="", max_length=10),
    label: str = Form(default="", max_length=200),
    code: str = Form(default="", max_length=30),
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    if not principal.is_province_level:
        raise Forbidden("Chỉ quản trị viên cấp tỉnh được thêm hoặc bỏ đối tượng ưu tiên.")
    try:
        if lenh == "add":
            row = priority.add_group(session, actor=principal, province_code=principal.province_code, label=label,
                                     now=now)
            message = f"Đã thêm đối tượng ưu tiên “{row.label}”; máy lấy số của các xã trong tỉnh hiển thị ngay."
        elif lenh == "withdraw":
            priority.withdraw_group(session, actor=principal, province_code=principal.province_code, code=code,
                                    now=now)
            message = "Đã bỏ đối tượng ưu tiên; các số đã cấp vẫn giữ tên đối tượng."
        else:
            return _priority_page(request, session, principal, errors={"form": "Thao tác không hợp lệ."},
                                  status_code=422)
    except MotcuaError as exc:
        session.rollback()
        return _priority_page(request, session, principal, values={"label": label},
                              errors={**exc.fields, "form": exc.message}, status_code=exc.status_code)
    return _priority_page(request, session, principal, message=message)


# ------------------------------------------------------------------------------------------------ kiosk check-in


@router.post("/quay/{commune_code}/lay-so/lich-hen", response_class=HTMLResponse,
             dependencies=[Depends(require_csrf)])
def kiosk_check_in(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    ma: str = Form(default="", max_length=40),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """Public (the kiosk): the booking code (typed, or by the hall's QR scanner) or the phone number."""
    commune = kiosk_commune(session, commune_code)
    try:
        found = booking.check_in(session, commune=commune, key=ma, ip=client_ip(request), now=now,
                                 grace=_grace(request))
    except MotcuaError as exc:
        session.rollback()
        return render(request, "queue/kiosk.html", {
            "commune": commune, "check_in_error": exc.message, "check_in_value": ma,
            "closed": hours.closed_message(session, commune, now), **_LABELS,
            **labels_for(session, commune.province_code)}, status_code=exc.status_code)
    ticket = session.get(QueueTicket, found.ticket_id)
    assert ticket is not None
    return render(request, "queue/ticket.html", {
        "commune": commune, "ticket": ticket, "ahead": waiting_before(session, ticket), "booking": found,
        "issued": to_vietnam_time(ticket.issued_at), **_LABELS, **labels_for(session, commune.province_code)})


# ------------------------------------------------------------------------------------------------ the citizen


@router.get("/lich-hen", response_class=HTMLResponse)
def booking_start(
    request: Request,
    q: str = Query(default="", max_length=100),
    session: Session = DB_SESSION,
) -> Response:
    """Đặt lịch hẹn, step 1: find one's commune by name."""
    contact = optional_contact(request, session)
    found: list[Commune] = []
    if q.strip():
        found = list(session.scalars(select(Commune).where(Commune.name_folded.contains(fold(q.strip())))
                                    .order_by(Commune.name_folded).limit(20)))
    return render(request, "queue/booking_start.html", {"q": q, "communes": found, "searched": bool(q.strip()),
                                                        "contact": contact})


def _booking_page(request: Request, session: Session, commune: Commune, now: datetime, contact: CitizenContact | None,
                  *, field: str, day: date | None, values: dict[str, str], errors: dict[str, str],
                  status_code: int = 200) -> Response:
    days = booking.bookable_days(session, commune, now)
    chosen = day if day in days else None
    slots = booking.slots_on(session, commune, field, chosen) if chosen is not None and field in FIELDS_BY_CODE else []
    slots = [s for s in slots if s.start > now]
    return render(request, "queue/booking_form.html", {
        "commune": commune, "days": days, "day": chosen, "field": field if field in FIELDS_BY_CODE else "",
        "slots": slots, "values": values, "errors": errors, "contact": contact,
        "account_phone": _mask(contact.phone) if contact is not None and contact.phone else None,
        "max_per_phone": booking.PHONE_MAX_BOOKINGS, **_LABELS}, status_code=status_code)


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


@router.get("/lich-hen/{commune_code}", response_class=HTMLResponse)
def booking_form(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    linh_vuc: str = Query(default="", max_length=30),
    ngay: str = Query(default="", max_length=10),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """Step 2: a field and a day, then a slot with free places, a name and a phone."""
    commune = kiosk_commune(session, commune_code)
    contact = optional_contact(request, session)
    values = {"name": contact.name if contact else "", "phone": ""}
    return _booking_page(request, session, commune, now, contact, field=linh_vuc, day=_day(ngay), values=values,
                         errors={})


@router.post("/lich-hen/{commune_code}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def booking_create(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    field: str = Form(default="", max_length=30),
    day: str = Form(default="", max_length=10),
    slot: str = Form(default="", max_length=5),
    name: str = Form(default="", max_length=200),
    phone: str = Form(default="", max_length=20),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    commune = kiosk_commune(session, commune_code)
    contact = optional_contact(request, session)
    chosen = _day(day)
    values = {"name": name, "phone": phone, "slot": slot}
    try:
        start_time = time.fromisoformat(slot) if len(slot) == 5 else None
    except ValueError:
        start_time = None
    if chosen is None or start_time is None:
        return _booking_page(request, session, commune, now, contact, field=field, day=chosen, values=values,
                             errors={"slot": "Vui lòng chọn ngày và khung giờ hẹn.",
                                     "form": "Vui lòng chọn ngày và khung giờ hẹn."}, status_code=422)
    try:
        row = booking.book(session, commune=commune, field=field, name=name, phone=phone or _account_phone(contact),
                           slot_start=datetime.combine(chosen, start_time, tzinfo=VIETNAM_TZ),
                           citizen_id=contact.id if contact else None, now=now)
    except MotcuaError as exc:
        session.rollback()
        return _booking_page(request, session, commune, now, contact, field=field, day=chosen, values=values,
                             errors={**exc.fields, "form": exc.message}, status_code=exc.status_code)
    return RedirectResponse(f"/lich-hen/ma/{row.code}", status_code=303)


def _mask(phone: str) -> str:
    return phone[:3] + " ••• " + phone[-3:] if len(phone) >= 7 else phone


def _booking_by_code(session: Session, code: str) -> Any:
    normalised = booking.normalise_code(code)
    row = session.scalar(select(booking.QueueBooking).where(booking.QueueBooking.code == normalised)) \
        if normalised else None
    if row is None:
        raise NotFound("Không tìm thấy lịch hẹn với mã này. Vui lòng kiểm tra lại mã (bắt đầu bằng LH).")
    return row


def _booking_view(request: Request, session: Session, row: Any, *, message: str | None = None,
                  error: str | None = None, status_code: int = 200, now: datetime) -> Response:
    commune = session.get(Commune, row.commune_code)
    qr = segno.make_qr(row.code, error="m", boost_error=False)
    ticket = session.get(QueueTicket, row.ticket_id) if row.ticket_id else None
    return render(request, "queue/booking.html", {
        "commune": commune, "booking": row, "slot": to_vietnam_time(row.slot_start),
        "slot_end": to_vietnam_time(row.slot_end), "phone": _mask(row.phone), "ticket": ticket,
        "qr_svg": qr.svg_inline(scale=8, border=2, title=f"Mã lịch hẹn {row.code}"),
        "can_cancel": row.status == "booked" and row.slot_start > now, "message": message, "error": error,
        "early_minutes": int(booking.CHECK_IN_EARLY.total_seconds() // 60),
        "grace_minutes": int(_grace(request).total_seconds() // 60), **_LABELS}, status_code=status_code)


@router.get("/lich-hen/ma/{booking_code}", response_class=HTMLResponse)
def booking_show(
    request: Request,
    booking_code: str = BOOKING_CODE,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """The booking, its code and QR code: whoever holds the code (it is the citizen's receipt)."""
    optional_contact(request, session)
    return _booking_view(request, session, _booking_by_code(session, booking_code), now=now)


@router.post("/lich-hen/ma/{booking_code}/huy", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def booking_cancel(
    request: Request,
    booking_code: str = BOOKING_CODE,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    row = _booking_by_code(session, booking_code)
    try:
        booking.cancel(session, booking=row, now=now)
    except MotcuaError as exc:
        session.rollback()
        return _booking_view(request, session, _booking_by_code(session, booking_code), error=exc.message,
                             status_code=exc.status_code, now=now)
    return _booking_view(request, session, row, message=f"Đã hủy lịch hẹn {row.code}.", now=now)


def _account_phone(contact: CitizenContact | None) -> str:
    """A signed-in citizen who leaves the phone empty uses the account's (the page shows it masked only: a page
    never repeats a phone number in full, base.access)."""
    return (contact.phone or "") if contact is not None else ""


def _remote_page(request: Request, session: Session, commune: Commune, now: datetime,
                 contact: CitizenContact | None, *, values: dict[str, str], errors: dict[str, str],
                 status_code: int = 200) -> Response:
    return render(request, "queue/remote_ticket.html", {
        "commune": commune, "values": values, "errors": errors, "closed": hours.closed_message(session, commune, now),
        "account_phone": _mask(contact.phone) if contact is not None and contact.phone else None,
        "max_per_phone": booking.PHONE_MAX_PER_DAY, **_LABELS}, status_code=status_code)


@router.get("/lay-so/{commune_code}", response_class=HTMLResponse)
def remote_ticket_page(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """Lấy số từ xa: a ticket for today from the citizen's phone (signed in to the portal or not)."""
    commune = kiosk_commune(session, commune_code)
    contact = optional_contact(request, session)
    return _remote_page(request, session, commune, now, contact, values={}, errors={})


@router.post("/lay-so/{commune_code}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def remote_ticket_take(
    request: Request,
    commune_code: str = COMMUNE_CODE,
    field: str = Form(default="", max_length=30),
    phone: str = Form(default="", max_length=20),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    commune = kiosk_commune(session, commune_code)
    contact = optional_contact(request, session)
    try:
        ticket = booking.take_remote_ticket(session, commune=commune, field=field, channel="portal",
                                            phone=phone or _account_phone(contact),
                                            ip=client_ip(request), now=now)
    except MotcuaError as exc:
        session.rollback()
        response = _remote_page(request, session, commune, now, contact, values={"phone": phone, "field": field},
                                errors={**exc.fields, "form": exc.message}, status_code=exc.status_code)
        if exc.status_code == 429:
            response.headers["Retry-After"] = "3600"
        return response
    return render(request, "queue/ticket.html", {
        "commune": commune, "ticket": ticket, "ahead": waiting_before(session, ticket), "remote": True,
        "issued": to_vietnam_time(ticket.issued_at), **_LABELS, **labels_for(session, commune.province_code)})


# ------------------------------------------------------------------------------------------------ SMS webhook


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(SMS_WEBHOOK_PATH)
def sms_inbound(
    request: Request,
    raw: bytes = Depends(_raw_body),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    """The SMS gateway forwards a citizen's text (``integrations.sms_inbound``): signed, or refused. The answer to
    the citizen goes by SMS through the outbox; the gateway gets 200 once the message is handled (or was before)."""
    try:
        sms = parse_inbound(raw, request.headers.get(SIGNATURE_HEADER), request.app.state.settings.sms_inbound_secret)
    except InboundRejected as exc:
        return JSONResponse({"error": {"code": "sms_rejected", "message": str(exc)}}, status_code=exc.status)
    outcome = booking.answer_sms(session, message_id=sms.message_id, sender=sms.sender, text=sms.text, now=now)
    return JSONResponse({"status": outcome})
