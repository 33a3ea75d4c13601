"""The dossier workflow as a table (house rule 2): states, actions, roles, guards and the effect on the legal clock.

Every row of docs/legal.md §3 (Decree 118/2025/NĐ-CP) is one ``Transition`` of a ``kit.statemachine.Machine``.
``plan(action, status, roles, situation)`` is the only way a status changes (``actions.perform`` calls it and gets
``TransitionNotAllowed`` or a guard's refusal otherwise), and ``available_actions`` — the same table, the same
guards — decides which buttons a page shows and which actions the API lists. Each row names its guards (defined
here, pure, on a ``Situation``) and its clock effect (carried out by the handlers ``actions.py`` registers).
``docs/workflow.md`` is generated from this table (``python scripts/workflow_diagram.py``) and a test keeps it in
step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.kit.errors import Forbidden, MotcuaError, ValidationFailed
from motcua.kit.statemachine import Guard, Machine, Row


class Status(StrEnum):
    NEW = "new"  # not in the database yet: the officer is at the counter with the papers
    SUBMITTED = "submitted"  # filed online, waiting for the centre to accept it (Art. 17(2))
    INTAKE_SUPPLEMENT = "intake_supplement"  # online, found incomplete: asked to supplement in place (Art. 17(1)-(2))
    INTAKE_SUPPLEMENT_SUBMITTED = "intake_supplement_submitted"  # the citizen supplemented it: the centre checks
    INTAKE_INCOMPLETE = "intake_incomplete"  # Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ at the counter
    INTAKE_REFUSED = "intake_refused"  # Phiếu từ chối tiếp nhận giải quyết hồ sơ
    RECEIVED = "received"  # Giấy tiếp nhận hồ sơ và hẹn trả kết quả: the clock runs
    TRANSFERRED = "transferred"  # chuyển xử lý to the competent body, waiting for a handler
    IN_APPRAISAL = "in_appraisal"  # a handler appraises (thẩm định) and drafts the result
    AWAITING_SUPPLEMENT = "awaiting_supplement"  # sent back to the citizen: the clock waits
    SUPPLEMENT_SUBMITTED = "supplement_submitted"  # the citizen sent it: the clock waits until the centre confirms
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
    Status.INTAKE_SUPPLEMENT: "Chờ bổ sung hồ sơ (chưa tiếp nhận)",
    Status.INTAKE_SUPPLEMENT_SUBMITTED: "Bổ sung chờ xác nhận (chưa tiếp nhận)",
    Status.INTAKE_INCOMPLETE: "Yêu cầu bổ sung khi tiếp nhận",
    Status.INTAKE_REFUSED: "Từ chối tiếp nhận",
    Status.RECEIVED: "Đã tiếp nhận",
    Status.TRANSFERRED: "Đã chuyển xử lý",
    Status.IN_APPRAISAL: "Đang xử lý",
    Status.AWAITING_SUPPLEMENT: "Chờ bổ sung hồ sơ",
    Status.SUPPLEMENT_SUBMITTED: "Bổ sung chờ xác nhận",
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
    Status.REFUSAL_PROPOSED, Status.AWAITING_APPROVAL, Status.SUPPLEMENT_SUBMITTED,
})
#: An online dossier asked to supplement before the centre accepted it (Art. 17(1)-(2)): no clock runs yet.
INTAKE_SUPPLEMENT_STATES: frozenset[Status] = frozenset({Status.INTAKE_SUPPLEMENT, Status.INTAKE_SUPPLEMENT_SUBMITTED})
#: Waiting for the citizen's supplement after receipt (Art. 19(5)): the clock waits, no extension is asked.
SUPPLEMENT_WAIT_STATES: frozenset[Status] = frozenset({Status.AWAITING_SUPPLEMENT, Status.SUPPLEMENT_SUBMITTED})
#: A supplement the citizen sent, which a centre officer confirms complete or finds still incomplete.
SUPPLEMENT_TO_CONFIRM: frozenset[Status] = frozenset({Status.SUPPLEMENT_SUBMITTED, Status.INTAKE_SUPPLEMENT_SUBMITTED})
#: Open states before the decision: withdrawal and stop are allowed until then (Art. 21).
BEFORE_DECISION: frozenset[Status] = OPEN_STATES
END_STATES: frozenset[Status] = frozenset({
    Status.INTAKE_INCOMPLETE, Status.INTAKE_REFUSED, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN,
    Status.STOPPED, Status.CLOSED_UNSUPPLIED,
})

ClockEffect = Literal["none", "start", "hand_over", "pause_supplement", "ask_again", "restart", "extend",
                      "extend_by_law", "finish"]
Form = Literal[
    "receipt", "supplement_request", "refusal_intake", "refusal_processing", "apology_extension", "stop_notice",
    "control_slip",
]
Department = Literal["centre", "division"]  # the service centre; the procedure's handling division


class Action(StrEnum):
    RECEIVE = "receive"
    REQUEST_INTAKE_SUPPLEMENT = "request_intake_supplement"
    REFUSE_INTAKE = "refuse_intake"
    SUBMIT_ONLINE = "submit_online"
    REQUEST_ONLINE_SUPPLEMENT = "request_online_supplement"
    SUPPLY_AT_INTAKE = "supply_at_intake"
    ACCEPT_ONLINE = "accept_online"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    REQUEST_SUPPLEMENT = "request_supplement"
    RECEIVE_SUPPLEMENT = "receive_supplement"
    SUPPLY_ONLINE = "supply_online"
    CONFIRM_SUPPLEMENT = "confirm_supplement"
    REQUEST_SUPPLEMENT_AGAIN = "request_supplement_again"
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
    EXTEND_BY_LAW = "extend_by_law"
    START_CORRECTION = "start_correction"
    FINISH_CORRECTION = "finish_correction"


#: The step forward a dossier waits for in its state: the primary button of the page (issue 16, item 7).
FORWARD: frozenset[Action] = frozenset({
    Action.RECEIVE, Action.ACCEPT_ONLINE, Action.TRANSFER, Action.ASSIGN, Action.RECEIVE_SUPPLEMENT,
    Action.CONFIRM_SUPPLEMENT, Action.SUBMIT_FOR_APPROVAL, Action.APPROVE, Action.RETURN_RESULT,
    Action.FINISH_CORRECTION,
})


@dataclass(frozen=True, kw_only=True)
class Transition(Row[Status, Action, Role]):
    effect: ClockEffect = "none"  # what the action does to the legal clock (docs/legal.md §4)
    article: str  # the legal basis
    form: Form | None = None  # the official form the action produces
    needs_note: bool = False  # reasons are required (refusal, supplement, stop, extension, send back)
    hands_to: Role | None = None  # hand_over: the role whose step of the internal process begins
    moves_to: Department | None = None  # where the papers go

    @property
    def clock(self) -> ClockEffect:
        return self.effect

    @property
    def final(self) -> bool:
        """The action ends the dossier's handling or its clock — a refusal, a stop, a withdrawal, a closing, the
        approval: the page asks for a confirmation before it is sent (issue 16, item 7)."""
        return self.effect == "finish" or (self.target is not None and self.target in END_STATES)

    @property
    def emphasis(self) -> Literal["primary", "secondary", "danger"]:
        """How the page styles its button: the step forward the dossier waits for, an ending that is not one (a
        refusal, a stop, a withdrawal, a closing), or anything else."""
        if self.action in FORWARD:
            return "primary"
        return "danger" if self.final else "secondary"


# ------------------------------------------------------------------------------------------------ the guards


class Situation(Protocol):
    """What the guards read: who acts, on which dossier, when. ``actions.py`` builds it from the database (the
    time-dependent answers lazily); a test may build it by hand."""

    @property
    def actor(self) -> Principal: ...
    @property
    def receiving_commune_code(self) -> str: ...
    @property
    def deciding_commune_code(self) -> str: ...
    @property
    def handler_id(self) -> int | None: ...
    @property
    def supplement_count(self) -> int: ...
    @property
    def now(self) -> datetime: ...
    @property
    def supplement_expired(self) -> bool: ...
    @property
    def extension_refusal(self) -> str | None: ...
    @property
    def separation(self) -> Literal["apart", "allowed", "refused"]: ...
    @property
    def status(self) -> Status: ...
    @property
    def legal_extensions_left(self) -> tuple[str, ...]: ...  # the version's legal extensions not yet applied


def _place(s: Situation, communes: set[str]) -> MotcuaError | None:
    if s.actor.kind == "citizen":  # the access gate gave the citizen their own dossiers only
        return None
    if s.actor.commune_code is None:
        return Forbidden("Cán bộ cấp tỉnh không xử lý hồ sơ của xã.")
    if s.actor.commune_code not in communes:
        return Forbidden("Hồ sơ này do xã khác giải quyết; bạn chỉ xem được, không xử lý được.")
    return None


def at_counter(s: Situation) -> MotcuaError | None:
    """Counter work belongs to the receiving commune or the deciding one (location-independent filing, Art. 14)."""
    return _place(s, {s.receiving_commune_code, s.deciding_commune_code})


def at_deciding_commune(s: Situation) -> MotcuaError | None:
    """Division work — appraisal, decision, correction — belongs to the deciding commune (Art. 14(2), 19, 20(1))."""
    return _place(s, {s.deciding_commune_code})


def assigned_handler(s: Situation) -> MotcuaError | None:
    """Once the head of the body assigned a handler (Art. 19(1)), only they appraise; their superior may step in.
    Compared with the officer who acts, never the principal's own id: a token acts as the handler only when it acts
    on the handler's behalf."""
    if (s.handler_id is not None and s.actor.officer_id != s.handler_id
            and not s.actor.has_role(Role.APPROVER)):
        return Forbidden("Hồ sơ đã được phân công cho chuyên viên khác.")
    return None


