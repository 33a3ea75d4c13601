"""The official forms of Decree 118/2025/NĐ-CP as PDF: real files, A4, the national header, Vietnamese text.

Every PDF is read back with pypdf. The receipt's QR code is taken out of the PDF and decoded here, by a small
QR reader written for the test (no decoder library is installed), to prove it carries the lookup URL.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import segno.consts
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from motcua.dossier.forms import (
    FORM_TITLES,
    ControlStep,
    DocumentLine,
    FormDossier,
    Issuer,
    apology_extension_pdf,
    control_slip_pdf,
    receipt_pdf,
    refusal_pdf,
    stop_notice_pdf,
    supplement_request_pdf,
)
from motcua.dossier.forms.render import (
    FONTS_DIR,
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    QR_BORDER,
    QR_CAPTION,
    LocalOnlyFetcher,
    qr_png,
    render_html,
    vn_date,
    vn_datetime,
)

ISSUER = Issuer(
    superior="UBND XÃ CHÍ TIÊN",
    body="TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
    place="Chí Tiên",
    province="Phú Thọ",
)
CODE = "000.00.14.H56-261123-0007"
LOOKUP_URL = f"https://dichvucong.phutho.gov.vn/tra-cuu-ho-so?ma={CODE}"
RECEIVED = datetime(2026, 11, 23, 3, 5, tzinfo=UTC)  # 10:05 in Vietnam
DUE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 16:00 in Vietnam
NOW = datetime(2026, 11, 23, 3, 10, tzinfo=UTC)
NEW_DUE = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # 09:30 in Vietnam

A4 = (595.28, 841.89)  # points


BASE_DOSSIER = FormDossier(
    code=CODE,
    procedure_code="1.001193",
    procedure_name="Đăng ký khai sinh",
    field="Hộ tịch",
    applicant_name="Đặng Văn Đức",
    applicant_id_number="025090001234",
    applicant_phone="0912 345 678",
    applicant_email="dang.van.duc@example.vn",
    applicant_address="Khu 3, xã Chí Tiên, tỉnh Phú Thọ",
    channel_label="Trực tiếp",
    received_at=RECEIVED,
    due_at=DUE,
    documents=(
        DocumentLine("Tờ khai đăng ký khai sinh", "Bản chính", 1),
        DocumentLine("Giấy chứng sinh", "Bản chính", 1),
        DocumentLine("Giấy chứng nhận kết hôn của cha mẹ", "Bản sao có chứng thực", 2),
    ),
    receiving_officer="Nguyễn Thị Hoa",
    lookup_url=LOOKUP_URL,
)


def make_dossier(**changes: Any) -> FormDossier:
    return replace(BASE_DOSSIER, **changes)


STEPS = (
    ControlStep(
        "Trung tâm Phục vụ hành chính công",
        "0,5 ngày làm việc",
        RECEIVED,
        "Nguyễn Thị Hoa",
        "Trần Văn Bình",
        "Đúng hạn",
    ),
    ControlStep(
        "Phòng Văn hóa - Xã hội",
        "1 ngày làm việc",
        datetime(2026, 11, 24, 1, 15, tzinfo=UTC),
        "Trần Văn Bình",
        "Lê Thị Mai",
        None,
        "Chờ xác minh",
    ),
    ControlStep("Lãnh đạo UBND xã", "0,5 ngày làm việc", None, None, None, None),
)

# form key -> (render the form for a dossier, the instants it must print, other text it must print)
FORMS: dict[str, tuple[Callable[[FormDossier], bytes], tuple[str, ...], tuple[str, ...]]] = {
    "receipt": (
        lambda d: receipt_pdf(ISSUER, d, now=NOW),
        ("10 giờ 05 phút, ngày 23/11/2026", "16 giờ 00 phút, ngày 25/11/2026"),
        (
            "Tờ khai đăng ký khai sinh",
            "Bản sao có chứng thực",
            QR_CAPTION,
            "Nguyễn Thị Hoa",
            "Tại Trung tâm Phục vụ hành chính công",
        ),
    ),
    "supplement_request": (
        lambda d: supplement_request_pdf(
            ISSUER,
            d,
            reasons="Giấy chứng sinh là bản chụp, không rõ nét.",
            missing=("Giấy chứng sinh (bản chính)", "Văn bản ủy quyền có chứng thực"),
            now=NOW,
        ),
        ("10 giờ 05 phút, ngày 23/11/2026",),
        ("Giấy chứng sinh (bản chính)", "Văn bản ủy quyền có chứng thực", "không rõ nét", "một lần"),
    ),
    "refusal_intake": (
        lambda d: refusal_pdf(ISSUER, d, stage="intake", reasons="Thủ tục không thuộc thẩm quyền.", now=NOW),
        ("10 giờ 05 phút, ngày 23/11/2026",),
        ("Thủ tục không thuộc thẩm quyền.", "không tiếp nhận giải quyết"),
    ),
    "refusal_processing": (
        lambda d: refusal_pdf(
            ISSUER, d, stage="processing", reasons="Người yêu cầu đã được đăng ký khai sinh.", now=NOW
        ),
        ("10 giờ 05 phút, ngày 23/11/2026",),
        ("Người yêu cầu đã được đăng ký khai sinh.", "từ chối giải quyết", "khoản 3 Điều 19"),
    ),
    "apology_extension": (
        lambda d: apology_extension_pdf(
            ISSUER,
            d,
            reason="Cần xác minh thông tin hộ tịch tại nơi cư trú cũ.",
            old_due=DUE,
            new_due=NEW_DUE,
            signer="Lê Văn Nam",
            now=NOW,
        ),
        ("10 giờ 05 phút, ngày 23/11/2026", "16 giờ 00 phút, ngày 25/11/2026", "09 giờ 30 phút, ngày 27/11/2026"),
        ("Cần xác minh thông tin hộ tịch", "Lê Văn Nam", "xin lỗi"),
    ),
    "stop_notice": (
        lambda d: stop_notice_pdf(ISSUER, d, reason="Công dân có văn bản đề nghị rút hồ sơ.", now=NOW),
        ("10 giờ 05 phút, ngày 23/11/2026", "10 giờ 10 phút, ngày 23/11/2026"),
        ("Công dân có văn bản đề nghị rút hồ sơ.", "dừng giải quyết"),
    ),
    "control_slip": (
        lambda d: control_slip_pdf(ISSUER, d, steps=STEPS, now=NOW),
        ("10 giờ 05 phút, ngày 23/11/2026", "16 giờ 00 phút, ngày 25/11/2026", "08 giờ 15 phút, ngày 24/11/2026"),
        (
            "Thời gian giao, nhận hồ sơ",
            "Người giao",
            "Người nhận",
            "Kết quả giải quyết hồ sơ",
            "Ghi chú",
            "Phòng Văn hóa - Xã hội",
            "Trần Văn Bình",
            "Lê Thị Mai",
            "Chờ xác minh",
            "1 ngày làm việc",
        ),
    ),
}


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, NFC-normalised, with white space collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    dossier = make_dossier()
    return {key: build(dossier) for key, (build, _, _) in FORMS.items()}


def test_form_titles_cover_every_form() -> None:
    """FORM_TITLES names each form the system must produce (docs/legal.md §3, Circular 03/2025/TT-VPCP)."""
    assert set(FORM_TITLES) == set(FORMS)
    assert FORM_TITLES["receipt"] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert FORM_TITLES["control_slip"] == "Phiếu kiểm soát quá trình giải quyết hồ sơ"


@pytest.mark.parametrize("key", list(FORMS))
def test_form_is_an_a4_pdf(rendered: dict[str, bytes], key: str) -> None:
    """Each form is a real PDF (it starts with %PDF and pypdf opens it), every page A4 portrait."""
    pdf = rendered[key]
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4[0], abs=1)
        assert height == pytest.approx(A4[1], abs=1)


@pytest.mark.parametrize("key", list(FORMS))
def test_form_carries_header_title_code_applicant_and_dates(rendered: dict[str, bytes], key: str) -> None:
    """An official document carries the national header, the issuing body, the number (the dossier code), the
    place and date line (Vietnam date), the title in capitals, the applicant's name with its diacritics and the
    form's key instants in Vietnam time (Decree 118 Art. 17(3); Decree 30/2020)."""
    _, instants, extra = FORMS[key]
    text = pdf_text(rendered[key])
    assert NATIONAL_NAME in text
    assert NATIONAL_MOTTO in text
    assert ISSUER.superior in text
    assert ISSUER.body in text
    assert f"Số: {CODE}" in text
    assert "Chí Tiên, ngày 23 tháng 11 năm 2026" in text
    assert FORM_TITLES[key].upper() in text
    assert "Đặng Văn Đức" in text
    for instant in instants:
        assert instant in text, instant
    for phrase in extra:
        assert phrase in text, phrase


