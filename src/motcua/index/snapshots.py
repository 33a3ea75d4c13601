"""Published monthly rankings frozen with a hash (ảnh chụp bảng xếp hạng đã công bố), and their check.

Why: a province publishes "Chí Tiên 2nd of 148" (seed 002) and must be able to show later that the published
numbers were computed from the dossiers as they stood, and that nothing — neither a dossier behind the numbers
nor the published row itself — was edited afterwards.

What a snapshot holds (``content``, canonical JSON, hashed with SHA-256 into ``digest``):

* the province, the month, the metric set and the catalogue counters the scores used;
* per commune: rank, points, attainable points, percent, per group the same with the group rank, and the counters;
* per commune, one line per dossier behind its numbers — id, code, receipt, end of processing, appointment, on
  time, the 2.1 reason and which counters it adds — and the SHA-256 of those lines.

The numbers are computed by judging the dossiers afresh from the ``dossier`` table (``index.facts``, the same rules
the fold applies), not read from the rollups: the snapshot rests on the source of truth, and ``verify_snapshot``
recomputes the very same content to compare. A change found by the check means a dossier of that month was edited
after publication — or the rules it was judged by changed (a calendar announcement for a day of that month, a
procedure version back-dated into it); the check names the dossiers either way.

Instants are written in UTC to the second ("2026-10-05T03:00:00Z"): an edit that moves a time by less than a
second and changes no judgement is not a change the check reports.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from motcua.audit.actions import canonical_json
from motcua.audit.models import AuditEvent
from motcua.calendar import VIETNAM_TZ
from motcua.dossier.models import Dossier
from motcua.index.definitions import MetricSet, metric_set_by_id, metric_set_for
from motcua.index.facts import contribution_rows
from motcua.index.models import ROLLUP_COUNTERS, IndexSnapshot
from motcua.index.periods import Period, add_months
from motcua.index.reading import read_dossiers
from motcua.index.rollups import (
    catalogue_counters,
    competition_ranks,
    fee_bearing_codes,
    feedback_counters,
    scorecard,
    share_order,
)
from motcua.index.score import DossierCounters, Subtotal
from motcua.kit.clock import as_utc
from motcua.kit.errors import NotFound
from motcua.org.models import Commune, Province

#: Bumped when the shape of ``content`` changes; a check recomputes a snapshot in the format it was written in.
SNAPSHOT_FORMAT = 1
#: The audit action written by ``index.actions.publish_snapshot`` (its data carries the digest).
PUBLISH_ACTION = "index.snapshot_published"
#: The columns of a dossier line.
DOSSIER_COLUMNS = ("id", "code", "received_at", "ended_at", "due_at", "on_time", "reason", "counts")
#: Counters a dossier line names in ``counts`` ("counted" always holds; "on_time" has a column of its own).
LINE_COUNTERS = ("received", "online_by_citizen", "online_assisted", "with_fee", "paid_online")

_COLUMN_LABELS = {
    "code": "mã hồ sơ", "received_at": "thời điểm tiếp nhận", "ended_at": "thời điểm kết thúc xử lý",
    "due_at": "hạn giải quyết", "on_time": "đúng hạn", "reason": "lý do (chỉ tiêu 2.1)",
    "counts": "chỉ tiêu được tính",
}
_NUMBER_LABELS = {
    "rank": "hạng", "points": "điểm", "attainable": "điểm tối đa đạt được", "percent": "tỷ lệ điểm (%)",
    "received": "hồ sơ tiếp nhận", "counted": "hồ sơ tính chỉ tiêu 2.1", "on_time": "hồ sơ đúng hạn",
    "online_by_citizen": "hồ sơ người dân nộp trực tuyến", "online_assisted": "hồ sơ nộp trực tuyến được hỗ trợ",
    "with_fee": "hồ sơ có phí, lệ phí", "paid_online": "hồ sơ thanh toán trực tuyến", "name": "tên đơn vị",
}


def month_label(month: date) -> str:
    return f"tháng {month.month:02d}/{month.year}"


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    start = datetime(month.year, month.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)
    end = datetime(following.year, following.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)
    return start, end


def _instant(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def text_of(content: Mapping[str, Any]) -> str:
    """The canonical JSON of a content (what is stored and hashed)."""
    return canonical_json(dict(content))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lines_digest(lines: Iterable[Sequence[Any]]) -> str:
    """SHA-256 of a commune's dossier lines (sorted by dossier id), one canonical JSON array per line."""
    body = "\n".join(json.dumps(list(line), ensure_ascii=False, separators=(",", ":"))
                     for line in sorted(lines, key=lambda x: x[0]))
    return sha256(body)


