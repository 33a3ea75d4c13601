"""The officers' side of the front desk: who sits at which counter today, a counter's pause, a ticket's transfer to
another counter or field, and the dossier received from a ticket.

* **Seats** (``queue_seat``): an officer opens a counter for the day ("Nhận quầy"); one officer at one counter and
  one counter per officer per day, both by unique constraints: moving deletes the officer's row and inserts the
  new one with ``ON CONFLICT DO NOTHING``, in one transaction, so two officers taking one counter at the same
  instant get one seat and one clear refusal. Only the officer at a counter calls there.
* **Pause**: a paused counter calls nothing (``actions.call_next`` refuses) until it is resumed.
* **Transfer**: a called ticket goes back to waiting, at the front of the other counter's (or field's) queue, by a
  guarded ``UPDATE … WHERE status = 'called' AND counter_id = :here``, with a ``queue_transfer`` row.
* **The dossier**: the counter intake (``dossier.views``) asks, through ``dossier.hooks``, whether a ticket may be
  received from (``check_intake_ticket``) and, in the receiving transaction, links them (``link_dossier``): the
  ticket records the dossier id, once (unique column, guarded UPDATE).

Every write is audited (``queue.*``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.db import affected_rows, dialect_insert
from motcua.dossier.hooks import CounterTicket
from motcua.dossier.models import Dossier
from motcua.kit.clock import as_utc
from motcua.kit.errors import Conflict, ValidationFailed
from motcua.org.models import Commune, Officer
from motcua.queue import actions
from motcua.queue.events import append_event
from motcua.queue.fields import FIELDS_BY_CODE
from motcua.queue.models import QueueCounter, QueueSeat, QueueTicket, QueueTransfer
from motcua.queue.queries import current_ticket, local_day


def _audit(session: Session, actor: Principal, action: str, counter: QueueCounter, now: datetime,
           data: dict[str, object], *, kind: str = "queue_counter", object_id: int | None = None) -> None:
    commune = session.get_one(Commune, counter.commune_code)
    record(session, actor=actor, action=action, now=now, object_kind=kind,
           object_id=counter.id if object_id is None else object_id, province_code=commune.province_code,
           commune_code=commune.code, data={"counter": counter.number, **data})


# ------------------------------------------------------------------------------------------------ seats


def seat_of(session: Session, counter: QueueCounter, now: datetime) -> QueueSeat | None:
    return session.scalar(select(QueueSeat).where(QueueSeat.counter_id == counter.id,
                                                  QueueSeat.day == local_day(now)))


def officer_name(session: Session, officer_id: int | None) -> str:
    officer = session.get(Officer, officer_id) if officer_id is not None else None
    return officer.full_name if officer is not None else ""


def take_seat(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueSeat:
    """Nhận quầy: the officer sits at ``counter`` for today, leaving the counter they sat at before (if any)."""
    officer_id = actor.officer_id
    if officer_id is None:
        raise ValidationFailed("Chỉ cán bộ đăng nhập mới nhận quầy được.")
    day = local_day(now)
    mine = session.scalar(select(QueueSeat).where(QueueSeat.officer_id == officer_id, QueueSeat.day == day))
    if mine is not None and mine.counter_id == counter.id:
        return mine
    left = session.get(QueueCounter, mine.counter_id) if mine is not None else None
    if left is not None and current_ticket(session, left) is not None:
        raise Conflict(f"Quầy số {left.number} đang phục vụ một số. Vui lòng bấm “Hoàn thành”, “Bỏ qua” hoặc "
                       "“Chuyển” trước khi chuyển sang quầy khác.")
    with session.begin_nested():
        if mine is not None:
            session.execute(delete(QueueSeat).where(QueueSeat.id == mine.id))
        seat = session.scalars(
            dialect_insert(session, QueueSeat).on_conflict_do_nothing().returning(QueueSeat),
            [{"commune_code": counter.commune_code, "day": day, "counter_id": counter.id, "officer_id": officer_id,
              "opened_at": now}]).one_or_none()
        if seat is None:
            holder = seat_of(session, counter, now)
            name = officer_name(session, holder.officer_id) if holder is not None else ""
            raise Conflict(f"Quầy số {counter.number} đã có cán bộ {name} nhận hôm nay. Vui lòng chọn quầy khác.")
    _audit(session, actor, "queue.seat_taken", counter, now,
           {"left_counter": left.number if left is not None else None})
    return seat


def leave_seat(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> None:
    """Rời quầy: the officer stops serving at the counter for today (its current ticket finished first)."""
    if current_ticket(session, counter) is not None:
        raise Conflict(f"Quầy số {counter.number} đang phục vụ một số. Vui lòng bấm “Hoàn thành”, “Bỏ qua” hoặc "
                       "“Chuyển” trước khi rời quầy.")
    gone = affected_rows(session, delete(QueueSeat).where(
        QueueSeat.counter_id == counter.id, QueueSeat.day == local_day(now), QueueSeat.officer_id == actor.officer_id))
    if gone != 1:
        raise Conflict(f"Bạn không ngồi ở quầy số {counter.number} hôm nay.")
    _audit(session, actor, "queue.seat_left", counter, now, {})


def require_seat(session: Session, actor: Principal, counter: QueueCounter, now: datetime) -> None:
    """Only the officer at a counter today works its queue; the panel says who is there and how to take it."""
    seat = seat_of(session, counter, now)
    if seat is None:
        raise Conflict(f"Quầy số {counter.number} chưa có cán bộ nhận hôm nay. Vui lòng bấm “Nhận quầy” trước.")
    if seat.officer_id != actor.officer_id:
        raise Conflict(f"Quầy số {counter.number} do cán bộ {officer_name(session, seat.officer_id)} phụ trách hôm "
                       "nay. Bạn chỉ thao tác được tại quầy mình đã nhận.")


def seats_today(session: Session, commune_code: str, now: datetime) -> dict[int, str]:
    """Counter id → the name of the officer at it today."""
    rows = session.execute(select(QueueSeat.counter_id, Officer.full_name)
                           .join(Officer, Officer.id == QueueSeat.officer_id)
                           .where(QueueSeat.commune_code == commune_code, QueueSeat.day == local_day(now))).all()
    return {int(r[0]): str(r[1]) for r in rows}


# ------------------------------------------------------------------------------------------------ pause


def pause(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueCounter:
    """Tạm dừng: no calls at the counter until it is resumed (the ticket being served stays with it)."""
    done = affected_rows(session, update(QueueCounter).where(QueueCounter.id == counter.id,
                                                             QueueCounter.paused_at.is_(None))
                         .values(paused_at=now, paused_by_id=actor.officer_id)
                         .execution_options(synchronize_session=False))
    if done != 1:
        raise Conflict(f"Quầy số {counter.number} đã tạm dừng.")
    session.refresh(counter)
    _audit(session, actor, "queue.paused", counter, now, {})
    return counter


def resume(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueCounter:
    """Tiếp tục: the counter calls again."""
    done = affected_rows(session, update(QueueCounter).where(QueueCounter.id == counter.id,
                                                             QueueCounter.paused_at.is_not(None))
                         .values(paused_at=None, paused_by_id=None)
                         .execution_options(synchronize_session=False))
    if done != 1:
        raise Conflict(f"Quầy số {counter.number} không tạm dừng.")
    session.refresh(counter)
    _audit(session, actor, "queue.resumed", counter, now, {})
    return counter


# ------------------------------------------------------------------------------------------------ transfer


def transfer(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime,
             to_counter_id: int | None = None, to_field: str | None = None) -> QueueTicket:
    """Chuyển: the ticket called at ``counter`` waits again, first in line, at another counter of the commune (only
    that counter calls it) or in another field (any counter serving it). Today's tickets only."""
    if (to_counter_id is None) == (to_field is None):
        raise ValidationFailed("Vui lòng chọn một quầy hoặc một lĩnh vực để chuyển số.",
                               fields={"to": "Chọn quầy hoặc lĩnh vực."})
    ticket = current_ticket(session, counter)
    if ticket is None:
        raise ValidationFailed("Quầy chưa gọi số nào nên không có số để chuyển.")
    if ticket.day != local_day(now):
        raise actions.TicketExpired(f"Số {ticket.number} được cấp ngày {ticket.day:%d/%m/%Y}, không còn hiệu lực hôm "
                                    "nay nên không chuyển được. Vui lòng bấm “Hoàn thành” hoặc “Bỏ qua”.")
    target: QueueCounter | None = None
    field = ticket.target_field or ticket.field
    if to_counter_id is not None:
        target = session.get(QueueCounter, to_counter_id)
        if target is None or target.commune_code != counter.commune_code or not target.active:
            raise ValidationFailed("Quầy nhận chuyển không có trong trung tâm của xã.",
                                   fields={"to": "Chọn một quầy của xã."})
        if target.id == counter.id:
            raise ValidationFailed("Số đang ở quầy này; vui lòng chọn quầy khác.", fields={"to": "Chọn quầy khác."})
    else:
        assert to_field is not None
        if to_field not in FIELDS_BY_CODE:
            raise ValidationFailed("Lĩnh vực không có trong danh mục.", fields={"to": "Chọn lĩnh vực trong danh sách."})
        if to_field == field and ticket.target_counter_id is None:
            raise ValidationFailed("Số đã thuộc lĩnh vực này; vui lòng chọn lĩnh vực khác.",
                                   fields={"to": "Chọn lĩnh vực khác."})
        field = to_field
    moved = affected_rows(session, (
        update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == "called",
                                  QueueTicket.counter_id == counter.id)
        .values(status="waiting", counter_id=None, transferred_at=now,
                target_field=field if field != ticket.field else None,
                target_counter_id=target.id if target is not None else None)
        .execution_options(synchronize_session=False)))
    if moved != 1:
        raise Conflict(f"Số {ticket.number} vừa được cán bộ khác xử lý. Vui lòng tải lại trang.")
    session.add(QueueTransfer(ticket_id=ticket.id, from_counter_id=counter.id,
                              from_field=ticket.target_field or ticket.field,
                              to_counter_id=target.id if target is not None else None, to_field=field,
                              by_id=actor.officer_id, at=now))
    session.flush()
    session.refresh(ticket)
    append_event(session, kind="transfer", ticket=ticket, counter_number=None, now=now)  # the hall shows it moved
    _audit(session, actor, "queue.transferred", counter, now, {
        "number": ticket.number, "to_counter": target.number if target is not None else None, "to_field": field},
        kind="queue_ticket", object_id=ticket.id)
    return ticket


