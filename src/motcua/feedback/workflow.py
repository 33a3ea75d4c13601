"""The feedback case (phản ánh, kiến nghị — PAKN) as a table: states, actions, who may act, time limits — pure.

Limits (docs/legal.md §7, the ones indicator 5.2 of Decision 766 is computed with), all in working days on the
province's legal calendar, counted from the receipt of the case:

* refuse (từ chối tiếp nhận, e.g. not a PAKN, not this commune's business, anonymous): within **2** working days;
* ask the sender for more information (đề nghị bổ sung thông tin): within **5** working days;
* handle — answer (trả lời): within **15** working days; when information was asked for, the 15 days run again from
  the day it arrived (assumed, as for a dossier's supplement under Decree 118 Art. 19(5): the time waiting for the
  sender is not the commune's);
* publish the answer (công khai kết quả trả lời): within **2** working days of answering.

Refusing and asking for information are screening steps whose point is being early; past their limit they are
refused (the case must then be answered), so a late request cannot restart the 15 days and hide the lateness — the
same reason Decree 118 Art. 19(5) closes a dossier's supplement window. Answering and publishing late are allowed
and recorded as late (refusing them would only make them later).

The table is a ``kit.statemachine.Machine``: ``plan(action, status, ...)`` is the only way a case's status changes;
``available_actions`` — the same table and the same guards (the officer's commune, the screening limits above, the
sender's one verdict) — decides which buttons the officer's page shows and which actions the API lists. Each row
names its effect on the case's deadline (``due_at``), carried out by the handlers ``actions.py`` registers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.calendar import TimeLimit
from motcua.kit.clock import as_utc
from motcua.kit.errors import Conflict, Forbidden, MotcuaError, ValidationFailed
from motcua.kit.statemachine import Guard, Machine, Row

REFUSE_LIMIT = TimeLimit(2, "working_days")
INFO_LIMIT = TimeLimit(5, "working_days")
ANSWER_LIMIT = TimeLimit(15, "working_days")
PUBLISH_LIMIT = TimeLimit(2, "working_days")


class CaseStatus(StrEnum):
    NEW = "new"  # not in the database yet
    RECEIVED = "received"
    AWAITING_INFO = "awaiting_info"  # the sender was asked for more information: the clock is theirs
    IN_HANDLING = "in_handling"  # the information arrived: 15 working days from then
    REFUSED = "refused"
    ANSWERED = "answered"
    PUBLISHED = "published"


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: "Mới",
    CaseStatus.RECEIVED: "Đã tiếp nhận",
    CaseStatus.AWAITING_INFO: "Chờ người gửi bổ sung thông tin",
    CaseStatus.IN_HANDLING: "Đang xử lý (đã đủ thông tin)",
    CaseStatus.REFUSED: "Từ chối tiếp nhận, xử lý",
    CaseStatus.ANSWERED: "Đã trả lời",
    CaseStatus.PUBLISHED: "Đã công khai kết quả trả lời",
}
OPEN_STATES: frozenset[CaseStatus] = frozenset({CaseStatus.RECEIVED, CaseStatus.AWAITING_INFO,
                                                CaseStatus.IN_HANDLING})
HANDLED_STATES: frozenset[CaseStatus] = frozenset({CaseStatus.REFUSED, CaseStatus.ANSWERED, CaseStatus.PUBLISHED})


class CaseAction(StrEnum):
    RECEIVE = "receive"
    REFUSE = "refuse"
    ASK_MORE = "ask_more"
    RECEIVE_INFO = "receive_info"
    ANSWER = "answer"
    PUBLISH = "publish"
    RATE_ANSWER = "rate_answer"


Actor = Literal["public", "officer"]

#: The officers who handle cases: the centre's counter and its director (province monitors only read).
HANDLER_ROLES: frozenset[Role] = frozenset({Role.RECEPTION, Role.CENTRE_DIRECTOR})


class Party(StrEnum):
    """Who acts on a case, as the table names them."""

    SENDER = "public"  # the person who sent it, on the public pages (a code and a signed link)
    HANDLER = "handler"  # an officer who handles cases (``HANDLER_ROLES``)


def parties(actor: Actor, roles: Iterable[Role] = ()) -> frozenset[Party]:
    if actor == "public":
        return frozenset({Party.SENDER})
    return frozenset({Party.HANDLER}) if HANDLER_ROLES & frozenset(roles) else frozenset()


DeadlineEffect = Literal["none", "stop", "pause", "restart", "answer"]


@dataclass(frozen=True, kw_only=True)
class Transition(Row[CaseStatus, CaseAction, Party]):
    effect: DeadlineEffect = "none"  # what the action does to the case's running deadline (``due_at``)
    limit: TimeLimit | None = None  # the docs/legal.md §7 limit the step is measured against
    needs_note: bool = False  # a reason, the request, or the answer itself

    @property
    def actor(self) -> Actor:
        return "public" if Party.SENDER in self.roles else "officer"


class AlreadyRated(Conflict):
    code = "already_rated"
    default_message = "Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần."


class Situation(Protocol):
    """What the guards read: who acts on which case, when."""

    @property
    def actor(self) -> Principal: ...
    @property
    def commune_code(self) -> str: ...
    @property
    def now(self) -> datetime: ...
    @property
    def refuse_due(self) -> datetime: ...
    @property
    def info_due(self) -> datetime: ...
    @property
    def sender_satisfied(self) -> bool | None: ...


def own_commune(s: Situation) -> MotcuaError | None:
    """The commune's own centre handles its cases; province officers follow them only."""
    if s.actor.commune_code != s.commune_code:
        return Forbidden("Cán bộ cấp tỉnh chỉ theo dõi, không xử lý phản ánh, kiến nghị của xã.")
    return None


