"""Fees paid online (thanh toán trực tuyến): an order at the payment gateway, the signed return that settles it.

A dossier paid this way is marked ``paid_online`` (DuocThanhToanTrucTuyen; Decision 766 indicator 3.6). The gateway's
signed redirect is the proof: a return whose signature does not verify, or whose amount differs from the order, is
refused and changes nothing; the same return twice settles the order once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.auth.principal import Principal
from motcua.catalog.models import ProcedureVersion
from motcua.db import affected_rows
from motcua.dossier.models import Dossier
from motcua.dossier.queries import get_dossier_for
from motcua.dossier.workflow import END_STATES, Status
from motcua.integrations.payment import (
    PaymentAdapter,
    PaymentRejected,
    PaymentSignatureInvalid,
    PaymentUnavailable,
)
from motcua.kit.errors import MotcuaError, NotFound, ValidationFailed
from motcua.portal.models import FeePayment


class PaymentServiceDown(MotcuaError):
    status_code = 503
    code = "payment_unavailable"
    default_message = "Cổng thanh toán chưa trả lời. Hồ sơ của Ông/Bà không bị ảnh hưởng; vui lòng thử lại sau."


def payable_fees(version: ProcedureVersion) -> list[dict[str, Any]]:
    """The fees of the procedure that cost something (a free item is never an order)."""
    return [fee for fee in version.data.get("fees", []) if int(fee.get("amount_vnd") or 0) > 0]


def start_payment(session: Session, *, actor: Principal, dossier_id: int, fee_index: int,
                  adapter: PaymentAdapter | None, return_url: str, now: datetime) -> str:
    """An order for one fee of the dossier's procedure; returns the gateway's page where the citizen pays."""
    dossier = get_dossier_for(session, actor, dossier_id)
    if adapter is None:
        raise PaymentServiceDown("Xã chưa kết nối cổng thanh toán trực tuyến; Ông/Bà nộp phí, lệ phí tại Trung tâm.")
    if dossier.paid_online:
        raise ValidationFailed("Hồ sơ đã được thanh toán trực tuyến.")
    if Status(dossier.status) in END_STATES:
        raise ValidationFailed("Hồ sơ đã kết thúc; không thanh toán được nữa.")
    fees = payable_fees(session.get_one(ProcedureVersion, dossier.procedure_version_id))
    if not 0 <= fee_index < len(fees):
        raise ValidationFailed("Chọn khoản phí, lệ phí cần nộp.", fields={"fee_index": "Không hợp lệ."})
    fee = fees[fee_index]
    count = session.scalar(select(func.count()).select_from(FeePayment)
                           .where(FeePayment.dossier_id == dossier.id)) or 0
    order_ref = f"{dossier.code}-{count + 1}"
    description = f"{fee['name']} - hồ sơ {dossier.code}"[:250]
    try:
        order = adapter.create_order(order_ref=order_ref, amount_vnd=int(fee["amount_vnd"]), description=description,
                                     return_url=return_url)
    except PaymentUnavailable as exc:
        raise PaymentServiceDown() from exc
    except PaymentRejected as exc:
        raise ValidationFailed(f"Cổng thanh toán từ chối yêu cầu: {exc}") from exc
    session.add(FeePayment(order_ref=order_ref, dossier_id=dossier.id, amount_vnd=int(fee["amount_vnd"]),
                           description=description, provider_ref=order.provider_ref, status="pending",
                           created_at=now, confirmed=False))
    record(session, actor=actor, action="dossier.payment_started", now=now, object_kind="dossier",
           object_id=dossier.id, province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "order": order_ref, "amount_vnd": int(fee["amount_vnd"])})
    return order.pay_url


def settle_payment(session: Session, *, actor: Principal, params: dict[str, str], adapter: PaymentAdapter | None,
                   now: datetime) -> FeePayment:
    """The gateway sent the citizen back: verify the signature and the amount, then mark the dossier paid online."""
    if adapter is None:
        raise PaymentServiceDown()
    try:
        notice = adapter.verify_return(params)
    except PaymentSignatureInvalid as exc:
        raise ValidationFailed("Kết quả thanh toán không hợp lệ (sai chữ ký của cổng thanh toán).") from exc
    payment = session.scalar(select(FeePayment).where(FeePayment.order_ref == notice.order_ref))
    if payment is None:
        raise NotFound("Không tìm thấy giao dịch thanh toán.")
    other_ref = payment.provider_ref is not None and notice.provider_ref != payment.provider_ref
    if notice.amount_vnd != payment.amount_vnd or other_ref:
        raise ValidationFailed("Số tiền hoặc mã giao dịch không khớp với yêu cầu thanh toán.")
    if notice.status == "pending" or payment.status == notice.status:
        return payment
    won = affected_rows(session, update(FeePayment).where(FeePayment.id == payment.id, FeePayment.status == "pending")
                        .values(status=notice.status, paid_at=notice.paid_at or now, confirmed=True))
    session.refresh(payment)
    if won == 1 and notice.status == "paid":
        session.execute(update(Dossier).where(Dossier.id == payment.dossier_id).values(paid_online=True))
        dossier = session.get_one(Dossier, payment.dossier_id)
        record(session, actor=actor, action="dossier.paid_online", now=now, object_kind="dossier",
               object_id=dossier.id, province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
               data={"code": dossier.code, "order": payment.order_ref, "amount_vnd": payment.amount_vnd})
    return payment


def payments_of(session: Session, dossier: Dossier) -> list[FeePayment]:
    return list(session.scalars(select(FeePayment).where(FeePayment.dossier_id == dossier.id)
                                .order_by(FeePayment.id)))
