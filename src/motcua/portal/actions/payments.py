"""Fees paid online (thanh toán trực tuyến): an order at the payment gateway, the signed return that settles it.

Each fee line of the dossier is paid on its own (``FeeLine``); the dossier is marked ``paid_online``
(DuocThanhToanTrucTuyen; Decision 766 indicator 3.6) once every line it owes is paid. The gateway's signed redirect
is the proof: a return whose signature does not verify, whose amount differs from the order, or that comes back in
another citizen's session than the one that started the order, is refused and changes nothing; the same return twice
settles the order once.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.base.principal import Principal
from motcua.catalog.models import ProcedureVersion
from motcua.db import affected_rows, dialect_insert
from motcua.dossier.actions import mark_paid_online
from motcua.dossier.models import Dossier
from motcua.dossier.queries import get_dossier_for
from motcua.integrations.payment import (
    PaymentAdapter,
    PaymentRejected,
    PaymentSignatureInvalid,
    PaymentUnavailable,
)
from motcua.kit.errors import Forbidden, MotcuaError, NotFound, ValidationFailed
from motcua.portal.models import FeeLine, FeePayment
from motcua.portal.queries import legacy_paid_lines, may_pay, owed_fee_lines


class PaymentServiceDown(MotcuaError):
    status_code = 503
    code = "payment_unavailable"
    default_message = "Cổng thanh toán chưa trả lời. Hồ sơ của Ông/Bà không bị ảnh hưởng; vui lòng thử lại sau."


class PaymentOfAnotherAccount(Forbidden):
    """The gateway's browser return came back in another citizen's session than the one that started the order."""

    code = "payment_other_account"
    default_message = ("Giao dịch thanh toán này do một tài khoản khác thực hiện. Vui lòng đăng nhập đúng tài khoản "
                       "đã thanh toán để xem kết quả; hồ sơ không bị thay đổi.")


def _ensure_fee_lines(session: Session, dossier: Dossier, lines: list[tuple[int, dict[str, Any]]]) -> None:
    """The dossier's fee lines — those it owes (``queries.owed_fee_lines``), so that their sum is the fee it owes
    (``Dossier.owed_fee_vnd``) — created on the first order (concurrent first orders insert them once); a line an
    order of before the upgrade paid is created paid."""
    legacy = legacy_paid_lines(session, dossier, lines)
    rows = [{"dossier_id": dossier.id, "line_no": i, "name": str(fee["name"])[:300],
             "amount_vnd": int(fee["amount_vnd"]), "status": "paid" if i in legacy else "owed"}
            for i, fee in lines]
    if rows:
        statement = dialect_insert(session, FeeLine.__table__).values(rows)
        session.execute(statement.on_conflict_do_nothing(index_elements=["dossier_id", "line_no"]))


def start_payment(session: Session, *, actor: Principal, dossier_id: int, fee_index: int,
                  adapter: PaymentAdapter | None, return_url: str, now: datetime) -> str:
    """An order for one fee line of the dossier; returns the gateway's page where the citizen pays. Each line is
    paid on its own: paying one never closes the others."""
    dossier = get_dossier_for(session, actor, dossier_id)
    if adapter is None:
        raise PaymentServiceDown("Xã chưa kết nối cổng thanh toán trực tuyến; Ông/Bà nộp phí, lệ phí tại Trung tâm.")
    if not may_pay(dossier):
        raise ValidationFailed("Hồ sơ đã kết thúc; không thanh toán được nữa.")
    lines = owed_fee_lines(dossier, session.get_one(ProcedureVersion, dossier.procedure_version_id))
    if fee_index not in {i for i, _ in lines}:
        raise ValidationFailed("Chọn khoản phí, lệ phí cần nộp.", fields={"fee_index": "Không hợp lệ."})
    _ensure_fee_lines(session, dossier, lines)
    line = session.scalars(select(FeeLine).where(FeeLine.dossier_id == dossier.id,
                                                 FeeLine.line_no == fee_index)).one()
    if line.status == "paid":
        raise ValidationFailed("Khoản phí, lệ phí này đã được thanh toán trực tuyến.")
    # The gateway answers a known order_ref with its first order (idempotent create), so a reference must never be
    # issued twice: a count of the stored orders repeats one after a rolled-back start (the gateway has the order,
    # we don't) or under two concurrent starts, and the second line would be charged the first line's amount.
    order_ref = f"{dossier.code}-{line.line_no + 1}-{secrets.token_hex(4)}"
    description = f"{line.name} - hồ sơ {dossier.code}"[:250]
    try:
        order = adapter.create_order(order_ref=order_ref, amount_vnd=line.amount_vnd, description=description,
                                     return_url=return_url)
    except PaymentUnavailable as exc:
        raise PaymentServiceDown() from exc
    except PaymentRejected as exc:
        raise ValidationFailed(f"Cổng thanh toán từ chối yêu cầu: {exc}") from exc
    session.add(FeePayment(order_ref=order_ref, dossier_id=dossier.id, line_no=line.line_no,
                           citizen_id=actor.id if actor.kind == "citizen" else None, amount_vnd=line.amount_vnd,
                           description=description, provider_ref=order.provider_ref, status="pending",
                           created_at=now, confirmed=False))
    record(session, actor=actor, action="dossier.payment_started", now=now, object_kind="dossier",
           object_id=dossier.id, province_code=dossier.province_code, commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "order": order_ref, "line": line.line_no, "amount_vnd": line.amount_vnd})
    return order.pay_url


def settle_payment(session: Session, *, actor: Principal, params: dict[str, str], adapter: PaymentAdapter | None,
                   now: datetime) -> FeePayment:
    """The gateway sent the citizen back: verify the signature, the amount and that this is the session of the
    account that started the order, then mark the order's fee line paid — and the dossier paid online once every
    line is.

    Why the account: the return address is a bearer of the outcome; presented in another citizen's session (a link
    passed on, a shared phone), it must not act there (OWASP ASVS 3.5: the flow is bound to the session that began
    it). The refusal changes nothing; the order stays for its own account's return."""
    if adapter is None:
        raise PaymentServiceDown()
    try:
        notice = adapter.verify_return(params)
    except PaymentSignatureInvalid as exc:
        raise ValidationFailed("Kết quả thanh toán không hợp lệ (sai chữ ký của cổng thanh toán).") from exc
    payment = session.scalar(select(FeePayment).where(FeePayment.order_ref == notice.order_ref))
    if payment is None:
        raise NotFound("Không tìm thấy giao dịch thanh toán.")
    if payment.citizen_id is not None and (actor.kind != "citizen" or actor.id != payment.citizen_id):
        raise PaymentOfAnotherAccount()
    other_ref = payment.provider_ref is not None and notice.provider_ref != payment.provider_ref
    if notice.amount_vnd != payment.amount_vnd or other_ref:
        raise ValidationFailed("Số tiền hoặc mã giao dịch không khớp với yêu cầu thanh toán.")
    if notice.status == "pending" or payment.status == notice.status:
        return payment
    won = affected_rows(session, update(FeePayment).where(FeePayment.id == payment.id, FeePayment.status == "pending")
                        .values(status=notice.status, paid_at=notice.paid_at or now, confirmed=True))
    session.refresh(payment)
    if won == 1 and notice.status == "paid" and payment.line_no is not None:
        _pay_line(session, actor=actor, payment=payment, now=now)
    return payment


