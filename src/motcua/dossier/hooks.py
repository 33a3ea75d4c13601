"""What the dossier tells the domains above it (``kit.hooks``; connected in ``motcua.wiring``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from motcua.kit.hooks import Hook

dossiers_changed: Hook[[Session, Sequence[int]], None] = Hook("dossier.changed")
"""Dossiers whose facts changed — received, moved through the workflow, due date recomputed, a fee paid. The
service index (``index``) queues them to be folded again (Decision 766), in the same transaction as the change."""
