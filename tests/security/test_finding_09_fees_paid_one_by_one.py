"""Finding 9 (issue 13): paying the cheapest of a procedure's fees marked the dossier ``paid_online`` and blocked
paying the others; and the gateway's return was not tied to the citizen's session.

Rules:
- each fee line of a dossier has its own status and its own order; the dossier is paid online
  (DuocThanhToanTrucTuyen, Decision 766 indicator 3.6; Decree 118 Art. 24(3)) only when every line it owes is paid;
- the browser return settles an order only in the session of the account that started it (OWASP ASVS 3.5: a flow
  is bound to the session that began it); in another citizen's session it is refused with a Vietnamese message and
  nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from motcua.dossier.models import Dossier
from motcua.integrations.simulators import PaymentSimulator
from motcua.portal.models import FeeLine, FeePayment
from tests.factories import CHI_TIEN, csrf_token, pdf_bytes
from tests.portal.test_portal import OTHER_PHONE, PHONE, new_draft, save, sign_in

LAND = "1.013949"  # Giao đất…: a 300.000 đ appraisal fee and a 25.000 đ certificate fee


@pytest.fixture
def gateway(app: Any) -> Iterator[PaymentSimulator]:
    with PaymentSimulator() as simulator:
        settings = app.state.settings
        settings.payment_url, settings.payment_merchant = simulator.base_url, simulator.merchant_id
        settings.payment_secret = simulator.secret
        yield simulator


def file_land_dossier(client: Any, session: Any) -> Dossier:
    draft_id = new_draft(client, procedure=LAND, commune=CHI_TIEN)
    sent = save(client, draft_id, intent="submit",
                files={"don_de_nghi": ("don.pdf", pdf_bytes(), "application/pdf")})
    assert sent.status_code == 303, sent.text
    return session.get(Dossier, int(sent.headers["location"].split("/")[-1].split("?")[0]))


def pay(client: Any, gateway: PaymentSimulator, dossier: Dossier, line: int) -> str:
    """Start the order for one line and pay it at the gateway; the signed return address (not yet presented)."""
    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    started = client.post(f"/cong-dan/ho-so/{dossier.id}/thanh-toan", data={"fee_index": line, "csrf_token": token},
                          follow_redirects=False)
    assert started.status_code == 303, started.text
    back = gateway.pay(started.headers["location"].rstrip("/").rsplit("/", 1)[1])
    return "/cong-dan/thanh-toan/ket-qua?" + back.split("?", 1)[1]


def line_statuses(session: Any, dossier: Dossier) -> dict[int, str]:
    session.expire_all()
    return dict(session.execute(select(FeeLine.line_no, FeeLine.status).where(FeeLine.dossier_id == dossier.id)).all())


def test_finding_09_each_fee_line_is_paid_on_its_own(client, session, gateway):
    """Paying the cheap line pays that line only; the other stays payable; the dossier is paid online once both are."""
    sign_in(client, session)
    dossier = file_land_dossier(client, session)

    settled = client.get(pay(client, gateway, dossier, 1), follow_redirects=False)  # the 25.000 đ line
    assert settled.status_code == 303 and "paid=paid" in settled.headers["location"]
    assert line_statuses(session, dossier) == {0: "owed", 1: "paid"}
    session.refresh(dossier)
    assert dossier.paid_online is False
    page = client.get(f"/cong-dan/ho-so/{dossier.id}").text
    assert 'id="fee-line-1" data-status="paid"' in page and 'id="fee-line-0" data-status="owed"' in page
    assert page.count('name="fee_index"') == 1  # one pay button left: the owed line's

    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    again = client.post(f"/cong-dan/ho-so/{dossier.id}/thanh-toan", data={"fee_index": 1, "csrf_token": token})
    assert again.status_code == 422  # a paid line is not paid twice

    assert client.get(pay(client, gateway, dossier, 0), follow_redirects=False).status_code == 303
    assert line_statuses(session, dossier) == {0: "paid", 1: "paid"}
    session.refresh(dossier)
    assert dossier.paid_online is True
    assert sorted(amount for _, amount in gateway.charges) == [25_000, 300_000]


def test_finding_09_a_return_in_another_citizens_session_changes_nothing(client, session, gateway):
    """The return address of one citizen's order, opened in another citizen's session, is refused (403, Vietnamese)
    and settles nothing; the same address in the starting account's session settles it."""
    sign_in(client, session, PHONE)
    dossier = file_land_dossier(client, session)
    returned = pay(client, gateway, dossier, 0)

    client.cookies.clear()
    sign_in(client, session, OTHER_PHONE, "Người Khác")
    refused = client.get(returned, follow_redirects=False)
    assert refused.status_code == 403 and "tài khoản khác" in refused.text
    session.expire_all()
    assert session.scalar(select(FeePayment.status).where(FeePayment.dossier_id == dossier.id)) == "pending"
    assert line_statuses(session, dossier) == {0: "owed", 1: "owed"}

    client.cookies.clear()
    sign_in(client, session, PHONE)
    assert client.get(returned, follow_redirects=False).status_code == 303
    assert line_statuses(session, dossier) == {0: "paid", 1: "owed"}


def test_finding_09_a_fee_paid_before_the_upgrade_is_not_asked_again(client, session, gateway, clock):
    """An order settled before fees had lines (``line_no`` NULL) counts for the line of its amount; the other line
    is still owed and payable."""
    sign_in(client, session)
    dossier = file_land_dossier(client, session)
    session.add(FeePayment(order_ref=f"{dossier.code}-legacy", dossier_id=dossier.id, line_no=None, citizen_id=None,
                           amount_vnd=25_000, description="Lệ phí", provider_ref="VNP-OLD", status="paid",
                           created_at=clock.now(), paid_at=clock.now(), confirmed=True))
    session.flush()
    page = client.get(f"/cong-dan/ho-so/{dossier.id}").text
    assert 'id="fee-line-1" data-status="paid"' in page and 'id="fee-line-0" data-status="owed"' in page
    assert client.get(pay(client, gateway, dossier, 0), follow_redirects=False).status_code == 303
    assert line_statuses(session, dossier) == {0: "paid", 1: "paid"}
    session.refresh(dossier)
    assert dossier.paid_online is True


def test_finding_09_a_lost_order_never_lends_its_reference_to_the_next_line(client, session, gateway):
    """The gateway answers a known order reference with its first order (idempotent create). An order the gateway
    has but motcua lost (its start rolled back after the gateway call) must not make the next line's order reuse the
    reference: the citizen would be charged the other line's amount."""
    sign_in(client, session)
    dossier = file_land_dossier(client, session)
    token = csrf_token(client, f"/cong-dan/ho-so/{dossier.id}")
    first = client.post(f"/cong-dan/ho-so/{dossier.id}/thanh-toan", data={"fee_index": 0, "csrf_token": token},
                        follow_redirects=False)
    assert first.status_code == 303  # the gateway now holds the 300.000 đ order
    session.execute(FeePayment.__table__.delete().where(FeePayment.dossier_id == dossier.id))  # the lost write
    session.commit()

    back = pay(client, gateway, dossier, 1)  # the 25.000 đ line
    assert client.get(back, follow_redirects=False).status_code == 303
    assert [amount for _, amount in gateway.charges] == [25_000]
    assert line_statuses(session, dossier) == {0: "owed", 1: "paid"}
