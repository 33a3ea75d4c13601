"""Validated inputs of the auth package."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from motcua.base.roles import SEPARATED_ROLES, TOKEN_ROLES, Role
from motcua.kit.schemas import UtcInstant

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"


class LoginForm(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)

    @field_validator("username")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return value.strip().lower()


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=3, max_length=100)
    commune_code: str | None = Field(default=None, pattern=r"^\d{5}$")
    days_valid: int = Field(default=365, ge=1, le=3650)
    roles: list[Role] = Field(default_factory=list, max_length=3)
    #: The officer the token acts on behalf of: required.
    officer_id: int = Field(ge=1, le=2**31 - 1)

    @field_validator("roles")
    @classmethod
    def _workflow_roles_only(cls, value: list[Role]) -> list[Role]:
        if any(r not in TOKEN_ROLES for r in value):
            raise ValueError("Mã API chỉ được mang vai trò tiếp nhận, chuyên viên hoặc lãnh đạo phê duyệt.")
        if len(set(value) & SEPARATED_ROLES) > 1:  # the same rule as auth.actions.check_token_roles
            raise ValueError("Chỉ chọn một vai trò: tiếp nhận, thẩm định và phê duyệt phải do người khác nhau "
                             "thực hiện.")
        return value

    @field_validator("officer_id", mode="before")
    @classmethod
    def _officer_chosen(cls, value: object) -> object:
        if value in (None, ""):
            raise ValueError("Chọn cán bộ mà mã thay mặt (bắt buộc).")
        return value


class ApiTokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    province_code: str
    commune_code: str | None
    created_at: UtcInstant
    expires_at: UtcInstant | None
    revoked_at: UtcInstant | None
