"""The demo year of dossiers (motcua.demo.dossiers) against the real model, on SQLite and PostgreSQL.

One database per backend is loaded once for the module (officers of the 148 communes of Phú Thọ, then two months
of dossiers at a tenth of the volume, ending Monday 2 March 2026 so that Tết 2026 lies inside) and the read-only
tests share it; the tests that write use ``fresh_db``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.base.roles import Role
from motcua.calendar import to_vietnam_time
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.models import ProcedureVersion
from motcua.demo.activity import load_demo_activity
from motcua.demo.dossiers import BUSY_COMMUNES, DEMO_SCOPE, daily_rates, load_demo_dossiers
from motcua.demo.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from motcua.demo.org import load_demo_org
from motcua.dossier.clock import ledger_of
from motcua.dossier.codes import agency_id_of
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierCodeCounter, DossierEvent
from motcua.dossier.schemas import id_number_problem
from motcua.dossier.workflow import OPEN_STATES, Action, Status, transition
from motcua.index import tasks as index_tasks
from motcua.index.definitions import metric_set_by_id
from motcua.index.periods import parse_period
from motcua.index.rollups import catalogue_counters, rollup_counters, scorecard
from motcua.kit.clock import as_utc
from motcua.kit.text import fold
from motcua.org.models import Commune, Officer, OfficerRole
from tests.conftest import TestDatabase as Database
from tests.conftest import create_database

#: Left out of `make check` (the fast loop); `make test` runs it.
pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in Hà Nội
MONTHS = 2
SCALE = 0.1
CHI_TIEN = "08218"


@dataclass
class Loaded:
    database: Database
    result: Any
    dossiers: list[Dossier]
    events: dict[int, list[DossierEvent]]
    roles: dict[int, set[str]]
    officer_commune: dict[int, str | None]
    versions: dict[int, ProcedureVersion]


@pytest.fixture(scope="module")
def loaded(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    database = create_database(db.kind, tmp_path_factory.mktemp(f"demo-{db.kind}"))
    with Session(database.engine) as session, session.begin():
        load_demo_org(session, now=NOW, demo=True)
    with Session(database.engine) as session, session.begin():
        result = load_demo_dossiers(session, now=NOW, months=MONTHS, scale=SCALE)
    with Session(database.engine, expire_on_commit=False) as session:
        dossiers = list(session.scalars(select(Dossier).order_by(Dossier.id)))
        events: dict[int, list[DossierEvent]] = defaultdict(list)
        for e in session.scalars(select(DossierEvent).order_by(DossierEvent.id)):
            events[e.dossier_id].append(e)
        roles: dict[int, set[str]] = defaultdict(set)
        for officer_id, role in session.execute(select(OfficerRole.officer_id, OfficerRole.role)):
            roles[officer_id].add(role)
        officer_commune = {oid: commune for oid, commune in session.execute(select(Officer.id, Officer.commune_code))}
        versions = {v.id: v for v in session.scalars(select(ProcedureVersion))}
        session.expunge_all()
    yield Loaded(database, result, dossiers, events, roles, officer_commune, versions)
    database.drop()


def local(value: datetime | None) -> datetime:
    assert value is not None
    return to_vietnam_time(as_utc(value))


def test_idempotent(loaded: Loaded) -> None:
    """Loading twice loads once: a province that already has demo dossiers is left as it is."""
    with Session(loaded.database.engine) as session, session.begin():
        again = load_demo_dossiers(session, now=NOW, months=MONTHS, scale=SCALE)
        count = session.scalar(select(func.count()).select_from(Dossier))
        events = session.scalar(select(func.count()).select_from(DossierEvent))
    assert again.skipped and again.dossiers == 0
    assert count == loaded.result.dossiers == len(loaded.dossiers) > 3_000
    assert events == loaded.result.events
    assert all(d.idempotency_scope == DEMO_SCOPE for d in loaded.dossiers)


def test_every_clock_replays_and_due_at_is_what_the_ledger_says(loaded: Loaded) -> None:
    """docs/legal.md §4: every received dossier's clock events replay in a ClockLedger against the province's calendar
    and its procedure version's internal process, and the stored due date (NgayHenTra) is the ledger's due date at
    ``now``; a dossier refused or sent back at intake has no clock and no due date, nor has an online one asked to
    supplement in place and never accepted (Art. 17(1)-(2); closed after the 15 days, Art. 19(5))."""
    with Session(loaded.database.engine) as session:
        calendar, hours = calendar_for_province(session, "25"), working_hours_for(session, "25")
    never_received = (Status.INTAKE_REFUSED, Status.INTAKE_INCOMPLETE, Status.INTAKE_SUPPLEMENT)
    for d in loaded.dossiers:
        in_place = any(e.action == Action.REQUEST_ONLINE_SUPPLEMENT.value for e in loaded.events[d.id])
        if d.status in never_received or (in_place and d.status == Status.CLOSED_UNSUPPLIED):
            assert d.clock_events == [] and d.due_at is None, d.code
            continue
        ledger = ledger_of(d.clock_events, calendar, hours, loaded.versions[d.procedure_version_id].data)
        assert ledger.due(NOW) == as_utc(d.due_at), d.code  # type: ignore[arg-type]
        assert d.original_due_at is not None
        state = ledger.state(NOW)
        assert (state.status == "finished") == (d.status not in OPEN_STATES), d.code
        assert (state.status == "paused") == (d.status == Status.AWAITING_SUPPLEMENT), d.code


def test_timelines_follow_the_workflow_table_with_real_officers(loaded: Loaded) -> None:
    """House rule 2: each event is a row of the workflow table taken from the state the previous one left, in
    time order; the officer holds a role the row allows, in the receiving or deciding commune for counter work
    and in the deciding commune for the divisions' work (Art. 14); the last event's state is the dossier's."""
    for d in loaded.dossiers:
        events = loaded.events[d.id]
        assert events, d.code
        online_submitted = d.channel == 2 and d.filed_by in ("citizen", "volunteer")
        state = Status.SUBMITTED.value if online_submitted else None
        previous_at = None
        for e in events:
            row = transition(e.action)
            assert e.from_status == state, (d.code, e.action)
            assert Status(e.from_status or Status.NEW) in row.sources, (d.code, e.action)
            assert e.to_status == (row.target.value if row.target else e.from_status), (d.code, e.action)
            if previous_at is not None:
                assert e.at > previous_at, (d.code, e.action)
            assert e.actor_id is not None, (d.code, e.action)
            assert loaded.roles[e.actor_id] & {r.value for r in row.roles}, (d.code, e.action)
            counter = row.roles <= {Role.RECEPTION, Role.CENTRE_DIRECTOR}
            places = {d.receiving_commune_code, d.deciding_commune_code} if counter else {d.deciding_commune_code}
            assert loaded.officer_commune[e.actor_id] in places, (d.code, e.action)
            state, previous_at = e.to_status, e.at
        assert state == d.status, d.code
        assert d.version == len(events) + (1 if online_submitted else 0)
        assert local(d.received_at) == local(events[0].at)
        if d.handler_id is not None:
            assert Role.SPECIALIST.value in loaded.roles[d.handler_id]
            assert loaded.officer_commune[d.handler_id] == d.deciding_commune_code
        assert d.received_by_id is not None and Role.RECEPTION.value in loaded.roles[d.received_by_id]


