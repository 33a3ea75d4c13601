"""The officers' desk (issue 16, items 4 and 7): the inbox puts urgent work first and has queues the home page
counts; final actions ask for a confirmation; the leader sees the handler's draft beside the approve button; the
page says which action was done.

Dossiers are carried to their states by the real actions at past instants; an online submission is a received
dossier set back to "submitted" without a clock (as ``test_actions`` does), with its 8-working-hour limit.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.dossier.actions import perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action, Status
from motcua.kit.clock import FixedClock
from tests.factories import T0, csrf_token, intake_data, login, pdf_bytes

NOW = T0 + timedelta(days=21)  # Monday 14 December 2026, 10:00 in Hà Nội


def _do(session: Session, who: Principal, d: Dossier, action: Action, at: datetime, **extra: object) -> Dossier:
    return perform(session, actor=who, dossier_id=d.id, action=action, now=at,
                   data=ActionIn.model_validate({"version": d.version, "note": "Nội dung đủ dài", **extra}))


def _desk(session: Session, team: dict[str, Principal], store: FileStore) -> dict[str, int]:
    """One dossier per kind of work, named by what it should be in the inbox."""
    r, s, a = team["reception"], team["specialist"], team["approver"]

    def receive(at: datetime, name: str) -> Dossier:
        return receive_dossier(session, actor=r, data=intake_data(applicant_name=name), uploads=(), store=store,
                               now=at).dossier

    made: dict[str, int] = {}
    old = receive(T0 - timedelta(days=300), "Hồ sơ cũ chờ trả")  # a year-old result nobody collected
    for who, action, extra in ((r, Action.TRANSFER, {}), (a, Action.ASSIGN, {"handler_id": s.id}),
                               (s, Action.SUBMIT_FOR_APPROVAL, {}), (a, Action.APPROVE, {})):
        old = _do(session, who, old, action, T0 - timedelta(days=299), **extra)
    made["result_ready"] = old.id
    made["running"] = receive(NOW - timedelta(hours=1), "Hồ sơ mới").id
    made["overdue"] = receive(NOW - timedelta(days=14), "Hồ sơ quá hạn").id
    online = receive(NOW - timedelta(hours=2), "Hồ sơ trực tuyến")
    session.execute(update(Dossier).where(Dossier.id == online.id).values(
        status=Status.SUBMITTED.value, clock_events=[], due_at=NOW + timedelta(hours=5), original_due_at=None,
        channel=2, filed_by="citizen"))
    made["online"] = online.id
    sent = receive(NOW - timedelta(days=3), "Hồ sơ bổ sung")
    sent = _do(session, r, sent, Action.TRANSFER, NOW - timedelta(days=3))
    sent = _do(session, a, sent, Action.ASSIGN, NOW - timedelta(days=3), handler_id=s.id)
    sent = _do(session, s, sent, Action.REQUEST_SUPPLEMENT, NOW - timedelta(days=2))
    session.execute(update(Dossier).where(Dossier.id == sent.id).values(status=Status.SUPPLEMENT_SUBMITTED.value))
    made["to_confirm"] = sent.id
    made["to_assign"] = _do(session, r, receive(NOW - timedelta(days=1), "Hồ sơ chờ phân công"), Action.TRANSFER,
                            NOW - timedelta(days=1)).id
    session.commit()
    return made


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td class="code-cell"><a href="/dossiers/(\d+)">', html)]


def test_my_work_puts_online_and_overdue_first_and_old_results_last(client, session: Session, team, store,
                                                                    clock: FixedClock) -> None:
    """Issue 16, item 4: page 1 was full of year-old "chờ trả kết quả" dossiers and the online submissions (8
    working hours, Art. 17(2)) were not on it. Now: online awaiting acceptance, then overdue, then supplements to
    confirm, then the running ones by due date; results waiting to be returned last."""
    made = _desk(session, team, store)
    clock.instant = NOW
    login(client, team["reception"].name)
    order = _listed(client.get("/dossiers").text)
    assert order == [made["online"], made["overdue"], made["to_confirm"], made["running"], made["result_ready"]]


def test_the_home_page_counts_each_queue_and_each_count_is_its_list(client, session: Session, team, store,
                                                                    clock: FixedClock) -> None:
    """The counter's home counts online submissions awaiting acceptance, overdue, due soon and supplements to
    confirm; the leader's counts the dossiers to be assigned (transferred, no handler). Each count links to the
    inbox filtered to it, which lists exactly that many dossiers."""
    made = _desk(session, team, store)
    clock.instant = NOW
    expected = {"reception": {"online": [made["online"]], "overdue": [made["overdue"]], "due_soon": [],
                              "to_confirm": [made["to_confirm"]]},
                "approver": {"to_assign": [made["to_assign"]]}}
    for who, queues in expected.items():
        client.cookies.clear()
        login(client, team[who].name)
        home = client.get("/home").text
        for queue, ids in queues.items():
            count = re.search(rf'<a href="/dossiers\?queue={queue}"[^>]*><span class="n">(\d+)</span>', home)
            assert count is not None and int(count.group(1)) == len(ids), (who, queue)
            assert _listed(client.get("/dossiers", params={"queue": queue}).text) == ids, (who, queue)
    assert "Chờ phân công" in client.get("/dossiers?queue=to_assign").text


def test_a_final_action_asks_for_confirmation(client, session: Session, team, store, clock: FixedClock) -> None:
    """Issue 16, item 7: withdrawing ends the dossier (Art. 21): its form has a required confirmation box, which the
    browser asks for before it sends the form (tests/e2e/test_desk_journey.py); a step forward (transfer) has none
    and is the primary button. The form's field contract is unchanged: a client that posts it is not refused."""
    d = receive_dossier(session, actor=team["reception"], data=intake_data(), uploads=(), store=store,
                        now=T0).dossier
    session.commit()
    clock.instant = T0 + timedelta(hours=1)
    login(client, team["reception"].name)
    page = client.get(f"/dossiers/{d.id}").text
    withdraw = page[page.index('actions/withdraw"'):]
    withdraw = withdraw[:withdraw.index("</form>")]
    assert 'name="confirmed" value="1" required' in withdraw and 'class="danger"' in withdraw
    transfer = page[page.index('actions/transfer"'):]
    transfer = transfer[:transfer.index("</form>")]
    assert "confirmed" not in transfer and 'class="primary"' in transfer
    token = csrf_token(client, f"/dossiers/{d.id}")
    done = client.post(f"/dossiers/{d.id}/actions/withdraw", follow_redirects=True,
                       data={"csrf_token": token, "version": str(d.version), "note": "Công dân xin rút"})
    assert done.status_code == 200 and "Đã thực hiện: Rút hồ sơ theo đề nghị." in done.text


