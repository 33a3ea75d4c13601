"""Every write of the auth package: logging in and out, issuing and revoking API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.auth.models import ApiToken, LoginAttempt, LoginSession
from motcua.auth.principal import Principal
from motcua.auth.secrets import digest, hash_password, new_token, password_problem, verify_password
from motcua.config import Settings
from motcua.db import affected_rows
from motcua.kit.errors import NotFound, TooManyRequests, ValidationFailed
from motcua.org.models import Officer
from motcua.org.roles import ROLE_LABELS, SEPARATED_ROLES, TOKEN_ROLES, Role

#: An address may fail more often than one account (several officers share a centre's connection).
IP_FAILURE_FACTOR = 4


@dataclass(frozen=True)
class LoginOutcome:
    ok: bool
    token: str | None = None
    csrf_token: str | None = None
    officer_id: int | None = None
    message: str | None = None


def _check_throttle(session: Session, username: str, ip: str | None, now: datetime, settings: Settings) -> None:
    since = now - timedelta(minutes=settings.login_window_minutes)
    failures_user = session.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username == username, LoginAttempt.at > since, LoginAttempt.success.is_(False))
    ).scalar_one()
    failures_ip = 0
    if ip:
        failures_ip = session.execute(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.ip == ip, LoginAttempt.at > since, LoginAttempt.success.is_(False))
        ).scalar_one()
    if failures_user >= settings.login_max_failures or failures_ip >= settings.login_max_failures * IP_FAILURE_FACTOR:
        raise TooManyRequests(
            f"Đăng nhập sai quá {settings.login_max_failures} lần. "
            f"Vui lòng thử lại sau {settings.login_window_minutes} phút.",
            retry_after=settings.login_window_minutes * 60,
        )


def login(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
    settings: Settings,
) -> LoginOutcome:
    """Check the password and open a session. A failure is recorded (and committed) so throttling counts it."""
    _check_throttle(session, username, ip, now, settings)
    officer = session.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()
    valid = verify_password(officer.password_hash if officer else None, password)
    ok = bool(officer and officer.active and valid)
    session.add(LoginAttempt(username=username, ip=ip, at=now, success=ok))
    if not ok or officer is None:
        record(
            session,
            actor=Principal(kind="anonymous", id=None, name=username, province_code="", commune_code=None),
            action="auth.login_failed",
            now=now,
            object_kind="officer",
            object_id=officer.id if officer else None,
            province_code=officer.province_code if officer else None,
            commune_code=officer.commune_code if officer else None,
            data={"username": username, "ip": ip},
        )
        return LoginOutcome(ok=False, message="Tên đăng nhập hoặc mật khẩu không đúng.")
    token = new_token()
    csrf = new_token(24)
    session.add(
        LoginSession(
            token_hash=digest(token),
            officer_id=officer.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
            ip=ip,
            user_agent=(user_agent or "")[:300],
        )
    )
    # Old expired sessions of this officer are of no use to anyone.
    session.execute(delete(LoginSession).where(LoginSession.officer_id == officer.id, LoginSession.expires_at < now))
    record(
        session,
        actor=Principal(kind="officer", id=officer.id, name=officer.username,
                        province_code=officer.province_code, commune_code=officer.commune_code),
        action="auth.login",
        now=now,
        object_kind="officer",
        object_id=officer.id,
        province_code=officer.province_code,
        commune_code=officer.commune_code,
        data={"ip": ip},
    )
    return LoginOutcome(ok=True, token=token, csrf_token=csrf, officer_id=officer.id)


def end_sessions(session: Session, *, officer_id: int, keep_token: str | None = None) -> int:
    """Log an officer out everywhere (but the session holding ``keep_token``); returns how many sessions ended."""
    statement = delete(LoginSession).where(LoginSession.officer_id == officer_id)
    if keep_token:
        statement = statement.where(LoginSession.token_hash != digest(keep_token))
    return affected_rows(session, statement)


def change_password(
    session: Session,
    *,
    actor: Principal,
    current: str,
    new: str,
    confirm: str,
    keep_session_token: str | None,
    now: datetime,
) -> None:
    """Change one's own password; every other open session of the officer ends (a stolen cookie dies with it)."""
    officer = session.get(Officer, actor.id) if actor.kind == "officer" else None
    if officer is None:
        raise NotFound()
    fields: dict[str, str] = {}
    if not verify_password(officer.password_hash, current):
        fields["current"] = "Mật khẩu hiện tại không đúng."
    problem = password_problem(new, officer.username)
    if problem is None and new == current:
        problem = "Mật khẩu mới phải khác mật khẩu hiện tại."
    if problem:
        fields["new"] = problem
    if new != confirm:
        fields["confirm"] = "Xác nhận mật khẩu không khớp."
    if fields:
        raise ValidationFailed(fields=fields)
    officer.password_hash = hash_password(new)
    end_sessions(session, officer_id=officer.id, keep_token=keep_session_token)
    record(session, actor=actor, action="auth.password_change", now=now, object_kind="officer", object_id=officer.id,
           province_code=officer.province_code, commune_code=officer.commune_code)


