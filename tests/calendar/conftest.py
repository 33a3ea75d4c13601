"""Fixtures shared by the calendar's page tests."""

from __future__ import annotations

import pytest

from motcua.base.roles import Role
from tests.factories import login, make_officer


@pytest.fixture
def province_admin(client, session):
    """A province administrator (Phú Thọ), logged in: the one who records the calendar's announcements."""
    make_officer(session, username="tinh.qt", commune_code=None, roles=(Role.ADMIN,), with_post=False)
    login(client, "tinh.qt")
    return client
