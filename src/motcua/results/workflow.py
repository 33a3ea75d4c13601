"""The result's way from draft to issue, as a table (``kit.statemachine``) — pure.

Decree 118/2025 Art. 19: the handler appraises and drafts, the head of the deciding body decides and signs; Art. 22:
the result is issued electronically. Decree 30/2020 Art. 15-16: a document is numbered and dated by the body's
register when it is signed (issued), not before.

* the **drafter** — the dossier's handler in the deciding commune, or one of its approvers (the rule of
  ``dossier.actions.check_may_attach_result``) — drafts from the procedure's template, edits the variable parts and
  sends the draft for approval;
* the **leader** — an approver of the deciding commune — returns it with a reason, or signs it: with a certificate
  (PKCS#12 or PKCS#11 at once; a remote signing service waits for the leader's approval on the phone, then either
  finishes or brings the draft back with the service's message), or by hand on the printed draft, whose scan is then
  uploaded (the wet-signature fallback, Decree 118 Art. 22 allows a paper result where no digital signature exists).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.kit.errors import Conflict, Forbidden, MotcuaError, NotFound, ValidationFailed
from motcua.kit.statemachine import Guard, Machine, Row


class DraftStatus(StrEnum):
    NEW = "new"  # not stored yet
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_REMOTE = "awaiting_remote"
    RETURNED = "returned"
    ISSUED = "issued"


STATUS_LABELS: dict[DraftStatus, str] = {
    DraftStatus.NEW: "Chưa soạn",
    DraftStatus.DRAFT: "Đang soạn thảo",
    DraftStatus.SUBMITTED: "Chờ lãnh đạo ký",
    DraftStatus.AWAITING_REMOTE: "Chờ xác nhận ký số từ xa",
    DraftStatus.RETURNED: "Lãnh đạo trả lại",
    DraftStatus.ISSUED: "Đã ban hành",
}


class DraftAction(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    RETURN = "return"
    SIGN = "sign"
    START_REMOTE = "start_remote"
    FINISH_REMOTE = "finish_remote"
    UPLOAD_PAPER = "upload_paper"


class Party(StrEnum):
    DRAFTER = "drafter"
    LEADER = "leader"


class Situation(Protocol):
    @property
    def actor(self) -> Principal: ...
    @property
    def commune_code(self) -> str: ...
    @property
    def dossier_open(self) -> bool: ...


def parties(actor: Principal, commune_code: str, drafter: bool) -> frozenset[Party]:
    """Who ``actor`` is for a result of ``commune_code``: ``drafter`` is the dossier's rule, computed by the caller."""
    out: set[Party] = set()
    if actor.commune_code == commune_code and actor.has_role(Role.APPROVER) and actor.officer_id is not None:
        out.add(Party.LEADER)
    if drafter:
        out.add(Party.DRAFTER)
    return frozenset(out)


def dossier_open(s: Situation) -> MotcuaError | None:
    if not s.dossier_open:
        return ValidationFailed("Ở trạng thái này của hồ sơ không ban hành được kết quả (hồ sơ phải đang chờ phê "
                                "duyệt, đã có kết quả hoặc đang đính chính).")
    return None


GUARDS: dict[str, Guard[Situation]] = {"dossier_open": dossier_open}


@dataclass(frozen=True, kw_only=True)
class Transition(Row[DraftStatus, DraftAction, Party]):
    pass


EDITABLE = frozenset({DraftStatus.DRAFT, DraftStatus.RETURNED})
D, L = frozenset({Party.DRAFTER}), frozenset({Party.LEADER})

TABLE: tuple[Transition, ...] = (
    Transition(action=DraftAction.CREATE, sources=frozenset({DraftStatus.NEW}), target=DraftStatus.DRAFT, roles=D,
               label="Soạn kết quả", guards=("dossier_open",)),
    Transition(action=DraftAction.EDIT, sources=EDITABLE, target=None, roles=D, label="Lưu dự thảo"),
    Transition(action=DraftAction.SUBMIT, sources=EDITABLE, target=DraftStatus.SUBMITTED, roles=D,
               label="Trình lãnh đạo ký", guards=("dossier_open",)),
    Transition(action=DraftAction.RETURN, sources=frozenset({DraftStatus.SUBMITTED}), target=DraftStatus.RETURNED,
               roles=L, label="Trả lại để sửa"),
    Transition(action=DraftAction.SIGN, sources=frozenset({DraftStatus.SUBMITTED}), target=DraftStatus.ISSUED,
               roles=L, label="Ký số và ban hành", guards=("dossier_open",)),
    Transition(action=DraftAction.START_REMOTE, sources=frozenset({DraftStatus.SUBMITTED}),
               target=DraftStatus.AWAITING_REMOTE, roles=L, label="Ký số từ xa", guards=("dossier_open",)),
    # the phone's answer decides where it goes: issued when approved, back to SUBMITTED (number kept) when refused
    # or expired, unchanged while waiting (``actions.poll_remote_signing``)
    Transition(action=DraftAction.FINISH_REMOTE, sources=frozenset({DraftStatus.AWAITING_REMOTE}), target=None,
               roles=L, label="Kiểm tra ký số từ xa"),
    Transition(action=DraftAction.UPLOAD_PAPER, sources=frozenset({DraftStatus.SUBMITTED}),
               target=DraftStatus.ISSUED, roles=L, label="Tải lên bản ký tay đã quét", guards=("dossier_open",)),
)

ACTION_LABELS: dict[DraftAction, str] = {row.action: row.label for row in TABLE}


def _refuse(row: Transition, state: DraftStatus, held: frozenset[Party]) -> MotcuaError:
    if not row.roles & held:
        who = "lãnh đạo phê duyệt của xã giải quyết hồ sơ" if Party.LEADER in row.roles else \
            "chuyên viên được phân công xử lý hồ sơ"
        return Forbidden(f"«{row.label}» chỉ do {who} thực hiện.")
    return Conflict(f"Không thể «{row.label.lower()}»: kết quả đang ở trạng thái «{STATUS_LABELS[state]}» (có thể "
                    "cán bộ khác vừa xử lý; tải lại trang).")


MACHINE: Machine[DraftStatus, DraftAction, Party, Transition, Situation] = Machine(
    TABLE, states=DraftStatus, actions=DraftAction, guards=GUARDS, refuse=_refuse,
    unknown=lambda action: NotFound(f"Không có thao tác «{action}»."), initial=DraftStatus.NEW,
    creating=(DraftAction.CREATE,))


def plan(action: DraftAction, status: DraftStatus | str, held: Iterable[Party], situation: Situation) -> Transition:
    return MACHINE.plan(action, status, held, situation)


def allowed(status: DraftStatus | str, held: Iterable[Party], situation: Situation) -> list[Transition]:
    return MACHINE.allowed(status, held, situation)
