"""The set-based full rebuild (``index.rebuild``) writes exactly what the per-dossier fold writes (SQLite and
PostgreSQL).

The rule checked: a full rebuild is only a faster way to compute the index of Decision 766 (docs/legal.md §7,
2.1 judged month by month at the end of processing or the month's end, the received-month counters of group 3);
it must not change a single contribution or rollup. So each test builds dossiers, computes the index the old way
(every dossier queued and folded, ``index.tasks``), snapshots **every column of every row** of
``index_contribution`` and both rollups, rebuilds set-based and compares. The comparison is generic over the
tables' columns: a column added to the contribution without its SQL in ``index.rebuild`` fails here.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, func, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from motcua.calendar import LedgerError
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.catalog.models import ProcedureVersion
from motcua.cli import app as cli
from motcua.config import get_settings
from motcua.demo.dossiers import load_demo_dossiers
from motcua.dossier.actions import mark_paid_online, perform, receive_dossier
from motcua.dossier.clock import event_to_json, ledger_of
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier, DossierDocument
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.index.actions import queue_fold, record_rating
from motcua.index.models import IndexContribution, IndexPending, IndexRollup, IndexRollupCommune
from motcua.index.rebuild import rebuild_index, validate_after_rebuild
from motcua.index.tasks import fold, rebuild
from motcua.kit.clock import as_utc
from tests.factories import T0, intake_data, other_commune, staff, supplemented_late_for_the_index

TABLES: tuple[Table, ...] = (IndexContribution.__table__, IndexRollup.__table__,  # type: ignore[assignment]
                             IndexRollupCommune.__table__)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _snapshot(session: Session) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of the three tables, keyed by primary key, with every column."""
    snapshot = {}
    for table in TABLES:
        key = [c.name for c in table.primary_key]
        rows = {}
        for row in session.execute(select(table)):
            values = {c.name: _value(row._mapping[c.name]) for c in table.columns}
            rows[tuple(values[k] for k in key)] = values
        snapshot[table.name] = rows
    return snapshot


def _fold_everything(session: Session, now: datetime) -> None:
    """Today's way: forget the index, queue every dossier, fold until the queue is empty."""
    rebuild(session, now)
    while fold(session, now, batch=500).pending_left:
        pass


def _assert_equivalent(session: Session, now: datetime) -> Any:
    _fold_everything(session, now)
    folded = _snapshot(session)
    report = rebuild_index(session, now)
    rebuilt = _snapshot(session)
    for table in TABLES:
        assert set(rebuilt[table.name]) == set(folded[table.name]), table.name
        for key, row in folded[table.name].items():
            assert set(row) == {c.name for c in table.columns}
            assert rebuilt[table.name][key] == row, (table.name, key)
    assert session.scalar(select(func.count()).select_from(IndexPending)) == 0
    return report


def _act(session: Session, who: Any, dossier: Dossier, action: Action, now: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=dossier.id, action=action,
                   data=ActionIn(version=dossier.version, **data), now=now)