# ------------------------------------------------------------------------------------------------ the dossier


def _intake_ticket(session: Session, actor: Principal, ticket_id: int, now: datetime) -> QueueTicket:
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.commune_code != actor.commune_code:
        raise ValidationFailed("Không tìm thấy số thứ tự này tại trung tâm của xã.", fields={"ticket": "Không hợp lệ."})
    if ticket.day != local_day(now):
        raise ValidationFailed(f"Số {ticket.number} được cấp ngày {ticket.day:%d/%m/%Y}, không còn hiệu lực hôm nay "
                               "nên không gắn được với hồ sơ.", fields={"ticket": "Số đã hết hiệu lực."})
    if ticket.dossier_id is not None:
        raise ValidationFailed(f"Số {ticket.number} đã được gắn với một hồ sơ khác.",
                               fields={"ticket": "Số đã gắn hồ sơ."})
    if ticket.status != "called":
        raise ValidationFailed(f"Số {ticket.number} không đang được phục vụ tại quầy nên không gắn được với hồ sơ.",
                               fields={"ticket": "Số chưa được gọi."})
    return ticket


def _shown(session: Session, ticket: QueueTicket, end: datetime | None) -> CounterTicket:
    counter = session.get(QueueCounter, ticket.counter_id) if ticket.counter_id is not None else None
    called = as_utc(ticket.called_at) if ticket.called_at is not None else None
    return CounterTicket(number=ticket.number, counter=counter.number if counter is not None else 0,
                         waited=called - as_utc(ticket.issued_at) if called is not None else None,
                         served=as_utc(end) - called if called is not None and end is not None else None)


