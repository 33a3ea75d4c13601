"""A year of realistic dossiers for the demo province (docs/legal.md §3, §4, §7, §8), loaded in bulk.

What it reproduces (seeds 001–004): a handful of busy communes taking over 100 dossiers a working day (Phú Lương
in seed 001; here the big wards and Chí Tiên, the showcase commune), most others 3–30; mostly certification
(chứng thực, same day) and civil status, some land (20 working days), household business (3), social protection;
≈99% on time, with a few late dossiers, some of them with an apology and the one extension (Art. 19(6));
supplements that restart the clock from zero (Art. 19(5)), a few asked twice (the index counts those late, §7);
refusals at intake and after appraisal, withdrawals and stops (Art. 21); dossiers received in one commune for
another (Art. 14); the three channels, with many dossiers filed online by the officer for the citizen (seed 002);
and a few percent still open at ``now``, some of them overdue.

Every row is what the real actions would have written: the status follows the workflow table, one
``DossierEvent`` per step with the officer who took it (demo officers of the right commune and role, when
``load_demo_org`` created them), the clock events replay in a ``ClockLedger`` and ``due_at`` is what that ledger
says at ``now``, codes are ``AGENCYID-YYMMDD-NNNN`` of the deciding body, gap-free per body and day with the
``DossierCodeCounter`` row holding the last number, and the procedure version is the one in force on the day.
Receipts fall only on the province's working days, within working hours. Citizens who filed online themselves
(or with a digital volunteer) appear as dossiers accepted from ``submitted``; their timeline starts with the
acceptance (the demo does not replay the portal's ``submit_online`` step, nor create citizen accounts for them).

Why bulk: the per-dossier actions (``create_dossier``, ``perform``) cost milliseconds each and a year is a few
hundred thousand dossiers. The rows are built here as ``dossier.actions.DossierRow`` and ``EventRow`` (every column;
mypy refuses a row that misses one) and written by ``dossier.actions.DossierImport``, the writer of dossiers that
come with their history, in chunks (on SQLite already in the storage format, which skips the per-row type
processing that otherwise doubles the time).

An import is not a person's act: no audit event per dossier (an audit log claiming a few hundred thousand actions by
people who never took them would defeat its purpose), one for the import; no notices and no files. Idempotent: every
demo dossier carries ``idempotency_scope = "demo"``; if one exists for the province, nothing is loaded. Run it
before the service takes requests (``make run`` does): dossier ids are given here, and on PostgreSQL the id sequence
is moved past them at the end.
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any, Literal, cast

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.base.roles import ROLE_LABELS, DepartmentKind, Role
from motcua.calendar import (
    SUPPLEMENT_EXPIRY,
    VIETNAM_TZ,
    ClockEvent,
    Extended,
    Finished,
    HandedOver,
    Paused,
    RestartedFromZero,
    Started,
    TimeLimit,
    WorkCalendar,
    WorkingHours,
    add_months,
    due_instant,
    end_of_office_day,
    paper_transfer_deadline,
    to_vietnam_time,
)
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.fees import OwedFees, alternative_sets, exemptions, owed_fees
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.demo.names import GIVEN_FEMALE, person_name
from motcua.demo.org import SHOWCASE_COMMUNE
from motcua.dossier.actions import DossierImport, DossierRow, EventRow
from motcua.dossier.clock import event_to_json, ledger_of
from motcua.dossier.codes import agency_id_of, format_code
from motcua.dossier.models import Dossier, DossierCodeCounter
from motcua.dossier.schemas import ID_PROVINCE_CODES
from motcua.dossier.workflow import Action, Status, transition
from motcua.kit.text import fold, slug
from motcua.org.models import Assignment, Commune, Department, Officer, OfficerRole, Post, Province

DEMO_SCOPE = "demo"
"""``Dossier.idempotency_scope`` of every demo dossier: how a second run knows the province is loaded."""
SYSTEM_START = date(2025, 7, 1)
"""The two-tier local government and Decree 118/2025 start on 1 July 2025: no dossier of a 2025 commune before."""

#: Busy communes, dossiers a working day (seed 001: Phú Lương "over 100 a day"): the big wards of Việt Trì, Vĩnh
#: Yên, Hòa Bình and Phúc Yên, and Chí Tiên, the commune of the demo logins (seed 002).
BUSY_COMMUNES: dict[str, float] = {"07900": 135, "08716": 125, "04795": 115, "08740": 110, "08218": 108}
OTHER_RATE = (3.0, 30.0)
"""Dossiers a working day of every other commune: rural communes lean to the low end, wards take at least 12."""
WARD_LOW = 12.0

#: Procedure code → (category, share in a commune, share in a ward). Certification and civil status dominate
#: (seed 003: Xuân Phú's 1,051 dossiers a month were "chứng thực, hộ tịch"); land is rarer in wards.
PROCEDURE_MIX: dict[str, tuple[str, float, float]] = {
    "2.000815": ("cert", 38, 40), "2.000884": ("cert", 7, 8), "2.001035": ("cert", 2.5, 2),
    "2.000913": ("cert", 0.4, 0.4), "2.000927": ("cert", 0.3, 0.3), "2.000942": ("cert", 0.6, 0.6),
    "2.001019": ("cert", 0.3, 0.3), "2.001016": ("cert", 0.3, 0.3), "2.001406": ("cert", 0.6, 0.5),
    "2.000992": ("cert", 0.2, 0.3), "2.001008": ("cert", 0.2, 0.3), "2.000908": ("cert", 1.0, 1.0),
    "1.001193": ("civil", 6, 5), "1.000894": ("civil", 2, 2), "1.000656": ("civil", 2, 1.5),
    "1.001022": ("civil", 0.3, 0.3), "1.000689": ("civil", 0.2, 0.2), "1.004884": ("civil", 0.4, 0.3),
    "1.004746": ("civil", 0.2, 0.2), "1.005461": ("civil", 0.2, 0.2), "1.004837": ("civil", 0.15, 0.1),
    "1.004845": ("civil", 0.05, 0.05), "1.004859": ("civil", 1.5, 1.5), "1.004873": ("civil", 6, 6),
    "2.000635": ("civil", 5, 5), "2.000806": ("civil", 0.05, 0.1), "2.001263": ("civil", 0.05, 0.05),
    "1.001776": ("social", 3, 2), "1.001731": ("social", 1, 0.8), "1.001699": ("social", 0.8, 0.6),
    "1.001653": ("social", 0.6, 0.5),
    "1.001612": ("business", 1.5, 2.5), "2.000720": ("business", 1.2, 2), "1.001570": ("business", 0.5, 0.8),
    "1.001266": ("business", 0.6, 0.8), "2.000575": ("business", 0.3, 0.4),
    "1.013978": ("land", 4, 1.5), "1.013949": ("land", 1, 0.4),
}

#: Percent of a category's dossiers that take each special shape; the rest are received, handled on time and
#: returned. Tuned so that about 99% finish on time (seed 003: Xuân Phú "over 99%").
SHAPE_RATES: dict[str, dict[str, float]] = {
    "cert": {"intake_incomplete": 0.8, "intake_refused": 0.4, "withdrawn": 0.2, "stopped": 0.05, "refused": 0.1,
             "supplement": 0.2, "supplement_twice": 0.01, "closed_unsupplied": 0.02, "extended": 0.0, "late": 0.45,
             "send_back": 0.5, "correction": 0.05, "uncollected": 0.3},
    "civil": {"intake_incomplete": 1.5, "intake_refused": 0.5, "withdrawn": 0.3, "stopped": 0.1, "refused": 0.3,
              "supplement": 1.5, "supplement_twice": 0.05, "closed_unsupplied": 0.1, "extended": 0.1, "late": 0.5,
              "send_back": 1.0, "correction": 0.2, "uncollected": 0.3},
    "social": {"intake_incomplete": 2.0, "intake_refused": 0.8, "withdrawn": 0.5, "stopped": 0.5, "refused": 2.0,
               "supplement": 5.0, "supplement_twice": 0.3, "closed_unsupplied": 0.5, "extended": 1.5, "late": 0.8,
               "send_back": 2.0, "correction": 0.1, "uncollected": 0.2},
    "business": {"intake_incomplete": 2.5, "intake_refused": 1.0, "withdrawn": 1.0, "stopped": 0.3, "refused": 1.5,
                 "supplement": 6.0, "supplement_twice": 0.3, "closed_unsupplied": 0.5, "extended": 0.5, "late": 0.8,
                 "send_back": 2.0, "correction": 0.2, "uncollected": 0.2},
    "land": {"intake_incomplete": 3.0, "intake_refused": 1.5, "withdrawn": 1.5, "stopped": 1.0, "refused": 3.0,
             "supplement": 12.0, "supplement_twice": 1.2, "closed_unsupplied": 1.5, "extended": 4.0, "late": 2.0,
             "send_back": 3.0, "correction": 0.3, "uncollected": 0.5},
}
INTER_COMMUNE_SHARE = 0.02
"""Dossiers received in one commune for another (phi địa giới, Art. 14)."""
RECENT_OVERDUE = (25, 0.04)
"""Within this many working days of ``now``, this share of multi-day dossiers is stuck past its due date."""
ONLINE_SHARE = {"cert": 0.2, "civil": 0.5, "social": 0.5, "business": 0.55, "land": 0.45}
"""Of the dossiers whose procedure may be filed online; of those, 65% are filed by the officer (seed 002)."""

#: The showcase commune's oldest dossiers take one of each shape (shape, procedure, how it was filed), whatever
#: the scale, so that every shape can be shown and tested.
SHOWCASE_SHAPES: tuple[tuple[str, str, str], ...] = (
    ("supplement", "1.001612", "counter"), ("supplement_twice", "1.001612", "counter"),
    ("closed_unsupplied", "1.001612", "counter"), ("extended", "1.001653", "counter"),
    ("extended_late", "1.001653", "counter"), ("late", "2.000815", "counter"), ("refused", "1.001776", "counter"),
    ("intake_refused", "2.000815", "counter"), ("intake_incomplete", "1.001193", "online_citizen"),
    ("withdrawn", "1.004873", "counter"), ("stopped", "1.001731", "counter"), ("correction", "1.001193", "counter"),
    ("send_back", "1.004873", "online_officer"), ("uncollected", "2.000815", "counter"),
    ("normal", "1.001193", "online_citizen"), ("normal", "1.001193", "online_volunteer"),
    ("normal", "1.001193", "post"),
)

NOTES: dict[str, tuple[str, ...]] = {
    "intake_refused": (
        "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân cấp xã.",
        "Người nộp không xuất trình được giấy tờ tùy thân còn giá trị sử dụng.",
        "Bản chính đề nghị chứng thực bị tẩy xóa, sửa chữa (Điều 22 Nghị định 23/2015/NĐ-CP).",
    ),
    "request_supplement": (
        "Bổ sung bản sao giấy tờ chứng minh nơi cư trú.",
        "Bổ sung trích đo địa chính thửa đất và biên bản xác định ranh giới, mốc giới.",
        "Bổ sung văn bản thỏa thuận của các đồng thừa kế.",
        "Bổ sung giấy xác nhận của cơ sở y tế.",
        "Tờ khai ghi sai năm sinh; đề nghị khai lại tờ khai.",
    ),
    "refusal": (
        "Người đề nghị không thuộc đối tượng hưởng theo quy định.",
        "Thửa đất đang có tranh chấp, chưa đủ điều kiện giải quyết.",
        "Ngành nghề đăng ký thuộc danh mục cấm kinh doanh.",
    ),
    "withdraw": ("Công dân có đơn đề nghị rút hồ sơ.", "Người nộp đề nghị rút hồ sơ để hoàn thiện lại."),
    "stop": (
        "Dừng giải quyết: cơ quan công an đề nghị tạm dừng để xác minh (Điều 21).",
        "Dừng giải quyết: người yêu cầu đã chết trong thời gian giải quyết hồ sơ (Điều 21).",
    ),
    "send_back": ("Đề nghị kiểm tra lại thông tin trong dự thảo kết quả.", "Dự thảo ghi sai địa chỉ thường trú."),
    "correction": ("Kết quả ghi sai năm sinh của người yêu cầu; đính chính theo Điều 23(1).",
                   "Kết quả ghi sai tên đệm; đính chính theo Điều 23(1)."),
    "extension": ("cần xác minh thực địa", "chờ ý kiến của cơ quan liên quan", "phải niêm yết công khai"),
}
CLOSE_NOTE = "Quá 15 ngày công dân không bổ sung hồ sơ; đóng hồ sơ theo Điều 19 khoản 5 Nghị định 118/2025/NĐ-CP."

#: Where a dossier is after each action (``perform`` sets ``current_department`` the same way); absent: unchanged;
#: "handling": the procedure's handling department.
DEPARTMENT_AFTER: dict[str, str] = {
    "receive": "service_centre", "accept_online": "service_centre", "refuse_intake": "service_centre",
    "request_intake_supplement": "service_centre", "transfer": "handling", "request_supplement": "service_centre",
    "receive_supplement": "handling", "confirm_refusal": "service_centre", "approve": "service_centre",
    "start_correction": "handling", "finish_correction": "service_centre",
}
_TARGET: dict[str, str | None] = {a.value: (t.value if (t := transition(a).target) else None) for a in Action}
_ENDING = frozenset({"close_unsupplied", "confirm_refusal", "return_result", "withdraw", "stop", "refuse_intake",
                     "request_intake_supplement"})
#: What ``build`` does for each action besides the status: 1 the clock starts, 2/4 hand-over, 3 assign, 5 finish
#: with a result, 6 pause, 7 restart from zero, 8 extension, 9 finish, 10/11 correction, 12 intake without clock,
#: 13 an online dossier asked to supplement in place (no clock yet).
_KIND: dict[str, int] = {
    "receive": 1, "accept_online": 1, "transfer": 2, "assign": 3, "submit_for_approval": 4, "approve": 5,
    "confirm_refusal": 5, "request_supplement": 6, "receive_supplement": 7, "extend": 8, "close_unsupplied": 9,
    "withdraw": 9, "stop": 9, "start_correction": 10, "finish_correction": 11, "refuse_intake": 12,
    "request_intake_supplement": 12, "request_online_supplement": 13,
}

DOSSIER_CHUNK = 2_000
NAME_POOL = 4_096

_VN_OFFSET = 7 * 3600
Person = tuple[int | None, str]
Step = tuple[int, str, str, str, dict[str, Any] | None]  # working position, action, who, note, event data


#: Which dossiers of the period a load writes: all of them; only the ``recent`` months (the last complete month and
#: this one, what the default ranking and the inboxes show), written first so the service opens at once; or the
#: ``earlier`` months, in committed batches while the service runs (``make run``: docs/operations.md, "The demo").
DemoPart = Literal["all", "recent", "earlier"]


@dataclass(frozen=True)
class DemoDossierResult:
    province_code: str
    dossiers: int
    events: int
    code_counters: int
    skipped: bool  # demo dossiers were already there: nothing was loaded
    first_day: date | None = None
    last_day: date | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    #: The ids the period's plan gives: the earlier months from ``first_id`` (gaps allowed), the recent ones from
    #: ``recent_first_id``; a ``recent`` load reserves the ids below it for the ``earlier`` one.
    first_id: int = 0
    recent_first_id: int = 0
    earlier: int = 0  # how many dossiers the earlier months' plan holds (an upper bound on what it writes)


def recent_start(today: date) -> date:
    """The first day of the recent part: the first day of the last complete month."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