# --------------------------------------------------------------------------------------------- judging afresh


@dataclass(frozen=True)
class JudgedDossier:
    commune_code: str
    line: tuple[Any, ...]
    counts: dict[str, int]
    procedure_code: str = ""


def judge_month(session: Session, province_code: str, month: date, now: datetime,
                facts_until: datetime | None = None) -> list[JudgedDossier]:
    """Every dossier of the province that counts in ``month``, judged again from the dossier table.

    The same rules as the fold (``index.facts.contribution_rows``, read by ``index.reading``), off the dossier's
    stored clock with the province's calendar and working hours as they are now, and the index facts (ratings,
    feedback cases) recorded by ``facts_until``.
    """
    start, end = _month_bounds(month)
    d = Dossier
    finished = func.coalesce(d.processed_at, d.returned_at, d.ended_at)
    out: list[JudgedDossier] = []
    for read in read_dossiers(session, [d.province_code == province_code, d.received_at < end,
                                        or_(finished.is_(None), finished >= start)], facts_until):
        row = read.row
        for c in contribution_rows(row, read.version, read.ledger, now):
            if c["month"] != month:
                continue
            ended = row.processed_at or row.returned_at or row.ended_at
            counted = "+".join(name for name in LINE_COUNTERS if c[name])
            line = (row.id, read.code, _instant(row.received_at), _instant(ended), _instant(c["due_at"]),
                    bool(c["on_time"]), c["reason"], counted)
            out.append(JudgedDossier(c["commune_code"], line,
                                     {name: int(bool(c[name])) for name in ROLLUP_COUNTERS},
                                     row.procedure_code))
    return out


# --------------------------------------------------------------------------------------------- the content

#: The counters a version-1 snapshot holds: its content, and so its hash, may never change after publication.
V1_COUNTERS = ("received", "counted", "on_time", "online_by_citizen", "online_assisted", "with_fee", "paid_online")


def _published_instant(published_at: str, now: datetime) -> datetime:
    """The instant a content was published at (the index facts it counts are those recorded by then)."""
    try:
        return as_utc(datetime.fromisoformat(published_at))
    except ValueError:
        return now


def content_counters(metric_set: MetricSet) -> tuple[str, ...]:
    """The counters written into a snapshot scored by ``metric_set``: version 1's seven for version 1 (what its
    published snapshots were hashed with), every rollup counter for later versions."""
    return V1_COUNTERS if metric_set.id == "766-v1" else ROLLUP_COUNTERS + SET_COUNTERS


#: The counters a later version's snapshot holds beyond the rollups': distinct procedures and feedback cases, counted
#: per commune and month (not sums of dossier flags).
SET_COUNTERS = ("fee_procedures_paid_online", "fee_procedures_with_fee_dossiers", "feedback_cases",
                "feedback_within_time", "feedback_not_unsatisfied")


def _subtotal(total: Subtotal, rank: int | None) -> dict[str, Any]:
    return {"points": str(total.points), "attainable": str(total.attainable),
            "percent": None if total.percent is None else str(total.percent), "rank": rank}


