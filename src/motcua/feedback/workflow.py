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

``plan(action, status, ...)`` is the only way a case's status changes; ``available_actions`` — the same table —
decides which buttons the officer's page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from motcua.base.roles import Role
from motcua.calendar import TimeLimit
from motcua.kit.errors import MotcuaError

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


@dataclass(frozen=True)
class Transition:
    action: CaseAction
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: the status does not change
    actor: Actor
    label: str  # the button, in Vietnamese
    limit: TimeLimit | None  # the docs/legal.md §7 limit the step is measured against
    needs_note: bool  # a reason, the request, or the answer itself


def _t(action: CaseAction, sources: Iterable[CaseStatus], target: CaseStatus | None, actor: Actor, label: str,
       limit: TimeLimit | None = None, needs_note: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, actor, label, limit, needs_note)


C = CaseStatus
TABLE: tuple[Transition, ...] = (
    _t(CaseAction.RECEIVE, [C.NEW], C.RECEIVED, "public", "Gửi phản ánh, kiến nghị"),
    _t(CaseAction.REFUSE, [C.RECEIVED], C.REFUSED, "officer", "Từ chối tiếp nhận", REFUSE_LIMIT, True),
    _t(CaseAction.ASK_MORE, [C.RECEIVED], C.AWAITING_INFO, "officer", "Đề nghị bổ sung thông tin", INFO_LIMIT,
       True),
    _t(CaseAction.RECEIVE_INFO, [C.AWAITING_INFO], C.IN_HANDLING, "officer", "Ghi nhận thông tin đã bổ sung",
       None, True),
    _t(CaseAction.ANSWER, [C.RECEIVED, C.AWAITING_INFO, C.IN_HANDLING], C.ANSWERED, "officer", "Trả lời",
       ANSWER_LIMIT, True),
    _t(CaseAction.PUBLISH, [C.ANSWERED], C.PUBLISHED, "officer", "Công khai kết quả trả lời", PUBLISH_LIMIT),
    _t(CaseAction.RATE_ANSWER, [C.ANSWERED, C.PUBLISHED], None, "public", "Đánh giá kết quả trả lời"),
)
_BY_ACTION: dict[CaseAction, Transition] = {t.action: t for t in TABLE}
ACTION_LABELS: dict[CaseAction, str] = {t.action: t.label for t in TABLE}


class TransitionNotAllowed(MotcuaError):
    status_code = 409
    code = "transition_not_allowed"
    default_message = "Thao tác này không được phép ở trạng thái hiện tại của phản ánh, kiến nghị."


class UnknownAction(MotcuaError):
    status_code = 404
    code = "unknown_action"
    default_message = "Thao tác không tồn tại."


def transition(action: CaseAction | str) -> Transition:
    try:
        return _BY_ACTION[CaseAction(action)]
    except ValueError as exc:
        raise UnknownAction() from exc


def plan(action: CaseAction | str, status: CaseStatus | str, *, actor: Actor,
         roles: Iterable[Role] = ()) -> Transition:
    """The transition for ``action`` from ``status`` by ``actor`` (officers: holding ``roles``), or
    ``TransitionNotAllowed``."""
    row = transition(action)
    current = CaseStatus(status)
    if row.actor != actor:
        raise TransitionNotAllowed(f"«{row.label}» không phải thao tác của "
                                   + ("cán bộ." if actor == "officer" else "người gửi."))
    if current not in row.sources:
        raise TransitionNotAllowed(f"Không thể «{row.label}» khi phản ánh, kiến nghị đang ở trạng thái "
                                   f"«{STATUS_LABELS[current]}».")
    if actor == "officer" and not HANDLER_ROLES & frozenset(roles):
        raise TransitionNotAllowed(f"Vai trò của bạn không được «{row.label}» (cần: cán bộ tiếp nhận hoặc giám đốc "
                                   "Trung tâm Phục vụ hành chính công).")
    return row


def available_actions(status: CaseStatus | str, roles: Iterable[Role]) -> list[Transition]:
    """The officer's buttons for this status and these roles, in table order."""
    current = CaseStatus(status)
    if not HANDLER_ROLES & frozenset(roles):
        return []
    return [t for t in TABLE if t.actor == "officer" and current in t.sources]
