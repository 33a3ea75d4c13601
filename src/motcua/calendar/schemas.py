"""Input of the calendar pages, CLI and API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from motcua.calendar.workdays import SUPPORTED_FIRST, SUPPORTED_LAST


class AnnouncementIn(BaseModel):
    """A day off or a make-up working day, for the whole country ("national") or one province (2 digits)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    day: date
    kind: Literal["day_off", "make_up_workday"]
    scope: str = Field(pattern=r"^(national|\d{2})$", description='"national" or a two-digit province code')
    document: str = Field(min_length=3, max_length=200, description="số, ký hiệu văn bản căn cứ")
    note: str = Field(default="", max_length=300)

    @field_validator("day")
    @classmethod
    def _in_range(cls, value: date) -> date:
        if not SUPPORTED_FIRST <= value <= SUPPORTED_LAST:
            raise ValueError(
                f"Ngày phải trong khoảng {SUPPORTED_FIRST:%d/%m/%Y}–{SUPPORTED_LAST:%d/%m/%Y} mà lịch hỗ trợ."
            )
        return value


class AnnouncementOut(BaseModel):
    id: int
    day: date
    kind: str
    scope: str
    document: str
    note: str


class CalendarChangeOut(BaseModel):
    announcement: AnnouncementOut | None
    recomputed: int = Field(description="open dossiers whose due date changed")


class WorkingHoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    intervals: str = Field(min_length=11, max_length=100, examples=["07:30-11:30,13:00-17:00"])