def test_real_actions_give_the_same_index(session: Session, store: FileStore) -> None:
    """Dossiers taken through the real actions (3 working days, received Mon 23/11/2026 10:00, due Fri 27/11 17:00;
    Tue 24/11 is not a working day): finished on time, open and late at the end of November and still open in
    December, waiting for a supplement across the month's end, supplemented once and then open under the
    restarted clock, extended once, filed online by the citizen and paid online, filed online by an officer,
    withdrawn, incomplete at intake (no clock), and the portal's example late for the index but on time for the
    citizen. Judged on Wed 9/12/2026, so every open one contributes to November and December. (A second
    supplement request cannot be made through the actions any more; the demo mix and the generated clocks below
    have some.)"""
    team = staff(session)
    received = [receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                                now=T0).dossier for _ in range(9)]
    on_time, open_late, waiting, supplied, extended, withdrawn, paid, index_on_time, index_late = received

    def appraise(d: Dossier) -> Dossier:
        d = _act(session, team["reception"], d, Action.TRANSFER, T0 + timedelta(hours=1))
        return _act(session, team["approver"], d, Action.ASSIGN, T0 + timedelta(hours=1),
                    handler_id=team["specialist"].id)

    on_time = appraise(on_time)
    on_time = _act(session, team["specialist"], on_time, Action.SUBMIT_FOR_APPROVAL, T0 + timedelta(days=1))
    on_time = _act(session, team["approver"], on_time, Action.APPROVE, T0 + timedelta(days=1, hours=1),
                   note="GCN số 12/HKD")
    appraise(open_late)
    waiting = appraise(waiting)
    _act(session, team["specialist"], waiting, Action.REQUEST_SUPPLEMENT, T0 + timedelta(hours=2),
         note="Bổ sung bản sao hợp đồng thuê")
    supplied = appraise(supplied)
    supplied = _act(session, team["specialist"], supplied, Action.REQUEST_SUPPLEMENT, T0 + timedelta(hours=2),
                    note="Bổ sung bản sao hợp đồng thuê")
    _act(session, team["reception"], supplied, Action.RECEIVE_SUPPLEMENT, T0 + timedelta(days=3))
    extended = appraise(extended)
    _act(session, team["specialist"], extended, Action.EXTEND, T0 + timedelta(days=1),
         note="Xin lỗi, cần xác minh thêm", new_due_date="2026-12-04")
    # Supplement asked Mon 23/11 11:30, complete Thu 26/11 09:00 (a wait of 69 h 30 min; the restarted clock is due
    # Tue 1/12 17:00), approved Mon 30/11 at 14:00 or 15:00: 30/11 14:00 − 69 h 30 = 27/11 16:30, within the first
    # appointment (27/11 17:00) — on time for the index too; 15:00 gives 17:30, late for the index only.
    for dossier, approved in ((index_on_time, 14), (index_late, 15)):
        dossier = appraise(dossier)
        dossier = _act(session, team["specialist"], dossier, Action.REQUEST_SUPPLEMENT,
                       T0 + timedelta(hours=1, minutes=30), note="Bổ sung bản sao hợp đồng thuê")
        dossier = _act(session, team["reception"], dossier, Action.RECEIVE_SUPPLEMENT,
                       datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
        dossier = _act(session, team["specialist"], dossier, Action.SUBMIT_FOR_APPROVAL,
                       datetime(2026, 11, 30, approved - 8, tzinfo=UTC))
        _act(session, team["approver"], dossier, Action.APPROVE, datetime(2026, 11, 30, approved - 7, tzinfo=UTC),
             note="GCN số 13/HKD")
    withdrawn = appraise(withdrawn)
    _act(session, team["reception"], withdrawn, Action.WITHDRAW, T0 + timedelta(days=1), note="Công dân rút hồ sơ")
    mark_paid_online(session, actor=team["reception"], dossier=paid, order_ref="VNPAY-1", now=T0)
    session.execute(update(Dossier).where(Dossier.id == paid.id).values(channel=2, filed_by="citizen"))
    incomplete = intake_data(outcome="incomplete", reasons="Thiếu giấy đề nghị")
    receive_dossier(session, actor=team["reception"], data=incomplete, uploads=(), store=store, now=T0)  # no clock
    other = other_commune(session)
    other_team = staff(session, other)
    assisted = receive_dossier(session, actor=other_team["reception"], data=intake_data(), uploads=(), store=store,
                               now=T0).dossier
    session.execute(update(Dossier).where(Dossier.id == assisted.id).values(channel=2, filed_by="officer"))
    supplemented_late_for_the_index(session, team, store)
    # Version 2's facts (index.facts.version_2_flags): a stored result and scanned inputs (4.1, 4.2), a fee owed and
    # paid online (3.5–3.6), an identity checked at intake (4.5b), a dissatisfied rating and a feedback case (5.4).
    # Issue 17: the result signed digitally (4.1 counts only those), an item reusing the citizen's store (4.3) and
    # the dossiers of a person with an ID number holding documents (4.4).
    stored = []
    for dossier, kind, signature in ((on_time, "result", "digital"), (on_time, "input", None),
                                     (index_late, "input", None), (index_late, "result", "paper")):
        stored.append(DossierDocument(dossier_id=dossier.id, kind=kind, name=kind, file_key=f"k-{dossier.id}-{kind}",
                                      file_name=f"{kind}.pdf", content_type="application/pdf", size=1, uploaded_at=T0,
                                      signature=signature))
    session.add_all(stored)
    session.flush()
    session.add(DossierDocument(dossier_id=paid.id, kind="input", name="reused", file_key=stored[0].file_key,
                                file_name="result.pdf", content_type="application/pdf", size=1, uploaded_at=T0,
                                reused_from_id=stored[0].id))
    session.execute(update(Dossier).where(Dossier.id == paid.id).values(owed_fee_vnd=100_000, identity_verified=True))
    record_rating(session, dossier_id=on_time.id, satisfied=False, at=T0 + timedelta(days=2))
    record_rating(session, dossier_id=index_on_time.id, satisfied=True, at=T0 + timedelta(days=8))
    session.flush()
    report = _assert_equivalent(session, datetime(2026, 12, 9, 3, 0, tzinfo=UTC))
    counted = {c: sum(bool(getattr(r, c)) for r in session.scalars(select(IndexContribution)))
               for c in ("e_results", "digitised", "owed_fee_paid_online", "vneid_verified", "unsatisfactory_dossiers",
                         "reused_from_store", "linked_to_store")}
    assert all(counted.values()), counted  # every kind of fact was exercised, not only zeros
    assert report.dossiers_sql >= 2 and report.dossiers_python >= 4  # both paths were taken
    verdicts = {(c.dossier_id, c.on_time, c.on_time_index) for c in session.scalars(select(IndexContribution))}
    assert {(index_on_time.id, True, True), (index_late.id, True, False)} <= verdicts


def test_a_realistic_mix_gives_the_same_index(session: Session) -> None:
    """The demo loader's three months of Phú Thọ (rows as the real actions write them: same-day certifications,
    20-working-day land procedures, supplements once and twice, the one extension, refusals, withdrawals, stops,
    dossiers filed online by citizens and by officers, a few still open and some of them overdue)."""
    now = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
    loaded = load_demo_dossiers(session, province_code="25", now=now, months=3, scale=0.01, parallel=False)
    assert loaded.dossiers > 300
    report = _assert_equivalent(session, now)
    assert report.dossiers_sql > report.dossiers_python > 0


def test_a_dossier_queued_during_the_rebuild_is_folded_after_it(session: Session, store: FileStore) -> None:
    """The queue rows present at the start are the rebuild's; one added meanwhile (an action committing while it
    runs) is left for the worker's fold, which then judges that dossier again."""
    team = staff(session)
    first = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                            now=T0).dossier
    second = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                             now=T0).dossier
    assert session.scalar(select(func.count()).select_from(IndexPending)) == 2
    now = T0 + timedelta(hours=2)
    report = rebuild_index(session, now, progress=lambda _: queue_fold(session, [second.id]))
    queued = session.scalars(select(IndexPending.dossier_id)).all()
    assert report.pending_kept == len(queued) >= 1 and set(queued) == {second.id}
    assert report.dossiers_sql == 2 and report.contributions == 2
    assert fold(session, now).dossiers == 1
    assert {r.dossier_id for r in session.scalars(select(IndexContribution))} == {first.id, second.id}