# --------------------------------------------------------------------------------------------- working time


class _WorkTime:
    """Working seconds counted from the first working day of the range ↔ instants, for fast bulk generation.

    Every generated action sits at a working position, so it falls on a working day within working hours by
    construction: a position maps into ``[start, end)`` of an interval, never onto a closing time.
    """

    def __init__(self, calendar: WorkCalendar, hours: WorkingHours, first: date, last: date) -> None:
        self.calendar = calendar
        day = calendar.roll_forward(first)
        self.days: list[date] = []
        while day <= last:
            self.days.append(day)
            day = calendar.add_working_days(day, 1)
        self.index = {d: k for k, d in enumerate(self.days)}
        self.base = [datetime.combine(d, time(0), tzinfo=VIETNAM_TZ).astimezone(UTC) for d in self.days]
        spans, before = [], 0
        for start, end in hours.intervals:
            s = start.hour * 3600 + start.minute * 60 + start.second
            e = end.hour * 3600 + end.minute * 60 + end.second
            spans.append((before, s, e - s))
            before += e - s
        self.spans: list[tuple[int, int, int]] = spans
        self.day = before  # working seconds in a day
        # SQLite text of an instant straight from its position: Vietnam is UTC+7 all year (no DST since 1975).
        self._utc_day = [d.isoformat() for d in self.days]
        self._utc_eve = [(d - timedelta(days=1)).isoformat() for d in self.days]
        self._eve: list[bool] = []
        self._clock: list[str] = []
        for elapsed in range(self.day):
            secs = self.local_seconds(elapsed) - _VN_OFFSET
            self._eve.append(secs < 0)
            secs %= 86_400
            self._clock.append(f" {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.000000")

    def local_seconds(self, elapsed: int) -> int:
        for before, start, length in self.spans:
            if elapsed < before + length:
                return start + elapsed - before
        _, start, length = self.spans[-1]
        return start + length - 1

    def instant(self, pos: int) -> datetime:
        k, elapsed = divmod(pos, self.day)
        return self.base[k] + timedelta(seconds=self.local_seconds(elapsed))

    def text(self, pos: int) -> str:
        """``_sqlite_datetime(self.instant(pos))`` without building the datetime."""
        k, elapsed = divmod(pos, self.day)
        return (self._utc_eve if self._eve[elapsed] else self._utc_day)[k] + self._clock[elapsed]

    def pos_of(self, instant: datetime) -> int:
        """The working position of any instant (outside working time: where the next working time starts)."""
        local = to_vietnam_time(instant)
        k = self.index.get(local.date())
        if k is None:
            nxt = self.calendar.roll_forward(local.date())
            return self.index[nxt] * self.day if nxt in self.index else len(self.days) * self.day
        secs = local.hour * 3600 + local.minute * 60 + local.second
        done = 0
        for _, start, length in self.spans:
            if secs <= start:
                break
            done += min(secs - start, length)
        return k * self.day + done


