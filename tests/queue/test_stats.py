"""The front desk's statistics (issue 18, "Statistics"): waiting and service times p50/p90 per field, counter,
officer and hour, abandoned tickets, the busiest hours, for the centre's director and the province, with an Excel
export — the same figures on SQLite and PostgreSQL (computed in Python over one query)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from motcua.base.roles import Role
from motcua.demo.queue import load_demo_queue
from motcua.org.models import Commune
from motcua.queue import actions, rating
from motcua.queue.models import QueueCounter, QueueSeat, QueueTicket
from motcua.queue.stats import percentile, queue_stats
from tests.factories import CHI_TIEN, T0, login, make_officer, other_commune
from tests.queue.test_desk import officer
from tests.queue.test_tickets import counter, take


def hn(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant given in Hà Nội time (UTC+7), November 2026."""
    return datetime(2026, 11, day, hour - 7, minute, tzinfo=UTC)


def test_percentiles_are_nearest_rank():
    """p-th percentile = the ⌈p·n/100⌉-th smallest value; nothing for no value."""
    values = [float(v) for v in range(10, 0, -1)]
    assert (percentile(values, 50), percentile(values, 90), percentile(values, 100)) == (5.0, 9.0, 10.0)
    assert percentile([7.0], 90) == 7.0 and percentile([], 50) is None


def world(session):
    """Monday 23/11: three civil-status tickets at counter 1 (Hoa: waits 4, 6, 10 min; served 10 and 20 min; the
    third a no-show), one land ticket at counter 2 (Nam: wait 2, service 5, rated «Rất hài lòng»); Sunday 22/11 a
    land ticket left waiting at the close; Tuesday 24/11 (today) a civil-status ticket still waiting."""
    one, two = counter(session, 1, ["civil_status"]), counter(session, 2, ["land"])
    hoa, nam = officer(session, "Nguyễn Thị Hoa"), officer(session, "Trần Văn Nam")
    for issued, wait, service in ((hn(23, 8), 4, 10), (hn(23, 8, 10), 6, 20), (hn(23, 9), 10, None)):
        take(session, "civil_status", now=issued)
        actions.call_next(session, actor=hoa, counter=one, now=issued + timedelta(minutes=wait))
        if service is None:
            actions.skip(session, actor=hoa, counter=one, now=issued + timedelta(minutes=wait + 1))
        else:
            actions.finish(session, actor=hoa, counter=one, now=issued + timedelta(minutes=wait + service))
    land = take(session, "land", now=hn(23, 9, 5))
    actions.call_next(session, actor=nam, counter=two, now=hn(23, 9, 7))
    actions.finish(session, actor=nam, counter=two, now=hn(23, 9, 12))
    rating.rate_at_counter(session, counter=two, ticket_id=land.id, score=2, reason="", now=hn(23, 9, 13))
    take(session, "land", now=hn(22, 14))
    take(session, "civil_status", now=hn(24, 10))
    session.commit()
    return one, two


def test_waiting_and_service_times_abandoned_tickets_and_busiest_hours(session):
    world(session)
    chi_tien = session.get(Commune, CHI_TIEN)
    s = queue_stats(session, [chi_tien], date(2026, 11, 22), date(2026, 11, 24), today=date(2026, 11, 24),
                    scope="Xã Chí Tiên")
    t = s.total
    assert (t.tickets, t.served, t.no_show, t.left_waiting, t.abandoned) == (6, 3, 1, 1, 2)
    assert (t.wait_p50, t.wait_p90, t.service_p50, t.service_p90) == (4, 10, 10, 20)  # waits 2 4 6 10; 5 10 20
    fields = {g.key: g for g in s.by_field}
    assert (fields["civil_status"].wait_p50, fields["civil_status"].wait_p90) == (6, 10)
    assert (fields["land"].tickets, fields["land"].left_waiting, fields["land"].service_p90) == (2, 1, 5)
    officers = {g.label: g for g in s.by_officer}
    assert (officers["Nguyễn Thị Hoa"].served, officers["Nguyễn Thị Hoa"].no_show) == (2, 1)
    assert (officers["Trần Văn Nam"].ratings, officers["Trần Văn Nam"].satisfied_percent) == ([0, 0, 1], 100.0)
    assert [g.label for g in s.by_counter] == ["Quầy số 1", "Quầy số 2"]
    assert [(g.key, g.tickets) for g in s.by_hour] == [("08", 2), ("09", 2), ("10", 1), ("14", 1)]
    assert [(b.hour, b.tickets, b.per_day) for b in s.busiest[:2]] == [(8, 2, 0.7), (9, 2, 0.7)]  # 3 days
    monday = queue_stats(session, [chi_tien], date(2026, 11, 23), date(2026, 11, 23), today=date(2026, 11, 23),
                         scope="")
    assert (monday.total.tickets, monday.total.left_waiting) == (4, 0)