def build_content(session: Session, *, province_code: str, month: date, now: datetime, published_at: str,
                  published_by: str, metric_set: MetricSet | None = None) -> dict[str, Any]:
    """The content of a snapshot of ``month`` (the ranking and every dossier behind it), as a plain dict, scored by
    ``metric_set`` (default: the version in force for the month)."""
    province = session.get(Province, province_code)
    if province is None:
        raise NotFound("Không tìm thấy tỉnh.")
    communes = {r.code: r.name for r in session.execute(select(Commune.code, Commune.name)
                                                        .where(Commune.province_code == province_code))}
    metric_set = metric_set_for(month) if metric_set is None else metric_set
    catalogue = catalogue_counters(session, month)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ROLLUP_COUNTERS, 0))
    lines: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    fee_codes = fee_bearing_codes(session, month)
    owed: dict[str, set[str]] = defaultdict(set)
    paid: dict[str, set[str]] = defaultdict(set)
    for judged in judge_month(session, province_code, month, now, _published_instant(published_at, now)):
        commune = judged.commune_code
        lines[commune].append(judged.line)
        for name, value in judged.counts.items():
            sums[commune][name] += value
        if judged.procedure_code in fee_codes and judged.counts["owed_fee"]:
            owed[commune].add(judged.procedure_code)
            if judged.counts["owed_fee_paid_online"]:
                paid[commune].add(judged.procedure_code)
    cases = feedback_counters(session, province_code, Period("month", month, add_months(month, 1), ""),
                              "commune_code")
    counters = {code: DossierCounters(**sums[code], fee_procedures_with_fee_dossiers=len(owed[code]),
                                      fee_procedures_paid_online=len(paid[code]), **cases.get(code, {}))
                if code in sums else DossierCounters.zero() for code in communes}
    cards = {code: scorecard(metric_set, counters[code], catalogue) for code in communes}
    scored = {code: card for code, card in cards.items() if counters[code].counted}
    total_ranks = competition_ranks({code: share_order(card.total) for code, card in scored.items()})
    group_ranks = {g.code: competition_ranks({code: share_order(card.group(g.code).total)
                                              for code, card in scored.items()})
                   for g in metric_set.groups}
    rows = []
    for code, name in communes.items():
        card = cards[code]
        mine = sorted(lines.get(code, []), key=lambda x: x[0])
        rows.append({
            "code": code, "name": name, **_subtotal(card.total, total_ranks.get(code)),
            "groups": {g.code: _subtotal(card.group(g.code).total, group_ranks[g.code].get(code))
                       for g in metric_set.groups},
            "counters": {c: getattr(counters[code], c) for c in content_counters(metric_set)},
            "dossiers": [list(line) for line in mine],
            "dossiers_digest": lines_digest(mine),
        })
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"], r["code"]))
    return {
        "format": SNAPSHOT_FORMAT,
        "province": {"code": province.code, "name": province.name},
        "month": f"{month:%Y-%m}",
        "metric_set": metric_set.id,
        "catalogue": {"procedures": catalogue.procedures, "online_offered": catalogue.online_offered,
                      "fee_bearing": catalogue.fee_bearing, "fee_payable_online": catalogue.fee_payable_online,
                      "complete_parts": catalogue.complete_parts},
        "dossier_columns": list(DOSSIER_COLUMNS),
        "published_at": published_at,
        "published_by": published_by,
        "communes": rows,
    }


# --------------------------------------------------------------------------------------------- reading


def parsed_content(snapshot: IndexSnapshot) -> dict[str, Any] | None:
    """The stored content as a dict; None when it is no longer valid JSON (the row was edited)."""
    try:
        content = json.loads(snapshot.content)
    except ValueError:
        return None
    return content if isinstance(content, dict) else None


# --------------------------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class NumberChange:
    field: str
    published: Any
    now: Any

    @property
    def label(self) -> str:
        head, _, tail = self.field.partition(".")
        if head == "groups":
            group, _, what = tail.partition(".")
            return f"nhóm {group}: {_NUMBER_LABELS.get(what, what)}"
        return _NUMBER_LABELS.get(tail or head, self.field)


