"""A small hand-made province for the service-index dashboards: two communes of Phú Thọ, a few dossiers each.

Times are Vietnam wall-clock (UTC+7) written as UTC below. Đăng ký thành lập hộ kinh doanh (1.001612) has a limit
of 3 working days: received on a Monday morning, it is due on the Thursday at 17:00.

September 2026: Chí Tiên 2 on time (100 %); commune B 1 on time, 1 late (50 %).
October 2026:   Chí Tiên 3 on time, 1 late (75 %); commune B 2 on time (100 %).
So in October B is 1st (up one place) and Chí Tiên 2nd (down one) of the 2 communes ranked.
November 2026 (the clock: Mon 23/11 10:00): one Chí Tiên dossier open and overdue at its specialist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.index.tasks import fold
from tests.factories import CHI_TIEN, T0, intake_data, other_commune, staff

H = timedelta(hours=1)


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Vietnam wall-clock time as an aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@dataclass
class Scenario:
    commune_a: str
    commune_b: str
    team_a: dict[str, Principal]
    team_b: dict[str, Principal]
    late_a: Dossier  # October, Chí Tiên: decided after its due date
    open_a: Dossier  # November, Chí Tiên: still at the specialist, overdue


def _act(session: Session, who: Principal, d: Dossier, action: Action, now: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=d.id, action=action, data=ActionIn(version=d.version, **data),
                   now=now)


def handled(session: Session, team: dict[str, Principal], store: FileStore, received: datetime,
            decided: datetime | None) -> Dossier:
    """Received, transferred, assigned; then (when ``decided``) submitted, approved at ``decided`` and returned."""
    d = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                        now=received).dossier
    d = _act(session, team["reception"], d, Action.TRANSFER, received + H)
    d = _act(session, team["approver"], d, Action.ASSIGN, received + 2 * H, handler_id=team["specialist"].id)
    if decided is None:
        return d
    d = _act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, decided - H)
    d = _act(session, team["approver"], d, Action.APPROVE, decided, note="GCN đăng ký hộ kinh doanh")
    return _act(session, team["reception"], d, Action.RETURN_RESULT, decided + H)


def build(session: Session, tmp: Path, now: datetime = T0) -> Scenario:
    store = FileStore(tmp / "files")
    commune_b = other_commune(session)
    team_a, team_b = staff(session, CHI_TIEN), staff(session, commune_b)
    # September: Mon 7/9 received, due Thu 10/9 17:00.
    for _ in range(2):
        handled(session, team_a, store, vn(2026, 9, 7), vn(2026, 9, 9, 10))
    handled(session, team_b, store, vn(2026, 9, 7), vn(2026, 9, 9, 10))
    handled(session, team_b, store, vn(2026, 9, 7), vn(2026, 9, 14, 10))  # late
    # October: Mon 5/10 received, due Thu 8/10 17:00.
    for _ in range(3):
        handled(session, team_a, store, vn(2026, 10, 5), vn(2026, 10, 7, 10))
    late_a = handled(session, team_a, store, vn(2026, 10, 5), vn(2026, 10, 13, 15))  # Tue 13/10 15:00: late
    for _ in range(2):
        handled(session, team_b, store, vn(2026, 10, 5), vn(2026, 10, 6, 10))
    # November: Mon 16/11 received, due Thu 19/11 17:00, still at the specialist on Mon 23/11.
    open_a = handled(session, team_a, store, vn(2026, 11, 16), None)
    session.commit()
    while fold(session, now).pending_left:
        pass
    session.commit()
    return Scenario(CHI_TIEN, commune_b, team_a, team_b, late_a, open_a)
