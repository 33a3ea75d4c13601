"""The audit log is append-only and hash-chained, one chain per commune (plus one per province for province-level
events and one for system events): an edit or deletion of a past row is detected and named by its chain and row,
and a chain cut at its end — head row and all — is detected through the daily anchor."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from motcua.audit.actions import GENESIS_HASH, record, record_anchor
from motcua.audit.models import AuditEvent, AuditHead
from motcua.audit.queries import verify_chain
from motcua.base.principal import Principal
from motcua.cli import app as cli
from motcua.config import get_settings
from tests.factories import T0, login, make_officer

ACTOR = Principal(kind="officer", id=7, name="canbo", province_code="25", commune_code="08218")
CHAIN = "c:08218"
OTHER = "08221"  # another commune of Phú Thọ


def tamper(conn, sql, params, table="audit_event"):
    """What someone with the database owner's rights can do: drop the append-only triggers, then edit."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
        conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
    conn.execute(text(sql), params)


def _write(session, n, commune="08218", province="25"):
    for i in range(n):
        record(session, actor=ACTOR, action="test.event", now=T0, object_kind="thing", object_id=i,
               province_code=province, commune_code=commune, data={"i": i, "tên": "Đức"})
    session.commit()


def _chain(session, chain):
    return session.execute(select(AuditEvent.chain_seq, AuditEvent.prev_hash, AuditEvent.hash)
                           .where(AuditEvent.chain == chain).order_by(AuditEvent.chain_seq)).all()


def test_a_clean_chain_verifies(session):
    """Twenty events of one commune: its chain is 1..20, linked from the genesis hash, and verifies."""
    before = verify_chain(session)
    _write(session, 20)
    result = verify_chain(session)
    assert result.ok and result.checked == before.checked + 20
    rows = _chain(session, CHAIN)
    assert [r.chain_seq for r in rows] == list(range(1, 21))
    assert [r.prev_hash for r in rows] == [GENESIS_HASH] + [r.hash for r in rows[:-1]]
    assert result.chain(CHAIN) is not None and result.chain(CHAIN).checked == 20


def test_each_event_goes_to_its_communes_its_provinces_or_the_system_chain(session):
    """The chain key: the commune's when the event names one, else the province's, else the system's; each chain
    is numbered from 1 on its own and has its own head."""
    _write(session, 3)
    _write(session, 2, commune=OTHER)
    _write(session, 2, commune=None)
    _write(session, 1, commune=None, province=None)
    counts = dict(session.execute(select(AuditEvent.chain, func.count()).where(AuditEvent.action == "test.event")
                                  .group_by(AuditEvent.chain)).all())
    assert counts == {CHAIN: 3, f"c:{OTHER}": 2, "p:25": 2, "sys": 1}
    assert [r.chain_seq for r in _chain(session, f"c:{OTHER}")] == [1, 2]
    heads = dict(session.execute(select(AuditHead.chain, AuditHead.seq)).all())
    assert heads[CHAIN] == 3 and heads[f"c:{OTHER}"] == 2 and heads["p:25"] == 2
    assert verify_chain(session).ok


def test_an_edited_row_is_named_by_its_chain_and_row(session):
    """An edited row breaks its own chain only: verify names that chain and the row's place in it."""
    _write(session, 10)
    _write(session, 5, commune=OTHER)
    tamper(session.connection(), "UPDATE audit_event SET data = :d WHERE chain = :c AND chain_seq = 6",
           {"d": '{"i":999}', "c": CHAIN})
    result = verify_chain(session)
    assert not result.ok
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, 6)]
    assert "changed" in (result.broken[0].problem or "")
    other = result.chain(f"c:{OTHER}")
    assert other is not None and other.ok and other.checked == 5


def test_two_broken_chains_are_each_named(session):
    """Verify does not stop at the first broken chain: each is named with its own first bad row."""
    _write(session, 6)
    _write(session, 6, commune=OTHER)
    conn = session.connection()
    tamper(conn, "UPDATE audit_event SET actor_id = '999' WHERE chain = :c AND chain_seq = 2", {"c": CHAIN})
    tamper(conn, "DELETE FROM audit_event WHERE chain = :c AND chain_seq = 4", {"c": f"c:{OTHER}"})
    result = verify_chain(session)
    assert sorted((c.chain, c.bad_seq) for c in result.broken) == [(CHAIN, 2), (f"c:{OTHER}", 4)]


