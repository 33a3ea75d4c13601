"""Reads of the front desk: the access gate of a counter, a counter's current ticket, the queue's length."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.calendar.hours import to_vietnam_time
from motcua.kit.errors import Forbidden, NotFound, TooManyRequests
from motcua.org.models import Commune
from motcua.org.queries import get_commune_for
from motcua.queue.models import QueueCounter, QueueTicket

#: The kiosk's limit per commune and address: a person takes one ticket, a family a few; a loop takes hundreds.
KIOSK_MAX_PER_WINDOW = 10
KIOSK_WINDOW = timedelta(minutes=1)


def local_day(now: datetime) -> date:
    """Tickets are numbered per day in Vietnam, whatever the server's zone."""
    return to_vietnam_time(now).date()


def ip_digest(ip: str) -> str:
    """The kiosk's address is kept only as a digest, and only for its limit (Decree 13/2023: minimum data)."""
    return hashlib.sha256(f"motcua-queue:{ip}".encode()).hexdigest()


def kiosk_commune(session: Session, commune_code: str) -> Commune:
    """The commune of a public kiosk page: any existing commune (the kiosk stands in its hall), else 404."""
    commune = session.get(Commune, commune_code) if commune_code.isascii() and commune_code.isdigit() else None
    if commune is None:
        raise NotFound()
    return commune


def check_kiosk_rate(session: Session, *, commune_code: str, digest: str, now: datetime) -> None:
    issued = session.scalar(select(func.count()).select_from(QueueTicket).where(
        QueueTicket.commune_code == commune_code, QueueTicket.ip_digest == digest,
        QueueTicket.issued_at > now - KIOSK_WINDOW)) or 0
    if issued >= KIOSK_MAX_PER_WINDOW:
        raise TooManyRequests("Máy lấy số đã cấp nhiều số trong một phút. Vui lòng chờ một lát rồi lấy số lại, "
                              "hoặc nhờ cán bộ tại quầy hướng dẫn.", retry_after=int(KIOSK_WINDOW.total_seconds()))


def commune_for_admin(session: Session, principal: Principal, commune_code: str) -> Commune:
    """The commune whose counters an administrator keeps: outside the jurisdiction 404 (house rule 7); a province
    administrator sees them but the commune's own administrator sets them up."""
    commune = get_commune_for(session, principal, commune_code)
    if principal.commune_code != commune.code:
        raise Forbidden("Chỉ quản trị viên của xã được thiết lập quầy.")
    return commune


def counters_of(session: Session, commune_code: str) -> list[QueueCounter]:
    return list(session.scalars(select(QueueCounter).where(QueueCounter.commune_code == commune_code)
                                .order_by(QueueCounter.number)))


def counter_for(session: Session, principal: Principal, commune_code: str, counter_id: int) -> QueueCounter:
    """The access gate of a counter panel: another commune's counter is 404 (house rule 7); only the commune's own
    officers call tickets."""
    commune = get_commune_for(session, principal, commune_code)
    counter = session.get(QueueCounter, counter_id)
    if counter is None or counter.commune_code != commune.code:
        raise NotFound()
    if principal.commune_code != commune.code:
        raise Forbidden("Chỉ cán bộ của xã được gọi số tại quầy.")
    return counter


def current_ticket(session: Session, counter: QueueCounter) -> QueueTicket | None:
    """The ticket the counter is serving: called there and not yet done or skipped."""
    return session.scalars(select(QueueTicket).where(QueueTicket.counter_id == counter.id,
                                                     QueueTicket.status == "called")
                           .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()).limit(1)).first()


def waiting_before(session: Session, ticket: QueueTicket) -> int:
    """How many of the same field and day will be called before this ticket: priority tickets taken earlier (and
    every waiting priority ticket, for a normal one), then normal ones taken earlier."""
    t = QueueTicket
    base = [t.commune_code == ticket.commune_code, t.field == ticket.field, t.day == ticket.day,
            t.status == "waiting", t.id != ticket.id]
    ahead: ColumnElement[bool]
    if ticket.priority_group is not None:
        ahead = and_(t.priority_group.is_not(None), t.id < ticket.id)
    else:
        ahead = or_(t.priority_group.is_not(None), t.id < ticket.id)
    return session.scalar(select(func.count()).select_from(t).where(*base, ahead)) or 0


@dataclass(frozen=True)
class FieldQueue:
    field: str
    waiting: int
    priority: int


def waiting_by_field(session: Session, commune_code: str, day: date, fields: list[str]) -> list[FieldQueue]:
    """Today's waiting tickets per field of a counter, the priority ones counted apart."""
    t = QueueTicket
    queue = func.coalesce(t.target_field, t.field)  # a ticket transferred to another field waits in that one
    rows = session.execute(select(queue, func.count(), func.count(t.priority_group))
                           .where(t.commune_code == commune_code, t.day == day, t.status == "waiting",
                                  queue.in_(fields)).group_by(queue)).all()
    counts = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    return [FieldQueue(f, *counts.get(f, (0, 0))) for f in fields]
