"""Every write of ratings and feedback cases (house rules 2–4): check the rule, change state with a guarded
statement, append the case's history and the audit event — all in the caller's transaction, never committing.

* ``rate_dossier`` — the applicant rates the handling of their dossier (Decree 118/2025 Art. 31–33), once: the
  unique ``dossier_id`` decides a race; a dissatisfied rating opens a feedback case (source ``rating``).
* ``receive_case`` — a phản ánh or kiến nghị from the public form or the API (idempotent, limited per address).
* ``act_on_case`` — an officer refuses, asks for more information, records it, answers or publishes (the table of
  ``feedback.workflow``); two officers at once: exactly one wins, the other gets ``Conflict``.
* ``rate_answer`` — the sender says, once, whether the answer satisfied them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.access import Shown
from motcua.base.principal import Principal
from motcua.calendar import TimeLimit, due_instant, to_vietnam_time
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.db import affected_rows, dialect_insert
from motcua.dossier.lookups import LOOKUP_CODE_LENGTH, check_lookup_budget, count_lookup_attempt
from motcua.dossier.models import Dossier
from motcua.feedback import notices
from motcua.feedback.criteria import dissatisfied_labels, is_satisfied, score_problems, unanswered_summary
from motcua.feedback.models import DossierRating, FeedbackCase, FeedbackEvent
from motcua.feedback.queries import (
    check_form_rate,
    get_case_for,
    ip_digest,
    may_be_rated,
    rating_of,
)
from motcua.feedback.schemas import COMMENT_MAX, CaseActionIn, FeedbackIn
from motcua.feedback.tokens import CASE_LINK_LIFETIME, sign
from motcua.feedback.workflow import (
    ANSWER_LIMIT,
    INFO_LIMIT,
    MACHINE,
    PUBLISH_LIMIT,
    REFUSE_LIMIT,
    AlreadyRated,
    CaseAction,
    CaseStatus,
    Transition,
    available_actions,
    plan,
)
from motcua.index.actions import record_feedback_case, record_rating
from motcua.kit.clock import as_utc
from motcua.kit.errors import Conflict, MotcuaError, ValidationFailed
from motcua.kit.numbers import ascii_digits
from motcua.kit.statemachine import Effects
from motcua.notify.actions import enqueue_many
from motcua.notify.templates import vn_datetime
from motcua.org.models import Commune

CHANNELS = ("qr", "account", "counter")
"""Where a rating comes from: the public page reached from the receipt's QR, the citizen portal, a counter kiosk."""


class NotRateable(MotcuaError):
    status_code = 409
    code = "not_rateable"
    default_message = ("Hồ sơ chưa có kết quả nên chưa thể đánh giá. Ông/Bà có thể đánh giá sau khi nhận kết quả "
                       "giải quyết.")


def citizen_actor(province_code: str, name: str = "Người dân") -> Principal:
    """Who acts on the public pages: a person identified by what they hold (a code and digits, a signed link)."""
    return Principal(kind="citizen", id=None, name="citizen", full_name=name, province_code=province_code,
                     commune_code=None)


# ------------------------------------------------------------------------------------------------ ratings


@dataclass(frozen=True)
class RatingResult:
    rating: DossierRating
    case: FeedbackCase | None  # the feedback case a dissatisfied rating opened


