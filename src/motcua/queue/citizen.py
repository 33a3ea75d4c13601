"""Who is booking on the citizen side, without importing the portal (a sibling in the same layer).

The portal keeps the citizen's sign-in (its cookie and sessions); ``motcua.wiring`` connects ``citizen_lookup`` to it.
Unconnected (a test of this package alone) every visitor is anonymous, which the booking pages accept anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION
from motcua.kit.hooks import Hook


@dataclass(frozen=True)
class CitizenContact:
    """What a booking prefills from a signed-in citizen's account."""

    id: int
    name: str
    phone: str | None


citizen_lookup: Hook[[Request, Session], CitizenContact | None] = Hook("queue.citizen_lookup", required=False)
"""The citizen signed in to the portal on this request, if any (the portal's answer; connected in wiring)."""


def optional_contact(request: Request, session: Session = DB_SESSION) -> CitizenContact | None:
    for found in citizen_lookup(request, session):
        if found is not None:
            return found
    return None
