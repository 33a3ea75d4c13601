"""Priority groups as data: the four the law names for priority service at the one-stop centre (the elderly,
persons with disabilities, pregnant women, people with meritorious service — ``fields.PRIORITY_GROUPS``, always
there) and those a province adds (table ``queue_priority_group``), shown on the kiosk and on the ticket.

A province administrator adds a group by its label or withdraws one (``/quay/tinh/uu-tien``); a withdrawn group is
no longer offered but the tickets that carry it keep their label. Audited as ``queue.priority_group_added`` and
``queue.priority_group_withdrawn``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.db import affected_rows
from motcua.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from motcua.queue.booking_models import QueuePriorityGroup
from motcua.queue.fields import PRIORITY_GROUPS, PriorityGroup

MAX_GROUPS = 20


def province_groups(session: Session, province_code: str, *, active_only: bool = True) -> list[QueuePriorityGroup]:
    query = select(QueuePriorityGroup).where(QueuePriorityGroup.province_code == province_code)
    if active_only:
        query = query.where(QueuePriorityGroup.active.is_(True))
    return list(session.scalars(query.order_by(QueuePriorityGroup.created_at, QueuePriorityGroup.code)))


def groups_for(session: Session, province_code: str) -> list[PriorityGroup]:
    """What the kiosk offers: the law's four, then the province's own in the order they were added."""
    return [*PRIORITY_GROUPS, *(PriorityGroup(g.code, g.label) for g in province_groups(session, province_code))]


def labels_for(session: Session, province_code: str) -> dict[str, Any]:
    """The template context of a page showing tickets: the groups offered, and every label a ticket may carry
    (withdrawn groups included)."""
    labels = {g.code: g.label for g in PRIORITY_GROUPS}
    labels.update({g.code: g.label for g in province_groups(session, province_code, active_only=False)})
    return {"priority_groups": groups_for(session, province_code), "priority_labels": labels}


def is_offered(session: Session, province_code: str, code: str) -> bool:
    return any(g.code == code for g in groups_for(session, province_code))


def _check_admin(actor: Principal, province_code: str) -> None:
    if actor.kind == "system":
        return
    if not actor.has_role(Role.ADMIN) or not actor.is_province_level or actor.province_code != province_code:
        raise Forbidden("Chỉ quản trị viên cấp tỉnh được thêm hoặc bỏ đối tượng ưu tiên.")


def add_group(session: Session, *, actor: Principal, province_code: str, label: str,
              now: datetime) -> QueuePriorityGroup:
    _check_admin(actor, province_code)
    label = " ".join((label or "").split())
    if not 3 <= len(label) <= 100:
        message = "Tên đối tượng ưu tiên từ 3 đến 100 ký tự."
        raise ValidationFailed(message, fields={"label": message})
    if label.casefold() in {g.label.casefold() for g in groups_for(session, province_code)}:
        message = f"Đối tượng “{label}” đã có trong danh sách."
        raise ValidationFailed(message, fields={"label": message})
    count = session.scalar(select(func.count()).select_from(QueuePriorityGroup)
                           .where(QueuePriorityGroup.province_code == province_code)) or 0
    if count >= MAX_GROUPS:
        raise ValidationFailed(f"Tỉnh đã có {MAX_GROUPS} đối tượng ưu tiên riêng, mức tối đa.")
    row = QueuePriorityGroup(code=f"{province_code}-{count + 1}", province_code=province_code, label=label,
                             active=True, created_at=now, created_by_id=actor.officer_id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Danh sách vừa được thay đổi. Vui lòng tải lại trang và thử lại.") from exc
    record(session, actor=actor, action="queue.priority_group_added", now=now, object_kind="queue_priority_group",
           object_id=row.code, province_code=province_code, data={"label": label})
    return row


def withdraw_group(session: Session, *, actor: Principal, province_code: str, code: str, now: datetime) -> None:
    _check_admin(actor, province_code)
    row = session.get(QueuePriorityGroup, code)
    if row is None or row.province_code != province_code:
        raise NotFound()
    done = affected_rows(session, update(QueuePriorityGroup).where(QueuePriorityGroup.code == code,
                                                                   QueuePriorityGroup.active.is_(True))
                         .values(active=False).execution_options(synchronize_session=False))
    if done != 1:
        raise Conflict(f"Đối tượng “{row.label}” đã được bỏ trước đó.")
    record(session, actor=actor, action="queue.priority_group_withdrawn", now=now,
           object_kind="queue_priority_group", object_id=code, province_code=province_code,
           data={"label": row.label})