def rate_dossier(session: Session, *, dossier: Dossier, scores: Mapping[str, int], comment: str, channel: str,
                 now: datetime, actor: Principal) -> RatingResult:
    """Đánh giá việc giải quyết hồ sơ (Decree 118/2025 Art. 31–33) by its applicant, once per dossier.

    The caller has established that ``actor`` is the applicant (the public page: code + last 4 digits, or a signed
    link from the lookup; the citizen portal: the logged-in account that owns the dossier). Only a dossier whose
    result reached the applicant may be rated (``queries.RATEABLE_STATES``). Two submits at once: the unique
    ``dossier_id`` lets exactly one INSERT through; the other raises ``AlreadyRated`` and writes nothing.
    """
    if channel not in CHANNELS:
        raise ValidationFailed("Kênh đánh giá không hợp lệ.", fields={"channel": "qr, account hoặc counter."})
    problems = score_problems(scores)
    if problems:
        raise ValidationFailed(unanswered_summary(problems),
                               fields={f"scores.{key}": message for key, message in problems.items()})
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"Ý kiến quá dài (tối đa {COMMENT_MAX} ký tự).", fields={"comment": "Quá dài."})
    if not may_be_rated(dossier):
        raise NotRateable()
    satisfied = is_satisfied(scores)
    values = dict(dossier_id=dossier.id, dossier_code=dossier.code, province_code=dossier.province_code,
                  commune_code=dossier.deciding_commune_code, scores=dict(scores), satisfied=satisfied,
                  comment=comment, channel=channel, actor_kind=actor.kind, rated_at=now)
    rating = session.scalars(
        dialect_insert(session, DossierRating)
        .on_conflict_do_nothing(index_elements=[DossierRating.dossier_id])
        .returning(DossierRating),
        [values],
    ).one_or_none()
    if rating is None:
        earlier = rating_of(session, dossier.id)
        when = f" lúc {vn_datetime(as_utc(earlier.rated_at))}" if earlier is not None else ""
        raise AlreadyRated(f"Hồ sơ {dossier.code} đã được đánh giá{when}. Mỗi hồ sơ chỉ được đánh giá một lần.")
    record_rating(session, dossier_id=dossier.id, satisfied=satisfied, at=now)  # indicator 5.4
    case = None
    if not satisfied:
        case = _open_case_from_rating(session, dossier, rating, now=now, actor=actor)
    record(session, actor=actor, action="dossier.rated", now=now, object_kind="dossier", object_id=dossier.id,
           province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "satisfied": satisfied, "channel": channel,
                 "feedback_case": case.code if case else None})
    return RatingResult(rating, case)


def _open_case_from_rating(session: Session, dossier: Dossier, rating: DossierRating, *, now: datetime,
                           actor: Principal) -> FeedbackCase:
    """A dissatisfied rating is a phản ánh the commune must answer like any other (docs/legal.md §7 limits)."""
    items = "; ".join(dissatisfied_labels(rating.scores))
    content = f"Người nộp hồ sơ đánh giá «Không hài lòng» về: {items}."
    if rating.comment:
        content += f"\nÝ kiến: {rating.comment}"
    return _case_from_rating(session, dossier, subject=f"Không hài lòng về việc giải quyết hồ sơ {dossier.code}",
                             content=content, rating_id=rating.id, note=f"Đánh giá hồ sơ {dossier.code}", now=now,
                             actor=actor)


def _case_from_rating(session: Session, dossier: Dossier, *, subject: str, content: str, rating_id: int | None,
                      note: str, now: datetime, actor: Principal) -> FeedbackCase:
    values = _case_values(session, commune=session.get_one(Commune, dossier.deciding_commune_code), now=now,
                          kind="report", source="rating", subject=subject[:200], content=content,
                          sender_name=dossier.applicant_name[:120], phone=dossier.phone, email=dossier.email,
                          dossier=dossier)
    values["rating_id"] = rating_id
    case = _insert_case(session, values, now=now)
    assert case is not None  # no idempotency key: only a code collision, retried inside
    index_case(session, case)
    _event(session, case, action=CaseAction.RECEIVE.value, from_status=None, to_status=case.status, now=now,
           actor_name="Hệ thống (từ đánh giá không hài lòng)", note=note)
    record(session, actor=actor, action="feedback.receive", now=now, object_kind="feedback_case", object_id=case.id,
           province_code=case.province_code, commune_code=case.commune_code,
           data={"code": case.code, "source": "rating", "dossier": dossier.code})
    return case


