"""Fair play (chống "làm đẹp" chỉ số): signs that a commune's service-index numbers are being gamed.

A province ranks its communes by the index (Decision 766/QĐ-TTg), so a commune gains places by making its dossiers
*look* on time or filed online. Each rule below reads the dossiers of a province and a period and names, per
commune, what it found, with the numbers and the dossiers involved. A flag is a question for the province monitor,
not a verdict: every rule has honest explanations, which is why thresholds are set to find patterns, not single
events, and why each is a named constant to confirm with the province (``THRESHOLDS`` says why each was chosen).

The rules (pure functions of ``PlayRow`` values; ``fair_play`` is the one query that reads them):

1. ``backdated_receipt`` — the receipt time (NgayTiepNhan) is earlier than the instant the row was written.
   At the counter the row is written when the receipt is issued (``created_at`` = ``received_at``); an online
   dossier is written when filed and received later, when accepted. A receipt dated well before the system saw
   the dossier moves the clock's start and the month the dossier counts in, without a trace.
2. ``closure_burst`` — a commune closes far more of its month's dossiers in the month's last working days than the
   province does: processing held back, or dossiers closed to make the month's numbers.
3. ``supplement_last_day`` / ``supplement_rate`` — a request to supplement (yêu cầu bổ sung, Decree 118 Art. 19(5))
   stops the clock and, when the papers come back, restarts the time limit from zero. Asked on the last working
   day before the due date (or after it), it rescues a dossier that was about to be late; asked far more often
   than elsewhere in the province, it is used as a brake.
4. ``online_counted_as_citizen`` / ``assisted_share`` — indicator 3.3 counts only dossiers citizens filed online
   themselves (``facts``: assisted filing is counted apart). A dossier marked "online, filed by the citizen" but
   taken in at the counter is an officer's filing counted as the citizen's. The share of assisted filing among
   online dossiers is shown too: not gaming (the index does not count it) but what seed 002 reports — citizens
   who cannot yet file themselves.

Why rule 4 does not read ``received_by_id`` alone: accepting an online submission (``accept_online``, Art.
17(2)) records the accepting officer there too, so every honest online dossier has it. What marks a counter
intake is that the dossier entered through the counter's ``receive`` action, not through the online queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from fractions import Fraction
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.calendar import VIETNAM_TZ, CalendarError, WorkCalendar, WorkingHours, working_time_between
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.models import ProcedureVersion
from motcua.dossier.clock import ledger_of
from motcua.dossier.models import Dossier, DossierEvent
from motcua.index.facts import supplement_requests
from motcua.index.periods import Period
from motcua.kit.clock import as_utc, to_local
from motcua.kit.errors import Forbidden, NotFound
from motcua.org.models import Commune, Province

US_PER_HOUR = 3600 * 10**6

BACKDATE_TOLERANCE_HOURS = 1
"""Rule 1: a receipt may be dated up to 1 working hour before the row was written. An hour absorbs a slow link or a
receipt typed in after the queue has been served; more means the receipt time was set by hand. Measured in
working time, so a receipt entered the next morning for a dossier taken at closing time is not flagged. A counter
that works offline and syncs later (seed 004) must mark its dossiers so this rule can leave them out — there is
no such mark yet; dossiers imported from dissolved units (seed 003) likewise."""

BURST_WINDOW_DAYS = 2
"""Rule 2: the "end of the month" is its last 2 working days (a closing sprint is a matter of days, not weeks)."""
BURST_RATIO = 2
"""Rule 2: flagged when the commune's share of its month's closures in the window is more than 2 × the province's.
The province's own share is the baseline because months differ (holidays, a month ending on a Monday)."""
BURST_MIN_CLOSURES = 20
"""Rule 2: and at least 20 closures in the window: with fewer, doubling the province's share happens by chance
(with a 10 % baseline, 20 of 100 closures in the window has a probability of about 0.2 %)."""

