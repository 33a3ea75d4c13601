"""Published monthly rankings frozen with a hash (SQLite and PostgreSQL): publish, verify, tampering found.

Dossiers are received and handled in October 2026 through the real actions, folded, and October is published on
Mon 23/11/2026 (the clock of the test harness). HKD (đăng ký hộ kinh doanh) has a 3-working-day limit: received
Mon 5/10 10:00, it is due Thu 8/10 17:00.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from motcua.audit.models import AuditEvent
from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.index import definitions
from motcua.index.actions import publish_snapshot
from motcua.index.models import IndexSnapshot
from motcua.index.snapshots import verify_snapshot
from motcua.index.tasks import fold
from motcua.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from motcua.report.queries.snapshots import get_snapshot_for, list_snapshots, snapshot_view
from tests.factories import CHI_TIEN, T0, intake_data, make_officer, other_commune, principal_of, staff

OCT_5 = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)  # Mon 5/10/2026 10:00 in Vietnam
OCTOBER = date(2026, 10, 1)


def handle(session: Session, team: dict, store: FileStore, received: datetime, decided: datetime,
           **intake: object) -> Dossier:
    """Receive at the counter, transfer, assign, submit and approve (processed at ``decided``)."""
    d = receive_dossier(session, actor=team["reception"], data=intake_data(**intake), uploads=(), store=store,
                        now=received).dossier
    for who, action, at, extra in (
            ("reception", Action.TRANSFER, received + timedelta(hours=1), {}),
            ("approver", Action.ASSIGN, received + timedelta(hours=2), {"handler_id": team["specialist"].id}),
            ("specialist", Action.SUBMIT_FOR_APPROVAL, decided - timedelta(hours=1), {}),
            ("approver", Action.APPROVE, decided, {"note": "GCN số 12/HKD"})):
        d = perform(session, actor=team[who], dossier_id=d.id, action=action,
                    data=ActionIn(version=d.version, **extra), now=at)
    return d


@pytest.fixture
def october(session: Session, tmp_path) -> dict:
    """Chí Tiên: two dossiers on time, one late; commune B: one on time. All folded."""
    store = FileStore(tmp_path / "files")
    commune_b = other_commune(session)
    mine, theirs = staff(session), staff(session, commune_b)
    on_time = [handle(session, mine, store, OCT_5 + timedelta(days=i), OCT_5 + timedelta(days=i + 1))
               for i in range(2)]
    late = handle(session, mine, store, OCT_5, OCT_5 + timedelta(days=7))
    b = handle(session, theirs, store, OCT_5, OCT_5 + timedelta(days=1))
    fold(session, T0)
    monitor = make_officer(session, commune_code=None, username="tinh.theodoi", roles=(Role.PROVINCE_MONITOR,))
    return {"on_time": on_time, "late": late, "b": b, "commune_b": commune_b,
            "monitor": principal_of(monitor, Role.PROVINCE_MONITOR), "team": mine}


def test_publish_then_verify_is_ok(session: Session, october: dict) -> None:
    snapshot = publish_snapshot(session, actor=october["monitor"], province_code="25", month=OCTOBER, now=T0)
    content = json.loads(snapshot.content)
    assert snapshot.month == OCTOBER and snapshot.metric_set == content["metric_set"] == "766-v1"
    assert len(snapshot.digest) == 64 and len(content["communes"]) == 148
    chi_tien = next(c for c in content["communes"] if c["code"] == CHI_TIEN)
    assert chi_tien["counters"]["counted"] == 3 and chi_tien["counters"]["on_time"] == 2
    assert [line[0] for line in chi_tien["dossiers"]] == sorted(d.id for d in [*october["on_time"], october["late"]])
    late_line = next(line for line in chi_tien["dossiers"] if line[0] == october["late"].id)
    assert late_line[1] == october["late"].code and late_line[5] is False and late_line[6] == "finished_late"
    b = next(c for c in content["communes"] if c["code"] == october["commune_b"])
    # B had everything on time, Chí Tiên did not: B ranks above; communes without dossiers have no rank.
    assert (b["rank"], chi_tien["rank"]) == (1, 2)
    assert content["communes"][0]["code"] == october["commune_b"]
    assert sum(1 for c in content["communes"] if c["rank"] is None) == 146
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "index.snapshot_published")).one()
    assert json.loads(event.data)["digest"] == snapshot.digest and event.object_id == str(snapshot.id)

    check = verify_snapshot(session, snapshot.id, T0 + timedelta(days=30))
    assert check.ok, check.reasons
    assert check.dossiers_checked == 4
    view = snapshot_view(snapshot)
    assert view.ranked == 2 and view.dossiers == 4
    assert [s.id for s in list_snapshots(session, october["monitor"])] == [snapshot.id]


def test_a_dossier_edited_behind_the_snapshot_is_named(session: Session, october: dict) -> None:
    """Someone moves a dossier's end of processing past its due date directly in the database: the ranking's
    numbers and the commune's dossier digest change, and the check names the dossier and its commune."""
    snapshot = publish_snapshot(session, actor=SYSTEM, province_code="25", month=OCTOBER, now=T0)
    edited = october["on_time"][0]
    session.execute(update(Dossier).where(Dossier.id == edited.id)
                    .values(processed_at=OCT_5 + timedelta(days=10)))
    check = verify_snapshot(session, snapshot.id, T0)
    assert not check.ok
    assert check.content_intact and check.record_intact  # the snapshot row itself is untouched
    assert [c.commune_code for c in check.communes] == [CHI_TIEN]
    assert check.changed_dossier_ids == [edited.id]
    change = check.communes[0]
    assert any(n.field == "counters.on_time" and (n.published, n.now) == (2, 1) for n in change.numbers)
    dossier_change = change.dossiers[0]
    assert dossier_change.kind == "changed" and dossier_change.code == edited.code
    assert {name for name, _old, _new in dossier_change.fields} >= {"ended_at", "on_time", "reason"}
    text = "\n".join(check.reasons)
    assert "Chí Tiên (08218)" in text and edited.code in text and "thời điểm kết thúc xử lý" in text


