"""Shapes shared by every JSON API: the error envelope, documented on every operation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("thời điểm phải kèm múi giờ")
    return value.astimezone(UTC)


#: An instant in every JSON answer: aware, converted to UTC, and written by pydantic with ``Z`` for the offset
#: (``2026-12-10T10:00:00Z``), whichever backend it was read from (SQLite answered without
#: an offset, PostgreSQL with one). A naive value is refused rather than guessed.
UtcInstant = Annotated[datetime, AfterValidator(_aware_utc)]


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(description="Vietnamese, for the person in front of the screen",
                         examples=["Không tìm thấy trang hoặc dữ liệu bạn yêu cầu."])
    fields: dict[str, str] | None = Field(default=None, description="Field name → what is wrong with it")


class ErrorOut(BaseModel):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses, all with the error envelope."""
    descriptions = {
        401: "No valid API token (or session)",
        403: "The token or officer may not do this",
        404: "No such object in the caller's jurisdiction",
        409: "Changed by someone else meanwhile",
        413: "Request body too large",
        422: "Input failed validation; `fields` says which and why",
        429: "Too many attempts; retry after the number of seconds in Retry-After",
    }
    return {status: {"model": ErrorOut, "description": descriptions[status]} for status in statuses}
