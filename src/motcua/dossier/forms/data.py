"""What a form is printed from: frozen dataclasses, filled by the caller (no database here).

Every instant is a timezone-aware datetime (stored in UTC); the forms show it in Asia/Ho_Chi_Minh. A naive
datetime is refused when the object is built, because its instant is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def _require_aware(owner: object) -> None:
    for name, value in vars(owner).items():
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError(
                f"{type(owner).__name__}.{name}: naive datetime {value.isoformat()}; pass an aware datetime (UTC)"
            )


@dataclass(frozen=True)
class Issuer:
    """The issuing body (cơ quan ban hành) printed at the top left of every form."""

    superior: str  # the body above the issuer, e.g. "UBND XÃ CHÍ TIÊN"
    body: str  # the issuer itself, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG"
    place: str  # địa danh of the date line: "Chí Tiên, ngày … tháng … năm …"
    province: str  # "Phú Thọ"


@dataclass(frozen=True)
class DocumentLine:
    """One paper of the dossier (thành phần hồ sơ) as listed on the receipt."""

    name: str
    form: str  # hình thức: "Bản chính", "Bản sao có chứng thực", "Bản điện tử" …
    count: int

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"DocumentLine.count must not be negative (got {self.count})")


@dataclass(frozen=True)
class FeeLine:
    """A fee that applies to the dossier (phí, lệ phí), as the receipt prints it; a free one has amount 0."""

    name: str
    amount_vnd: int


@dataclass(frozen=True)
class FormDossier:
    """The dossier facts the forms print."""

    code: str  # dossier code AGENCYID-YYMMDD-NNNN (Decree 118 Art. 28)
    procedure_code: str
    procedure_name: str
    field: str  # lĩnh vực
    applicant_name: str
    applicant_id_number: str | None
    applicant_phone: str | None
    applicant_email: str | None
    applicant_address: str
    channel_label: str  # "Trực tiếp" / "Qua bưu chính" / "Trực tuyến"
    received_at: datetime
    due_at: datetime | None
    documents: tuple[DocumentLine, ...]
    receiving_officer: str
    lookup_url: str  # the QR target: the public lookup page for this code
    result_delivery: str = "Tại Trung tâm Phục vụ hành chính công"
    fees: tuple[FeeLine, ...] = ()
    owed_fee_vnd: int = 0
    fee_exemption: str | None = None  # the ground of the exemption applied, if any

    def __post_init__(self) -> None:
        _require_aware(self)


@dataclass(frozen=True)
class ControlStep:
    """One row of the Phiếu kiểm soát quá trình giải quyết hồ sơ (Decree 118 Art. 18, 20(2))."""

    body: str  # the body or unit that holds the dossier in this step
    budget: str  # its share of the time limit, e.g. "0,5 ngày làm việc"
    handed_over_at: datetime | None
    giver: str | None
    receiver: str | None
    result: str | None  # "Trước hạn" / "Đúng hạn" / "Quá hạn" / free text
    note: str = ""

    def __post_init__(self) -> None:
        _require_aware(self)
