"""The menu offers a link exactly when its page would open (house rule 14: a template never decides a permission).

The menu's links and the routes' ``require_roles`` read the same role sets (``base.roles``: INTAKE_ROLES,
ASSISTED_FILING_ROLES, ADMIN_ROLES). For an officer of each single role, every link the menu or the dossier list
offers must open (200) and every one withheld must be refused (403).
"""

from __future__ import annotations

import pytest

from motcua.base.roles import OFFICER_ROLES, PROVINCE_ROLES, Role
from tests.factories import login, make_officer

#: (the page a link goes to, where the link is shown, the link's href as written in the page)
LINKS = [
    ("/ho-tro-nop", "/home", 'href="/ho-tro-nop"'),
    ("/admin/officers/new", "/home", 'href="/admin/officers/new"'),
    ("/admin/tokens", "/home", 'href="/admin/tokens"'),
    ("/dossiers/new", "/dossiers", 'href="/dossiers/new"'),
]


@pytest.mark.parametrize("role", [r for r in OFFICER_ROLES if r not in PROVINCE_ROLES], ids=str)
def test_the_menu_offers_what_opens_and_withholds_what_is_refused(client, session, role: Role) -> None:
    officer = make_officer(session, roles=(role,))
    assert login(client, officer.username).status_code == 303
    for target, shown_on, href in LINKS:
        page = client.get(shown_on)
        offered = href in page.text if page.status_code == 200 else False
        opened = client.get(target).status_code
        assert opened in (200, 403), (role, target, opened)
        assert offered == (opened == 200), f"{role}: {target} offered={offered} but answers {opened}"
