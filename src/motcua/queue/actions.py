"""The one writer of the front desk: counters, issuing tickets and the counter panel's calls.

Numbers: one ``queue_ticket_counter`` row per (commune, field, Vietnam date), incremented by an atomic upsert in the
issuing transaction, as ``dossier.codes`` numbers dossiers: concurrent kiosks queue on the row and a rolled-back
issue gives its number back, so each field's numbers run 1, 2, 3… each day without a gap.

Calls: the next ticket is picked (priority groups first, then the oldest) and taken by a guarded ``UPDATE … WHERE
id = :id AND status = 'waiting'``; on PostgreSQL the pick is ``FOR UPDATE SKIP LOCKED`` so officers calling at the
same instant pick different rows instead of waiting on one. Zero rows updated means another officer took it:
pick again. Who called, skipped or finished a ticket, and when, is kept on the ticket; creating a counter is
audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.db import affected_rows, dialect_insert
from motcua.kit.errors import Conflict, Forbidden, ValidationFailed
from motcua.org.models import Commune
from motcua.queue.events import append_event
from motcua.queue.fields import FIELDS_BY_CODE, ticket_number
from motcua.queue.models import QueueCounter, QueueTicket, QueueTicketCounter
from motcua.queue.near import kiosk_phone, notify_near
from motcua.queue.priority import is_offered
from motcua.queue.queries import check_kiosk_rate, current_ticket, ip_digest, local_day
from motcua.queue.schemas import CounterIn

#: Picks before giving up when every pick was taken by another officer in between (each loss means a call served).
MAX_PICKS = 50


class NothingWaiting(ValidationFailed):
    code = "queue_empty"


class TicketExpired(ValidationFailed):
    code = "ticket_expired"


class CounterPaused(Conflict):
    code = "counter_paused"


def create_counter(session: Session, *, actor: Principal, commune: Commune, data: CounterIn,
                   now: datetime) -> QueueCounter:
    """Thêm quầy: by the commune's own administrator; the number is unique in the commune."""
    if actor.kind != "system" and (not actor.has_role(Role.ADMIN) or actor.commune_code != commune.code):
        raise Forbidden("Chỉ quản trị viên của xã được thiết lập quầy.")
    row = QueueCounter(commune_code=commune.code, number=data.number, name=data.name, fields=",".join(data.fields),
                       active=True, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        message = f"Quầy số {data.number} đã có; vui lòng chọn số khác."
        raise ValidationFailed(message, fields={"number": message}) from exc
    record(session, actor=actor, action="queue.counter_created", now=now, object_kind="queue_counter",
           object_id=row.id, province_code=commune.province_code, commune_code=commune.code,
           data={"number": data.number, "name": data.name, "fields": data.fields})
    return row


def _next_seq(session: Session, commune_code: str, field: str, now: datetime) -> int:
    day = local_day(now)
    upsert = dialect_insert(session, QueueTicketCounter).values(commune_code=commune_code, field=field, day=day,
                                                                 last_seq=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[QueueTicketCounter.commune_code, QueueTicketCounter.field, QueueTicketCounter.day],
        set_={"last_seq": QueueTicketCounter.last_seq + 1},
    )
    return int(session.execute(upsert.returning(QueueTicketCounter.last_seq)).scalar_one())


def issue_ticket(session: Session, *, commune: Commune, field: str, priority_group: str | None, ip: str,
                 now: datetime, phone: str = "") -> QueueTicket:
    """Lấy số: the next number of the field today, limited per commune and kiosk address; with an optional mobile
    number for the "your turn is near" SMS (``queue.near``)."""
    if field not in FIELDS_BY_CODE:
        raise ValidationFailed("Vui lòng chọn lĩnh vực cần giải quyết.", fields={"field": "Chưa chọn lĩnh vực."})
    if priority_group is not None and not is_offered(session, commune.province_code, priority_group):
        raise ValidationFailed("Đối tượng ưu tiên không có trong danh mục.",
                               fields={"priority_group": "Không hợp lệ."})
    mobile = kiosk_phone(phone)
    digest = ip_digest(ip)
    check_kiosk_rate(session, commune_code=commune.code, digest=digest, now=now)
    seq = _next_seq(session, commune.code, field, now)
    ticket = QueueTicket(commune_code=commune.code, field=field, day=local_day(now), seq=seq,
                         number=ticket_number(field, seq), priority_group=priority_group, status="waiting",
                         ip_digest=digest, issued_at=now, recalls=0, phone=mobile)
    session.add(ticket)
    session.flush()
    append_event(session, kind="issue", ticket=ticket, counter_number=None, now=now)
    return ticket


def _pick(session: Session, counter: QueueCounter, now: datetime) -> int | None:
    t = QueueTicket
    # A ticket transferred here (to this counter, or to one of its fields) is at the front of the queue.
    query = (select(t.id)
             .where(t.commune_code == counter.commune_code, t.day == local_day(now), t.status == "waiting",
                    or_(and_(t.target_counter_id.is_(None), func.coalesce(t.target_field, t.field)
                             .in_(counter.field_codes)),
                        t.target_counter_id == counter.id))
             .order_by(case((t.transferred_at.is_(None), 1), else_=0), case((t.priority_group.is_(None), 1), else_=0),
                       t.transferred_at, t.issued_at, t.id)
             .limit(1))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def call_next(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueTicket:
    """Gọi số tiếp theo: today's oldest waiting priority ticket of the counter's fields, else the oldest one.

    Tickets of an earlier day are never called: they were for a queue that closed. A paused counter calls none.
    One call at a time per counter: the counter's row is locked first (PostgreSQL; SQLite serialises writers), so two
    clicks at once on one panel never leave two tickets called at one counter — the second sees the first's."""
    session.execute(select(QueueCounter.id).where(QueueCounter.id == counter.id).with_for_update())
    session.refresh(counter)  # its pause as committed, read after the lock
    if counter.paused_at is not None:
        raise CounterPaused(f"Quầy số {counter.number} đang tạm dừng. Bấm “Tiếp tục” để gọi số.")
    serving = current_ticket(session, counter)
    if serving is not None:
        raise Conflict(f"Quầy đang phục vụ số {serving.number}. Vui lòng bấm “Hoàn thành” hoặc “Bỏ qua” trước khi "
                       "gọi số tiếp theo.")
    for _ in range(MAX_PICKS):
        ticket_id = _pick(session, counter, now)
        if ticket_id is None:
            raise NothingWaiting("Hiện không còn số nào đang chờ cho các lĩnh vực của quầy hôm nay.")
        taken = affected_rows(session, (
            update(QueueTicket).where(QueueTicket.id == ticket_id, QueueTicket.status == "waiting")
            .values(status="called", counter_id=counter.id, called_at=now, called_by_id=actor.officer_id)
            .execution_options(synchronize_session=False)))
        if taken == 1:
            ticket = session.get(QueueTicket, ticket_id, populate_existing=True)
            assert ticket is not None
            notify_near(session, called=ticket, now=now)
            append_event(session, kind="call", ticket=ticket, counter_number=counter.number, now=now)
            return ticket
    raise Conflict("Nhiều quầy đang gọi số cùng lúc. Vui lòng bấm gọi lại.")


def _serving(session: Session, counter: QueueCounter, now: datetime, *, closing: bool) -> QueueTicket:
    ticket = current_ticket(session, counter)
    if ticket is None:
        raise ValidationFailed("Quầy chưa gọi số nào. Vui lòng bấm “Gọi số tiếp theo”.")
    if not closing and ticket.day != local_day(now):
        raise TicketExpired(f"Số {ticket.number} được cấp ngày {ticket.day:%d/%m/%Y}, không còn hiệu lực hôm nay nên "
                            "không gọi lại được. Vui lòng bấm “Hoàn thành” hoặc “Bỏ qua” để đóng số này.")
    return ticket


def recall(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueTicket:
    """Gọi lại: announce the counter's current ticket again (today's only)."""
    ticket = _serving(session, counter, now, closing=False)
    # counted in the database (two recalls at once both count), and only while the ticket is still called here
    recalled = affected_rows(session, (
        update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == "called",
                                  QueueTicket.counter_id == counter.id)
        .values(recalls=QueueTicket.recalls + 1, called_at=now)
        .execution_options(synchronize_session=False)))
    if recalled != 1:
        raise Conflict(f"Số {ticket.number} vừa được cán bộ khác xử lý. Vui lòng tải lại trang.")
    session.refresh(ticket)
    append_event(session, kind="recall", ticket=ticket, counter_number=counter.number, now=now)
    return ticket


def _close(session: Session, actor: Principal, counter: QueueCounter, now: datetime, status: str) -> QueueTicket:
    ticket = _serving(session, counter, now, closing=True)
    closed = affected_rows(session, (
        update(QueueTicket).where(QueueTicket.id == ticket.id, QueueTicket.status == "called",
                                  QueueTicket.counter_id == counter.id)
        .values(status=status, finished_at=now, finished_by_id=actor.officer_id, phone=None)
        .execution_options(synchronize_session=False)))
    if closed != 1:
        raise Conflict(f"Số {ticket.number} vừa được cán bộ khác xử lý. Vui lòng tải lại trang.")
    session.refresh(ticket)
    append_event(session, kind="skip" if status == "no_show" else "done", ticket=ticket,
                 counter_number=counter.number, now=now)
    return ticket


def skip(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueTicket:
    """Bỏ qua: the person did not come (vắng mặt); who skipped it and when stay on the ticket."""
    return _close(session, actor, counter, now, "no_show")


def finish(session: Session, *, actor: Principal, counter: QueueCounter, now: datetime) -> QueueTicket:
    """Hoàn thành: the person has been served."""
    return _close(session, actor, counter, now, "done")
