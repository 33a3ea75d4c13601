"""FastAPI dependencies of the dossier package: the file store and the caller's address."""

from __future__ import annotations

from fastapi import Request

from motcua.dossier.files import FileStore


async def get_store(request: Request) -> FileStore:
    store: FileStore = request.app.state.files
    return store


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
