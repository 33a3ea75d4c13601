"""Government announcements of day swaps (thông báo nghỉ lễ, hoán đổi ngày làm việc).

Why: Labour Code 2019 Art. 112(3) lets the Prime Minister fix the actual Tết days and, every year, the
Government Office (VPCP) and the Ministry of Home Affairs announce swaps for public servants — a weekday off
taken against a Saturday worked (ngày làm bù). They are not derivable from a rule, so they are data: shipped
ones live in ``announcements.json`` and administrators add more (national or for one province); the calendar
is rebuilt from them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Literal, get_args

from motcua.calendar.errors import InvalidAnnouncement

AnnouncementKind = Literal["day_off", "make_up_workday"]
ExpectedDay = Literal["day_off", "workday"]
NATIONAL = "national"
_PROVINCE_CODE = re.compile(r"^\d{2}$")
_KINDS: frozenset[str] = frozenset(get_args(AnnouncementKind))


@dataclass(frozen=True)
class Announcement:
    """One announced day: off (ngày nghỉ) or worked in exchange (ngày làm bù), nationally or in a province.

    ``scope`` is ``"national"`` or a two-digit province code (Decision 19/2025/QĐ-TTg). ``document`` names
    the legal source (number/symbol of the dispatch or announcement) so every non-obvious day can be traced.
    """

    day: date
    kind: AnnouncementKind
    scope: str
    document: str
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.day, date) or isinstance(self.day, datetime):
            raise InvalidAnnouncement(
                f"announcement day must be a date, got {self.day!r}",
                "Ngày trong thông báo phải là một ngày (không kèm giờ).",
            )
        if self.kind not in _KINDS:
            raise InvalidAnnouncement(
                f"unknown announcement kind {self.kind!r}; expected one of {sorted(_KINDS)}",
                f"Loại thông báo không hợp lệ: {self.kind!r} (chỉ nhận ngày nghỉ hoặc ngày làm bù).",
            )
        if self.scope != NATIONAL and not _PROVINCE_CODE.match(self.scope):
            raise InvalidAnnouncement(
                f"announcement scope must be 'national' or a two-digit province code, got {self.scope!r}",
                f"Phạm vi áp dụng không hợp lệ: {self.scope!r} (toàn quốc hoặc mã tỉnh 2 chữ số).",
            )
        if not self.document.strip():
            raise InvalidAnnouncement(
                f"announcement of {self.day.isoformat()} has no source document",
                f"Thông báo ngày {self.day:%d/%m/%Y} chưa ghi văn bản căn cứ.",
            )

    def applies_to(self, province: str | None) -> bool:
        return self.scope == NATIONAL or (province is not None and self.scope == province)


@dataclass(frozen=True)
class VerifiedDay:
    """A day of a known announcement that ``holidays`` already gets right (kept as a regression check)."""

    day: date
    expect: ExpectedDay
    document: str
    note: str


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[Announcement, ...], tuple[VerifiedDay, ...]]:
    raw = json.loads(resources.files("motcua.calendar").joinpath("announcements.json").read_text("utf-8"))
    announcements = tuple(
        Announcement(
            day=date.fromisoformat(item["day"]),
            kind=item["kind"],
            scope=item["scope"],
            document=item["document"],
            note=item.get("note", ""),
        )
        for item in raw["announcements"]
    )
    verified = tuple(
        VerifiedDay(
            day=date.fromisoformat(item["day"]),
            expect=item["expect"],
            document=item["document"],
            note=item.get("note", ""),
        )
        for item in raw["verified_in_holidays_package"]
    )
    return announcements, verified


def shipped_announcements() -> tuple[Announcement, ...]:
    """Announcements the ``holidays`` package lacks, shipped with the code (see ``announcements.json``)."""
    return _load()[0]


def verified_days() -> tuple[VerifiedDay, ...]:
    """Days of known announcements that need no record because the package already has them."""
    return _load()[1]