def test_a_dossier_moved_out_of_the_month_is_named_as_removed(session: Session, october: dict) -> None:
    snapshot = publish_snapshot(session, actor=SYSTEM, province_code="25", month=OCTOBER, now=T0)
    moved = october["b"]
    session.execute(update(Dossier).where(Dossier.id == moved.id)
                    .values(received_at=datetime(2026, 11, 2, 3, 0, tzinfo=UTC)))
    check = verify_snapshot(session, snapshot.id, T0)
    changes = {c.commune_code: c for c in check.communes}
    assert [(d.dossier_id, d.kind) for d in changes[october["commune_b"]].dossiers] == [(moved.id, "removed")]
    # B leaves the ranking, so Chí Tiên moves up: its numbers changed, none of its dossiers did.
    assert ("rank", 2, 1) in [(n.field, n.published, n.now) for n in changes[CHI_TIEN].numbers]
    assert all(n.field.endswith("rank") for n in changes[CHI_TIEN].numbers)
    assert not changes[CHI_TIEN].dossiers and check.changed_dossier_ids == [moved.id]


def test_an_edited_snapshot_row_is_found(session: Session, october: dict) -> None:
    snapshot = publish_snapshot(session, actor=SYSTEM, province_code="25", month=OCTOBER, now=T0)
    content = json.loads(snapshot.content)
    chi_tien = next(c for c in content["communes"] if c["code"] == CHI_TIEN)
    chi_tien["percent"] = "99.99"
    from motcua.audit.actions import canonical_json

    session.execute(update(IndexSnapshot).where(IndexSnapshot.id == snapshot.id)
                    .values(content=canonical_json(content)))
    session.expire_all()
    check = verify_snapshot(session, snapshot.id, T0)
    assert not check.ok and not check.content_intact
    assert any("Nội dung bị sửa" in p for p in check.problems)
    assert [c.commune_code for c in check.communes] == [CHI_TIEN]  # the edited number is named too
    assert check.communes[0].numbers[0].field == "percent" and check.communes[0].numbers[0].published == "99.99"

    # Editing the digest with the content does not help: the audit log kept the published digest.
    from motcua.index.snapshots import sha256

    session.execute(update(IndexSnapshot).where(IndexSnapshot.id == snapshot.id)
                    .values(digest=sha256(canonical_json(content))))
    session.expire_all()
    check = verify_snapshot(session, snapshot.id, T0)
    assert check.content_intact and not check.record_intact and not check.ok
    assert any("nhật ký kiểm toán" in p for p in check.problems)


