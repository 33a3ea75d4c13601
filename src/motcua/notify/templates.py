"""The words sent to applicants: pure functions from a notice's facts to a subject and a body, per channel.

Every message says what happened *and what it means in law* — an applicant who reads "cần bổ sung" must also
learn that the dossier is closed after 15 days without the papers (Decree 118/2025 Art. 19(5)), and one who reads
"gia hạn" that the date can move only once (Art. 19(6)). Times are shown in Vietnam time as ``dd/mm/yyyy HH:MM``
(storage is UTC, house rule 5); every message ends with the public lookup link so that the code is one tap away.

Channels differ only in length and alphabet:

* email — the full letter, greeting to signature;
* Zalo — the same facts and legal meaning without the letter's courtesies (Zalo shows a short card);
* SMS — one short paragraph **without diacritics**: brandname SMS in Vietnam is billed per 160-character GSM-7
  segment, and a single Vietnamese letter with a diacritic switches the whole message to UCS-2 (70 characters a
  segment) and shows as boxes on many old phones the elderly still use. Capped at three segments.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from motcua.notify.models import Channel, NoticeKind

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DECREE = "Nghị định 118/2025/NĐ-CP"
SMS_MAX_CHARS = 3 * 153
"""Three concatenated GSM-7 segments (153 characters each once the concatenation header is counted)."""
SUPPLEMENT_DAYS = 15
"""Decree 118/2025 Art. 19(5): the applicant has 15 days to supplement; then the centre closes the dossier."""


@dataclass(frozen=True)
class NoticeContext:
    """The facts of one notice, read from the dossier at the moment of the event."""

    code: str
    procedure_name: str
    applicant_name: str
    centre_name: str  # "Trung tâm Phục vụ hành chính công xã Chí Tiên"
    lookup_url: str
    at: datetime  # when the event happened
    due_at: datetime | None = None  # ngày hẹn trả kết quả as it stands after the event
    note: str = ""  # the officer's words: what to supplement, why the delay
    supplement_due_at: datetime | None = None  # set only for a supplement after appraisal (Art. 19(5))
    previous_due_at: datetime | None = None  # the appointment an extension replaced
    short_name: str = ""  # "UBND xã Chí Tiên": how an SMS names its sender; the centre's name when empty


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class _Copy:
    """One kind's words, independent of the channel."""

    subject: str
    lead: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    legal: str = ""
    short: str = ""  # the SMS sentence (diacritics are stripped later)


def vn_datetime(instant: datetime) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam time; a naive instant is UTC (SQLite hands those back)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")


def vn_date(instant: datetime) -> str:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")


def lookup_url(public_base_url: str, code: str) -> str:
    """The public lookup page (tra cứu hồ sơ) of one dossier, the same address the receipt's QR code carries."""
    return f"{public_base_url.rstrip('/')}/tra-cuu?ma={quote(code, safe='')}"