def test_python_only_judges_every_dossier_in_python(session: Session, store: FileStore) -> None:
    """``motcua index rebuild --python``: the same index, with no SQL judgement (after a calendar change the
    tables cannot show)."""
    team = staff(session)
    receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store, now=T0)
    now = T0 + timedelta(hours=2)
    _fold_everything(session, now)
    folded = _snapshot(session)
    report = rebuild_index(session, now, python_only=True)
    assert (report.dossiers_sql, report.dossiers_python) == (0, 1)
    assert _snapshot(session) == folded


# ------------------------------------------------------------------------------------ generated clocks


@dataclass(frozen=True)
class Shape:
    """One generated dossier: when it was received, what happened to its clock (hours after the previous event),
    and how it ended."""

    received_hours: int
    version: int
    steps: tuple[tuple[str, float], ...]
    end: str
    end_after: float
    online: int


_STEP = st.tuples(st.sampled_from(["hand_over", "supplement", "supplement_done", "fee", "fee_paid", "extend"]),
                  st.floats(min_value=0.5, max_value=400))
_SHAPE = st.builds(Shape, received_hours=st.integers(0, 24 * 80), version=st.integers(0, 1),
                   steps=st.lists(_STEP, max_size=5).map(tuple), end=st.sampled_from(["processed", "ended", "open"]),
                   end_after=st.floats(min_value=0.5, max_value=24 * 40), online=st.integers(0, 2))


