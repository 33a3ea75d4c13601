"""Attached scans: what an uploaded file really is, and where its bytes are kept.

Why: citizens and officers attach scans (CCCD, giấy khai sinh, sổ đỏ…) that come from phones, public computers
and e-mail. A file is judged by its content, never by its name or the content type the browser claims, because
both are chosen by the sender. Only PDF, JPEG and PNG are kept — what the one-stop centre can open, print and
archive — and only when the whole file reads: a half-uploaded scan must be refused at the counter, not discovered
broken months later when the dossier is audited. Executables, PDFs with active content, decompression bombs and
encrypted PDFs are refused with a Vietnamese message the officer can read out to the citizen.

Bytes are stored content-addressed (the SHA-256 is the key): the same scan attached twice is stored once, a key
can be checked against its bytes, and a file is written to disk before the database commit that references it.
A crash between the two leaves an unreferenced file that ``FileStore.sweep`` removes later.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import re
import secrets
import unicodedata
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from PIL import Image
from pypdf import PdfReader, apply_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from motcua.kit.errors import MotcuaError

ALLOWED_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: Extensions that already name the detected type correctly; any other one is replaced by ALLOWED_TYPES' one.
_FAMILIES = {
    "application/pdf": frozenset({".pdf"}),
    "image/jpeg": frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    "image/png": frozenset({".png"}),
}

Reason = Literal["empty", "too_large", "wrong_type", "executable", "corrupt", "bomb", "bad_name", "encrypted"]

MSG_EMPTY = "Tệp đính kèm rỗng (0 byte). Vui lòng chọn lại tệp."
MSG_WRONG_TYPE = "Chỉ nhận tệp PDF, JPEG hoặc PNG."
MSG_EXECUTABLE = "Tệp chứa mã thực thi (chương trình hoặc kịch bản), không được phép đính kèm."
MSG_PDF_ACTIVE = (
    "Tệp PDF chứa mã thực thi (JavaScript, lệnh chạy chương trình hoặc tệp nhúng), không được phép đính kèm. "
    "Vui lòng in lại thành PDF thông thường hoặc quét lại giấy tờ."
)
MSG_CORRUPT = "Tệp bị hỏng hoặc không đọc được."
MSG_ENCRYPTED = "Tệp PDF đang được đặt mật khẩu. Vui lòng gửi bản không đặt mật khẩu."
MSG_PDF_STREAMS = "Tệp PDF có nội dung nén bất thường, không thể xử lý."
MSG_BAD_NAME = "Tên tệp không hợp lệ."
MSG_NAME_TOO_LONG = "Tên tệp quá dài (tối đa 255 byte)."

#: What ``safe_filename`` returns when nothing usable is left of a name.
FALLBACK_NAME = "tep-dinh-kem"
MAX_NAME_CHARS = 120
#: Longest original name accepted, in UTF-8 bytes: what common file systems allow for one name.
MAX_NAME_BYTES = 255

#: A PDF's first page may inflate to at most this many times the file's size, and never beyond the cap.
PDF_INFLATE_RATIO = 100
PDF_INFLATE_CAP = 200 * 1024 * 1024
#: How many dictionaries and arrays the active-content walk may visit before it calls the file a bomb.
PDF_MAX_OBJECTS = 100_000


class UploadRejected(MotcuaError):
    """An attached file that is not kept; ``reason`` is the machine-readable why, ``message`` the Vietnamese one."""

    status_code = 422
    code = "upload_rejected"
    default_message = "Tệp đính kèm không hợp lệ."

    def __init__(self, message: str | None = None, *, reason: Reason, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, fields=fields, reason=reason)
        self.reason: Reason = reason


@dataclass(frozen=True)
class CheckedFile:
    """What ``inspect_upload`` learnt: a file that passed, with the name and type it is to be stored under."""

    safe_name: str
    content_type: str
    size: int
    sha256: str
    pages: int | None
    width: int | None
    height: int | None


# ------------------------------------------------------------------------------------------------------ names

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{stem}{n}" for stem in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
_WINDOWS_FORBIDDEN = str.maketrans(dict.fromkeys('<>:"|?*', "_"))
_SEPARATORS = re.compile(r"[/\\]")
_SPACES = re.compile(r" {2,}")
_LINE_BREAKS = frozenset("\t\n\v\f\r\x85")
_EXTENSION = re.compile(r"(.+)(\.[A-Za-z][A-Za-z0-9]{0,7})")


def _clean_segment(segment: str) -> str:
    """One path segment without control, format or unassigned characters, Windows-illegal ones or edge dots.

    Format characters (category Cf) include the right-to-left override that makes "hoso\u202efdp.exe" display as
    "hosoexe.pdf"; line and paragraph separators become spaces so a name stays on one line in the register.
    """
    kept = []
    for ch in segment:
        category = unicodedata.category(ch)
        if category.startswith("Z") or ch in _LINE_BREAKS:
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept)).translate(_WINDOWS_FORBIDDEN)
    # Windows drops trailing dots and spaces; a leading dot hides a file on Unix and "." / ".." mean directories.
    return _SPACES.sub(" ", text).strip(" .")


def _split_extension(name: str) -> tuple[str, str]:
    """("báo cáo", ".pdf") for "báo cáo.pdf"; no extension for "v1.2" or "hồ sơ" (a suffix must look like one)."""
    match = _EXTENSION.fullmatch(name)
    return (match.group(1), match.group(2)) if match else (name, "")


def _fit(stem: str, extension: str) -> str:
    """Stem and extension within MAX_NAME_CHARS, shortening the stem so the extension survives."""
    stem = stem[: MAX_NAME_CHARS - len(extension)].rstrip(" .")
    return f"{stem or FALLBACK_NAME}{extension}"


def safe_filename(name: str) -> str:
    """A name that is safe to show, to put in Content-Disposition and to write on any file system.

    Why: the name comes from the sender's computer and ends up in the register, in download headers and in the
    archive exported to disk. Directories (with / or \\), traversal, control characters, leading dots and the
    reserved device names of Windows are removed; Vietnamese letters are kept, NFC-normalised so that the same
    name typed on macOS (NFD) and on Windows compares equal. Always returns something usable: a name that was only
    traversal or noise becomes ``tep-dinh-kem``. Refusing a name is ``inspect_upload``'s call, not this one's.
    """
    text = unicodedata.normalize("NFC", name)
    cleaned = ""
    for segment in reversed(_SEPARATORS.split(text)):
        cleaned = _clean_segment(segment)
        if cleaned:
            break
    if not cleaned:
        return FALLBACK_NAME
    if cleaned.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    if len(cleaned) <= MAX_NAME_CHARS:
        return cleaned
    stem, extension = _split_extension(cleaned)
    return _fit(stem, extension)


def _with_extension(name: str, content_type: str) -> str:
    """The name with an extension of the detected type: a JPEG sent as "scan.pdf" is stored as "scan.jpg".

    Why: the extension decides which program opens the file once it is downloaded; it must tell the truth.
    """
    stem, extension = _split_extension(name)
    if extension.lower() in _FAMILIES[content_type]:
        return name
    return _fit(stem, ALLOWED_TYPES[content_type])


def _check_name(filename: str) -> None:
    """Refuse only what cannot be a real file name; everything else is cleaned by ``safe_filename``."""
    if "\x00" in filename:
        raise UploadRejected(MSG_BAD_NAME, reason="bad_name")
    if len(filename.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UploadRejected(MSG_NAME_TOO_LONG, reason="bad_name")


def refuse_path_tricks(filename: str) -> None:
    """Stricter than the counter (which cleans a scanner's odd names): a name sent from a citizen's browser that holds
    a path — folders, "..", a drive, a leading dot, control characters — is refused outright, since no phone or
    browser sends one on its own; someone is trying the server's file store."""
    name = filename or ""
    if (any(sep in name for sep in ("/", "\\", "\x00")) or name.startswith(".")
            or re.match(r"^[A-Za-z]:", name) or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)):
        raise UploadRejected("Tên tệp không hợp lệ: tên tệp không được chứa đường dẫn (/, \\, ..), ký tự điều khiển "
                             "hoặc bắt đầu bằng dấu chấm. Hãy đổi tên tệp rồi gửi lại.", reason="bad_name")