def apart_from_appraisal(s: Situation) -> MotcuaError | None:
    """Separation of duties: who appraised the dossier does not decide on it (Art. 19), unless the province allows
    it for communes where one person holds both posts (``actions._separation``)."""
    if s.separation == "refused":
        return Forbidden("Người đã thẩm định hồ sơ không được tự phê duyệt hồ sơ đó (tách bạch thẩm định và phê "
                         "duyệt, Điều 19 Nghị định 118/2025/NĐ-CP). Hãy chuyển cho lãnh đạo khác phê duyệt.")
    return None


def first_supplement(s: Situation) -> MotcuaError | None:
    """A dossier is asked for changes once (Art. 11(2)(c), 16(3))."""
    if s.supplement_count >= 1:
        return ValidationFailed("Hồ sơ chỉ được yêu cầu bổ sung một lần (Điều 11(2)(c), Điều 16(3)).")
    return None


def supplement_lapsed(s: Situation) -> MotcuaError | None:
    """The centre closes a dossier only after 15 days without the supplement (Art. 19(5))."""
    if not s.supplement_expired:
        return ValidationFailed("Chưa quá 15 ngày kể từ khi yêu cầu bổ sung; chưa được đóng hồ sơ (Điều 19(5)).")
    return None


def extension_allowed(s: Situation) -> MotcuaError | None:
    """The due date moves once, asked at least one working day before it (Art. 19(6), 12(5); the ledger's rule)."""
    refusal = s.extension_refusal
    return ValidationFailed(refusal) if refusal is not None else None


