"""Accessibility checks for the browser tests: axe-core run inside the page under test.

Call :func:`assert_accessible` from any journey, at the moment the page shows the state worth checking::

    from tests.e2e.a11y import assert_accessible

    page.goto(live_server + "/tra-cuu")
    assert_accessible(page, name=f"lookup-phone-{fresh_db.kind}")

It runs the WCAG 2.0 / 2.1 level A and AA rules of the vendored axe-core (``tests/e2e/vendor/axe-core``, nothing is
fetched at test time), fails listing every violation of impact "serious" or "critical" — rule, help text and the
CSS selectors of the offending elements — and always writes axe's full result to ``test-artifacts/axe-<name>.json``
(the "minor"/"moderate" findings and the "incomplete" ones, which need a human, are there too). Give each call a
name unique within the run (page, state, viewport, database backend), or one file overwrites another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.e2e.conftest import ARTIFACTS

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
#: The success criteria of WCAG 2.0 and 2.1, levels A and AA (the level Vietnamese public portals aim at too).
WCAG_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
#: Impacts that fail the test; "minor" and "moderate" are only reported in the JSON file.
BLOCKING_IMPACTS: frozenset[str] = frozenset({"serious", "critical"})

_RUN_AXE = """async ([context, options]) => {
  const result = await window.axe.run(context, options);
  return JSON.parse(JSON.stringify(result));
}"""


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def inject_axe(page: Page) -> None:
    """Define ``window.axe`` in the current document (again after every navigation: each document is new).

    The app's Content-Security-Policy (``default-src 'self'``, no inline scripts) stays on: ``page.add_script_tag``
    with the source would be an inline <script> the CSP refuses, and a context with ``bypass_csp=True`` would also
    apply whatever the CSP blocks for real users (inline styles, say), so axe would judge a page nobody sees.
    Instead the source is evaluated through Playwright's protocol channel (``page.evaluate``), which the page's CSP
    does not govern; the page itself is rendered exactly as served. It also works on any page a journey already
    has, with no special browser context.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        raise AssertionError(f"axe-core could not be loaded into {page.url}")


def run_axe(page: Page, *, include: Sequence[str] = (), exclude: Sequence[str] = (),
            disable_rules: Sequence[str] = ()) -> dict[str, Any]:
    """axe's full result for the current page, WCAG 2.0/2.1 A and AA rules only."""
    page.wait_for_load_state("load")
    inject_axe(page)
    context: dict[str, Any] = {"exclude": [[s] for s in exclude]}
    if include:
        context["include"] = [[s] for s in include]
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
        "rules": {rule: {"enabled": False} for rule in disable_rules},
    }
    result: dict[str, Any] = page.evaluate(_RUN_AXE, [context, options])
    return result


def blocking_violations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The violations of an axe result whose impact is serious or critical."""
    return [v for v in result.get("violations", []) if v.get("impact") in BLOCKING_IMPACTS]


def format_violations(violations: Sequence[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v['id']}: {v.get('help', '')} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", []):
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else str(t) for t in node.get("target", []))
            summary = " ".join(str(node.get("failureSummary", "")).split())
            summary = summary if len(summary) <= 300 else summary[:299] + "…"
            lines.append(f"    {target}" + (f" — {summary}" if summary else ""))
    return "\n".join(lines)


def _artifact_name(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    if not slug:
        raise ValueError(f"assert_accessible needs a usable name, got {name!r}")
    return slug


def assert_accessible(page: Page, *, name: str, include: Sequence[str] = (), exclude: Sequence[str] = (),
                      disable_rules: Sequence[str] = ()) -> dict[str, Any]:
    """Fail when axe finds a serious or critical WCAG 2.0/2.1 A/AA violation on the page as it is now.

    ``name`` names the artifact ``test-artifacts/axe-<name>.json`` (written before the assertion, pass or fail).
    ``include``/``exclude`` are CSS selectors narrowing what is checked (e.g. exclude a vendored chart's canvas);
    ``disable_rules`` turns rules off by axe id. Use the last two sparingly and say why next to the call: every
    exception is a barrier some citizen meets. Returns the full result for further assertions.
    """
    result = run_axe(page, include=include, exclude=exclude, disable_rules=disable_rules)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"axe-{_artifact_name(name)}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    found = blocking_violations(result)
    assert not found, (
        f"axe-core {result.get('testEngine', {}).get('version', '?')} found {len(found)} serious/critical "
        f"accessibility violation(s) on {page.url} (full result: {path}):\n{format_violations(found)}"
    )
    return result