def test_the_leader_sees_the_draft_result_beside_the_approve_button(client, session: Session, team, store,
                                                                    clock: FixedClock) -> None:
    """The handler's draft (sent with "Trình phê duyệt") and the attached result file are shown in the approve
    form, whose result field starts with the draft; the upload's message names what was done."""
    r, s, a = team["reception"], team["specialist"], team["approver"]
    d = receive_dossier(session, actor=r, data=intake_data(), uploads=(), store=store, now=T0).dossier
    d = _do(session, r, d, Action.TRANSFER, T0 + timedelta(hours=1))
    d = _do(session, a, d, Action.ASSIGN, T0 + timedelta(hours=2), handler_id=s.id)
    d = _do(session, s, d, Action.SUBMIT_FOR_APPROVAL, T0 + timedelta(hours=3),
            result_summary="Giấy chứng nhận đăng ký hộ kinh doanh số 25A8000123")
    session.commit()
    clock.instant = T0 + timedelta(hours=4)
    login(client, a.name)
    token = csrf_token(client, f"/dossiers/{d.id}")
    uploaded = client.post(f"/dossiers/{d.id}/result", data={"csrf_token": token}, follow_redirects=True,
                           files={"file": ("ket-qua.pdf", pdf_bytes(), "application/pdf")})
    assert uploaded.status_code == 200 and "Đã đính kèm kết quả điện tử." in uploaded.text
    assert "Đã thực hiện: ." not in uploaded.text
    page = uploaded.text
    approve = page[page.index('actions/approve"'):]
    approve = approve[:approve.index("</form>")]
    assert 'id="draft-summary">Giấy chứng nhận đăng ký hộ kinh doanh số 25A8000123<' in approve
    assert "ket-qua.pdf" in approve
    assert ">Giấy chứng nhận đăng ký hộ kinh doanh số 25A8000123</textarea>" in approve
    assert 'name="confirmed" value="1" required' in approve and 'class="primary"' in approve
