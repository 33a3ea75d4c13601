"""What each role sees first (docs/legal.md §2): the home page's one query, read-only, built from the domain
queries and their gates."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.audit.queries import recent_events_for
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import CalendarError, DayInfo
from motcua.calendar.queries import calendar_for_province
from motcua.dossier.queries import QUEUE_LABELS, CommuneActivity, province_activity, queue_counts
from motcua.dossier.workflow import ACTION_LABELS as DOSSIER_ACTIONS
from motcua.feedback.workflow import ACTION_LABELS as CASE_ACTIONS
from motcua.index.definitions import NoMetricSetInForce, metric_set_for
from motcua.index.periods import Period, add_months, parse_period
from motcua.index.rankings import province_ranking
from motcua.index.rollups import catalogue_counters, rollup_counters, scorecard
from motcua.index.score import Scorecard, merge_all
from motcua.kit.clock import to_local
from motcua.kit.errors import ValidationFailed
from motcua.org.models import Commune, Officer, Province
from motcua.org.queries import (
    CommuneStaff,
    commune_staff,
    get_commune_for,
    get_officer_for,
    get_province,
    province_overview,
)

#: The cards of the home page and the role each is for: a card points to the work of that role.
SECTIONS: tuple[tuple[str, Role], ...] = (
    ("reception", Role.RECEPTION),
    ("specialist", Role.SPECIALIST),
    ("approver", Role.APPROVER),
    ("centre_director", Role.CENTRE_DIRECTOR),
    ("index", Role.PROVINCE_MONITOR),
    ("admin", Role.ADMIN),
    ("volunteer", Role.VOLUNTEER),
    ("council", Role.COUNCIL),
)
#: The audit trail's actions in words (the home page's activity feed); dossier and feedback actions take their
#: workflow's labels.
EVENT_WORDS: dict[str, str] = {
    "auth.login": "Đăng nhập", "auth.logout": "Đăng xuất", "auth.login_failed": "Đăng nhập không thành công",
    "auth.password_change": "Đổi mật khẩu", "api_token.create": "Tạo mã truy cập API",
    "api_token.revoke": "Thu hồi mã truy cập API", "officer.create": "Thêm cán bộ",
    "officer.unlock": "Mở khóa tài khoản cán bộ", "officer.assign_post": "Phân công vị trí cho cán bộ",
    "personal_data.read": "Xem thông tin cá nhân của người dân",
    "calendar.announcement_recorded": "Ghi nhận ngày nghỉ hoặc ngày làm bù",
    "calendar.announcement_withdrawn": "Hủy thông báo ngày nghỉ hoặc ngày làm bù",
    "calendar.working_hours_set": "Đặt giờ làm việc", "catalog.imported": "Nhập danh mục thủ tục",
    "commune.agency_id_set": "Đặt mã cơ quan của xã",
    "province.single_officer_approval_set": "Thiết lập phê duyệt khi xã chỉ có một cán bộ",
    "citizen.signed_up": "Người dân đăng ký tài khoản", "citizen.identity_verified": "Người dân xác thực định danh",
    "dossier.rated": "Người dân đánh giá hồ sơ", "dossier.payment_started": "Bắt đầu thanh toán phí trực tuyến",
    "dossier.paid_online": "Thanh toán phí trực tuyến thành công", "dossier.imported": "Nhập hồ sơ từ hệ thống cũ",
    "dossier.fee_paid": "Nộp phí, lệ phí", "dossier.document_added": "Đính kèm tài liệu vào hồ sơ",
    "dossier.consent_recorded": "Ghi nhận sự đồng ý nộp hộ của người dân",
    "feedback.receive": "Tiếp nhận phản ánh, kiến nghị", "feedback.rate_answer": "Người dân đánh giá trả lời phản ánh",
    "index.snapshot_published": "Công bố bảng xếp hạng chỉ số",
    **{f"dossier.{action.value}": label for action, label in DOSSIER_ACTIONS.items()},
    **{f"feedback.{action.value}": label for action, label in CASE_ACTIONS.items()},
}
OBJECT_WORDS: dict[str, str] = {
    "dossier": "hồ sơ", "officer": "cán bộ", "feedback_case": "phản ánh", "feedback_cases": "phản ánh",
    "api_token": "mã truy cập", "calendar_announcement": "thông báo lịch", "catalogue": "danh mục",
    "citizen": "tài khoản người dân", "commune": "xã", "province": "tỉnh", "dossier_register": "sổ theo dõi hồ sơ",
    "dossier_search": "tìm kiếm hồ sơ", "index_snapshot": "bảng xếp hạng",
}


def event_in_words(event: AuditEvent) -> str:
    """One audit event as a sentence a province monitor reads ("Tiếp nhận hồ sơ · hồ sơ 123")."""
    words = EVENT_WORDS.get(event.action) or "Thao tác khác trên hệ thống"
    if event.object_kind in OBJECT_WORDS and event.object_id:
        words += f" · {OBJECT_WORDS[event.object_kind]} {event.object_id}"
    return words


#: Who sees the latest audit events of their province or commune on the home page.
EVENT_READERS = (Role.ADMIN, Role.CENTRE_DIRECTOR, Role.PROVINCE_MONITOR)


@dataclass(frozen=True)
class Today:
    """Whether today counts for deadlines in the officer's province, and if not, when the clock resumes."""

    info: DayInfo
    next_workday: date | None