def report_counter_dissatisfaction(session: Session, *, dossier: Dossier, counter_number: int, ticket_number: str,
                                   reason: str, now: datetime, actor: Principal) -> FeedbackCase:
    """The applicant tapped «Không hài lòng» on the counter's tablet (the front desk's one-tap rating, issue 18)
    after their dossier was received there: the same phản ánh about that dossier as a dissatisfied rating opens
    (source ``rating``), which the commune answers within the §7 limits and indicator 5.4 counts against the
    dossier. It is not a ``DossierRating``: that one rates the whole handling, once, after the result."""
    reason = reason.strip()
    if len(reason) > COMMENT_MAX:
        raise ValidationFailed(f"Ý kiến quá dài (tối đa {COMMENT_MAX} ký tự).", fields={"reason": "Quá dài."})
    content = (f"Người nộp hồ sơ đánh giá «Không hài lòng» về việc tiếp nhận tại Quầy số {counter_number} "
               f"(số thứ tự {ticket_number}).")
    if reason:
        content += f"\nÝ kiến: {reason}"
    subject = f"Không hài lòng về việc tiếp nhận hồ sơ {dossier.code} tại quầy"
    return _case_from_rating(session, dossier, subject=subject, content=content, rating_id=None,
                             note=f"Đánh giá tại quầy, số {ticket_number}", now=now, actor=actor)


# ------------------------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class CaseIntake:
    case: FeedbackCase
    replayed: bool  # the same idempotency key and body were seen before: nothing new was written


