"""The province's scorecard under version 2 shows all six groups live (docs/legal.md §7, "What motcua counts for
version 2 today"): each group has at least one indicator scored from motcua's own records, on both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from motcua.base.roles import Role
from motcua.dossier.actions import Upload, add_document, mark_paid_online, perform, receive_dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.index.definitions import metric_set_for
from motcua.index.tasks import fold_dossiers
from tests.factories import intake_data, login, make_officer, pdf_bytes

DEC_1 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tue 1/12/2026 10:00 in Hà Nội


def test_the_province_scorecard_of_december_2026_has_six_groups_live(client, session, team, store, clock):
    """A household business received on 1/12 with its form scanned, approved the same afternoon with its result
    attached and its fee paid online: transparency (1.3, a province's), progress (2.1), online service (3.1),
    online payment (3.5–3.6), digitisation (4.1, 4.2, 4.5a, 4.5b) and satisfaction (5.2–5.4) are all scored."""
    d = receive_dossier(session, actor=team["reception"], data=intake_data(), store=store, now=DEC_1,
                        uploads=(Upload("giay_de_nghi", "de-nghi.pdf", pdf_bytes()),)).dossier
    steps = [("reception", Action.TRANSFER, {}), ("approver", Action.ASSIGN, {"handler_id": team["specialist"].id}),
             ("specialist", Action.SUBMIT_FOR_APPROVAL, {}), ("approver", Action.APPROVE, {"note": "GCN số 1"})]
    for i, (who, action, extra) in enumerate(steps, start=1):
        d = perform(session, actor=team[who], dossier_id=d.id, action=action,
                    data=ActionIn.model_validate({"version": d.version, **extra}), now=DEC_1 + timedelta(hours=i))
    add_document(session, actor=team["approver"], dossier_id=d.id, kind="result", store=store,
                 upload=Upload(None, "ket-qua.pdf", pdf_bytes()), now=DEC_1 + timedelta(hours=5))
    mark_paid_online(session, actor=team["reception"], dossier=d, order_ref="HKD-DEC", now=DEC_1 + timedelta(hours=5))
    fold_dossiers(session, [d.id], DEC_1 + timedelta(days=1))
    session.commit()
    clock.instant = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
    make_officer(session, commune_code=None, username="tinh.v2", roles=(Role.PROVINCE_MONITOR,),
                 full_name="Vũ Thị Lan")
    login(client, "tinh.v2")
    html = client.get("/index", params={"period": "2026-12"}).text
    card = html[html.rindex("Các nhóm và chỉ tiêu"):]
    live = set(re.findall(r'<tr class="st-ok" data-indicator="([^"]+)"', card))
    metric_set = metric_set_for(DEC_1.date())
    for group in metric_set.groups:
        assert live & {i.code for i in metric_set.indicators_of(group.code)}, f"group {group.code} is not live"
    assert {"1.3", "2.1", "3.5-3.6", "4.1", "4.2", "4.3", "4.4", "4.5b", "5.2", "5.3", "5.4"} <= live  # 4.3, 4.4: store
    assert re.search(r'<tr class="st-no_data" data-indicator="1.4"', card)  # the portal sync: still no data
