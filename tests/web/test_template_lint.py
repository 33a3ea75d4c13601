"""The templates render with ``trim_blocks`` (``web.templating``): the newline after a block tag is removed, so a
``{% endif %}`` that ends a line inside an HTML tag glues the next attribute to the previous one — the OTP page
rendered ``autofocusaria-invalid="true"``, one broken attribute instead of two. No template may do that."""

from __future__ import annotations

import re
from pathlib import Path

import motcua.web

TEMPLATES = Path(motcua.web.__file__).parent / "templates"
_GLUED = re.compile(r"(?<![>\s])\{%-? end(?:if|for) -?%\}\n\s+(?:\{%|[a-z-]+[= >])")


def glued_attributes(text: str) -> list[int]:
    lines = []
    for match in _GLUED.finditer(text):
        before = text[:match.start()]
        if before.rfind("<") > before.rfind(">"):  # inside an open tag
            lines.append(before.count("\n") + 1)
    return lines


def test_the_check_finds_the_otp_pages_old_defect() -> None:
    old = ('<input id="code" {% if step == "code" %}autofocus{% endif %}\n'
           '       {% if e %}aria-invalid="true"{% endif %}>')
    assert glued_attributes(old) == [1]
    assert glued_attributes(old.replace("autofocus{%", "autofocus {%")) == []


def test_no_block_tag_ends_a_line_inside_an_html_tag() -> None:
    found = {str(p.relative_to(TEMPLATES)): lines for p in sorted(TEMPLATES.rglob("*.html"))
             if (lines := glued_attributes(p.read_text(encoding="utf-8")))}
    assert not found, f"attributes glued by trim_blocks at: {found}"


_SCROLL = re.compile(r'<div class="scroll[" ][^>]*>')


def test_every_scrolling_box_can_be_reached_by_keyboard() -> None:
    """WCAG 2.1.1 (axe's scrollable-region-focusable): a table that scrolls sideways in its box on a phone must be
    scrollable without a mouse, so the box takes the focus and says what it is (tabindex, role, a label)."""
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        tags = [t for t in _SCROLL.findall(path.read_text(encoding="utf-8"))
                if 'tabindex="0"' not in t or 'role="region"' not in t or "aria-label" not in t]
        if tags:
            found[str(path.relative_to(TEMPLATES))] = tags
    assert not found, f"scrolling boxes the keyboard cannot reach: {found}"