@dataclass(frozen=True)
class DossierChange:
    dossier_id: int
    code: str
    kind: str  # changed | added | removed
    fields: tuple[tuple[str, Any, Any], ...] = ()

    @property
    def message(self) -> str:
        if self.kind == "added":
            return f"Hồ sơ {self.code} (id {self.dossier_id}) nay được tính vào tháng nhưng không có trong bản công bố"
        if self.kind == "removed":
            return f"Hồ sơ {self.code} (id {self.dossier_id}) có trong bản công bố nhưng nay không còn được tính"
        parts = "; ".join(f"{_COLUMN_LABELS.get(name, name)}: {old} → {new}" for name, old, new in self.fields)
        return f"Hồ sơ {self.code} (id {self.dossier_id}) đã thay đổi — {parts}"


@dataclass(frozen=True)
class CommuneChange:
    commune_code: str
    commune_name: str
    numbers: tuple[NumberChange, ...] = ()
    dossiers: tuple[DossierChange, ...] = ()
    digest_changed: bool = False

    @property
    def message(self) -> str:
        parts = []
        if self.numbers:
            parts.append("số liệu thay đổi (" + "; ".join(f"{n.label}: {n.published} → {n.now}"
                                                          for n in self.numbers) + ")")
        if self.digest_changed:
            parts.append(f"mã băm hồ sơ thay đổi ({len(self.dossiers)} hồ sơ khác bản công bố)")
        return f"{self.commune_name} ({self.commune_code}): " + ", ".join(parts)


@dataclass(frozen=True)
class SnapshotCheck:
    """The result of ``verify_snapshot``: ok, or what changed since publication."""

    snapshot_id: int
    content_intact: bool
    """The stored content still hashes to the stored digest."""
    record_intact: bool
    """The stored digest is the one the audit log recorded at publication, and the row's columns match its content."""
    communes: tuple[CommuneChange, ...] = ()
    problems: tuple[str, ...] = ()
    dossiers_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.content_intact and self.record_intact and not self.communes and not self.problems

    @property
    def changed_dossier_ids(self) -> list[int]:
        return sorted({d.dossier_id for c in self.communes for d in c.dossiers})

    @property
    def reasons(self) -> list[str]:
        """Every reason the check failed, in Vietnamese (the CLI prints these)."""
        return [*self.problems, *(c.message for c in self.communes),
                *(f"  {d.message}" for c in self.communes for d in c.dossiers)]


def _numbers(published: Mapping[str, Any], now: Mapping[str, Any]) -> list[NumberChange]:
    out = []
    for key in ("name", "rank", "points", "attainable", "percent"):
        if published.get(key) != now.get(key):
            out.append(NumberChange(key, published.get(key), now.get(key)))
    for key in sorted(set(published.get("counters", {})) | set(now.get("counters", {}))):
        old, new = published.get("counters", {}).get(key), now.get("counters", {}).get(key)
        if old != new:
            out.append(NumberChange(f"counters.{key}", old, new))
    groups_old, groups_new = published.get("groups", {}), now.get("groups", {})
    for group in sorted(set(groups_old) | set(groups_new)):
        for key in ("rank", "points", "attainable", "percent"):
            old, new = groups_old.get(group, {}).get(key), groups_new.get(group, {}).get(key)
            if old != new:
                out.append(NumberChange(f"groups.{group}.{key}", old, new))
    return out


def _dossier_changes(published: Sequence[Sequence[Any]], now: Sequence[Sequence[Any]]) -> list[DossierChange]:
    old = {line[0]: line for line in published}
    new = {line[0]: line for line in now}
    out = []
    for dossier_id in sorted(set(old) | set(new)):
        a, b = old.get(dossier_id), new.get(dossier_id)
        if a is None and b is not None:
            out.append(DossierChange(dossier_id, b[1], "added"))
        elif b is None and a is not None:
            out.append(DossierChange(dossier_id, a[1], "removed"))
        elif a is not None and b is not None and list(a) != list(b):
            fields = tuple((name, x, y) for name, x, y in zip(DOSSIER_COLUMNS[1:], a[1:], b[1:], strict=False)
                           if x != y)
            out.append(DossierChange(dossier_id, b[1], "changed", fields))
    return out


