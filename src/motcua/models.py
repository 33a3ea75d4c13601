"""Imports every table so that ``Base.metadata`` is complete (Alembic and tests read it from here)."""

from motcua.audit import models as audit_models
from motcua.auth import models as auth_models
from motcua.db import Base
from motcua.org import models as org_models

metadata = Base.metadata

__all__ = ["audit_models", "auth_models", "metadata", "org_models"]
