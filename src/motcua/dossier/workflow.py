"""The dossier workflow as a table (house rule 2): states, actions, roles and the effect on the legal clock.

Every row of docs/legal.md §3 (Decree 118/2025/NĐ-CP) is one ``Transition``. ``plan(action, status, roles)`` is the
only way a status changes (``actions.py`` calls it and raises ``TransitionNotAllowed`` otherwise), and
``available_actions`` — the same table — decides which buttons a page shows. ``docs/workflow.md`` is generated
from this table (``python scripts/workflow_diagram.py``) and a test keeps it in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from motcua.base.roles import Role
from motcua.kit.errors import MotcuaError


class Status(StrEnum):
    NEW = "new"  # not in the database yet: the officer is at the counter with the papers
    SUBMITTED = "submitted"  # filed online, waiting for the centre to accept it (Art. 17(2))
    INTAKE_INCOMPLETE = "intake_incomplete"  # Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ at the counter
    INTAKE_REFUSED = "intake_refused"  # Phiếu từ chối tiếp nhận giải quyết hồ sơ
    RECEIVED = "received"  # Giấy tiếp nhận hồ sơ và hẹn trả kết quả: the clock runs
    TRANSFERRED = "transferred"  # chuyển xử lý to the competent body, waiting for a handler
    IN_APPRAISAL = "in_appraisal"  # a handler appraises (thẩm định) and drafts the result
    AWAITING_SUPPLEMENT = "awaiting_supplement"  # sent back to the citizen: the clock waits
    REFUSAL_PROPOSED = "refusal_proposed"
    AWAITING_APPROVAL = "awaiting_approval"
    RESULT_READY = "result_ready"  # Đã xử lý xong: waiting at the centre to be returned
    RETURNED = "returned"  # Đã trả kết quả
    IN_CORRECTION = "in_correction"  # a wrong result being corrected (Art. 23(1))
    REFUSED = "refused"  # Từ chối (after appraisal, Art. 19(3))
    WITHDRAWN = "withdrawn"  # Công dân yêu cầu rút hồ sơ (Art. 21)
    STOPPED = "stopped"  # Dừng xử lý (Art. 21)
    CLOSED_UNSUPPLIED = "closed_unsupplied"  # closed after 15 days without the supplement (Art. 19(5))


STATUS_LABELS: dict[Status, str] = {
    Status.NEW: "Mới",
    Status.SUBMITTED: "Chờ tiếp nhận (nộp trực tuyến)",
    Status.INTAKE_INCOMPLETE: "Yêu cầu bổ sung khi tiếp nhận",
    Status.INTAKE_REFUSED: "Từ chối tiếp nhận",
    Status.RECEIVED: "Đã tiếp nhận",
    Status.TRANSFERRED: "Đã chuyển xử lý",
    Status.IN_APPRAISAL: "Đang xử lý",
    Status.AWAITING_SUPPLEMENT: "Chờ bổ sung hồ sơ",
    Status.REFUSAL_PROPOSED: "Đề xuất từ chối",
    Status.AWAITING_APPROVAL: "Chờ phê duyệt",
    Status.RESULT_READY: "Đã xử lý xong, chờ trả kết quả",
    Status.RETURNED: "Đã trả kết quả",
    Status.IN_CORRECTION: "Đang đính chính kết quả",
    Status.REFUSED: "Từ chối giải quyết",
    Status.WITHDRAWN: "Công dân rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.CLOSED_UNSUPPLIED: "Dừng xử lý (quá hạn bổ sung)",
}

#: States in which the dossier is still being handled (the clock is running or waiting for the citizen).
OPEN_STATES: frozenset[Status] = frozenset({
    Status.RECEIVED, Status.TRANSFERRED, Status.IN_APPRAISAL, Status.AWAITING_SUPPLEMENT,
    Status.REFUSAL_PROPOSED, Status.AWAITING_APPROVAL,
})
#: Open states before the decision: withdrawal and stop are allowed until then (Art. 21).
BEFORE_DECISION: frozenset[Status] = OPEN_STATES
END_STATES: frozenset[Status] = frozenset({
    Status.INTAKE_INCOMPLETE, Status.INTAKE_REFUSED, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN,
    Status.STOPPED, Status.CLOSED_UNSUPPLIED,
})

ClockEffect = Literal["none", "start", "hand_over", "pause_supplement", "restart", "extend", "finish"]
Form = Literal[
    "receipt", "supplement_request", "refusal_intake", "refusal_processing", "apology_extension", "stop_notice",
    "control_slip",
]


class Action(StrEnum):
    RECEIVE = "receive"
    REQUEST_INTAKE_SUPPLEMENT = "request_intake_supplement"
    REFUSE_INTAKE = "refuse_intake"
    SUBMIT_ONLINE = "submit_online"
    ACCEPT_ONLINE = "accept_online"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    REQUEST_SUPPLEMENT = "request_supplement"
    RECEIVE_SUPPLEMENT = "receive_supplement"
    SUPPLY_ONLINE = "supply_online"
    CLOSE_UNSUPPLIED = "close_unsupplied"
    PROPOSE_REFUSAL = "propose_refusal"
    CONFIRM_REFUSAL = "confirm_refusal"
    REJECT_REFUSAL = "reject_refusal"
    SUBMIT_FOR_APPROVAL = "submit_for_approval"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    RETURN_RESULT = "return_result"
    WITHDRAW = "withdraw"
    STOP = "stop"
    EXTEND = "extend"
    START_CORRECTION = "start_correction"
    FINISH_CORRECTION = "finish_correction"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change (extension)
    roles: frozenset[Role]
    clock: ClockEffect
    label: str  # the button, in Vietnamese
    article: str  # the legal basis
    form: Form | None = None  # the official form the action produces
    needs_note: bool = False  # reasons are required (refusal, supplement, stop, extension, send back)


def _t(action: Action, sources: Iterable[Status], target: Status | None, roles: Iterable[Role], clock: ClockEffect,
       label: str, article: str, form: Form | None = None, needs_note: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), clock, label, article, form, needs_note)


R, S, A, D = Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.CENTRE_DIRECTOR
P, V = Role.APPLICANT, Role.VOLUNTEER  # the citizen on their own dossier; a digital volunteer filing for one

#: Actions that create a dossier (from NEW): never a button on a dossier's page.
CREATING: frozenset[Action] = frozenset({Action.RECEIVE, Action.SUBMIT_ONLINE})

TABLE: tuple[Transition, ...] = (
    _t(Action.RECEIVE, [Status.NEW], Status.RECEIVED, [R], "start",
       "Tiếp nhận hồ sơ", "Điều 17(1), 17(3)", "receipt"),
    _t(Action.REQUEST_INTAKE_SUPPLEMENT, [Status.NEW, Status.SUBMITTED], Status.INTAKE_INCOMPLETE, [R], "none",
       "Yêu cầu bổ sung khi tiếp nhận", "Điều 16(3), 17(1)", "supplement_request", True),
    _t(Action.REFUSE_INTAKE, [Status.NEW, Status.SUBMITTED], Status.INTAKE_REFUSED, [R], "none",
       "Từ chối tiếp nhận", "Điều 17(1)", "refusal_intake", True),
    _t(Action.SUBMIT_ONLINE, [Status.NEW], Status.SUBMITTED, [P, V, R], "none",
       "Nộp hồ sơ trực tuyến", "Điều 15, 17(2)"),
    _t(Action.ACCEPT_ONLINE, [Status.SUBMITTED], Status.RECEIVED, [R], "start",
       "Tiếp nhận hồ sơ trực tuyến", "Điều 17(2)", "receipt"),
    _t(Action.TRANSFER, [Status.RECEIVED], Status.TRANSFERRED, [R], "hand_over",
       "Chuyển xử lý", "Điều 18, 20(2)", "control_slip"),
    _t(Action.ASSIGN, [Status.TRANSFERRED], Status.IN_APPRAISAL, [A], "none",
       "Phân công xử lý", "Điều 19(1)"),
    _t(Action.REQUEST_SUPPLEMENT, [Status.IN_APPRAISAL], Status.AWAITING_SUPPLEMENT, [S], "pause_supplement",
       "Yêu cầu bổ sung hồ sơ", "Điều 19(5), 11(2)(c)", "supplement_request", True),
    _t(Action.RECEIVE_SUPPLEMENT, [Status.AWAITING_SUPPLEMENT], Status.IN_APPRAISAL, [R, S], "restart",
       "Nhận hồ sơ bổ sung", "Điều 19(5)"),
    _t(Action.SUPPLY_ONLINE, [Status.AWAITING_SUPPLEMENT], Status.IN_APPRAISAL, [P], "restart",
       "Nộp bổ sung trực tuyến", "Điều 17(2), 19(5)"),
    _t(Action.CLOSE_UNSUPPLIED, [Status.AWAITING_SUPPLEMENT], Status.CLOSED_UNSUPPLIED, [R, D], "finish",
       "Đóng hồ sơ (quá 15 ngày không bổ sung)", "Điều 19(5)", "stop_notice"),
    _t(Action.PROPOSE_REFUSAL, [Status.IN_APPRAISAL], Status.REFUSAL_PROPOSED, [S], "none",
       "Đề xuất từ chối", "Điều 19(3)", None, True),
    _t(Action.CONFIRM_REFUSAL, [Status.REFUSAL_PROPOSED], Status.REFUSED, [A], "finish",
       "Duyệt từ chối", "Điều 19(3)", "refusal_processing"),
    _t(Action.REJECT_REFUSAL, [Status.REFUSAL_PROPOSED], Status.IN_APPRAISAL, [A], "none",
       "Không duyệt từ chối, xử lý tiếp", "Điều 19(3)", None, True),
    _t(Action.SUBMIT_FOR_APPROVAL, [Status.IN_APPRAISAL], Status.AWAITING_APPROVAL, [S], "hand_over",
       "Trình phê duyệt", "Điều 19"),
    _t(Action.APPROVE, [Status.AWAITING_APPROVAL], Status.RESULT_READY, [A], "finish",
       "Phê duyệt, ký kết quả", "Điều 19, 22"),
    _t(Action.SEND_BACK, [Status.AWAITING_APPROVAL], Status.IN_APPRAISAL, [A], "none",
       "Trả lại chuyên viên", "Điều 19", None, True),
    _t(Action.RETURN_RESULT, [Status.RESULT_READY], Status.RETURNED, [R], "none",
       "Trả kết quả", "Điều 22"),
    _t(Action.WITHDRAW, BEFORE_DECISION | {Status.SUBMITTED}, Status.WITHDRAWN, [R, P], "finish",
       "Rút hồ sơ theo đề nghị", "Điều 21", None, True),
    _t(Action.STOP, BEFORE_DECISION, Status.STOPPED, [A, D], "finish",
       "Dừng xử lý", "Điều 21", "stop_notice", True),
    _t(Action.EXTEND, OPEN_STATES - {Status.AWAITING_SUPPLEMENT}, None, [S, A], "extend",
       "Xin lỗi và gia hạn", "Điều 19(6), 12(5)", "apology_extension", True),
    _t(Action.START_CORRECTION, [Status.RETURNED], Status.IN_CORRECTION, [R, S], "none",
       "Đính chính kết quả sai", "Điều 23(1)", None, True),
    _t(Action.FINISH_CORRECTION, [Status.IN_CORRECTION], Status.RESULT_READY, [A], "none",
       "Duyệt kết quả đã đính chính", "Điều 23(1)"),
)

_BY_ACTION: dict[Action, Transition] = {t.action: t for t in TABLE}
ACTION_LABELS: dict[Action, str] = {t.action: t.label for t in TABLE}


class TransitionNotAllowed(MotcuaError):
    status_code = 409
    code = "transition_not_allowed"
    default_message = "Thao tác này không được phép ở trạng thái hiện tại của hồ sơ."


class UnknownAction(MotcuaError):
    status_code = 404
    code = "unknown_action"
    default_message = "Thao tác không tồn tại."


def transition(action: Action | str) -> Transition:
    try:
        return _BY_ACTION[Action(action)]
    except ValueError as exc:
        raise UnknownAction(f"Thao tác không tồn tại: {action!s}.") from exc


def plan(action: Action | str, status: Status | str, roles: Iterable[Role]) -> Transition:
    """The transition for ``action`` from ``status`` by someone holding ``roles``, or ``TransitionNotAllowed``."""
    row = transition(action)
    current = Status(status)
    if current not in row.sources:
        raise TransitionNotAllowed(
            f"Không thể «{row.label}» khi hồ sơ đang ở trạng thái «{STATUS_LABELS[current]}»."
        )
    if not row.roles & frozenset(roles):
        raise TransitionNotAllowed(
            f"Vai trò của bạn không được «{row.label}» (cần: "
            + ", ".join(sorted(r.value for r in row.roles)) + ")."
        )
    return row


def available_actions(status: Status | str, roles: Iterable[Role]) -> list[Transition]:
    """The buttons for this status and these roles, in table order (the page shows exactly these)."""
    current = Status(status)
    held = frozenset(roles)
    return [t for t in TABLE if current in t.sources and t.roles & held and t.action not in CREATING]


_CLOCK_TEXT: dict[ClockEffect, str] = {
    "none": "—", "start": "starts", "hand_over": "hand-over to the next step", "pause_supplement": "pauses",
    "restart": "restarts from zero", "extend": "new due date (once)", "finish": "stops",
}


def markdown() -> str:
    """docs/workflow.md: a Mermaid state diagram and the table, generated from ``TABLE`` (a test keeps it in step)."""
    lines = [
        "# The dossier workflow",
        "",
        "Generated from `src/motcua/dossier/workflow.py` by `python scripts/workflow_diagram.py`; do not edit by hand",
        "(`tests/dossier/test_workflow.py` fails when this file and the table differ).",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for t in TABLE:
        for source in sorted(t.sources, key=list(Status).index):
            target = t.target or source
            start = "[*]" if source is Status.NEW else source.value
            lines.append(f"    {start} --> {target.value}: {t.action.value}")
    for final in sorted(END_STATES, key=list(Status).index):
        lines.append(f"    {final.value} --> [*]")
    lines += ["```", "", "| action | from | to | roles | clock | form | basis (Decree 118/2025) |",
              "|---|---|---|---|---|---|---|"]
    for t in TABLE:
        sources = ", ".join(s.value for s in sorted(t.sources, key=list(Status).index))
        roles = ", ".join(sorted(r.value for r in t.roles))
        shown = t.target.value if t.target else "(unchanged)"
        lines.append(f"| `{t.action.value}` {t.label} | {sources} | {shown} | {roles} | {_CLOCK_TEXT[t.clock]} | "
                     f"{t.form or ''} | {t.article} |")
    lines += ["", "| status | label |", "|---|---|"]
    lines += [f"| `{s.value}` | {STATUS_LABELS[s]} |" for s in Status]
    return "\n".join(lines) + "\n"
