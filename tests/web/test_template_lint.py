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
