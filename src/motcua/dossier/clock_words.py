"""What the legal clock says about a dossier, in words and a tone: the one place the inbox, the dossier page and
the officer's home page get "Còn 2 ngày làm việc", "Sắp đến hạn", "Tạm dừng — hạn bổ sung 22/12", "Trễ hạn 1 ngày"
from (issue 16, item 6). Pure: the ledger's state read at ``now`` comes in, a ``ClockBadge`` goes out.

The states, each with its own wording and tone (the tone is a colour *and* the words say it, never the colour
alone):

* ``not_started`` — no clock yet (a dossier that was never received): "Chưa tính thời hạn".
* ``awaiting_acceptance`` / ``acceptance_late`` — filed online, waiting for the centre, which has 8 working hours
  to accept it or ask for a supplement (Decree 118 Art. 17(2)): "Chờ tiếp nhận — hạn 15:30 08/12", red when past.
* ``new`` — received less than one working hour of the officers' time ago: "Mới tiếp nhận — hạn 10/12".
* ``running`` — "Còn 3 ngày làm việc" (days and hours of working time left, pauses excluded).
* ``due_soon`` — the last fifth of the time granted and at most one working day left (``due_soon_threshold``;
  docs/architecture.md, "The clock on the pages"): "Sắp đến hạn — còn 4 giờ làm việc".
* ``late`` — running past the due instant, red: "Quá hạn 1 ngày 2 giờ làm việc".
* ``paused`` — waiting for the citizen's supplement: "Tạm dừng — hạn bổ sung 22/12" (the 15 days of Art. 19(5),
  ``ClockLedger.supplement_expires_at``); the supplement sent and awaiting the centre's check; a fee payment.
* ``supplement_lapsed`` — the 15 days passed without the supplement: the centre may close the dossier.
* ``finished_early`` / ``finished_on_time`` / ``finished_late`` — the clock ended (the result approved, or the
  dossier refused, stopped, withdrawn): "Trả kết quả trước hạn" (at least one working day before the due instant),
  "Đúng hạn", "Trễ hạn 2 ngày làm việc".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from motcua.calendar import ClockState, to_vietnam_time
from motcua.calendar.ledger import WorkingSpan
from motcua.dossier.workflow import Status

ClockKind = Literal[
    "not_started", "awaiting_acceptance", "acceptance_late", "new", "running", "due_soon", "late", "paused",
    "supplement_lapsed", "finished_early", "finished_on_time", "finished_late",
]
#: The colour family of a badge (CSS ``.clock.t-<tone>``): neutral grey, blue for waiting on the citizen, green for
#: time in hand or done in time, amber for soon, red for late.
Tone = Literal["neutral", "paused", "ok", "soon", "late"]

#: The share of the time granted that is "due soon" at its end, and the most it may be (issue 16, item 6).
DUE_SOON_SHARE = 5  # the last 1/5 = 20 %
#: Less than this much of the officers' time used since receipt (or a restart) is a new dossier.
NEW_FOR_US = 3_600_000_000  # one working hour
#: Statuses that end with a result the citizen collects (the others end without one: refused, stopped, withdrawn).
RESULT_STATES = frozenset({Status.RESULT_READY, Status.RETURNED, Status.IN_CORRECTION})
ACCEPTANCE_STATES = frozenset({Status.SUBMITTED, Status.INTAKE_SUPPLEMENT_SUBMITTED})


@dataclass(frozen=True)
class ClockBadge:
    kind: ClockKind
    text: str
    tone: Tone

    @property
    def urgent(self) -> bool:
        """Whether the inbox shows it among the urgent work (late or due soon)."""
        return self.tone in ("late", "soon")


def due_soon_threshold(used: WorkingSpan, left: WorkingSpan) -> int:
    """Working µs before the due instant from which a running dossier is "due soon": a fifth of the time granted
    (used + left: the time limit as it stands, with its extensions), and never more than one working day. A dossier
    just received is never due soon, whatever its limit; a 15-day one is due soon on its last working day, a
    3-day one in its last 4.8 working hours, a 4-hour one in its last 48 minutes."""
    return min((used.microseconds + left.microseconds) // DUE_SOON_SHARE, used.day_us)


def span_words(span: WorkingSpan) -> str:
    """"2 ngày 3 giờ làm việc", "5 giờ làm việc", "dưới 1 giờ làm việc" (whole hours, working time)."""
    hours = int(span.hours)
    if span.days and hours:
        return f"{span.days} ngày {hours} giờ làm việc"
    if span.days:
        return f"{span.days} ngày làm việc"
    if hours:
        return f"{hours} giờ làm việc"
    return "dưới 1 giờ làm việc"


def _day(instant: datetime) -> str:
    return f"{to_vietnam_time(instant):%d/%m}"


def _day_time(instant: datetime) -> str:
    return f"{to_vietnam_time(instant):%H:%M %d/%m}"


def clock_badge(status: Status | str, state: ClockState | None, now: datetime, *, due_at: datetime | None = None,
                supplement_expires: datetime | None = None) -> ClockBadge:
    """The clock of a dossier in ``status`` at ``now``: ``state`` is its ledger read at ``now`` (None before the
    clock starts); ``due_at`` the stored due instant (an online dossier's acceptance limit); ``supplement_expires``
    when a pending supplement request lapses (``ClockLedger.supplement_expires_at``, or the online dossier's)."""
    status = Status(status)
    if state is None:
        if status in ACCEPTANCE_STATES and due_at is not None:
            if now > due_at:
                return ClockBadge("acceptance_late", f"Quá hạn tiếp nhận (hạn {_day_time(due_at)})", "late")
            return ClockBadge("awaiting_acceptance", f"Chờ tiếp nhận — hạn {_day_time(due_at)}", "soon")
        if status is Status.INTAKE_SUPPLEMENT and supplement_expires is not None:
            return _supplement(supplement_expires, now)
        return ClockBadge("not_started", "Chưa tính thời hạn", "neutral")
    if state.status == "finished":
        return _finished(status, state)
    if state.status == "paused":
        if state.pause is not None and state.pause.reason == "fee":
            return ClockBadge("paused", "Tạm dừng — chờ nộp phí", "paused")
        if status is Status.SUPPLEMENT_SUBMITTED:
            return ClockBadge("paused", "Tạm dừng — bổ sung chờ xác nhận", "paused")
        if supplement_expires is not None:
            return _supplement(supplement_expires, now)
        return ClockBadge("paused", "Tạm dừng — chờ bổ sung", "paused")
    if state.is_late:
        return ClockBadge("late", f"Quá hạn {span_words(state.late_by)}", "late")
    if state.left.microseconds <= due_soon_threshold(state.used, state.left):
        return ClockBadge("due_soon", f"Sắp đến hạn — còn {span_words(state.left)}", "soon")
    if state.used.microseconds < NEW_FOR_US:
        return ClockBadge("new", f"Mới tiếp nhận — hạn {_day(state.due)}", "neutral")
    return ClockBadge("running", f"Còn {span_words(state.left)}", "ok")


def _supplement(expires: datetime, now: datetime) -> ClockBadge:
    if now > expires:
        return ClockBadge("supplement_lapsed", f"Quá hạn bổ sung (hết hạn {_day(expires)}) — có thể đóng hồ sơ",
                          "soon")
    return ClockBadge("paused", f"Tạm dừng — hạn bổ sung {_day(expires)}", "paused")


def _finished(status: Status, state: ClockState) -> ClockBadge:
    if state.is_late:
        return ClockBadge("finished_late", f"Trễ hạn {span_words(state.late_by)}", "late")
    if state.left.microseconds >= state.left.day_us:
        words = "Trả kết quả trước hạn" if status in RESULT_STATES else "Kết thúc trước hạn"
        return ClockBadge("finished_early", words, "ok")
    return ClockBadge("finished_on_time", "Đúng hạn", "ok")
