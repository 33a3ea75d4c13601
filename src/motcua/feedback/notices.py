"""What the sender of a feedback case is told (refusal, request for information, the answer) — pure.

The messages go through the notification outbox (``motcua.notify``) like the dossier notices: written with the
action, sent by the worker after the commit, one per channel the sender gave (email; SMS for a phone, without
diacritics, see ``notify.templates``). Each carries the signed link to the case's public page, where the sender
reads the whole answer and says whether they are satisfied with it (indicator 5.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from motcua.notify.templates import SMS_MAX_CHARS, strip_diacritics

NoticeKind = Literal["feedback_refused", "feedback_info_requested", "feedback_answered"]
Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class CaseNotice:
    code: str
    subject: str
    sender_name: str
    commune_name: str  # "UBND xã Chí Tiên"
    text: str  # the officer's words: the reason, the information needed, the answer
    link: str


_LEAD: dict[NoticeKind, tuple[str, str]] = {
    "feedback_refused": ("Phản ánh, kiến nghị {code} không được tiếp nhận xử lý",
                         "phản ánh, kiến nghị của Ông/Bà không được tiếp nhận xử lý, với lý do:"),
    "feedback_info_requested": ("Đề nghị bổ sung thông tin cho phản ánh, kiến nghị {code}",
                                "để xử lý phản ánh, kiến nghị của Ông/Bà, đề nghị Ông/Bà bổ sung thông tin sau:"),
    "feedback_answered": ("Kết quả trả lời phản ánh, kiến nghị {code}",
                          "phản ánh, kiến nghị của Ông/Bà đã được trả lời như sau:"),
}


def render(kind: NoticeKind, channel: Channel, notice: CaseNotice) -> tuple[str, str]:
    """(subject, body) of one message."""
    title, lead = _LEAD[kind]
    subject = title.format(code=notice.code)
    if channel == "sms":
        body = strip_diacritics(f"{notice.commune_name}: {subject}. Xem chi tiet va danh gia: {notice.link}")
        return strip_diacritics(subject), body[:SMS_MAX_CHARS]
    rate = ("\n\nXin Ông/Bà cho biết có hài lòng với kết quả trả lời hay không tại địa chỉ trên."
            if kind == "feedback_answered" else "")
    body = (f"Kính gửi Ông/Bà {notice.sender_name},\n\n{notice.commune_name} thông báo: {lead}\n\n{notice.text}\n\n"
            f"Mã phản ánh, kiến nghị: {notice.code} — «{notice.subject}»\nXem chi tiết: {notice.link}{rate}\n\n"
            f"Trân trọng,\n{notice.commune_name}")
    return subject, body
