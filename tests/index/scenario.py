"""The hand-computed scenario of the index tests (SQLite and PostgreSQL): xã Chí Tiên and one other commune of Phú
Thọ; Đăng ký hộ kinh doanh, 3 working days; received Mon 23/11/2026 10:00, so due Fri 27/11 17:00 (Tue 24/11,
Culture Day, is not a working day). The fixture is ``scenario`` in ``conftest.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.index.periods import parse_period
from tests.factories import T0, intake_data

NOV = parse_period("2026-11", T0.date())
MON_30 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 30/11 09:00: past Fri 27/11 17:00
DEC_1 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def act(session: Session, who, dossier: Dossier, action: Action, now: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=dossier.id, action=action,
                   data=ActionIn(version=dossier.version, **data), now=now)


def receive(session: Session, team: dict, store: FileStore) -> Dossier:
    return receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                           now=T0).dossier


def approve(session: Session, team: dict, d: Dossier, at: datetime) -> Dossier:
    d = act(session, team["reception"], d, Action.TRANSFER, T0 + timedelta(hours=1))
    d = act(session, team["approver"], d, Action.ASSIGN, T0 + timedelta(hours=1), handler_id=team["specialist"].id)
    d = act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, at - timedelta(hours=1))
    return act(session, team["approver"], d, Action.APPROVE, at, note="GCN số 12/HKD")