#: Where each role applies a legal extension: the receiving officer while the papers are at the centre (at intake),
#: the handling officer during appraisal (including while the supplement is awaited).
LEGAL_EXTENSION_STATES: dict[Role, frozenset[Status]] = {
    Role.RECEPTION: frozenset({Status.RECEIVED}),
    Role.SPECIALIST: frozenset({Status.IN_APPRAISAL, Status.AWAITING_SUPPLEMENT}),
}


def legal_extension_by(s: Situation) -> MotcuaError | None:
    """A legal extension is applied by the receiving officer at intake (the dossier still at the centre) or by the
    assigned handler during appraisal; each at their own commune (Art. 14: counter work at the receiving or
    deciding commune, appraisal at the deciding one)."""
    refusals: list[MotcuaError] = []
    for role, states in LEGAL_EXTENSION_STATES.items():
        if not s.actor.has_role(role):
            continue
        if s.status not in states:
            refusals.append(ValidationFailed(
                "Cán bộ tiếp nhận chỉ áp dụng gia hạn theo luật khi hồ sơ còn ở bộ phận tiếp nhận."
                if role is Role.RECEPTION else "Chuyên viên chỉ áp dụng gia hạn theo luật trong khi thẩm định hồ sơ."))
            continue
        error = at_counter(s) if role is Role.RECEPTION else (at_deciding_commune(s) or assigned_handler(s))
        if error is None:
            return None
        refusals.append(error)
    return refusals[0] if refusals else Forbidden("Chỉ cán bộ tiếp nhận hoặc chuyên viên xử lý hồ sơ được áp dụng "
                                                  "gia hạn theo luật.")