def strip_diacritics(text: str) -> str:
    """"Đặng Văn Đức" → "Dang Van Duc": what an SMS can carry in GSM-7 (see the module docstring)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    plain = plain.replace("–", "-").replace("—", "-").replace("“", '"').replace("”", '"').replace("’", "'")
    return plain.encode("ascii", "ignore").decode("ascii")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _due(ctx: NoticeContext) -> str:
    return vn_datetime(ctx.due_at) if ctx.due_at is not None else "sẽ được thông báo sau"


def _moved_appointment(base: list[tuple[str, str]], ctx: NoticeContext, reason: str) -> list[tuple[str, str]]:
    """The facts of a moved appointment (an extension, Art. 19(6), or the law's extra days): old and new, and why."""
    facts = list(base)
    if ctx.previous_due_at is not None:
        facts.append(("Ngày hẹn cũ", vn_datetime(ctx.previous_due_at)))
    facts.append(("Ngày hẹn trả kết quả mới", _due(ctx)))
    if ctx.note:
        facts.append((reason, ctx.note))
    return facts


def _copy(kind: NoticeKind, ctx: NoticeContext) -> _Copy:
    base = [("Mã hồ sơ", ctx.code), ("Thủ tục", ctx.procedure_name)]
    if kind is NoticeKind.RECEIVED:
        return _Copy(
            subject=f"Đã tiếp nhận hồ sơ {ctx.code}",
            lead=f"{ctx.centre_name} đã tiếp nhận hồ sơ của Ông/Bà lúc {vn_datetime(ctx.at)}.",
            facts=[*base, ("Ngày hẹn trả kết quả", _due(ctx))],
            legal=(f"Thời hạn giải quyết được tính từ thời điểm tiếp nhận hồ sơ đầy đủ, ghi trên Giấy tiếp nhận hồ sơ "
                   f"và hẹn trả kết quả (Điều 17 {DECREE}). Nếu không thể trả kết quả đúng hẹn, cơ quan giải quyết "
                   f"phải gửi Ông/Bà văn bản xin lỗi kèm ngày hẹn mới (Điều 19 khoản 6)."),
            short=f"Da tiep nhan ho so {ctx.code} ({_clip(ctx.procedure_name, 60)}). Hen tra ket qua: {_due(ctx)}.",
        )
    if kind is NoticeKind.SUBMITTED:
        return _Copy(
            subject=f"Đã nhận hồ sơ trực tuyến {ctx.code}",
            lead=f"{ctx.centre_name} đã nhận hồ sơ Ông/Bà nộp trực tuyến lúc {vn_datetime(ctx.at)}.",
            facts=[*base, ("Hạn kiểm tra, tiếp nhận", _due(ctx))],
            legal=(f"Trong 8 giờ làm việc, Trung tâm kiểm tra hồ sơ và tiếp nhận, hoặc hướng dẫn Ông/Bà bổ sung "
                   f"(Điều 17 khoản 2 {DECREE}). Thời hạn giải quyết tính từ khi hồ sơ đầy đủ được tiếp nhận; "
                   f"Ông/Bà sẽ nhận được ngày hẹn trả kết quả khi đó."),
            short=(f"Da nhan ho so truc tuyen {ctx.code} ({_clip(ctx.procedure_name, 60)}). Trung tam kiem tra, "
                   f"tiep nhan trong 8 gio lam viec (Dieu 17 ND 118/2025)."),
        )
    if kind is NoticeKind.SUPPLEMENT_REQUESTED:
        facts = [*base, ("Nội dung cần bổ sung", ctx.note or "xem Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")]
        if ctx.supplement_due_at is not None:
            deadline = vn_datetime(ctx.supplement_due_at)
            facts.append(("Hạn nộp bổ sung", deadline))
            legal = (f"Theo Điều 19 khoản 5 {DECREE}, Ông/Bà nộp bổ sung trong thời hạn {SUPPLEMENT_DAYS} ngày kể từ "
                     f"ngày có yêu cầu (đến {deadline}); quá thời hạn này mà chưa bổ sung, Trung tâm sẽ kết thúc "
                     f"hồ sơ. Khi Trung tâm xác nhận hồ sơ bổ sung đã đầy đủ, thời hạn giải quyết được tính lại từ "
                     f"đầu và Ông/Bà sẽ nhận được ngày hẹn trả kết quả mới.")
            short = (f"Ho so {ctx.code} can bo sung: {_clip(ctx.note, 120) or 'xem phieu yeu cau'}. Han nop: "
                     f"{deadline} ({SUPPLEMENT_DAYS} ngay, Dieu 19 ND 118/2025); qua han ho so bi ket thuc.")
        else:  # at the counter: the dossier was not received at all, so no clock runs and no 15 days apply
            legal = (f"Hồ sơ chưa đủ thành phần nên chưa được tiếp nhận (Điều 17 khoản 1 {DECREE}). Cán bộ đã "
                     f"hướng dẫn một lần, đầy đủ các giấy tờ cần bổ sung (Điều 16 khoản 3); Ông/Bà bổ sung đủ rồi "
                     f"nộp lại để được tiếp nhận và hẹn ngày trả kết quả.")
            short = (f"Ho so {ctx.code} chua du, can bo sung: {_clip(ctx.note, 120) or 'xem phieu yeu cau'}. "
                     f"Bo sung du roi nop lai (Dieu 17 ND 118/2025).")
        return _Copy(subject=f"Hồ sơ {ctx.code} cần bổ sung, hoàn thiện",
                     lead="Cơ quan giải quyết đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ.",
                     facts=facts, legal=legal, short=short)
    if kind is NoticeKind.EXTENDED:
        facts = _moved_appointment(base, ctx, "Lý do")
        return _Copy(
            subject=f"Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {ctx.code}",
            lead=("Cơ quan giải quyết chưa thể trả kết quả hồ sơ của Ông/Bà đúng hẹn và thành thật xin lỗi Ông/Bà "
                  "về sự chậm trễ này."),
            facts=facts,
            legal=(f"Theo Điều 19 khoản 6 {DECREE}, cơ quan giải quyết đã gửi Văn bản xin lỗi và đề nghị gia hạn "
                   f"thời gian giải quyết, ghi rõ ngày hẹn mới nêu trên; ngày hẹn trả kết quả chỉ được điều chỉnh "
                   f"một lần. Ông/Bà có thể nhận văn bản xin lỗi tại {ctx.centre_name}."),
            short=(f"Xin loi Ong/Ba: ho so {ctx.code} chua tra dung hen. Ngay hen moi: {_due(ctx)} "
                   f"(Dieu 19 khoan 6 ND 118/2025, chi gia han 1 lan)."),
        )
    if kind is NoticeKind.EXTENDED_BY_LAW:
        facts = _moved_appointment(base, ctx, "Căn cứ, lý do")
        return _Copy(
            subject=f"Gia hạn giải quyết hồ sơ {ctx.code} theo quy định của luật",
            lead=("Hồ sơ của Ông/Bà thuộc trường hợp luật cho phép kéo dài thời hạn giải quyết (cần xác minh thêm "
                  "hoặc theo địa bàn); ngày hẹn trả kết quả được lùi lại như dưới đây."),
            facts=facts,
            legal=("Việc kéo dài này do luật chuyên ngành quy định cho thủ tục, không phải do giải quyết chậm. Nếu "
                   f"không trả kết quả đúng ngày hẹn mới, cơ quan giải quyết phải gửi Ông/Bà văn bản xin lỗi "
                   f"(Điều 19 khoản 6 {DECREE})."),
            short=(f"Ho so {ctx.code} duoc gia han theo quy dinh cua luat. Ngay hen moi: {_due(ctx)}."),
        )
    if kind is NoticeKind.RESULT_READY:
        return _Copy(
            subject=f"Hồ sơ {ctx.code} đã có kết quả",
            lead=f"Hồ sơ của Ông/Bà đã được giải quyết xong; kết quả đang chờ Ông/Bà nhận tại {ctx.centre_name}.",
            facts=[*base, ("Ngày hẹn trả kết quả", _due(ctx))],
            legal=(f"Ông/Bà có thể nhận kết quả ngay, không phải chờ đến ngày hẹn; khi đến nhận, mang theo Giấy tiếp "
                   f"nhận hồ sơ và hẹn trả kết quả cùng giấy tờ tùy thân. Kết quả điện tử (nếu có) được lưu vào kho "
                   f"dữ liệu của Ông/Bà trên Cổng Dịch vụ công quốc gia (Điều 22 {DECREE})."),
            short=f"Ho so {ctx.code} da co ket qua. Moi Ong/Ba den nhan tai {ctx.centre_name}, mang theo giay hen.",
        )
    if kind is NoticeKind.RETURNED:
        return _Copy(
            subject=f"Đã trả kết quả hồ sơ {ctx.code}",
            lead=f"{ctx.centre_name} đã trả kết quả hồ sơ cho Ông/Bà lúc {vn_datetime(ctx.at)}.",
            facts=list(base),
            legal=(f"Nếu kết quả có sai sót do cơ quan giải quyết, Ông/Bà được sửa và trả lại trong 3 ngày làm việc "
                   f"mà không phải trả thêm chi phí (Điều 23 khoản 1 {DECREE}). Mời Ông/Bà đánh giá mức độ hài "
                   f"lòng về việc giải quyết hồ sơ tại địa chỉ tra cứu dưới đây."),
            short=(f"Da tra ket qua ho so {ctx.code} luc {vn_datetime(ctx.at)}. Ket qua sai sot duoc sua trong "
                   f"3 ngay lam viec (Dieu 23 ND 118/2025)."),
        )
    raise ValueError(f"unknown notice kind {kind!r}")


def staff_alert_text(code: str, procedure_name: str, applicant_name: str, acceptance_due: datetime,
                     link: str) -> str:
    """The alert to the centre's reception officers that an online dossier waits (Art. 17(2): checked and accepted,
    or the applicant asked to supplement, within 8 working hours); SMS copies get it without diacritics."""
    if acceptance_due.tzinfo is None:
        acceptance_due = acceptance_due.replace(tzinfo=UTC)
    return (f"Hồ sơ trực tuyến {code} ({procedure_name}) của {applicant_name} đang chờ tiếp nhận; hạn kiểm tra, "
            f"tiếp nhận: {acceptance_due.astimezone(VIETNAM_TZ):%H:%M %d/%m/%Y} (8 giờ làm việc, Điều 17 khoản 2 "
            f"{DECREE}). {link}")


def render(kind: NoticeKind | str, channel: Channel | str, ctx: NoticeContext) -> Rendered:
    """The subject and body of one notice on one channel."""
    copy = _copy(NoticeKind(kind), ctx)
    channel = Channel(channel)
    facts = [f"- {label}: {value}" for label, value in copy.facts]
    if channel is Channel.EMAIL:
        body = "\n".join([
            f"Kính gửi Ông/Bà {ctx.applicant_name},", "",
            copy.lead, "", *facts, "",
            copy.legal, "",
            f"Tra cứu tình trạng hồ sơ: {ctx.lookup_url}", "",
            "Trân trọng,", ctx.centre_name,
            "(Thư gửi tự động, vui lòng không trả lời thư này.)",
        ])
        return Rendered(copy.subject, body + "\n")
    if channel is Channel.ZALO:
        # The Official Account's name heads the card already: no salutation, no signature.
        body = "\n".join([copy.lead, *facts, copy.legal, f"Tra cứu: {ctx.lookup_url}"])
        return Rendered(copy.subject, body)
    tail = f" Tra cuu: {ctx.lookup_url}"
    head = strip_diacritics(f"{ctx.short_name or ctx.centre_name}: {copy.short}")
    body = _clip(head, SMS_MAX_CHARS - len(tail)) + tail
    return Rendered(strip_diacritics(copy.subject), body)