def test_a_deleted_row_is_named(session):
    _write(session, 10)
    tamper(session.connection(), "DELETE FROM audit_event WHERE chain = :c AND chain_seq = 7", {"c": CHAIN})
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, 7)]


def test_deleting_the_newest_rows_is_detected_by_the_head(session):
    """The chain's head row still says where it ended."""
    _write(session, 5)
    tamper(session.connection(), "DELETE FROM audit_event WHERE chain = :c AND chain_seq = 5", {"c": CHAIN})
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, 5)]


def test_a_row_moved_to_another_chain_is_named(session):
    """A chain holds only its commune's events. The first row of a chain links to the genesis hash like the first
    row of any other: moved, with a head, into a commune that has no chain yet, its hash and links still fit there,
    and only its place names it."""
    _write(session, 1)
    first = _chain(session, CHAIN)[0]
    conn = session.connection()
    tamper(conn, "UPDATE audit_event SET chain = :o WHERE chain = :c AND chain_seq = 1", {"o": f"c:{OTHER}",
                                                                                          "c": CHAIN})
    conn.execute(text("INSERT INTO audit_head (chain, seq, hash) VALUES (:o, 1, :h)"),
                 {"o": f"c:{OTHER}", "h": first.hash})
    result = verify_chain(session)
    assert (f"c:{OTHER}", 1) in [(c.chain, c.bad_seq) for c in result.broken]


def test_a_chain_cut_at_its_end_with_its_head_is_detected_through_the_anchor(session):
    """Someone who deletes a chain's last rows and sets its head back leaves a chain that agrees with itself; the
    latest daily anchor recorded where the chain stood, and verify names the first missing row."""
    _write(session, 4)
    assert record_anchor(session, now=T0) is not None
    _write(session, 2)  # after the anchor: these may go unseen, the anchored rows may not
    conn = session.connection()
    tamper(conn, "DELETE FROM audit_event WHERE chain = :c AND chain_seq > 2", {"c": CHAIN})
    conn.execute(text("UPDATE audit_head SET seq = 2, hash = (SELECT hash FROM audit_event WHERE chain = :c AND "
                      "chain_seq = 2) WHERE chain = :c"), {"c": CHAIN})
    result = verify_chain(session)
    assert not result.ok
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(CHAIN, 3)]
    assert "anchor" in (result.broken[0].problem or "")


def test_a_chain_cut_after_the_anchor_only_is_not_claimed_by_it(session):
    """What the anchor cannot see: rows written after it, cut together with the head, leave a chain that matches
    the anchor. (The next anchor records them; this states the limit.)"""
    _write(session, 3)
    record_anchor(session, now=T0)
    _write(session, 2)
    conn = session.connection()
    tamper(conn, "DELETE FROM audit_event WHERE chain = :c AND chain_seq > 3", {"c": CHAIN})
    conn.execute(text("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_event WHERE chain = :c AND "
                      "chain_seq = 3) WHERE chain = :c"), {"c": CHAIN})
    assert verify_chain(session).ok


def test_a_whole_chain_deleted_is_detected_through_the_anchor(session):
    """Deleting every row of a commune's chain and its head leaves nothing to walk: the anchor names the chain."""
    _write(session, 3)
    _write(session, 3, commune=OTHER)
    record_anchor(session, now=T0)
    conn = session.connection()
    tamper(conn, "DELETE FROM audit_event WHERE chain = :c", {"c": f"c:{OTHER}"})
    conn.execute(text("DELETE FROM audit_head WHERE chain = :c"), {"c": f"c:{OTHER}"})
    result = verify_chain(session)
    assert [(c.chain, c.bad_seq) for c in result.broken] == [(f"c:{OTHER}", 1)]


def test_an_anchor_is_recorded_once_a_day_and_linked_to_the_one_before(session):
    """One anchor per day in Vietnam, holding every chain's (key, seq, hash) sorted, its hash linking the
    previous anchor's; a second call on the same day records nothing."""
    _write(session, 2)
    first = record_anchor(session, now=T0)
    assert first is not None and record_anchor(session, now=T0 + timedelta(hours=3)) is None
    _write(session, 1, commune=OTHER)
    second = record_anchor(session, now=T0 + timedelta(days=1))
    assert second is not None and second.prev_hash == first.hash and first.prev_hash == GENESIS_HASH
    heads = [h[0] for h in json.loads(second.heads)]
    assert heads == sorted(heads) and {CHAIN, f"c:{OTHER}"} <= set(heads)
    result = verify_chain(session)
    assert result.ok and result.anchors.count == 2 and result.anchors.latest == second.day