def legal_extension_left(s: Situation) -> MotcuaError | None:
    """Only a ground the dossier's procedure version lists, each at most once (the catalogue's legal extensions)."""
    if not s.legal_extensions_left:
        return ValidationFailed("Thủ tục của hồ sơ không có căn cứ gia hạn theo luật nào chưa áp dụng.")
    return None


GUARDS: dict[str, Guard[Situation]] = {
    "at_counter": at_counter, "at_deciding_commune": at_deciding_commune, "assigned_handler": assigned_handler,
    "apart_from_appraisal": apart_from_appraisal, "first_supplement": first_supplement,
    "supplement_lapsed": supplement_lapsed,
    "extension_allowed": extension_allowed, "legal_extension_by": legal_extension_by,
    "legal_extension_left": legal_extension_left,
}


# ------------------------------------------------------------------------------------------------ the table


def _t(action: Action, sources: Iterable[Status], target: Status | None, roles: Iterable[Role], clock: ClockEffect,
       label: str, article: str, form: Form | None = None, needs_note: bool = False, *,
       guards: tuple[str, ...] = (), hands_to: Role | None = None, moves_to: Department | None = None) -> Transition:
    return Transition(action=action, sources=frozenset(sources), target=target, roles=frozenset(roles),
                      effect=clock, label=label, article=article, form=form, needs_note=needs_note, guards=guards,
                      hands_to=hands_to, moves_to=moves_to)


R, S, A, D = Role.RECEPTION, Role.SPECIALIST, Role.APPROVER, Role.CENTRE_DIRECTOR
P, V = Role.APPLICANT, Role.VOLUNTEER  # the citizen on their own dossier; a digital volunteer filing for one

#: Actions that create a dossier (from NEW): never a button on a dossier's page.
CREATING: frozenset[Action] = frozenset({Action.RECEIVE, Action.SUBMIT_ONLINE})

COUNTER, DIVISION = ("at_counter",), ("at_deciding_commune",)
HANDLER = (*DIVISION, "assigned_handler")
DECISION = (*DIVISION, "apart_from_appraisal")

