"""The ASGI entry point for uvicorn or any other server: ``motcua.asgi:app``."""

import sys

from motcua.app import create_app
from motcua.config import InsecureConfiguration

try:
    app = create_app()
except InsecureConfiguration as exc:  # a clear line and a non-zero exit, not a traceback, from every worker
    sys.exit(f"motcua: {exc}")