@pytest.mark.parametrize("key", list(FORMS))
def test_form_embeds_only_the_vendored_fonts(rendered: dict[str, bytes], key: str) -> None:
    """The PDF does not depend on the system's fonts: every font is embedded, and it is the vendored
    Liberation Serif (loaded as "Motcua Serif" from forms/fonts)."""
    reader = PdfReader(io.BytesIO(rendered[key]))
    names = set()
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        fonts = cast(DictionaryObject, resources["/Font"].get_object())
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            assert "/FontFile2" in descendant["/FontDescriptor"], font["/BaseFont"]
    assert names
    assert all("Motcua-Serif" in name for name in names), names


def test_refusal_titles_follow_the_stage(rendered: dict[str, bytes]) -> None:
    """At intake the centre issues Phiếu từ chối tiếp nhận giải quyết hồ sơ (Art. 17(1)); after appraisal the body
    issues Phiếu từ chối giải quyết hồ sơ (Art. 19(3)): one title per stage, never the other's."""
    intake = pdf_text(rendered["refusal_intake"])
    processing = pdf_text(rendered["refusal_processing"])
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in intake
    assert "PHIẾU TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in processing
    assert "TIẾP NHẬN GIẢI QUYẾT" not in processing
    with pytest.raises(ValueError, match="stage"):
        refusal_pdf(ISSUER, make_dossier(), stage=cast(Any, "later"), reasons="x", now=NOW)


