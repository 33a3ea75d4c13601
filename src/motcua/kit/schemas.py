"""Shapes shared by every JSON API: the error envelope, documented on every operation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
