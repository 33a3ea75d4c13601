"""Typed domain errors (house rule 6).

Every error carries an HTTP status and a Vietnamese message for the person in front of the screen; one handler in
``motcua.app`` turns them into an HTML page, an htmx toast or JSON. Bad input never becomes a 500.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from motcua.kit.messages import vietnamese_message


class MotcuaError(Exception):
    status_code = 400
    code = "bad_request"
    default_message = "Yêu cầu không hợp lệ."

    def __init__(self, message: str | None = None, *, fields: dict[str, str] | None = None, **extra: Any):
        self.message = message or self.default_message
        self.fields = fields or {}
        self.extra = extra
        super().__init__(self.message)


class ValidationFailed(MotcuaError):
    status_code = 422
    code = "validation_failed"
    default_message = "Dữ liệu nhập chưa hợp lệ. Vui lòng kiểm tra các trường được đánh dấu."


class NotAuthenticated(MotcuaError):
    status_code = 401
    code = "not_authenticated"
    default_message = "Vui lòng đăng nhập để tiếp tục."


class Forbidden(MotcuaError):
    status_code = 403
    code = "forbidden"
    default_message = "Bạn không có quyền thực hiện thao tác này."


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    default_message = (
        "Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã bảo vệ CSRF). Vui lòng tải lại trang và gửi lại."
    )


class NotFound(MotcuaError):
    """Also what a user gets for an object outside their jurisdiction (house rule 7): never someone else's data."""

    status_code = 404
    code = "not_found"
    default_message = "Không tìm thấy trang hoặc dữ liệu bạn yêu cầu."


class Conflict(MotcuaError):
    status_code = 409
    code = "conflict"
    default_message = "Dữ liệu đã được người khác thay đổi. Vui lòng tải lại trang."


class PayloadTooLarge(MotcuaError):
    status_code = 413
    code = "payload_too_large"
    default_message = "Dữ liệu gửi lên quá lớn."


class TooManyRequests(MotcuaError):
    status_code = 429
    code = "too_many_requests"
    default_message = "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau."


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors as {field: message}, the shape forms show next to each field and the API returns."""
    return {
        ".".join(str(part) for part in error["loc"]) or "body": vietnamese_message(error)
        for error in exc.errors()
    }