# --------------------------------------------------------------------------------------------- catalogue, staff


@dataclass
class _Version:
    id: int
    code: str
    name: str
    category: str
    effective_from: date
    limit: TimeLimit
    handling: str
    data: dict[str, Any]
    specialist_step: str | None
    approver_step: str | None
    signer_department: str
    channels: frozenset[str]
    has_fee: bool
    result: str
    mandatory_docs: list[str]
    multi_day: bool
    hourly: bool


def _versions(session: Session) -> dict[str, list[_Version]]:
    """Versions of the demo procedures, oldest first per code (a dossier takes the one in force on its day)."""
    rows = session.execute(
        select(ProcedureVersion, Procedure.code, Procedure.name).join(Procedure)
        .where(Procedure.active.is_(True), Procedure.code.in_(PROCEDURE_MIX), ProcedureVersion.province_code.is_(None))
        .order_by(Procedure.code, ProcedureVersion.effective_from)
    )
    out: dict[str, list[_Version]] = {}
    for version, code, name in rows:
        data = version.data
        process = data.get("process", [])
        spec = [s for s in process if s.get("role") == Role.SPECIALIST.value]
        appr = [s for s in process if s.get("role") == Role.APPROVER.value]
        limit = version.time_limit()
        out.setdefault(code, []).append(_Version(
            id=version.id, code=code, name=name, category=PROCEDURE_MIX[code][0],
            effective_from=version.effective_from, limit=limit, handling=version.handling_department, data=data,
            specialist_step=spec[0]["key"] if spec else None, approver_step=appr[0]["key"] if appr else None,
            signer_department=appr[0]["department"] if appr else version.handling_department,
            channels=frozenset(data.get("channels", ["in_person"])),
            has_fee=any(f.get("amount_vnd", 0) > 0 for f in data.get("fees", [])),
            result=str(data.get("result_template") or name),
            mandatory_docs=[d["name"] for d in data.get("documents", []) if d.get("mandatory", True)],
            multi_day=limit.unit != "same_day", hourly=limit.unit == "working_hours",
        ))
    return out


@dataclass
class _Place:
    """One commune as the generator needs it: plain values, and who of its officers does what.

    The pools follow ``load_demo_org``: reception officers at the counter; the specialist of the handling
    division appraises; the division head assigns; results are signed by the division head or the vice chair
    who directs the centre (half the time for the Office's procedures, a fifth otherwise). With no demo officers
    the actor is named by role and ``actor_id`` is empty.
    """

    code: str
    ward: bool
    agency: str
    address: str  # ", xã Chí Tiên, tỉnh Phú Thọ"
    hamlet: str  # Khu | Thôn | Tổ dân phố
    birth: str  # province-of-birth code most residents' ID numbers carry
    reception: list[Person]
    specialists: dict[str, list[Person]]
    heads: dict[str, list[Person]]
    signers: dict[str, list[Person]]
    directors: dict[str, list[Person]]


