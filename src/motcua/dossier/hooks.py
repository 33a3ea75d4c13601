"""What the dossier tells the domains above it (``kit.hooks``; connected in ``motcua.wiring``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.dossier.models import Dossier
from motcua.kit.hooks import Hook

dossiers_changed: Hook[[Session, Sequence[int]], None] = Hook("dossier.changed")
"""Dossiers whose facts changed — received, moved through the workflow, due date recomputed, a fee paid. The
service index (``index``) queues them to be folded again (Decision 766), in the same transaction as the change."""


@dataclass(frozen=True)
class CounterTicket:
    """The front desk's ticket a dossier was received from, as the dossier's page shows it: its number, the counter,
    how long the applicant waited (called − taken) and how long the service took (finished − called, or received −
    called while the ticket is still open)."""

    number: str
    counter: int
    waited: timedelta | None
    served: timedelta | None


intake_ticket: Hook[[Session, Principal, int, datetime], CounterTicket] = Hook("dossier.intake_ticket")
"""The counter intake was opened from a queue ticket (the counter panel's "Tiếp nhận hồ sơ"): the front desk checks
that the officer may receive from it (the commune's, today's, called and not yet linked; otherwise
``ValidationFailed`` in Vietnamese) and says what the form shows of it."""

received_from_ticket: Hook[[Session, Principal, int, Dossier, datetime], None] = Hook("dossier.received_from_ticket")
"""A dossier was just received at the counter from a queue ticket: the front desk links them in the same transaction
(a guarded UPDATE; a ticket linked meanwhile raises ``ValidationFailed`` and the intake is rolled back)."""

ticket_of: Hook[[Session, Dossier], CounterTicket | None] = Hook("dossier.ticket_of")
"""The queue ticket a dossier was received from, for its page (None: it came some other way)."""


@dataclass(frozen=True)
class ReusableDocument:
    """A still-valid document of the citizen's electronic store (kho dữ liệu điện tử) that stands for one checklist
    item of a new dossier: the intake offers it instead of a new scan (Decision 766, 4.3). ``document_id`` is the
    earlier dossier's document (``DossierDocument.reused_from_id`` of the new item)."""

    document_id: int
    requirement_key: str
    name: str
    dossier_code: str
    number: str | None
    issued_on: date
    valid_until: date | None  # None: no expiry


reusable_documents: Hook[[Session, Principal, str | None, int | None, str, Sequence[str], datetime],
                         list[ReusableDocument]] = Hook("dossier.reusable_documents")
"""(actor, the applicant's ID number, the citizen account, the procedure's code, its checklist items, now): the
documents of the citizen's store the intake may reuse for those items, as the actor may be shown them (the store
answers, ``docstore.queries.reusable_for``; the need to know is its). The intake form asks it to offer them, and
``dossier.actions`` asks it again to check what was chosen — a document not offered is refused."""
