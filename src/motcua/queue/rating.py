"""Rating at the counter (issue 18, "Rating at the counter"): the tablet on each counter where the citizen rates, in
one tap, the service just received.

Who may rate: the tablet stands on the counter and has no login, so it rates only **the most recent ticket
finished at that counter, within ``RATING_WINDOW``, today**: the person who was just served. A tablet page left
open, a tap from the next person in line or a script cannot rate an older ticket, another counter's, or yesterday's.

Once per ticket: the unique ``queue_rating.ticket_id`` lets exactly one INSERT through (``ON CONFLICT DO
NOTHING``); a second tap is told the ticket was already rated. The rating is tied to the ticket, its counter, the
officer who served it and the dossier received from it, if any. It is the front desk's own satisfaction data
(``queue_rating``, counted in the queue's statistics); a «Không hài lòng» with a dossier also reaches the dossier's
satisfaction data through the feedback layer's own writer (``feedback.actions.report_counter_dissatisfaction``: the
phản ánh a dissatisfied rating opens, which indicator 5.4 counts against the dossier). It is not written as a
``DossierRating``: that one rates the whole handling of the dossier, once, after its result.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.db import dialect_insert
from motcua.dossier.models import Dossier
from motcua.feedback.actions import citizen_actor, report_counter_dissatisfaction
from motcua.feedback.criteria import SCALE_LABELS
from motcua.kit.clock import as_utc
from motcua.kit.errors import Conflict, ValidationFailed
from motcua.org.models import Commune
from motcua.queue.models import QueueCounter, QueueRating, QueueTicket
from motcua.queue.queries import local_day

#: How long after its ticket is finished the citizen may rate from the counter's tablet.
RATING_WINDOW = timedelta(minutes=10)
REASON_MAX = 500


class AlreadyRated(Conflict):
    code = "queue_already_rated"


def last_finished(session: Session, counter: QueueCounter) -> QueueTicket | None:
    """The ticket most recently finished (served) at the counter."""
    return session.scalars(select(QueueTicket).where(QueueTicket.counter_id == counter.id,
                                                     QueueTicket.status == "done",
                                                     QueueTicket.finished_at.is_not(None))
                           .order_by(QueueTicket.finished_at.desc(), QueueTicket.id.desc()).limit(1)).first()


def rating_of(session: Session, ticket_id: int) -> QueueRating | None:
    return session.scalar(select(QueueRating).where(QueueRating.ticket_id == ticket_id))


def ratable(session: Session, counter: QueueCounter, now: datetime) -> QueueTicket | None:
    """What the tablet offers to rate now: the last ticket served at the counter, today, within the window, not
    rated yet (None: nothing to rate)."""
    ticket = last_finished(session, counter)
    if ticket is None or ticket.finished_at is None or ticket.day != local_day(now):
        return None
    if now - as_utc(ticket.finished_at) > RATING_WINDOW:
        return None
    return None if rating_of(session, ticket.id) is not None else ticket


def rate_at_counter(session: Session, *, counter: QueueCounter, ticket_id: int, score: int, reason: str,
                    now: datetime) -> QueueRating:
    """Đánh giá tại quầy: once per ticket, only the counter's last served ticket within ``RATING_WINDOW`` today."""
    if score not in SCALE_LABELS:
        raise ValidationFailed("Vui lòng chạm vào một mức đánh giá.", fields={"score": "Chọn một mức."})
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"Ý kiến quá dài (tối đa {REASON_MAX} ký tự).", fields={"reason": "Quá dài."})
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.counter_id != counter.id:
        raise ValidationFailed("Số thứ tự này không được phục vụ tại quầy này.", fields={"ticket": "Không hợp lệ."})
    if rating_of(session, ticket.id) is not None:
        raise AlreadyRated(f"Số {ticket.number} đã được đánh giá. Mỗi lượt phục vụ chỉ được đánh giá một lần. "
                           "Xin cảm ơn!")
    if ticket.day != local_day(now):
        raise ValidationFailed(f"Số {ticket.number} được cấp ngày {ticket.day:%d/%m/%Y}, không còn đánh giá được.",
                               fields={"ticket": "Số đã hết hiệu lực."})
    last = last_finished(session, counter)
    if (last is None or last.id != ticket.id or ticket.finished_at is None
            or now - as_utc(ticket.finished_at) > RATING_WINDOW):
        minutes = int(RATING_WINDOW.total_seconds() // 60)
        raise ValidationFailed(f"Chỉ đánh giá được lượt vừa phục vụ xong tại quầy (trong {minutes} phút).",
                               fields={"ticket": "Đã quá thời gian đánh giá."})
    dossier = session.get(Dossier, ticket.dossier_id) if ticket.dossier_id is not None else None
    rating = session.scalars(
        dialect_insert(session, QueueRating).on_conflict_do_nothing(index_elements=[QueueRating.ticket_id])
        .returning(QueueRating),
        [{"ticket_id": ticket.id, "commune_code": counter.commune_code, "counter_id": counter.id,
          "officer_id": ticket.finished_by_id or ticket.called_by_id, "dossier_id": ticket.dossier_id,
          "score": score, "reason": reason if score == 0 else "", "feedback_case_id": None, "rated_at": now}],
    ).one_or_none()
    if rating is None:  # a double tap that lost the race
        raise AlreadyRated(f"Số {ticket.number} đã được đánh giá. Mỗi lượt phục vụ chỉ được đánh giá một lần. "
                           "Xin cảm ơn!")
    commune = session.get_one(Commune, counter.commune_code)
    actor = citizen_actor(commune.province_code)
    if score == 0 and dossier is not None:
        case = report_counter_dissatisfaction(session, dossier=dossier, counter_number=counter.number,
                                              ticket_number=ticket.number, reason=reason, now=now, actor=actor)
        session.execute(update(QueueRating).where(QueueRating.id == rating.id)
                        .values(feedback_case_id=case.id).execution_options(synchronize_session=False))
        session.refresh(rating)
    record(session, actor=actor, action="queue.rated", now=now, object_kind="queue_ticket", object_id=ticket.id,
           province_code=commune.province_code, commune_code=commune.code,
           data={"number": ticket.number, "counter": counter.number, "score": score,
                 "dossier": dossier.code if dossier is not None else None})
    return rating