_SERIAL = itertools.count(1)


def _store_shape(session: Session, template: Dossier, versions: list[ProcedureVersion], shape: Shape,
                 now: datetime) -> None:
    """A dossier row with a clock that the ledger accepts, stored as the actions would (``due_at`` as of the last
    clock event, ``original_due_at`` the first promise)."""
    calendar, hours = calendar_for_province(session, "25"), working_hours_for(session, "25")
    version = versions[shape.version]
    received = datetime(2026, 9, 1, 1, 0, tzinfo=UTC) + timedelta(hours=shape.received_hours)
    if received >= now:
        return
    events = [{"type": "started", "at": received.isoformat(), "amount": str(version.time_limit_amount),
               "unit": version.time_limit_unit}]
    ledger = ledger_of(events, calendar, hours, version.data)
    original = ledger.due(received)
    at = received
    steps = [s["key"] for s in version.data.get("process", [])]
    for kind, after in shape.steps:
        at = at + timedelta(hours=after)
        if at >= now:
            break
        try:
            if kind == "hand_over" and steps:
                ledger = ledger.hand_over(at, steps[int(after) % len(steps)])
            elif kind == "supplement":
                ledger = ledger.pause(at, "supplement")
            elif kind == "supplement_done":
                ledger = ledger.restart_from_zero(at)
            elif kind == "fee":
                ledger = ledger.pause(at, "fee")
            elif kind == "fee_paid":
                ledger = ledger.resume(at)
            elif kind == "extend":
                ledger = ledger.extend(at, ledger.due(at) + timedelta(days=3), "Văn bản xin lỗi số 1")
        except LedgerError:
            continue
    end = at + timedelta(hours=shape.end_after)
    values: dict[str, Any] = {"status": "in_appraisal", "processed_at": None, "returned_at": None, "ended_at": None}
    if shape.end != "open" and end < now:
        ledger = ledger.finish(end)
        if shape.end == "processed":
            values.update(status="returned", processed_at=end, returned_at=end + timedelta(hours=3))
        else:
            values.update(status="withdrawn", ended_at=end)
    last = ledger.events[-1].at
    new = {c.name: getattr(template, c.key) for c in Dossier.__table__.columns if c.name not in ("id",)}
    new.update(code=f"{template.code}-{next(_SERIAL)}",
               received_at=received, created_at=received, clock_events=[event_to_json(e) for e in ledger.events],
               due_at=ledger.due(last), original_due_at=original, procedure_version_id=version.id,
               channel=2 if shape.online else 1, filed_by="citizen" if shape.online == 1 else "officer",
               paid_online=shape.online == 1, supplement_count=0, extended=False, idempotency_key=None,
               idempotency_scope=None, **values)
    session.execute(Dossier.__table__.insert().values(**new))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(shapes=st.lists(_SHAPE, min_size=1, max_size=8), now_hours=st.integers(24 * 30, 24 * 120))
def test_generated_clocks_give_the_same_index(session: Session, store: FileStore, shapes: list[Shape],
                                              now_hours: int) -> None:
    """Clocks generated at random (hand-overs, supplements asked and completed or pending, fee pauses, the one
    extension, finished, withdrawn or open, across several months) and judged at a random instant."""
    team = staff(session) if not session.scalar(select(func.count()).select_from(Dossier)) else None
    template = session.scalars(select(Dossier).order_by(Dossier.id).limit(1)).first()
    if template is None:
        assert team is not None
        template = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                                   now=datetime(2026, 9, 1, 1, 0, tzinfo=UTC)).dossier
    versions = [session.get_one(ProcedureVersion, template.procedure_version_id),
                session.scalars(select(ProcedureVersion).where(ProcedureVersion.time_limit_unit == "working_days",
                                                               ProcedureVersion.time_limit_amount >= 10)
                                .order_by(ProcedureVersion.id).limit(1)).one()]
    now = datetime(2026, 9, 1, 1, 0, tzinfo=UTC) + timedelta(hours=now_hours)
    for shape in shapes:
        _store_shape(session, template, versions, shape, now)
    _assert_equivalent(session, now)


