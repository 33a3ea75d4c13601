"""The index kept current from the dossiers (SQLite and PostgreSQL): the fold queue, the sweeps, the rollups, the
rankings and the drill-down, on a scenario computed by hand.

The scenario (xã Chí Tiên and one other commune of Phú Thọ; Đăng ký hộ kinh doanh, 3 working days): received
Mon 23/11/2026 10:00, so due Fri 27/11 17:00 (Tue 24/11, Culture Day, is not a working day).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.index.models import (
    ROLLUP_COUNTERS,
    IndexContribution,
    IndexPending,
    IndexRollup,
    IndexRollupCommune,
)
from motcua.index.periods import parse_period
from motcua.index.rollups import for_commune, rollup_counters
from motcua.index.tasks import fold, fold_dossiers, rebuild, sweep
from motcua.kit.errors import NotFound, ValidationFailed
from motcua.report.queries.communes import commune_report, costly_dossiers
from motcua.report.queries.rankings import province_ranking
from tests.factories import (
    CHI_TIEN,
    T0,
    make_officer,
    principal_of,
    supplemented_late_for_the_index,
)
from tests.index.scenario import DEC_1, MON_30, NOV


def _rollup(session: Session, commune: str) -> dict[str, int]:
    row = session.execute(select(*[func.coalesce(func.sum(getattr(IndexRollup, c)), 0).label(c)
                                   for c in ROLLUP_COUNTERS])
                          .where(IndexRollup.commune_code == commune, IndexRollup.month == NOV.start)).one()
    return {c: int(getattr(row, c)) for c in ("received", "counted", "on_time")}


def _assert_rollups_are_sums_of_contributions(session: Session) -> None:
    """The invariant of the fold: every rollup row is the sum of the contributions it stands for."""
    c = IndexContribution
    key = (c.month, c.commune_code, c.procedure_code, c.department)
    sums = {tuple(r[:4]): tuple(int(x) for x in r[4:]) for r in session.execute(
        select(*key, *[func.sum(func.cast(getattr(c, n), IndexRollup.received.type)) for n in ROLLUP_COUNTERS])
        .group_by(*key))}
    rollups = {(r.month, r.commune_code, r.procedure_code, r.department): tuple(getattr(r, n) for n in ROLLUP_COUNTERS)
               for r in session.scalars(select(IndexRollup))}
    assert {k: v for k, v in rollups.items() if any(v)} == sums
    by_commune: dict[tuple, list[int]] = {}
    for (month, commune, _, _), values in sums.items():
        total = by_commune.setdefault((month, commune), [0] * len(values))
        by_commune[(month, commune)] = [a + b for a, b in zip(total, values, strict=True)]
    communes = {(r.month, r.commune_code): list(getattr(r, n) for n in ROLLUP_COUNTERS)
                for r in session.scalars(select(IndexRollupCommune))}
    assert {k: v for k, v in communes.items() if any(v)} == by_commune


def test_every_action_queues_the_dossier_and_a_fold_empties_the_queue(session: Session, scenario: dict) -> None:
    """Officers never wait for the index: their action only adds the dossier to the queue (one row each)."""
    queued = session.scalar(select(func.count(func.distinct(IndexPending.dossier_id))))
    assert queued == 4
    report = fold(session, MON_30)
    assert report.dossiers == 4 and not report.pending_left
    assert session.scalar(select(func.count()).select_from(IndexPending)) == 0
    _assert_rollups_are_sums_of_contributions(session)


def test_on_time_counts_by_hand(session: Session, scenario: dict) -> None:
    """Indicator 2.1 for November, judged on Mon 30/11: A finished on time, B open past its due date (late), C
    waiting for a supplement asked within time (judged at the request: on time) → Chí Tiên 2 of 3; the other
    commune 1 of 1. Points: 20 × 2/3 = 13.33 and 20."""
    fold(session, MON_30)
    assert _rollup(session, CHI_TIEN) == {"received": 3, "counted": 3, "on_time": 2}
    assert _rollup(session, scenario["other"]) == {"received": 1, "counted": 1, "on_time": 1}
    monitor = principal_of(make_officer(session, commune_code=None, roles=(Role.PROVINCE_MONITOR,)),
                           Role.PROVINCE_MONITOR)
    ranking = province_ranking(session, monitor, "25", NOV)
    first, second = ranking.rows[0], ranking.rows[1]
    assert (first.commune_code, first.rank) == (scenario["other"], 1)
    assert (second.commune_code, second.rank) == (CHI_TIEN, 2)
    assert str(second.card.indicator("2.1").points_shown) == "13.33"
    assert str(first.card.indicator("2.1").points_shown) == "20.00"
    assert ranking.ranked == 2  # the 146 communes without dossiers are listed, unranked
    assert all(r.rank is None for r in ranking.rows[2:])
    assert second.group_ranks["progress"] == 2


def test_the_late_dossier_is_named_with_its_reason(session: Session, scenario: dict) -> None:
    """The drill-down: which dossier cost Chí Tiên points on 2.1, and why."""
    fold(session, MON_30)
    director = scenario["team"]["director"]
    late, total = costly_dossiers(session, director, CHI_TIEN, NOV)
    assert total == 1 and late[0].dossier_id == scenario["b"].id
    assert late[0].reason == "open_late" and "trễ" in late[0].explanation.lower()
    report = commune_report(session, director, CHI_TIEN, NOV)
    assert report.counters.counted == 3 and report.by_department[0][0] == "economic"


def test_a_dossier_becomes_late_without_any_action_through_the_sweep(session: Session, scenario: dict) -> None:
    """No officer touches B after Fri 27/11 17:00; the worker's sweep of due dates queues it and the fold judges it
    late — while it was on time at the first fold."""
    sweep(session, T0 + timedelta(hours=3))  # the bookmark
    fold(session, T0 + timedelta(hours=3))
    assert _rollup(session, CHI_TIEN)["on_time"] == 3
    # B and C passed their stored appointment since; C waits for a supplement asked within time and stays on time.
    assert sweep(session, MON_30) == 2
    fold(session, MON_30)
    assert _rollup(session, CHI_TIEN)["on_time"] == 2
    _assert_rollups_are_sums_of_contributions(session)


def test_a_month_turn_judges_open_dossiers_at_the_end_of_the_closed_month(session: Session, scenario: dict) -> None:
    """Decision 766, 2.1: a dossier still open at the end of the period uses the period's end. At the turn to
    December the open ones (B, C) are queued; November keeps B late (judged at 30/11 24:00) and C on time, and
    both now count in December too."""
    sweep(session, MON_30)
    fold(session, MON_30)
    assert sweep(session, DEC_1) == 2
    fold(session, DEC_1)
    assert _rollup(session, CHI_TIEN) == {"received": 3, "counted": 3, "on_time": 2}
    months = session.scalars(select(IndexContribution.month)
                             .where(IndexContribution.dossier_id == scenario["b"].id)).all()
    assert len(months) == 2
    b_nov = session.scalars(select(IndexContribution).where(IndexContribution.dossier_id == scenario["b"].id,
                                                            IndexContribution.month == NOV.start)).one()
    assert b_nov.open_at_end and not b_nov.on_time
    assert b_nov.judged_at is not None and b_nov.judged_at.replace(tzinfo=UTC) == datetime(2026, 11, 30, 17,
                                                                                           tzinfo=UTC)


def test_folding_twice_counts_once_and_a_rebuild_gives_the_same_rollups(session: Session, scenario: dict) -> None:
    fold(session, MON_30)
    before = {c: _rollup(session, c) for c in (CHI_TIEN, scenario["other"])}
    from motcua.index.actions import queue_fold

    queue_fold(session, [scenario["a"].id, scenario["a"].id, scenario["b"].id])
    fold(session, MON_30)
    assert {c: _rollup(session, c) for c in (CHI_TIEN, scenario["other"])} == before
    assert rebuild(session, MON_30) >= 4
    fold(session, MON_30)
    assert {c: _rollup(session, c) for c in (CHI_TIEN, scenario["other"])} == before
    _assert_rollups_are_sums_of_contributions(session)


def test_a_commune_sees_the_ranking_but_not_another_communes_details(session: Session, scenario: dict) -> None:
    """Rankings are published (seeds: "2nd of 148"); a commune's dossiers stay within its jurisdiction."""
    fold(session, MON_30)
    director = scenario["team"]["director"]
    assert province_ranking(session, director, "25", NOV).row(CHI_TIEN).rank == 2
    with pytest.raises(NotFound):
        commune_report(session, director, scenario["other"], NOV)
    with pytest.raises(NotFound):
        costly_dossiers(session, director, scenario["other"], NOV)
    with pytest.raises(NotFound):
        province_ranking(session, director, "01", NOV)


