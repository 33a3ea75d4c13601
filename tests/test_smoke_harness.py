"""The harness itself: migrations produce the models' schema, and the units of the test provinces are there."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from motcua.models import metadata
from motcua.org.models import Commune


def test_migrations_match_the_models(db):
    """House rule: every table comes from an Alembic migration; a model change without one is caught here."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_phu_tho_has_its_148_communes(session):
    """Decision 19/2025/QĐ-TTg: Phú Thọ (code 25) has 148 commune-level units after 1 July 2025."""
    count = session.execute(select(func.count()).select_from(Commune).where(Commune.province_code == "25"))
    assert count.scalar_one() == 148
