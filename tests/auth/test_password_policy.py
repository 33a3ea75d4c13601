"""The officers' password policy (issue 13, "Also": the policy accepted `motcua2025` and the previous password).

NIST SP 800-63B rev. 4 §3.1.1.2: at least 15 characters for a single-factor password, no composition rules, a
new password checked against breached and common passwords, repetitive or sequential strings and context-specific
words (the service's name, the username); and here, none of the last five passwords again. One function decides
(``motcua.auth.queries.new_password_problem``), whichever door the password comes through.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.auth import actions
from motcua.auth.passwords import DEMO_PASSWORD, common_passwords, password_problem
from motcua.auth.queries import new_password_problem
from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.config import get_settings
from motcua.kit.errors import ValidationFailed
from motcua.org.models import Officer
from tests.factories import CHI_TIEN, PASSWORD, T0, csrf_token, login, make_officer

STRONG = "hoa-ban-no-trang-nui-rung-tay-bac"


def _new(username: str, password: str) -> OfficerCreate:
    return OfficerCreate(username=username, full_name="Lò Văn Páo", password=password, province_code="25",
                         commune_code=CHI_TIEN, roles=[Role.RECEPTION])


def _problem(session, password: str, username: str = "chitien.pao") -> str | None:
    return new_password_problem(session, password=password, username=username, full_name="Lò Văn Páo",
                                province_code="25", commune_code=CHI_TIEN)


def test_password_policy_refuses_motcua2025_and_passwords_built_from_context_words(session):
    """`motcua2025` was accepted; so would be its longer cousins built from the service's name, "mật khẩu", the
    commune's or province's name, the officer's name and a year."""
    for guessable in ("motcua2025", "Motcua@ChiTien#2025!", "matkhau-chitien-2026", "Mật khẩu Phú Thọ 2025!!",
                      "MotCua.Phu.Tho.1990", "lovanpao-motcua-2025", "chitien.pao-2025-abcdef"):
        assert _problem(session, guessable) is not None, guessable
    assert _problem(session, "Tôi làm việc ở xã Chí Tiên từ năm 2025") is None  # a sentence of one's own is fine
    assert _problem(session, STRONG) is None


def test_password_policy_minimum_length_is_fifteen_characters_counted_as_typed(session):
    """15 (not 8): an officer's password is a single factor (SP 800-63B rev. 4 §3.1.1.2). Vietnamese letters count
    once each, whether the browser sends them composed or decomposed."""
    assert "ít nhất 15 ký tự" in (_problem(session, "hoa-ban-nui-ru") or "")  # 14
    assert _problem(session, "hoa-ban-nui-rung") is None  # 15
    decomposed = "\u0111e\u0302\u0300n-sa\u0301ng-ru\u031bo\u031b\u0300ng"  # "đền-sáng-rường" with combining marks
    assert "ít nhất 15 ký tự" in (_problem(session, decomposed) or "")
    assert "quá dài" in (_problem(session, "x" * 300) or "")


def test_password_policy_refuses_breached_common_repetitive_and_sequential_passwords(session):
    listed = common_passwords()
    assert len(listed) >= 10_000 and {"123456", "password", "iloveyou"} <= listed
    for weak in ("1qaz2wsx3edc4rfv", "123456789987654321", "password12345678", "Iloveyou!!!!2024!!",
                 "aaaaaaaaaaaaaaaaaaaa", "abababababababab", "1234567890123456", "qwertyuiopasdfgh",
                 "zyxwvutsrqponmlk"):
        assert _problem(session, weak) is not None, weak


def test_password_policy_demo_password_only_in_demo_mode(session):
    """The demo's published password opens accounts in the demo (Settings.demo) and nowhere else."""
    assert _problem(session, DEMO_PASSWORD) is not None
    assert password_problem(DEMO_PASSWORD, username="chitien.pao", demo=True) is None
    with pytest.raises(ValidationFailed) as refused:
        create_officer(session, actor=SYSTEM, data=_new("chitien.demo", DEMO_PASSWORD), now=T0)
    assert "password" in (refused.value.fields or {})
    officer = create_officer(session, actor=SYSTEM, data=_new("chitien.demo", DEMO_PASSWORD), now=T0, demo=True)
    assert officer.id


