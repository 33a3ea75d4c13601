"""The counters of version 2's groups 3.5–3.6, 4 and 5 fed from what motcua records (SQLite and PostgreSQL), each
folded from a few dossiers built by hand and then scored by hand (docs/legal.md §7, version 2).

The rules, in short: 3.5–3.6 = 6A + min(2, 2.5B) + 2.5C, A counting only the dossiers that actually owed a fee
after exemptions; 4.1 results stored electronically of results issued; 4.2 dossiers digitised of received; 4.5b
dossiers whose applicant was verified against the population database of received; 4.6 certified copies from
originals issued electronically; 5.2 feedback cases within time (open ones within their time count), 6 when none;
5.3 cases not unsatisfied (late = unsatisfied, unrated = satisfied), 6 when none; 5.4 = 1 − dossiers with a
dissatisfied rating, a feedback case or late handling (each once) ÷ dossiers handled, min(6, 6 × rate ÷ 90%).

Dates: received Mon 23/11/2026 10:00 (T0); Đăng ký hộ kinh doanh (3 working days) is due Fri 27/11 17:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.dossier.actions import Upload, add_document, mark_paid_online, perform, receive_dossier
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.schemas import ActionIn
from motcua.dossier.workflow import Action
from motcua.feedback.actions import citizen_actor, rate_answer, rate_dossier
from motcua.feedback.workflow import CaseAction
from motcua.index.definitions import metric_set_for
from motcua.index.models import IndexContribution
from motcua.index.periods import parse_period
from motcua.index.rollups import for_commune, rollup_counters, scorecard
from motcua.index.score import CatalogueCounters, DossierCounters
from motcua.index.tasks import fold_dossiers
from motcua.kit.errors import ValidationFailed
from motcua.portal.queries import fee_lines
from tests.factories import CHI_TIEN, T0, intake_data, pdf_bytes
from tests.feedback.helpers import ALL_VERY_SATISFIED, act, new_case

NOV = parse_period("2026-11", T0.date())
V1 = metric_set_for(datetime(2026, 11, 1).date())
V2 = metric_set_for(datetime(2026, 12, 1).date())
MON_30 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Mon 30/11 09:00: past the appointment of Fri 27/11 17:00
DEC_1 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BIRTH = "1.001193"
BIRTH_DOCUMENTS = ["to_khai", "giay_chung_sinh", "giay_to_tuy_than"]
CATALOGUE = CatalogueCounters(procedures=10, online_offered=5, fee_bearing=4, fee_payable_online=2,
                              complete_parts=0, procedures_using_population_data=5)


def _receive(session: Session, team: dict[str, Principal], store: FileStore, uploads: tuple[Upload, ...] = (),
             now: datetime = T0, **overrides: object) -> Dossier:
    return receive_dossier(session, actor=team["reception"], data=intake_data(**overrides), uploads=uploads,
                           store=store, now=now).dossier


def _act(session: Session, who: Principal, d: Dossier, action: Action, at: datetime, **data: object) -> Dossier:
    return perform(session, actor=who, dossier_id=d.id, action=action,
                   data=ActionIn.model_validate({"version": d.version, **data}), now=at)


def _approve(session: Session, team: dict[str, Principal], d: Dossier, at: datetime) -> Dossier:
    d = _act(session, team["reception"], d, Action.TRANSFER, d.received_at + timedelta(minutes=10))
    d = _act(session, team["approver"], d, Action.ASSIGN, d.received_at + timedelta(minutes=20),
             handler_id=team["specialist"].id)
    d = _act(session, team["specialist"], d, Action.SUBMIT_FOR_APPROVAL, at - timedelta(minutes=30))
    return _act(session, team["approver"], d, Action.APPROVE, at, note="Kết quả số 12")


def _counters(session: Session, ids: list[int], now: datetime) -> DossierCounters:
    fold_dossiers(session, ids, now)
    return rollup_counters(session, "25", NOV, where=[for_commune(CHI_TIEN)])[CHI_TIEN]


def _flags(session: Session, dossier: Dossier, *names: str) -> dict[str, bool]:
    c = IndexContribution
    row = session.execute(select(*[getattr(c, n) for n in names])
                          .where(c.dossier_id == dossier.id, c.month == NOV.start)).one()
    return dict(zip(names, (bool(v) for v in row), strict=True))


# --------------------------------------------------------------------------------------------- 3.5–3.6


@pytest.fixture
def fees(session: Session, team: dict[str, Principal], store: FileStore) -> dict[str, Dossier]:
    """Five dossiers: a birth registered on time (free: Civil Status Law 2014 Art. 11(1)(b)), one registered late
    (the late fee, 5,000 đ), a land certificate with assets on the land (the second of two alternative fees:
    100,000 đ, not both summed), a household business paid online (100,000 đ), and a birth re-registration by a
    poor household (exempt, Art. 11(1)(a))."""
    made = {
        "free_birth": _receive(session, team, store, procedure_code=BIRTH, documents_present=BIRTH_DOCUMENTS),
        "late_birth": _receive(session, team, store, procedure_code=BIRTH, documents_present=BIRTH_DOCUMENTS,
                               fee_options=[1]),
        "land": _receive(session, team, store, procedure_code="1.013978", documents_present=["don_dang_ky"],
                         fee_options=[1]),
        "shop": _receive(session, team, store),
        "exempt": _receive(session, team, store, procedure_code="1.004884", fee_exemption="ho_ngheo",
                           documents_present=["to_khai", "ban_sao_giay_khai_sinh", "giay_to_tuy_than"]),
    }
    mark_paid_online(session, actor=team["reception"], dossier=made["shop"], order_ref="HKD-1",
                     now=T0 + timedelta(hours=1))
    return made


def test_each_dossier_records_the_fee_it_actually_owes(session: Session, fees: dict[str, Dossier]) -> None:
    """What a dossier owes is chosen at intake: the alternative that applies, the exemption with its ground. The
    portal's fee lines are the lines owed, so their sum is what is owed."""
    for d in fees.values():
        session.refresh(d)
    owed = {name: (d.owed_fee_vnd, d.fee_lines_owed, d.fee_exemption) for name, d in fees.items()}
    assert owed == {"free_birth": (0, [], None), "late_birth": (5000, [0], None), "land": (100_000, [1], None),
                    "shop": (100_000, [0], None), "exempt": (0, [], "ho_ngheo")}
    lines = fee_lines(session, fees["land"])
    assert [(line.line_no, line.amount_vnd) for line in lines] == [(1, 100_000)]
    assert "có quyền sở hữu tài sản" in lines[0].name
    assert fee_lines(session, fees["free_birth"]) == [] and fee_lines(session, fees["exempt"]) == []