def logout(session: Session, *, token: str, actor: Principal, now: datetime) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == digest(token)))
    record(session, actor=actor, action="auth.logout", now=now, object_kind="officer", object_id=actor.id,
           province_code=actor.province_code, commune_code=actor.commune_code)


def check_token_roles(roles: Iterable[Role]) -> None:
    """A token carries at most one of the roles the law keeps apart for one dossier.

    Decree 118 Art. 17-19 gives receipt (the centre, Art. 17), appraisal (the handler, Art. 19(1)-(3)) and approval
    (the head of the competent body, Art. 19) to different posts; an integration holding two of them could take a
    dossier from intake to decision alone. A person who holds several posts (kiêm nhiệm) is checked per dossier in
    ``dossier.actions`` instead.
    """
    separated = sorted(r.value for r in set(roles) & SEPARATED_ROLES)
    if len(separated) > 1:
        raise ValidationFailed(
            "Một mã API chỉ được mang một trong các vai trò tiếp nhận, chuyên viên xử lý, lãnh đạo phê duyệt "
            "(các khâu tiếp nhận, thẩm định và phê duyệt phải do người khác nhau thực hiện).",
            fields={"roles": "Chỉ chọn một vai trò."})


def create_api_token(
    session: Session,
    *,
    actor: Principal,
    name: str,
    commune_code: str | None,
    days_valid: int,
    now: datetime,
    officer_id: int,
    roles: tuple[Role, ...] = (),
) -> tuple[ApiToken, str]:
    """Issue a token in the actor's own jurisdiction, acting on behalf of the officer ``officer_id``; the raw value
    is shown once and stored only as a digest.

    The officer answers for the token (issue 13, finding 5): they must be active, in the actor's jurisdiction, have
    the token's scope (its commune, or the whole province for a province-wide token) and hold every role the token
    carries. ``auth.queries.principal_from_api_token`` checks the same at every use.
    """
    from motcua.org.queries import get_commune_for, get_officer_for  # local import: org depends on auth

    if commune_code is None and not actor.is_province_level:
        commune_code = actor.commune_code
    if commune_code is not None and not actor.is_province_level and commune_code != actor.commune_code:
        raise ValidationFailed(fields={"commune_code": "Chỉ được cấp mã cho xã của mình."})
    if commune_code is not None:
        get_commune_for(session, actor, commune_code)
    if roles and commune_code is None:
        raise ValidationFailed(fields={"roles": "Mã có vai trò xử lý hồ sơ phải gắn với một xã."})
    wanted = tuple(r for r in roles if r in TOKEN_ROLES)
    check_token_roles(wanted)
    try:
        officer = get_officer_for(session, actor, officer_id)
    except NotFound:
        raise ValidationFailed(fields={"officer_id": "Không tìm thấy cán bộ."}) from None
    held = {Role(r.role) for r in officer.roles}
    if not officer.active:
        raise ValidationFailed(fields={"officer_id": "Cán bộ đã thôi hoạt động."})
    if officer.province_code != actor.province_code or officer.commune_code != commune_code:
        raise ValidationFailed(fields={"officer_id": "Cán bộ phải thuộc đúng phạm vi của mã (xã, hoặc cấp tỉnh)."})
    missing = [ROLE_LABELS[r] for r in wanted if r not in held]
    if missing:
        raise ValidationFailed(fields={"officer_id": "Cán bộ không giữ vai trò: " + ", ".join(missing) + "."})
    raw = "mc_" + new_token()
    token = ApiToken(
        name=name,
        prefix=raw[:10],
        token_hash=digest(raw),
        province_code=actor.province_code,
        commune_code=commune_code,
        created_by=actor.id,
        officer_id=officer.id,
        created_at=now,
        expires_at=now + timedelta(days=days_valid),
        roles=",".join(sorted(r.value for r in wanted)),
    )
    session.add(token)
    session.flush()
    record(session, actor=actor, action="api_token.create", now=now, object_kind="api_token", object_id=token.id,
           province_code=token.province_code, commune_code=token.commune_code,
           data={"name": name, "roles": token.roles, "officer_id": officer.id})
    return token, raw


def revoke_api_token(session: Session, *, actor: Principal, token_id: int, now: datetime) -> ApiToken:
    from motcua.auth.queries import get_api_token_for

    token = get_api_token_for(session, actor, token_id)
    changed = affected_rows(
        session, update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    if not changed:
        raise NotFound("Mã truy cập đã bị thu hồi trước đó.")
    session.refresh(token)
    record(session, actor=actor, action="api_token.revoke", now=now, object_kind="api_token", object_id=token.id,
           province_code=token.province_code, commune_code=token.commune_code)
    return token


def purge_expired(session: Session, *, now: datetime, keep_attempts_days: int = 30) -> tuple[int, int]:
    """Housekeeping (cron or the worker): drop expired sessions and login attempts older than the throttle needs.

    Returns (sessions removed, attempts removed).
    """
    sessions = affected_rows(session, delete(LoginSession).where(LoginSession.expires_at < now))
    attempts = affected_rows(
        session, delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=keep_attempts_days))
    )
    return sessions, attempts