SUPPLEMENT_LAST_DAY_HOURS = 8
"""Rule 3: a request counts as "last day" when at most 1 working day (8 working hours) was left before the due
date. Art. 19(5) asks for supplements within 3 working days of receipt, so for most procedures a last-day request
is already out of time."""
SUPPLEMENT_LAST_DAY_RATIO = 2
"""Rule 3: flagged when the commune's share of its requests made on the last day is more than 2 × the province's
share. Where appraisal finds missing papers late, it does so everywhere; the province's share is the baseline
(about 20 % in the demo data, whose requests fall at random times)."""
SUPPLEMENT_LAST_DAY_MIN = 5
"""Rule 3: and at least 5 such requests in the period: one or two late appraisals are honest work."""
SUPPLEMENT_AFTER_DUE_MIN = 1
"""Rule 3: a request made after the due date is flagged from the first one whatever the shares: it turns a dossier
that is already late into one judged on time once the papers come back (the limit restarts from zero)."""
SUPPLEMENT_RATE_RATIO = 3
"""Rule 3: flagged when the commune's requests per dossier received exceed 3 × the province's rate."""
SUPPLEMENT_RATE_MIN_REQUESTS = 5
"""Rule 3: and the commune made at least 5 requests (below that a rate is noise)."""

ASSISTED_SHARE_NOTE = Fraction(8, 10)
"""Rule 4: shown when 80 % or more of a commune's online dossiers were filed by an officer or a volunteer."""
ASSISTED_MIN_ONLINE = 20
"""Rule 4: among at least 20 online dossiers."""

MAX_LISTED = 20
"""Dossiers listed per flag (the count says how many there are)."""

RULES: Mapping[str, str] = {
    "backdated_receipt": "Ngày tiếp nhận ghi lùi",
    "closure_burst": "Dồn kết thúc hồ sơ vào cuối tháng",
    "supplement_last_day": "Yêu cầu bổ sung sát hạn để dừng đồng hồ",
    "supplement_rate": "Tỷ lệ yêu cầu bổ sung cao bất thường",
    "online_counted_as_citizen": "Hồ sơ cán bộ nộp hộ bị ghi là người dân tự nộp trực tuyến",
    "assisted_share": "Tỷ lệ nộp trực tuyến được hỗ trợ cao",
}

THRESHOLDS: tuple[str, ...] = (
    f"Ngày tiếp nhận sớm hơn thời điểm nhập hệ thống quá {BACKDATE_TOLERANCE_HOURS} giờ làm việc.",
    f"Tỷ lệ hồ sơ kết thúc trong {BURST_WINDOW_DAYS} ngày làm việc cuối tháng gấp hơn {BURST_RATIO} lần tỷ lệ "
    f"chung của tỉnh, với ít nhất {BURST_MIN_CLOSURES} hồ sơ.",
    f"Tỷ lệ yêu cầu bổ sung đưa ra khi còn không quá 1 ngày làm việc trước hạn gấp hơn {SUPPLEMENT_LAST_DAY_RATIO} "
    f"lần tỷ lệ chung của tỉnh, với ít nhất {SUPPLEMENT_LAST_DAY_MIN} yêu cầu; hoặc có yêu cầu bổ sung khi hồ sơ đã "
    "quá hạn.",
    f"Tỷ lệ yêu cầu bổ sung gấp hơn {SUPPLEMENT_RATE_RATIO} lần tỷ lệ của tỉnh, với ít nhất "
    f"{SUPPLEMENT_RATE_MIN_REQUESTS} yêu cầu.",
    "Mọi hồ sơ trực tuyến ghi là người dân tự nộp nhưng được tiếp nhận tại quầy.",
    f"Từ {int(ASSISTED_SHARE_NOTE * 100)}% hồ sơ trực tuyến do cán bộ hoặc tình nguyện viên nộp hộ, với ít nhất "
    f"{ASSISTED_MIN_ONLINE} hồ sơ trực tuyến (chỉ để biết: chỉ tiêu 3.3 không tính các hồ sơ này).",
)


# --------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class SupplementRequest:
    at: datetime
    left_us: int
    """Working time that was left before the due date when the request was made (0 once late)."""
    late: bool


@dataclass(frozen=True)
class PlayRow:
    """What the rules read of one dossier (instants aware, UTC)."""

    id: int
    code: str
    receiving_commune_code: str
    deciding_commune_code: str
    channel: int
    filed_by: str
    received_by_id: int | None
    counter_intake: bool
    """It entered through the counter's ``receive`` action, not as an online submission accepted later."""
    received_at: datetime
    created_at: datetime
    finished_at: datetime | None
    """End of processing as the index reads it: processed, else returned, else stopped/refused/withdrawn/closed."""
    clock_started: bool
    supplements: tuple[SupplementRequest, ...] = ()


