"""Attached files are judged by content and stored content-addressed; every file here is built by the test."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ContentStream, DecodedStreamObject

from motcua.dossier.files import (
    ALLOWED_TYPES,
    DEFAULT_MAX_BYTES,
    CheckedFile,
    FileStore,
    UploadRejected,
    inspect_upload,
    safe_filename,
)
from motcua.kit.errors import MotcuaError

# ----------------------------------------------------------------------------------------------- real files


def make_pdf(pages: int = 1, *, password: str | None = None, content: bytes | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        page = writer.add_blank_page(width=595, height=842)
    if content is not None:
        stream = DecodedStreamObject()
        stream.set_data(content)
        page.replace_contents(ContentStream(stream, writer))
        page.compress_content_streams()
    if password is not None:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_image(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 0).save(out, fmt)
    return out.getvalue()


def classic_pdf(*bodies: bytes, root: int = 1) -> bytes:
    """A hand-written PDF with a correct cross-reference table; object n is bodies[n - 1]."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, root, xref)
    return bytes(out)


PAGE_TREE = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>")


def pdf_with_object_stream(hidden: bytes) -> bytes:
    """A PDF 1.5 file whose object 4 (the catalog's /OpenAction) sits inside a compressed object stream."""
    out = bytearray(b"%PDF-1.5\n")
    offsets = {}
    for number, body in enumerate((b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", *PAGE_TREE), start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + (65535).to_bytes(2, "big")]
    for number in (1, 2, 3):
        rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x02" + (5).to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + offsets[5].to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + offsets[6].to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def rejected(filename: str, data: bytes, **limits: int) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        inspect_upload(filename, data, **limits)
    return info.value


@pytest.fixture(scope="module")
def giant_png() -> bytes:
    """196 million black pixels (over Pillow's own hard limit too): about 30 kB as a PNG, gigabytes decoded."""
    return make_image("PNG", (14000, 14000), mode="1")


# ------------------------------------------------------------------------------------------- what passes


def test_a_real_pdf_is_kept_with_its_page_count_and_digest():
    """A whole PDF passes; the page count, size and SHA-256 of the bytes are reported."""
    data = make_pdf(pages=3)
    checked = inspect_upload("Đơn đề nghị.pdf", data)
    assert checked == CheckedFile(
        safe_name="Đơn đề nghị.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=3,
        width=None,
        height=None,
    )


def test_a_pdf_whose_first_page_has_ordinary_compressed_contents_is_kept():
    """Compressed page contents are fine as long as they inflate within reason."""
    text = b"BT /F1 12 Tf 72 712 Td (Giay khai sinh) Tj ET\n" * 20
    assert inspect_upload("a.pdf", make_pdf(content=text)).pages == 1


@pytest.mark.parametrize(
    ("fmt", "content_type", "name"), [("JPEG", "image/jpeg", "cccd.jpg"), ("PNG", "image/png", "cccd.png")]
)
def test_real_images_are_kept_with_their_size(fmt, content_type, name):
    """A whole JPEG or PNG passes with its width and height."""
    checked = inspect_upload(name, make_image(fmt, (64, 48)))
    assert (checked.content_type, checked.width, checked.height, checked.pages) == (content_type, 64, 48, None)
    assert checked.safe_name == name


def test_allowed_types_are_pdf_jpeg_and_png():
    """The three types the centre can open, print and archive, with their canonical extension."""
    assert ALLOWED_TYPES == {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


# --------------------------------------------------------------------------------- content, not the name


@pytest.mark.parametrize(
    ("name", "data", "content_type", "safe_name"),
    [
        ("scan.pdf", make_image("JPEG"), "image/jpeg", "scan.jpg"),
        ("scan.png", make_image("JPEG"), "image/jpeg", "scan.jpg"),
        ("ảnh.JPEG", make_image("JPEG"), "image/jpeg", "ảnh.JPEG"),
        ("hộ khẩu.jpg", make_image("PNG"), "image/png", "hộ khẩu.png"),
        ("giay-to", make_image("PNG"), "image/png", "giay-to.png"),
        ("bản v1.2", make_pdf(), "application/pdf", "bản v1.2.pdf"),
        ("don.docx", make_pdf(), "application/pdf", "don.pdf"),
    ],
)
def test_type_comes_from_content_and_a_wrong_extension_is_replaced(name, data, content_type, safe_name):
    """The content decides the type; the stored name gets that type's extension (not an error)."""
    checked = inspect_upload(name, data)
    assert (checked.content_type, checked.safe_name) == (content_type, safe_name)


def test_a_replaced_extension_keeps_the_name_within_120_characters():
    """Swapping the extension of a 120-character name still gives at most 120 characters."""
    name = safe_filename("x" * 200 + ".pdf")
    assert len(name) == 120
    checked = inspect_upload(name, make_image("PNG"))
    assert len(checked.safe_name) <= 120 and checked.safe_name.endswith("x.png")


# ------------------------------------------------------------------------------------------ size limits


def test_an_empty_file_is_refused():
    """Zero bytes: reason "empty"."""
    assert rejected("scan.pdf", b"").reason == "empty"


def test_a_file_over_the_limit_is_refused_with_the_limit_in_mb():
    """Over max_bytes: reason "too_large", and the message names the limit in MB."""
    error = rejected("scan.pdf", b"\0" * (DEFAULT_MAX_BYTES + 1))
    assert error.reason == "too_large"
    assert error.message == "Tệp vượt quá dung lượng cho phép (10 MB)."
    assert rejected("scan.pdf", make_pdf(), max_bytes=100).message == "Tệp vượt quá dung lượng cho phép (0,0 MB)."
    assert "(1,5 MB)" in rejected("a.pdf", b"\0" * 1_600_000, max_bytes=1_572_864).message


def test_a_file_exactly_at_the_limit_is_judged_on_its_content():
    """The limit is inclusive: max_bytes itself is allowed."""
    data = make_pdf()
    assert inspect_upload("a.pdf", data, max_bytes=len(data)).size == len(data)


# ------------------------------------------------------------------------------------------ executables


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 48 + b"PE\0\0",
        b"\x7fELF\x02\x01\x01\x00" + b"\0" * 56,
        b"#!/bin/sh\nrm -rf /\n",
        b"\xef\xbb\xbf#!/usr/bin/env python3\nprint(1)\n",
        b"\xfe\xed\xfa\xce" + b"\0" * 28,
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\0" * 24,
        b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\0" * 24,
    ],
    ids=["pe", "elf", "shebang", "bom-shebang", "macho32", "macho64-le", "macho-fat"],
)
def test_executables_renamed_pdf_are_refused(head):
    """Programs and scripts are "executable" whatever they are called."""
    error = rejected("ho-so.pdf", head)
    assert error.reason == "executable" and "mã thực thi" in error.message


def test_a_pdf_with_javascript_is_refused():
    """A PDF that runs JavaScript when opened is active content: "executable"."""
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_open_action(JavaScript("app.alert('xin chao');"))
    out = io.BytesIO()
    writer.write(out)
    error = rejected("don.pdf", out.getvalue())
    assert error.reason == "executable" and "mã thực thi" in error.message


def test_a_pdf_carrying_an_embedded_file_is_refused():
    """A PDF with a file inside it (/EmbeddedFile) can smuggle anything: "executable"."""
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.add_attachment("setup.exe", b"MZ\x90\x00")
    out = io.BytesIO()
    writer.write(out)
    assert rejected("don.pdf", out.getvalue()).reason == "executable"


def test_a_pdf_with_a_launch_action_is_refused():
    """/Launch starts a program from a link or on opening: "executable"."""
    data = classic_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", *PAGE_TREE, b"<< /S /Launch /F (cmd.exe) >>"
    )
    assert rejected("don.pdf", data).reason == "executable"


