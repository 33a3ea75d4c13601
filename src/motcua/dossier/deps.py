"""FastAPI dependencies of the dossier package: the file store and the caller's address."""

from __future__ import annotations

from fastapi import Request

from motcua.auth.deps import client_ip as client_ip  # the one client-address function lives in auth (layers)
from motcua.dossier.files import FileStore

__all__ = ["client_ip", "get_store"]


async def get_store(request: Request) -> FileStore:
    store: FileStore = request.app.state.files
    return store