def _pay_line(session: Session, *, actor: Principal, payment: FeePayment, now: datetime) -> None:
    """The order's line becomes paid (guarded: a line already paid by another order stays as it was, and the
    second payment is recorded for a refund); the dossier is paid online when no line is still owed."""
    dossier = session.get_one(Dossier, payment.dossier_id)
    line_paid = affected_rows(session, update(FeeLine).where(
        FeeLine.dossier_id == payment.dossier_id, FeeLine.line_no == payment.line_no, FeeLine.status == "owed")
        .values(status="paid", order_ref=payment.order_ref, paid_at=payment.paid_at or now))
    owed = session.scalar(select(func.count()).select_from(FeeLine).where(
        FeeLine.dossier_id == dossier.id, FeeLine.status != "paid")) or 0
    record(session, actor=actor, action="dossier.fee_paid" if line_paid == 1 else "dossier.fee_paid_twice", now=now,
           object_kind="dossier", object_id=dossier.id, province_code=dossier.province_code,
           commune_code=dossier.deciding_commune_code,
           data={"code": dossier.code, "order": payment.order_ref, "line": payment.line_no,
                 "amount_vnd": payment.amount_vnd})
    if line_paid == 1 and owed == 0:
        mark_paid_online(session, actor=actor, dossier=dossier, order_ref=payment.order_ref, now=now)

