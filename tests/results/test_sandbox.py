"""The template sandbox (issue 17): a template reaches its fields only, cannot loop without end, cannot render
megabytes — each refused at save (``check_template``) or stopped at render (``render_body``) in Vietnamese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motcua.results import sandbox
from motcua.results.sandbox import Field, TemplateRefused, check_template, render_body
from motcua.results.schemas import STANDARD_FIELDS, TemplateFile

FIELDS = [*STANDARD_FIELDS, Field("noi_dung", "Nội dung", "list", 200), Field("ghi_chu", "Ghi chú", "multiline", 500)]


def test_a_plain_template_renders_its_fields_escaped() -> None:
    body = "<p>{{ nguoi_nop | upper }}: {% for x in noi_dung %}{{ loop.index }}. {{ x }}{% endfor %}</p>"
    check_template(body, FIELDS)
    html = render_body(body, {"nguoi_nop": "Đặng <b>Đức</b>", "noi_dung": ["a", "b"]})
    assert html == "<p>ĐẶNG &lt;B&gt;ĐỨC&lt;/B&gt;: 1. a2. b</p>"


@pytest.mark.parametrize("body", [
    "{{ dossier }}",  # a name that is no field
    "{{ nguoi_nop.__class__ }}",  # attribute access
    "{{ nguoi_nop.__class__.__mro__[1].__subclasses__() }}",
    "{{ noi_dung[0] }}",  # item access
    "{{ nguoi_nop.upper() }}",  # a call
    "{{ range(10) }}",  # a global
    "{{ lipsum() }}",
    "{% set x = 1 %}{{ x }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% include 'base.html' %}",
    "{{ self }}",
    "{{ config }}",
    "{{ nguoi_nop | attr('__class__') }}",  # a filter outside the list
    "{{ 9 ** 9 ** 9 }}",  # arithmetic
])
def test_reading_beyond_the_fields_is_refused_at_save(body: str) -> None:
    with pytest.raises(TemplateRefused) as refused:
        check_template(body, FIELDS)
    assert refused.value.fields["body"]  # the message sits next to the body field


def test_a_loop_without_end_is_refused_at_save() -> None:
    """Recursive loops and loops nested deeper than the limit never reach a dossier."""
    with pytest.raises(TemplateRefused, match="đệ quy"):
        check_template("{% for x in noi_dung recursive %}{{ loop(noi_dung) }}{% endfor %}", FIELDS)
    nested = ("{% for a in noi_dung %}{% for b in noi_dung %}{% for c in noi_dung %}.{% endfor %}{% endfor %}"
              "{% endfor %}")
    with pytest.raises(TemplateRefused, match="lồng nhau"):
        check_template(nested, FIELDS)


def test_a_runaway_loop_is_stopped_at_render_by_the_clock() -> None:
    """Nested loops that output nothing are stopped by the deadline each item of a list field checks."""
    body = "{% for a in noi_dung %}{% for b in noi_dung %}{% endfor %}{% endfor %}"
    check_template(body, FIELDS)  # at the fields' sizes it is harmless
    with pytest.raises(TemplateRefused, match="quá lâu"):
        render_body(body, {"noi_dung": list(range(100_000))}, seconds=0.05)


def test_megabytes_are_refused_at_save_and_stopped_at_render() -> None:
    body = "{% for a in noi_dung %}{% for b in noi_dung %}{{ ghi_chu }}{{ ghi_chu }}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateRefused, match="nghìn ký tự"):
        check_template(body, FIELDS)  # the large sample: 50 × 50 × 2 × 500 characters
    with pytest.raises(TemplateRefused, match="nghìn ký tự"):
        render_body("{% for a in noi_dung %}{{ ghi_chu }}{% endfor %}", {"noi_dung": ["x"] * 5000,
                                                                         "ghi_chu": "y" * 1000})


def test_html_outside_the_allowed_tags_is_refused() -> None:
    for body in ("<script>alert(1)</script>", '<img src="http://example.org/x.png">', "<p style='x'>a</p>",
                 '<a href="x">a</a>', "<style>p{}</style>"):
        with pytest.raises(TemplateRefused):
            check_template(body, FIELDS)


def test_size_and_syntax_are_checked() -> None:
    with pytest.raises(TemplateRefused, match="dài quá"):
        check_template("x" * (sandbox.MAX_SOURCE_CHARS + 1), FIELDS)
    with pytest.raises(TemplateRefused, match="cú pháp"):
        check_template("{% if %}", FIELDS)


def test_every_shipped_template_passes_the_sandbox() -> None:
    path = Path(sandbox.__file__).parent / "data" / "templates.json"
    shipped = TemplateFile.model_validate(json.loads(path.read_text(encoding="utf-8")))
    assert len(shipped.templates) >= 6
    for template in shipped.templates:
        check_template(template.body, template.sandbox_fields())
