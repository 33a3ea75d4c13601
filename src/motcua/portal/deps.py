"""Who is asking on the citizen side: the account of the ``motcua_citizen`` cookie, if any."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION
from motcua.kit.errors import NotAuthenticated
from motcua.portal.actions.accounts import account_for_token
from motcua.portal.models import CitizenAccount

CITIZEN_COOKIE = "motcua_citizen"
SIGN_IN_PATH = "/cong-dan/dang-nhap"


class CitizenNotSignedIn(NotAuthenticated):
    """A citizen page without a citizen session: a GET is sent to the citizen's sign-in page (app.py)."""

    default_message = "Vui lòng đăng nhập Cổng dịch vụ công để tiếp tục."
    sign_in_path = SIGN_IN_PATH


def optional_citizen(
    request: Request, session: Session = DB_SESSION,
) -> CitizenAccount | None:
    account = account_for_token(session, request.cookies.get(CITIZEN_COOKIE), request.app.state.clock.now())
    # The page's header shows the citizen signed in, not the officers' login: the name only, read now (an error page
    # renders after the session is gone).
    request.state.citizen_name = account.full_name if account is not None else None
    return account


def current_citizen(citizen: CitizenAccount | None = Depends(optional_citizen)) -> CitizenAccount:
    if citizen is None:
        raise CitizenNotSignedIn()
    return citizen
