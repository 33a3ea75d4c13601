"""The migration that gives every API token an officer (issue 13, finding 5) on data written before it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from motcua.migrate import upgrade
from tests.conftest import database_before

REVISION = "20261207_token_officer"
T = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def before(db, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """An empty database of the test's backend, migrated to just before ``REVISION``."""
    with database_before(db.kind, tmp_path, REVISION) as made:
        yield made


def _officer(conn, oid: int, commune: str | None, roles: tuple[str, ...], active: bool = True) -> None:
    conn.execute(text("INSERT INTO officer (id, username, full_name, full_name_folded, province_code, commune_code,"
                      " password_hash, active, created_at) VALUES (:id, :u, 'Cán bộ', 'can bo', '25', :c, 'x', :a,"
                      " :t)"), {"id": oid, "u": f"cb{oid}", "c": commune, "a": active, "t": T})
    for role in roles:
        conn.execute(text("INSERT INTO officer_role (officer_id, role) VALUES (:o, :r)"), {"o": oid, "r": role})


def _token(conn, tid: int, by: int, commune: str | None, roles: str, revoked: datetime | None = None) -> None:
    conn.execute(text("INSERT INTO api_token (id, name, prefix, token_hash, province_code, commune_code, created_by,"
                      " created_at, expires_at, revoked_at, roles) VALUES (:id, 'Cổng', 'mc_x', :h, '25', :c, :by,"
                      " :t, NULL, :rv, :roles)"),
                 {"id": tid, "h": f"{tid:064d}", "c": commune, "by": by, "t": T, "rv": revoked, "roles": roles})


def test_finding_05_old_tokens_are_bound_to_a_fit_issuer_or_revoked(before):
    """A live token is bound to the officer who issued it only when that officer is active, holds every role the
    token carries, has the token's scope, and the token carries at most one separated role; otherwise it is
    revoked. Revoked tokens stay as they were."""
    url, engine = before
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO province (code, name, kind) VALUES ('25', 'Phú Thọ', 'tỉnh')"))
        for code in ("08218", "08219"):
            conn.execute(text("INSERT INTO commune (code, province_code, name, kind, name_folded) VALUES"
                              " (:c, '25', 'Xã', 'xã', 'xa')"), {"c": code})
        _officer(conn, 1, "08218", ("admin",))
        _officer(conn, 2, "08218", ("admin", "reception", "approver"))
        _officer(conn, 3, None, ("admin",))
        _officer(conn, 4, "08218", ("admin", "reception"), active=False)
        _token(conn, 10, 1, "08218", "")  # read-only, issuer in scope: bound
        _token(conn, 11, 1, "08218", "reception")  # the issuer does not hold the role: revoked
        _token(conn, 12, 2, "08218", "reception")  # bound
        _token(conn, 13, 2, "08218", "approver,reception")  # two separated roles: revoked
        _token(conn, 14, 3, None, "")  # province-wide by a province admin: bound
        _token(conn, 15, 3, "08219", "")  # a commune token by a province officer: not its scope, revoked
        _token(conn, 16, 4, "08218", "reception")  # the issuer left: revoked
        _token(conn, 17, 1, "08218", "reception", revoked=T)  # already revoked: untouched
    upgrade(url)
    with engine.connect() as conn:
        rows = {r.id: (r.officer_id, r.revoked_at is not None)
                for r in conn.execute(text("SELECT id, officer_id, revoked_at FROM api_token"))}
        allowed = conn.execute(text("SELECT allow_single_officer_approval FROM province")).scalar_one()
    assert rows == {10: (1, False), 11: (None, True), 12: (2, False), 13: (None, True), 14: (3, False),
                    15: (None, True), 16: (None, True), 17: (None, True)}
    assert not allowed