def test_the_director_reads_the_centres_figures_and_the_province_reads_every_commune(client, session, clock):
    """For the centre's director (not the counter officer; another commune's director gets 404) and the province's
    monitor (its own province only); a range that makes no sense gets a Vietnamese message."""
    world(session)
    make_officer(session, username="giamdoc", roles=(Role.CENTRE_DIRECTOR,))
    make_officer(session, username="tiepnhan", roles=(Role.RECEPTION,))
    make_officer(session, username="giamdoc.khac", roles=(Role.CENTRE_DIRECTOR,),
                 commune_code=other_commune(session))
    make_officer(session, username="tinh", roles=(Role.PROVINCE_MONITOR,), commune_code=None)
    make_officer(session, username="tinh.khac", roles=(Role.PROVINCE_MONITOR,), commune_code=None,
                 province_code="01")
    clock.advance(timedelta(days=1))
    page = f"/quay/{CHI_TIEN}/thong-ke?from=2026-11-22&to=2026-11-24"
    login(client, "giamdoc")
    assert f'href="/quay/{CHI_TIEN}/thong-ke"' in client.get("/home").text  # the director's way in
    shown = client.get(page)
    assert shown.status_code == 200 and '<dd id="stats-tickets">6</dd>' in shown.text
    assert '<dd id="stats-wait">4.0 / 10.0 phút</dd>' in shown.text
    assert client.get("/quay/tinh/25/thong-ke").status_code == 403
    wrong = client.get(f"/quay/{CHI_TIEN}/thong-ke?from=2026-11-24&to=2026-11-22")
    assert wrong.status_code == 422 and "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc." in wrong.text
    export = client.get(f"/quay/{CHI_TIEN}/thong-ke.xlsx?from=2026-11-22&to=2026-11-24")
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Tổng hợp", "Lĩnh vực", "Quầy", "Cán bộ", "Giờ", "Giờ cao điểm"]
    rows = [[c for c in r] for r in book["Tổng hợp"].iter_rows(values_only=True) if r and r[0] == "Tất cả"]
    assert rows[0][1:9] == [6, 3, 1, 1, 4, 10, 10, 20]
    for username, status in (("tiepnhan", 403), ("giamdoc.khac", 404)):
        client.cookies.clear()
        login(client, username)
        assert client.get(page).status_code == status
    client.cookies.clear()
    login(client, "tinh")
    assert 'href="/quay/tinh/25/thong-ke"' in client.get("/home").text
    province = client.get("/quay/tinh/25/thong-ke?from=2026-11-22&to=2026-11-24")
    assert province.status_code == 200 and "Theo xã, phường" in province.text and "Chí Tiên" in province.text
    assert client.get(page).status_code == 200
    assert client.get("/quay/tinh/25/thong-ke?from=2026-01-01&to=2026-11-24").status_code == 422  # > 92 days
    book = load_workbook(io.BytesIO(client.get("/quay/tinh/25/thong-ke.xlsx").content))
    assert "Xã, phường" in book.sheetnames
    client.cookies.clear()
    login(client, "tinh.khac")
    assert client.get("/quay/tinh/25/thong-ke").status_code == 404


def test_the_demo_month_is_a_consistent_queue_the_statistics_read(session):
    """The demo's month at Chí Tiên: numbers gap-free per field and day, each ticket served at a counter of its
    field by the officer seated there that day, called after it was taken; loaded once."""
    counter(session, 1, ["civil_status", "certification"])
    counter(session, 2, ["land", "social_protection", "business", "other"])
    officer(session, "Nguyễn Thị Hoa")
    officer(session, "Trần Văn Nam")
    written = load_demo_queue(session, commune_code=CHI_TIEN, now=T0)
    assert written > 300 and load_demo_queue(session, commune_code=CHI_TIEN, now=T0) == 0
    tickets = session.scalars(select(QueueTicket)).all()
    seats = {(s.day, s.counter_id): s.officer_id for s in session.scalars(select(QueueSeat))}
    by_day: dict[tuple[date, str], list[int]] = {}
    for t in tickets:
        by_day.setdefault((t.day, t.field), []).append(t.seq)
        if t.status != "waiting":
            desk = session.get(QueueCounter, t.counter_id)
            assert t.field in desk.field_codes and t.called_at >= t.issued_at
            assert t.called_by_id == seats[(t.day, t.counter_id)]
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in by_day.values())
    s = queue_stats(session, [session.get(Commune, CHI_TIEN)], T0.date() - timedelta(days=31), T0.date(),
                    today=T0.date(), scope="")
    assert s.total.tickets == written and s.total.served > 0 and s.total.rated > 0 and s.busiest[0].hour in (8, 9)
