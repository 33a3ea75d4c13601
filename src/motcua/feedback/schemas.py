"""Input and output of the feedback pages and API (pydantic). Messages are Vietnamese: forms show them next to the
field and the API returns them in ``error.fields``."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from motcua.dossier.schemas import normalise_phone
from motcua.kit.schemas import UtcInstant

_PHONE = re.compile(r"^0\d{9,10}$")
_DOSSIER_CODE = re.compile(r"^[A-Z0-9.]{3,30}-\d{6}-\d{4,6}$")

SUBJECT_MAX = 200
CONTENT_MIN, CONTENT_MAX = 10, 5000
NAME_MAX = 120
COMMENT_MAX = 1000
NOTE_MAX = 5000


def _length(value: str, *, label: str, low: int, high: int) -> str:
    if len(value) < low:
        raise ValueError(f"{label} quá ngắn (ít nhất {low} ký tự)." if low > 1 else f"Vui lòng nhập {label.lower()}.")
    if len(value) > high:
        raise ValueError(f"{label} quá dài (tối đa {high} ký tự, đã nhập {len(value)}).")
    return value


class FeedbackIn(BaseModel):
    """A phản ánh or kiến nghị from the public form or the API."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    commune_code: str = Field(pattern=r"^\d{5}$", description="The commune the feedback is about (5 digits)")
    kind: Literal["report", "proposal"] = Field(default="report", description="report: phản ánh; proposal: kiến nghị")
    subject: str = Field(json_schema_extra={"minLength": 1, "maxLength": SUBJECT_MAX})
    content: str = Field(json_schema_extra={"minLength": CONTENT_MIN, "maxLength": CONTENT_MAX})
    sender_name: str = Field(json_schema_extra={"minLength": 2, "maxLength": NAME_MAX})
    phone: str | None = Field(default=None, description="Vietnamese phone number; phone or email is required")
    email: EmailStr | None = None
    dossier_code: str | None = Field(default=None, description="The dossier concerned, if any (same province)")

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        return _length(value, label="Tiêu đề", low=1, high=SUBJECT_MAX)

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if not value:
            raise ValueError("Vui lòng nhập nội dung phản ánh, kiến nghị.")
        return _length(value, label="Nội dung", low=CONTENT_MIN, high=CONTENT_MAX)

    @field_validator("sender_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _length(value, label="Họ và tên", low=2, high=NAME_MAX)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        phone = normalise_phone(value)
        if not _PHONE.match(phone):
            raise ValueError("Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0).")
        return phone

    @field_validator("email", mode="before")
    @classmethod
    def _empty_email(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("dossier_code")
    @classmethod
    def _dossier_code(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        code = value.upper()
        if not _DOSSIER_CODE.match(code):
            raise ValueError("Mã hồ sơ không đúng dạng (ví dụ 000.00.14.H56-251120-0001).")
        return code

    @model_validator(mode="after")
    def _contact(self) -> FeedbackIn:
        if self.phone is None and self.email is None:
            raise ValueError("Cần số điện thoại hoặc thư điện tử để nhận kết quả trả lời.")
        return self


_VIETNAMESE_FIELD_ERRORS = {
    "email": "Thư điện tử không hợp lệ.",
    "commune_code": "Chọn xã, phường nơi phản ánh, kiến nghị.",
    "kind": "Chọn phản ánh hoặc kiến nghị.",
}


def vietnamese_errors(fields: dict[str, str]) -> dict[str, str]:
    """Field errors as the form shows them: pydantic's own (English) messages replaced; the cross-field rule (phone
    or email) shown at the contact fields."""
    out = {key: _VIETNAMESE_FIELD_ERRORS.get(key, message) for key, message in fields.items()}
    if "body" in out:
        out["contact"] = out.pop("body")
    return out


class RatingIn(BaseModel):
    """A rating through the API: the dossier code and the last 4 digits of the applicant's phone or ID number."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=10, max_length=40)
    secret: str = Field(pattern=r"^\d{4}$", description="Last 4 digits of the applicant's phone or ID number")
    scores: dict[str, int] = Field(max_length=20, description="Criterion key → 2 (rất hài lòng), 1 (hài lòng), "
                                                             "0 (không hài lòng); optional criteria may be left out")
    comment: str = Field(default="", max_length=COMMENT_MAX)
    channel: Literal["qr", "counter"] = "qr"


class CaseActionIn(BaseModel):
    """An officer's action on a case; ``version`` is the version the officer saw (optimistic lock)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1, le=2**31 - 1)
    note: str = Field(default="", max_length=NOTE_MAX)


class FeedbackReceiptOut(BaseModel):
    """What the sender gets back: the code to follow the case and the legal dates, nothing else."""

    code: str
    status: str
    status_label: str
    received_at: UtcInstant
    answer_due: UtcInstant


class FeedbackEventOut(BaseModel):
    at: UtcInstant
    action: str
    from_status: str | None
    to_status: str
    actor_name: str
    note: str


class FeedbackCaseOut(BaseModel):
    id: int
    code: str
    version: int
    status: str
    status_label: str
    kind: str
    source: str
    commune_code: str
    subject: str
    content: str
    sender_name: str
    sender_phone: str | None
    sender_email: str | None
    dossier_code: str | None
    received_at: UtcInstant
    refuse_due: UtcInstant
    info_due: UtcInstant
    answer_due: UtcInstant
    publish_due: UtcInstant | None
    due_at: UtcInstant | None
    handled_at: UtcInstant | None
    handled_on_time: bool | None
    refusal_reason: str | None
    info_request: str | None
    answer: str | None
    sender_satisfied: bool | None
    allowed_actions: list[str] = Field(default_factory=list)
    events: list[FeedbackEventOut] = Field(default_factory=list)


class FeedbackPage(BaseModel):
    items: list[FeedbackCaseOut]
    total: int


class RatingOut(BaseModel):
    dossier_code: str
    satisfied: bool
    rated_at: UtcInstant
    feedback_case_code: str | None = Field(description="The feedback case a dissatisfied rating opened")