# ------------------------------------------------------------------------------------------------ recognition

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_UTF8_BOM = b"\xef\xbb\xbf"

_EXECUTABLE_MAGICS = (
    b"MZ",  # Windows PE (.exe, .dll, .scr)
    b"\x7fELF",  # Linux, Android
    b"#!",  # a script with a shebang
    b"\xfe\xed\xfa\xce",  # Mach-O 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary (and Java classes)
)

_OTHER_KINDS = (
    (b"PK\x03\x04", "tệp nén ZIP"),
    (b"PK\x05\x06", "tệp nén ZIP"),
    (b"PK\x07\x08", "tệp nén ZIP"),
    (b"Rar!\x1a\x07", "tệp nén RAR"),
    (b"7z\xbc\xaf\x27\x1c", "tệp nén 7z"),
    (b"\x1f\x8b", "tệp nén GZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "tài liệu Word/Excel định dạng cũ (DOC/XLS)"),
    (b"GIF87a", "ảnh GIF"),
    (b"GIF89a", "ảnh GIF"),
    (b"II*\x00", "ảnh TIFF"),
    (b"MM\x00*", "ảnh TIFF"),
    (b"BM", "ảnh BMP"),
    (b"{\\rtf", "văn bản RTF"),
)


def _is_executable(data: bytes) -> bool:
    return data.removeprefix(_UTF8_BOM).startswith(_EXECUTABLE_MAGICS)


def _zip_kind(data: bytes) -> str:
    """Name an Office document from the first entry's name in the local header — read, never unpacked."""
    name_length = int.from_bytes(data[26:28], "little")
    first = data[30 : 30 + min(name_length, 256)]
    if first == b"[Content_Types].xml" or first.startswith((b"word/", b"xl/", b"ppt/", b"docProps/", b"_rels/")):
        return "tài liệu Word/Excel/PowerPoint (DOCX/XLSX/PPTX)"
    if first == b"mimetype" and b"opendocument" in data[30 : 30 + name_length + 80]:
        return "tài liệu OpenDocument (ODT/ODS)"
    return "tệp nén ZIP"


def _describe(data: bytes) -> str | None:
    """What a refused file most likely is, in words an officer can repeat; None when it is not known."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for magic, kind in _OTHER_KINDS:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "ảnh WebP"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "ảnh HEIC (iPhone)"
        return "ảnh AVIF" if brand in (b"avif", b"avis") else "tệp video"
    head = data.removeprefix(_UTF8_BOM)[:4096]
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        return None
    start = text.lstrip().lower()
    if start.startswith(("<!doctype html", "<html")) or "<script" in start:
        return "trang web HTML"
    if "<svg" in start[:1024]:
        return "ảnh SVG"
    if start.startswith("<?xml"):
        return "tệp XML"
    return "tệp văn bản"


def _megabytes(limit: int) -> str:
    """10485760 → "10"; 1572864 → "1,5" (the Vietnamese decimal comma)."""
    value = limit / (1024 * 1024)
    return str(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")


def content_key(sha256_hex: str) -> str:
    """The file store's key of the bytes with this SHA-256: the same content is always one stored file."""
    return f"{sha256_hex[:2]}/{sha256_hex[2:]}"


def inspect_upload(
    filename: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = 40_000_000,
    max_pdf_pages: int = 200,
) -> CheckedFile:
    """Decide from its content whether an uploaded file is kept, and under which name and type.

    Raises ``UploadRejected`` with one of the reasons: bad_name, empty, too_large, executable, wrong_type,
    corrupt, bomb, encrypted. The name only ever decides the stored name, never the type: a JPEG called
    "scan.pdf" is kept as the JPEG "scan.jpg". The limits are arguments, not globals, so each caller (counter,
    online portal, tests) states its own.
    """
    _check_name(filename)
    if not data:
        raise UploadRejected(MSG_EMPTY, reason="empty")
    if len(data) > max_bytes:
        raise UploadRejected(f"Tệp vượt quá dung lượng cho phép ({_megabytes(max_bytes)} MB).", reason="too_large")
    if _is_executable(data):
        raise UploadRejected(MSG_EXECUTABLE, reason="executable")
    pages = width = height = None
    if data.startswith(_PDF_MAGIC):
        content_type = "application/pdf"
        pages = _check_pdf(data, max_pages=max_pdf_pages)
    elif data.startswith(_JPEG_MAGIC):
        content_type = "image/jpeg"
        width, height = _check_image(data, ("JPEG", "MPO"), max_pixels=max_pixels)
    elif data.startswith(_PNG_MAGIC):
        content_type = "image/png"
        width, height = _check_image(data, ("PNG",), max_pixels=max_pixels)
    else:
        kind = _describe(data)
        message = f"{MSG_WRONG_TYPE} Tệp đã gửi là {kind}." if kind else MSG_WRONG_TYPE
        raise UploadRejected(message, reason="wrong_type")
    return CheckedFile(
        safe_name=_with_extension(safe_filename(filename), content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        width=width,
        height=height,
    )


# ----------------------------------------------------------------------------------------------------- images


def _check_image(data: bytes, formats: tuple[str, ...], *, max_pixels: int) -> tuple[int, int]:
    """Width and height of a JPEG or PNG that Pillow verifies and then decodes in full.

    ``verify()`` checks the structure (PNG chunk CRCs) but not the pixels, so the image is reopened and loaded:
    a scan truncated by a dropped connection fails there. The pixel limit is checked from the header before any
    decoding — a 20000×20000 black PNG is 50 kB on disk and gigabytes in memory — and does not rely on Pillow's
    global ``MAX_IMAGE_PIXELS``; Pillow's own bomb warning is turned into an error as a second line.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(formats)) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise UploadRejected(_too_many_pixels(max_pixels), reason="bomb")
                probe.verify()
            with Image.open(io.BytesIO(data), formats=list(formats)) as image:
                if image.size != (width, height):
                    raise UploadRejected(MSG_CORRUPT, reason="corrupt")
                image.load()
        _check_complete(data, formats)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(_too_many_pixels(max_pixels), reason="bomb") from exc
    except Exception as exc:  # Pillow signals a damaged file with many types (OSError, SyntaxError, ValueError…)
        raise UploadRejected(MSG_CORRUPT, reason="corrupt") from exc
    return width, height


def _check_complete(data: bytes, formats: tuple[str, ...]) -> None:
    """The file's own end marker, checked by hand: WeasyPrint sets Pillow's process-wide
    ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` when it is imported, after which Pillow pads a truncated scan
    with grey instead of failing. A JPEG's last end-of-image marker must follow its last start-of-scan; a PNG must
    end with its IEND chunk."""
    if "JPEG" in formats and data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda"):
        raise UploadRejected(MSG_CORRUPT, reason="corrupt")
    if "PNG" in formats and b"IEND" not in data[-64:]:
        raise UploadRejected(MSG_CORRUPT, reason="corrupt")


def _too_many_pixels(max_pixels: int) -> str:
    millions = f"{max_pixels / 1_000_000:g}".replace(".", ",")
    return f"Ảnh có kích thước quá lớn (tối đa {millions} triệu điểm ảnh)."


# ------------------------------------------------------------------------------------------------------- PDFs

#: Names that make a PDF do something when opened or clicked: scripts, launching programs, files carried inside,
#: Flash-era rich media and XFA forms (which hold scripts).
_ACTIVE_NAMES = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"})
_ACTIVE_RAW = frozenset(name[1:].encode() for name in _ACTIVE_NAMES)
_RAW_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

#: pypdf's limits on decoded output, all set to the budget of the file being checked.
_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "image_maximum_buffer_size",
    "stream_decoding_work_maximum_length",
)


def _output_limits(budget: int) -> dict[str, Any]:
    return dict.fromkeys(_OUTPUT_LIMITS, budget)


def _outside_streams(data: bytes) -> Iterator[bytes]:
    """The parts of a PDF between its streams: where dictionaries are written out in clear.

    Stream data (compressed images, fonts) is left out: random bytes spell "/JS" often enough that scanning them
    would refuse honest scans. Linear in the size of the file, whatever the file holds.
    """
    pos = search = 0
    while True:
        start = data.find(b"stream", search)
        if start < 0:
            break
        after = start + len(b"stream")
        if (start >= 3 and data[start - 3 : start] == b"end") or data[after : after + 1] not in (b"\r", b"\n"):
            search = after
            continue
        yield data[pos:after]
        end = data.find(b"endstream", after)
        if end < 0:
            return
        pos = search = end
    yield data[pos:]


def _raw_active_content(data: bytes) -> bool:
    """Active-content names written in clear, "#xx" escapes undone (/J#61vaScript is /JavaScript)."""
    for part in _outside_streams(data):
        for match in _RAW_NAME.finditer(part):
            name = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
            if name in _ACTIVE_RAW:
                return True
    return False


def _structural_active_content(start: Any) -> bool:
    """Active-content names anywhere in the object graph pypdf reads, object streams included.

    Why both this and ``_raw_active_content``: PDF 1.5 object streams hide dictionaries inside compressed
    streams, where the raw scan cannot see them; the raw scan sees objects no reference reaches, which a
    lenient viewer may still run. Bounded: more than PDF_MAX_OBJECTS dictionaries and arrays is a bomb.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [start]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # a stream's dictionary too; its data is not read
            visited += 1
            for key, value in dict.items(obj):
                if key in _ACTIVE_NAMES:
                    return True
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            visited += 1
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in _ACTIVE_NAMES:
            return True
        if visited > PDF_MAX_OBJECTS:
            raise LimitReachedError(f"More than {PDF_MAX_OBJECTS} objects.")
    return False


def _decode_first_page(reader: PdfReader, budget: int) -> None:
    """Decode the first page's content streams within ``budget`` bytes in total, or raise LimitReachedError.

    Only the first page: it shows a bomb (a few kB that inflate to gigabytes) without the cost of decoding all
    pages of a large honest scan.
    """
    contents: Any = dict.get(reader.pages[0], "/Contents")
    if isinstance(contents, IndirectObject):
        contents = contents.get_object()
    streams = list(contents) if isinstance(contents, ArrayObject) else [contents]
    remaining = budget
    for item in streams:
        stream = item.get_object() if isinstance(item, IndirectObject) else item
        if not isinstance(stream, StreamObject):
            continue
        with apply_configuration(**_output_limits(max(remaining, 1))):
            remaining -= len(stream.get_data())
        if remaining < 0:
            raise LimitReachedError("First page contents over budget.")


def _check_pdf(data: bytes, *, max_pages: int) -> int:
    """The page count of a whole, plain PDF; raise UploadRejected for anything else.

    Order matters: the cheap byte checks (truncation, active content in clear) come before pypdf parses
    anything, and pypdf runs under explicit limits so that parsing itself cannot be the attack.
    """
    if b"%%EOF" not in data[-1024:]:  # the end marker a truncated upload lost
        raise UploadRejected(MSG_CORRUPT, reason="corrupt")
    if _raw_active_content(data):
        raise UploadRejected(MSG_PDF_ACTIVE, reason="executable")
    budget = min(PDF_INFLATE_RATIO * len(data), PDF_INFLATE_CAP)
    limits = _output_limits(budget)
    limits.update(jbig2dec_binary=None, page_tree_maximum_entries=2 * max_pages + 64)
    try:
        with apply_configuration(**limits):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UploadRejected(MSG_ENCRYPTED, reason="encrypted")
            root = reader.trailer["/Root"]
            if not isinstance(root, DictionaryObject) or "/Pages" not in root:
                raise UploadRejected(MSG_CORRUPT, reason="corrupt")
            pages = len(reader.pages)
            if pages > max_pages:
                raise UploadRejected(f"Tệp PDF có quá nhiều trang (tối đa {max_pages} trang).", reason="bomb")
            if pages == 0:
                raise UploadRejected(MSG_CORRUPT, reason="corrupt")
            for page in reader.pages:  # every page must resolve to a page with a size
                _ = page.mediabox
            if _structural_active_content(reader.trailer):
                raise UploadRejected(MSG_PDF_ACTIVE, reason="executable")
            _decode_first_page(reader, budget)
    except UploadRejected:
        raise
    except LimitReachedError as exc:
        raise UploadRejected(MSG_PDF_STREAMS, reason="bomb") from exc
    except FileNotDecryptedError as exc:
        raise UploadRejected(MSG_ENCRYPTED, reason="encrypted") from exc
    except Exception as exc:  # pypdf documents that broken files raise more than its own errors
        raise UploadRejected(MSG_CORRUPT, reason="corrupt") from exc
    return pages


# ------------------------------------------------------------------------------------------------------ store

_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{62}")
_DIR = re.compile(r"[0-9a-f]{2}")
_NAME = re.compile(r"[0-9a-f]{62}")
_TEMP_PREFIX = ".tmp-"
_TOMB_PREFIX = ".sweep-"


class FileStore:
    """Content-addressed files on disk: key "ab/cdef…" is the SHA-256 of the bytes, split after two characters.

    Why content-addressed: the same scan attached to two dossiers is stored once, a key can be checked against
    its bytes, and writing is idempotent, so a retried request does no harm. Files are written before the
    database commit that references them; what a failed transaction leaves behind is removed by ``sweep``.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where a key lives. Only the exact "2 hex / 62 hex" layout is accepted, so no key can leave the root."""
        if not isinstance(key, str) or _KEY.fullmatch(key) is None:
            raise ValueError(f"Not a file store key: {key!r}")
        return self.root / key[:2] / key[3:]

    def put(self, checked: CheckedFile, data: bytes) -> str:
        """Store the bytes ``checked`` describes and return their key.

        Atomic: the bytes go to a temporary file in the same directory, are fsync'd, then renamed over the key, so
        a reader sees the whole file or none. Idempotent: a key already stored is not rewritten, but its mtime is
        refreshed, so a ``sweep`` running while the caller's transaction is in flight does not take it.
        """
        digest = hashlib.sha256(data).hexdigest()
        if digest != checked.sha256 or len(data) != checked.size:
            raise ValueError("The bytes to store are not the ones that were inspected.")
        key = content_key(digest)
        target = self.path(key)
        if self._refresh(target, len(data)):
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.parent / f"{_TEMP_PREFIX}{secrets.token_hex(8)}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o640)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_directory(target.parent)
        return key

    @staticmethod
    def _refresh(target: Path, size: int) -> bool:
        """True when ``target`` already holds ``size`` bytes; its mtime is then set to now (see ``sweep``)."""
        try:
            if os.stat(target).st_size != size:  # damaged: write it again
                return False
            os.utime(target)
        except FileNotFoundError:
            return False
        return True

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove a file; a key already gone is not an error (deleting twice is harmless)."""
        self.path(key).unlink(missing_ok=True)

    def _directories(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if _DIR.fullmatch(p.name) and p.is_dir())

    def keys(self) -> Iterator[str]:
        """Every stored key, in order; temporary files and anything foreign in the directory are not keys."""
        for directory in self._directories():
            for entry in sorted(directory.iterdir()):
                if _NAME.fullmatch(entry.name) and entry.is_file():
                    yield f"{directory.name}/{entry.name}"

    def sweep(self, referenced: Collection[str], *, older_than: datetime, now: datetime) -> list[str]:
        """Remove files no dossier references and temporary files left by crashed writes; return removed keys.

        Only files last written (or re-put) before ``older_than`` go: a file stored by a transaction that has not
        committed yet is unreferenced but young, and must stay. ``now`` is the caller's clock, used to refuse an
        ``older_than`` in the future, which would make every in-flight file fair game.

        A file is first renamed aside and its mtime read again, so a ``put`` of the same bytes racing the sweep
        either refreshed it before the rename (it is put back) or finds it gone and writes it anew.
        """
        if older_than.tzinfo is None or now.tzinfo is None:
            raise ValueError("sweep needs timezone-aware datetimes.")
        if older_than > now:
            raise ValueError("older_than is in the future: files of transactions in flight would be removed.")
        cutoff = older_than.timestamp()
        keep = set(referenced)
        removed: list[str] = []
        for directory in self._directories():
            for entry in sorted(directory.iterdir()):
                name = entry.name
                try:
                    mtime = entry.stat().st_mtime
                except FileNotFoundError:
                    continue
                if name.startswith(_TEMP_PREFIX):
                    if mtime < cutoff:
                        entry.unlink(missing_ok=True)
                elif name.startswith(_TOMB_PREFIX):
                    key = f"{directory.name}/{name.removeprefix(_TOMB_PREFIX)}"
                    if self._settle_tombstone(entry, key, mtime, cutoff, keep):
                        removed.append(key)
                elif _NAME.fullmatch(name):
                    key = f"{directory.name}/{name}"
                    if key not in keep and mtime < cutoff and self._remove_unless_touched(entry, cutoff):
                        removed.append(key)
        return removed

    @staticmethod
    def _remove_unless_touched(target: Path, cutoff: float) -> bool:
        tomb = target.with_name(f"{_TOMB_PREFIX}{target.name}")
        try:
            os.replace(target, tomb)
        except FileNotFoundError:
            return False
        if os.stat(tomb).st_mtime >= cutoff:  # a put refreshed it between our look and the rename
            os.replace(tomb, target)
            return False
        os.unlink(tomb)
        return True

    def _settle_tombstone(self, tomb: Path, key: str, mtime: float, cutoff: float, keep: set[str]) -> bool:
        """A file a crashed sweep had renamed aside: put it back if it may be wanted, else finish removing it."""
        if _KEY.fullmatch(key) is None:
            return False
        target = self.path(key)
        if target.exists():
            tomb.unlink(missing_ok=True)
            return False
        if key in keep or mtime >= cutoff:
            os.replace(tomb, target)
            return False
        tomb.unlink(missing_ok=True)
        return True


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on Windows."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