def test_codes_are_unique_gap_free_per_body_and_day_with_the_counter_at_the_last(loaded: Loaded) -> None:
    """Decree 118 Art. 28: AGENCYID-YYMMDD-NNNN of the deciding body and the receipt day; numbers run 1..n without
    a gap per body and day, in order of receipt, and the counter row holds n."""
    with Session(loaded.database.engine) as session:
        agencies = {c.code: agency_id_of(c) for c in session.scalars(select(Commune))}
        counters = {(c.agency_id, c.day): c.last_seq for c in session.scalars(select(DossierCodeCounter))}
    assert len({d.code for d in loaded.dossiers}) == len(loaded.dossiers)
    seqs: dict[tuple[str, date], list[tuple[datetime, int]]] = defaultdict(list)
    for d in loaded.dossiers:
        match = re.fullmatch(r"(.+)-(\d{6})-(\d{4})", d.code)
        assert match, d.code
        agency, day = agencies[d.deciding_commune_code], local(d.received_at).date()
        assert match.group(1) == agency and match.group(2) == f"{day:%y%m%d}", d.code
        seqs[(agency, day)].append((as_utc(d.received_at), int(match.group(3))))
    assert set(seqs) == set(counters)
    for key, numbers in seqs.items():
        numbers.sort()
        assert [n for _, n in numbers] == list(range(1, len(numbers) + 1)), key
        assert counters[key] == len(numbers), key