def _new_code(now: datetime) -> str:
    """PA-YYMMDD-XXXXXX: the day it was received and six random characters (unique constraint as the guard)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
    return f"PA-{to_vietnam_time(now):%y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def _due(session: Session, province_code: str, start: datetime, limit: TimeLimit) -> datetime:
    return due_instant(start, limit, calendar_for_province(session, province_code),
                       working_hours_for(session, province_code))


def _case_values(session: Session, *, commune: Commune, now: datetime, kind: str, source: str, subject: str,
                 content: str, sender_name: str, phone: str | None, email: str | None,
                 dossier: Dossier | None) -> dict[str, Any]:
    province = commune.province_code
    answer_due = _due(session, province, now, ANSWER_LIMIT)
    return dict(
        version=1, status=CaseStatus.RECEIVED.value, province_code=province, commune_code=commune.code, kind=kind,
        source=source, subject=subject, content=content, sender_name=sender_name, sender_phone=phone,
        sender_email=email, dossier_code=dossier.code if dossier else None, dossier_id=dossier.id if dossier else None,
        rating_id=None, received_at=now, refuse_due=_due(session, province, now, REFUSE_LIMIT),
        info_due=_due(session, province, now, INFO_LIMIT), answer_due=answer_due, publish_due=None,
        due_at=answer_due, idempotency_scope=None, idempotency_key=None, request_digest=None, ip_digest=None,
        created_at=now,
    )


def _insert_case(session: Session, values: dict[str, Any], *, now: datetime) -> FeedbackCase | None:
    """INSERT … ON CONFLICT DO NOTHING: None when the idempotency key is taken (by a concurrent twin, whose
    transaction PostgreSQL waits for); a random code that collides is drawn again."""
    for _ in range(5):
        row = session.scalars(
            dialect_insert(session, FeedbackCase).on_conflict_do_nothing().returning(FeedbackCase),
            [{**values, "code": _new_code(now)}],
        ).one_or_none()
        if row is not None:
            return row
        if values.get("idempotency_key") is not None and _by_key(session, values) is not None:
            return None
    raise Conflict("Không cấp được mã phản ánh, kiến nghị. Vui lòng gửi lại.")  # pragma: no cover - 32^6 per day


def _by_key(session: Session, values: Mapping[str, Any]) -> FeedbackCase | None:
    return session.scalar(select(FeedbackCase).where(FeedbackCase.idempotency_scope == values["idempotency_scope"],
                                                     FeedbackCase.idempotency_key == values["idempotency_key"]))


def _digest(data: FeedbackIn) -> str:
    return hashlib.sha256(json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


def _replay(seen: FeedbackCase, digest: str) -> CaseIntake:
    if seen.request_digest != digest:
        raise Conflict("Khóa chống gửi trùng (Idempotency-Key) đã dùng cho một phản ánh, kiến nghị khác.")
    return CaseIntake(seen, replayed=True)


def receive_case(session: Session, *, data: FeedbackIn, now: datetime, ip: str, idempotency_key: str | None = None,
                 scope: str = "form") -> CaseIntake:
    """Tiếp nhận phản ánh, kiến nghị from the public form (``scope`` "form") or the API ("api").

    The same key and body twice is one case (the second answer replays the first); limited to
    ``FORM_MAX_PER_HOUR`` new cases per address. A dossier code, when given, must be a dossier of the commune's
    province; an unknown one counts as a failed lookup (the per-address budget of ``public_lookup``) and is
    written before the error is raised — the caller commits it (answers the error, does not re-raise it).
    """
    digest = _digest(data)
    key_values = {"idempotency_scope": scope, "idempotency_key": idempotency_key}
    if idempotency_key is not None:
        seen = _by_key(session, key_values)
        if seen is not None:
            return _replay(seen, digest)
    commune = session.get(Commune, data.commune_code)
    if commune is None:
        raise ValidationFailed("Không có xã, phường này.", fields={"commune_code": "Chọn xã, phường trong danh sách."})
    address = ip_digest(ip)
    check_form_rate(session, digest=address, now=now)
    dossier = None
    if data.dossier_code:
        wanted = data.dossier_code.strip().upper()[:LOOKUP_CODE_LENGTH]
        check_lookup_budget(session, ip=ip, code=wanted, now=now)
        dossier = session.scalar(select(Dossier).where(Dossier.code == data.dossier_code,
                                                       Dossier.province_code == commune.province_code))
        if dossier is None:
            count_lookup_attempt(session, ip=ip, code=wanted, now=now, success=False)
            raise ValidationFailed("Không tìm thấy hồ sơ có mã này trong tỉnh.", fields={
                "dossier_code": "Không tìm thấy hồ sơ có mã này trong tỉnh; kiểm tra lại mã trên giấy tiếp nhận "
                                "hoặc để trống."})
    values = _case_values(session, commune=commune, now=now, kind=data.kind, source="form", subject=data.subject,
                          content=data.content, sender_name=data.sender_name, phone=data.phone,
                          email=str(data.email) if data.email else None, dossier=dossier)
    values.update(key_values, request_digest=digest, ip_digest=address)
    case = _insert_case(session, values, now=now)
    if case is None:  # a concurrent twin with the same key committed first
        seen = _by_key(session, key_values)
        assert seen is not None
        return _replay(seen, digest)
    index_case(session, case)
    _event(session, case, action=CaseAction.RECEIVE.value, from_status=None, to_status=case.status, now=now,
           actor_name=case.sender_name, note="")
    record(session, actor=citizen_actor(case.province_code, case.sender_name), action="feedback.receive", now=now,
           object_kind="feedback_case", object_id=case.id, province_code=case.province_code,
           commune_code=case.commune_code, data={"code": case.code, "source": "form", "scope": scope})
    return CaseIntake(case, replayed=False)


def late_at(case: FeedbackCase) -> datetime | None:
    """The instant the case becomes (or became) late for indicator 5.2 (docs/legal.md §7: refuse ≤ 2, ask for more
    ≤ 5, answer ≤ 15, publish the answer ≤ 2 working days), or None when nothing can make it late: refused (only
    allowed in time), waiting for the sender's information (their time), or answered in time and published in
    time. An answer given late stays late whatever follows; an answer in time waits on its publication deadline."""
    if case.refused_at is not None:
        return None
    if case.answered_at is not None:
        if not case.handled_on_time:
            return as_utc(case.answer_due)
        if case.publish_due is None:  # pragma: no cover - set with the answer
            return None
        publish_due = as_utc(case.publish_due)
        if case.published_at is None or as_utc(case.published_at) > publish_due:
            return publish_due
        return None
    if case.status == CaseStatus.AWAITING_INFO:
        return None
    return as_utc(case.answer_due)


def index_case(session: Session, case: FeedbackCase) -> None:
    """Tell the index what it counts of the case (``index.actions.record_feedback_case``): after every change."""
    closed = case.refused_at or case.published_at
    record_feedback_case(session, case_id=case.id, province_code=case.province_code,
                         commune_code=case.commune_code, dossier_id=case.dossier_id,
                         received_at=as_utc(case.received_at), closed_at=None if closed is None else as_utc(closed),
                         late_at=late_at(case), satisfied=case.sender_satisfied)


def _event(session: Session, case: FeedbackCase, *, action: str, from_status: str | None, to_status: str,
           now: datetime, actor_name: str, note: str) -> None:
    session.add(FeedbackEvent(case_id=case.id, at=now, action=action, from_status=from_status, to_status=to_status,
                              actor_name=actor_name[:120], note=note))


_NOTICES: dict[CaseAction, notices.NoticeKind] = {
    CaseAction.REFUSE: "feedback_refused",
    CaseAction.ASK_MORE: "feedback_info_requested",
    CaseAction.ANSWER: "feedback_answered",
}


@dataclass(frozen=True)
class CaseSituation:
    """What the case table's guards read (``workflow.Situation``): who acts on which case, when."""

    actor: Principal
    commune_code: str
    now: datetime
    refuse_due: datetime
    info_due: datetime
    sender_satisfied: bool | None

    @classmethod
    def of(cls, actor: Principal, case: FeedbackCase | Shown, now: datetime) -> CaseSituation:
        return cls(actor, case.commune_code, now, case.refuse_due, case.info_due, case.sender_satisfied)


