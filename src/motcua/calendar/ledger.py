"""The dossier's clock ledger (diễn biến thời hạn giải quyết hồ sơ) as a pure value.

A ledger is an append-only tuple of events; every question (time used, left, late by, due, the step that
overran) is answered by replaying the events up to a ``now`` passed in — no clock is read here. Time is measured
in *working time* (``hours.working_position``): what the officer could have worked.

Legal basis and the choices made:

* The clock starts at the receipt instant printed on the receipt (Decree 118/2025 Art. 17(3)); the first due is
  ``deadlines.due_instant``.
* Waiting for the citizen — a supplement or a fee payment — is not the officer's time (docs/legal.md §4): between a
  pause and its end, the due instant moves later by the working time that passed.
* A supplement requested after appraisal (yêu cầu bổ sung, hoàn thiện hồ sơ) restarts the time limit **from
  zero** when the complete dossier arrives (Art. 19(5)); a supplement pause therefore ends with
  ``restart_from_zero``, never with ``resume``. Step usage restarts with it.
* A supplement the citizen sends is checked by the centre first: the restart happens when an officer confirms it
  complete. One found still incomplete is asked for again — a second ``Paused(supplement)`` while the first waits,
  which keeps the clock waiting (and counts as a second request for the index, docs/legal.md §7).
* The supplement expires **15 calendar days** after the (latest) request (Art. 19(5): "15 ngày"; the decree writes "ngày
  làm việc" whenever it means working days, e.g. the 3 working days in the same clause), counted under Civil
  Code Art. 147–148 like any term in days, due at the end of the office day; then the centre closes the dossier.
* A late body sends an apology with a new date at least one day before the due date and may do so **once**
  (Art. 19(6), 12(5)). "One day before" is read in working days: the request, counted on the working day it
  reaches the centre (after closing or on a day off it counts on the next working day), must fall on a working
  day before the due date. Once per dossier, even across a restart from zero.
* A sector law may allow more time when facts must be verified (Civil Status Law 2014 Art. 18(2), 25(2), 34(2);
  the land decrees for disadvantaged communes): ``ExtendedByLaw`` moves the due instant later by its working days,
  on the province's calendar. It is not the apology: each ground once, any number of grounds, before or after the
  apology; the extra days belong to the time limit, so a restart from zero keeps them (the new due is the limit
  plus every legal extension granted so far).
* The internal process (quy trình nội bộ) gives each step and body a share in working days or hours; the clock
  belongs to the current step from its hand-over (Phiếu kiểm soát quá trình giải quyết hồ sơ) — before the first
  hand-over, to the first step (the receiving centre) — so lateness is attributed to the step that overran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from motcua.calendar.deadlines import TimeLimit, due_instant, receipt_day
from motcua.calendar.errors import (
    ExtensionAlreadyUsed,
    ExtensionTooLate,
    InvalidExtension,
    InvalidTimeLimit,
    LedgerError,
    LedgerOrderError,
    UnknownStep,
)
from motcua.calendar.hours import (
    DEFAULT_WORKING_HOURS,
    US_PER_HOUR,
    WorkingHours,
    instant_at,
    to_vietnam_time,
    working_position,
)
from motcua.calendar.workdays import WorkCalendar

PauseReason = Literal["supplement", "fee"]
SUPPLEMENT_EXPIRY = TimeLimit(15, "calendar_days")
"""Decree 118/2025 Art. 19(5): 15 (calendar) days without the supplement → the centre closes the dossier."""


# --------------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Started:
    """Receipt of a complete dossier (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Art. 17(3))."""

    at: datetime
    limit: TimeLimit


@dataclass(frozen=True)
class Paused:
    """Waiting for the citizen: a supplement (Art. 19(5)) or a fee payment."""

    at: datetime
    reason: PauseReason


@dataclass(frozen=True)
class Resumed:
    """The fee is paid; the remaining time runs again."""

    at: datetime


@dataclass(frozen=True)
class RestartedFromZero:
    """The complete supplement arrived: the time limit starts again from zero (Art. 19(5))."""

    at: datetime


@dataclass(frozen=True)
class Extended:
    """Văn bản xin lỗi và đề nghị gia hạn: the one allowed new due date (Art. 19(6))."""

    at: datetime
    new_due: datetime
    document: str = ""


@dataclass(frozen=True)
class ExtendedByLaw:
    """A time extension the procedure's own law allows (gia hạn theo quy định của luật chuyên ngành): the due
    instant moves ``working_days`` later. ``ground`` is the key of the catalogue's legal extension (once per
    dossier), ``basis`` its legal text for the reader."""

    at: datetime
    working_days: int
    ground: str
    basis: str = ""


@dataclass(frozen=True)
class HandedOver:
    """Hand-over to the next step/body of the internal process (Phiếu kiểm soát quá trình, Art. 18)."""

    at: datetime
    step: str


@dataclass(frozen=True)
class Finished:
    """A result (or refusal, stop, withdrawal) ends the clock (Art. 19(3), 21, 22)."""

    at: datetime


ClockEvent = Started | Paused | Resumed | RestartedFromZero | Extended | ExtendedByLaw | HandedOver | Finished


# --------------------------------------------------------------------------------------------- values


@dataclass(frozen=True, order=True)
class WorkingSpan:
    """A working-time duration, shown as whole working days plus hours (days of the province's length)."""

    microseconds: int
    day_us: int = field(default=DEFAULT_WORKING_HOURS.day_us, compare=False)

    @property
    def days(self) -> int:
        return self.microseconds // self.day_us

    @property
    def hours(self) -> Decimal:
        """Hours beyond the whole days."""
        return Decimal(self.microseconds % self.day_us) / US_PER_HOUR

    @property
    def total_hours(self) -> Decimal:
        return Decimal(self.microseconds) / US_PER_HOUR

    def __bool__(self) -> bool:
        return self.microseconds > 0

    def __str__(self) -> str:
        return f"{self.days} working day(s) {self.hours.normalize():f} h"


@dataclass(frozen=True)
class StepBudget:
    """One step of the internal process: its name, the body in charge and its share of the time limit."""

    step: str
    body: str
    budget: TimeLimit

    def __post_init__(self) -> None:
        if self.budget.unit not in ("working_days", "working_hours"):
            raise InvalidTimeLimit(
                f"step {self.step!r}: a step budget is in working days or working hours, not {self.budget.unit}",
                f"Bước {self.step!r}: thời gian của bước phải tính bằng ngày làm việc hoặc giờ làm việc.",
            )


@dataclass(frozen=True)
class StepUsage:
    step: str
    body: str
    budget: WorkingSpan
    used: WorkingSpan
    over_by: WorkingSpan


ClockStatus = Literal["running", "paused", "finished"]


@dataclass
class _Replay:
    """Mutable scratch state of one replay (never escapes the module)."""

    limit: TimeLimit
    anchor: datetime  # the due instant without pause shifts (first due, restart due or extension date)
    anchor_pos: int
    shift: int = 0  # working µs of pauses since the anchor
    status: ClockStatus = "running"
    run_pos: int = 0
    used: int = 0
    pause: Paused | None = None
    pause_pos: int = 0
    extended: bool = False
    legal_days: int = 0  # working days of the legal extensions granted so far
    legal_grounds: tuple[str, ...] = ()
    step: str | None = None
    step_pos: int = 0
    step_used: dict[str, int] = field(default_factory=dict)
    finished_at: datetime | None = None


@dataclass(frozen=True)
class ClockState:
    """The ledger read at an instant."""

    status: ClockStatus
    limit: TimeLimit
    due: datetime
    used: WorkingSpan
    left: WorkingSpan
    late_by: WorkingSpan
    is_late: bool
    pause: Paused | None
    extended: bool
    current_step: str | None
    steps: tuple[StepUsage, ...]
    legal_days: int = 0
    """Working days added by legal extensions (``ExtendedByLaw``) up to the instant read."""
    legal_grounds: tuple[str, ...] = ()
    """The grounds of those extensions, in order."""


# --------------------------------------------------------------------------------------------- ledger


@dataclass(frozen=True)
class ClockLedger:
    """The events of one dossier's clock with the calendar, hours and internal process they are read against."""

    calendar: WorkCalendar
    hours: WorkingHours = DEFAULT_WORKING_HOURS
    process: tuple[StepBudget, ...] = ()
    events: tuple[ClockEvent, ...] = ()

    def __post_init__(self) -> None:
        names = [s.step for s in self.process]
        if len(set(names)) != len(names):
            raise LedgerError(
                f"internal process has duplicate step names: {names}",
                "Quy trình nội bộ có bước trùng tên.",
            )
        if self.events:
            self._replay(self.events, None)

    # -- building -----------------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        at: datetime,
        limit: TimeLimit,
        calendar: WorkCalendar,
        hours: WorkingHours = DEFAULT_WORKING_HOURS,
        process: tuple[StepBudget, ...] = (),
    ) -> ClockLedger:
        return cls(calendar, hours, tuple(process), (Started(at, limit),))

    def record(self, event: ClockEvent) -> ClockLedger:
        """A new ledger with ``event`` appended, after checking it against the rules (raises ``LedgerError``)."""
        return ClockLedger(self.calendar, self.hours, self.process, (*self.events, event))

    def pause(self, at: datetime, reason: PauseReason) -> ClockLedger:
        return self.record(Paused(at, reason))

    def resume(self, at: datetime) -> ClockLedger:
        return self.record(Resumed(at))

    def restart_from_zero(self, at: datetime) -> ClockLedger:
        return self.record(RestartedFromZero(at))

    def extend(self, at: datetime, new_due: datetime, document: str = "") -> ClockLedger:
        return self.record(Extended(at, new_due, document))

    def extend_by_law(self, at: datetime, working_days: int, ground: str, basis: str = "") -> ClockLedger:
        return self.record(ExtendedByLaw(at, working_days, ground, basis))

    def hand_over(self, at: datetime, step: str) -> ClockLedger:
        return self.record(HandedOver(at, step))

    def finish(self, at: datetime) -> ClockLedger:
        return self.record(Finished(at))

    # -- reading ------------------------------------------------------------------------------------------

    def state(self, now: datetime) -> ClockState:
        """Everything at ``now`` (events after ``now`` are ignored: the ledger can be read as of any instant)."""
        to_vietnam_time(now)  # refuse a naive now
        r = self._replay(self.events, now)
        end = r.finished_at if r.finished_at is not None else now
        end_pos = self._pos(end)
        used, shift, step_used = r.used, r.shift, dict(r.step_used)
        if r.status == "running":
            used += end_pos - r.run_pos
            if r.step is not None:
                step_used[r.step] = step_used.get(r.step, 0) + end_pos - r.step_pos
        elif r.status == "paused":
            shift += end_pos - r.pause_pos
        due_pos = r.anchor_pos + shift
        due = r.anchor if shift == 0 else instant_at(due_pos, self.calendar, self.hours)
        day = self.hours.day_us
        steps = tuple(self._usage(s, step_used.get(s.step, 0)) for s in self.process)
        return ClockState(
            status=r.status,
            limit=r.limit,
            due=due.astimezone(UTC),
            used=WorkingSpan(used, day),
            left=WorkingSpan(max(0, due_pos - end_pos), day),
            late_by=WorkingSpan(max(0, end_pos - due_pos), day),
            is_late=end > due,
            pause=r.pause if r.status == "paused" else None,
            extended=r.extended,
            current_step=r.step,
            steps=steps,
            legal_days=r.legal_days,
            legal_grounds=r.legal_grounds,
        )

    def due(self, now: datetime) -> datetime:
        return self.state(now).due

    def used(self, now: datetime) -> WorkingSpan:
        """Working time the officers have had (pauses excluded), since the start or the last restart."""
        return self.state(now).used

    def left(self, now: datetime) -> WorkingSpan:
        """Working time until the due instant; zero once late. Frozen while paused."""
        return self.state(now).left

    def late_by(self, now: datetime) -> WorkingSpan:
        """Working time past the due instant (days + hours); zero when on time. See ``is_late`` for 17:00–24:00."""
        return self.state(now).late_by

    def is_late(self, now: datetime) -> bool:
        return self.state(now).is_late

    def supplement_expires_at(self, now: datetime) -> datetime | None:
        """When a pending supplement request lapses (Art. 19(5), 15 calendar days); None if none is pending."""
        pause = self.state(now).pause
        if pause is None or pause.reason != "supplement":
            return None
        return due_instant(pause.at, SUPPLEMENT_EXPIRY, self.calendar, self.hours)

    def supplement_expired(self, now: datetime) -> bool:
        expires = self.supplement_expires_at(now)
        return expires is not None and now > expires

    def step_usage(self, now: datetime) -> tuple[StepUsage, ...]:
        return self.state(now).steps

    def overrun_steps(self, now: datetime) -> list[StepUsage]:
        """The steps (and bodies) that used more than their share — where the lateness belongs (docs/legal.md §4)."""
        return [s for s in self.state(now).steps if s.over_by]

    # -- internals ----------------------------------------------------------------------------------------

    def _pos(self, instant: datetime) -> int:
        return working_position(instant, self.calendar, self.hours)

    def _usage(self, step: StepBudget, used: int) -> StepUsage:
        day = self.hours.day_us
        budget = step.budget.working_us(self.hours)
        return StepUsage(
            step.step,
            step.body,
            WorkingSpan(budget, day),
            WorkingSpan(used, day),
            WorkingSpan(max(0, used - budget), day),
        )

    def _replay(self, events: tuple[ClockEvent, ...], now: datetime | None) -> _Replay:
        if not events or not isinstance(events[0], Started):
            raise LedgerOrderError(
                "a clock ledger begins with the receipt (Started)",
                "Diễn biến thời hạn phải bắt đầu bằng việc tiếp nhận hồ sơ.",
            )
        previous: datetime | None = None
        r: _Replay | None = None
        for event in events:
            to_vietnam_time(event.at)
            if previous is not None and event.at < previous:
                raise LedgerOrderError(
                    f"{type(event).__name__} at {event.at.isoformat()} is earlier than the previous event",
                    "Sự kiện ghi sau không được có thời điểm sớm hơn sự kiện trước.",
                )
            previous = event.at
            if now is not None and event.at > now:
                break
            r = self._apply(r, event)
        if r is None:
            raise LedgerOrderError(
                f"the clock had not started at {now.isoformat() if now else '?'}",
                "Tại thời điểm này hồ sơ chưa được tiếp nhận.",
            )
        return r

    def _apply(self, r: _Replay | None, event: ClockEvent) -> _Replay:
        pos = self._pos(event.at)
        if isinstance(event, Started):
            if r is not None:
                raise _sequence(event, "the clock has already started", "Hồ sơ đã được tiếp nhận.")
            anchor = due_instant(event.at, event.limit, self.calendar, self.hours)
            first = self.process[0].step if self.process else None
            return _Replay(event.limit, anchor, self._pos(anchor), run_pos=pos, step=first, step_pos=pos)
        if r is None:  # unreachable through _replay, which checks the first event is Started
            raise _sequence(event, "the clock has not started", "Hồ sơ chưa được tiếp nhận.")
        if r.status == "finished":
            raise _sequence(event, "the clock has finished", "Hồ sơ đã kết thúc thời hạn giải quyết.")
        if isinstance(event, Paused):
            if _asked_again(r, event):
                # The centre found the supplement still incomplete and asks again (Art. 19(5)): the clock keeps
                # waiting, the due instant keeps moving, and the 15 days run from the new request.
                r.shift += pos - r.pause_pos
                r.pause, r.pause_pos = event, pos
                return r
            if r.status != "running":
                raise _sequence(event, "the clock is already paused", "Hồ sơ đang tạm dừng tính thời hạn.")
            self._stop_running(r, pos)
            r.status, r.pause, r.pause_pos = "paused", event, pos
        elif isinstance(event, Resumed):
            if r.pause is None or r.status != "paused":
                raise _sequence(event, "the clock is not paused", "Hồ sơ không ở trạng thái tạm dừng.")
            if r.pause.reason == "supplement":
                raise _sequence(
                    event,
                    "a supplement pause ends with restart_from_zero (Decree 118 Art. 19(5))",
                    "Sau khi bổ sung hồ sơ, thời hạn được tính lại từ đầu (Điều 19 khoản 5 Nghị định 118).",
                )
            r.shift += pos - r.pause_pos
            r.status, r.pause, r.run_pos, r.step_pos = "running", None, pos, pos
        elif isinstance(event, RestartedFromZero):
            if r.pause is None or r.pause.reason != "supplement":
                raise _sequence(
                    event,
                    "restart from zero needs a pending supplement request",
                    "Chỉ tính lại thời hạn từ đầu khi đang chờ bổ sung hồ sơ.",
                )
            anchor = due_instant(event.at, r.limit, self.calendar, self.hours)
            r.anchor, r.anchor_pos, r.shift = anchor, self._pos(anchor), 0
            if r.legal_days:  # the law's extra days belong to the time limit that starts again
                r.anchor_pos += r.legal_days * self.hours.day_us
                r.anchor = instant_at(r.anchor_pos, self.calendar, self.hours)
            r.status, r.pause, r.used, r.run_pos = "running", None, 0, pos
            r.step_used, r.step_pos = {}, pos
        elif isinstance(event, Extended):
            self._extend(r, event, pos)
        elif isinstance(event, ExtendedByLaw):
            self._extend_by_law(r, event)
        elif isinstance(event, HandedOver):
            if event.step not in {s.step for s in self.process}:
                raise UnknownStep(
                    f"step {event.step!r} is not in the internal process {[s.step for s in self.process]}",
                    f"Bước {event.step!r} không có trong quy trình nội bộ của thủ tục.",
                )
            if r.status == "running":
                self._stop_running(r, pos)
                r.run_pos = pos
            r.step, r.step_pos = event.step, pos
        else:  # Finished
            if r.status == "running":
                self._stop_running(r, pos)
            elif r.status == "paused":
                r.shift += pos - r.pause_pos
            r.status, r.pause, r.finished_at = "finished", None, event.at
        return r

    def _stop_running(self, r: _Replay, pos: int) -> None:
        r.used += pos - r.run_pos
        if r.step is not None:
            r.step_used[r.step] = r.step_used.get(r.step, 0) + pos - r.step_pos

    def extension_refusal(self, at: datetime) -> LedgerError | None:
        """Why an extension asked at ``at`` would be refused (used already, too late, clock not running), or
        ``None`` when one may be asked — whatever new date it then proposes (Art. 19(6), 12(5))."""
        try:
            r = self._replay(self.events, at)
            if r.status == "finished":
                return _sequence(Extended(at, at), "the clock has finished", "Hồ sơ đã kết thúc thời hạn giải quyết.")
            self._check_extension(r, at, self._pos(at))
        except LedgerError as exc:
            return exc
        return None

    def _current_due(self, r: _Replay, pos: int) -> datetime:
        shift = r.shift + (pos - r.pause_pos if r.status == "paused" else 0)
        return r.anchor if shift == 0 else instant_at(r.anchor_pos + shift, self.calendar, self.hours)

    def _check_extension(self, r: _Replay, at: datetime, pos: int) -> None:
        if r.extended:
            raise ExtensionAlreadyUsed(
                "the due date has already been extended once (Decree 118 Art. 19(6))",
                "Hồ sơ đã được gia hạn một lần; không được gia hạn lần thứ hai (Điều 19 khoản 6 Nghị định 118).",
            )
        due_day = to_vietnam_time(self._current_due(r, pos)).date()
        asked_on = receipt_day(at, self.calendar, self.hours)
        if asked_on >= due_day:
            raise ExtensionTooLate(
                f"extension requested on {at.isoformat()} (counts on {asked_on.isoformat()}): it must "
                f"come at least one working day before the due date {due_day.isoformat()}",
                f"Văn bản xin lỗi, đề nghị gia hạn phải gửi chậm nhất 01 ngày làm việc trước ngày hết hạn "
                f"({due_day:%d/%m/%Y}).",
            )

    def _extend(self, r: _Replay, event: Extended, pos: int) -> None:
        self._check_extension(r, event.at, pos)
        current = self._current_due(r, pos)
        new_pos = self._pos(event.new_due)
        if event.new_due <= current:
            raise InvalidExtension(
                f"new due {event.new_due.isoformat()} is not after the current due {current.isoformat()}",
                "Ngày hẹn mới phải sau ngày hẹn hiện tại.",
            )
        r.anchor, r.anchor_pos, r.shift, r.extended = event.new_due, new_pos, 0, True
        if r.status == "paused":
            r.pause_pos = pos  # only the part of the pause after the new date was set moves it

    def _extend_by_law(self, r: _Replay, event: ExtendedByLaw) -> None:
        if event.working_days <= 0:
            raise InvalidExtension(
                f"a legal extension adds a positive number of working days, not {event.working_days}",
                "Số ngày gia hạn theo luật phải lớn hơn 0.",
            )
        if event.ground in r.legal_grounds:
            raise ExtensionAlreadyUsed(
                f"the legal extension {event.ground!r} has already been applied",
                "Căn cứ gia hạn này đã được áp dụng cho hồ sơ; mỗi căn cứ chỉ áp dụng một lần.",
            )
        r.anchor_pos += event.working_days * self.hours.day_us
        r.anchor = instant_at(r.anchor_pos, self.calendar, self.hours)
        r.legal_days += event.working_days
        r.legal_grounds = (*r.legal_grounds, event.ground)


def moved_by_working_days(instant: datetime, working_days: int, calendar: WorkCalendar,
                          hours: WorkingHours = DEFAULT_WORKING_HOURS) -> datetime:
    """``instant`` moved ``working_days`` whole working days later on ``calendar`` (weekends, holidays, Tết and the
    province's announced days off skipped): an appointment at 17:00 on a working day lands at 17:00 on the N-th
    working day after it. Aware, UTC."""
    if working_days < 0:
        raise InvalidExtension(f"cannot move by {working_days} working days", "Số ngày gia hạn phải lớn hơn 0.")
    position = working_position(instant, calendar, hours) + working_days * hours.day_us
    return instant_at(position, calendar, hours).astimezone(UTC)


def _asked_again(r: _Replay, event: Paused) -> bool:
    """A further supplement request while one is awaited: the supplement the citizen sent was not complete."""
    return (event.reason == "supplement" and r.status == "paused" and r.pause is not None
            and r.pause.reason == "supplement")


def _sequence(event: ClockEvent, english: str, message: str) -> LedgerOrderError:
    return LedgerOrderError(f"{type(event).__name__} at {event.at.isoformat()}: {english}", message)