TABLE: tuple[Transition, ...] = (
    _t(Action.RECEIVE, [Status.NEW], Status.RECEIVED, [R], "start",
       "Tiếp nhận hồ sơ", "Điều 17(1), 17(3)", "receipt"),
    _t(Action.REQUEST_INTAKE_SUPPLEMENT, [Status.NEW], Status.INTAKE_INCOMPLETE, [R], "none",
       "Yêu cầu bổ sung khi tiếp nhận", "Điều 16(3), 17(1)", "supplement_request", True, guards=COUNTER),
    _t(Action.REFUSE_INTAKE, [Status.NEW, Status.SUBMITTED], Status.INTAKE_REFUSED, [R], "none",
       "Từ chối tiếp nhận", "Điều 17(1)", "refusal_intake", True, guards=COUNTER),
    _t(Action.SUBMIT_ONLINE, [Status.NEW], Status.SUBMITTED, [P, V, R], "none",
       "Nộp hồ sơ trực tuyến", "Điều 15, 17(2)"),
    _t(Action.REQUEST_ONLINE_SUPPLEMENT, [Status.SUBMITTED, Status.INTAKE_SUPPLEMENT_SUBMITTED],
       Status.INTAKE_SUPPLEMENT, [R], "none", "Yêu cầu bổ sung hồ sơ trực tuyến (giữ nguyên hồ sơ)",
       "Điều 16(3), 17(1), 17(2)", "supplement_request", True, guards=COUNTER),
    _t(Action.SUPPLY_AT_INTAKE, [Status.INTAKE_SUPPLEMENT], Status.INTAKE_SUPPLEMENT_SUBMITTED, [P], "none",
       "Nộp bổ sung trực tuyến (trước khi tiếp nhận)", "Điều 17(1), 17(2)", guards=COUNTER),
    _t(Action.ACCEPT_ONLINE, [Status.SUBMITTED, *INTAKE_SUPPLEMENT_STATES], Status.RECEIVED, [R], "start",
       "Tiếp nhận hồ sơ trực tuyến", "Điều 17(2)", "receipt", guards=COUNTER),
    _t(Action.TRANSFER, [Status.RECEIVED], Status.TRANSFERRED, [R], "hand_over",
       "Chuyển xử lý", "Điều 18, 20(2)", "control_slip", guards=COUNTER, hands_to=S, moves_to="division"),
    _t(Action.ASSIGN, [Status.TRANSFERRED], Status.IN_APPRAISAL, [A], "none",
       "Phân công xử lý", "Điều 19(1)", guards=DIVISION),
    _t(Action.REQUEST_SUPPLEMENT, [Status.IN_APPRAISAL], Status.AWAITING_SUPPLEMENT, [S], "pause_supplement",
       "Yêu cầu bổ sung hồ sơ", "Điều 19(5), 11(2)(c)", "supplement_request", True,
       guards=(*HANDLER, "first_supplement"), moves_to="centre"),
    _t(Action.RECEIVE_SUPPLEMENT, [Status.AWAITING_SUPPLEMENT], Status.IN_APPRAISAL, [R, S], "restart",
       "Nhận hồ sơ bổ sung", "Điều 19(5)", guards=DIVISION, moves_to="division"),
    _t(Action.SUPPLY_ONLINE, [Status.AWAITING_SUPPLEMENT], Status.SUPPLEMENT_SUBMITTED, [P], "none",
       "Nộp bổ sung trực tuyến", "Điều 17(2), 19(5)", guards=DIVISION),
    _t(Action.CONFIRM_SUPPLEMENT, [Status.SUPPLEMENT_SUBMITTED], Status.IN_APPRAISAL, [R], "restart",
       "Xác nhận hồ sơ bổ sung đầy đủ", "Điều 19(5)", guards=COUNTER, moves_to="division"),
    _t(Action.REQUEST_SUPPLEMENT_AGAIN, [Status.SUPPLEMENT_SUBMITTED], Status.AWAITING_SUPPLEMENT, [R],
       "ask_again", "Bổ sung chưa đầy đủ, yêu cầu bổ sung tiếp", "Điều 19(5), 11(2)(c)",
       "supplement_request", True, guards=COUNTER),
    _t(Action.CLOSE_UNSUPPLIED, [Status.AWAITING_SUPPLEMENT, Status.INTAKE_SUPPLEMENT], Status.CLOSED_UNSUPPLIED,
       [R, D], "finish",
       "Đóng hồ sơ (quá 15 ngày không bổ sung)", "Điều 19(5)", "stop_notice",
       guards=(*COUNTER, "supplement_lapsed")),
    _t(Action.PROPOSE_REFUSAL, [Status.IN_APPRAISAL], Status.REFUSAL_PROPOSED, [S], "none",
       "Đề xuất từ chối", "Điều 19(3)", None, True, guards=HANDLER),
    _t(Action.CONFIRM_REFUSAL, [Status.REFUSAL_PROPOSED], Status.REFUSED, [A], "finish",
       "Duyệt từ chối", "Điều 19(3)", "refusal_processing", guards=DECISION, moves_to="centre"),
    _t(Action.REJECT_REFUSAL, [Status.REFUSAL_PROPOSED], Status.IN_APPRAISAL, [A], "none",
       "Không duyệt từ chối, xử lý tiếp", "Điều 19(3)", None, True, guards=DIVISION),
    _t(Action.SUBMIT_FOR_APPROVAL, [Status.IN_APPRAISAL], Status.AWAITING_APPROVAL, [S], "hand_over",
       "Trình phê duyệt", "Điều 19", guards=HANDLER, hands_to=A),
    _t(Action.APPROVE, [Status.AWAITING_APPROVAL], Status.RESULT_READY, [A], "finish",
       "Phê duyệt, ký kết quả", "Điều 19, 22", guards=DECISION, moves_to="centre"),
    _t(Action.SEND_BACK, [Status.AWAITING_APPROVAL], Status.IN_APPRAISAL, [A], "none",
       "Trả lại chuyên viên", "Điều 19", None, True, guards=DIVISION),
    _t(Action.RETURN_RESULT, [Status.RESULT_READY], Status.RETURNED, [R], "none",
       "Trả kết quả", "Điều 22", guards=COUNTER),
    _t(Action.WITHDRAW, BEFORE_DECISION | {Status.SUBMITTED} | INTAKE_SUPPLEMENT_STATES, Status.WITHDRAWN, [R, P],
       "finish",
       "Rút hồ sơ theo đề nghị", "Điều 21", None, True, guards=DIVISION),
    _t(Action.STOP, BEFORE_DECISION, Status.STOPPED, [A, D], "finish",
       "Dừng xử lý", "Điều 21", "stop_notice", True, guards=DIVISION),
    _t(Action.EXTEND, OPEN_STATES - SUPPLEMENT_WAIT_STATES, None, [S, A], "extend",
       "Xin lỗi và gia hạn", "Điều 19(6), 12(5)", "apology_extension", True,
       guards=(*DIVISION, "extension_allowed")),
    _t(Action.EXTEND_BY_LAW, LEGAL_EXTENSION_STATES[R] | LEGAL_EXTENSION_STATES[S], None, [R, S], "extend_by_law",
       "Gia hạn theo quy định của luật", "Luật chuyên ngành (căn cứ trong danh mục thủ tục)", None, True,
       guards=("legal_extension_by", "legal_extension_left")),
    _t(Action.START_CORRECTION, [Status.RETURNED], Status.IN_CORRECTION, [R, S], "none",
       "Đính chính kết quả sai", "Điều 23(1)", None, True, guards=DIVISION, moves_to="division"),
    _t(Action.FINISH_CORRECTION, [Status.IN_CORRECTION], Status.RESULT_READY, [A], "none",
       "Duyệt kết quả đã đính chính", "Điều 23(1)", guards=DECISION, moves_to="centre"),
)