def refuse_in_time(s: Situation) -> MotcuaError | None:
    """A case is refused within 2 working days of its receipt; later it must be answered (docs/legal.md §7)."""
    if s.now > as_utc(s.refuse_due):
        return ValidationFailed("Đã quá 02 ngày làm việc kể từ khi tiếp nhận nên không được từ chối nữa; hãy trả lời "
                                "phản ánh, kiến nghị (thời hạn xử lý 15 ngày làm việc).")
    return None


def ask_in_time(s: Situation) -> MotcuaError | None:
    """More information is asked within 5 working days of the receipt; later it would restart the 15 days and hide
    the lateness (docs/legal.md §7)."""
    if s.now > as_utc(s.info_due):
        return ValidationFailed("Đã quá 05 ngày làm việc kể từ khi tiếp nhận nên không được đề nghị bổ sung thông "
                                "tin nữa; hãy trả lời với thông tin hiện có.")
    return None


def not_yet_rated(s: Situation) -> MotcuaError | None:
    """The sender gives their verdict on the answer once (indicator 5.3)."""
    if s.sender_satisfied is not None:
        return AlreadyRated("Ông/Bà đã đánh giá kết quả trả lời này. Mỗi phản ánh, kiến nghị chỉ đánh giá một lần.")
    return None


GUARDS: dict[str, Guard[Situation]] = {
    "own_commune": own_commune, "refuse_in_time": refuse_in_time, "ask_in_time": ask_in_time,
    "not_yet_rated": not_yet_rated,
}


def _t(action: CaseAction, sources: Iterable[CaseStatus], target: CaseStatus | None, party: Party, label: str,
       limit: TimeLimit | None = None, needs_note: bool = False, *, effect: DeadlineEffect = "none",
       guards: tuple[str, ...] = ()) -> Transition:
    return Transition(action=action, sources=frozenset(sources), target=target, roles=frozenset({party}),
                      label=label, limit=limit, needs_note=needs_note, effect=effect, guards=guards)


