"""The fields (lĩnh vực) a counter serves and the legal priority groups: data, not code paths.

A field's ``prefix`` heads its tickets' numbers ("HT-012"). The priority groups are those the law names for
priority service at the one-stop centre (the elderly, persons with disabilities, pregnant women, people with
meritorious service); a province adds its own as data (``queue.priority``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    code: str
    prefix: str
    label: str


@dataclass(frozen=True)
class PriorityGroup:
    code: str
    label: str


FIELDS: tuple[Field, ...] = (
    Field("civil_status", "HT", "Hộ tịch"),
    Field("certification", "CT", "Chứng thực"),
    Field("land", "DD", "Đất đai"),
    Field("social_protection", "BT", "Bảo trợ xã hội"),
    Field("business", "KD", "Hộ kinh doanh"),
    Field("other", "KH", "Khác"),
)
FIELDS_BY_CODE = {f.code: f for f in FIELDS}

PRIORITY_GROUPS: tuple[PriorityGroup, ...] = (
    PriorityGroup("elderly", "Người cao tuổi"),
    PriorityGroup("disability", "Người khuyết tật"),
    PriorityGroup("pregnant", "Phụ nữ mang thai"),
    PriorityGroup("merit", "Người có công với cách mạng"),
)
PRIORITY_BY_CODE = {g.code: g for g in PRIORITY_GROUPS}


def ticket_number(field_code: str, seq: int) -> str:
    """What the ticket and the panel show: the field's prefix and at least three digits ("HT-012", "HT-1024")."""
    return f"{FIELDS_BY_CODE[field_code].prefix}-{seq:03d}"