def test_about_99_percent_on_time(loaded: Loaded) -> None:
    """Seed 003 ("over 99% on time") and index 2.1 of Decision 766: a received dossier is on time when its end of
    processing (processed, else stopped, withdrawn or closed; ``now`` when still open) is not after its due date;
    a dossier asked to supplement twice counts as late. The share lies between 97% and 100%."""
    late = total = 0
    for d in loaded.dossiers:
        if d.due_at is None:
            continue
        end = as_utc(d.processed_at or d.ended_at or NOW)
        total += 1
        late += d.supplement_count >= 2 or end > as_utc(d.due_at)
    assert total > 3_000
    assert 0.97 <= 1 - late / total < 1.0


def test_every_shape_is_there(loaded: Loaded) -> None:
    """docs/legal.md §3, §8: supplements (once, and twice), extensions with an apology, refusals at intake and after
    appraisal, withdrawals, stops, closures after 15 days, corrections, dossiers received for another commune
    (Art. 14), the three channels with online filing by the officer, and dossiers still open at ``now``, some of
    them overdue; mostly certification and civil status."""
    ds = loaded.dossiers
    statuses = Counter(d.status for d in ds)
    for status in (Status.RETURNED, Status.RESULT_READY, Status.INTAKE_REFUSED, Status.INTAKE_INCOMPLETE,
                   Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.CLOSED_UNSUPPLIED):
        assert statuses[status] > 0, status
    assert any(d.supplement_count == 1 and d.status == Status.RETURNED for d in ds)
    assert any(d.supplement_count == 2 for d in ds)
    extended = [d for d in ds if d.extended]
    assert extended
    assert all(any(c["type"] == "extended" for c in d.clock_events) for d in extended)
    assert all(any(e.action == Action.EXTEND.value and e.note for e in loaded.events[d.id]) for d in extended)
    actions = {e.action for es in loaded.events.values() for e in es}
    assert {Action.START_CORRECTION.value, Action.SEND_BACK.value, Action.ACCEPT_ONLINE.value} <= actions
    assert any(d.receiving_commune_code != d.deciding_commune_code for d in ds)
    ways = Counter((d.channel, d.filed_by) for d in ds)
    assert {(1, "citizen"), (2, "officer"), (2, "citizen"), (2, "volunteer"), (3, "citizen")} <= set(ways)
    assert ways[(2, "officer")] > ways[(2, "citizen")]
    open_now = [d for d in ds if d.status in OPEN_STATES]
    assert 0 < len(open_now) < 0.1 * len(ds)
    assert any(as_utc(d.due_at) < NOW for d in open_now)  # type: ignore[arg-type]
    fields = Counter(str(loaded.versions[d.procedure_version_id].data["field"]) for d in ds)
    assert fields["Chứng thực"] + fields["Hộ tịch"] > 0.7 * len(ds)
    assert fields["Đất đai"] > 0 and fields["Bảo trợ xã hội"] > 0
    assert fields["Thành lập và hoạt động của hộ kinh doanh"] > 0


def test_received_only_on_working_days_within_working_hours(loaded: Loaded) -> None:
    """docs/legal.md §4: dossiers are received on the province's working days, within its working hours — never on a
    weekend or during Tết 2026 (14–22 February) — and every action of an officer happens in working time."""
    with Session(loaded.database.engine) as session:
        calendar, hours = calendar_for_province(session, "25"), working_hours_for(session, "25")
    for d in loaded.dossiers:
        received = local(d.received_at)
        assert calendar.is_workday(received.date()), d.code
        assert hours.contains(received.time()), d.code
        assert not date(2026, 2, 14) <= received.date() <= date(2026, 2, 22), d.code
        for e in loaded.events[d.id]:
            at = local(e.at)
            assert calendar.is_workday(at.date()) and hours.contains(at.time()), (d.code, e.action)
            assert at <= to_vietnam_time(NOW)
    days = {local(d.received_at).date() for d in loaded.dossiers}
    assert min(days) >= date(2026, 1, 2) and max(days) <= date(2026, 3, 2)