C, HANDLER, SENDER = CaseStatus, Party.HANDLER, Party.SENDER
TABLE: tuple[Transition, ...] = (
    _t(CaseAction.RECEIVE, [C.NEW], C.RECEIVED, SENDER, "Gửi phản ánh, kiến nghị"),
    _t(CaseAction.REFUSE, [C.RECEIVED], C.REFUSED, HANDLER, "Từ chối tiếp nhận", REFUSE_LIMIT, True,
       effect="stop", guards=("own_commune", "refuse_in_time")),
    _t(CaseAction.ASK_MORE, [C.RECEIVED], C.AWAITING_INFO, HANDLER, "Đề nghị bổ sung thông tin", INFO_LIMIT, True,
       effect="pause", guards=("own_commune", "ask_in_time")),
    _t(CaseAction.RECEIVE_INFO, [C.AWAITING_INFO], C.IN_HANDLING, HANDLER, "Ghi nhận thông tin đã bổ sung",
       None, True, effect="restart", guards=("own_commune",)),
    _t(CaseAction.ANSWER, [C.RECEIVED, C.AWAITING_INFO, C.IN_HANDLING], C.ANSWERED, HANDLER, "Trả lời",
       ANSWER_LIMIT, True, effect="answer", guards=("own_commune",)),
    _t(CaseAction.PUBLISH, [C.ANSWERED], C.PUBLISHED, HANDLER, "Công khai kết quả trả lời", PUBLISH_LIMIT,
       effect="stop", guards=("own_commune",)),
    _t(CaseAction.RATE_ANSWER, [C.ANSWERED, C.PUBLISHED], None, SENDER, "Đánh giá kết quả trả lời",
       guards=("not_yet_rated",)),
)
ACTION_LABELS: dict[CaseAction, str] = {t.action: t.label for t in TABLE}


class TransitionNotAllowed(MotcuaError):
    status_code = 409
    code = "transition_not_allowed"
    default_message = "Thao tác này không được phép ở trạng thái hiện tại của phản ánh, kiến nghị."


class UnknownAction(MotcuaError):
    status_code = 404
    code = "unknown_action"
    default_message = "Thao tác không tồn tại."


def _refuse(row: Transition, state: CaseStatus, held: frozenset[Party]) -> MotcuaError:
    """Who first (an officer's act is never the sender's, nor the reverse), then the state, then the officer's role."""
    if Party.SENDER in row.roles and Party.SENDER not in held:
        return TransitionNotAllowed(f"«{row.label}» không phải thao tác của cán bộ.")
    if Party.SENDER not in row.roles and Party.SENDER in held:
        return TransitionNotAllowed(f"«{row.label}» không phải thao tác của người gửi.")
    if state not in row.sources:
        return TransitionNotAllowed(f"Không thể «{row.label}» khi phản ánh, kiến nghị đang ở trạng thái "
                                    f"«{STATUS_LABELS[state]}».")
    return TransitionNotAllowed(f"Vai trò của bạn không được «{row.label}» (cần: cán bộ tiếp nhận hoặc giám đốc "
                                "Trung tâm Phục vụ hành chính công).")


MACHINE: Machine[CaseStatus, CaseAction, Party, Transition, Situation] = Machine(
    TABLE, states=CaseStatus, actions=CaseAction, guards=GUARDS, refuse=_refuse, initial=CaseStatus.NEW,
    creating={CaseAction.RECEIVE}, unknown=lambda action: UnknownAction())


def transition(action: CaseAction | str) -> Transition:
    return MACHINE.row(action)


def plan(action: CaseAction | str, status: CaseStatus | str, *, actor: Actor, roles: Iterable[Role] = (),
         situation: Situation | None = None) -> Transition:
    """The transition for ``action`` from ``status`` by ``actor`` (officers: holding ``roles``) in ``situation``
    (needed by the rows with guards), or ``TransitionNotAllowed`` / the first failing guard's refusal."""
    return MACHINE.plan(action, status, parties(actor, roles), situation)


def available_actions(status: CaseStatus | str, roles: Iterable[Role],
                      situation: Situation | None = None) -> list[Transition]:
    """The officer's buttons for this status, these roles and this situation, in table order: exactly what ``plan``
    lets through (without a situation, only the rows that have no guard — none of the officer's)."""
    return MACHINE.allowed(status, parties("officer", roles), situation)