def test_supplement_request_is_made_once_and_completely(rendered: dict[str, bytes]) -> None:
    """The supplement request lists everything at once (Art. 16(3)), says so, and says the time limit starts
    again when the dossier is complete (Art. 19(5)); an empty list is refused."""
    text = pdf_text(rendered["supplement_request"])
    assert "khoản 3 Điều 16" in text
    assert "tính lại từ đầu" in text
    assert "1. Giấy chứng sinh (bản chính)" in text or "Giấy chứng sinh (bản chính)" in text
    with pytest.raises(ValueError, match="list"):
        supplement_request_pdf(ISSUER, make_dossier(), reasons="x", missing=(), now=NOW)


def test_apology_moves_the_date_forward_only() -> None:
    """The apology letter proposes a new date after the old one (Art. 19(6)); an earlier or equal date is refused."""
    with pytest.raises(ValueError, match="after"):
        apology_extension_pdf(ISSUER, make_dossier(), reason="x", old_due=DUE, new_due=DUE, signer="A", now=NOW)


def test_control_slip_spreads_over_pages_with_its_header_repeated() -> None:
    """A long control slip (Art. 18, 20(2)) flows onto further A4 pages and each page repeats the column heads."""
    steps = tuple(
        ControlStep(f"Bộ phận số {n}", "1 ngày làm việc", RECEIVED + timedelta(hours=n), "Người A", "Người B", None)
        for n in range(1, 16)
    )
    pdf = control_slip_pdf(ISSUER, make_dossier(), steps=steps, now=NOW)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=1)
    second = unicodedata.normalize("NFC", reader.pages[1].extract_text())
    assert "Người giao" in second
    assert "Bộ phận số 15" in pdf_text(pdf)


# --- the receipt's QR code -----------------------------------------------------------------------------------


