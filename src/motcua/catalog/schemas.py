"""The administrative-procedure catalogue as validated data (danh mục thủ tục hành chính).

One ``ProcedureIn`` carries the seven parts a published procedure must have (Decision 766/QĐ-TTg indicator 1.3:
name, steps, channels, documents, time limit, who may file, deciding body), its fees, the legal texts that set
them, and the internal process (quy trình nội bộ) that splits the time limit among the commune's bodies
(Decree 118/2025/NĐ-CP Art. 18, 20(2): the Phiếu kiểm soát quá trình giải quyết hồ sơ names each body and its
time budget), and the legal extensions its sector law allows (``LegalExtension``: more working days when facts
must be verified, or in disadvantaged communes — not the apology extension of Decree 118 Art. 19(6)). Error texts
are Vietnamese: they reach the administrator who imports a catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from motcua.base.roles import DepartmentKind, Role
from motcua.calendar import CalendarError, StepBudget, TimeLimit, TimeUnit

SLUG_PATTERN = r"^[a-z0-9_]{1,40}$"
PROCEDURE_CODE_PATTERN = r"^[0-9]\.[0-9]{6}$"
"""National procedure code of the National Database on Administrative Procedures (CSDLQG về TTHC), e.g. 1.001193."""

HOURS_PER_WORKING_DAY = 8
"""How the catalogue adds step budgets: a working day counts as 8 working hours (07:30–11:30, 13:00–17:00)."""

DAYS_PER_MONTH = 30
"""Only to bound the steps of a procedure counted in months; the due date itself follows Civil Code Art. 148."""

STEP_ROLES = frozenset({Role.RECEPTION, Role.SPECIALIST, Role.APPROVER})
"""The roles that act on a dossier in the internal process (docs/legal.md §2): receive, appraise, approve."""

DocumentForm = Literal["original", "copy", "certified_copy", "original_or_copy"]
Channel = Literal["in_person", "post", "online"]
OnlineLevel = Literal["full", "partial", "none"]
StepUnit = Literal["working_days", "working_hours"]

_MODEL_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _limit(amount: Decimal, unit: str) -> TimeLimit:
    """A ``TimeLimit``, with the calendar's Vietnamese message when it refuses the amount or the unit."""
    try:
        return TimeLimit(amount, unit)  # type: ignore[arg-type]  # the calendar checks the unit itself
    except CalendarError as exc:
        raise ValueError(exc.message) from exc


