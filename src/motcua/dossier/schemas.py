"""Input and output of the dossier pages and API (pydantic), with the identity checks of docs/legal.md §6."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from motcua.dossier.workflow import Action
from motcua.kit.schemas import UtcInstant

#: A checklist item's key, and a row id: what a reuse of the citizen's store names.
ItemKey = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]

#: Province-of-birth codes used in the 12-digit personal identification number (the 63 pre-2025 provinces).
ID_PROVINCE_CODES = frozenset((
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
    "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
    "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
))
_PHONE = re.compile(r"^0\d{9,10}$")
_TAX = re.compile(r"^\d{10}(-\d{3})?$")


def id_number_problem(value: str, today: date) -> str | None:
    """Why a số định danh cá nhân (CCCD) is not valid, or None: 12 digits = province (3), century+sex (1), year (2),
    random (6). The century digit gives 1900s (0/1), 2000s (2/3), 2100s (4/5)…; a birth year in the future is
    refused."""
    if not re.fullmatch(r"\d{12}", value):
        return "Số định danh cá nhân phải gồm đúng 12 chữ số."
    if value[:3] not in ID_PROVINCE_CODES:
        return f"Mã tỉnh nơi đăng ký khai sinh «{value[:3]}» trong số định danh không tồn tại."
    century = int(value[3])
    if century > 9:  # pragma: no cover - a digit
        return "Số định danh không hợp lệ."
    year = 1900 + (century // 2) * 100 + int(value[4:6])
    if year > today.year:
        return "Năm sinh trong số định danh lớn hơn năm hiện tại."
    return None


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


PaperForm = Literal["original", "copy", "certified_copy", "electronic"]
"""Hình thức of a paper received: bản chính, bản sao, bản sao có chứng thực, bản điện tử."""


class PaperIn(BaseModel):
    """How one paper of the checklist was received: its form and the number of copies (the receipt's columns)."""

    model_config = ConfigDict(extra="forbid")

    form: PaperForm
    count: int = Field(default=1, ge=1, le=99)


class IntakeIn(BaseModel):
    """What the reception officer enters at the counter (Decree 118 Art. 15–17)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    procedure_code: str = Field(min_length=3, max_length=20)
    outcome: Literal["received", "incomplete", "refused"] = "received"
    applicant_kind: Literal["person", "organisation"] = "person"
    applicant_name: str = Field(min_length=2, max_length=200)
    id_number: str | None = Field(default=None, description="12-digit personal identification number")
    tax_code: str | None = None
    phone: str | None = None
    email: EmailStr | None = None
    address: str = Field(min_length=5, max_length=300)
    address_commune_code: str | None = Field(default=None, pattern=r"^\d{5}$")
    channel: Literal[1, 2, 3] = Field(default=1, description="1 in person, 2 online (filed for the citizen), 3 post")
    deciding_commune_code: str | None = Field(default=None, pattern=r"^\d{5}$",
                                              description="when it differs from the receiving commune (Art. 14)")
    documents_present: list[str] = Field(default_factory=list, max_length=50)
    papers: dict[str, PaperIn] = Field(
        default_factory=dict, max_length=50,
        description="for documents_present keys: the form (original, copy, certified copy) and number of copies "
                    "received; a key not given takes the catalogue's form and count (online: electronic)")
    event_date: date | None = Field(
        default=None, description="the date of the event a fee deadline runs from (birth, death), when the "
                                  "procedure has one: what decided the on-time or late fee")
    reasons: str = Field(default="", max_length=2000)
    legal_extension: str | None = Field(
        default=None, max_length=40,
        description="optional, with outcome received: the key of one of the procedure's legal extensions (gia hạn "
                    "theo luật, e.g. Civil Status Law Art. 18(2)); the receipt then shows the moved appointment")
    legal_extension_note: str = Field(default="", max_length=2000,
                                      description="why the legal extension applies (required with it)")
    fee_options: list[int] = Field(default_factory=list, max_length=20,
                                   description="indexes (in the procedure's fee list) of the alternative fees that "
                                               "apply; none given: the first of each set")
    fee_exemption: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,40}$",
                                      description="key of the procedure's fee exemption claimed (its ground)")
    reused: dict[ItemKey, RowId] = Field(
        default_factory=dict, max_length=50,
        description="checklist item key → id of a still-valid document of the citizen's electronic store reused for "
                    "it instead of a new scan (Decision 766, 4.3); only documents the store offers for the item are "
                    "accepted")

    @field_validator("id_number")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        # Pydantic checks a request body before any route code runs, so there is no injected clock to ask here:
        # the schema is the edge. The year bound only refuses a birth year after this one.
        problem = id_number_problem(value, today=date.today())
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        phone = normalise_phone(value)
        if not _PHONE.match(phone):
            raise ValueError("Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0).")
        return phone

    @field_validator("tax_code")
    @classmethod
    def _tax(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _TAX.match(value):
            raise ValueError("Mã số thuế phải gồm 10 chữ số (hoặc 10 chữ số, gạch ngang, 3 chữ số).")
        return value

    @field_validator("email", "legal_extension", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _rules(self) -> IntakeIn:
        if self.applicant_kind == "person" and self.id_number is None:
            raise ValueError("Cá nhân nộp hồ sơ phải có số định danh cá nhân (12 chữ số).")
        if self.applicant_kind == "organisation" and self.tax_code is None:
            raise ValueError("Tổ chức nộp hồ sơ phải có mã số thuế.")
        if self.phone is None and self.email is None:
            raise ValueError("Cần ít nhất một cách liên hệ: số điện thoại hoặc thư điện tử.")
        if self.outcome != "received" and len(self.reasons) < 5:
            raise ValueError("Ghi rõ lý do (yêu cầu bổ sung hoặc từ chối tiếp nhận) — Điều 16(3), 17(1).")
        if len(set(self.documents_present)) != len(self.documents_present):
            raise ValueError("Danh mục giấy tờ bị trùng.")
        if set(self.papers) - set(self.documents_present):
            raise ValueError("Hình thức, số lượng chỉ ghi cho giấy tờ đã nộp.")
        if self.legal_extension is not None:
            if self.outcome != "received":
                raise ValueError("Chỉ áp dụng gia hạn theo luật cho hồ sơ được tiếp nhận (đủ thành phần).")
            if len(self.legal_extension_note) < 5:
                raise ValueError("Ghi rõ lý do áp dụng gia hạn theo luật (ít nhất 5 ký tự).")
        return self


class ActionIn(BaseModel):
    """One workflow action on a dossier; ``version`` is the version the officer saw (optimistic lock)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1)
    note: str = Field(default="", max_length=2000)
    handler_id: int | None = Field(default=None, ge=1, description="for assign")
    new_due_date: date | None = Field(default=None, description="for extend: the new appointment date")
    result_summary: str | None = Field(default=None, max_length=2000,
                                       description="approve: the result; submit_for_approval: the draft of it")
    legal_extension: str | None = Field(default=None, max_length=40,
                                        description="for extend_by_law: the key of one of the legal extensions of "
                                                    "the dossier's procedure version (each at most once)")
    missing: list[str] = Field(default_factory=list, max_length=50,
                               description="for a supplement request: the keys of the procedure's documents to add "
                                           "(Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ lists them)")


