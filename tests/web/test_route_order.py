"""The JSON API is matched before the HTML pages (a cost measure, see ``create_app``): safe only while no page
route can match an API path and no API route a page path, which these tests hold."""

from __future__ import annotations

from fastapi.routing import APIRoute

from motcua.app import API_PREFIX, route_table


def test_no_page_route_can_match_an_api_path(app):
    """A page path that began with a parameter (``/{slug}``) or with ``/api`` could answer an API request once the
    routers were reordered; every page path starts with a literal segment of its own."""
    pages = [r for r in route_table(app) if not r.path.startswith(f"{API_PREFIX}/")]
    assert len(pages) > 50
    for route in pages:
        assert not route.path.startswith(("/{", "/api")), route.path


def test_api_routers_come_before_the_page_routers_but_after_home(app):
    order = [(prefix, router) for prefix, router in app.state.routers]
    api = [i for i, (prefix, _) in enumerate(order) if prefix == API_PREFIX]
    pages = [i for i, (prefix, _) in enumerate(order) if prefix != API_PREFIX]
    assert api == list(range(1, 1 + len(api)))
    assert pages == [0, *range(1 + len(api), len(order))]
    home = order[0][1]
    assert {r.path for r in home.routes if isinstance(r, APIRoute)} >= {"/healthz"}


def test_pages_and_api_answer_as_before(client):
    """One request on each side of the boundary, through the real router: the page, the API, a 404 on each."""
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get(f"{API_PREFIX}/me").status_code == 401
    missing = client.get(f"{API_PREFIX}/khong-co")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "http_404"
    assert client.get("/khong-co").status_code == 404
    wrong_method = client.delete(f"{API_PREFIX}/dossiers")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"  # FastAPI names the methods of the first route on the path
