"""The demo's results (``motcua.demo.results``): Chí Tiên's dossiers waiting for their leader get a draft, two sent
for signing and the rest issued — here on paper (the digital way is tests/results/test_signing.py's); idempotent."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.demo.results import load_demo_results
from motcua.dossier.files import FileStore
from motcua.results.models import ResultDraft
from tests.factories import T0, make_officer
from tests.results.helpers import awaiting_approval


def test_the_demo_leaves_results_at_every_step(session: Session, team: dict[str, Principal],
                                               store: FileStore) -> None:
    for _ in range(4):
        awaiting_approval(session, team, store)
    make_officer(session, username="chitien.lanhdao", roles=(Role.APPROVER,), with_post=False,
                 full_name="Lê Thị Yến")
    loaded = load_demo_results(session, now=T0 + timedelta(days=1), store=store)
    assert (loaded.drafted, loaded.submitted, loaded.issued) == (1, 2, 1)
    states = Counter(session.scalars(select(ResultDraft.status)))
    assert states == {"draft": 1, "submitted": 2, "issued": 1}
    assert load_demo_results(session, now=T0, store=store).skipped