def test_an_active_name_spelt_with_hex_escapes_is_still_refused():
    """PDF names may escape letters (/J#61vaScript is /JavaScript); the escape does not hide them."""
    data = classic_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *PAGE_TREE,
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",
    )
    assert b"/JavaScript" not in data
    assert rejected("don.pdf", data).reason == "executable"


def test_javascript_hidden_in_a_compressed_object_stream_is_refused():
    """Active content inside a PDF 1.5 object stream is found by reading the document, not only its bytes."""
    data = pdf_with_object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    assert b"JavaScript" not in data
    assert rejected("don.pdf", data).reason == "executable"
    assert inspect_upload("don.pdf", pdf_with_object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>")).pages == 1


def test_active_looking_bytes_inside_streams_are_not_mistaken_for_active_content():
    """Stream data (a compressed image) may contain "/JS" by chance; honest scans are not refused for it."""
    data = classic_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>", *PAGE_TREE, b"<< /Length 12 >>\nstream\n\x00/JS /Launch\nendstream"
    )
    assert inspect_upload("scan.pdf", data).pages == 1


# ------------------------------------------------------------------------------------------- wrong types


def zip_bytes(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, b"<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (zip_bytes("giay-to.pdf"), "tệp nén ZIP"),
        (zip_bytes("[Content_Types].xml", "word/document.xml"), "tài liệu Word/Excel/PowerPoint"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "trang web HTML"),
        ("Họ và tên: Nguyễn Văn An\n".encode(), "tệp văn bản"),
        (make_image("GIF"), "ảnh GIF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "ảnh HEIC"),
        (b"Rar!\x1a\x07\x01\x00" + b"\0" * 20, "tệp nén RAR"),
    ],
)
def test_other_kinds_are_refused_as_wrong_type_and_named(data, kind):
    """Anything but PDF/JPEG/PNG is "wrong_type"; the message says what it was when that is known."""
    error = rejected("ho-so.pdf", data)
    assert error.reason == "wrong_type"
    assert error.message.startswith("Chỉ nhận tệp PDF, JPEG hoặc PNG.") and kind in error.message


