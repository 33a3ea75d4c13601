"""Writes of the service index.

``queue_fold`` receives the dossier's ``dossiers_changed`` hook (connected in ``motcua.wiring``), which every
dossier action calls for the dossiers it changed: an INSERT into ``index_pending`` in the action's transaction (no
shared row, so officers never queue on the index); the worker folds it (``index.tasks.fold``).
``record_rating`` and ``record_feedback_case`` keep the facts the index counts of ratings and feedback cases
(indicators 5.2–5.4) in tables of its own: ``feedback`` sits above ``index`` and calls them when a rating is given or
a case opens or changes, so the index never reads the feedback tables.
``publish_snapshot`` freezes a month's ranking (``index.snapshots``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.db import dialect_insert
from motcua.index.cache import mark_province_changed
from motcua.index.definitions import metric_set_for
from motcua.index.facts import month_of
from motcua.index.models import IndexDossierFact, IndexFeedbackCase, IndexPending, IndexSnapshot
from motcua.index.snapshots import PUBLISH_ACTION, build_content, sha256, text_of
from motcua.kit.clock import as_utc, to_local
from motcua.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from motcua.org.models import Province

_QUEUE = insert(cast(Table, IndexPending.__table__))
"""A Core INSERT built once: every dossier action runs it (the ORM's bulk path costs a millisecond more)."""


def queue_fold(session: Session, dossier_ids: Iterable[int]) -> None:
    """Queue dossiers whose contribution to the index may have changed."""
    ids = [{"dossier_id": i} for i in dossier_ids]
    if ids:
        session.execute(_QUEUE, ids)


# ------------------------------------------------------------------------------------------------ facts


def record_rating(session: Session, *, dossier_id: int, satisfied: bool, at: datetime) -> None:
    """A rating of the dossier's handling was given (called by ``feedback.actions``): a dissatisfied one is a fact
    indicator 5.4 counts against the dossier. The first instant is kept; the dossier is queued for the fold."""
    if satisfied:
        return
    _dossier_fact(session, dossier_id, "dissatisfied_at", at)


def record_feedback_case(session: Session, *, case_id: int, province_code: str, commune_code: str,
                         dossier_id: int | None, received_at: datetime, closed_at: datetime | None,
                         late_at: datetime | None, satisfied: bool | None) -> None:
    """A feedback case was opened or changed (called by ``feedback.actions`` after every change): its row for 5.2 and
    5.3 (``models.IndexFeedbackCase`` says what ``late_at`` and ``closed_at`` mean), and, when it names a dossier,
    the fact 5.4 counts against that dossier."""
    table = cast(Table, IndexFeedbackCase.__table__)
    values = {"case_id": case_id, "province_code": province_code, "commune_code": commune_code,
              "received_at": received_at, "closed_at": closed_at, "late_at": late_at, "satisfied": satisfied}
    upsert = dialect_insert(session, table).values(values)
    session.execute(upsert.on_conflict_do_update(
        index_elements=[table.c.case_id],
        set_={k: upsert.excluded[k] for k in ("closed_at", "late_at", "satisfied")}))
    # 5.2 and 5.3 are counted from these rows: no cached card of the province may outlive the change
    mark_province_changed(session, province_code)
    if dossier_id is not None:
        _dossier_fact(session, dossier_id, "feedback_case_at", received_at)


def _dossier_fact(session: Session, dossier_id: int, column: str, at: datetime) -> None:
    table = cast(Table, IndexDossierFact.__table__)
    upsert = dialect_insert(session, table).values({"dossier_id": dossier_id, column: at})
    session.execute(upsert.on_conflict_do_update(
        index_elements=[table.c.dossier_id],
        set_={column: func.coalesce(table.c[column], upsert.excluded[column])}))
    queue_fold(session, [dossier_id])


# ------------------------------------------------------------------------------------------------ snapshots


def _may_publish(actor: Principal, province_code: str) -> None:
    """Publishing a province's ranking is the province's act (Sở Nội vụ, VP UBND tỉnh), or the system's."""
    if actor.kind == "system":
        return
    if not actor.is_province_level or not actor.has_role(Role.PROVINCE_MONITOR, Role.ADMIN):
        raise Forbidden("Chỉ cán bộ theo dõi hoặc quản trị cấp tỉnh được công bố bảng xếp hạng.")
    if actor.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")


def may_publish(actor: Principal, province_code: str) -> bool:
    """Whether ``publish_snapshot`` would let ``actor`` publish the province's ranking (what the page offers)."""
    try:
        _may_publish(actor, province_code)
    except (Forbidden, NotFound):
        return False
    return True


def _month_label(month: date) -> str:
    return f"tháng {month.month:02d}/{month.year}"


def _already_published(province_name: str, month: date, metric_set: str, existing: IndexSnapshot) -> Conflict:
    return Conflict(f"Bảng xếp hạng {_month_label(month)} của {province_name} theo bộ chỉ số {metric_set} đã được "
                    f"công bố ngày {to_local(existing.published_at):%d/%m/%Y} (bản số {existing.id}); mỗi tháng chỉ "
                    "công bố một lần và bản đã công bố không được thay thế.",
                    fields={"month": "Đã công bố."})


def publish_snapshot(session: Session, *, actor: Principal, province_code: str, month: date,
                     now: datetime) -> IndexSnapshot:
    """Công bố bảng xếp hạng tháng: freeze the month's ranking of the province's communes with the SHA-256 of its
    content (see ``index.snapshots``). Only a month that is over (Vietnam time), once per metric set."""
    _may_publish(actor, province_code)
    province = session.get(Province, province_code)
    if province is None:
        raise NotFound("Không tìm thấy tỉnh.")
    month = date(month.year, month.month, 1)
    current = month_of(now)
    if month >= current:
        raise ValidationFailed(f"{_month_label(month).capitalize()} chưa kết thúc: chỉ công bố được tháng đã qua "
                               f"(trước {_month_label(current)}).", fields={"month": "Tháng chưa kết thúc."})
    metric_set = metric_set_for(month).id
    s = IndexSnapshot
    existing = session.scalars(select(s).where(s.province_code == province_code, s.month == month,
                                               s.metric_set == metric_set)).first()
    if existing is not None:
        raise _already_published(province.name, month, metric_set, existing)
    published_by = f"{actor.full_name} ({actor.name})" if actor.full_name else actor.name
    content = build_content(session, province_code=province_code, month=month, now=now,
                            published_at=as_utc(now).isoformat(), published_by=published_by[:120])
    text = text_of(content)
    snapshot = IndexSnapshot(province_code=province_code, month=month, metric_set=metric_set, published_at=now,
                             published_by=published_by[:120], content=text, digest=sha256(text))
    try:
        with session.begin_nested():  # the unique (province, month, metric set) is the guard against a race
            session.add(snapshot)
            session.flush()
    except IntegrityError:
        winner = session.scalars(select(s).where(s.province_code == province_code, s.month == month,
                                                 s.metric_set == metric_set)).one()
        raise _already_published(province.name, month, metric_set, winner) from None
    record(session, actor=actor, action=PUBLISH_ACTION, now=now, object_kind="index_snapshot",
           object_id=snapshot.id, province_code=province_code,
           data={"month": f"{month:%Y-%m}", "metric_set": metric_set, "digest": snapshot.digest,
                 "communes": len(content["communes"]),
                 "dossiers": sum(len(c["dossiers"]) for c in content["communes"])})
    return snapshot
