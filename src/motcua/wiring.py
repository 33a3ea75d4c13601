"""Connects the hooks of the lower layers to the domains above them, and completes the table metadata.

Every entry point calls ``connect()`` before it does any work: ``create_app``, the CLI, the worker and the test
session. It is idempotent. This is the one module allowed to know both ends of each cross-layer effect, so that the
domains themselves import only downwards (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from motcua import models  # noqa: F401 - every table in Base.metadata (foreign keys across packages resolve)
from motcua.calendar.hooks import calendar_changed
from motcua.docstore.queries import reusable_for
from motcua.dossier.actions import recompute_due_dates
from motcua.dossier.hooks import (
    dossiers_changed,
    intake_ticket,
    received_from_ticket,
    reusable_documents,
    ticket_of,
)
from motcua.index.actions import queue_fold
from motcua.portal.deps import optional_citizen
from motcua.queue.citizen import CitizenContact, citizen_lookup
from motcua.queue.desk import check_intake_ticket, link_dossier, ticket_of_dossier


def _portal_citizen(request: Request, session: Session) -> CitizenContact | None:
    """The front desk's booking pages prefill the name and phone of the citizen signed in to the portal."""
    account = optional_citizen(request, session)
    return None if account is None else CitizenContact(account.id, account.full_name, account.phone)


def connect() -> None:
    calendar_changed.connect(recompute_due_dates)
    dossiers_changed.connect(queue_fold)
    intake_ticket.connect(check_intake_ticket)
    received_from_ticket.connect(link_dossier)
    ticket_of.connect(ticket_of_dossier)
    citizen_lookup.connect(_portal_citizen)
    reusable_documents.connect(reusable_for)