@dataclass(frozen=True)
class FlaggedDossier:
    id: int
    code: str


@dataclass(frozen=True)
class Flag:
    commune_code: str
    commune_name: str
    rule: str
    explanation: str
    dossiers: tuple[FlaggedDossier, ...]
    total: int
    """How many dossiers are involved (``dossiers`` lists at most ``MAX_LISTED``)."""
    severity: str = "warning"  # warning | info

    @property
    def title(self) -> str:
        return RULES[self.rule]


@dataclass(frozen=True)
class Bounds:
    """The period as instants ``[start, end)`` and its months (first days, Vietnam time)."""

    start: datetime
    end: datetime
    months: tuple[date, ...]

    @classmethod
    def of(cls, period: Period) -> Bounds:
        start = datetime(period.start.year, period.start.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)
        return cls(start, period.end_instant, tuple(period.months))

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.start <= instant < self.end


def _pct(value: Fraction) -> str:
    return f"{float(value * 100):.1f}".replace(".", ",") + "%"


def _times(value: Fraction) -> str:
    return f"{float(value):.1f}".replace(".", ",")


def _vn(instant: datetime) -> str:
    return f"{to_local(instant):%H:%M %d/%m/%Y}"


def _hours(us: int) -> str:
    return f"{us / US_PER_HOUR:.1f}".replace(".", ",")


def _listed(rows: Iterable[PlayRow]) -> tuple[FlaggedDossier, ...]:
    return tuple(FlaggedDossier(r.id, r.code) for r in list(rows)[:MAX_LISTED])


# --------------------------------------------------------------------------------------------- rule 1


def backdated_receipts(rows: Iterable[PlayRow], bounds: Bounds, calendar: WorkCalendar, hours: WorkingHours,
                       names: Mapping[str, str]) -> list[Flag]:
    """Receipts dated more than ``BACKDATE_TOLERANCE_HOURS`` working hours before the row was written, by the
    receiving commune (the counter that wrote them)."""
    tolerance = BACKDATE_TOLERANCE_HOURS * US_PER_HOUR
    found: dict[str, list[tuple[int, PlayRow]]] = defaultdict(list)
    for r in rows:
        if r.received_at not in bounds and r.created_at not in bounds:
            continue
        if r.received_at >= r.created_at:
            continue
        try:
            lag = working_time_between(r.received_at, r.created_at, calendar, hours)
        except CalendarError:
            lag = int((r.created_at - r.received_at).total_seconds() * 10**6)
        if lag > tolerance:
            found[r.receiving_commune_code].append((lag, r))
    flags = []
    for code, items in found.items():
        items.sort(key=lambda x: (-x[0], x[1].id))
        worst_lag, worst = items[0]
        flags.append(Flag(code, names.get(code, code), "backdated_receipt",
                          f"{len(items)} hồ sơ có thời điểm tiếp nhận sớm hơn thời điểm được nhập vào hệ thống quá "
                          f"{BACKDATE_TOLERANCE_HOURS} giờ làm việc; lệch nhiều nhất {_hours(worst_lag)} giờ làm việc "
                          f"(hồ sơ {worst.code}: ghi tiếp nhận {_vn(worst.received_at)}, nhập lúc "
                          f"{_vn(worst.created_at)}).",
                          _listed(r for _lag, r in items), len(items)))
    return flags


# --------------------------------------------------------------------------------------------- rule 2


