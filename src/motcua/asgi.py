"""The ASGI entry point for uvicorn or any other server: ``motcua.asgi:app``."""

import sys

from motcua.app import create_app
from motcua.config import InsecureConfiguration, get_settings
from motcua.kit.logs import configure_logging
from motcua.web.server import tune_garbage_collector

# A server that imports the app (each of uvicorn's worker processes, gunicorn) logs through the one configuration.
configure_logging(get_settings().effective_log_format, get_settings().log_level)

try:
    app = create_app()
except InsecureConfiguration as exc:  # a clear line and a non-zero exit, not a traceback, from every worker
    sys.exit(f"motcua: {exc}")

tune_garbage_collector()  # see its doc: the index pages' p95
