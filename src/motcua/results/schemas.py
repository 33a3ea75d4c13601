"""What a result template is, as the admin's form, the import file and the export file say it (one schema)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from motcua.results.sandbox import FIELD_KINDS, FIELD_NAME
from motcua.results.sandbox import Field as SandboxField

EXCHANGE_FORMAT = "motcua.result-templates/1"
PROCEDURE_CODE = re.compile(r"^[0-9]\.[0-9]{6}$")
DOC_TYPE = re.compile(r"^[A-ZĐ]{1,6}$")

#: The fields every template may read, filled from the dossier, the applicant and the commune (never typed).
STANDARD_FIELDS: tuple[SandboxField, ...] = (
    SandboxField("ma_ho_so", "Mã hồ sơ", max_length=40),
    SandboxField("ten_thu_tuc", "Tên thủ tục", max_length=500),
    SandboxField("nguoi_nop", "Người nộp hồ sơ", max_length=200),
    SandboxField("so_dinh_danh", "Số định danh cá nhân", max_length=12),
    SandboxField("ma_so_thue", "Mã số thuế", max_length=14),
    SandboxField("dia_chi", "Địa chỉ người nộp", max_length=300),
    SandboxField("ngay_tiep_nhan", "Ngày tiếp nhận", max_length=40),
    SandboxField("ket_qua", "Kết quả giải quyết (tóm tắt khi phê duyệt)", "multiline", max_length=2000),
    SandboxField("ten_xa", "Tên xã", max_length=120),
    SandboxField("ten_tinh", "Tên tỉnh", max_length=120),
)
STANDARD_NAMES = frozenset(f.key for f in STANDARD_FIELDS)


class FieldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=40)
    label: str = Field(min_length=1, max_length=200)
    kind: str = "text"
    max_length: int = Field(default=500, ge=1, le=5000)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not FIELD_NAME.match(value):
            raise ValueError("Tên trường chỉ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ.")
        if value in STANDARD_NAMES or value == "loop":
            raise ValueError(f"«{value}» là tên dành sẵn, chọn tên khác.")
        return value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in FIELD_KINDS:
            raise ValueError("Loại trường không hợp lệ.")
        return value

    def sandbox(self) -> SandboxField:
        return SandboxField(self.key, self.label, self.kind, self.max_length)


class TemplateIn(BaseModel):
    """One version of a template (the procedure, the date it applies from, the layout's parts, the body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    procedure_code: str = Field(max_length=20)
    effective_from: date
    name: str = Field(min_length=3, max_length=300)
    title: str = Field(min_length=3, max_length=300)
    doc_type: str = Field(min_length=1, max_length=6)
    signer_title: str = Field(min_length=2, max_length=200)
    recipients: list[str] = Field(default_factory=list, max_length=20)
    fields: list[FieldIn] = Field(default_factory=list, max_length=40)
    body: str = Field(min_length=1, max_length=20_000)

    @field_validator("procedure_code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not PROCEDURE_CODE.match(value):
            raise ValueError("Mã thủ tục có dạng 1.004873.")
        return value

    @field_validator("doc_type")
    @classmethod
    def _doc_type(cls, value: str) -> str:
        if not DOC_TYPE.match(value):
            raise ValueError("Viết tắt loại văn bản: chữ in hoa, ví dụ QĐ, GXN, TB.")
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        out = [line.strip() for line in value if line.strip()]
        if any(len(line) > 200 for line in out):
            raise ValueError("Mỗi dòng «Nơi nhận» tối đa 200 ký tự.")
        return out

    @model_validator(mode="after")
    def _unique_fields(self) -> TemplateIn:
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError("Hai trường trùng tên.")
        return self

    def sandbox_fields(self) -> list[SandboxField]:
        return [*STANDARD_FIELDS, *(f.sandbox() for f in self.fields)]


class TemplateFile(BaseModel):
    """The import/export file: ``{"format": "motcua.result-templates/1", "templates": [...]}``."""

    model_config = ConfigDict(extra="forbid")

    format: str
    templates: list[TemplateIn] = Field(max_length=500)

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value != EXCHANGE_FORMAT:
            raise ValueError(f"Tệp không đúng định dạng «{EXCHANGE_FORMAT}».")
        return value


def template_dict(template: Any) -> dict[str, Any]:
    """A stored version as the exchange file writes it."""
    return TemplateIn(procedure_code=template.procedure_code, effective_from=template.effective_from,
                      name=template.name, title=template.title, doc_type=template.doc_type,
                      signer_title=template.signer_title, recipients=list(template.recipients),
                      fields=[FieldIn(**f) for f in template.fields], body=template.body).model_dump(mode="json")
