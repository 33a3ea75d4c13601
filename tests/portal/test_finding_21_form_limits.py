"""Issue 13, finding 21: the portal draft form's field limit applies, whoever parses the form first.

OWASP ASVS 4.0 §13.1.3 / §12.1.1: a request may make the server parse only as much as its route needs. Starlette
parses a form once and caches it; the CSRF check parsed it first with Starlette's defaults (1,000 fields), so the
draft route's ``max_fields=60`` was never applied.
"""

from __future__ import annotations

from typing import Any

from tests.factories import csrf_token
from tests.portal.test_portal import FIELDS, new_draft, sign_in


def _post(client: Any, draft_id: int, extra: int, *, multipart: bool) -> Any:
    token = csrf_token(client, f"/cong-dan/ho-so-nhap/{draft_id}")
    data = {**FIELDS, "intent": "save", "csrf_token": token, **{f"field_x{i}": "x" for i in range(extra)}}
    files = {"file_giay_de_nghi": ("", b"", "application/octet-stream")} if multipart else None
    return client.post(f"/cong-dan/ho-so-nhap/{draft_id}", data=data, files=files, follow_redirects=False)


def test_finding_21_a_portal_draft_with_more_than_60_fields_is_refused_in_vietnamese(client: Any,
                                                                                     session: Any) -> None:
    """A draft POST of 61 fields and more — urlencoded or multipart, the CSRF token among them and valid — is
    refused with 413 and a Vietnamese message, and nothing of it is saved; the same form within the limit saves."""
    sign_in(client, session)
    draft_id = new_draft(client)
    within = _post(client, draft_id, 60 - len(FIELDS) - 2, multipart=False)
    assert within.status_code == 303, within.text
    for multipart in (False, True):
        refused = _post(client, draft_id, 61, multipart=multipart)
        assert refused.status_code == 413, refused.text
        assert "quá nhiều trường" in refused.text
        page = client.get(f"/cong-dan/ho-so-nhap/{draft_id}")
        assert page.status_code == 200 and "field_x60" not in page.text
