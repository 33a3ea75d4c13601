"""Officer accounts: creating an officer (an org member with a login) and locking or unlocking the account.

They live above ``auth`` and ``org`` because they are both: the officer is a row of the organisation, and its password
policy, password history and sessions are the login's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.admin.schemas import OfficerCreate
from motcua.audit.actions import record
from motcua.auth.actions import end_sessions, remember_password
from motcua.auth.queries import new_password_problem
from motcua.auth.secrets import hash_password
from motcua.base.principal import Principal
from motcua.base.roles import PROVINCE_ROLES, Role
from motcua.db import affected_rows
from motcua.kit.errors import Conflict, Forbidden, ValidationFailed
from motcua.kit.text import fold
from motcua.org.models import Commune, Officer, OfficerRole, Province
from motcua.org.queries import get_officer_for, may_manage, may_set_active


def create_officer(
    session: Session,
    *,
    actor: Principal,
    data: OfficerCreate,
    now: datetime,
    password_hash: str | None = None,
    demo: bool = False,
) -> Officer:
    """Create an officer inside the actor's jurisdiction; the role set must fit the officer's level.

    The password passes the one policy (``auth.queries.new_password_problem``); ``demo`` (``Settings.demo``) lets the
    demo's shared password through. ``password_hash`` spares loaders the argon2 cost when it is ``data.password``'s.
    """
    if actor.kind != "system":
        if not actor.has_role(Role.ADMIN):
            raise Forbidden()
        if not actor.may_see(data.province_code, data.commune_code):
            raise Forbidden("Chỉ được tạo cán bộ trong phạm vi quản lý của mình.")
    if session.get(Province, data.province_code) is None:
        raise ValidationFailed(fields={"province_code": "Không có tỉnh/thành phố với mã này."})
    if data.commune_code is not None:
        commune = session.get(Commune, data.commune_code)
        if commune is None or commune.province_code != data.province_code:
            raise ValidationFailed(fields={"commune_code": "Xã/phường không thuộc tỉnh đã chọn."})
        if PROVINCE_ROLES & set(data.roles):
            raise ValidationFailed(fields={"roles": "Vai trò cấp tỉnh không gán cho cán bộ cấp xã."})
    problem = new_password_problem(session, password=data.password, username=data.username,
                                   full_name=data.full_name, province_code=data.province_code,
                                   commune_code=data.commune_code, demo=demo)
    if problem:
        raise ValidationFailed(fields={"password": problem})
    officer = Officer(
        username=data.username,
        full_name=data.full_name,
        full_name_folded=fold(data.full_name),
        province_code=data.province_code,
        commune_code=data.commune_code,
        email=data.email,
        phone=data.phone,
        password_hash=password_hash or hash_password(data.password),
        active=True,
        created_at=now,
    )
    officer.roles = [OfficerRole(role=r.value) for r in dict.fromkeys(data.roles)]
    try:
        # The savepoint must open before the INSERT is pending: begin_nested() flushes what is pending first.
        with session.begin_nested():
            session.add(officer)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Tên đăng nhập «{data.username}» đã được dùng.",
                       fields={"username": "Tên đăng nhập đã tồn tại."}) from exc
    remember_password(session, officer_id=officer.id, password_hash=officer.password_hash, now=now)
    record(session, actor=actor, action="officer.create", now=now, object_kind="officer", object_id=officer.id,
           province_code=officer.province_code, commune_code=officer.commune_code,
           data={"username": officer.username, "roles": [r.value for r in data.roles]})
    return officer


def set_officer_active(session: Session, *, actor: Principal, officer_id: int, active: bool, now: datetime) -> Officer:
    """Lock or unlock an account (an officer who left, or was seconded elsewhere: Decree 118 Art. 11(3)).

    Locking ends the officer's open sessions at once. An administrator cannot lock themselves out.
    """
    officer = get_officer_for(session, actor, officer_id)
    if not may_manage(actor):
        raise Forbidden()
    if not may_set_active(actor, officer, active):
        raise ValidationFailed("Không thể tự khóa tài khoản của chính mình.")
    changed = affected_rows(
        session, update(Officer).where(Officer.id == officer.id, Officer.active.is_(not active)).values(active=active)
    )
    if not changed:
        raise Conflict("Tài khoản đã ở trạng thái này (có thể người khác vừa thay đổi).")
    if not active:
        end_sessions(session, officer_id=officer.id)
    session.refresh(officer)
    record(session, actor=actor, action="officer.unlock" if active else "officer.lock", now=now,
           object_kind="officer", object_id=officer.id, province_code=officer.province_code,
           commune_code=officer.commune_code)
    return officer
