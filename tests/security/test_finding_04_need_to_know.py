"""Issue 13 finding 4: the access gate checked the commune, not the need to know — digital volunteers and council
members read every dossier's ID number, phone, scans and the whole register of their commune, and searched by ID.

The rule (Decree 13/2023/NĐ-CP Art. 3(4): personal data processed only as far as the purpose needs; OWASP ASVS 4.0
V4.1.3 least privilege; house rule 7: outside the need to know it is 404, never the data): a volunteer sees only
the dossiers they filed with the citizen's consent; council members and administrators see no one's dossier; the
province sees a dossier's handling with the identity masked; the commune's counter, divisions and director see
their commune's dossiers in full. The table is ``motcua.base.access`` and docs/need-to-know.md.
"""

from __future__ import annotations

from pathlib import Path

from tests.factories import VALID_ID
from tests.security.need_to_know_world import APPLICANT_PHONE, SENDER_PHONE, VOLUNTEER_ID, build_world

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


def test_finding_04_a_volunteer_sees_only_the_dossiers_they_filed_with_consent(client, session, store):
    """Tổ công nghệ số cộng đồng help one citizen at a time, with that citizen's consent: the dossier received at
    the counter is 404 to them (page, scan, form), the register is refused, a search by its ID number finds
    nothing; the dossier they filed for a citizen is theirs to follow."""
    world = build_world(session, store)
    c, _ = world.client_for(client, "volunteer")
    d = world.dossier_id
    assert c.get(f"/dossiers/{d}").status_code == 404
    assert c.get(f"/dossiers/{d}/documents/{world.document_id}").status_code == 404
    assert c.get(f"/dossiers/{d}/forms/receipt.pdf").status_code == 404
    assert c.get("/register.xlsx", params=PERIOD).status_code == 403
    found = c.get("/dossiers", params={"q": VALID_ID})
    assert found.status_code == 200 and f"/dossiers/{d}" not in found.text and APPLICANT_PHONE not in found.text
    own = c.get(f"/dossiers/{world.filed_id}")
    assert own.status_code == 200 and VOLUNTEER_ID in own.text


def test_finding_04_council_members_and_administrators_see_no_ones_dossier(client, session, store):
    """The council supervises through aggregates; a system administrator administers officers and the catalogue:
    neither needs a citizen's file. Dossier pages, scans and forms are 404; the dossier list, the register and
    the search are refused; feedback cases (with the sender's phone) are refused."""
    world = build_world(session, store)
    d = world.dossier_id
    for caller in ("council", "admin"):
        c, _ = world.client_for(client, caller)
        assert c.get(f"/dossiers/{d}").status_code == 404, caller
        assert c.get(f"/dossiers/{d}/documents/{world.document_id}").status_code == 404, caller
        assert c.get(f"/dossiers/{d}/forms/receipt.pdf").status_code == 404, caller
        assert c.get("/register.xlsx", params=PERIOD).status_code == 403, caller
        searched = c.get("/dossiers", params={"q": VALID_ID})
        assert searched.status_code == 403 and APPLICANT_PHONE not in searched.text, caller
        case = c.get(f"/feedback/{world.case_id}")
        assert case.status_code in (403, 404) and SENDER_PHONE not in case.text, caller


def test_finding_04_the_province_sees_the_handling_with_the_identity_masked(client, session, store):
    """The province monitor drills down from the index to a dossier's handling: the page opens, the ID number and
    phone are masked (never their last four digits, the public lookup's secret); scans, forms and the register
    are not theirs."""
    world = build_world(session, store)
    c, _ = world.client_for(client, "province_monitor")
    page = c.get(f"/dossiers/{world.dossier_id}")
    assert page.status_code == 200
    assert VALID_ID not in page.text and APPLICANT_PHONE not in page.text
    assert VALID_ID[:3] + "•" in page.text and VALID_ID[-4:] not in page.text.split(VALID_ID[:3] + "•")[1][:20]
    assert c.get(f"/dossiers/{world.dossier_id}/documents/{world.document_id}").status_code == 404
    assert c.get("/register.xlsx", params=PERIOD).status_code == 403
    case = c.get(f"/feedback/{world.case_id}")
    assert case.status_code == 200 and SENDER_PHONE not in case.text


def test_the_communes_officers_still_see_their_dossiers_in_full(client, session, store):
    """The counter, a specialist and the centre's director of the commune work on the citizen's file: page with
    ID number and phone, scan, register, search by ID number."""
    world = build_world(session, store)
    d = world.dossier_id
    for caller in ("reception", "specialist", "centre_director"):
        c, _ = world.client_for(client, caller)
        page = c.get(f"/dossiers/{d}")
        assert page.status_code == 200 and VALID_ID in page.text and APPLICANT_PHONE in page.text, caller
        assert VALID_ID.encode() in c.get(f"/dossiers/{d}/documents/{world.document_id}").content, caller
        assert f"/dossiers/{d}" in c.get("/dossiers", params={"q": VALID_ID}).text, caller


def test_the_need_to_know_table_in_the_docs_is_the_one_the_gates_read():
    """docs/need-to-know.md shows the table of ``motcua.base.access`` as it is (regenerate it from
    ``markdown_table()`` when the table changes)."""
    from motcua.base.access import markdown_table

    doc = (Path(__file__).resolve().parents[2] / "docs" / "need-to-know.md").read_text(encoding="utf-8")
    assert markdown_table() in doc
