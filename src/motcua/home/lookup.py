"""The public lookup page's query (tra cứu hồ sơ): what the result card shows once ``dossier.lookups.public_lookup``
has checked the code and the 4 digits, the rating link included (Decree 118/2025 Art. 31–33).

It composes three domains (the dossier, the citizen's supplement, its rating), so it lives with the shell pages
rather than in any of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from motcua.dossier.models import Dossier
from motcua.dossier.workflow import STATUS_LABELS, SUPPLEMENT_TO_CONFIRM, Status
from motcua.feedback.queries import rating_link
from motcua.portal.queries import AWAITING_CITIZEN, asked_names, public_timeline, supplement_due, supplement_request

#: Paused for the citizen's supplement after receipt (Art. 19(5)): the appointment of the receipt no longer holds; a
#: new one is counted from zero once the centre confirms the supplement complete.
PAUSED_FOR_SUPPLEMENT = frozenset({Status.AWAITING_SUPPLEMENT, Status.SUPPLEMENT_SUBMITTED})
#: Filed online and not yet accepted: ``due_at`` is the centre's 8 working hours to accept it (Art. 17(2)).
BEFORE_ACCEPTANCE = frozenset({Status.SUBMITTED, Status.INTAKE_SUPPLEMENT_SUBMITTED})


@dataclass(frozen=True)
class LookupResult:
    """The result card: the dossier's public facts, its status in words, and the link to rate it if offered; while
    the dossier waits for a supplement, what is missing (the procedure's document names) and by when."""

    dossier: Dossier
    status_label: str
    rate_url: str | None
    missing: tuple[str, ...] = ()
    supplement_due: datetime | None = None
    awaiting_supplement: bool = False  # the citizen is asked for documents (the card says what and by when)
    supplement_sent: bool = False  # the citizen sent them; the centre checks them
    paused: bool = False  # the appointment is suspended (Art. 19(5)): the card does not show it as holding
    before_acceptance: bool = False  # ``due_at`` is the deadline to accept, not an appointment


def lookup_result(session: Session, dossier: Dossier, *, secret_key: str, now: datetime) -> LookupResult:
    """The card of a dossier the reader has just proved they hold (its code and 4 digits): the lookup shows no
    personal data, only the procedure, the status and the dates — and, while a supplement is asked, the names of
    the documents listed on the request (never the officer's note, which may name people) and its deadline, the
    one the citizen's page and the centre's closing rule use (``portal.queries.supplement_due``)."""
    status = Status(dossier.status)
    label = STATUS_LABELS[status]
    awaiting = status in AWAITING_CITIZEN
    missing: tuple[str, ...] = ()
    due = None
    if awaiting:
        missing = tuple(asked_names(supplement_request(public_timeline(session, dossier))))
        due = supplement_due(session, dossier, now)
    # "Đã trả kết quả" reads as a sentence after "Trạng thái"; the other labels are names
    return LookupResult(dossier, label.lower() if dossier.status == Status.RETURNED else label,
                        rating_link(session, dossier, secret_key=secret_key, now=now),
                        missing=missing, supplement_due=due, awaiting_supplement=awaiting,
                        supplement_sent=status in SUPPLEMENT_TO_CONFIRM,
                        paused=status in PAUSED_FOR_SUPPLEMENT, before_acceptance=status in BEFORE_ACCEPTANCE)
