"""Input of the front desk's forms."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from motcua.queue.fields import FIELDS, FIELDS_BY_CODE


class CounterIn(BaseModel):
    """A counter of the commune's centre: its number, an optional name and at least one field it serves."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: int = Field(ge=1, le=99)
    name: str = Field(default="", max_length=100)
    fields: list[str] = Field(min_length=1, max_length=len(FIELDS))

    @field_validator("fields")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in FIELDS_BY_CODE]
        if unknown:
            raise ValueError("Lĩnh vực không có trong danh mục.")
        return [f.code for f in FIELDS if f.code in value]  # in FIELDS order, each once