@pytest.mark.parametrize("value", ["2026-13", "2026-Q5", "2026-H3", "2026-H0", "26-11", "2026-06..2026-01", "x",
                                   "2026-11; DROP"])
def test_a_bad_period_is_refused_in_vietnamese(value: str) -> None:
    with pytest.raises(ValidationFailed, match="Kỳ không hợp lệ"):
        parse_period(value, T0.date())


def test_periods_cover_whole_months() -> None:
    q4 = parse_period("2026-Q4", T0.date())
    assert [m.month for m in q4.months] == [10, 11, 12] and q4.previous().value == "2026-Q3"
    assert parse_period("", T0.date()).value == "2026-11"
    assert parse_period("2026-01..2026-06", T0.date()).label == "Từ tháng 1/2026 đến tháng 6/2026"
    assert len(parse_period("2025", T0.date()).months) == 12


def test_six_months_as_the_portal_offers_them() -> None:
    """The national portal's Decision 766 page also ranks over six months ("6 tháng đầu năm"): H1 is January to
    June, H2 July to December, and the six months before H1 are last year's H2."""
    h1 = parse_period("2026-H1", T0.date())
    assert [m.month for m in h1.months] == [1, 2, 3, 4, 5, 6] and h1.label == "6 tháng đầu năm 2026"
    h2 = parse_period("2026-H2", T0.date())
    assert (h2.start, h2.end, h2.label) == (date(2026, 7, 1), date(2027, 1, 1), "6 tháng cuối năm 2026")
    assert h1.previous().value == "2025-H2" and h2.previous().value == "2026-H1"


