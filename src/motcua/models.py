"""Imports every table so that ``Base.metadata`` is complete (Alembic and tests read it from here)."""

from motcua.audit import models as audit_models
from motcua.auth import models as auth_models
from motcua.calendar import models as calendar_models
from motcua.catalog import models as catalog_models
from motcua.db import Base
from motcua.docstore import models as docstore_models
from motcua.dossier import models as dossier_models
from motcua.feedback import models as feedback_models
from motcua.index import models as index_models
from motcua.index import portal_models as index_portal_models
from motcua.notify import models as notify_models
from motcua.org import models as org_models
from motcua.portal import models as portal_models
from motcua.queue import booking_models as queue_booking_models
from motcua.queue import models as queue_models
from motcua.results import models as results_models

metadata = Base.metadata

__all__ = ["audit_models", "auth_models", "calendar_models", "catalog_models", "docstore_models", "dossier_models",
           "feedback_models", "index_models", "index_portal_models", "metadata", "notify_models", "org_models",
           "portal_models", "queue_booking_models", "queue_models", "results_models"]
