"""Fair-play flags: each rule on hand-made dossiers (positive and negative cases), then the query on real rows.

October 2026: Mon 5/10 is a working day; the month's last two working days are Thu 29/10 and Fri 30/10.
Working hours are the default 07:30–11:30, 13:00–17:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.calendar import DEFAULT_WORKING_HOURS, VIETNAM_TZ, calendar_for
from motcua.dossier.actions import receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.index.fairplay import (
    ASSISTED_MIN_ONLINE,
    BURST_MIN_CLOSURES,
    SUPPLEMENT_LAST_DAY_MIN,
    Bounds,
    PlayRow,
    SupplementRequest,
    backdated_receipts,
    closure_bursts,
    fair_play,
    month_end_window,
    online_filing_flags,
    supplement_flags,
)
from motcua.index.periods import parse_period
from motcua.kit.errors import Forbidden, NotFound
from tests.factories import CHI_TIEN, intake_data, make_officer, principal_of, staff

CAL = calendar_for("25")
HOURS = DEFAULT_WORKING_HOURS
H = 3600 * 10**6
OCTOBER = Bounds.of(parse_period("2026-10", date(2026, 11, 23)))
NAMES = {"A": "Xã A", "B": "Xã B"}


def vn(d: int, hh: int = 9, mm: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, d, hh, mm, tzinfo=VIETNAM_TZ).astimezone(UTC)


def row(i: int, commune: str = "A", **kw: object) -> PlayRow:
    base = PlayRow(id=i, code=f"HS-{i:04d}", receiving_commune_code=commune, deciding_commune_code=commune,
                   channel=1, filed_by="citizen", received_by_id=7, counter_intake=True, received_at=vn(5),
                   created_at=vn(5), finished_at=None, clock_started=True)
    return replace(base, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------ rule 1


def test_a_receipt_dated_two_working_hours_before_it_was_written_is_flagged() -> None:
    rows = [row(1, received_at=vn(5, 8), created_at=vn(5, 10, 30)),  # 2.5 working hours: flagged
            row(2, received_at=vn(5, 8), created_at=vn(5, 8, 45)),  # 45 minutes: tolerated
            row(3, received_at=vn(9, 16, 45), created_at=vn(12, 7, 45)),  # Fri closing → Mon opening: 0.5 h
            row(4, received_at=vn(6, 10), created_at=vn(6, 8)),  # online: written when filed, received later
            row(5, commune="B", received_at=vn(5, 10), created_at=vn(5, 10))]
    flags = backdated_receipts(rows, OCTOBER, CAL, HOURS, NAMES)
    assert [(f.commune_code, f.rule, [d.id for d in f.dossiers]) for f in flags] == [("A", "backdated_receipt", [1])]
    assert "2,5 giờ làm việc" in flags[0].explanation and "HS-0001" in flags[0].explanation


def test_a_receipt_back_dated_over_a_weekend_counts_only_working_time() -> None:
    """Received "Friday 9:00" but written Monday 9:00: a whole working day (8 h) apart, not 72 hours."""
    flags = backdated_receipts([row(1, received_at=vn(9, 9), created_at=vn(12, 9))], OCTOBER, CAL, HOURS, NAMES)
    assert "8,0 giờ làm việc" in flags[0].explanation


# ------------------------------------------------------------------------------------------------ rule 2


def test_month_end_window_skips_holidays_and_weekends() -> None:
    assert month_end_window(date(2026, 10, 1), CAL)[0] == vn(29, 0)
    # April 2026: Thu 30/4 and Fri 1/5 are holidays, Mon 27/4 the Hùng Kings day off: the last two working days
    # of April are Tue 28 and Wed 29.
    assert month_end_window(date(2026, 4, 1), CAL)[0] == vn(28, 0, month=4)


def _closures(start: int, commune: str, inside: int, outside: int) -> list[PlayRow]:
    return ([row(start + i, commune, finished_at=vn(30, 10)) for i in range(inside)]
            + [row(start + inside + i, commune, finished_at=vn(14, 10)) for i in range(outside)])


def test_a_commune_closing_most_of_its_month_in_the_last_two_days_is_flagged() -> None:
    rows = _closures(0, "A", 25, 15) + _closures(1000, "B", 5, 95)
    rows.append(row(5000, "B", finished_at=vn(30, 10), clock_started=False))  # refused at intake: not a closure
    flags = closure_bursts(rows, OCTOBER, CAL, NAMES)
    assert [f.commune_code for f in flags] == ["A"]
    flag = flags[0]
    assert flag.total == 25 and len(flag.dossiers) == 20  # listed up to MAX_LISTED
    # A: 25/40 = 62.5 %; the province: 30/140 = 21.4 %; 62.5 / 21.4 = 2.9 times.
    assert "25/40" in flag.explanation and "62,5%" in flag.explanation and "21,4%" in flag.explanation
    assert "29/10–31/10" in flag.explanation


def test_few_closures_or_a_share_near_the_province_are_not_flagged() -> None:
    few = _closures(0, "A", BURST_MIN_CLOSURES - 1, 1) + _closures(1000, "B", 5, 95)
    assert closure_bursts(few, OCTOBER, CAL, NAMES) == []
    near = _closures(0, "A", 25, 75) + _closures(1000, "B", 15, 85)  # 25 % against 20 %
    assert closure_bursts(near, OCTOBER, CAL, NAMES) == []


# ------------------------------------------------------------------------------------------------ rule 3


def _asked(i: int, commune: str, left_hours: float, late: bool = False) -> PlayRow:
    return row(i, commune, supplements=(SupplementRequest(vn(20), int(left_hours * H), late),))


def test_a_habit_of_last_day_supplement_requests_is_flagged() -> None:
    """A: 6 of its 8 requests on the last day (75 %); B: 1 of 20 (5 %); the province: 7 of 28 (25 %)."""
    a = [_asked(i, "A", 4) for i in range(5)] + [_asked(5, "A", 8), _asked(6, "A", 16), _asked(7, "A", 40)]
    b = [_asked(100, "B", 2)] + [_asked(101 + i, "B", 24) for i in range(19)]
    flags = [f for f in supplement_flags(a + b, OCTOBER, NAMES) if f.rule == "supplement_last_day"]
    assert [(f.commune_code, f.total, [d.id for d in f.dossiers]) for f in flags] == [("A", 6, [0, 1, 2, 3, 4, 5])]
    assert "6/8 yêu cầu bổ sung (75,0%)" in flags[0].explanation and "toàn tỉnh: 25,0%" in flags[0].explanation


def test_last_day_requests_below_the_floor_or_near_the_province_share_are_not_flagged() -> None:
    few = [_asked(i, "A", 4) for i in range(SUPPLEMENT_LAST_DAY_MIN - 1)]
    b = [_asked(100 + i, "B", 24) for i in range(20)]
    assert [f for f in supplement_flags(few + b, OCTOBER, NAMES) if f.rule == "supplement_last_day"] == []
    # 5 of 20 (25 %) against a province share of 10 / 50 (20 %): where appraisal is late, it is late everywhere.
    a = [_asked(i, "A", 4) for i in range(5)] + [_asked(10 + i, "A", 24) for i in range(15)]
    b = [_asked(100 + i, "B", 4) for i in range(5)] + [_asked(110 + i, "B", 24) for i in range(25)]
    assert [f for f in supplement_flags(a + b, OCTOBER, NAMES) if f.rule == "supplement_last_day"] == []


def test_a_supplement_request_after_the_due_date_is_flagged_from_the_first() -> None:
    rows = [_asked(1, "A", 0, late=True)] + [_asked(10 + i, "A", 24) for i in range(9)]
    flags = [f for f in supplement_flags(rows, OCTOBER, NAMES) if f.rule == "supplement_last_day"]
    assert [(f.commune_code, [d.id for d in f.dossiers]) for f in flags] == [("A", [1])]
    assert "1 yêu cầu khi hồ sơ đã quá hạn" in flags[0].explanation


def test_a_supplement_rate_three_times_the_province_is_flagged() -> None:
    a = [_asked(i, "A", 40) for i in range(6)] + [row(10 + i, "A") for i in range(14)]  # 6 of 20: 30 %
    b = [_asked(100 + i, "B", 40) for i in range(2)] + [row(200 + i, "B") for i in range(98)]  # 2 of 100
    flags = [f for f in supplement_flags(a + b, OCTOBER, NAMES) if f.rule == "supplement_rate"]
    assert [f.commune_code for f in flags] == ["A"]  # province 8/120 = 6.7 %; A 30 % > 20 %
    assert "6 hồ sơ bị yêu cầu bổ sung trên 20" in flags[0].explanation and "6,7%" in flags[0].explanation
    fewer = [_asked(i, "A", 40) for i in range(4)] + [row(10 + i, "A") for i in range(6)]  # 40 %, only 4
    assert [f for f in supplement_flags(fewer + b, OCTOBER, NAMES) if f.rule == "supplement_rate"] == []


def test_requests_outside_the_period_do_not_count() -> None:
    rows = [row(i, supplements=(SupplementRequest(vn(20, month=9), 0, True),)) for i in range(5)]
    assert supplement_flags(rows, OCTOBER, NAMES) == []


# ------------------------------------------------------------------------------------------------ rule 4


def test_a_counter_intake_marked_as_the_citizens_own_online_filing_is_flagged() -> None:
    rows = [row(1, channel=2, filed_by="citizen", counter_intake=True),  # taken at the counter
            row(2, channel=2, filed_by="citizen", counter_intake=False),  # submitted online, accepted by officer 7
            row(3, channel=2, filed_by="officer"), row(4, channel=1)]
    flags = online_filing_flags(rows, OCTOBER, NAMES)
    assert [(f.rule, [d.id for d in f.dossiers]) for f in flags] == [("online_counted_as_citizen", [1])]
    assert "1/3 hồ sơ trực tuyến" in flags[0].explanation


def test_a_high_share_of_assisted_online_filing_is_shown_for_information() -> None:
    n = ASSISTED_MIN_ONLINE
    a = [row(i, "A", channel=2, filed_by="volunteer" if i % 2 else "officer") for i in range(n - 3)]
    a += [row(100 + i, "A", channel=2, filed_by="citizen", counter_intake=False) for i in range(3)]  # 17/20: 85 %
    b = [row(200 + i, "B", channel=2, filed_by="officer") for i in range(n - 1)]  # 100 %, but only 19
    flags = online_filing_flags(a + b, OCTOBER, NAMES)
    assert [(f.commune_code, f.rule, f.severity) for f in flags] == [("A", "assisted_share", "info")]
    assert "17/20" in flags[0].explanation and "85,0%" in flags[0].explanation
    c = [row(300 + i, "A", channel=2, filed_by="officer") for i in range(15)]
    c += [row(400 + i, "A", channel=2, filed_by="citizen", counter_intake=False) for i in range(5)]  # 75 %
    assert online_filing_flags(c, OCTOBER, NAMES) == []


# ------------------------------------------------------------------------------------------------ the query


def test_fair_play_reads_the_province_dossiers(session: Session, tmp_path) -> None:
    store = FileStore(tmp_path / "files")
    team = staff(session)
    received = [receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                                now=vn(5 + i, 10)).dossier for i in range(3)]
    backdated, miscounted, honest = received
    session.execute(update(Dossier).where(Dossier.id == backdated.id)
                    .values(received_at=backdated.received_at - timedelta(days=1)))
    session.execute(update(Dossier).where(Dossier.id == miscounted.id).values(channel=2, filed_by="citizen"))
    monitor = principal_of(make_officer(session, commune_code=None, username="tinh.theodoi",
                                        roles=(Role.PROVINCE_MONITOR,)), Role.PROVINCE_MONITOR)
    period = parse_period("2026-10", date(2026, 11, 23))
    report = fair_play(session, monitor, "25", period)
    assert report.dossiers_read == 3
    found = {(f.rule, f.commune_code): [d.id for d in f.dossiers] for f in report.flags}
    assert found == {("backdated_receipt", CHI_TIEN): [backdated.id],
                     ("online_counted_as_citizen", CHI_TIEN): [miscounted.id]}
    assert honest.id not in {d.id for f in report.flags for d in f.dossiers}

    with pytest.raises(Forbidden):
        fair_play(session, team["director"], "25", period)
    stranger = make_officer(session, commune_code=None, province_code="01", username="hanoi.theodoi",
                            roles=(Role.PROVINCE_MONITOR,))
    with pytest.raises(NotFound):
        fair_play(session, principal_of(stranger, Role.PROVINCE_MONITOR), "25", period)
