"""Reads of the auth package: who holds this cookie or token, and the tokens an admin may manage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from motcua.auth.models import ApiToken, LoginSession
from motcua.auth.principal import Principal
from motcua.auth.secrets import digest
from motcua.kit.clock import as_utc
from motcua.kit.errors import NotFound
from motcua.org.models import Officer
from motcua.org.roles import SEPARATED_ROLES, TOKEN_ROLES, Role

TOKEN_ROLES_VALUES = frozenset(r.value for r in TOKEN_ROLES)


def principal_from_session_token(session: Session, token: str, now: datetime) -> Principal | None:
    row = session.execute(
        select(LoginSession, Officer)
        .join(Officer, Officer.id == LoginSession.officer_id)
        .where(LoginSession.token_hash == digest(token), LoginSession.expires_at > now, Officer.active.is_(True))
        .options(selectinload(Officer.roles))
    ).one_or_none()
    if row is None:
        return None
    login_session, officer = row
    return Principal(
        kind="officer",
        id=officer.id,
        name=officer.username,
        full_name=officer.full_name,
        province_code=officer.province_code,
        commune_code=officer.commune_code,
        roles=frozenset(Role(r.role) for r in officer.roles),
        csrf_token=login_session.csrf_token,
    )


_TOKEN = (select(ApiToken, Officer).join(Officer, Officer.id == ApiToken.officer_id)
          .where(ApiToken.token_hash == bindparam("token_hash")).options(selectinload(Officer.roles)))
"""Built once: every API request runs it."""

#: The longest token name shown after the officer's name, so the timeline's actor (120 characters) keeps both.
_SHOWN_TOKEN_NAME = 40


def token_actor_name(officer_name: str, token_name: str) -> str:
    """How the timeline names what a token did: the person who answers for it, then the integration.

    Issue 13, finding 8: the token's own name is free text ("Chủ tịch UBND xã" is one anyone could choose), so it
    is never shown as if it were the person."""
    shown = token_name if len(token_name) <= _SHOWN_TOKEN_NAME else token_name[:_SHOWN_TOKEN_NAME - 1] + "…"
    return f"{officer_name} (qua API: {shown})"


def principal_from_api_token(session: Session, raw: str, now: datetime) -> Principal | None:
    """The token's principal, acting on behalf of its officer (issue 13, finding 5).

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
