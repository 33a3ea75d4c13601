"""Scheduled jobs of the dossier package, against the database (SQLite and PostgreSQL) and a real file store.

Files are written before the commit that references them, so a crash in between leaves an orphan;
``sweep_orphan_files`` removes orphans once they are older than any transaction in flight could be.
"""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta

import pytest
from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.dossier.actions import Upload, receive_dossier
from motcua.dossier.files import FileStore, inspect_upload
from motcua.dossier.models import DossierDocument
from motcua.worker.files import ORPHAN_GRACE, sweep_orphan_files
from tests.factories import T0, intake_data, staff


def numbered_pdf(n: int) -> bytes:
    """A one-page PDF whose bytes (and so whose key) differ with ``n``."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Hồ sơ số {n}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def put(store: FileStore, data: bytes) -> str:
    return store.put(inspect_upload("scan.pdf", data), data)


def age(store: FileStore, key: str, at: datetime) -> None:
    """Pretend the file was last written at ``at``."""
    os.utime(store.path(key), (at.timestamp(), at.timestamp()))


def attached_key(session: Session, store: FileStore, n: int) -> str:
    """Receive a dossier with one scan and return the scan's key (now referenced by a DossierDocument)."""
    team = staff(session)
    result = receive_dossier(session, actor=team["reception"], data=intake_data(), now=T0, store=store,
                             uploads=[Upload("giay_de_nghi", "giay-de-nghi.pdf", numbered_pdf(n))])
    session.flush()
    return session.scalars(select(DossierDocument.file_key)
                           .where(DossierDocument.dossier_id == result.dossier.id)).one()


def test_referenced_files_are_kept_however_old(session: Session, store: FileStore) -> None:
    """A file a DossierDocument references is part of a dossier's record: never swept, even years old."""
    key = attached_key(session, store, 1)
    age(store, key, T0 - timedelta(days=800))
    assert sweep_orphan_files(session, store, now=T0) == []
    assert store.exists(key)


def test_an_unreferenced_young_file_is_kept(session: Session, store: FileStore) -> None:
    """A young orphan may belong to an intake that has not committed yet (files are written before the commit)."""
    attached_key(session, store, 1)
    young = put(store, numbered_pdf(2))
    age(store, young, T0 - ORPHAN_GRACE + timedelta(minutes=1))
    assert sweep_orphan_files(session, store, now=T0) == []
    assert store.exists(young)


def test_an_unreferenced_old_file_is_removed(session: Session, store: FileStore) -> None:
    """An orphan older than the grace period is what a crash between write and commit left: it goes; the
    referenced file and the young orphan beside it stay."""
    kept = attached_key(session, store, 1)
    age(store, kept, T0 - timedelta(days=30))
    young = put(store, numbered_pdf(2))
    age(store, young, T0 - timedelta(minutes=5))
    old = put(store, numbered_pdf(3))
    age(store, old, T0 - ORPHAN_GRACE - timedelta(minutes=1))
    assert sweep_orphan_files(session, store, now=T0) == [old]
    assert not store.exists(old)
    assert store.exists(kept) and store.exists(young)
    assert sorted(store.keys()) == sorted([kept, young])


def test_the_grace_period_is_the_callers_choice(session: Session, store: FileStore) -> None:
    """After a restart nothing is in flight, so grace=0 takes every orphan; a negative grace is refused (it would
    reach into the future, where in-flight files live)."""
    kept = attached_key(session, store, 1)
    orphan = put(store, numbered_pdf(2))
    age(store, orphan, T0 - timedelta(seconds=1))
    assert sweep_orphan_files(session, store, now=T0, grace=timedelta(0)) == [orphan]
    assert list(store.keys()) == [kept]
    with pytest.raises(ValueError, match="negative"):
        sweep_orphan_files(session, store, now=T0, grace=timedelta(seconds=-1))
