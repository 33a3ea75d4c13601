"""What the calendar tells the domains above it (``kit.hooks``; connected in ``motcua.wiring``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from motcua.kit.hooks import Hook

calendar_changed: Hook[[Session, str | None, datetime], int] = Hook("calendar.changed")
"""The legal calendar of a province (``None``: every province) changed — a day off recorded or withdrawn, working
hours set. Receivers re-derive what depends on it inside the same transaction and return how many records changed
(the dossier package recomputes the due dates of open dossiers: Decree 118 Art. 19 counts working days)."""
