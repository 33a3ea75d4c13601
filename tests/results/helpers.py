"""Shared set-up of the results tests: a Chí Tiên dossier waiting for its leader, the shipped templates loaded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import Action, Status
from motcua.results.actions import load_shipped_templates, save_draft, start_draft
from motcua.results.models import ResultDraft
from tests.factories import T0, act_at, intake_data

HKD_VALUES = {"ma_so_hkd": "25H8000123", "ten_ho": "Tạp hóa Minh Anh", "dia_diem": "Khu 3, xã Chí Tiên",
              "nganh_nghe": "Bán lẻ hàng tạp hóa\nBán lẻ đồ uống", "von": "50.000.000"}


def awaiting_approval(session: Session, team: dict[str, Principal], store: FileStore) -> Dossier:
    """A household business registration (1.001612) appraised by Chí Tiên's specialist, waiting for its leader."""
    load_shipped_templates(session, now=T0)
    dossier = receive_dossier(session, actor=team["reception"], store=store, uploads=(), now=T0,
                              data=intake_data()).dossier
    dossier = act_at(session, team["reception"], dossier, Action.TRANSFER, 1)
    dossier = act_at(session, team["approver"], dossier, Action.ASSIGN, 2, handler_id=team["specialist"].id)
    dossier = act_at(session, team["specialist"], dossier, Action.SUBMIT_FOR_APPROVAL, 3)
    assert dossier.status == Status.AWAITING_APPROVAL
    return dossier


def submitted_draft(session: Session, team: dict[str, Principal], dossier: Dossier) -> ResultDraft:
    """The specialist drafts the result from the template and sends it to the leader."""
    draft = start_draft(session, actor=team["specialist"], dossier_id=dossier.id, now=T0 + timedelta(hours=4))
    return save_draft(session, actor=team["specialist"], draft_id=draft.id, seen=draft.version, values=HKD_VALUES,
                      now=T0 + timedelta(hours=4), submit=True)