@dataclass(frozen=True)
class OverviewStats:
    communes: int
    officers: int
    min: int
    max: int


@dataclass(frozen=True)
class IndexGlance:
    """The last complete month's index of the province: its own score card and the best and weakest communes."""

    period: Period
    card: Scorecard
    ranked: int
    best: list[tuple[Commune, Scorecard]]
    weakest: list[tuple[Commune, Scorecard]]


@dataclass(frozen=True)
class ProvinceDesk:
    """What a province officer follows each day (issue: the home page listed raw audit codes): today's intake,
    the dossiers past their appointment by commune, the communes with no dossier received for 7 days, the index."""

    received_today: int
    received_week: int
    overdue: int
    most_overdue: list[tuple[Commune, CommuneActivity]]
    quiet: list[Commune]
    index: IndexGlance | None


@dataclass(frozen=True)
class HomePage:
    officer: Officer
    province: Province
    now: datetime
    today: Today | None
    sections: frozenset[str]
    commune: Commune | None = None
    staff: CommuneStaff | None = None
    overview: list[tuple[Commune, int]] | None = None
    overview_stats: OverviewStats | None = None
    events: list[AuditEvent] | None = None
    desk: ProvinceDesk | None = None
    queues: dict[str, int] | None = None
    """A commune officer's work by queue (online awaiting acceptance, overdue, due soon, supplements to confirm,
    to be assigned), each linking to that list of the inbox (issue 16, item 4)."""
    queue_labels: dict[str, str] | None = None

    def context(self) -> dict[str, Any]:
        """The template's variables (a shallow copy: the ORM objects stay attached)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def home_page(session: Session, principal: Principal, now: datetime) -> HomePage:
    """The officer's home page: who they are, whether today is a working day in their province, their cards, their
    commune's staff (or the province's communes) and, for the roles that oversee, the latest audit events."""
    assert principal.id is not None
    commune = staff = overview = stats = desk = queues = None
    if principal.commune_code is not None:
        commune = get_commune_for(session, principal, principal.commune_code)
        staff = commune_staff(session, commune)
        queues = queue_counts(session, principal, now) or None
    else:
        overview = province_overview(session, principal.province_code)
        staffed = [n for _, n in overview if n]
        stats = OverviewStats(len(overview), sum(staffed), min(staffed) if staffed else 0,
                              max(staffed) if staffed else 0)
        desk = _desk(session, principal, [c for c, _ in overview], now)
    return HomePage(
        officer=get_officer_for(session, principal, principal.id),
        province=get_province(session, principal.province_code),
        now=now,
        today=_today(session, principal, now),
        sections=frozenset(name for name, role in SECTIONS if principal.has_role(role)),
        commune=commune, staff=staff, overview=overview, overview_stats=stats,
        events=recent_events_for(session, principal, limit=15) if principal.has_role(*EVENT_READERS) else None,
        desk=desk, queues=queues, queue_labels=QUEUE_LABELS,
    )


def _desk(session: Session, principal: Principal, communes: list[Commune], now: datetime) -> ProvinceDesk:
    activity = province_activity(session, principal, now)
    none = CommuneActivity()
    overdue = sorted(((c, activity[c.code]) for c in communes if c.code in activity and activity[c.code].overdue),
                     key=lambda pair: (-pair[1].overdue, pair[0].name_folded))
    return ProvinceDesk(
        received_today=sum(a.received_today for a in activity.values()),
        received_week=sum(a.received_week for a in activity.values()),
        overdue=sum(a.overdue for a in activity.values()),
        most_overdue=overdue[:10],
        quiet=[c for c in communes if not activity.get(c.code, none).received_week],
        index=_index_glance(session, principal.province_code, communes, now),
    )


def _index_glance(session: Session, province_code: str, communes: list[Commune], now: datetime) -> IndexGlance | None:
    """The last month that is over: the province's own card and the ends of the ranking the ranking page shows
    (``index.rankings``, the same cached rows)."""
    today = to_local(now).date()
    month = add_months(date(today.year, today.month, 1), -1)
    try:
        period = parse_period(f"{month:%Y-%m}", today)
        metric_set = metric_set_for(month)
    except (NoMetricSetInForce, ValidationFailed):
        return None
    by_commune = rollup_counters(session, province_code, period)
    if not by_commune:
        return None
    named = {c.code: c for c in communes}
    ordered = [(named[r.commune_code], r.card) for r in province_ranking(session, province_code, period).rows
               if r.rank is not None and r.commune_code in named]
    catalogue = catalogue_counters(session, month)
    return IndexGlance(period, scorecard(metric_set, merge_all(by_commune.values()), catalogue, level="province"),
                       len(ordered), ordered[:3], ordered[-3:][::-1] if len(ordered) > 3 else [])


def _today(session: Session, principal: Principal, now: datetime) -> Today | None:
    """Read off the province's calendar, announcements recorded in the database included, as the due dates are
    (docs/legal.md §4)."""
    today = to_local(now).date()
    try:
        calendar = calendar_for_province(session, principal.province_code)
        info = calendar.describe(today)
        return Today(info, None if info.is_workday else calendar.roll_forward(today))
    except CalendarError:
        return None