def offered_case_actions(actor: Principal, case: FeedbackCase | Shown, now: datetime) -> list[Transition]:
    """The officer's buttons on a case at ``now``: exactly the actions ``act_on_case`` would accept (the table, the
    officer's commune, the screening limits)."""
    return available_actions(case.status, actor.roles, CaseSituation.of(actor, case, now))


@dataclass
class _Step:
    """One officer action being carried out: the case, the note, and the columns its handlers write."""

    session: Session
    case: FeedbackCase
    actor: Principal
    now: datetime
    note: str
    values: dict[str, Any] = field(default_factory=dict)


def _deadline_none(step: _Step) -> None:
    return None


def _deadline_stop(step: _Step) -> None:
    """Refused or published: nothing more is due."""
    step.values["due_at"] = None


def _deadline_pause(step: _Step) -> None:
    """Waiting for the sender's information: the time is theirs, no deadline runs."""
    step.values["due_at"] = None


def _deadline_restart(step: _Step) -> None:
    """The information arrived: the 15 working days run again from now (as Decree 118 Art. 19(5) for a dossier)."""
    answer_due = _due(step.session, step.case.province_code, step.now, ANSWER_LIMIT)
    step.values.update(answer_due=answer_due, due_at=answer_due)


def _deadline_answer(step: _Step) -> None:
    """Answered: the answer's limit is met or missed now, and the 2 working days to publish it begin."""
    publish_due = _due(step.session, step.case.province_code, step.now, PUBLISH_LIMIT)
    step.values.update(publish_due=publish_due, due_at=publish_due)


#: The deadline effects the case table names.
DEADLINE_EFFECTS: Effects[Transition, _Step, None] = MACHINE.effects({
    "none": _deadline_none, "stop": _deadline_stop, "pause": _deadline_pause, "restart": _deadline_restart,
    "answer": _deadline_answer,
})


