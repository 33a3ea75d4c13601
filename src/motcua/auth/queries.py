"""Reads of the auth package: who holds this cookie or token, whether a new password passes the policy, and the
tokens an admin may manage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from motcua.auth.models import ApiToken, LoginSession, PasswordHistory
from motcua.auth.passwords import PASSWORD_HISTORY, REUSED, password_problem
from motcua.auth.secrets import digest, verify_password
from motcua.base.principal import Principal
from motcua.base.roles import SEPARATED_ROLES, TOKEN_ROLES, Role
from motcua.kit.clock import as_utc
from motcua.kit.errors import NotFound
from motcua.org.models import Commune, Officer, Province

TOKEN_ROLES_VALUES = frozenset(r.value for r in TOKEN_ROLES)


@dataclass(frozen=True)
class OfficerSession:
    principal: Principal
    last_seen_at: datetime


def officer_session(session: Session, token: str, now: datetime, idle: timedelta) -> OfficerSession | None:
    """The officer holding this session cookie, unless the session is past its lifetime or has been idle longer
    than ``idle`` (OWASP ASVS V3.3.1/V3.3.2: an absolute and an inactivity timeout)."""
    row = session.execute(
        select(LoginSession, Officer)
        .join(Officer, Officer.id == LoginSession.officer_id)
        .where(LoginSession.token_hash == digest(token), LoginSession.expires_at > now,
               LoginSession.last_seen_at > now - idle, Officer.active.is_(True))
        .options(selectinload(Officer.roles))
    ).one_or_none()
    if row is None:
        return None
    login_session, officer = row
    principal = Principal(
        kind="officer",
        id=officer.id,
        name=officer.username,
        full_name=officer.full_name,
        province_code=officer.province_code,
        commune_code=officer.commune_code,
        roles=frozenset(Role(r.role) for r in officer.roles),
        csrf_token=login_session.csrf_token,
    )
    return OfficerSession(principal, as_utc(login_session.last_seen_at))


def session_ended_idle(session: Session, token: str, now: datetime, idle: timedelta) -> bool:
    """Whether this cookie's session is still within its lifetime but ended for want of activity: the login page
    then says why the officer has to log in again."""
    found = session.execute(
        select(LoginSession.token_hash).where(LoginSession.token_hash == digest(token), LoginSession.expires_at > now,
                                              LoginSession.last_seen_at <= now - idle)
    ).first()
    return found is not None


def new_password_problem(
    session: Session,
    *,
    password: str,
    username: str,
    full_name: str = "",
    province_code: str | None = None,
    commune_code: str | None = None,
    officer_id: int | None = None,
    demo: bool = False,
) -> str | None:
    """The one password policy, for every place a password is set (create-officer, the admin page, the change of
    one's own password, the demo): ``auth.passwords.password_problem`` with the officer's context words (full name,
    commune, province), then no reuse of the last ``PASSWORD_HISTORY`` passwords (NIST SP 800-63B §3.1.1.2 forbids
    composition rules and periodic changes but not this; it stops a forced change from going back to a known
    password). The history is checked last: each comparison is an argon2 verification."""
    context = [full_name]
    if commune_code is not None:
        context += session.scalars(select(Commune.name).where(Commune.code == commune_code)).all()
    if province_code is not None:
        context += session.scalars(select(Province.name).where(Province.code == province_code)).all()
    problem = password_problem(password, username=username, context=context, demo=demo)
    if problem is not None or officer_id is None:
        return problem
    hashes = list(session.scalars(
        select(PasswordHistory.password_hash).where(PasswordHistory.officer_id == officer_id)
        .order_by(PasswordHistory.id.desc()).limit(PASSWORD_HISTORY)
    ))
    current = session.scalars(select(Officer.password_hash).where(Officer.id == officer_id)).one_or_none()
    if current is not None and current not in hashes:
        hashes.insert(0, current)  # officers from before the history table: their current password counts
    if any(verify_password(known, password) for known in hashes[:PASSWORD_HISTORY]):
        return REUSED
    return None


_TOKEN = (select(ApiToken, Officer).join(Officer, Officer.id == ApiToken.officer_id)
          .where(ApiToken.token_hash == bindparam("token_hash")).options(selectinload(Officer.roles)))
"""Built once: every API request runs it."""

#: The longest token name shown after the officer's name, so the timeline's actor (120 characters) keeps both.
_SHOWN_TOKEN_NAME = 40


def token_actor_name(officer_name: str, token_name: str) -> str:
    """How the timeline names what a token did: the person who answers for it, then the integration.

    The token's own name is free text ("Chủ tịch UBND xã" is one anyone could choose), so it
    is never shown as if it were the person."""
    shown = token_name if len(token_name) <= _SHOWN_TOKEN_NAME else token_name[:_SHOWN_TOKEN_NAME - 1] + "…"
    return f"{officer_name} (qua API: {shown})"


def principal_from_api_token(session: Session, raw: str, now: datetime) -> Principal | None:
    """The token's principal, acting on behalf of its officer.

    Checked at every use, not only when the token was issued: the officer must still be active and have the
    token's scope, and the token acts only with the roles the officer still holds (a role taken from the officer is
    taken from the token). A token carrying two separated roles (possible only in data written before the rule)
    does not work at all.
    """
    row = session.execute(_TOKEN, {"token_hash": digest(raw)}).one_or_none()
    if row is None:
        return None
    token, officer = row
    if token.revoked_at is not None or not officer.active:
        return None
    if token.expires_at is not None and as_utc(token.expires_at) <= now:
        return None
    if officer.province_code != token.province_code or officer.commune_code != token.commune_code:
        return None
    carried = {Role(r) for r in token.roles.split(",") if r in TOKEN_ROLES_VALUES}
    if len(carried & SEPARATED_ROLES) > 1:
        return None
    held = {r.role for r in officer.roles}
    return Principal(
        kind="token",
        id=token.id,
        name=token.name,
        full_name=token_actor_name(officer.full_name, token.name),
        province_code=token.province_code,
        commune_code=token.commune_code,
        roles=frozenset(r for r in carried if r.value in held),
        on_behalf_of=officer.id,
    )


def token_officers_for(session: Session, principal: Principal) -> list[Officer]:
    """The officers a token issued by ``principal`` may act for: the active officers of its jurisdiction."""
    query = select(Officer).where(Officer.province_code == principal.province_code, Officer.active.is_(True))
    if principal.commune_code is not None:
        query = query.where(Officer.commune_code == principal.commune_code)
    return list(session.scalars(query.options(selectinload(Officer.roles))
                                .order_by(Officer.commune_code, Officer.full_name, Officer.id)))


def list_api_tokens_for(session: Session, principal: Principal) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.province_code == principal.province_code)
    if principal.commune_code is not None:
        query = query.where(ApiToken.commune_code == principal.commune_code)
    return list(session.scalars(query.order_by(ApiToken.id.desc())))


def get_api_token_for(session: Session, principal: Principal, token_id: int) -> ApiToken:
    """The access gate of API tokens: outside the principal's jurisdiction it does not exist."""
    token = session.get(ApiToken, token_id)
    if token is None or not principal.may_see(token.province_code, token.commune_code):
        raise NotFound()
    return token