def test_unknown_binary_is_wrong_type_with_the_plain_message():
    """Unrecognised bytes: "wrong_type" and just the list of what is accepted."""
    assert rejected("x.pdf", b"\x00\x01\x02\x03\xfe").message == "Chỉ nhận tệp PDF, JPEG hoặc PNG."


def test_a_zip_is_never_unpacked(monkeypatch):
    """Recognising a zip reads its first header only; zipfile is never used, so no zip bomb can go off."""
    data = zip_bytes("a.pdf")

    def forbidden(*args, **kwargs):
        raise AssertionError("the upload check opened the zip")

    monkeypatch.setattr(zipfile.ZipFile, "__init__", forbidden)
    assert rejected("a.pdf", data).reason == "wrong_type"


# ---------------------------------------------------------------------------------------------- bombs


def test_a_giant_png_is_a_bomb_even_though_small_on_disk(giant_png):
    """14000×14000 black pixels (~30 kB of PNG) is a decompression bomb: "bomb", never decoded."""
    assert len(giant_png) < 100_000
    error = rejected("scan.png", giant_png)
    assert error.reason == "bomb" and "40 triệu" in error.message


def test_the_pixel_limit_is_the_argument_not_pillows_global(monkeypatch):
    """max_pixels is enforced from the header even with Pillow's own limit switched off."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    data = make_image("PNG", (1500, 1000), mode="1")
    assert rejected("scan.png", data, max_pixels=1_000_000).reason == "bomb"
    assert inspect_upload("scan.png", data, max_pixels=1_500_000).width == 1500


def test_a_pdf_with_too_many_pages_is_a_bomb():
    """More pages than max_pdf_pages: "bomb"; exactly the limit passes."""
    assert rejected("a.pdf", make_pdf(pages=5), max_pdf_pages=4).reason == "bomb"
    assert inspect_upload("a.pdf", make_pdf(pages=4), max_pdf_pages=4).pages == 4


def test_a_pdf_whose_first_page_inflates_enormously_is_a_bomb():
    """Page contents inflating past 100× the file size are a bomb; decoding stops at the budget."""
    data = make_pdf(content=b" " * 3_000_000)
    assert len(data) * 100 < 3_000_000
    error = rejected("a.pdf", data)
    assert error.reason == "bomb"


# ----------------------------------------------------------------------------------- damage, encryption


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.97])
def test_a_truncated_pdf_is_corrupt(keep):
    """A PDF cut short (an interrupted upload) is "corrupt"."""
    data = make_pdf(pages=2)
    error = rejected("a.pdf", data[: int(len(data) * keep)])
    assert error.reason == "corrupt" and error.message == "Tệp bị hỏng hoặc không đọc được."


def test_a_pdf_with_a_damaged_body_is_corrupt():
    """The header and end marker alone do not make a PDF: no readable trailer or pages is "corrupt"."""
    assert rejected("a.pdf", b"%PDF-1.7\n garbage \n%%EOF\n").reason == "corrupt"
    assert rejected("a.pdf", b"%PDF-1.7\n").reason == "corrupt"


@pytest.mark.parametrize(("fmt", "cut"), [("JPEG", 2), ("JPEG", 300), ("PNG", 5), ("PNG", 40)])
def test_truncated_images_are_corrupt(fmt, cut):
    """A JPEG or PNG missing its end is "corrupt": the image is decoded in full, not just its header read."""
    data = make_image(fmt, (200, 150), mode="RGB")
    assert rejected("a.jpg", data[:-cut]).reason == "corrupt"


@pytest.mark.parametrize(("fmt", "cut"), [("JPEG", 2), ("JPEG", 300), ("PNG", 5)])
def test_truncated_images_are_corrupt_even_after_weasyprint_is_loaded(fmt, cut, monkeypatch):
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process when imported (the PDF forms
    load it); a truncated scan must still be refused, by its missing end marker."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = make_image(fmt, (200, 150), mode="RGB")
    assert rejected("a.jpg", data[:-cut]).reason == "corrupt"


def test_an_image_with_a_damaged_middle_is_corrupt():
    """A PNG with a corrupted data chunk fails its CRC check: "corrupt"."""
    data = bytearray(make_image("PNG", (200, 150)))
    data[len(data) // 2] ^= 0xFF
    assert rejected("a.png", bytes(data)).reason == "corrupt"


def test_an_encrypted_pdf_is_refused():
    """A password-protected PDF cannot be checked nor read by the next officer: "encrypted"."""
    error = rejected("a.pdf", make_pdf(password="matkhau"))
    assert error.reason == "encrypted" and "mật khẩu" in error.message


# ---------------------------------------------------------------------------------------------- names


def test_a_name_with_nul_or_over_255_bytes_is_bad_name():
    """Only a NUL byte or more than 255 UTF-8 bytes make a name "bad_name"."""
    assert rejected("scan\x00.pdf", make_pdf()).reason == "bad_name"
    assert rejected("ệ" * 86, make_pdf()).reason == "bad_name"  # 258 bytes
    assert inspect_upload("ệ" * 85, make_pdf()).safe_name.endswith(".pdf")  # 255 bytes


def test_a_name_that_is_only_traversal_is_not_an_error():
    """A traversal-only name is cleaned to the fallback name, not refused."""
    assert inspect_upload("../../", make_pdf()).safe_name == "tep-dinh-kem.pdf"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\An\\Desktop\\CCCD mặt trước.jpg", "CCCD mặt trước.jpg"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("ho-so/", "ho-so"),
        (".htaccess", "htaccess"),
        ("...an.pdf", "an.pdf"),
        ("scan.pdf. . ", "scan.pdf"),
        ("a\x00b\x1f\x7fc.pdf", "abc.pdf"),
        ("ho so\u202efdp.exe", "ho sofdp.exe"),
        ("dòng\nmới\tvà  khoảng.pdf", "dòng mới và khoảng.pdf"),
        ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
        ("CON", "_CON"),
        ("nul.pdf", "_nul.pdf"),
        ("Com1.tar.gz", "_Com1.tar.gz"),
        ("console.pdf", "console.pdf"),
        ("", "tep-dinh-kem"),
        ("..", "tep-dinh-kem"),
        ("../..", "tep-dinh-kem"),
        (" \x00 ", "tep-dinh-kem"),
        ("Gia\u0301y khai sinh.pdf", "Giáy khai sinh.pdf"),
    ],
)
def test_safe_filename_examples(name, safe):
    """Directories, traversal, controls, leading dots and Windows device names go; Vietnamese stays (NFC)."""
    assert safe_filename(name) == safe


def test_safe_filename_normalises_vietnamese_to_nfc():
    """The same name typed on macOS (NFD) and Windows (NFC) becomes the same string."""
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Giấy chứng nhận quyền sử dụng đất.pdf")
    assert safe_filename(nfd) == "Giấy chứng nhận quyền sử dụng đất.pdf"
    assert unicodedata.is_normalized("NFC", safe_filename(nfd))


def test_safe_filename_keeps_the_extension_when_shortening():
    """Over 120 characters the stem is shortened and the extension kept."""
    name = safe_filename("Bản-sao-" + "rất-dài-" * 40 + ".pdf")
    assert len(name) == 120 and name.endswith("-.pdf")
    assert safe_filename("Bản sao " + "rất dài " * 40 + ".pdf").endswith("rất.pdf")  # no space before the dot
    assert len(safe_filename("a" * 300)) == 120


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
    | st.lists(
        st.sampled_from(["..", "/", "\\", ".", "\x00", " ", "CON", "ệ", "a", ".pdf", "\u202e"]), max_size=60
    ).map("".join)
)
def test_safe_filename_is_always_safe(name):
    """Whatever the input: no "/", "\\" or NUL, no leading dot, never empty, at most 120 characters — and stable."""
    safe = safe_filename(name)
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe and not safe.startswith(".") and len(safe) <= 120
    assert safe_filename(safe) == safe


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([b"%PDF-1.4\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b""]), st.binary(max_size=600))
def test_arbitrary_bytes_are_accepted_or_rejected_never_crash(head, tail):
    """Bad input never becomes a 500: any bytes yield a CheckedFile or an UploadRejected."""
    try:
        inspect_upload("x.pdf", head + tail)
    except UploadRejected as error:
        assert error.reason in {"empty", "wrong_type", "executable", "corrupt", "bomb", "encrypted"}


def test_upload_rejected_is_a_422_domain_error():
    """UploadRejected goes through the app's error handler as a 422 carrying its machine reason."""
    error = UploadRejected("Tệp bị hỏng hoặc không đọc được.", reason="corrupt")
    assert isinstance(error, MotcuaError)
    assert (error.status_code, error.code, error.reason) == (422, "upload_rejected", "corrupt")
    assert UploadRejected(reason="empty").message == "Tệp đính kèm không hợp lệ."


