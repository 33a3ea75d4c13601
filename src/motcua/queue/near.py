"""The SMS to a ticket's holder when their turn is near (issue 18, the hall display): a ticket taken at the kiosk
with a mobile number gets one text when a call leaves it third in line in its field — two numbers ahead of it, so
the person who stepped out has the time of two services to come back.

Minimum data (Decree 13/2023): the number is optional, kept on the ticket only until the ticket is closed (done or
skipped), and used for this text only. One text per ticket, ever: the outbox's ``dedup_key`` is the ticket's.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from motcua.kit.errors import ValidationFailed
from motcua.notify.actions import enqueue
from motcua.notify.models import Channel, NoticeKind
from motcua.notify.templates import strip_diacritics
from motcua.org.models import Commune
from motcua.queue.models import QueueTicket

#: "Three away": the ticket that will be called by the third call from now in its field (two ahead of it).
AHEAD = 2
#: A Vietnamese mobile number once normalised: 0, then 3, 5, 7, 8 or 9, then 8 digits.
MOBILE = re.compile(r"0[35789]\d{8}")
PHONE_MESSAGE = "Số điện thoại di động không hợp lệ. Nhập 10 chữ số, ví dụ 0912 345 678, hoặc để trống."


def kiosk_phone(raw: str) -> str | None:
    """The kiosk's optional phone: empty → None; ``+84 912 345 678`` / ``0912.345.678`` → ``0912345678``."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if not digits:
        return None
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not (digits.isascii() and MOBILE.fullmatch(digits)):
        raise ValidationFailed(PHONE_MESSAGE, fields={"phone": PHONE_MESSAGE})
    return digits


def notify_near(session: Session, *, called: QueueTicket, now: datetime) -> QueueTicket | None:
    """After ``called`` was called: the ticket of its field now third in line, texted once if it left a number."""
    t = QueueTicket
    near = session.scalars(
        select(t).where(t.commune_code == called.commune_code, t.day == called.day, t.field == called.field,
                        t.status == "waiting")
        .order_by(case((t.priority_group.is_(None), 1), else_=0), t.issued_at, t.id)
        .offset(AHEAD).limit(1)).first()
    if near is None or near.phone is None:
        return None
    commune = session.get(Commune, near.commune_code)
    place = commune.name if commune is not None else near.commune_code
    body = strip_diacritics(f"Trung tam Phuc vu hanh chinh cong {place}: so {near.number} cua ban con {AHEAD} so "
                            "nua la den luot. Vui long co mat tai khu vuc cho de nghe goi so.")
    enqueue(session, dedup_key=f"queue-near:{near.id}", kind=NoticeKind.QUEUE_NEAR, channel=Channel.SMS,
            recipient=near.phone, subject="", body=body, now=now)
    return near
