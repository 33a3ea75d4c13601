"""Every write of the auth package: logging in and out (with throttling), passwords and their history, issuing
and revoking API tokens."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.auth.devices import new_device_id, sign_device, verify_device
from motcua.auth.models import ApiToken, LoginAttempt, LoginSession, PasswordHistory
from motcua.auth.passwords import PASSWORD_HISTORY
from motcua.auth.queries import get_api_token_for, new_password_problem
from motcua.auth.secrets import digest, hash_password, new_token, verify_password
from motcua.base.principal import Principal
from motcua.base.roles import ROLE_LABELS, SEPARATED_ROLES, TOKEN_ROLES, Role
from motcua.config import Settings
from motcua.db import affected_rows
from motcua.kit.clock import as_utc
from motcua.kit.errors import NotFound, TooManyRequests, ValidationFailed
from motcua.org.models import Officer
from motcua.org.queries import get_commune_for, get_officer_for

#: An address may fail more often than one account (several officers share a centre's connection).
IP_FAILURE_FACTOR = 4

TOUCH_EVERY = timedelta(minutes=1)
"""How stale a session's last-seen instant may get before a request refreshes it: one write a minute per officer at
most, not one per request, and the idle timeout is still right to the minute."""


@dataclass(frozen=True)
class LoginOutcome:
    ok: bool
    token: str | None = None
    csrf_token: str | None = None
    officer_id: int | None = None
    message: str | None = None
    device_token: str | None = None
    """The known-device cookie for this browser and account, signed anew at each successful login."""


def wait_text(seconds: int) -> str:
    """A wait in Vietnamese words: "45 giây", "3 phút", "2 phút 30 giây"."""
    minutes, rest = divmod(max(seconds, 1), 60)
    if not minutes:
        return f"{rest} giây"
    return f"{minutes} phút" + (f" {rest} giây" if rest else "")


def _failures(session: Session, since: datetime, *where: ColumnElement[bool]) -> tuple[int, datetime | None]:
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(LoginAttempt.at > since, LoginAttempt.success.is_(False), *where)
    ).one()
    return int(count), (as_utc(last) if last is not None else None)


def _wait(failures: tuple[int, datetime | None], free: int, cap: int, now: datetime) -> int:
    """Seconds still to wait: none for the first ``free`` failures, then 1 s, 2 s, 4 s … after the latest failure,
    doubling with each failure up to ``cap`` — an exponential back-off (NIST SP 800-63B §5.2.2), never a lock."""
    count, last = failures
    if count < free or last is None:
        return 0
    delay = min(cap, 2 ** min(count - free, 24))
    return max(0, math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))


def _check_throttle(session: Session, *, username: str, ip: str | None, device: str | None, now: datetime,
                    settings: Settings) -> None:
    """Slow down guessing without locking the owner out (OWASP ASVS V2.2.1, NIST SP 800-63B §5.2.2).

    From a known device of the account (its signed cookie) only that device's own failures count: an attacker's
    failures elsewhere, from any number of addresses, never delay the owner's usual browser. From an unknown
    device the account's failures from unknown devices and the address's failures (any account: spraying) each
    impose a growing wait, capped at a few minutes for the account, so the right password always gets through
    from a new device after at most ``login_account_max_wait_seconds`` after the latest failure.
    """
    since = now - timedelta(minutes=settings.login_window_minutes)
    free = settings.login_max_failures
    account_cap = settings.login_account_max_wait_seconds
    if device is not None:
        wait = _wait(_failures(session, since, LoginAttempt.device == device), free, account_cap, now)
    else:
        wait = _wait(_failures(session, since, LoginAttempt.username == username, LoginAttempt.device.is_(None)),
                     free, account_cap, now)
        if ip:
            wait = max(wait, _wait(_failures(session, since, LoginAttempt.ip == ip), free * IP_FAILURE_FACTOR,
                                   settings.login_address_max_wait_seconds, now))
    if wait:
        raise TooManyRequests(
            f"Có nhiều lần đăng nhập sai. Vui lòng chờ {wait_text(wait)} rồi thử lại.",
            retry_after=wait,
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
    device_token: str | None = None,
) -> LoginOutcome:
    """Check the password and open a session. A failure is recorded (and committed) so throttling counts it.

    ``device_token`` is the browser's known-device cookie for this username, if it has one; a valid one for this
    very account lets the right password through whatever failures other devices caused.
    """
    officer = session.execute(select(Officer).where(Officer.username == username)).scalar_one_or_none()
    known = verify_device(settings.secret_key, device_token, now)
    device = known.device_id if known is not None and officer is not None and known.officer_id == officer.id else None
    _check_throttle(session, username=username, ip=ip, device=device, now=now, settings=settings)
    valid = verify_password(officer.password_hash if officer else None, password)
    ok = bool(officer and officer.active and valid)
    session.add(LoginAttempt(username=username, ip=ip, at=now, success=ok, device=device))
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
            data={"username": username, "ip": ip, "known_device": device is not None},
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
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:300],
        )
    )
    # Old expired or abandoned sessions of this officer are of no use to anyone.
    idle_since = now - timedelta(minutes=settings.session_idle_minutes)
    session.execute(delete(LoginSession).where(
        LoginSession.officer_id == officer.id,
        (LoginSession.expires_at < now) | (LoginSession.last_seen_at < idle_since),
    ))
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
        data={"ip": ip, "known_device": device is not None},
    )
    device_cookie = sign_device(settings.secret_key, officer.id, device or new_device_id(), now)
    return LoginOutcome(ok=True, token=token, csrf_token=csrf, officer_id=officer.id, device_token=device_cookie)


def touch_session(session: Session, *, token: str, last_seen_at: datetime, now: datetime) -> None:
    """Move the idle timeout on: only when the last refresh is over ``TOUCH_EVERY`` old, so most requests write
    nothing; the guarded UPDATE makes concurrent requests of one officer harmless."""
    if now - last_seen_at < TOUCH_EVERY:
        return
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == digest(token), LoginSession.last_seen_at < now - TOUCH_EVERY)
        .values(last_seen_at=now)
    )


def remember_password(session: Session, *, officer_id: int, password_hash: str, now: datetime) -> None:
    """Keep the new password's hash in the history and forget what is older than the last ``PASSWORD_HISTORY``."""
    session.add(PasswordHistory(officer_id=officer_id, password_hash=password_hash, set_at=now))
    session.flush()
    keep = (select(PasswordHistory.id).where(PasswordHistory.officer_id == officer_id)
            .order_by(PasswordHistory.id.desc()).limit(PASSWORD_HISTORY))
    session.execute(delete(PasswordHistory).where(PasswordHistory.officer_id == officer_id,
                                                  PasswordHistory.id.not_in(keep.scalar_subquery())))


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
    demo: bool = False,
) -> None:
    """Change one's own password; every other open session of the officer ends (a stolen cookie dies with it)."""
    officer = session.get(Officer, actor.id) if actor.kind == "officer" else None
    if officer is None:
        raise NotFound()
    fields: dict[str, str] = {}
    if not verify_password(officer.password_hash, current):
        fields["current"] = "Mật khẩu hiện tại không đúng."
    problem = None
    if new == current:
        problem = "Mật khẩu mới phải khác mật khẩu hiện tại."
    elif not fields:  # the history is checked only for the officer who proved the current password
        problem = new_password_problem(session, password=new, username=officer.username, full_name=officer.full_name,
                                       province_code=officer.province_code, commune_code=officer.commune_code,
                                       officer_id=officer.id, demo=demo)
    if problem:
        fields["new"] = problem
    if new != confirm:
        fields["confirm"] = "Xác nhận mật khẩu không khớp."
    if fields:
        raise ValidationFailed(fields=fields)
    officer.password_hash = hash_password(new)
    remember_password(session, officer_id=officer.id, password_hash=officer.password_hash, now=now)
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

    The officer answers for the token: they must be active, in the actor's jurisdiction, have
    the token's scope (its commune, or the whole province for a province-wide token) and hold every role the token
    carries. ``auth.queries.principal_from_api_token`` checks the same at every use.
    """
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