ACTION_LABELS: dict[Action, str] = {t.action: t.label for t in TABLE}


class TransitionNotAllowed(MotcuaError):
    status_code = 409
    code = "transition_not_allowed"
    default_message = "Thao tác này không được phép ở trạng thái hiện tại của hồ sơ."


class UnknownAction(MotcuaError):
    status_code = 404
    code = "unknown_action"
    default_message = "Thao tác không tồn tại."


def _refuse(row: Transition, state: Status, roles: frozenset[Role]) -> MotcuaError:
    if state not in row.sources:
        return TransitionNotAllowed(f"Không thể «{row.label}» khi hồ sơ đang ở trạng thái «{STATUS_LABELS[state]}».")
    return TransitionNotAllowed(f"Vai trò của bạn không được «{row.label}» (cần: "
                                + ", ".join(sorted(r.value for r in row.roles)) + ").")


MACHINE: Machine[Status, Action, Role, Transition, Situation] = Machine(
    TABLE, states=Status, actions=Action, guards=GUARDS, refuse=_refuse, initial=Status.NEW, creating=CREATING,
    unknown=lambda action: UnknownAction(f"Thao tác không tồn tại: {action}."))


def transition(action: Action | str) -> Transition:
    return MACHINE.row(action)


def plan(action: Action | str, status: Status | str, roles: Iterable[Role],
         situation: Situation | None = None) -> Transition:
    """The transition for ``action`` from ``status`` by someone holding ``roles`` in ``situation`` (needed by the
    rows with guards), or ``TransitionNotAllowed`` / the first failing guard's refusal."""
    return MACHINE.plan(action, status, roles, situation)


def available_actions(status: Status | str, roles: Iterable[Role],
                      situation: Situation | None = None) -> list[Transition]:
    """The buttons for this status, these roles and this situation, in table order: exactly what ``plan`` lets
    through (without a situation, only the rows that have no guard)."""
    return MACHINE.allowed(status, roles, situation)


_CLOCK_TEXT: dict[ClockEffect, str] = {
    "none": "—", "start": "starts", "hand_over": "hand-over to the next step", "pause_supplement": "pauses",
    "ask_again": "stays paused (a further request, counted)",
    "restart": "restarts from zero", "extend": "new due date (once)",
    "extend_by_law": "due date + the law's working days (each ground once)", "finish": "stops",
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
    lines += ["```", "", "| action | from | to | roles | guards | clock | form | basis (Decree 118/2025) |",
              "|---|---|---|---|---|---|---|---|"]
    for t in TABLE:
        sources = ", ".join(s.value for s in sorted(t.sources, key=list(Status).index))
        roles = ", ".join(sorted(r.value for r in t.roles))
        shown = t.target.value if t.target else "(unchanged)"
        guards = ", ".join(t.guards)
        lines.append(f"| `{t.action.value}` {t.label} | {sources} | {shown} | {roles} | {guards} | "
                     f"{_CLOCK_TEXT[t.clock]} | {t.form or ''} | {t.article} |")
    lines += ["", "| guard | rule |", "|---|---|"]
    lines += [f"| `{name}` | {' '.join((guard.__doc__ or '').split())} |" for name, guard in GUARDS.items()]
    lines += ["", "| status | label |", "|---|---|"]
    lines += [f"| `{s.value}` | {STATUS_LABELS[s]} |" for s in Status]
    return "\n".join(lines) + "\n"
