"""Pydantic's validation errors in Vietnamese, for every form, the API and the CLI (a person never reads "String
should have at least 5 characters"): the messages of motcua's own validators pass through, pydantic's built-in ones
are translated by their type, and a message still in English (a library's) is replaced by a generic Vietnamese one
rather than shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TYPE_MESSAGES: dict[str, str] = {
    "missing": "Thiếu thông tin bắt buộc.",
    "extra_forbidden": "Trường này không được nhận.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_too_long": "Quá dài (tối đa {max_length} ký tự).",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "decimal_type": "Phải là một số.",
    "decimal_parsing": "Phải là một số.",
    "float_type": "Phải là một số.",
    "float_parsing": "Phải là một số.",
    "finite_number": "Phải là một số hữu hạn.",
    "greater_than": "Phải lớn hơn {gt}.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "less_than": "Phải nhỏ hơn {lt}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "bool_type": "Phải là đúng hoặc sai.",
    "bool_parsing": "Phải là đúng hoặc sai.",
    "date_type": "Phải là ngày (YYYY-MM-DD).",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_from_datetime_inexact": "Chỉ ghi ngày, không ghi giờ.",
    "date_past": "Phải là một ngày đã qua.",
    "date_future": "Phải là một ngày sắp tới.",
    "datetime_type": "Phải là ngày giờ.",
    "datetime_parsing": "Ngày giờ không hợp lệ.",
    "datetime_from_date_parsing": "Ngày giờ không hợp lệ.",
    "time_parsing": "Giờ không hợp lệ (định dạng HH:MM).",
    "list_type": "Phải là một danh sách.",
    "too_short": "Cần ít nhất {min_length} mục.",
    "too_long": "Nhiều nhất {max_length} mục.",
    "model_type": "Phải là một đối tượng.",
    "model_attributes_type": "Phải là một đối tượng.",
    "dict_type": "Phải là một đối tượng.",
    "json_invalid": "Không phải JSON hợp lệ.",
    "json_type": "Không phải JSON hợp lệ.",
    "literal_error": "Giá trị không hợp lệ; chỉ nhận: {expected}.",
    "enum": "Giá trị không hợp lệ; chỉ nhận: {expected}.",
    "uuid_parsing": "Mã không hợp lệ.",
    "uuid_type": "Mã không hợp lệ.",
    "url_parsing": "Địa chỉ web không hợp lệ.",
    "url_type": "Địa chỉ web không hợp lệ.",
    "url_scheme": "Địa chỉ web không hợp lệ.",
    "frozen_instance": "Không được sửa.",
    "none_required": "Không được nhập trường này.",
}

#: Library messages that reach ``value_error`` in English, by their start.
_LIBRARY_VALUE_ERRORS = (
    ("value is not a valid email address", "Địa chỉ email không hợp lệ."),
    ("value is not a valid phone number", "Số điện thoại không hợp lệ."),
)
#: Letters only Vietnamese (among the languages motcua's messages are written in) spells with.
_VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.I)
GENERIC = "Giá trị không hợp lệ."


def vietnamese_message(error: Mapping[str, Any]) -> str:
    """One pydantic error in Vietnamese: our validators' own text, or a translation of pydantic's."""
    kind = str(error.get("type", ""))
    message = str(error.get("msg", ""))
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        text = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        for start, vietnamese in _LIBRARY_VALUE_ERRORS:
            if text.startswith(start):
                return vietnamese
        return text if _VIETNAMESE.search(text) else GENERIC
    if kind == "string_too_short":
        minimum = int(ctx.get("min_length", 1))
        return "Không được để trống." if minimum <= 1 else f"Cần ít nhất {minimum} ký tự."
    template = _TYPE_MESSAGES.get(kind)
    if template is None:
        return GENERIC
    context = _Context((key, str(value).replace(" or ", " hoặc ")) for key, value in ctx.items())
    return template.format_map(context)


class _Context(dict[str, str]):
    """Format values of an error; a value pydantic did not give shows as '…' rather than failing."""

    def __missing__(self, key: str) -> str:
        return "…"
