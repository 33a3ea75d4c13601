"""The ASGI entry point for uvicorn or any other server: ``motcua.asgi:app``."""

from motcua.app import create_app

app = create_app()
