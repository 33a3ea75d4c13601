"""The audit log is append-only and hash-chained: an edit or deletion of a past row is detected and named."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from motcua.audit.actions import record
from motcua.audit.models import AuditEvent
from motcua.audit.queries import verify_chain
from motcua.base.principal import Principal
from motcua.cli import app as cli
from motcua.config import get_settings
from tests.factories import T0, login, make_officer

ACTOR = Principal(kind="officer", id=7, name="canbo", province_code="25", commune_code="08218")


def tamper(conn, sql, params):
    """What someone with the database owner's rights can do: drop the append-only triggers, then edit."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
    else:
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("DROP TRIGGER audit_event_no_delete"))
    conn.execute(text(sql), params)


def _write(session, n):
    for i in range(n):
        record(session, actor=ACTOR, action="test.event", now=T0, object_kind="thing", object_id=i,
               province_code="25", commune_code="08218", data={"i": i, "tên": "Đức"})
    session.commit()


def test_a_clean_chain_verifies(session):
    before = verify_chain(session)
    _write(session, 20)
    result = verify_chain(session)
    assert result.ok and result.checked == before.checked + 20


def test_an_edited_row_is_named(session):
    _write(session, 10)
    target = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1).offset(4)).one()
    tamper(session.connection(), "UPDATE audit_event SET data = :d WHERE seq = :s", {"d": '{"i":999}', "s": target})
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == target and "changed" in (result.problem or "")


def test_a_deleted_row_is_named(session):
    _write(session, 10)
    target = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1).offset(3)).one()
    tamper(session.connection(), "DELETE FROM audit_event WHERE seq = :s", {"s": target})
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == target


def test_deleting_the_newest_rows_is_detected(session):
    _write(session, 5)
    last = session.execute(select(func.max(AuditEvent.seq))).scalar_one()
    tamper(session.connection(), "DELETE FROM audit_event WHERE seq = :s", {"s": last})
    result = verify_chain(session)
    assert not result.ok and result.bad_seq == last


@pytest.mark.parametrize("sql", ["UPDATE audit_event SET data = '{}'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_edit_or_delete_events(session, sql):
    """Append-only: the application's own connection cannot change a written event."""
    _write(session, 2)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(sql))
    assert verify_chain(session).ok


def test_the_event_is_written_in_the_same_transaction_as_the_change(session):
    """House rule 3: a rolled-back action leaves no audit event behind, and no gap in the chain."""
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    _write(session, 1)
    record(session, actor=ACTOR, action="test.rolled_back", now=T0)
    session.rollback()
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == count + 1
    _write(session, 1)
    assert verify_chain(session).ok


def test_reading_personal_data_is_an_event(client, session):
    reader = make_officer(session, username="nguoidoc")
    target = make_officer(session, username="duocdoc", full_name="Trần Thị Lan")
    login(client, "nguoidoc")
    assert "Trần Thị Lan" in client.get(f"/officers/{target.id}").text
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data.read")
                            .order_by(AuditEvent.seq.desc())).first()
    assert event is not None and event.object_id == str(target.id) and event.actor_id == str(reader.id)


def test_cli_verify_passes_then_fails_naming_the_edited_row(fresh_db, monkeypatch):
    """`motcua audit verify` on a real database: exit 0 on a clean log, exit 1 naming the row after an edit."""
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    get_settings.cache_clear()
    try:
        from sqlalchemy.orm import Session

        with Session(fresh_db.engine) as session:
            before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0  # the catalogue import
            _write(session, 12)
        runner = CliRunner()
        ok = runner.invoke(cli, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert f"{before + 12} sự kiện" in ok.output
        with fresh_db.engine.begin() as conn:
            tamper(conn, "UPDATE audit_event SET actor_id = '999' WHERE seq = 7", {})
        bad = runner.invoke(cli, ["audit", "verify"])
        assert bad.exit_code == 1
        assert "row 7" in bad.output
    finally:
        get_settings.cache_clear()