# ---------------------------------------------------------------------------------------------- the store

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def checked(data: bytes, name: str = "a.pdf") -> CheckedFile:
    return CheckedFile(
        safe_name=name,
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=1,
        width=None,
        height=None,
    )


def age(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(".*") if p.is_file())


def test_put_then_read_round_trips_under_the_sha256_key(tmp_path):
    """The key is the SHA-256 split after two characters; read returns the same bytes."""
    store = FileStore(tmp_path)
    data = make_pdf()
    digest = hashlib.sha256(data).hexdigest()
    key = store.put(inspect_upload("a.pdf", data), data)
    assert key == f"{digest[:2]}/{digest[2:]}"
    assert store.read(key) == data and store.exists(key)
    assert store.path(key) == tmp_path / digest[:2] / digest[2:]
    assert list(store.keys()) == [key]
    assert leftovers(tmp_path) == []


def test_put_is_idempotent_and_refreshes_the_mtime(tmp_path):
    """Putting the same bytes twice stores one file, and the second put makes it young again for sweep."""
    store = FileStore(tmp_path)
    data = b"%PDF-same bytes"
    key = store.put(checked(data), data)
    age(store.path(key), T0 - timedelta(days=30))
    assert store.put(checked(data), data) == key
    assert store.path(key).stat().st_mtime > (T0 - timedelta(days=1)).timestamp()
    assert list(store.keys()) == [key] and leftovers(tmp_path) == []