def test_password_policy_no_reuse_of_the_last_five_passwords(session):
    officer = create_officer(session, actor=SYSTEM, data=_new("chitien.pao", STRONG), now=T0)
    session.flush()
    me = Principal(kind="officer", id=officer.id, name=officer.username, province_code="25", commune_code=CHI_TIEN)
    used = [STRONG] + [f"{word}-vang-ruc-ca-mua-thu" for word in ("cuc", "mai", "dao", "sen", "lan")]
    for before, after in itertools.pairwise(used):
        actions.change_password(session, actor=me, current=before, new=after, confirm=after, keep_session_token=None,
                                now=T0 + timedelta(days=1))
    current = used[-1]
    for old in used[1:-1]:  # the four before the current one (which is the fifth)
        with pytest.raises(ValidationFailed) as refused:
            actions.change_password(session, actor=me, current=current, new=old, confirm=old,
                                    keep_session_token=None, now=T0)
        assert "Không được dùng lại" in (refused.value.fields or {}).get("new", "")
    # The sixth password back has left the history.
    actions.change_password(session, actor=me, current=current, new=STRONG, confirm=STRONG, keep_session_token=None,
                            now=T0)
    assert session.get(Officer, officer.id) is not None


def test_password_policy_the_change_password_page_refuses_the_previous_password(client, session):
    make_officer(session, username="chitien.a")
    login(client, "chitien.a")
    new = "hai-con-bo-gam-co-ben-bo-song"

    def change(current, to):
        return client.post("/account/password", data={"current": current, "new": to, "confirm": to,
                                                      "csrf_token": csrf_token(client, "/account/password")})

    assert change(PASSWORD, new).status_code == 200
    back = change(new, PASSWORD)
    assert back.status_code == 422 and "Không được dùng lại" in back.text and 'id="err-new"' in back.text
    refused = change(new, "motcua2025")
    assert refused.status_code == 422 and "ít nhất 15 ký tự" in refused.text


def test_password_policy_the_admin_page_applies_it(client, session):
    make_officer(session, username="chitien.quantri", roles=(Role.ADMIN,))
    login(client, "chitien.quantri")
    form = {"full_name": "Lò Văn Páo", "username": "chitien.pao", "commune_code": CHI_TIEN, "roles": ["reception"],
            "email": "", "phone": "", "csrf_token": csrf_token(client, "/admin/officers/new")}
    for weak in ("motcua2025", "Motcua@ChiTien#2025!"):
        response = client.post("/admin/officers", data={**form, "password": weak}, follow_redirects=False)
        assert response.status_code == 422 and 'id="err-password"' in response.text, weak
    assert session.scalars(select(Officer).where(Officer.username == "chitien.pao")).first() is None
    ok = client.post("/admin/officers", data={**form, "password": STRONG}, follow_redirects=False)
    assert ok.status_code == 303


@pytest.fixture
def cli_env(fresh_db, monkeypatch, tmp_path):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", fresh_db.url)
    monkeypatch.setenv("MOTCUA_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    yield fresh_db
    get_settings.cache_clear()


def test_password_policy_the_create_officer_command_applies_it(cli_env, monkeypatch):
    from motcua.cli import app as cli

    args = ["create-officer", "--username", "chitien.moi", "--full-name", "Lò Văn Páo", "--province", "25",
            "--commune", CHI_TIEN, "--role", "reception", "--password"]
    refused = CliRunner().invoke(cli, [*args, "motcua2025"])
    assert refused.exit_code == 2 and "ít nhất 15 ký tự" in refused.output
    demo_outside_demo = CliRunner().invoke(cli, ["demo-data", "--months", "1"])
    assert demo_outside_demo.exit_code == 2 and "MOTCUA_DEMO" in demo_outside_demo.output
    assert CliRunner().invoke(cli, [*args, STRONG]).exit_code == 0


def test_password_policy_demo_officers_still_log_in_with_the_demo_password(client, session):
    """What `make run` prints keeps working: an officer loaded in demo mode logs in with the shared password."""
    create_officer(session, actor=SYSTEM, data=_new("chitien.demo", DEMO_PASSWORD), now=T0, demo=True)
    session.commit()
    assert login(client, "chitien.demo", DEMO_PASSWORD).status_code == 303