class LegalExtensionOut(BaseModel):
    """A legal extension applied to the dossier (gia hạn theo luật): which ground, how many working days."""

    ground: str = Field(description="the key of the procedure's legal extension")
    basis: str = Field(description="its legal basis, e.g. Khoản 2 Điều 18 Luật Hộ tịch số 60/2014/QH13")
    working_days: int
    new_due: UtcInstant | None = None


class DossierEventOut(BaseModel):
    at: UtcInstant
    action: str
    from_status: str | None
    to_status: str
    actor_name: str
    note: str
    single_officer: bool = Field(default=False, description="an approval by the officer who also appraised, which "
                                 "the province allows (Một người thẩm định và phê duyệt, tỉnh cho phép)")
    legal_extension: LegalExtensionOut | None = Field(default=None, description="for extend_by_law events")


class DossierOut(BaseModel):
    id: int
    code: str
    version: int
    status: str
    status_label: str
    procedure_code: str
    procedure_name: str
    receiving_commune_code: str
    deciding_commune_code: str
    channel: int
    filed_by: str
    applicant_name: str
    received_at: UtcInstant
    due_at: UtcInstant | None
    processed_at: UtcInstant | None
    returned_at: UtcInstant | None
    supplement_count: int
    extended: bool
    current_department: str | None
    handler_id: int | None
    allowed_actions: list[Action] = Field(default_factory=list)
    events: list[DossierEventOut] = Field(default_factory=list)


class DossierPage(BaseModel):
    items: list[DossierOut]
    total: int


class LookupOut(BaseModel):
    """What the public sees: status and appointment, nothing personal."""

    code: str
    procedure_name: str
    status: str
    status_label: str
    received_at: UtcInstant
    due_at: UtcInstant | None
    returned_at: UtcInstant | None
