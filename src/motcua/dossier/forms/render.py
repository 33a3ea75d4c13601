"""The official forms of Decree 118/2025/NĐ-CP (Circular 03/2025/TT-VPCP) as PDF.

Pure functions: dataclasses from :mod:`.data` in, PDF ``bytes`` out. Each form is a Jinja2 template (autoescaped)
in ``templates/``, laid out by WeasyPrint on A4 portrait with the vendored Liberation Serif (``fonts/``), so the
output does not depend on the fonts of the machine. Nothing is fetched from the network: the URL fetcher only
serves ``data:`` URLs and files inside this package.

Every form carries the national header (Quốc hiệu, Tiêu ngữ), the issuing body, the number (the dossier code),
the place and date line and the title, following the layout rules of Decree 30/2020/NĐ-CP on administrative
documents. Instants are shown in Vietnam time (Asia/Ho_Chi_Minh).
"""

from __future__ import annotations

import base64
import io
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from motcua.dossier.forms.data import ControlStep, FormDossier, Issuer
from motcua.kit.clock import VN_TZ

FORMS_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = FORMS_DIR / "templates"
FONTS_DIR = FORMS_DIR / "fonts"
STYLESHEET = TEMPLATES_DIR / "forms.css"

FORM_TITLES: dict[str, str] = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement_request": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal_intake": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "refusal_processing": "Phiếu từ chối giải quyết hồ sơ",
    "apology_extension": "Văn bản xin lỗi và hẹn lại ngày trả kết quả",
    "stop_notice": "Thông báo dừng giải quyết hồ sơ",
    "control_slip": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

#: The QR caption printed above the dossier code on the receipt.
QR_CAPTION = "Quét mã để tra cứu hồ sơ"


# --- dates and times ---------------------------------------------------------------------------------------------


def _local(instant: datetime) -> datetime:
    if instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()}: pass an aware datetime (UTC)")
    return instant.astimezone(VN_TZ)


def vn_datetime(instant: datetime) -> str:
    """An instant in Vietnam time as the forms print it: ``"10 giờ 05 phút, ngày 23/11/2026"``."""
    local = _local(instant)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def vn_date(instant: datetime) -> str:
    """The date of an instant in Vietnam time for a date line: ``"ngày 23 tháng 11 năm 2026"``.

    Decree 30/2020/NĐ-CP: days below 10 and the months January and February take a leading zero
    ("ngày 05 tháng 02 năm 2026", "ngày 05 tháng 3 năm 2026").
    """
    local = _local(instant)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"ngày {local.day:02d} tháng {month} năm {local.year}"


def vnd(amount: int) -> str:
    """An amount in đồng as the forms print it: ``"5.000 đồng"`` (the thousands separated by dots)."""
    return f"{amount:,}".replace(",", ".") + " đồng"


# --- the QR code -------------------------------------------------------------------------------------------------

QR_BORDER = 4  # the quiet zone, in modules, that the QR standard asks for


def qr_code(url: str) -> segno.QRCode:
    """The QR code of the receipt: its payload is exactly the public lookup URL of the dossier."""
    if not url:
        raise ValueError("a receipt needs the lookup URL its QR code points to")
    return segno.make_qr(url, error="m", boost_error=False)


def qr_png(url: str) -> bytes:
    """The QR code as a greyscale PNG, one pixel per module, with the quiet zone.

    One pixel per module keeps the PDF small and exact: the template scales it up with
    ``image-rendering: pixelated`` so viewers and printers draw sharp modules.
    """
    rows = [bytes(0 if dark else 255 for dark in row) for row in qr_code(url).matrix_iter(scale=1, border=QR_BORDER)]
    image = Image.frombytes("L", (len(rows[0]), len(rows)), b"".join(rows))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_data_uri(url: str) -> str:
    """The QR PNG as a ``data:`` URI for the template (no file, no network)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(url)).decode("ascii")


# --- WeasyPrint plumbing -----------------------------------------------------------------------------------------


class LocalOnlyFetcher(URLFetcher):
    """Serves ``data:`` URLs and files inside the forms package; refuses everything else (no network)."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            parts = urlsplit(url)
            path = Path(url2pathname(parts.path)).resolve()
            if parts.netloc not in ("", "localhost") or not path.is_relative_to(FORMS_DIR):
                raise ValueError(f"refused to read a file outside the forms package: {url}")
            return super().fetch(url, headers)
        raise ValueError(f"refused to fetch {url!r}: the forms read only their own files")


@dataclass(frozen=True)
class _Engine:
    jinja: Environment
    fonts: FontConfiguration
    css: CSS
    fetcher: LocalOnlyFetcher
    lock: threading.Lock


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    """Built once per process: parsing the stylesheet and loading the fonts is most of a first render."""
    jinja = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    jinja.filters["vn_datetime"] = vn_datetime
    jinja.filters["vn_date"] = vn_date
    jinja.filters["vnd"] = vnd
    jinja.globals.update(NATIONAL_NAME=NATIONAL_NAME, NATIONAL_MOTTO=NATIONAL_MOTTO, QR_CAPTION=QR_CAPTION)
    fetcher = LocalOnlyFetcher(allowed_protocols={"file", "data"})
    fonts = FontConfiguration()
    css = CSS(filename=str(STYLESHEET), font_config=fonts, url_fetcher=fetcher)
    return _Engine(jinja=jinja, fonts=fonts, css=css, fetcher=fetcher, lock=threading.Lock())


