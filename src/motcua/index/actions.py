"""Writes of the service index that other domains call.

``queue_fold`` is what every dossier action calls for the dossier it changed: an INSERT into ``index_pending`` in
the action's transaction (no shared row, so officers never queue on the index); the worker folds it
(``index.tasks.fold``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert
from sqlalchemy.orm import Session

from motcua.index.models import IndexPending


def queue_fold(session: Session, dossier_ids: Iterable[int]) -> None:
    """Queue dossiers whose contribution to the index may have changed."""
    ids = [{"dossier_id": i} for i in dossier_ids]
    if ids:
        session.execute(insert(IndexPending), ids)