def test_applicants_and_procedures_are_valid(loaded: Loaded) -> None:
    """docs/legal.md §6: a person has a valid 12-digit ID number, a mobile number 0[35789]xxxxxxxx (or an e-mail), a
    name drawn from demo/names.py and its folded form; the procedure version is the one in force on the receipt day."""
    surnames = {s for s, _ in SURNAMES}
    given = set(GIVEN_MALE) | set(GIVEN_FEMALE)
    for d in loaded.dossiers:
        assert d.applicant_name_folded == fold(d.applicant_name)
        assert d.phone is None or re.fullmatch(r"0[35789]\d{8}", d.phone), d.phone
        assert d.phone or d.email
        if d.applicant_kind == "person":
            assert d.id_number is not None and id_number_problem(d.id_number, NOW.date()) is None, d.id_number
            parts = d.applicant_name.split()
            assert parts[0] in surnames and parts[-1] in given, d.applicant_name
        else:
            assert d.tax_code and re.fullmatch(r"\d{10}", d.tax_code)
        version = loaded.versions[d.procedure_version_id]
        assert version.effective_from <= local(d.received_at).date()
        later = [v for v in loaded.versions.values() if v.procedure_id == version.procedure_id
                 and version.effective_from < v.effective_from <= local(d.received_at).date()]
        assert not later, d.code


def test_busy_communes_take_over_100_a_day_and_the_others_3_to_30() -> None:
    """docs/legal.md §8 (seed 001, Phú Lương "over 100 a day"): a handful of busy communes, Chí Tiên among them, plan
    over 100 dossiers a working day; every other commune plans between 3 and 30."""

    @dataclass
    class Unit:
        code: str
        kind: str

    units = [Unit(code, "phường") for code in ("07900", "08716", "04795", "08740", "07894")]
    units += [Unit(code, "xã") for code in [CHI_TIEN, *(f"{n:05d}" for n in range(9000, 9140))]]
    rates = daily_rates(units)  # type: ignore[arg-type]
    assert CHI_TIEN in BUSY_COMMUNES and 3 <= len(BUSY_COMMUNES) <= 8
    assert all(rates[code] > 100 for code in BUSY_COMMUNES)
    others = [rate for code, rate in rates.items() if code not in BUSY_COMMUNES]
    assert all(3 <= rate <= 30 for rate in others)
    assert sorted(others)[len(others) // 2] < 10  # most rural communes are at the low end


def _snapshot(session: Session) -> list[tuple[Any, ...]]:
    rows = session.execute(select(Dossier.id, Dossier.code, Dossier.status, Dossier.applicant_name, Dossier.due_at,
                                  Dossier.clock_events, Dossier.received_at).order_by(Dossier.id)).all()
    events = session.execute(select(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.action,
                                    DossierEvent.actor_name).order_by(DossierEvent.id)).all()
    return [tuple(r) for r in rows] + [tuple(e) for e in events]


def test_the_forked_generator_writes_the_same_rows_as_the_serial_one(fresh_db: Database) -> None:
    """Generating in a forked process while this one inserts is an optimisation only: same seed, same rows."""
    with Session(fresh_db.engine) as session:
        with session.begin():
            serial = load_demo_dossiers(session, province_code="01", now=NOW, months=1, scale=0.05, parallel=False)
            first = _snapshot(session)
            session.rollback()
        with session.begin():
            forked = load_demo_dossiers(session, province_code="01", now=NOW, months=1, scale=0.05, parallel=True)
            second = _snapshot(session)
    assert serial.dossiers == forked.dossiers > 100
    assert first == second


def test_numbers_already_issued_are_kept_and_a_province_without_officers_is_named_by_role(
        fresh_db: Database) -> None:
    """Art. 28: a body's day that already has numbers continues after them (the counter is raised, not reset).
    Where no demo officers exist, the timeline names the role and leaves the officer empty."""
    with Session(fresh_db.engine) as session, session.begin():
        load_demo_dossiers(session, province_code="01", now=NOW, months=1, scale=0.05, parallel=False)
        d = session.scalars(select(Dossier).order_by(Dossier.id).limit(1)).one()
        agency, day = d.code.rsplit("-", 2)[0], local(d.received_at).date()
        issued = session.scalar(select(DossierCodeCounter.last_seq).where(DossierCodeCounter.agency_id == agency,
                                                                          DossierCodeCounter.day == day))
        session.rollback()
    with Session(fresh_db.engine) as session, session.begin():
        session.add(DossierCodeCounter(agency_id=agency, day=day, last_seq=7))  # seven issued at the counter
        session.flush()
        load_demo_dossiers(session, province_code="01", now=NOW, months=1, scale=0.05)
        codes = session.scalars(select(Dossier.code).where(Dossier.code.like(f"{agency}-{day:%y%m%d}-%"))).all()
        counter = session.scalar(select(DossierCodeCounter.last_seq).where(DossierCodeCounter.agency_id == agency,
                                                                           DossierCodeCounter.day == day))
        events = session.scalars(select(DossierEvent).limit(50)).all()
        assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(8, 8 + (issued or 0)))
        assert counter == 7 + (issued or 0)
        assert all(e.actor_id is None and e.actor_name for e in events)
        assert session.scalar(select(func.count()).select_from(Dossier).where(Dossier.handler_id.is_not(None))) == 0


