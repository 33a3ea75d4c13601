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
from motcua.org.roles import TOKEN_ROLES, Role

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


_TOKEN = select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
"""Built once: every API request runs it."""


def principal_from_api_token(session: Session, raw: str, now: datetime) -> Principal | None:
    token = session.execute(_TOKEN, {"token_hash": digest(raw)}).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and as_utc(token.expires_at) <= now:
        return None
    return Principal(
        kind="token",
        id=token.id,
        name=token.name,
        full_name=token.name,
        province_code=token.province_code,
        commune_code=token.commune_code,
        roles=frozenset(Role(r) for r in token.roles.split(",") if r in TOKEN_ROLES_VALUES),
    )


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