def compare_contents(published: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[list[str], list[CommuneChange]]:
    """What differs between a published content and the same content recomputed (pure)."""
    problems = []
    for key, label in (("metric_set", "bộ chỉ số"), ("catalogue", "số liệu danh mục thủ tục"),
                       ("province", "tỉnh"), ("month", "tháng")):
        if published.get(key) != now.get(key):
            problems.append(f"Thay đổi {label}: {published.get(key)} → {now.get(key)}")
    old = {c.get("code"): c for c in published.get("communes", []) if isinstance(c, dict)}
    new = {c.get("code"): c for c in now.get("communes", [])}
    changes = []
    for code in sorted(set(old) | set(new), key=str):
        a, b = old.get(code, {}), new.get(code, {})
        numbers = _numbers(a, b)
        digest_changed = a.get("dossiers_digest") != b.get("dossiers_digest")
        dossiers = _dossier_changes(a.get("dossiers", []), b.get("dossiers", [])) if digest_changed else []
        if numbers or digest_changed:
            changes.append(CommuneChange(str(code), b.get("name") or a.get("name") or str(code), tuple(numbers),
                                         tuple(dossiers), digest_changed))
    return problems, changes


def _audited_digest(session: Session, snapshot_id: int) -> str | None:
    data = session.scalar(select(AuditEvent.data).where(AuditEvent.action == PUBLISH_ACTION,
                                                        AuditEvent.object_kind == "index_snapshot",
                                                        AuditEvent.object_id == str(snapshot_id))
                          .order_by(AuditEvent.id).limit(1))
    if data is None:
        return None
    try:
        value = json.loads(data).get("digest")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def verify_snapshot(session: Session, snapshot_id: int, now: datetime) -> SnapshotCheck:
    """Check a published snapshot: its row against its hash and the audit log, its numbers against the dossiers.

    The caller passed the access gate (``report.queries.snapshots.get_snapshot_for``) or is the command line.
    """
    snapshot = session.get(IndexSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound("Không tìm thấy bảng xếp hạng đã công bố.")
    problems: list[str] = []
    content_intact = sha256(snapshot.content) == snapshot.digest
    if not content_intact:
        problems.append("Nội dung bị sửa: mã băm SHA-256 của nội dung đã lưu không khớp với mã băm lúc công bố.")
    record_intact = True
    audited = _audited_digest(session, snapshot.id)
    if audited is None:
        record_intact = False
        problems.append("Không tìm thấy sự kiện công bố trong nhật ký kiểm toán.")
    elif audited != snapshot.digest:
        record_intact = False
        problems.append("Mã băm đã lưu khác mã băm ghi trong nhật ký kiểm toán lúc công bố: bản ghi bị sửa.")
    published = parsed_content(snapshot)
    if published is None:
        problems.append("Nội dung đã lưu không còn đọc được (không phải JSON hợp lệ).")
        return SnapshotCheck(snapshot.id, content_intact, record_intact, (), tuple(problems))
    month = snapshot.month
    if (published.get("province", {}).get("code") != snapshot.province_code
            or published.get("month") != f"{month:%Y-%m}" or published.get("metric_set") != snapshot.metric_set):
        record_intact = False
        problems.append("Thông tin của bản ghi (tỉnh, tháng, bộ chỉ số) không khớp với nội dung đã công bố.")
    try:
        # a snapshot is checked by the version it was computed with, even if another version covers its month now
        metric_set = metric_set_by_id(snapshot.metric_set)
    except KeyError:
        metric_set = None
        problems.append(f"Bộ chỉ số {snapshot.metric_set} của bản đã công bố không còn trong hệ thống.")
    fresh = build_content(session, province_code=snapshot.province_code, month=month, now=now,
                          published_at=published.get("published_at", ""),
                          published_by=published.get("published_by", ""), metric_set=metric_set)
    more, communes = compare_contents(published, fresh)
    checked = sum(len(c["dossiers"]) for c in fresh["communes"])
    return SnapshotCheck(snapshot.id, content_intact, record_intact, tuple(communes), (*problems, *more), checked)
