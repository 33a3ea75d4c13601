"""Fixtures of the index tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.workflow import Action
from tests.factories import T0, intake_data, other_commune, staff
from tests.index.scenario import act, approve, receive


@pytest.fixture
def scenario(session: Session, store: FileStore) -> dict:
    """A on time, B still open (late from Mon 30/11), C waiting for a supplement asked within time; D in another
    commune, on time."""
    team = staff(session)
    a = approve(session, team, receive(session, team, store), T0 + timedelta(days=2))
    b = receive(session, team, store)
    c = receive(session, team, store)
    c = act(session, team["reception"], c, Action.TRANSFER, T0 + timedelta(hours=1))
    c = act(session, team["approver"], c, Action.ASSIGN, T0 + timedelta(hours=1), handler_id=team["specialist"].id)
    c = act(session, team["specialist"], c, Action.REQUEST_SUPPLEMENT, T0 + timedelta(hours=2),
             note="Bổ sung bản sao hợp đồng thuê địa điểm")
    other = other_commune(session)
    other_team = staff(session, other)
    d = receive_dossier(session, actor=other_team["reception"], data=intake_data(), uploads=(), store=store,
                        now=T0).dossier
    d = approve(session, other_team, d, T0 + timedelta(days=1))
    return {"team": team, "a": a, "b": b, "c": c, "d": d, "other": other, "other_team": other_team}
