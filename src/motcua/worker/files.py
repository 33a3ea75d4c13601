"""The file store's housekeeping job (run by ``motcua housekeeping``; no web request involved).

It sits with the jobs because it reads every table that references a stored file: the dossier's documents and
consents and the portal's drafts.

Why it exists: an uploaded scan is written to the file store *before* the transaction that references it
commits (``FileStore.put`` inside ``receive_dossier`` / ``add_document``). Writing first means a committed
``DossierDocument`` never points at a missing file; the price is that a crash, a kill or a rollback between the
write and the commit leaves a file no row references. Those orphans hold a citizen's personal data (CCCD scans,
land certificates) that no dossier accounts for, so they must not stay on disk for ever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.dossier.files import FileStore
from motcua.dossier.models import DossierDocument, FilingConsent
from motcua.portal.models import DraftFile

ORPHAN_GRACE = timedelta(hours=1)
"""How old an unreferenced file must be before it goes: longer than any intake transaction can take to commit."""


def sweep_orphan_files(session: Session, store: FileStore, *, now: datetime,
                       grace: timedelta = ORPHAN_GRACE) -> list[str]:
    """Remove stored files that no ``DossierDocument`` references and that were last written before ``now - grace``.

    Returns the removed keys. The grace period protects transactions in flight: their files are already on disk
    but not yet referenced by any committed row, and ``FileStore.put`` refreshes the mtime of a file it finds
    already stored, so a file being attached again is young too. ``grace=0`` is only safe when nothing can be
    writing (after a restart, before the service takes requests).

    The referenced keys are read with one query, before the store is listed: a document committed after that
    read has a file younger than the grace period, which the sweep leaves alone.
    """
    if grace < timedelta(0):
        raise ValueError("grace must not be negative: files of transactions in flight would be removed.")
    referenced = set(session.scalars(select(DossierDocument.file_key).distinct()))
    referenced |= set(session.scalars(select(DraftFile.file_key).distinct()))
    referenced |= {k for k in session.scalars(select(FilingConsent.file_key).distinct()) if k}
    return store.sweep(referenced, older_than=now - grace, now=now)