def _places(session: Session, province: Province, communes: Sequence[Commune]) -> dict[str, _Place]:
    rows = session.execute(
        select(Officer.id, Officer.full_name, Officer.commune_code, OfficerRole.role, Department.kind)
        .join(OfficerRole, OfficerRole.officer_id == Officer.id)
        .outerjoin(Assignment, Assignment.officer_id == Officer.id)
        .outerjoin(Post, Post.id == Assignment.post_id)
        .outerjoin(Department, Department.id == Post.department_id)
        .where(Officer.province_code == province.code, Officer.active.is_(True), Officer.commune_code.is_not(None))
        .order_by(Officer.id)
    )
    found: dict[str, dict[str, dict[str, list[Person]]]] = {}
    for officer_id, name, commune_code, role, kind in rows:
        bucket = found.setdefault(commune_code or "", {}).setdefault(role, {}).setdefault(kind or "", [])
        if (officer_id, name) not in bucket:
            bucket.append((officer_id, name))
    kinds = [k.value for k in DepartmentKind]
    places: dict[str, _Place] = {}
    for c in communes:
        staff = found.get(c.code, {})

        def people(role: Role, kind: str | None = None, *, staff: dict[str, dict[str, list[Person]]] = staff
                   ) -> list[Person]:
            by_kind = staff.get(role.value, {})
            if kind is not None:
                return list(by_kind.get(kind, []))
            return list(dict.fromkeys(p for ps in by_kind.values() for p in ps))

        directors = people(Role.CENTRE_DIRECTOR)
        any_specialist = people(Role.SPECIALIST) or [(None, ROLE_LABELS[Role.SPECIALIST])]
        any_approver = people(Role.APPROVER) or [(None, ROLE_LABELS[Role.APPROVER])]
        heads = {k: people(Role.APPROVER, k) or directors or any_approver for k in kinds}
        places[c.code] = _Place(
            code=c.code, ward=c.kind == "phường", agency=agency_id_of(c),
            address=f", {c.kind} {c.name}, {province.kind} {province.name}",
            hamlet="Tổ dân phố" if c.kind == "phường" else "Khu",
            birth=_birth_province(c),
            reception=people(Role.RECEPTION) or [(None, ROLE_LABELS[Role.RECEPTION])],
            specialists={k: people(Role.SPECIALIST, k) or any_specialist for k in kinds},
            heads=heads,
            signers={k: (directors + heads[k] if k == DepartmentKind.OFFICE.value else directors + heads[k] * 4)
                     if directors else heads[k] for k in kinds},
            directors={k: directors or heads[k] for k in kinds},
        )
    return places


def _birth_province(commune: Commune) -> str:
    """The pre-2025 province of birth in the ID number: Phú Thọ absorbed Hòa Bình and Vĩnh Phúc in 2025."""
    if commune.province_code == "25":
        return "017" if commune.code < "07894" else "026" if commune.code >= "08707" else "025"
    code = f"0{commune.province_code}"
    return code if code in ID_PROVINCE_CODES else "001"


# --------------------------------------------------------------------------------------------- volumes


def daily_rates(communes: Sequence[Commune], seed: int = 2025) -> dict[str, float]:
    """Mean dossiers per working day of each commune (docs/legal.md §8): the busy ones over 100, others 3–30.

    Rural communes lean to the low end (a skewed draw on a log scale); wards take at least ``WARD_LOW``.
    """
    rng = random.Random(f"{seed}:rates")  # noqa: S311 — reproducible demo data, not a secret
    low, high = OTHER_RATE
    rates: dict[str, float] = {}
    for c in sorted(communes, key=lambda c: c.code):
        u = rng.random()
        if c.code in BUSY_COMMUNES:
            rates[c.code] = BUSY_COMMUNES[c.code]
        elif c.kind == "phường":
            rates[c.code] = WARD_LOW + (high - WARD_LOW) * u
        else:
            rates[c.code] = low * (high / low) ** (u ** 3)
    return rates


_WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 0.97, 0.88, 0.6, 0.6)  # Monday busiest; a make-up Saturday is quiet


# --------------------------------------------------------------------------------------------- the generator


@dataclass(slots=True)
class _Entry:
    """A dossier before its details: where and when it is received, and its number of the day."""

    k: int  # working-day index
    elapsed: int  # working seconds into the day
    receiving: str
    deciding: str
    seq: int = 0