def test_the_current_month_and_a_second_publication_are_refused(session: Session, october: dict) -> None:
    monitor = october["monitor"]
    with pytest.raises(ValidationFailed, match="chưa kết thúc"):
        publish_snapshot(session, actor=monitor, province_code="25", month=date(2026, 11, 1), now=T0)
    # 30/11 at 23:30 in Vietnam is still November even though it is the 30th at 16:30 UTC.
    with pytest.raises(ValidationFailed):
        publish_snapshot(session, actor=monitor, province_code="25", month=date(2026, 11, 1),
                         now=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    publish_snapshot(session, actor=monitor, province_code="25", month=OCTOBER, now=T0)
    with pytest.raises(Conflict, match="đã được công bố"):
        publish_snapshot(session, actor=monitor, province_code="25", month=date(2026, 10, 17), now=T0)
    assert session.scalar(select(func.count()).select_from(IndexSnapshot)) == 1


def test_only_the_province_may_publish(session: Session, october: dict) -> None:
    with pytest.raises(Forbidden):
        publish_snapshot(session, actor=october["team"]["director"], province_code="25", month=OCTOBER, now=T0)
    clerk = make_officer(session, commune_code=None, username="tinh.vanthu", roles=(Role.RECEPTION,))
    with pytest.raises(Forbidden):
        publish_snapshot(session, actor=principal_of(clerk, Role.RECEPTION), province_code="25", month=OCTOBER,
                         now=T0)
    with pytest.raises(NotFound):
        publish_snapshot(session, actor=october["monitor"], province_code="01", month=OCTOBER, now=T0)
    other = publish_snapshot(session, actor=SYSTEM, province_code="01", month=OCTOBER, now=T0)
    with pytest.raises(NotFound):
        get_snapshot_for(session, october["monitor"], other.id)


def test_the_command_line_publishes_and_verifies(fresh_db, monkeypatch, tmp_path) -> None:
    """``publish`` and ``verify`` on a database that really commits; verify exits 1 and says why."""
    from typer.testing import CliRunner

    from motcua.config import get_settings
    from motcua.index.cli import app

    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    monkeypatch.setenv("MOTCUA_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        published = runner.invoke(app, ["publish", "--province", "25", "--month", "2025-08"])
        assert published.exit_code == 0, published.output
        snapshot_id = re.search(r"bản số (\d+)", published.output)
        assert snapshot_id, published.output
        ok = runner.invoke(app, ["verify", snapshot_id.group(1)])
        assert ok.exit_code == 0 and "khớp" in ok.output, ok.output
        again = runner.invoke(app, ["publish", "--province", "25", "--month", "2025-08"])
        assert again.exit_code == 2 and "đã được công bố" in again.output
        with Session(fresh_db.engine) as s, s.begin():
            s.execute(update(IndexSnapshot).values(content=IndexSnapshot.content + " "))
        failed = runner.invoke(app, ["verify", snapshot_id.group(1)])
        assert failed.exit_code == 1 and "Nội dung bị sửa" in failed.output, failed.output
        assert runner.invoke(app, ["verify", "999"]).exit_code == 2
    finally:
        get_settings.cache_clear()


def test_a_published_snapshot_keeps_the_version_it_was_computed_with(session: Session, october: dict,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/legal.md §7: a new definition version never rewrites a published month. Even if a version covering
    October shipped later, October's snapshot is verified by version 1, the one it was computed with."""
    snapshot = publish_snapshot(session, actor=october["monitor"], province_code="25", month=OCTOBER, now=T0)
    assert snapshot.metric_set == "766-v1"
    v1, v2 = definitions.metric_set_by_id("766-v1"), definitions.metric_set_by_id("766-v2")
    backdated = dataclasses.replace(v2, valid_from=OCTOBER)
    monkeypatch.setattr(definitions, "all_metric_sets", lambda: (v1, backdated))
    assert definitions.metric_set_for(OCTOBER).id == "766-v2"
    check = verify_snapshot(session, snapshot.id, T0)
    assert check.ok, check.reasons
