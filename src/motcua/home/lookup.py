"""The public lookup page's query (tra cứu hồ sơ): what the result card shows once ``dossier.lookups.public_lookup``
has checked the code and the 4 digits, the rating link included (Decree 118/2025 Art. 31–33).

It composes two domains (the dossier and its rating), so it lives with the shell pages rather than in either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from motcua.dossier.models import Dossier
from motcua.dossier.workflow import STATUS_LABELS, Status
from motcua.feedback.queries import rating_link


@dataclass(frozen=True)
class LookupResult:
    """The result card: the dossier's public facts, its status in words, and the link to rate it if offered."""

    dossier: Dossier
    status_label: str
    rate_url: str | None


def lookup_result(session: Session, dossier: Dossier, *, secret_key: str, now: datetime) -> LookupResult:
    """The card of a dossier the reader has just proved they hold (its code and 4 digits): the lookup shows no
    personal data, only the procedure, the status and the dates."""
    label = STATUS_LABELS[Status(dossier.status)]
    # "Đã trả kết quả" reads as a sentence after "Trạng thái"; the other labels are names
    return LookupResult(dossier, label.lower() if dossier.status == Status.RETURNED else label,
                        rating_link(session, dossier, secret_key=secret_key, now=now))