def month_end_window(month: date, calendar: WorkCalendar, days: int = BURST_WINDOW_DAYS) -> tuple[datetime, datetime]:
    """The instants ``[start, end)`` of the last ``days`` working days of ``month`` (to the month's end)."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    first_day = calendar.working_day_at(calendar.working_days_before(following) - days)
    first_day = max(first_day, month)
    start = datetime.combine(first_day, time(0), tzinfo=VIETNAM_TZ).astimezone(UTC)
    end = datetime(following.year, following.month, 1, tzinfo=VIETNAM_TZ).astimezone(UTC)
    return start, end


def closure_bursts(rows: Iterable[PlayRow], bounds: Bounds, calendar: WorkCalendar,
                   names: Mapping[str, str]) -> list[Flag]:
    """Communes whose share of closures in the months' last working days is far above the province's."""
    windows = [month_end_window(m, calendar) for m in bounds.months]
    total: dict[str, int] = defaultdict(int)
    inside: dict[str, list[PlayRow]] = defaultdict(list)
    for r in rows:
        if not r.clock_started or r.finished_at is None or r.finished_at not in bounds:
            continue
        total[r.deciding_commune_code] += 1
        if any(start <= r.finished_at < end for start, end in windows):
            inside[r.deciding_commune_code].append(r)
    all_closed = sum(total.values())
    if not all_closed:
        return []
    province_share = Fraction(sum(len(v) for v in inside.values()), all_closed)
    days = (f"{to_local(windows[0][0]):%d/%m}–{_last_day(windows[0][1])}" if len(windows) == 1
            else "của mỗi tháng trong kỳ")
    flags = []
    for code, closed in inside.items():
        share = Fraction(len(closed), total[code])
        if len(closed) < BURST_MIN_CLOSURES or share <= BURST_RATIO * province_share:
            continue
        ratio = share / province_share if province_share else None
        compared = (f"gấp {_times(ratio)} lần tỷ lệ chung của tỉnh ({_pct(province_share)})" if ratio is not None
                    else "trong khi toàn tỉnh không có hồ sơ nào")
        closed.sort(key=lambda r: (r.finished_at or r.received_at, r.id))
        flags.append(Flag(code, names.get(code, code), "closure_burst",
                          f"{len(closed)}/{total[code]} hồ sơ ({_pct(share)}) kết thúc xử lý trong "
                          f"{BURST_WINDOW_DAYS} ngày làm việc cuối tháng ({days}), {compared}.",
                          _listed(closed), len(closed)))
    return flags


def _last_day(end: datetime) -> str:
    """The last day before ``end`` (the next month's first instant), as dd/mm."""
    return f"{date.fromordinal(to_local(end).date().toordinal() - 1):%d/%m}"


# --------------------------------------------------------------------------------------------- rule 3


def supplement_flags(rows: Iterable[PlayRow], bounds: Bounds, names: Mapping[str, str]) -> list[Flag]:
    """Supplement requests made on the last working day before the due date (or after it), and communes whose
    rate of requests is far above the province's, by the deciding commune (whose specialists ask)."""
    last_day = SUPPLEMENT_LAST_DAY_HOURS * US_PER_HOUR
    near: dict[str, list[tuple[PlayRow, SupplementRequest]]] = defaultdict(list)
    requests: dict[str, int] = defaultdict(int)
    asked: dict[str, list[PlayRow]] = defaultdict(list)
    received: dict[str, int] = defaultdict(int)
    for r in rows:
        if r.clock_started and r.received_at in bounds:
            received[r.deciding_commune_code] += 1
        mine = [s for s in r.supplements if s.at in bounds]
        if mine:
            asked[r.deciding_commune_code].append(r)
        for s in mine:
            requests[r.deciding_commune_code] += 1
            if s.late or s.left_us <= last_day:
                near[r.deciding_commune_code].append((r, s))
    flags = []
    all_requests = sum(requests.values())
    province_share = Fraction(sum(len(v) for v in near.values()), all_requests) if all_requests else Fraction(0)
    for code, items in near.items():
        late = sum(1 for _r, s in items if s.late)
        share = Fraction(len(items), requests[code])
        habit = len(items) >= SUPPLEMENT_LAST_DAY_MIN and share > SUPPLEMENT_LAST_DAY_RATIO * province_share
        if not habit and late < SUPPLEMENT_AFTER_DUE_MIN:
            continue
        after = f"; {late} yêu cầu khi hồ sơ đã quá hạn" if late else ""
        items.sort(key=lambda x: (x[1].at, x[0].id))
        flags.append(Flag(code, names.get(code, code), "supplement_last_day",
                          f"{len(items)}/{requests[code]} yêu cầu bổ sung ({_pct(share)}) được đưa ra khi hồ sơ chỉ "
                          f"còn không quá 1 ngày làm việc trước hạn (toàn tỉnh: {_pct(province_share)}){after}. "
                          "Yêu cầu bổ sung dừng đồng hồ và tính lại thời hạn từ đầu khi nhận đủ hồ sơ (Điều 19(5) "
                          "Nghị định 118/2025/NĐ-CP), nên hồ sơ sắp trễ hoặc đã trễ không bị tính trễ.",
                          _listed(r for r, _s in items), len(items)))
    all_received = sum(received.values())
    all_asked = sum(len(v) for v in asked.values())
    if all_received and all_asked:
        province_rate = Fraction(all_asked, all_received)
        for code, dossiers in asked.items():
            if len(dossiers) < SUPPLEMENT_RATE_MIN_REQUESTS or not received.get(code):
                continue
            rate = Fraction(len(dossiers), received[code])
            if rate <= SUPPLEMENT_RATE_RATIO * province_rate:
                continue
            flags.append(Flag(code, names.get(code, code), "supplement_rate",
                              f"{len(dossiers)} hồ sơ bị yêu cầu bổ sung trên {received[code]} hồ sơ tiếp nhận trong "
                              f"kỳ ({_pct(rate)}), gấp {_times(rate / province_rate)} lần tỷ lệ chung của tỉnh "
                              f"({_pct(province_rate)}).",
                              _listed(sorted(dossiers, key=lambda r: r.id)), len(dossiers)))
    return flags


# --------------------------------------------------------------------------------------------- rule 4


def online_filing_flags(rows: Iterable[PlayRow], bounds: Bounds, names: Mapping[str, str]) -> list[Flag]:
    """Counter intakes marked as citizens' own online filing; and the share of assisted online filing, by the
    receiving commune (the counter or volunteer who filed)."""
    miscounted: dict[str, list[PlayRow]] = defaultdict(list)
    online: dict[str, int] = defaultdict(int)
    assisted: dict[str, list[PlayRow]] = defaultdict(list)
    for r in rows:
        if r.channel != 2 or r.received_at not in bounds:
            continue
        online[r.receiving_commune_code] += 1
        if r.filed_by == "citizen":
            if r.counter_intake and r.received_by_id is not None:
                miscounted[r.receiving_commune_code].append(r)
        else:
            assisted[r.receiving_commune_code].append(r)
    flags = []
    for code, items in miscounted.items():
        items.sort(key=lambda r: r.id)
        flags.append(Flag(code, names.get(code, code), "online_counted_as_citizen",
                          f"{len(items)}/{online[code]} hồ sơ trực tuyến được ghi là người dân tự nộp nhưng do cán bộ "
                          "tiếp nhận tại quầy nhập vào: chỉ tiêu 3.3 tính chúng như hồ sơ người dân tự nộp trực "
                          "tuyến.", _listed(items), len(items)))
    all_online = sum(online.values())
    province_share = Fraction(sum(len(v) for v in assisted.values()), all_online) if all_online else Fraction(0)
    for code, items in assisted.items():
        share = Fraction(len(items), online[code])
        if online[code] < ASSISTED_MIN_ONLINE or share < ASSISTED_SHARE_NOTE:
            continue
        items.sort(key=lambda r: r.id)
        flags.append(Flag(code, names.get(code, code), "assisted_share",
                          f"{len(items)}/{online[code]} hồ sơ trực tuyến ({_pct(share)}) do cán bộ hoặc tình nguyện "
                          f"viên nộp hộ (toàn tỉnh: {_pct(province_share)}). Chỉ tiêu 3.3 không tính các hồ sơ này; "
                          "người dân ở đây cần được hướng dẫn tự nộp.", _listed(items), len(items), severity="info"))
    return flags


def evaluate(rows: Sequence[PlayRow], bounds: Bounds, calendar: WorkCalendar, hours: WorkingHours,
             names: Mapping[str, str]) -> list[Flag]:
    """Every rule, flags ordered by rule then commune name."""
    flags = [*backdated_receipts(rows, bounds, calendar, hours, names), *closure_bursts(rows, bounds, calendar, names),
             *supplement_flags(rows, bounds, names), *online_filing_flags(rows, bounds, names)]
    order = {rule: i for i, rule in enumerate(RULES)}
    return sorted(flags, key=lambda f: (order[f.rule], f.commune_name, f.commune_code))


# --------------------------------------------------------------------------------------------- the query


@dataclass(frozen=True)
class FairPlayReport:
    province_code: str
    province_name: str
    period: Period
    flags: list[Flag]
    dossiers_read: int
    thresholds: tuple[str, ...] = field(default=THRESHOLDS)

    def by_rule(self) -> dict[str, list[Flag]]:
        out: dict[str, list[Flag]] = {}
        for f in self.flags:
            out.setdefault(f.rule, []).append(f)
        return out


def _requests(events: list[dict[str, Any]], calendar: WorkCalendar, hours: WorkingHours,
              version_data: dict[str, Any]) -> tuple[SupplementRequest, ...]:
    """Each supplement request with the working time left before the due date when it was made."""
    asked = supplement_requests(events)
    if not asked:
        return ()
    try:
        ledger = ledger_of(events, calendar, hours, version_data)
        states = [(at, ledger.state(at)) for at in asked]
    except CalendarError:
        return ()  # a clock the ledger cannot replay is the dossier page's problem, not a fair-play sign
    return tuple(SupplementRequest(at.astimezone(UTC), state.left.microseconds, state.is_late)
                 for at, state in states)


def fair_play(session: Session, principal: Principal, province_code: str, period: Period) -> FairPlayReport:
    """The fair-play flags of a province's communes for a period (province officers only)."""
    if principal.province_code != province_code:
        raise NotFound("Không tìm thấy tỉnh.")
    if not principal.is_province_level:
        raise Forbidden("Chỉ cán bộ cấp tỉnh xem được các dấu hiệu bất thường của các xã.")
    province = session.get(Province, province_code)
    if province is None:
        raise NotFound("Không tìm thấy tỉnh.")
    bounds = Bounds.of(period)
    names = {r.code: r.name for r in session.execute(select(Commune.code, Commune.name)
                                                     .where(Commune.province_code == province_code))}
    calendar = calendar_for_province(session, province_code)
    hours = working_hours_for(session, province_code)
    d = Dossier
    finished = func.coalesce(d.processed_at, d.returned_at, d.ended_at)
    query = (select(d.id, d.code, d.receiving_commune_code, d.deciding_commune_code, d.channel, d.filed_by,
                    d.received_by_id, d.received_at, d.created_at, d.processed_at, d.returned_at, d.ended_at,
                    d.clock_events, d.procedure_version_id)
             .where(d.province_code == province_code,
                    or_((d.received_at < bounds.end) & (finished.is_(None) | (finished >= bounds.start)),
                        (d.created_at >= bounds.start) & (d.created_at < bounds.end))))
    raw = session.execute(query.execution_options(yield_per=2000)).all()
    candidates = [r.id for r in raw if r.channel == 2 and r.filed_by == "citizen"]
    counter_intakes: set[int] = set()
    for chunk in range(0, len(candidates), 1000):
        counter_intakes |= set(session.scalars(
            select(DossierEvent.dossier_id).where(DossierEvent.dossier_id.in_(candidates[chunk:chunk + 1000]),
                                                  DossierEvent.action == "receive")))
    versions: dict[int, dict[str, Any]] = {}
    rows = []
    for r in raw:
        events = r.clock_events or []
        started = bool(events) and events[0].get("type") == "started"
        requests: tuple[SupplementRequest, ...] = ()
        if started and any(e.get("type") == "paused" for e in events):
            if r.procedure_version_id not in versions:
                versions[r.procedure_version_id] = session.scalars(
                    select(ProcedureVersion.data).where(ProcedureVersion.id == r.procedure_version_id)).one()
            requests = _requests(events, calendar, hours, dict(versions[r.procedure_version_id]))
        end = r.processed_at or r.returned_at or r.ended_at
        rows.append(PlayRow(r.id, r.code, r.receiving_commune_code, r.deciding_commune_code, r.channel, r.filed_by,
                            r.received_by_id, r.id in counter_intakes, as_utc(r.received_at), as_utc(r.created_at),
                            None if end is None else as_utc(end), started, requests))
    return FairPlayReport(province.code, province.name, period, evaluate(rows, bounds, calendar, hours, names),
                          len(rows))