def test_a_fee_choice_that_is_not_the_procedures_is_refused_and_nothing_is_written(
        session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """The alternatives and the exemption grounds are the catalogue's: a household business has neither."""
    before = session.scalar(select(func.count()).select_from(Dossier))
    with pytest.raises(ValidationFailed) as caught:
        _receive(session, team, store, fee_options=[0])
    assert "fee_options" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        _receive(session, team, store, fee_exemption="ho_ngheo")
    assert "fee_exemption" in caught.value.fields
    with pytest.raises(ValidationFailed):  # two fees of one set of alternatives
        _receive(session, team, store, procedure_code="1.013978", documents_present=["don_dang_ky"],
                 fee_options=[0, 1])
    assert session.scalar(select(func.count()).select_from(Dossier)) == before


def test_the_fold_counts_owed_fees_and_the_procedures_behind_b_and_c(session: Session,
                                                                      fees: dict[str, Dossier]) -> None:
    """A counts the three dossiers that owed more than 0 (late birth, land, household business) — not the free
    birth nor the exempt re-registration; one of them was paid online. B and C count distinct procedures: fee
    dossiers under 3 procedures (birth registration, land, household business), paid online under 1. Version 1's
    ``with_fee`` still reads the fee schedule: all 5 are of procedures with a fee."""
    c = _counters(session, [d.id for d in fees.values()], T0 + timedelta(hours=2))
    assert (c.owed_fee, c.owed_fee_paid_online) == (3, 1)
    assert (c.fee_procedures_with_fee_dossiers, c.fee_procedures_paid_online) == (3, 1)
    assert (c.with_fee, c.paid_online) == (5, 1)
    assert _flags(session, fees["free_birth"], "owed_fee", "with_fee") == {"owed_fee": False, "with_fee": True}
    assert _flags(session, fees["shop"], "owed_fee", "owed_fee_paid_online") == {
        "owed_fee": True, "owed_fee_paid_online": True}
    # With 4 fee-bearing procedures in the catalogue: A = 1/3, B = 1/4, C = 3/4 →
    # 6 × 1/3 + min(2, 2.5 × 1/4 = 0.625) + 2.5 × 3/4 = 2 + 0.625 + 1.875 = 4.5 of 10.
    result = scorecard(V2, c, CATALOGUE).indicator("3.5-3.6")
    assert (result.status, result.points_shown) == ("ok", Decimal("4.50"))


def test_a_procedure_counts_once_in_b_and_c_however_many_dossiers(session: Session, team: dict[str, Principal],
                                                                  store: FileStore) -> None:
    """B and C are numbers of procedures, not of dossiers: two household businesses owing a fee, one paid online,
    give one procedure with fee dossiers and one paid online. Scored with 4 fee-bearing procedures: A = 1/2,
    B = 1/4, C = 1/4 → 6 × 0.5 + min(2, 0.625) + 0.625 = 4.25."""
    a, b = _receive(session, team, store), _receive(session, team, store)
    mark_paid_online(session, actor=team["reception"], dossier=a, order_ref="HKD-A", now=T0 + timedelta(hours=1))
    c = _counters(session, [a.id, b.id], T0 + timedelta(hours=2))
    assert (c.owed_fee, c.owed_fee_paid_online) == (2, 1)
    assert (c.fee_procedures_with_fee_dossiers, c.fee_procedures_paid_online) == (1, 1)
    assert scorecard(V2, c, CATALOGUE).indicator("3.5-3.6").points_shown == Decimal("4.25")


# --------------------------------------------------------------------------------------------- group 4


def test_stored_inputs_and_results_feed_4_1_4_2_and_4_6(session: Session, team: dict[str, Principal],
                                                        store: FileStore) -> None:
    """Four dossiers finished in November: a household business scanned at intake whose result was issued signed
    digitally (an electronic result, digitised); one scanned whose leader signed by hand, the signed paper scanned
    and attached (``paper``: digitised, not an electronic result — issue 17's wet-signature fallback); one with
    neither (a result on paper only); a certification of a copy from its original, scanned, its result signed
    digitally (an electronic certified copy).
    4.1 = 2 e-results of 4 results → 6 × 2/4 = 3; 4.2 = 3 digitised of 4 received → 4 × 3/4 = 3;
    4.6 = 1 electronic of 1 certified copy → 2 × 1 = 2 (docs/legal.md §7, version 2)."""
    scan = Upload("giay_de_nghi", "de-nghi.pdf", pdf_bytes())
    electronic = _receive(session, team, store, uploads=(scan,))
    wet = _receive(session, team, store, uploads=(Upload("giay_de_nghi", "de-nghi-2.pdf", pdf_bytes()),))
    paper = _receive(session, team, store)
    copy = _receive(session, team, store, uploads=(Upload("ban_chinh", "ban-chinh.pdf", pdf_bytes()),),
                    procedure_code="2.000815", documents_present=["ban_chinh"])
    done = T0 + timedelta(hours=4)
    for d in (electronic, wet, paper, copy):
        _approve(session, team, d, done)
    for d, signature in ((electronic, "digital"), (wet, "paper"), (copy, "digital")):
        add_document(session, actor=team["approver"], dossier_id=d.id, kind="result", store=store,
                     signature=signature, upload=Upload(None, "ket-qua.pdf", pdf_bytes()),
                     now=done + timedelta(minutes=5))
    c = _counters(session, [electronic.id, wet.id, paper.id, copy.id], done + timedelta(hours=1))
    assert (c.results_issued, c.e_results, c.digitised, c.received) == (4, 2, 3, 4)
    assert (c.certified_copies, c.e_certified_copies) == (1, 1)
    card = scorecard(V2, c, CATALOGUE)
    assert card.indicator("4.1").points_shown == Decimal("3.00")
    assert card.indicator("4.2").points_shown == Decimal("3.00")
    assert card.indicator("4.6").points_shown == Decimal("2.00")


def test_an_open_dossier_scanned_at_intake_is_digitised_and_issues_no_result(
        session: Session, team: dict[str, Principal], store: FileStore) -> None:
    """4.2 asks for the result only once there is one; 4.1 counts results in the month they are issued."""
    d = _receive(session, team, store, uploads=(Upload("giay_de_nghi", "de-nghi.pdf", pdf_bytes()),))
    c = _counters(session, [d.id], T0 + timedelta(hours=1))
    assert (c.digitised, c.results_issued, c.e_results) == (1, 0, 0)
    assert scorecard(V2, c, CATALOGUE).indicator("4.1").status == "not_applicable"


def test_identity_verified_at_intake_feeds_4_5b(session: Session, team: dict[str, Principal],
                                                store: FileStore) -> None:
    """4.5b counts the dossiers of the month whose applicant was verified against the population database at intake
    (recorded on the dossier by its one writer, ``create_dossier``, from a VNeID-verified citizen account). One of
    two → 2 × 1/2 = 1; 4.5a: 5 of 10 procedures use population data → 2 × 0.5 = 1."""
    verified, other = _receive(session, team, store), _receive(session, team, store)
    session.execute(update(Dossier).where(Dossier.id == verified.id).values(identity_verified=True))
    c = _counters(session, [verified.id, other.id], T0 + timedelta(hours=1))
    assert (c.vneid_verified, c.received) == (1, 2)
    card = scorecard(V2, c, CATALOGUE)
    assert (card.indicator("4.5b").points_shown, card.indicator("4.5a").points_shown) == (
        Decimal("1.00"), Decimal("1.00"))


# --------------------------------------------------------------------------------------------- group 5


def test_5_4_counts_a_dossier_late_and_rated_dissatisfied_once(session: Session, team: dict[str, Principal],
                                                                store: FileStore) -> None:
    """Two dossiers handled in November: one finished late (Mon 30/11, due Fri 27/11), rated dissatisfied — which
    also opens a feedback case — and one on time, rated satisfied. Unsatisfactory: 1 (late, dissatisfied and with a
    case, counted once) of 2 handled → rate 0.5 → min(6, 6 × 0.5 ÷ 0.9) = 3.33. Version 1 of the same month
    reads none of it (5.4 "no data")."""
    late, fine = _receive(session, team, store), _receive(session, team, store)
    late = _approve(session, team, late, MON_30)
    fine = _approve(session, team, fine, T0 + timedelta(hours=3))
    for d, at in ((late, MON_30), (fine, T0 + timedelta(hours=3))):
        d = _act(session, team["reception"], d, Action.RETURN_RESULT, at + timedelta(hours=1))
        scores = ALL_VERY_SATISFIED if d.id == fine.id else {**ALL_VERY_SATISFIED, "attitude": 0}
        rate_dossier(session, dossier=d, scores=scores, comment="", channel="qr", now=at + timedelta(hours=2),
                     actor=citizen_actor(d.province_code, d.applicant_name))
    c = _counters(session, [late.id, fine.id], DEC_1)
    assert (c.counted, c.on_time_index, c.unsatisfactory_dossiers) == (2, 1, 1)
    assert _flags(session, late, "unsatisfactory_dossiers") == {"unsatisfactory_dossiers": True}
    assert scorecard(V2, c, CATALOGUE).indicator("5.4").points_shown == Decimal("3.33")
    assert scorecard(V1, c, CATALOGUE).indicator("5.4").status == "no_data"


def test_5_2_and_5_3_from_feedback_cases_by_hand(session: Session, team: dict[str, Principal],
                                                  store: FileStore) -> None:
    """November's cases of the commune (limits: answer within 15 working days, publish within 2):

    * received Mon 23/11, still open on 30/11 and within its 15 days → within time, unrated → satisfied;
    * received Mon 2/11, due Mon 23/11, answered Fri 27/11 → late: not within, and unsatisfied (late-handled);
    * received Mon 23/11, answered the next day, published at once, never rated → within, satisfied;
    * received Mon 23/11, answered the next day and published, rated "not satisfied" by the sender → within,
      unsatisfied.

    5.2 = 6 × 3/4 = 4.5; 5.3 = 6 × 2/4 = 3."""
    who = team["reception"]
    new_case(session, now=T0)
    late = new_case(session, now=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    act(session, who, late, CaseAction.ANSWER, datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    answered = []
    for _ in range(2):
        case = act(session, who, new_case(session, now=T0), CaseAction.ANSWER, T0 + timedelta(days=1))
        answered.append(act(session, who, case, CaseAction.PUBLISH, T0 + timedelta(days=1, hours=1)))
    rate_answer(session, case=answered[1], satisfied=False, now=T0 + timedelta(days=2),
                actor=citizen_actor(answered[1].province_code, answered[1].sender_name))
    d = _receive(session, team, store)  # a dossier, so that the commune has counters
    c = _counters(session, [d.id], MON_30)
    assert (c.feedback_cases, c.feedback_within_time, c.feedback_not_unsatisfied) == (4, 3, 2)
    by_month = rollup_counters(session, "25", NOV, by="month", where=[for_commune(CHI_TIEN)])[NOV.start]
    assert (by_month.feedback_cases, by_month.feedback_within_time, by_month.feedback_not_unsatisfied) == (4, 3, 2)
    card = scorecard(V2, c, CATALOGUE)
    assert (card.indicator("5.2").points_shown, card.indicator("5.3").points_shown) == (
        Decimal("4.50"), Decimal("3.00"))


def test_no_feedback_case_gives_full_points_for_5_2_and_5_3(session: Session, team: dict[str, Principal],
                                                             store: FileStore) -> None:
    """§7: 5.2 and 5.3 give their 6 points when the commune had no case in the period."""
    c = _counters(session, [_receive(session, team, store).id], T0 + timedelta(hours=1))
    assert c.feedback_cases == 0
    card = scorecard(V2, c, CATALOGUE)
    assert (card.indicator("5.2").points_shown, card.indicator("5.3").points_shown) == (
        Decimal("6.00"), Decimal("6.00"))


def test_version_1_scores_the_same_month_as_before(session: Session, fees: dict[str, Dossier]) -> None:
    """Version 1 must not change for months already scored: its 3.5 and 3.6 read the fee schedule (3.6: 1 paid
    online of 5 dossiers of procedures with a fee → 6 × 1/5 = 1.2) and its groups 4 and 5 stay "no data"."""
    c = _counters(session, [d.id for d in fees.values()], T0 + timedelta(hours=2))
    card = scorecard(V1, c, CATALOGUE)
    assert card.indicator("3.6").points_shown == Decimal("1.20")
    assert all(r.status == "no_data" for r in card.indicators if r.group in ("digitisation", "satisfaction"))