def check_intake_ticket(session: Session, actor: Principal, ticket_id: int, now: datetime) -> CounterTicket:
    """``dossier.hooks.intake_ticket``: the ticket may be received from (the commune's, today's, being served at a
    counter, not linked yet)."""
    return _shown(session, _intake_ticket(session, actor, ticket_id, now), None)


def link_dossier(session: Session, actor: Principal, ticket_id: int, dossier: Dossier, now: datetime) -> None:
    """``dossier.hooks.received_from_ticket``: the ticket records the dossier received from it, once."""
    ticket = _intake_ticket(session, actor, ticket_id, now)
    linked = affected_rows(session, (
        update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.dossier_id.is_(None),
                                  QueueTicket.status == "called")
        .values(dossier_id=dossier.id).execution_options(synchronize_session=False)))
    if linked != 1:
        raise ValidationFailed(f"Số {ticket.number} vừa được gắn với hồ sơ khác hoặc đã đóng. Vui lòng kiểm tra lại.",
                               fields={"ticket": "Không gắn được."})
    counter = session.get_one(QueueCounter, ticket.counter_id)
    _audit(session, actor, "queue.dossier_linked", counter, now, {"number": ticket.number, "dossier": dossier.code},
           kind="queue_ticket", object_id=ticket.id)


def ticket_of_dossier(session: Session, dossier: Dossier) -> CounterTicket | None:
    """``dossier.hooks.ticket_of``: the waiting and service time of the ticket the dossier was received from.
    Service runs from the call to the ticket's close, or to the receipt while the ticket is still open."""
    ticket = session.scalar(select(QueueTicket).where(QueueTicket.dossier_id == dossier.id))
    if ticket is None:
        return None
    return _shown(session, ticket, ticket.finished_at or dossier.received_at)