def test_put_rewrites_a_damaged_copy(tmp_path):
    """A stored file whose size no longer matches is replaced by the good bytes."""
    store = FileStore(tmp_path)
    data = b"%PDF-good"
    key = store.put(checked(data), data)
    store.path(key).write_bytes(b"%PDF-go")
    store.put(checked(data), data)
    assert store.read(key) == data


def test_put_refuses_bytes_that_were_not_inspected(tmp_path):
    """The bytes must be the ones inspect_upload hashed; nothing is written otherwise."""
    store = FileStore(tmp_path)
    with pytest.raises(ValueError):
        store.put(checked(b"%PDF-one"), b"%PDF-two")
    assert list(store.keys()) == [] and not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "ab/../../../etc/passwd",
        "/etc/passwd",
        "ab/" + "c" * 61,
        "ab/" + "c" * 63,
        "AB/" + "C" * 62,
        "ab\\" + "c" * 62,
        "ab/" + "c" * 61 + "/",
        "ab/" + "c" * 62 + "\n",
        "ab/" + "c" * 60 + "..",
        "a" * 64,
        "ab/cd/" + "e" * 58,
        "",
        "ab/" + "٣" * 62,
    ],
)
def test_keys_are_validated_strictly_and_never_leave_the_root(tmp_path, key):
    """Only "2 hex / 62 hex" is a key: traversal, absolute paths, other separators or lengths raise ValueError."""
    store = FileStore(tmp_path)
    for use in (store.path, store.read, store.exists, store.delete):
        with pytest.raises(ValueError):
            use(key)


def test_a_partially_written_file_is_never_visible_under_its_key(tmp_path, monkeypatch):
    """The rename happens only once every byte is on disk; a failed write leaves no key and no temp file."""
    store = FileStore(tmp_path)
    data = make_pdf(pages=2)
    key = f"{hashlib.sha256(data).hexdigest()[:2]}/{hashlib.sha256(data).hexdigest()[2:]}"
    real_replace = os.replace
    seen = []

    def watching_replace(src, dst):
        seen.append((Path(src).stat().st_size, Path(dst).exists()))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", watching_replace)
    assert store.put(checked(data), data) == key
    assert seen == [(len(data), False)]

    store.delete(key)

    def failing_fsync(fd):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        store.put(checked(data), data)
    assert not store.exists(key) and list(store.keys()) == [] and leftovers(tmp_path) == []


