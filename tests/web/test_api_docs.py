"""``/api/docs`` works offline under the site's CSP (issue 13, "Also"): Swagger UI from vendored files, started by a
script file of our own, no CDN and no inline script."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_api_docs_loads_only_vendored_same_origin_scripts(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text), "an inline script, which the CSP blocks"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css",
            "/static/swagger-init.js"} <= set(assets)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 100, asset
    assert client.get("/api/openapi.json").json()["info"]["title"] == "motcua API"
