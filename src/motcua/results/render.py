"""A result as an official document (Decree 30/2020/NĐ-CP, Appendix I): the sandboxed body in the shared layout.

The layout is the one of the dossier's forms (``motcua.dossier.forms``: its fonts, stylesheet, QR code and
network-less fetcher are reused by import): the issuing body top left and the national header top right (Quốc hiệu
"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Tiêu ngữ "Độc lập - Tự do - Hạnh phúc"), the number "Số: 12/QĐ-UBND" under the
body, the place and date line "Chí Tiên, ngày 07 tháng 12 năm 2026" under the header, the title, the body, "Nơi
nhận" bottom left and the signer's block bottom right with an empty box where the visible signature appearance is
drawn, the agency seal's box beside it, and a QR code to the public verification page (``/xac-minh/{code}``).

``render_pdf`` returns the PDF and the rectangles (PDF points, origin bottom left) of the two signature boxes, read
from WeasyPrint's layout, so the signatures are drawn exactly where the page left room for them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from motcua.dossier.forms.render import (
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    STYLESHEET,
    TEMPLATES_DIR,
    LocalOnlyFetcher,
    qr_data_uri,
    vn_date,
)
from motcua.results.sandbox import render_body

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels (1/96 in); PDF points are 1/72 in

LAYOUT_CSS = """
.result-body { margin-top: 6pt; }
p.subtitle { text-align: center; font-weight: bold; font-style: normal; margin: -4pt 0 2pt 0; }
.result-body p { text-indent: 1cm; margin: 0 0 6pt 0; text-align: justify; }
.result-body table { width: 100%; border-collapse: collapse; margin: 6pt 0; }
.result-body td, .result-body th { border: 0.5pt solid #000; padding: 2pt 4pt; vertical-align: top; }
.result-body td:first-child { width: 32%; }
.result-body h2, .result-body h3 { font-size: 13pt; font-weight: bold; text-align: center; margin: 6pt 0; }
table.closing { width: 100%; margin-top: 14pt; border-collapse: collapse; page-break-inside: avoid; }
table.closing td { vertical-align: top; padding: 0; }
td.recipients { width: 45%; font-size: 11pt; }
td.recipients .head { font-weight: bold; font-style: italic; font-size: 12pt; }
td.recipients ul { list-style: none; margin: 0; padding: 0; }
td.recipients li::before { content: "- "; }
td.signer { width: 55%; text-align: center; }
td.signer .title { font-weight: bold; white-space: pre-line; }
.boxes { height: 32mm; position: relative; margin: 2mm 0; }
#sig-seal { position: absolute; left: 0; top: 0; width: 30mm; height: 30mm; }
#sig-signer { position: absolute; right: 0; top: 2mm; width: 58mm; height: 26mm; }
td.signer .name { font-weight: bold; }
.verify { margin-top: 10pt; font-size: 9pt; color: #222; }
.verify img { width: 22mm; height: 22mm; image-rendering: pixelated; float: left; margin-right: 3mm; }
.paper-note { font-size: 9pt; font-style: italic; }
"""

LAYOUT = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body class="result">
<table class="doc-header">
  <tr>
    <td class="issuer">
      {% if superior %}<div class="superior">{{ superior }}</div>{% endif %}
      {% for line in body_name.splitlines() %}<div class="body">{{ line }}</div>{% endfor %}
      <div class="rule"></div>
    </td>
    <td class="nation">
      <div class="republic">{{ NATIONAL_NAME }}</div>
      <div class="motto"><span>{{ NATIONAL_MOTTO }}</span></div>
    </td>
  </tr>
  <tr class="numbering">
    <td class="number">Số: {{ number }}</td>
    <td class="place-date">{{ place }}, {{ date_line }}</td>
  </tr>
</table>
{% set lines = title.splitlines() %}
<h1>{{ lines[0] | upper }}</h1>
{% for line in lines[1:] %}<p class="subtitle">{{ line }}</p>{% endfor %}
<div class="result-body">{{ body }}</div>
<table class="closing">
  <tr>
    <td class="recipients">
      <div class="head">Nơi nhận:</div>
      <ul>{% for r in recipients %}<li>{{ r }}</li>{% endfor %}</ul>
    </td>
    <td class="signer">
      <div class="title">{{ signer_title }}</div>
      <div class="boxes"><div id="sig-seal"></div><div id="sig-signer"></div></div>
      <div class="name">{{ signer_name }}</div>
    </td>
  </tr>
</table>
{% if verify_url %}
<div class="verify"><img src="{{ qr }}" alt="">Xác minh văn bản: quét mã hoặc mở {{ verify_url }}<br>
Mã xác minh: {{ verification_code }}</div>
{% endif %}
{% if paper_note %}<p class="paper-note">{{ paper_note }}</p>{% endif %}
</body></html>
"""


@dataclass(frozen=True)
class Box:
    """A rectangle on a page in PDF points (origin bottom left): where a visible signature is drawn."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Letterhead:
    """What the layout prints around the body."""

    superior: str  # "ỦY BAN NHÂN DÂN"
    body_name: str  # "XÃ CHÍ TIÊN"
    place: str  # "Chí Tiên"
    title: str
    number: str  # "12/QĐ-UBND", or "      /QĐ-UBND" before the register gives it
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]
    verification_code: str = ""
    verify_url: str = ""
    paper_note: str = ""


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    signer_box: Box | None
    seal_box: Box | None


@lru_cache(maxsize=1)
def _engine() -> tuple[Environment, CSS, CSS, LocalOnlyFetcher, threading.Lock, Any]:
    jinja = Environment(autoescape=True, undefined=StrictUndefined)
    fetcher = LocalOnlyFetcher(allowed_protocols={"file", "data"})
    fonts = FontConfiguration()
    base = CSS(filename=str(STYLESHEET), font_config=fonts, url_fetcher=fetcher)
    extra = CSS(string=LAYOUT_CSS, font_config=fonts, url_fetcher=fetcher)
    return jinja, base, extra, fetcher, threading.Lock(), fonts


def layout_html(head: Letterhead, body_html: str, now: datetime) -> str:
    """The whole document's HTML: ``body_html`` is the sandbox's output (already escaped where it took fields)."""
    jinja = _engine()[0]
    return jinja.from_string(LAYOUT).render(
        NATIONAL_NAME=NATIONAL_NAME, NATIONAL_MOTTO=NATIONAL_MOTTO, superior=head.superior, body_name=head.body_name,
        number=head.number, place=head.place, date_line=vn_date(now), title=head.title, body=Markup(body_html),  # noqa: S704 - the sandbox's output: fields escaped, tags checked at save
        recipients=head.recipients, signer_title=head.signer_title, signer_name=head.signer_name,
        verify_url=head.verify_url, verification_code=head.verification_code,
        qr=qr_data_uri(head.verify_url) if head.verify_url else "", paper_note=head.paper_note)


def _find_boxes(document: Any) -> dict[str, Box]:
    found: dict[str, Box] = {}
    for index, page in enumerate(document.pages):
        height_pt = page.height * PX_TO_PT

        def visit(box: Any, index: int = index, height_pt: float = height_pt) -> None:
            element = getattr(box, "element", None)
            ident = element.get("id") if element is not None else None
            if ident in ("sig-signer", "sig-seal") and ident not in found:
                x, y = box.border_box_x(), box.border_box_y()
                w, h = box.border_width(), box.border_height()
                found[ident] = Box(index, x * PX_TO_PT, height_pt - (y + h) * PX_TO_PT, (x + w) * PX_TO_PT,
                                   height_pt - y * PX_TO_PT)
            for child in getattr(box, "children", ()):
                visit(child)

        visit(page._page_box)
    return found


def render_pdf(head: Letterhead, body: str, values: dict[str, Any], now: datetime) -> Rendered:
    """Render the template's ``body`` with ``values`` in the sandbox, lay it out and return the PDF and its boxes."""
    body_html = render_body(body, values)
    document_html = layout_html(head, body_html, now)
    _jinja, base, extra, fetcher, lock, fonts = _engine()
    with lock:
        document = HTML(string=document_html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[base, extra], font_config=fonts)
        boxes = _find_boxes(document)
        pdf = document.write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError(f"WeasyPrint returned {type(pdf).__name__}, not bytes")
    return Rendered(pdf=pdf, signer_box=boxes.get("sig-signer"), seal_box=boxes.get("sig-seal"))