def _refused(step: _Step) -> None:
    # In time: the refuse_in_time guard let it through.
    step.values.update(refused_at=step.now, handled_at=step.now, handled_on_time=True, refusal_reason=step.note)


def _asked(step: _Step) -> None:
    step.values.update(info_requested_at=step.now, info_request=step.note)


def _info_received(step: _Step) -> None:
    step.values["info_received_at"] = step.now


def _answered(step: _Step) -> None:
    # Waiting for the sender's information is the sender's time: an answer given meanwhile is within the limit.
    case = step.case
    on_time = case.status == CaseStatus.AWAITING_INFO or step.now <= as_utc(case.answer_due)
    step.values.update(answered_at=step.now, handled_at=step.now, handled_on_time=on_time, answer=step.note,
                       answered_by=(step.actor.full_name or step.actor.name)[:120])


def _published(step: _Step) -> None:
    step.values["published_at"] = step.now


#: What each officer action records of its own beyond its row's deadline effect.
RECORDS: dict[CaseAction, Callable[[_Step], None]] = {
    CaseAction.REFUSE: _refused, CaseAction.ASK_MORE: _asked, CaseAction.RECEIVE_INFO: _info_received,
    CaseAction.ANSWER: _answered, CaseAction.PUBLISH: _published,
}


def act_on_case(session: Session, *, actor: Principal, case_id: int, action: CaseAction | str, data: CaseActionIn,
                now: datetime, public_base_url: str, secret: str) -> FeedbackCase:
    """Carry out one officer row of the case table (refuse, ask_more, receive_info, answer, publish)."""
    case = get_case_for(session, actor, case_id)
    if data.version != case.version:  # first: whoever acted on an old view learns that, whatever else is true
        raise Conflict("Phản ánh, kiến nghị vừa được cán bộ khác cập nhật. Vui lòng tải lại trang.")
    row = plan(action, case.status, actor="officer", roles=actor.roles,
               situation=CaseSituation.of(actor, case, now))
    note = data.note.strip()
    if row.needs_note and len(note) < 5:
        raise ValidationFailed("Ghi rõ nội dung (ít nhất 5 ký tự).", fields={"note": "Bắt buộc."})
    act = row.action
    step = _Step(session, case, actor, now, note)
    RECORDS[act](step)
    DEADLINE_EFFECTS.apply(row, step)
    assert row.target is not None
    guarded = (update(FeedbackCase)
               .where(FeedbackCase.id == case.id, FeedbackCase.version == data.version,
                      FeedbackCase.status == case.status)
               .values(status=row.target.value, version=FeedbackCase.version + 1, **step.values))
    previous = case.status
    if affected_rows(session, guarded) != 1:
        raise Conflict("Phản ánh, kiến nghị vừa được cán bộ khác xử lý. Vui lòng tải lại trang để xem trạng thái mới.")
    session.refresh(case)
    index_case(session, case)
    _event(session, case, action=act.value, from_status=previous, to_status=case.status, now=now,
           actor_name=actor.full_name or actor.name, note=note)
    kind = _NOTICES.get(act)
    if kind is not None:
        _notify_sender(session, case, kind, note, now=now, base_url=public_base_url,
                       secret=secret)
    record(session, actor=actor, action=f"feedback.{act.value}", now=now, object_kind="feedback_case",
           object_id=case.id, province_code=case.province_code, commune_code=case.commune_code,
           data={"code": case.code, "from": previous, "to": case.status})
    return case


def may_rate_answer(case: FeedbackCase | Shown, now: datetime) -> bool:
    """Whether the public page offers the sender the verdict form: exactly when ``rate_answer`` would take it."""
    situation = CaseSituation.of(citizen_actor(case.province_code), case, now)
    try:
        plan(CaseAction.RATE_ANSWER, case.status, actor="public", situation=situation)
    except MotcuaError:
        return False
    return True


