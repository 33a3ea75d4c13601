"""The pages of published rankings (``index.snapshots``): the province's list, with whether the reader may publish
(the gate ``index.actions.publish_snapshot`` applies), and one snapshot with its check computed now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.index.actions import may_publish
from motcua.index.models import IndexSnapshot
from motcua.index.snapshots import SnapshotCheck, parsed_content, verify_snapshot
from motcua.kit.clock import as_utc
from motcua.kit.errors import Forbidden, NotFound


def get_snapshot_for(session: Session, principal: Principal, snapshot_id: int) -> IndexSnapshot:
    """The access gate: a snapshot of another province is 404 (house rule 7)."""
    snapshot = session.get(IndexSnapshot, snapshot_id)
    if snapshot is None or snapshot.province_code != principal.province_code:
        raise NotFound("Không tìm thấy bảng xếp hạng đã công bố.")
    return snapshot


@dataclass(frozen=True)
class SnapshotListItem:
    id: int
    month: date
    metric_set: str
    published_at: datetime
    published_by: str
    digest: str


def list_snapshots(session: Session, principal: Principal) -> list[SnapshotListItem]:
    """The snapshots of the principal's province, newest month first (the content is not read)."""
    s = IndexSnapshot
    rows = session.execute(select(s.id, s.month, s.metric_set, s.published_at, s.published_by, s.digest)
                           .where(s.province_code == principal.province_code)
                           .order_by(s.month.desc(), s.id.desc()))
    return [SnapshotListItem(r.id, r.month, r.metric_set, as_utc(r.published_at), r.published_by, r.digest)
            for r in rows]


@dataclass(frozen=True)
class SnapshotsPage:
    snapshots: list[SnapshotListItem]
    may_publish: bool


def snapshots_overview(session: Session, principal: Principal) -> SnapshotsPage:
    """The province's published rankings, and whether this reader may publish one (the action's own rule)."""
    return SnapshotsPage(list_snapshots(session, principal), may_publish(principal, principal.province_code))


@dataclass(frozen=True)
class SnapshotView:
    """What the snapshot page shows, read from the stored (frozen) content."""

    snapshot: IndexSnapshot
    content: dict[str, Any] | None
    communes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dossiers(self) -> int:
        return sum(len(c.get("dossiers", [])) for c in self.communes)

    @property
    def ranked(self) -> int:
        return sum(1 for c in self.communes if c.get("rank") is not None)


def snapshot_view(snapshot: IndexSnapshot) -> SnapshotView:
    content = parsed_content(snapshot)
    communes = [c for c in (content or {}).get("communes", []) if isinstance(c, dict)]
    return SnapshotView(snapshot, content, communes)


def checked_snapshot(session: Session, principal: Principal, snapshot_id: int,
                     now: datetime) -> tuple[SnapshotView, SnapshotCheck]:
    """The snapshot page: the frozen content and the check computed now (province officers only)."""
    snapshot = get_snapshot_for(session, principal, snapshot_id)  # first: another province's is 404
    if not principal.is_province_level:
        raise Forbidden("Trang này dành cho cán bộ cấp tỉnh.")
    return snapshot_view(snapshot), verify_snapshot(session, snapshot.id, now)