def _qr_image_rows(pdf: bytes) -> list[list[bool]]:
    """The QR image embedded in the PDF's first page as rows of dark (True) / light modules, quiet zone cut off."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    images = list(page.images)
    assert len(images) == 1, "the receipt embeds exactly one image: the QR code"
    image = images[0].image
    assert image is not None
    return _dark_rows(image)


def _dark_rows(image: Image.Image) -> list[list[bool]]:
    """The dark pixels of an image, with the light margin around the dark ones cut off."""
    grey = image.convert("L")
    w, h = grey.size
    raw = grey.tobytes()
    dark = [[raw[y * w + x] < 128 for x in range(w)] for y in range(h)]
    rows = [y for y in range(h) if any(dark[y])]
    cols = [x for x in range(w) if any(dark[y][x] for y in range(h))]
    return [line[cols[0] : cols[-1] + 1] for line in dark[rows[0] : rows[-1] + 1]]


def _function_modules(version: int) -> list[list[bool]]:
    """Where the QR symbol keeps finder, timing, alignment, format and version patterns (ISO/IEC 18004)."""
    size = 17 + 4 * version
    fn = [[False] * size for _ in range(size)]
    for y in range(size):
        fn[y][6] = fn[6][y] = True  # timing patterns
    for cy, cx in ((0, 0), (0, size - 8), (size - 8, 0)):  # finders, separators
        for y in range(cy, cy + 8):
            for x in range(cx, cx + 8):
                fn[y][x] = True
    for i in range(9):  # format information around the top-left finder
        fn[8][i] = fn[i][8] = True
    for i in range(8):
        fn[8][size - 1 - i] = True
        fn[size - 1 - i][8] = True
    positions = segno.consts.ALIGNMENT_POS[version - 2] if version > 1 else ()
    last = len(positions) - 1
    for i, ay in enumerate(positions):
        for j, ax in enumerate(positions):
            if (i, j) in ((0, 0), (0, last), (last, 0)):
                continue
            for y in range(ay - 2, ay + 3):
                for x in range(ax - 2, ax + 3):
                    fn[y][x] = True
    if version >= 7:
        for i in range(18):
            a, b = size - 11 + i % 3, i // 3
            fn[a][b] = fn[b][a] = True
    return fn


_MASKS: dict[int, Callable[[int, int], bool]] = {
    0: lambda x, y: (x + y) % 2 == 0,
    1: lambda x, y: y % 2 == 0,
    2: lambda x, y: x % 3 == 0,
    3: lambda x, y: (x + y) % 3 == 0,
    4: lambda x, y: (x // 3 + y // 2) % 2 == 0,
    5: lambda x, y: x * y % 2 + x * y % 3 == 0,
    6: lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    7: lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
}


def decode_qr(modules: list[list[bool]]) -> str:
    """Read a clean (undamaged) QR symbol in byte mode: format, unmask, de-interleave, parse. No error correction:
    the image comes straight out of our own PDF, pixel for pixel."""
    size = len(modules)
    assert all(len(row) == size for row in modules) and (size - 17) % 4 == 0
    version = (size - 17) // 4
    fmt = 0
    for i in range(6):
        fmt |= modules[i][8] << i
    fmt |= modules[7][8] << 6 | modules[8][8] << 7 | modules[8][7] << 8
    for i in range(9, 15):
        fmt |= modules[8][14 - i] << i
    data = (fmt ^ 0x5412) >> 10
    error_level, mask = data >> 3, data & 7
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    assert ((data << 10) | rem) ^ 0x5412 == fmt, "format information fails its BCH check"

    fn = _function_modules(version)
    bits: list[int] = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        for vert in range(size):
            for j in range(2):
                x = right - j
                upward = ((right + 1) & 2) == 0
                y = size - 1 - vert if upward else vert
                if not fn[y][x]:
                    bits.append(int(modules[y][x] ^ _MASKS[mask](x, y)))
        right -= 2
    codewords = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]

    ecc_table = cast(dict[int, dict[int, Any]], segno.consts.ECC)
    blocks = [ec.num_data for ec in ecc_table[version][error_level] for _ in range(ec.num_blocks)]
    per_block: list[list[int]] = [[] for _ in blocks]
    k = 0
    for i in range(max(blocks)):
        for b, length in enumerate(blocks):
            if i < length:
                per_block[b].append(codewords[k])
                k += 1
    stream = "".join(f"{cw:08b}" for block in per_block for cw in block)

    mode, stream = int(stream[:4], 2), stream[4:]
    assert mode == 0b0100, f"expected byte mode, got {mode:04b}"
    count_bits = 8 if version < 10 else 16
    count, stream = int(stream[:count_bits], 2), stream[count_bits:]
    payload = bytes(int(stream[i * 8 : i * 8 + 8], 2) for i in range(count))
    return payload.decode("utf-8")


def test_receipt_qr_decodes_to_the_lookup_url(rendered: dict[str, bytes]) -> None:
    """The receipt's QR code, as embedded in the PDF, decodes to the dossier's public lookup URL
    (the code printed on the receipt, Art. 17(3), leads to its status)."""
    modules = _qr_image_rows(rendered["receipt"])
    assert decode_qr(modules) == LOOKUP_URL
    text = pdf_text(rendered["receipt"])
    caption_at = text.index(QR_CAPTION)
    assert CODE in text[caption_at:], "the dossier code is printed under the QR caption"


def test_qr_helper_encodes_exactly_the_given_url() -> None:
    """The QR PNG the receipt embeds is built from the lookup URL it is given, and nothing else."""
    for url in (LOOKUP_URL, "https://motcua.example/tra-cuu/000.17.22.H56-210531-0001"):
        image = Image.open(io.BytesIO(qr_png(url)))
        w, h = image.size
        assert (w - 2 * QR_BORDER - 17) % 4 == 0 and w == h, "one pixel per module, with the quiet zone"
        assert decode_qr(_dark_rows(image)) == url
    with pytest.raises(ValueError):
        qr_png("")


# --- safety --------------------------------------------------------------------------------------------------


def test_user_text_is_escaped_not_interpreted() -> None:
    """User text is escaped (Jinja autoescape): markup in a name is printed literally, never rendered or fetched."""
    evil = "<b>Đặng Văn Đức</b> <img src='http://attacker.example/x.png'>"
    dossier = make_dossier(applicant_name=evil)
    html = render_html(
        "receipt.html",
        form_key="receipt",
        title=FORM_TITLES["receipt"],
        issuer=ISSUER,
        dossier=dossier,
        number=CODE,
        now=NOW,
        qr_src="data:,",
    )
    assert "&lt;b&gt;Đặng Văn Đức&lt;/b&gt;" in html
    assert "<b>Đặng Văn Đức</b>" not in html
    text = pdf_text(receipt_pdf(ISSUER, dossier, now=NOW))
    assert "<b>Đặng Văn Đức</b>" in text
    assert "<img src=" in text


def test_fetcher_reads_only_package_files_and_data_urls() -> None:
    """Rendering never reaches the network: the URL fetcher serves data: URLs and the package's own files only."""
    fetcher = LocalOnlyFetcher(allowed_protocols={"file", "data"})
    font = fetcher.fetch((FONTS_DIR / "LiberationSerif-Regular.ttf").as_uri())
    try:
        assert font.read(4) == b"\x00\x01\x00\x00"
    finally:
        font.close()
    data = fetcher.fetch("data:text/plain,abc")
    assert data.read() == b"abc"
    escape = FONTS_DIR.as_uri() + "/../../../../../../../../etc/passwd"
    for url in (
        "http://example.com/a.png",
        "https://example.com/a.css",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://example.com/share/x.css",
        escape,
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


@pytest.mark.parametrize("key", list(FORMS))
def test_rendering_is_clean(key: str, caplog: pytest.LogCaptureFixture) -> None:
    """WeasyPrint reports nothing while rendering: no CSS rule ignored, no resource refused or missing.
    (Its advice to install HarfBuzz-Subset for faster font subsetting is about the machine, not the form.)"""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        FORMS[key][0](make_dossier())
    problems = [r.getMessage() for r in caplog.records if "HarfBuzz-Subset" not in r.getMessage()]
    assert problems == []


def test_naive_datetimes_are_refused() -> None:
    """An instant without a time zone is ambiguous; the forms refuse it instead of guessing."""
    with pytest.raises(ValueError, match="naive"):
        make_dossier(received_at=datetime(2026, 11, 23, 10, 5))
    with pytest.raises(ValueError, match="naive"):
        ControlStep("A", "1 ngày", datetime(2026, 11, 23, 10, 5), None, None, None)
    with pytest.raises(ValueError, match="naive"):
        receipt_pdf(ISSUER, make_dossier(), now=datetime(2026, 11, 23, 10, 5))


# --- dates and times -----------------------------------------------------------------------------------------


def test_instants_print_in_vietnam_time() -> None:
    """Instants are stored in UTC and printed in Asia/Ho_Chi_Minh (UTC+7), across the date boundary too."""
    assert vn_datetime(datetime(2026, 11, 23, 3, 5, tzinfo=UTC)) == "10 giờ 05 phút, ngày 23/11/2026"
    assert vn_datetime(datetime(2026, 11, 22, 17, 30, tzinfo=UTC)) == "00 giờ 30 phút, ngày 23/11/2026"
    assert vn_date(datetime(2026, 11, 22, 17, 30, tzinfo=UTC)) == "ngày 23 tháng 11 năm 2026"


def test_date_line_pads_days_and_the_first_two_months() -> None:
    """Decree 30/2020: days below 10 and months 1-2 take a leading zero; months 3-12 do not."""
    assert vn_date(datetime(2026, 2, 5, 3, 0, tzinfo=UTC)) == "ngày 05 tháng 02 năm 2026"
    assert vn_date(datetime(2026, 3, 5, 3, 0, tzinfo=UTC)) == "ngày 05 tháng 3 năm 2026"
    assert vn_date(datetime(2026, 12, 31, 3, 0, tzinfo=UTC)) == "ngày 31 tháng 12 năm 2026"


def test_receipt_date_line_uses_vietnam_date() -> None:
    """The place and date line is the Vietnam date of issue: 17:30 UTC on the 22nd is already the 23rd."""
    text = pdf_text(receipt_pdf(ISSUER, make_dossier(), now=datetime(2026, 11, 22, 17, 30, tzinfo=UTC)))
    assert "Chí Tiên, ngày 23 tháng 11 năm 2026" in text


# --- speed ---------------------------------------------------------------------------------------------------