def render_html(template: str, **context: Any) -> str:
    """The HTML of a form, before layout (for tests and previews)."""
    return _engine().jinja.get_template(template).render(**context)


def _pdf(template: str, form_key: str, issuer: Issuer, dossier: FormDossier, now: datetime, **context: Any) -> bytes:
    html = render_html(
        template,
        form_key=form_key,
        title=FORM_TITLES[form_key],
        issuer=issuer,
        dossier=dossier,
        number=dossier.code,
        now=now,
        **context,
    )
    engine = _engine()
    # One FontConfiguration, stylesheet and fetcher serve every render; WeasyPrint does not promise they are
    # thread-safe, so renders take turns (each is a fraction of a second).
    with engine.lock:
        document = HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=engine.fetcher)
        pdf = document.write_pdf(stylesheets=[engine.css], font_config=engine.fonts)
    if not isinstance(pdf, bytes):  # write_pdf without a target returns the bytes
        raise TypeError(f"WeasyPrint returned {type(pdf).__name__}, not bytes")
    return pdf


# --- the forms ---------------------------------------------------------------------------------------------------


def receipt_pdf(issuer: Issuer, dossier: FormDossier, *, now: datetime) -> bytes:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả — Decree 118/2025/NĐ-CP Art. 17(1), 17(3).

    Given when a complete dossier is received. Its number is the dossier code (Art. 17(3), 28); it lists the
    papers received, the time of receipt (the legal clock runs from it), the appointment for the result, how the
    result is returned, the receiving officer, and a QR code whose payload is the public lookup URL.
    """
    return _pdf("receipt.html", "receipt", issuer, dossier, now, qr_src=qr_data_uri(dossier.lookup_url))


def supplement_request_pdf(
    issuer: Issuer, dossier: FormDossier, *, reasons: str, missing: tuple[str, ...], now: datetime
) -> bytes:
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ — Decree 118/2025/NĐ-CP Art. 17(1), 19(5).

    Lists every paper or correction asked for, with the reasons. The request is made once and completely
    (Art. 16(3)); the time limit starts again from zero when the dossier is complete (Art. 19(5)).
    """
    if not missing:
        raise ValueError("a supplement request must list what is to be added or corrected")
    return _pdf("supplement_request.html", "supplement_request", issuer, dossier, now, reasons=reasons, missing=missing)


def refusal_pdf(
    issuer: Issuer,
    dossier: FormDossier,
    *,
    stage: Literal["intake", "processing"],
    reasons: str,
    now: datetime,
) -> bytes:
    """Phiếu từ chối tiếp nhận giải quyết hồ sơ (intake, Decree 118/2025/NĐ-CP Art. 17(1)) or
    Phiếu từ chối giải quyết hồ sơ (after appraisal, Art. 19(3)), with the reasons.

    At intake the centre refuses a dossier outside its scope; after appraisal the competent body refuses within
    the time limit, and the refusal is recorded as the dossier's result.
    """
    if stage not in ("intake", "processing"):
        raise ValueError(f"stage must be 'intake' or 'processing' (got {stage!r})")
    form_key = "refusal_intake" if stage == "intake" else "refusal_processing"
    return _pdf("refusal.html", form_key, issuer, dossier, now, stage=stage, reasons=reasons)


def apology_extension_pdf(
    issuer: Issuer,
    dossier: FormDossier,
    *,
    reason: str,
    old_due: datetime,
    new_due: datetime,
    signer: str,
    now: datetime,
) -> bytes:
    """Văn bản xin lỗi và hẹn lại ngày trả kết quả (đề nghị gia hạn) — Decree 118/2025/NĐ-CP Art. 19(6).

    Sent to the applicant at least one day before the due date when the result will be late: the reason, the
    apology and the one new date (the date may be moved only once, Art. 19(6), 12(5)).
    """
    if _local(new_due) <= _local(old_due):
        raise ValueError("the new appointment must come after the old one")
    return _pdf(
        "apology_extension.html",
        "apology_extension",
        issuer,
        dossier,
        now,
        reason=reason,
        old_due=old_due,
        new_due=new_due,
        signer=signer,
    )


def stop_notice_pdf(issuer: Issuer, dossier: FormDossier, *, reason: str, now: datetime) -> bytes:
    """Thông báo dừng giải quyết hồ sơ — Decree 118/2025/NĐ-CP Art. 21.

    Tells the applicant that processing of the dossier stops from ``now`` (e.g. on withdrawal), with the reason;
    every status the dossier went through is kept.
    """
    return _pdf("stop_notice.html", "stop_notice", issuer, dossier, now, reason=reason)


def control_slip_pdf(issuer: Issuer, dossier: FormDossier, *, steps: tuple[ControlStep, ...], now: datetime) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ — Decree 118/2025/NĐ-CP Art. 18, 20(2).

    Travels with the paper dossier: one row per body with its time budget, the hand-over time with the giver's
    and receiver's signatures, the result of the step (before / on / after time) and a note.
    """
    return _pdf("control_slip.html", "control_slip", issuer, dossier, now, steps=steps)