def test_the_command_rebuilds_and_says_how_many_dossiers(fresh_db: Any, monkeypatch: Any, store: FileStore) -> None:
    """``motcua index rebuild`` (and ``--python``) on a real database: one received dossier, one contribution."""
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    get_settings.cache_clear()
    try:
        with Session(fresh_db.engine) as session:
            team = staff(session)
            receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                            now=datetime.now(UTC) - timedelta(hours=1))
            session.commit()
        for args in (["index", "rebuild"], ["index", "rebuild", "--python"]):
            result = CliRunner().invoke(cli, args)
            assert result.exit_code == 0, result.output
            assert "Đã tính lại chỉ số cho 1 hồ sơ." in result.output
            with Session(fresh_db.engine) as session:
                assert session.scalar(select(func.count()).select_from(IndexContribution)) == 1
                assert session.scalar(select(func.count()).select_from(IndexPending)) == 0
    finally:
        get_settings.cache_clear()


_SCHEMA = """
    SELECT 'index', tablename, indexname, indexdef FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename IN ('index_contribution', 'index_rollup', 'index_rollup_commune')
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid) || ' valid=' || convalidated
      FROM pg_constraint WHERE conrelid = ANY(CAST(:tables AS regclass[]))
    UNION ALL
    SELECT 'grant', table_name, grantee, privilege_type FROM information_schema.table_privileges
     WHERE table_schema = current_schema() AND table_name IN ('index_contribution', 'index_rollup',
                                                              'index_rollup_commune')
    ORDER BY 1, 2, 3, 4
"""
_TABLES = ["index_contribution", "index_rollup", "index_rollup_commune"]


def test_postgresql_swaps_in_tables_with_every_index_key_and_grant(db: Any, session: Session,
                                                                   store: FileStore) -> None:
    """PostgreSQL rebuilds into bare copies and swaps them in (``rebuild._Shadows``): afterwards the three tables
    have exactly the indexes, keys and grants they had (the migrations' schema: a reader given SELECT keeps it), the
    foreign key to the dossiers is checked by ``validate_after_rebuild``, and no copy is left behind."""
    if db.kind != "postgresql":
        pytest.skip("SQLite empties the tables in place: nothing is swapped")
    reader = f"motcua_reader_{uuid.uuid4().hex[:8]}"
    session.execute(text(f"CREATE ROLE {reader}"))
    session.execute(text(f"GRANT SELECT ON index_rollup, index_rollup_commune TO {reader}"))
    try:
        team = staff(session)
        receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store, now=T0)
        before = session.execute(text(_SCHEMA), {"tables": _TABLES}).all()
        report = rebuild_index(session, T0 + timedelta(hours=2))
        assert report.contributions == 1
        after = session.execute(text(_SCHEMA), {"tables": _TABLES}).all()
        unchecked = [row for row in after if row[3].endswith("valid=false")]
        assert [row[2] for row in unchecked] == ["fk_index_contribution_dossier_id_dossier"]
        validate_after_rebuild(session)
        assert session.execute(text(_SCHEMA), {"tables": _TABLES}).all() == before
        assert any(row[0] == "grant" and row[2] == reader for row in before)
        assert not session.scalar(text("SELECT count(*) FROM pg_tables WHERE tablename LIKE '%\\_\\_rebuild'"))
    finally:
        session.rollback()
        if session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": reader}):
            session.execute(text(f"REVOKE ALL ON index_rollup, index_rollup_commune FROM {reader}"))
            session.execute(text(f"DROP ROLE {reader}"))
            session.commit()