def test_demo_activity_gives_every_group_of_version_2_plausible_values(loaded: Loaded, tmp_path: Path) -> None:
    """docs/legal.md §7, version 2: with the demo's files, ratings and feedback cases, February 2026 of the showcase
    commune scored by version 2's formulas has every group live but transparency (1.1–1.3 are the province's, 1.4
    needs the portal sync), with plausible rates: electronic results near 7 in 10 of the results issued, most
    dossiers digitised, 5.4 near full. Loading twice loads once."""
    store = FileStore(tmp_path / "files")
    with Session(loaded.database.engine) as session, session.begin():
        activity = load_demo_activity(session, province_code="25", now=NOW, store=store)
        index_tasks.rebuild(session, NOW)
        while index_tasks.fold(session, NOW, batch=5000).pending_left:
            pass
    with Session(loaded.database.engine) as session, session.begin():
        assert load_demo_activity(session, province_code="25", now=NOW, store=store).skipped
        february = parse_period("2026-02", NOW.date())
        counters = rollup_counters(session, "25", february)[CHI_TIEN]
        card = scorecard(metric_set_by_id("766-v2"), counters, catalogue_counters(session, february.start))
    assert activity.documents > 0 and activity.ratings > 0 and activity.cases > 0
    live = {r.group for r in card.indicators if r.status == "ok"}
    assert live == {"progress", "online_service", "online_payment", "digitisation", "satisfaction"}
    assert 0.5 < float(card.indicator("4.1").rate or 0) < 0.9
    assert float(card.indicator("4.2").rate or 0) > 0.6
    assert float(card.indicator("5.4").points or 0) > 4


def test_the_demo_front_desk_has_two_counters_at_chi_tien_once(loaded: Loaded) -> None:
    """Issue 18's first slice: Xã Chí Tiên's centre has a counter for civil status and certification and one for
    the other fields; loading the organisation again adds none."""
    from motcua.queue.models import QueueCounter

    with Session(loaded.database.engine) as session, session.begin():
        load_demo_org(session, now=NOW, demo=True)
        counters = session.execute(select(QueueCounter.commune_code, QueueCounter.number, QueueCounter.fields)
                                   .order_by(QueueCounter.id)).all()
    assert [tuple(c) for c in counters] == [
        ("08218", 1, "civil_status,certification"),
        ("08218", 2, "land,social_protection,business,other"),
    ]