def test_a_quarter_counts_each_dossier_once_at_its_end(session: Session, scenario: dict) -> None:
    """Decision 766, 2.1 over a quarter: B, open from November into December, is one dossier of the quarter, judged
    at the quarter's end (still open, late); not one in November and another in December. Chí Tiên's Q4 2026 on
    1/12: A on time, B late, C waiting for a supplement asked within time → 2 of 3, as in November alone."""
    sweep(session, MON_30)
    fold(session, MON_30)
    sweep(session, DEC_1)
    fold(session, DEC_1)
    q4 = parse_period("2026-Q4", DEC_1.date())  # asked on 1/12: December is the quarter's last month begun
    months = rollup_counters(session, "25", NOV, where=[for_commune(CHI_TIEN)])[CHI_TIEN]
    quarter = rollup_counters(session, "25", q4, where=[for_commune(CHI_TIEN)])[CHI_TIEN]
    assert (months.counted, months.on_time) == (3, 2)
    assert (quarter.received, quarter.counted, quarter.on_time) == (3, 3, 2)
    december = rollup_counters(session, "25", parse_period("2026-12", T0.date()), where=[for_commune(CHI_TIEN)])
    assert december[CHI_TIEN].counted == 2  # B and C are still open: December counts them too, on their own
    late, total = costly_dossiers(session, scenario["team"]["director"], CHI_TIEN, q4)
    assert total == 1 and late[0].dossier_id == scenario["b"].id and late[0].month.month == 12


@pytest.mark.parametrize("value", ["2021-10", "2022-06", "0001", "9999-Q1", "2030-01..2030-02"])
def test_a_period_outside_the_decision_or_in_a_later_year_is_refused(value: str) -> None:
    """Decision 766 applies from 23/6/2022: there is no index before its first whole month, nor for years ahead."""
    with pytest.raises(ValidationFailed, match="Kỳ"):
        parse_period(value, T0.date())


def test_a_commune_without_dossiers_has_no_previous_percent(session: Session, scenario: dict) -> None:
    fold(session, MON_30)
    monitor = principal_of(make_officer(session, commune_code=None, roles=(Role.PROVINCE_MONITOR,)),
                           Role.PROVINCE_MONITOR)
    ranking = province_ranking(session, monitor, "25", NOV)
    assert all(r.previous_rank is None and r.previous_percent is None for r in ranking.rows)  # October was empty


def test_the_fold_keeps_both_verdicts_of_2_1(session, team, store) -> None:
    """docs/legal.md §7, 2.1: the fold stores the legal clock's verdict (version 1 counts it) and the national
    portal's (version 2 counts it). The example dossier is on time for the citizen and late for the index, so
    January's rollup counts it once, on time once, on time for the index never."""
    d = supplemented_late_for_the_index(session, team, store)
    fold_dossiers(session, [d.id], datetime(2026, 2, 2, 9, tzinfo=UTC))
    row = session.scalars(select(IndexContribution).where(IndexContribution.dossier_id == d.id,
                                                          IndexContribution.month == date(2026, 1, 1))).one()
    assert (row.counted, row.on_time, row.on_time_index) == (True, True, False)
    rollup = session.get(IndexRollupCommune, (date(2026, 1, 1), d.deciding_commune_code))
    assert rollup is not None
    assert (rollup.counted, rollup.on_time, rollup.on_time_index) == (1, 1, 0)
    assert (rollup.ended, rollup.ended_on_time, rollup.ended_on_time_index) == (1, 1, 0)
