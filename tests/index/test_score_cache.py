"""Scores kept between requests (``index.cache``) are never stale (SQLite and PostgreSQL).

The rule checked: a ranking published to the province (Decision 766/QĐ-TTg, docs/legal.md §7) must always be the
one the dossiers, the catalogue and the metric set give *now* — the cache may only save the work of computing it
again. A fold that changes the rollups, a fold rolled back, and a new catalogue version are each seen at once;
only an unchanged state is served from the cache.

The scenario is tests/index/test_fold.py's: in November 2026 xã Chí Tiên has dossier A on time, B open past its
appointment (late on Mon 30/11) and C waiting for a supplement asked in time (on time) → 2.1 = 2 of 3, 13.33 points.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.catalog.actions import import_catalogue
from motcua.catalog.exchange import load_shipped
from motcua.catalog.schemas import Catalogue
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.index.cache import SCORES, mark_province_changed, mark_rollups_changed, rollups_version
from motcua.index.models import IndexState
from motcua.index.periods import parse_period
from motcua.index.rollups import catalogue_counters
from motcua.index.tasks import fold
from motcua.report.queries.dashboards import province_dashboard
from motcua.report.queries.rankings import province_ranking
from tests.factories import CHI_TIEN, HKD, T0, intake_data, make_officer, principal_of
from tests.index.scenario import DEC_1, MON_30, NOV, approve, receive

pytestmark = pytest.mark.usefixtures("scenario")


def _monitor(session: Session) -> Any:
    return principal_of(make_officer(session, commune_code=None, roles=(Role.PROVINCE_MONITOR,)),
                        Role.PROVINCE_MONITOR)


def _chi_tien_2_1(session: Session, monitor: Any) -> str:
    row = province_ranking(session, monitor, "25", NOV).row(CHI_TIEN)
    return str(row.card.indicator("2.1").points_shown)


def test_an_unchanged_state_is_served_from_the_cache_and_a_fold_is_seen_at_once(
        session: Session, scenario: dict, store: FileStore) -> None:  # the imported fixture
    fold(session, MON_30)
    monitor = _monitor(session)
    assert _chi_tien_2_1(session, monitor) == "13.33"  # 20 × 2/3
    hits = SCORES.hits
    first = province_ranking(session, monitor, "25", NOV)
    again = province_ranking(session, monitor, "25", NOV)
    assert SCORES.hits >= hits + 2 and again.rows[0] is first.rows[0]  # served, not recomputed
    # a fourth November dossier of Chí Tiên, finished on time, folded: 3 of 4 → 20 × 3/4 = 15
    team = scenario["team"]
    approve(session, team, receive(session, team, store), T0 + timedelta(days=2))
    fold(session, MON_30)
    assert _chi_tien_2_1(session, monitor) == "15.00"
    dashboard = province_dashboard(session, monitor, NOV)
    assert dashboard.counters.counted == 5  # Chí Tiên's 4 and the other commune's 1, summed afresh


def test_a_rolled_back_fold_leaves_nothing_behind(
        session: Session, scenario: dict, store: FileStore) -> None:  # the imported fixture
    """A fold rolled back takes its rollups version with it: neither the scores it produced nor its version can be
    served afterwards, even once another fold gives the rollups other numbers."""
    fold(session, MON_30)
    monitor = _monitor(session)
    assert _chi_tien_2_1(session, monitor) == "13.33"
    team = scenario["team"]
    nested = session.begin_nested()
    approve(session, team, receive(session, team, store), T0 + timedelta(days=2))  # 3 of 4 on time
    fold(session, MON_30)
    assert _chi_tien_2_1(session, monitor) == "15.00"
    nested.rollback()
    assert _chi_tien_2_1(session, monitor) == "13.33"
    # now a fourth dossier left open past its appointment (Fri 27/11): 2 of 4 → 20 × 2/4 = 10
    receive(session, team, store)
    fold(session, MON_30)
    assert _chi_tien_2_1(session, monitor) == "10.00"


def test_a_new_catalogue_version_is_seen_without_a_fold(session: Session) -> None:
    """Indicator 3.1 (procedures offered online ÷ procedures, the catalogue in force on the period's last month)
    follows a catalogue change at once, though no rollup changed."""
    fold(session, MON_30)
    monitor = _monitor(session)
    shipped = load_shipped().procedures
    online = sum(1 for p in shipped if p.online_level != "none")
    hkd = next(p for p in shipped if p.code == HKD)
    assert hkd.online_level != "none"
    before = province_ranking(session, monitor, "25", NOV).row(CHI_TIEN).card.indicator("3.1")
    assert before.exact_rate == pytest.approx(online / len(shipped))
    raw = hkd.model_dump(mode="json") | {"online_level": "none", "effective_from": date(2026, 11, 1).isoformat()}
    raw["channels"] = [c for c in raw["channels"] if c != "online"]
    import_catalogue(session, actor=SYSTEM, catalogue=Catalogue.model_validate({"version": 1, "procedures": [raw]}),
                     now=T0, source="test")
    assert catalogue_counters(session, NOV.start).online_offered == online - 1
    after = province_ranking(session, monitor, "25", NOV).row(CHI_TIEN).card.indicator("3.1")
    assert after.exact_rate == pytest.approx((online - 1) / len(shipped))


def test_nothing_is_cached_before_a_writer_marked_the_rollups(session: Session) -> None:
    """Rollups written by something that does not mark them (a bulk load) have no version: every read computes."""
    session.query(IndexState).filter(IndexState.key == "rollups_version").delete()
    assert rollups_version(session) is None
    monitor = _monitor(session)
    misses = SCORES.misses
    province_ranking(session, monitor, "25", NOV)
    province_ranking(session, monitor, "25", NOV)
    assert SCORES.misses >= misses + 2
    mark_rollups_changed(session)
    assert rollups_version(session) is not None


def test_a_fold_of_another_month_leaves_this_months_scores_served(
        session: Session, scenario: dict, store: FileStore) -> None:  # the imported fixture
    """The fold marks only the months its deltas moved (``index.cache.mark_months_changed``): a dossier received in
    December changes December's rollups, so November's ranking, the province's November counters and the trend's
    earlier months are served from the cache, while December's are recomputed and count it at once."""
    fold(session, MON_30)
    monitor = _monitor(session)
    nov_before = province_ranking(session, monitor, "25", NOV)
    dec = parse_period("2026-12", DEC_1.date())
    dec_before = province_dashboard(session, monitor, dec)
    team = scenario["team"]
    receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store, now=DEC_1)
    fold(session, DEC_1 + timedelta(hours=1))
    nov_after = province_ranking(session, monitor, "25", NOV)
    assert nov_after.rows[0] is nov_before.rows[0]  # served: no November rollup moved
    dec_after = province_dashboard(session, monitor, dec)
    assert dec_after.counters.received == dec_before.counters.received + 1  # recomputed: December's moved
    # the trend's November point is the cached one; December's counts the new dossier
    assert dec_after.trend[-2] == dec_before.trend[-2]
    assert dec_after.trend[-1].received == dec_before.trend[-1].received + 1


def test_a_feedback_case_invalidates_every_month_of_its_province(session: Session) -> None:
    """5.2 and 5.3 read the feedback cases of every month from their receipt on: a case's change replaces the
    province's all-months version, so no cached score of the province outlives it."""
    fold(session, MON_30)
    monitor = _monitor(session)
    first = province_ranking(session, monitor, "25", NOV)
    assert province_ranking(session, monitor, "25", NOV).rows[0] is first.rows[0]
    mark_province_changed(session, "25")
    assert province_ranking(session, monitor, "25", NOV).rows[0] is not first.rows[0]
