"""What the dossier tells the domains above it (``kit.hooks``; connected in ``motcua.wiring``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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