def test_a_temp_file_left_by_a_crash_is_invisible_and_swept(tmp_path):
    """A crash mid-write leaves a temp file: it is never a key, an old one is swept, a young one (in flight) stays."""
    store = FileStore(tmp_path)
    (tmp_path / "ab").mkdir()
    old, young = tmp_path / "ab" / ".tmp-dead", tmp_path / "ab" / ".tmp-busy"
    old.write_bytes(b"%PDF-half")
    young.write_bytes(b"%PDF-half")
    age(old, T0 - timedelta(days=2))
    age(young, T0 - timedelta(minutes=1))
    assert list(store.keys()) == []
    assert store.sweep([], older_than=T0 - timedelta(days=1), now=T0) == []
    assert not old.exists() and young.exists()


def test_sweep_keeps_referenced_and_young_files_and_removes_old_orphans(tmp_path):
    """Sweep removes only unreferenced files older than the cut-off, and returns their keys."""
    store = FileStore(tmp_path)
    keys = {}
    for label, when in (
        ("kept", T0 - timedelta(days=9)),
        ("young", T0 - timedelta(hours=1)),
        ("orphan", T0 - timedelta(days=9)),
    ):
        data = f"%PDF-{label}".encode()
        keys[label] = store.put(checked(data), data)
        age(store.path(keys[label]), when)
    (tmp_path / "README").write_text("not a key")
    removed = store.sweep([keys["kept"], "ff/" + "0" * 62], older_than=T0 - timedelta(days=1), now=T0)
    assert removed == [keys["orphan"]]
    assert store.exists(keys["kept"]) and store.exists(keys["young"]) and not store.exists(keys["orphan"])
    assert (tmp_path / "README").exists() and leftovers(tmp_path) == []


def test_sweep_spares_a_file_put_again_by_a_transaction_in_flight(tmp_path):
    """An old orphan that a new dossier puts again is young again, so sweep leaves it for the commit."""
    store = FileStore(tmp_path)
    data = b"%PDF-reused"
    key = store.put(checked(data), data)
    age(store.path(key), datetime.now(UTC) - timedelta(days=30))
    store.put(checked(data), data)
    now = datetime.now(UTC)
    assert store.sweep([], older_than=now - timedelta(days=1), now=now) == []
    assert store.read(key) == data


def test_sweep_finishes_or_undoes_the_work_of_a_crashed_sweep(tmp_path):
    """A file a crashed sweep renamed aside is removed if still an old orphan, put back if referenced."""
    store = FileStore(tmp_path)
    old, wanted = b"%PDF-old", b"%PDF-wanted"
    old_key, wanted_key = store.put(checked(old), old), store.put(checked(wanted), wanted)
    for key in (old_key, wanted_key):
        path = store.path(key)
        tomb = path.with_name(".sweep-" + path.name)
        path.rename(tomb)
        age(tomb, T0 - timedelta(days=5))
    assert store.sweep([wanted_key], older_than=T0 - timedelta(days=1), now=T0) == [old_key]
    assert store.read(wanted_key) == wanted and not store.exists(old_key)
    assert leftovers(tmp_path) == []


def test_sweep_refuses_a_cutoff_in_the_future_or_naive_times(tmp_path):
    """older_than after now would take files of transactions in flight; naive datetimes are ambiguous."""
    store = FileStore(tmp_path)
    with pytest.raises(ValueError):
        store.sweep([], older_than=T0 + timedelta(seconds=1), now=T0)
    with pytest.raises(ValueError):
        store.sweep([], older_than=datetime(2026, 1, 1), now=datetime(2026, 1, 5))


def test_delete_removes_and_tolerates_a_missing_file(tmp_path):
    """Deleting a key removes its file; deleting again is harmless."""
    store = FileStore(tmp_path)
    data = b"%PDF-bye"
    key = store.put(checked(data), data)
    store.delete(key)
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(FileNotFoundError):
        store.read(key)


def test_an_empty_or_missing_root_has_no_keys(tmp_path):
    """A store that was never written to lists nothing and sweeps nothing."""
    store = FileStore(tmp_path / "absent")
    assert list(store.keys()) == [] and store.sweep([], older_than=T0, now=T0) == []
