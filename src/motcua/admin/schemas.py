"""The officer-account form's validated input."""

from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field, field_validator

from motcua.auth.passwords import PASSWORD_MAX_LENGTH
from motcua.auth.schemas import USERNAME_PATTERN
from motcua.base.roles import Role

PHONE_PATTERN = r"^0\d{9}$"


class OfficerCreate(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    full_name: str = Field(min_length=2, max_length=120)
    # The password policy needs the database (commune name, history) and the demo switch: create_officer applies it.
    password: str = Field(max_length=PASSWORD_MAX_LENGTH)
    province_code: str = Field(pattern=r"^\d{2}$")
    commune_code: str | None = Field(default=None, pattern=r"^\d{5}$")
    roles: list[Role] = Field(min_length=1)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)

    @field_validator("full_name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = " ".join(value.split())
        if any(ch.isdigit() for ch in value):
            raise ValueError("Họ tên không được chứa chữ số")
        return value

    @field_validator("roles")
    @classmethod
    def _officer_roles(cls, value: list[Role]) -> list[Role]:
        if Role.APPLICANT in value:
            raise ValueError("Vai trò «Người nộp hồ sơ» chỉ dành cho tài khoản công dân")
        return value

