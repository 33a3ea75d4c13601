"""Helpers of the feedback tests: a dossier brought to its result, a feedback case, the officers who handle it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.calendar import to_vietnam_time
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.feedback.actions import act_on_case, receive_case
from motcua.feedback.criteria import CRITERIA
from motcua.feedback.models import FeedbackCase
from motcua.feedback.schemas import CaseActionIn, FeedbackIn
from motcua.feedback.workflow import CaseAction, CaseStatus
from tests.factories import CHI_TIEN, T0, intake_data

#: Every criterion "Rất hài lòng"; the optional ones answered too.
ALL_VERY_SATISFIED = {c.key: 2 for c in CRITERIA}
FRI_20_NOV = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026 09:00 in Hà Nội


def vn(dt: datetime | None) -> datetime:
    """A stored instant as Hà Nội wall-clock time (SQLite hands back naive UTC)."""
    assert dt is not None
    return to_vietnam_time(dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt).replace(tzinfo=None)


def dossier_up_to(session: Session, team: dict[str, Principal], store: FileStore, last: Action | None,
                  now: datetime = T0) -> Dossier:
    """A dossier received at ``now`` and carried through the happy path up to ``last`` (None: just received)."""
    d = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store, now=now).dossier
    steps = [("reception", Action.TRANSFER, {}), ("approver", Action.ASSIGN, {"handler_id": team["specialist"].id}),
             ("specialist", Action.SUBMIT_FOR_APPROVAL, {}), ("approver", Action.APPROVE, {"note": "GCN số 12/HKD"}),
             ("reception", Action.RETURN_RESULT, {})]
    if last is None:
        return d
    for i, (who, action, extra) in enumerate(steps, start=1):
        d = perform(session, actor=team[who], dossier_id=d.id, action=action,
                    data=ActionIn.model_validate({"version": d.version, **extra}), now=now + timedelta(hours=i))
        if action is last:
            break
    return d


def returned_dossier(session: Session, team: dict[str, Principal], tmp_path: Path) -> Dossier:
    return dossier_up_to(session, team, FileStore(tmp_path / "files"), Action.RETURN_RESULT)


def feedback_data(**overrides: object) -> FeedbackIn:
    data: dict[str, object] = {
        "commune_code": CHI_TIEN, "kind": "report", "subject": "Cán bộ hẹn trả kết quả nhiều lần",
        "content": "Tôi đến nhận kết quả ba lần nhưng lần nào cũng được hẹn hôm sau.", "sender_name": "Hà Thị Mai",
        "phone": "0987654321",
    }
    data.update(overrides)
    return FeedbackIn.model_validate(data)


_addresses = itertools.count(1)


def new_case(session: Session, now: datetime = T0, ip: str | None = None, **overrides: object) -> FeedbackCase:
    """A case from the public form; each from an address of its own unless ``ip`` is given (the form's limit)."""
    address = ip or f"198.51.{next(_addresses) % 250}.{next(_addresses) % 250}"
    return receive_case(session, data=feedback_data(**overrides), now=now, ip=address).case


def act(session: Session, who: Principal, case: FeedbackCase, action: CaseAction, now: datetime,
        note: str = "Nội dung xử lý của cán bộ") -> FeedbackCase:
    return act_on_case(session, actor=who, case_id=case.id, action=action,
                       data=CaseActionIn(version=case.version, note=note), now=now,
                       public_base_url="https://motcua.example.vn", secret="test-secret-key")


#: How to bring a fresh case to each state (officer actions in order), one hour apart.
PATHS: dict[CaseStatus, tuple[CaseAction, ...]] = {
    CaseStatus.RECEIVED: (),
    CaseStatus.AWAITING_INFO: (CaseAction.ASK_MORE,),
    CaseStatus.IN_HANDLING: (CaseAction.ASK_MORE, CaseAction.RECEIVE_INFO),
    CaseStatus.REFUSED: (CaseAction.REFUSE,),
    CaseStatus.ANSWERED: (CaseAction.ANSWER,),
    CaseStatus.PUBLISHED: (CaseAction.ANSWER, CaseAction.PUBLISH),
}


def case_in(session: Session, who: Principal, status: CaseStatus, now: datetime = T0) -> FeedbackCase:
    case = new_case(session, now=now)
    for i, action in enumerate(PATHS[status], start=1):
        case = act(session, who, case, action, now + timedelta(hours=i))
    assert case.status == status
    return case