def rate_answer(session: Session, *, case: FeedbackCase, satisfied: bool, now: datetime,
                actor: Principal) -> FeedbackCase:
    """The sender's verdict on the answer (indicator 5.3), once: the table's guard, then a guarded UPDATE on "not yet
    rated" that decides a race."""
    plan(CaseAction.RATE_ANSWER, case.status, actor="public", situation=CaseSituation.of(actor, case, now))
    once = AlreadyRated("Ông/Bà đã đánh giá kết quả trả lời này. Mỗi phản ánh, kiến nghị chỉ đánh giá một lần.")
    guarded = (update(FeedbackCase)
               .where(FeedbackCase.id == case.id, FeedbackCase.sender_satisfied.is_(None),
                      FeedbackCase.status.in_([CaseStatus.ANSWERED.value, CaseStatus.PUBLISHED.value]))
               .values(sender_satisfied=satisfied, sender_rated_at=now, version=FeedbackCase.version + 1))
    if affected_rows(session, guarded) != 1:
        raise once
    session.refresh(case)
    index_case(session, case)
    _event(session, case, action=CaseAction.RATE_ANSWER.value, from_status=case.status, to_status=case.status,
           now=now, actor_name=case.sender_name, note="Hài lòng" if satisfied else "Không hài lòng")
    record(session, actor=actor, action="feedback.rate_answer", now=now, object_kind="feedback_case",
           object_id=case.id, province_code=case.province_code, commune_code=case.commune_code,
           data={"code": case.code, "satisfied": satisfied})
    return case


def case_link(base_url: str, secret: str, case: FeedbackCase, now: datetime) -> str:
    token = sign(secret, "case", case.id, now + CASE_LINK_LIFETIME)
    return f"{base_url.rstrip('/')}/phan-anh/tra-loi?t={token}"


def _notify_sender(session: Session, case: FeedbackCase, kind: notices.NoticeKind, text: str, *, now: datetime,
                   base_url: str, secret: str) -> None:
    """One message per channel the sender gave, through the outbox (sent after the commit, by the worker)."""
    commune = session.get_one(Commune, case.commune_code)
    notice = notices.CaseNotice(code=case.code, subject=case.subject, sender_name=case.sender_name,
                                commune_name=f"UBND {commune.kind} {commune.name}", text=text,
                                link=case_link(base_url, secret, case, now))
    reach: list[tuple[notices.Channel, str]] = []
    if case.sender_email:
        reach.append(("email", case.sender_email))
    if case.sender_phone:
        reach.append(("sms", case.sender_phone))
    messages = []
    for channel, recipient in reach:
        subject, body = notices.render(kind, channel, notice)
        messages.append(dict(dedup_key=f"feedback:{case.id}:{kind}:{channel}:{case.version}", kind=kind,
                             channel=channel, recipient=recipient, subject=subject[:300], body=body, dossier_id=None))
    enqueue_many(session, messages, now=now, fetch=False)


def public_case_lookup(session: Session, *, code: str, contact: str, ip: str, now: datetime) -> FeedbackCase | None:
    """A case by its code and the sender's phone or email, rate-limited like the dossier lookup (per address and
    per case code). None on a miss (not an exception) so that the caller's transaction commits the failed attempt
    that the limits count."""
    wanted = code.strip().upper()[:LOOKUP_CODE_LENGTH]
    check_lookup_budget(session, ip=ip, code=wanted, now=now)
    case = session.scalar(select(FeedbackCase).where(FeedbackCase.code == wanted))
    given = contact.strip().lower()
    digits = ascii_digits(given)
    ok = case is not None and bool(given) and (
        (case.sender_email is not None and case.sender_email.lower() == given)
        or (case.sender_phone is not None and len(digits) >= 9 and case.sender_phone.endswith(digits[-9:]))
    )
    count_lookup_attempt(session, ip=ip, code=wanted, now=now, success=ok)
    return case if ok else None