def _fmt(value: Decimal) -> str:
    """Hours as a person writes them: 12, 4.5 — never 12.000 or 4.50."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


class RequiredDocument(BaseModel):
    """One item of the dossier (thành phần hồ sơ)."""

    model_config = _MODEL_CONFIG

    key: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=500)
    form: DocumentForm
    count: int = Field(default=1, ge=1, le=1000)
    template: str | None = Field(default=None, max_length=500)
    mandatory: bool = True

    @field_validator("template")
    @classmethod
    def _empty_template_is_none(cls, value: str | None) -> str | None:
        return value or None


class Fee(BaseModel):
    """A fee or charge (phí, lệ phí) in đồng.

    ``alternative`` names a set of fees of which exactly one applies to a dossier (e.g. the certificate fee with
    or without assets on the land; a registration on time, free, or late): the fees of a procedure sharing the same
    ``alternative`` are alternatives, chosen at intake (``catalog.fees.owed_fees``); a fee without one always
    applies."""

    model_config = _MODEL_CONFIG

    name: str = Field(min_length=1, max_length=300)
    amount_vnd: int = Field(ge=0, le=10_000_000_000)
    note: str = Field(default="", max_length=1000)
    alternative: str | None = Field(default=None, max_length=200)

    @field_validator("alternative")
    @classmethod
    def _empty_alternative_is_none(cls, value: str | None) -> str | None:
        return value or None


class FeeExemption(BaseModel):
    """A ground on which a dossier owes none of the procedure's fees (miễn phí, lệ phí), with the legal text that
    grants it (e.g. Civil Status Law 2014 Art. 11(1): people of families with meritorious service to the revolution,
    of poor households, people with disabilities are exempt from civil-status registration fees)."""

    model_config = _MODEL_CONFIG

    key: str = Field(pattern=SLUG_PATTERN)
    ground: str = Field(min_length=1, max_length=500)


MAX_LEGAL_EXTENSION_DAYS = 60
"""A sanity bound on one legal extension (the laws in the shipped catalogue allow 3 to 10 working days)."""


class LegalExtension(BaseModel):
    """Extra time the procedure's own law allows (gia hạn theo luật chuyên ngành), e.g. Civil Status Law 2014 Art.
    18(2): marriage registration, +5 working days when the conditions must be verified. An officer applies it to a
    dossier, at most once per ``key``; the appointment moves by ``working_days``."""

    model_config = _MODEL_CONFIG

    key: str = Field(pattern=SLUG_PATTERN)
    working_days: int = Field(ge=1, le=MAX_LEGAL_EXTENSION_DAYS)
    ground: str = Field(min_length=5, max_length=300, description="the legal basis, e.g. Khoản 2 Điều 18 Luật Hộ tịch")
    condition: str = Field(min_length=5, max_length=500, description="when it applies, e.g. Cần xác minh thêm")


class ProcessStep(BaseModel):
    """One step of the internal process: the body in charge, who acts, and its share of the time limit."""

    model_config = _MODEL_CONFIG

    key: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    department: DepartmentKind
    role: Role
    budget_amount: Decimal = Field(gt=0, le=10_000, max_digits=10, decimal_places=2)
    budget_unit: StepUnit

    @field_validator("role")
    @classmethod
    def _acting_role(cls, value: Role) -> Role:
        if value not in STEP_ROLES:
            allowed = ", ".join(sorted(role.value for role in STEP_ROLES))
            raise ValueError(f"Vai trò '{value.value}' không thực hiện bước xử lý hồ sơ; chỉ nhận: {allowed}.")
        return value

    @model_validator(mode="after")
    def _budget_is_countable(self) -> ProcessStep:
        _limit(self.budget_amount, self.budget_unit)
        return self

    def budget(self) -> TimeLimit:
        return _limit(self.budget_amount, self.budget_unit)

    def budget_hours(self) -> Decimal:
        factor = HOURS_PER_WORKING_DAY if self.budget_unit == "working_days" else 1
        return self.budget_amount * factor


class ProcedureIn(BaseModel):
    """A commune-level administrative procedure as the catalogue publishes it."""

    model_config = _MODEL_CONFIG

    code: str = Field(pattern=PROCEDURE_CODE_PATTERN)
    name: str = Field(min_length=1, max_length=1000)
    field: str = Field(min_length=1, max_length=200)
    level: Literal["commune"] = "commune"
    deciding_authority: str = Field(min_length=1, max_length=300)
    handling_department: DepartmentKind
    time_limit_amount: Decimal = Field(ge=0, le=10_000, max_digits=10, decimal_places=2)
    time_limit_unit: TimeUnit
    time_limit_note: str = Field(default="", max_length=1000)
    fees: list[Fee]
    fee_exemptions: list[FeeExemption] = Field(default_factory=list, max_length=20)
    documents: list[RequiredDocument] = Field(min_length=1)
    channels: list[Channel] = Field(min_length=1)
    online_level: OnlineLevel
    paper_result_required: bool
    process: list[ProcessStep] = Field(min_length=1)
    result_template: str = Field(min_length=1, max_length=500)
    legal_sources: list[str] = Field(min_length=1)
    effective_from: date
    legal_extensions: list[LegalExtension] = Field(default_factory=list, max_length=20)
    supplement_request_window_wd: int | None = Field(default=None, ge=1, le=30)
    """Working days from receipt within which a supplement is asked for, where sector law sets its own window
    (Decree 118/2025 Art. 19(5) gives 3 as the general rule, which applies when this is None)."""
    supplement_request_window_basis: str | None = Field(default=None, min_length=1, max_length=500)
    """The legal text and article that set ``supplement_request_window_wd``."""

    @field_validator("legal_sources")
    @classmethod
    def _sources_named(cls, value: list[str]) -> list[str]:
        if any(not source for source in value):
            raise ValueError("Căn cứ pháp lý không được để trống.")
        if len(set(value)) != len(value):
            raise ValueError("Căn cứ pháp lý bị lặp.")
        return value

    @field_validator("channels")
    @classmethod
    def _channels_once(cls, value: list[Channel]) -> list[Channel]:
        if len(set(value)) != len(value):
            raise ValueError("Mỗi cách thức nộp hồ sơ chỉ được nêu một lần.")
        return value

    @field_validator("fee_exemptions")
    @classmethod
    def _exemption_keys_unique(cls, value: list[FeeExemption]) -> list[FeeExemption]:
        return _keys_unique(value, "căn cứ miễn phí, lệ phí")

    @field_validator("fees")
    @classmethod
    def _alternatives_paired(cls, value: list[Fee]) -> list[Fee]:
        groups = [fee.alternative for fee in value if fee.alternative is not None]
        lonely = sorted({group for group in groups if groups.count(group) == 1})
        if lonely:
            raise ValueError(f"Nhóm phí, lệ phí thay thế nhau phải có ít nhất hai khoản: {', '.join(lonely)}.")
        return value

    @field_validator("documents")
    @classmethod
    def _document_keys_unique(cls, value: list[RequiredDocument]) -> list[RequiredDocument]:
        return _keys_unique(value, "thành phần hồ sơ")

    @field_validator("legal_extensions")
    @classmethod
    def _extension_keys_unique(cls, value: list[LegalExtension]) -> list[LegalExtension]:
        return _keys_unique(value, "căn cứ gia hạn theo luật")

    @field_validator("process")
    @classmethod
    def _process_shape(cls, value: list[ProcessStep]) -> list[ProcessStep]:
        duplicates = _duplicates(step.key for step in value)
        if duplicates:
            raise ValueError(f"Khóa bước quy trình bị trùng: {', '.join(duplicates)}.")
        first = value[0]
        if first.role != Role.RECEPTION or first.department != DepartmentKind.SERVICE_CENTRE:
            raise ValueError(
                "Bước đầu tiên của quy trình phải là tiếp nhận hồ sơ (vai trò reception) "
                "tại Trung tâm Phục vụ hành chính công (service_centre)."
            )
        if not any(step.role == Role.APPROVER for step in value):
            raise ValueError("Quy trình phải có bước lãnh đạo phê duyệt, ký kết quả (vai trò approver).")
        return value

    @model_validator(mode="after")
    def _window_has_basis(self) -> ProcedureIn:
        if (self.supplement_request_window_wd is None) != (self.supplement_request_window_basis is None):
            raise ValueError(
                "Thời hạn yêu cầu bổ sung riêng của thủ tục (supplement_request_window_wd) phải đi kèm căn cứ pháp "
                "lý (supplement_request_window_basis), và ngược lại; không có thì áp dụng 03 ngày làm việc "
                "(Điều 19 khoản 5 Nghị định 118/2025/NĐ-CP)."
            )
        return self

    @model_serializer(mode="wrap")
    def _omit_general_window(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A procedure under the general 3 working days carries no window keys: the shipped file and every stored
        version stay as they were."""
        data: dict[str, Any] = handler(self)
        for key in ("supplement_request_window_wd", "supplement_request_window_basis"):
            if data.get(key) is None:
                data.pop(key, None)
        return data

    @model_validator(mode="after")
    def _limits_agree(self) -> ProcedureIn:
        limit = self.time_limit()
        if ("online" in self.channels) != (self.online_level != "none"):
            raise ValueError(
                "Cách thức nộp trực tuyến (online) phải có khi và chỉ khi thủ tục được cung cấp trực tuyến "
                "(mức độ full hoặc partial)."
            )
        total = sum((step.budget_hours() for step in self.process), Decimal(0))
        unit = limit.unit
        if unit in ("working_days", "working_hours"):
            factor = HOURS_PER_WORKING_DAY if unit == "working_days" else 1
            expected = Decimal(limit.amount) * factor
            if total != expected:
                raise ValueError(
                    f"Tổng thời gian các bước của quy trình nội bộ ({_fmt(total)} giờ làm việc) phải bằng "
                    f"thời hạn giải quyết ({_fmt(expected)} giờ làm việc)."
                )
        elif unit == "same_day":
            if total > HOURS_PER_WORKING_DAY:
                raise ValueError(
                    f"Thủ tục trả kết quả trong ngày: tổng thời gian các bước ({_fmt(total)} giờ) không được "
                    f"vượt quá {HOURS_PER_WORKING_DAY} giờ làm việc."
                )
        else:
            days = Decimal(limit.amount) * (DAYS_PER_MONTH if unit == "months" else 1)
            ceiling = days * HOURS_PER_WORKING_DAY
            if total > ceiling:
                raise ValueError(
                    f"Tổng thời gian các bước ({_fmt(total)} giờ làm việc) vượt quá thời hạn giải quyết "
                    f"({_fmt(days)} ngày, tính tối đa {_fmt(ceiling)} giờ)."
                )
        return self

    def time_limit(self) -> TimeLimit:
        """The legal time limit (thời hạn giải quyết) as the calendar counts it."""
        return _limit(self.time_limit_amount, self.time_limit_unit)

    def step_budgets(self) -> tuple[StepBudget, ...]:
        """The internal process as the dossier clock ledger's step budgets (one per step, in order)."""
        return tuple(
            StepBudget(step=step.key, body=step.department.value, budget=step.budget()) for step in self.process
        )

    def legal_extension(self, key: str) -> LegalExtension | None:
        return next((extension for extension in self.legal_extensions if extension.key == key), None)

    def total_fee_vnd(self) -> int:
        """The most a dossier can owe: every fee that always applies plus the dearest of each set of alternatives."""
        best: dict[str, int] = {}
        total = 0
        for fee in self.fees:
            if fee.alternative is None:
                total += fee.amount_vnd
            else:
                best[fee.alternative] = max(best.get(fee.alternative, 0), fee.amount_vnd)
        return total + sum(best.values())


class Catalogue(BaseModel):
    """A whole catalogue, as shipped, exported or imported."""

    model_config = _MODEL_CONFIG

    version: int = Field(default=1, ge=1)
    procedures: list[ProcedureIn]

    @field_validator("procedures")
    @classmethod
    def _codes_unique(cls, value: list[ProcedureIn]) -> list[ProcedureIn]:
        duplicates = _duplicates(procedure.code for procedure in value)
        if duplicates:
            raise ValueError(f"Mã thủ tục bị trùng: {', '.join(duplicates)}.")
        return value

    def by_code(self, code: str) -> ProcedureIn | None:
        return next((procedure for procedure in self.procedures if procedure.code == code), None)


def _keys_unique(items: list[Any], what: str) -> list[Any]:
    """``items`` unchanged when no two share a ``key``; else the Vietnamese error naming the repeated keys."""
    duplicates = _duplicates(item.key for item in items)
    if duplicates:
        raise ValueError(f"Khóa {what} bị trùng: {', '.join(duplicates)}.")
    return items


def _duplicates(values: Iterable[object]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        text = str(value)
        if text in seen and text not in repeated:
            repeated.append(text)
        seen.add(text)
    return repeated