def test_no_anchor_is_recorded_for_a_day_before_the_latest(session):
    """The anchors are chained in order of their days: a clock set back records none rather than break it."""
    _write(session, 1)
    assert record_anchor(session, now=T0 + timedelta(days=1)) is not None
    assert record_anchor(session, now=T0) is None
    assert verify_chain(session).ok


def test_an_edited_anchor_is_named(session):
    """The anchors are keyed and chained like the events: one edited (to move a chain's recorded head back) is
    named by its day."""
    _write(session, 3)
    anchor = record_anchor(session, now=T0)
    assert anchor is not None
    tamper(session.connection(), "UPDATE audit_anchor SET heads = :h WHERE day = :d",
           {"h": anchor.heads.replace(f'"{CHAIN}",3', f'"{CHAIN}",2'), "d": anchor.day}, table="audit_anchor")
    session.expire_all()
    result = verify_chain(session)
    assert not result.ok and result.anchors.bad_day == anchor.day and "changed" in (result.anchors.problem or "")


@pytest.mark.parametrize("sql", ["UPDATE audit_event SET data = '{}'", "DELETE FROM audit_event",
                                 "UPDATE audit_anchor SET heads = '[]'", "DELETE FROM audit_anchor"])
def test_the_database_refuses_to_edit_or_delete_events_and_anchors(session, sql):
    """Append-only: the application's own connection cannot change a written event or anchor."""
    _write(session, 2)
    record_anchor(session, now=T0)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(sql))
    assert verify_chain(session).ok


def test_the_event_is_written_in_the_same_transaction_as_the_change(session):
    """House rule 3: a rolled-back action leaves no audit event behind, and no gap in the chain."""
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    _write(session, 1)
    record(session, actor=ACTOR, action="test.rolled_back", now=T0, province_code="25", commune_code="08218")
    session.rollback()
    assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == count + 1
    _write(session, 1)
    assert [r.chain_seq for r in _chain(session, CHAIN)] == [1, 2]
    assert verify_chain(session).ok


def test_reading_personal_data_is_an_event(client, session):
    reader = make_officer(session, username="nguoidoc")
    target = make_officer(session, username="duocdoc", full_name="Trần Thị Lan")
    login(client, "nguoidoc")
    assert "Trần Thị Lan" in client.get(f"/officers/{target.id}").text
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data.read")
                            .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.object_id == str(target.id) and event.actor_id == str(reader.id)


def test_cli_verify_passes_then_fails_naming_each_broken_chain_and_row(fresh_db, monkeypatch):
    """`motcua audit verify` on a real database: exit 0 on a clean log; after an edit in one commune's chain and a
    cut in another's (caught by the anchor), exit 1 naming both chains and their first bad rows."""
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    get_settings.cache_clear()
    try:
        with Session(fresh_db.engine) as session:
            before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0  # the catalogue import
            _write(session, 12)
            _write(session, 4, commune=OTHER)
            record_anchor(session, now=T0)
            session.commit()
        runner = CliRunner()
        ok = runner.invoke(cli, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert f"{before + 16} sự kiện" in ok.output and "Mốc nhật ký: 1 ngày" in ok.output
        with fresh_db.engine.begin() as conn:
            tamper(conn, "UPDATE audit_event SET actor_id = '999' WHERE chain = :c AND chain_seq = 7", {"c": CHAIN})
            tamper(conn, "DELETE FROM audit_event WHERE chain = :c AND chain_seq = 4", {"c": f"c:{OTHER}"})
            conn.execute(text("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_event WHERE chain = :c "
                              "AND chain_seq = 3) WHERE chain = :c"), {"c": f"c:{OTHER}"})
        bad = runner.invoke(cli, ["audit", "verify"])
        assert bad.exit_code == 1
        assert f"chain {CHAIN}, row 7" in bad.output
        assert f"chain c:{OTHER}, row 4" in bad.output
    finally:
        get_settings.cache_clear()