class _Generator:
    def __init__(self, session: Session, sink: DossierImport, *, province_code: str, now: datetime, months: int,
                 seed: int, scale: float) -> None:
        self.session, self.sink, self.province_code = session, sink, province_code
        self.now, self.seed, self.scale = now, seed, scale
        self.calendar = calendar_for_province(session, province_code)
        self.hours = working_hours_for(session, province_code)
        today = to_vietnam_time(now).date()
        self.today_year = today.year
        self.versions = _versions(session)
        starts = [vs[0].effective_from for vs in self.versions.values()]
        self.first = max(add_months(today, -months), SYSTEM_START, min(starts) if starts else today)
        self.wt = _WorkTime(self.calendar, self.hours, self.first, today + timedelta(days=500))
        self.day = self.wt.day
        self.now_pos = self.wt.pos_of(now)
        self.today_k = self.wt.index.get(today)
        self.last_k = max((k for k, d in enumerate(self.wt.days) if d <= today), default=-1)
        province = session.get_one(Province, province_code)
        communes = list(session.scalars(select(Commune).where(Commune.province_code == province_code)
                                        .order_by(Commune.code)))
        self.communes = communes
        self.codes = [c.code for c in communes]
        self.places = _places(session, province, communes)
        self.showcase = SHOWCASE_COMMUNE if SHOWCASE_COMMUNE in self.places else (self.codes[0] if self.codes else "")
        self.existing_counters: dict[tuple[str, date], int] = {}
        self._due_cache: dict[tuple[int, int, bool, int], tuple[int, datetime, Any]] = {}
        self._paper_cache: dict[tuple[int, bool, bool], Any] = {}
        self.out: Callable[[int], Any] = self.wt.text if sink.sqlite else self.wt.instant
        self._mix_codes = [c for c in PROCEDURE_MIX if c in self.versions]
        self._cum = list(accumulate(PROCEDURE_MIX[c][1] for c in self._mix_codes))
        self._cum_ward = list(accumulate(PROCEDURE_MIX[c][2] for c in self._mix_codes))
        self._shapes = {cat: (list(accumulate(rates.values())), list(rates)) for cat, rates in SHAPE_RATES.items()}
        pool_rng = random.Random(f"{seed}:names")  # noqa: S311 — reproducible demo data, not a secret
        names = [person_name(pool_rng) for _ in range(NAME_POOL)]
        female = frozenset(GIVEN_FEMALE)
        self._names = [(n, fold(n), n.rsplit(" ", 1)[-1] in female, slug(n)) for n in names]
        self._id_codes = sorted(ID_PROVINCE_CODES)

    # -- pass 1: when and where ---------------------------------------------------------------------------

    def entries(self) -> dict[str, list[_Entry]]:
        rates = daily_rates(self.communes, self.seed)
        day = self.day
        now_elapsed = self.now_pos - self.today_k * day if self.today_k is not None else day
        morning = self.wt.spans[0][2] if len(self.wt.spans) > 1 else day // 2
        factors = np.array([_WEEKDAY_FACTOR[d.weekday()] for d in self.wt.days[: self.last_k + 1]])
        out: dict[str, list[_Entry]] = {}
        for i, code in enumerate(self.codes):
            rng = random.Random(f"{self.seed}:when:{code}")  # noqa: S311
            counts = np.random.default_rng([self.seed, int(code)]).poisson(rates[code] * self.scale * factors)
            entries: list[_Entry] = []
            for k, n in enumerate(counts.tolist()):
                latest = day - 300 if k != self.today_k else min(day - 300, now_elapsed - 60)
                for _ in range(n if latest > 0 else 0):
                    # More in the morning than the afternoon, most after the first hour.
                    if rng.random() < 0.62:
                        elapsed = int(rng.triangular(0, morning, morning * 0.37))
                    else:
                        elapsed = morning + int(rng.triangular(0, day - morning, (day - morning) * 0.25))
                    deciding = code
                    if rng.random() < INTER_COMMUNE_SHARE or (code == self.showcase and not entries):
                        j = min(max(i + rng.choice((-3, -2, -1, 1, 2, 3)), 0), len(self.codes) - 1)
                        deciding = self.codes[j] if self.codes[j] != code else self.codes[(j + 1) % len(self.codes)]
                    entries.append(_Entry(k, min(elapsed, latest), code, deciding))
            entries.sort(key=lambda e: (e.k, e.elapsed))
            out[code] = entries
        return out

    def number(self, entries: dict[str, list[_Entry]]) -> dict[tuple[str, date], int]:
        """Gap-free sequences per deciding body and day, in order of receipt, after any number already issued."""
        groups: dict[tuple[str, int], list[_Entry]] = {}
        for code in self.codes:
            for e in entries[code]:
                groups.setdefault((e.deciding, e.k), []).append(e)
        if self.last_k >= 0:
            for agency, day, last in self.session.execute(
                select(DossierCodeCounter.agency_id, DossierCodeCounter.day, DossierCodeCounter.last_seq)
                .where(DossierCodeCounter.agency_id.in_([p.agency for p in self.places.values()]),
                       DossierCodeCounter.day >= self.wt.days[0],
                       DossierCodeCounter.day <= self.wt.days[self.last_k])
            ):
                self.existing_counters[(agency, day)] = last
        last_seq: dict[tuple[str, date], int] = {}
        for (deciding, k), group in groups.items():
            group.sort(key=lambda e: (e.elapsed, e.receiving))
            key = (self.places[deciding].agency, self.wt.days[k])
            start = self.existing_counters.get(key, 0)
            for n, e in enumerate(group, start=start + 1):
                e.seq = n
            last_seq[key] = start + len(group)
        return last_seq

    def forced_shapes(self, entries: list[_Entry]) -> dict[int, tuple[str, str, str]]:
        """The showcase commune's oldest dossiers take one of each shape, and a recent one is overdue."""
        forced = dict(enumerate(SHOWCASE_SHAPES[: len(entries)]))
        recent = [i for i, e in enumerate(entries) if 6 <= self.last_k - e.k <= 10 and i not in forced]
        if recent:
            forced[recent[0]] = ("overdue", "1.004873", "counter")
        return forced

    # -- clock helpers ------------------------------------------------------------------------------------

    def due(self, pos: int, v: _Version) -> tuple[int, datetime, Any]:
        """The due instant of a clock started at ``pos`` (``deadlines.due_instant``) with its working position and
        its stored form, cached by what it depends on (the day, after 15:00 or not; the time for hour limits)."""
        k, elapsed = divmod(pos, self.day)
        local = self.wt.local_seconds(elapsed)
        key = (k, v.id, local > 54_000, local if v.hourly else 0)
        hit = self._due_cache.get(key)
        if hit is None:
            instant = due_instant(self.wt.instant(pos), v.limit, self.calendar, self.hours)
            hit = self._due_cache[key] = (self.wt.pos_of(instant), instant, self.sink.dt(instant))
        return hit

    def paper_due(self, pos: int, elsewhere: bool) -> Any:
        """Art. 18, 20(2) — or 1 working day to another commune's body (Art. 14(2), 20(1)) — as at intake."""
        k, elapsed = divmod(pos, self.day)
        key = (k, elsewhere, self.wt.local_seconds(elapsed) > 54_000)
        hit = self._paper_cache.get(key)
        if hit is None:
            received_at = self.wt.instant(pos)
            hit = self._paper_cache[key] = self.sink.dt(
                due_instant(received_at, TimeLimit(1, "working_days"), self.calendar, self.hours) if elsewhere
                else paper_transfer_deadline(received_at, self.calendar, self.hours))
        return hit

    # -- the plan of one dossier --------------------------------------------------------------------------

    def shape_of(self, rng: random.Random, v: _Version, k: int) -> str:
        cum, names = self._shapes[v.category]
        i = bisect(cum, rng.random() * 100)
        if i < len(names):
            name = names[i]
            return "late" if name == "extended" and not v.multi_day else name
        if v.multi_day and self.last_k - k < RECENT_OVERDUE[0] and rng.random() < RECENT_OVERDUE[1]:
            return "overdue"
        return "normal"

    def plan(self, rng: random.Random, v: _Version, r: int, shape: str, online: bool) -> list[Step]:
        """The steps of one dossier from its receipt at working position ``r`` (some may lie after ``now``)."""
        day, rnd, choice = self.day, rng.random, rng.choice
        if shape == "intake_refused":
            return [(r, "refuse_intake", "reception_r", choice(NOTES["intake_refused"]), None)]
        if shape == "intake_incomplete":
            docs = v.mandatory_docs
            missing = rng.sample(docs, min(len(docs), 2 if rnd() < 0.3 else 1)) or [v.name]
            note = "Còn thiếu: " + "; ".join(missing) + "."
            if not online:
                return [(r, "request_intake_supplement", "reception_r", note, {"missing": missing})]
            # Art. 17(1)-(2): an online dossier is asked to supplement in place; this citizen never sent it, so the
            # centre closes it once the 15 days have passed (Art. 19(5)).
            expires = due_instant(self.wt.instant(r), SUPPLEMENT_EXPIRY, self.calendar, self.hours)
            k = self.wt.pos_of(expires) // day  # the day after the expiry day (which ends at closing)
            return [(r, "request_online_supplement", "reception_r", note, {"missing": missing}),
                    (k * day + 600 + int(rnd() * 6_600), "close_unsupplied", "reception_r", CLOSE_NOTE, None)]
        due_pos = self.due(r, v)[0]
        avail = max(due_pos - r, 600)
        steps: list[Step] = [(r, "accept_online" if online else "receive", "reception_r", "", None)]
        t = r + max(30, min(60 + int(rnd() * 840), avail // 20))
        steps.append((t, "transfer", "reception_r", "", None))
        if shape == "withdrawn" and rnd() < 0.3:  # before the division has even assigned a handler
            return [*steps, (t + 120 + int(rnd() * max(1, (due_pos - t) // 3)), "withdraw", "reception_r",
                             choice(NOTES["withdraw"]), None)]
        wait = 60 + int(rnd() * 1_740) if not v.multi_day else 300 + int(rnd() * day / 2)
        t += max(30, min(wait, avail // 10))
        steps.append((t, "assign", "head", "", None))
        if shape in ("supplement", "supplement_twice", "closed_unsupplied"):
            for n in range(2 if shape == "supplement_twice" else 1):
                # Art. 19(5): asked through the centre within 3 working days of receipt.
                window = max(min(due_pos - t, 3 * day) if n == 0 else due_pos - t, 600)
                t += max(120, int(window * (0.1 + 0.4 * rnd())))
                steps.append((t, "request_supplement", "handler", choice(NOTES["request_supplement"]), None))
                if shape == "closed_unsupplied":
                    expires = due_instant(self.wt.instant(t), SUPPLEMENT_EXPIRY, self.calendar, self.hours)
                    k = self.wt.pos_of(expires) // day  # the day after the expiry day (which ends at closing)
                    return [*steps, (k * day + 600 + int(rnd() * 6_600), "close_unsupplied", "reception_d",
                                     CLOSE_NOTE, None)]
                t += day // 3 + int(rnd() * 7 * day)
                steps.append((t, "receive_supplement", "reception_d", "", None))
                due_pos = self.due(t, v)[0]
        elif shape in ("extended", "extended_late"):
            due_day = due_pos // day - (1 if due_pos % day == 0 else 0)
            if v.multi_day and due_day * day - t > 600:
                # The apology and new date at least one working day before the due date (Art. 19(6), 12(5)).
                t = t + 300 + int(rnd() * (due_day * day - t - 420))
                new_k = due_day + 2 + int(rnd() * 5)
                new_due = end_of_office_day(self.wt.days[new_k], self.hours)
                note = (f"Văn bản xin lỗi và đề nghị gia hạn số {1 + int(rnd() * 300)}/XL-UBND: "
                        f"{choice(NOTES['extension'])}; hẹn trả kết quả ngày {self.wt.days[new_k]:%d/%m/%Y}.")
                steps.append((t, "extend", "handler" if rnd() < 0.5 else "head", note,
                              {"new_due": new_due.isoformat()}))
                end = (new_k + 1) * day
                finish = end + 600 + int(rnd() * day) if shape == "extended_late" else \
                    max(t + 600, due_pos + 60 + int(rnd() * (end - due_pos - 1_200)))
                return self.decide(rng, steps, t, finish, "normal")
            shape = "late"
        if shape == "stopped":
            return [*steps, (t + 600 + int(rnd() * max(1, (due_pos - t) // 2)), "stop", "director",
                             choice(NOTES["stop"]), None)]
        if shape == "withdrawn":
            return [*steps, (t + 300 + int(rnd() * max(1, (due_pos - t) // 2)), "withdraw", "reception_r",
                             choice(NOTES["withdraw"]), None)]
        if shape == "late":
            finish = due_pos + 600 + int(rnd() * day * 1.5)
        elif shape == "overdue":
            finish = due_pos + 3 * day + int(rnd() * 12 * day)
        else:
            room = due_pos - t - 60
            share = (0.3 if not v.multi_day else 0.2) + (0.65 if not v.multi_day else 0.75) * rnd()
            finish = t + max(600, int(room * share)) if room > 1_200 else t + max(60, room)
        return self.decide(rng, steps, t, finish, shape)

    def decide(self, rng: random.Random, steps: list[Step], t: int, finish: int, shape: str) -> list[Step]:
        rnd = rng.random
        span = max(finish - t, 240)
        if shape == "refused":
            note = rng.choice(NOTES["refusal"])
            steps.append((t + int(span * (0.5 + 0.3 * rnd())), "propose_refusal", "handler", note, None))
            steps.append((t + span, "confirm_refusal", "signer", note, None))
            return steps
        if shape == "send_back":
            steps.append((t + int(span * 0.4), "submit_for_approval", "handler", "", None))
            steps.append((t + int(span * 0.55), "send_back", "signer", rng.choice(NOTES["send_back"]), None))
            steps.append((t + int(span * 0.8), "submit_for_approval", "handler", "", None))
        else:
            steps.append((t + int(span * (0.6 + 0.25 * rnd())), "submit_for_approval", "handler", "", None))
        end = t + span
        steps.append((end, "approve", "signer", "", None))
        if shape == "uncollected":
            return steps
        day = self.day
        end += 60 + int(rnd() * 3_540) if rnd() < 0.7 else 600 + int(rnd() * 3 * day)  # the citizen collects
        steps.append((end, "return_result", "reception_r", "", None))
        if shape == "correction":
            end += day + int(rnd() * 14 * day)
            steps.append((end, "start_correction", "handler", rng.choice(NOTES["correction"]), None))
            end += day // 4 + int(rnd() * 1.75 * day)
            steps.append((end, "finish_correction", "signer", "", None))
            end += 600 + int(rnd() * day)
            steps.append((end, "return_result", "reception_r", "", None))
        return steps

    # -- pass 2: the rows ---------------------------------------------------------------------------------

    def pick_version(self, rng: random.Random, day: date, ward: bool, code: str | None) -> _Version | None:
        if code is None or code not in self.versions:
            cum = self._cum_ward if ward else self._cum
            if not cum:
                return None
            code = self._mix_codes[min(bisect(cum, rng.random() * cum[-1]), len(cum) - 1)]
        chosen = None
        for v in self.versions[code]:
            if v.effective_from <= day:
                chosen = v
        return chosen

    def owed(self, rng: random.Random, v: _Version) -> OwedFees:
        """The fee a demo dossier owes: a late registration now and then (1 in 8), an exemption for about 1 in 12
        where the procedure grants one (poor households, families with meritorious service, …)."""
        options = [members[-1] for members in alternative_sets(v.data).values() if rng.random() < 0.125]
        grounds = [str(e["key"]) for e in exemptions(v.data)]
        exemption = rng.choice(grounds) if grounds and rng.random() < 1 / 12 else None
        return owed_fees(v.data, options, exemption)

    def applicant(self, rng: random.Random, place: _Place, category: str) -> dict[str, Any]:
        rnd = rng.random
        address = f"{place.hamlet if rnd() < 0.6 or place.ward else 'Thôn'} {1 + int(rnd() * 24)}{place.address}"
        phone = "0" + "35789"[int(rnd() * 5)] + f"{int(rnd() * 100_000_000):08d}"
        if category == "cert" and rnd() < 0.015:
            name = (rng.choice(("Công ty TNHH", "Công ty cổ phần", "Hợp tác xã nông nghiệp")) + " "
                    + rng.choice(("Phú Thịnh", "Hùng Vương", "Sông Lô", "Tân Phát", "Đồng Tâm", "Thành Công")))
            return {"applicant_kind": "organisation", "applicant_name": name, "applicant_name_folded": fold(name),
                    "id_number": None, "tax_code": f"26{int(rnd() * 100_000_000):08d}", "phone": phone,
                    "email": None, "address": address, "address_commune_code": place.code}
        name, folded, female, ascii_name = self._names[rng.getrandbits(12) % len(self._names)]
        year = self.today_year - 18 - int(rnd() * 63)
        century = (0 if year < 2000 else 2) + (1 if female else 0)
        born = place.birth if rnd() < 0.92 else rng.choice(self._id_codes)
        email = f"{ascii_name}{year % 100:02d}@gmail.com" if rnd() < 0.08 else None
        return {"applicant_kind": "person", "applicant_name": name, "applicant_name_folded": folded,
                "id_number": f"{born}{century}{year % 100:02d}{int(rnd() * 1_000_000):06d}", "tax_code": None,
                "phone": phone if email is None or rnd() < 0.7 else None, "email": email, "address": address,
                "address_commune_code": place.code}

    def build(self, dossier_id: int, e: _Entry, rng: random.Random, forced: tuple[str, str, str] | None,
              dossiers: list[DossierRow], events: list[EventRow]) -> str | None:
        """Append one dossier and its timeline; returns its status (None: no procedure in force that day).

        Times are carried as working positions and rendered once (``out``); datetimes are built only for the
        clock events, which ``event_to_json`` turns into the stored JSON.
        """
        rnd = rng.random
        rp = self.places[e.receiving]
        dp = rp if e.deciding == e.receiving else self.places[e.deciding]
        day = self.wt.days[e.k]
        v = self.pick_version(rng, day, rp.ward, forced[1] if forced else None)
        if v is None:
            return None
        shape = forced[0] if forced else self.shape_of(rng, v, e.k)
        # Channel (KenhThucHien): in person, online (mostly filed by the officer for the citizen, seed 002), post.
        how = forced[2] if forced else "counter"
        if not forced:
            x = rnd()
            if "online" in v.channels and x < ONLINE_SHARE[v.category]:
                y = rnd()
                how = "online_officer" if y < 0.65 else "online_citizen" if y < 0.93 else "online_volunteer"
            elif "post" in v.channels and x > 0.97:
                how = "post"
        elif (how.startswith("online") and "online" not in v.channels) or (how == "post" and "post" not in v.channels):
            how = "counter"
        submitted = how in ("online_citizen", "online_volunteer")
        r = e.k * self.day + e.elapsed
        steps = self.plan(rng, v, r, shape, submitted)

        handling = v.handling
        specialists = dp.specialists[handling]
        handler = specialists[int(rnd() * len(specialists))]
        pools = {"reception_r": rp.reception, "reception_d": dp.reception, "head": dp.heads[handling],
                 "signer": dp.signers[v.signer_department], "director": dp.directors[handling]}
        out, instant, dt, dump, empty = self.out, self.wt.instant, self.sink.dt, self.sink.json, self.sink.empty
        status: str | None = Status.SUBMITTED.value if submitted else None
        department = DepartmentKind.SERVICE_CENTRE.value
        clock: list[ClockEvent] = []
        processed = returned = ended = requested = -1  # working positions; -1: not (or no longer) set
        correction_due: datetime | None = None
        supplements, extended, handler_id, received_by, result, count = 0, False, None, None, None, 0
        previous = -1
        for pos, act, who, note, data in steps:
            if pos <= previous:
                pos = previous + 60  # strictly increasing, at least a minute apart
            previous = pos
            if pos > self.now_pos or (pos == self.now_pos and instant(pos) > self.now):
                break
            if who == "handler":
                actor = handler
            else:
                pool = pools[who]
                actor = pool[int(rnd() * len(pool))]
            target = _TARGET[act] or status
            kind = _KIND.get(act, 0)
            if kind == 1:  # receive, accept_online: the clock starts (Art. 17(3))
                clock.append(Started(instant(pos), v.limit))
                received_by = actor[0]
            elif kind == 2:  # transfer: hand-over to the appraisal step
                if v.specialist_step:
                    clock.append(HandedOver(instant(pos), v.specialist_step))
            elif kind == 3:
                handler_id = handler[0]
                data = {"handler": handler[1]}
            elif kind == 4:  # submit for approval: hand-over to the signing step
                if v.approver_step:
                    clock.append(HandedOver(instant(pos), v.approver_step))
            elif kind == 5:  # approve, confirm refusal: processed (NgayKetThucXuLy)
                clock.append(Finished(instant(pos)))
                processed = pos
                result = v.result if act == "approve" else note
            elif kind == 6:
                clock.append(Paused(instant(pos), "supplement"))
                supplements += 1
                requested = pos
            elif kind == 7:
                clock.append(RestartedFromZero(instant(pos)))
            elif kind == 8:
                assert data is not None
                clock.append(Extended(instant(pos), datetime.fromisoformat(data["new_due"]), note))
                extended = True
            elif kind == 9:  # close unsupplied, withdraw, stop (no clock ran for an online dossier never accepted)
                if clock:
                    clock.append(Finished(instant(pos)))
            elif kind == 10:  # start correction: Art. 23(1), 3 working days
                ended = -1
                correction_due = due_instant(instant(pos), TimeLimit(3, "working_days"), self.calendar, self.hours)
            elif kind == 11:
                ended = -1
            elif kind == 12:  # refused or incomplete at intake
                received_by = actor[0]
            elif kind == 13:  # online, asked to supplement in place: its 15 days run from here
                requested, received_by = pos, actor[0]
            if act in _ENDING:
                ended = pos
            if act == "return_result":
                returned = pos
            moved = DEPARTMENT_AFTER.get(act)
            if moved is not None:
                department = handling if moved == "handling" else moved
            events.append(EventRow(
                dossier_id=dossier_id, at=out(pos), action=act, from_status=status, to_status=cast(str, target),
                actor_id=actor[0], actor_name=actor[1], department=department, note=note,
                data=dump(data) if data else empty,
            ))
            status = target
            count += 1

        due_at = original_due = paper_due = None
        clock_json: list[dict[str, Any]] = []
        if clock:
            clock_json = [event_to_json(c) for c in clock]
            original_due = self.due(r, v)[2]
            if supplements == 0 and not extended:
                due_at = original_due
            else:
                due_at = dt(ledger_of(clock_json, self.calendar, self.hours, v.data).due(self.now))
            if not submitted:
                paper_due = self.paper_due(r, rp is not dp)
        a = self.applicant(rng, dp, v.category)
        side = random.Random(f"{self.seed}:fees:{dossier_id}")  # noqa: S311 — its own stream: the rest stays as it was
        owed = self.owed(side, v)
        dossiers.append(DossierRow(
            id=dossier_id, code=format_code(dp.agency, day, e.seq), version=count + (1 if submitted else 0),
            status=cast(str, status), province_code=self.province_code, receiving_commune_code=rp.code,
            deciding_commune_code=dp.code, procedure_version_id=v.id, procedure_code=v.code, procedure_name=v.name,
            channel=2 if how.startswith("online") else 3 if how == "post" else 1,
            filed_by={"online_officer": "officer", "online_volunteer": "volunteer"}.get(how, "citizen"),
            citizen_id=None, applicant_kind=a["applicant_kind"], applicant_name=a["applicant_name"],
            applicant_name_folded=a["applicant_name_folded"], id_number=a["id_number"], tax_code=a["tax_code"],
            phone=a["phone"], email=a["email"], address=a["address"], address_commune_code=a["address_commune_code"],
            received_at=out(r), due_at=due_at, original_due_at=original_due, paper_transfer_due=paper_due,
            processed_at=out(processed) if processed >= 0 else None,
            returned_at=out(returned) if returned >= 0 else None, ended_at=out(ended) if ended >= 0 else None,
            correction_due=dt(correction_due), clock_events=dump(clock_json),
            supplement_count=supplements, supplement_requested_at=out(requested) if requested >= 0 else None,
            extended=extended, current_department=department, handler_id=handler_id,
            received_by_id=received_by,
            paid_online=how.startswith("online") and v.has_fee and rnd() < 0.6 and owed.total_vnd > 0,
            owed_fee_vnd=owed.total_vnd, fee_lines_owed=dump(owed.line_numbers), fee_exemption=owed.exemption,
            identity_verified=how == "online" or (a["id_number"] is not None and side.random() < 0.35),
            result_summary=result, idempotency_scope=DEMO_SCOPE, idempotency_key=None, request_digest=None,
            created_at=dt(instant(r) - timedelta(minutes=10 + int(rnd() * 890))) if submitted else out(r),
        ))
        return cast(str, status)


def demo_dossiers_exist(session: Session, province_code: str) -> bool:
    query = select(Dossier.id).where(Dossier.province_code == province_code, Dossier.idempotency_scope == DEMO_SCOPE)
    return session.execute(query.limit(1)).first() is not None


Batch = tuple[list[DossierRow], list[EventRow], int]  # dossier rows, event rows, communes done


def _batches(gen: _Generator, entries: dict[str, list[_Entry]], first_id: int, seed: str, *, forced: bool = True,
             after_id: int = 0) -> Iterator[Batch]:
    """The rows, commune by commune, in batches of about ``DOSSIER_CHUNK`` dossiers (pure: no database).

    ``seed`` names the random streams; ``forced`` gives the showcase commune its shapes; rows with an id up to
    ``after_id`` are built (the streams stay the same) but not sent: a resumed load skips what it committed."""
    next_id = first_id
    dossiers: list[DossierRow] = []
    events: list[EventRow] = []
    done = 0
    for code in gen.codes:
        rng = random.Random(f"{seed}:what:{code}")  # noqa: S311 — reproducible demo data, not a secret
        shapes = gen.forced_shapes(entries[code]) if forced and code == gen.showcase else {}
        for i, entry in enumerate(entries[code]):
            if gen.build(next_id, entry, rng, shapes.get(i), dossiers, events) is not None:
                next_id += 1
        done += 1
        if after_id and dossiers and dossiers[0]["id"] <= after_id:
            dossiers = [d for d in dossiers if d["id"] > after_id]
            events = [e for e in events if e["dossier_id"] > after_id]
        if len(dossiers) >= DOSSIER_CHUNK:
            yield dossiers, events, done
            dossiers, events, done = [], [], 0
    yield dossiers, events, done


def _in_child(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Run the generator in a forked process while this one inserts: the two halves take about as long.

    The child only computes and sends (everything it reads from the database was read before the fork, and it
    leaves with ``os._exit``, so it never touches the parent's connection). A full pipe makes it wait, which
    bounds memory.
    """
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)

    def child() -> None:
        receiver.close()
        try:
            for batch in batches:
                sender.send(("rows", batch))
            sender.send(("done", None))
        except BaseException:  # the parent re-raises it
            sender.send(("error", traceback.format_exc()))
        finally:
            sender.close()

    process = ctx.Process(target=child, name="motcua-demo-dossiers", daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError as exc:
                raise RuntimeError("the demo dossier generator stopped without finishing") from exc
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"the demo dossier generator failed:\n{payload}")
            yield payload
    finally:
        receiver.close()
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def load_demo_dossiers(
    session: Session,
    *,
    province_code: str = "25",
    now: datetime,
    months: int = 12,
    seed: int = 2025,
    scale: float = 1.0,
    parallel: bool | None = None,
    progress: Callable[[int], None] | None = None,
    part: DemoPart = "all",
    first_id: int | None = None,
    after_id: int = 0,
) -> DemoDossierResult:
    """Fill the province with ``months`` of dossiers up to ``now`` (see the module docstring); idempotent.

    ``scale`` multiplies every commune's daily volume (tests use a small one; the showcase commune still gets one
    dossier of each shape). ``parallel`` generates the rows in a forked process while this one inserts them
    (default: where the platform can fork); the rows are the same either way. ``progress`` is called with the
    number of communes done since the last call (the province's communes in all). Runs in the caller's
    transaction and does not commit — except the ``earlier`` part, which commits after every batch (a service
    running meanwhile waits for the write lock one batch at a time) and resumes after ``after_id``.

    ``part`` (``DemoPart``): the plan of the period — when, where and the codes, gap-free per body and day — is the
    same for every part; ``recent`` writes the last complete month and this one (the showcase's shapes among them)
    with ids above those it reserves for the earlier months, and the ``earlier`` load, given the same ``now`` and
    the plan's ``first_id`` (``DemoDossierResult.first_id`` of the recent load), fills them in.
    """
    to_vietnam_time(now)  # refuse a naive now
    if part != "earlier" and demo_dossiers_exist(session, province_code):
        return DemoDossierResult(province_code, 0, 0, 0, skipped=True)
    sink = DossierImport(session)
    gen = _Generator(session, sink, province_code=province_code, now=now, months=months, seed=seed, scale=scale)
    entries = gen.entries()
    last_seq = gen.number(entries)
    split = bisect(gen.wt.days, recent_start(to_vietnam_time(now).date()) - timedelta(days=1))
    earlier = {code: [e for e in es if e.k < split] for code, es in entries.items()}
    reserved = sum(map(len, earlier.values()))
    plan_first = first_id if first_id is not None else (session.scalar(select(func.max(Dossier.id))) or 0) + 1
    if part == "all":
        batches = _batches(gen, entries, plan_first, str(seed))
    elif part == "recent":
        recent = {code: [e for e in es if e.k >= split] for code, es in entries.items()}
        batches = _batches(gen, recent, plan_first + reserved, f"{seed}:recent")
    else:
        batches = _batches(gen, earlier, plan_first, f"{seed}:earlier", forced=False, after_id=after_id)
    if part != "all":  # each part numbers its own days; the counters of the other part's days are not its own
        days = set(gen.wt.days[:split])
        mine = (lambda day: day in days) if part == "earlier" else (lambda day: day not in days)
        last_seq = {key: n for key, n in last_seq.items() if mine(key[1])}
        gen.existing_counters = {key: n for key, n in gen.existing_counters.items() if mine(key[1])}
    if parallel if parallel is not None else _can_fork():
        batches = _in_child(batches)
    by_status: Counter[str] = Counter()
    total_events = 0
    with sink.bulk():
        for dossiers, events, done in batches:
            by_status.update(row["status"] for row in dossiers)
            total_events += len(events)
            sink.write(dossiers, events)
            if part == "earlier":
                session.commit()
            if progress and done:
                progress(done)
        sink.finish(actor=SYSTEM, province_code=province_code, source=DEMO_SCOPE, now=now,
                    existing=gen.existing_counters, last_seq=last_seq)
    total = sum(by_status.values())
    return DemoDossierResult(
        province_code, total, total_events, len(last_seq), skipped=False,
        first_day=gen.wt.days[0] if gen.last_k >= 0 else None,
        last_day=gen.wt.days[gen.last_k] if gen.last_k >= 0 else None, by_status=dict(by_status),
        first_id=plan_first, recent_first_id=plan_first + (reserved if part != "all" else 0), earlier=reserved,
    )
