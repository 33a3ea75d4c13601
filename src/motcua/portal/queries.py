"""Reads of the citizen side: the citizen's own dossiers and drafts, and procedures that can be filed online."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.calendar import to_vietnam_time
from motcua.catalog.models import ProcedureVersion
from motcua.catalog.queries import current_versions
from motcua.dossier.actions import intake_supplement_expires_at, offered_actions
from motcua.dossier.clock import dossier_ledger
from motcua.dossier.models import Dossier, DossierDocument, DossierEvent
from motcua.dossier.printing import forms_for
from motcua.dossier.queries import documents, get_dossier_for
from motcua.dossier.workflow import END_STATES, Action, Status
from motcua.feedback.queries import rating_link
from motcua.kit.text import fold
from motcua.org.models import Commune, Province
from motcua.portal.models import DossierDraft, FeeLine, FeePayment

#: The official letters a citizen may download from their dossier's page.
CITIZEN_FORMS = ("receipt", "supplement_request", "refusal_intake", "refusal_processing", "apology_extension",
                 "stop_notice")
#: The timeline events a citizen sees (the internal hand-overs between divisions are the officers' business).
PUBLIC_EVENTS = frozenset(a.value for a in (
    Action.SUBMIT_ONLINE, Action.ACCEPT_ONLINE, Action.RECEIVE, Action.REQUEST_INTAKE_SUPPLEMENT, Action.REFUSE_INTAKE,
    Action.REQUEST_SUPPLEMENT, Action.SUPPLY_ONLINE, Action.RECEIVE_SUPPLEMENT, Action.CLOSE_UNSUPPLIED,
    Action.REQUEST_ONLINE_SUPPLEMENT, Action.SUPPLY_AT_INTAKE, Action.CONFIRM_SUPPLEMENT,
    Action.REQUEST_SUPPLEMENT_AGAIN,
    Action.CONFIRM_REFUSAL, Action.APPROVE, Action.RETURN_RESULT, Action.WITHDRAW, Action.STOP, Action.EXTEND,
    Action.START_CORRECTION, Action.FINISH_CORRECTION,
))

#: The requests to supplement: at the counter, online in place (Art. 17(1)-(2)), after appraisal and again (19(5)).
SUPPLEMENT_REQUESTS = frozenset(a.value for a in (
    Action.REQUEST_SUPPLEMENT, Action.REQUEST_INTAKE_SUPPLEMENT, Action.REQUEST_ONLINE_SUPPLEMENT,
    Action.REQUEST_SUPPLEMENT_AGAIN,
))
#: A request the citizen answers: the page shows its reasons and list, with the upload form when it is offered.
AWAITING_CITIZEN = frozenset({Status.AWAITING_SUPPLEMENT, Status.INTAKE_INCOMPLETE, Status.INTAKE_SUPPLEMENT})


@dataclass(frozen=True)
class OnlineProcedure:
    code: str
    name: str
    field: str
    online_level: str  # full | partial
    fees: list[dict[str, object]]


def online_procedures(session: Session, q: str | None, now: datetime, limit: int = 50) -> list[OnlineProcedure]:
    """Procedures in force that accept online filing, every word matched without diacritics: "dang ky khai sinh",
    typed on a phone without a Vietnamese keyboard, finds "Thủ tục đăng ký khai sinh"."""
    words = fold(q or "").split()
    found = []
    versions: list[ProcedureVersion] = current_versions(session, to_vietnam_time(now).date())
    for version in versions:
        data = version.data
        if "online" not in data.get("channels", []):
            continue
        name = str(data.get("name", ""))
        haystack = fold(f"{name} {data.get('field', '')} {data.get('code', '')}")
        if all(w in haystack for w in words):
            found.append(OnlineProcedure(code=str(data.get("code")), name=name, field=str(data.get("field", "")),
                                         online_level=str(data.get("online_level", "partial")),
                                         fees=list(data.get("fees", []))))
    found.sort(key=lambda p: p.name)
    return found[:limit]


def deciding_communes(session: Session) -> list[Commune]:
    """The communes a citizen may file with: any of the installation's (location-independent filing, Art. 14)."""
    return list(session.scalars(select(Commune).order_by(Commune.province_code, Commune.name)))


@dataclass(frozen=True)
class CommuneChoice:
    code: str
    label: str  # "Xã Bình Minh"
    search: str  # folded, with the province: what the type-to-search matches (no diacritics needed)


@dataclass(frozen=True)
class CommunePicker:
    """The portal's commune picker: the communes grouped by province (3,321 in one list repeat 246 names), and
    preselected the citizen's own — the commune of their latest dossier or draft — or none (never a commune the
    citizen did not choose)."""

    groups: list[tuple[str, list[CommuneChoice]]]
    selected: str | None


def commune_picker(session: Session, citizen_id: int) -> CommunePicker:
    provinces = {code: f"{kind.capitalize()} {name}"
                 for code, kind, name in session.execute(select(Province.code, Province.kind, Province.name))}
    groups: dict[str, list[CommuneChoice]] = {}
    for c in deciding_communes(session):
        label = f"{c.kind.capitalize()} {c.name}"
        province = provinces.get(c.province_code, c.province_code)
        groups.setdefault(province, []).append(CommuneChoice(c.code, label, fold(f"{label} {province}")))
    latest = session.scalar(select(Dossier.deciding_commune_code).where(Dossier.citizen_id == citizen_id)
                            .order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(1))
    if latest is None:
        latest = session.scalar(select(DossierDraft.commune_code).where(DossierDraft.citizen_id == citizen_id)
                                .order_by(DossierDraft.updated_at.desc()).limit(1))
    # by the province's name, not its kind ("Thành phố Hà Nội" among the H's)
    return CommunePicker(sorted(groups.items(), key=lambda g: fold(g[0].split(" ", 1)[-1].removeprefix("phố "))),
                         latest)


def my_dossiers(session: Session, citizen_id: int, limit: int = 100) -> list[Dossier]:
    return list(session.scalars(select(Dossier).where(Dossier.citizen_id == citizen_id)
                                .order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(limit)))


def my_drafts(session: Session, citizen_id: int) -> list[DossierDraft]:
    return list(session.scalars(select(DossierDraft).where(DossierDraft.citizen_id == citizen_id,
                                                           DossierDraft.submitted_at.is_(None))
                                .order_by(DossierDraft.updated_at.desc())))


def public_timeline(session: Session, dossier: Dossier) -> list[DossierEvent]:
    return [e for e in session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                       .order_by(DossierEvent.id)) if e.action in PUBLIC_EVENTS]


def supplement_request(events: list[DossierEvent]) -> DossierEvent | None:
    """The latest request to supplement: its note says what is missing (Art. 16(3): once, completely)."""
    asked = [e for e in events if e.action in SUPPLEMENT_REQUESTS]
    return asked[-1] if asked else None


def asked_names(asked: DossierEvent | None) -> list[str]:
    """The documents a supplement request lists (the procedure's names, as the Phiếu yêu cầu bổ sung prints them;
    no personal data); empty when the officer wrote only the reasons."""
    missing = (asked.data or {}).get("missing") if asked is not None else None
    return [str(name) for name in missing] if isinstance(missing, list) else []


def asked_items(asked: DossierEvent | None, checklist: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of the procedure's checklist a supplement request lists, in the checklist's order: the request
    records the documents' names, which are the checklist's own."""
    names = set(asked_names(asked))
    return [doc for doc in checklist if doc.get("name") in names]


def supplement_due(session: Session, dossier: Dossier, now: datetime) -> datetime | None:
    """The last moment to supplement (Art. 19(5): 15 days from the request), before or after the acceptance."""
    if not dossier.clock_events:
        return intake_supplement_expires_at(session, dossier)
    return dossier_ledger(session, dossier).supplement_expires_at(now)


def payable_fees(version: ProcedureVersion) -> list[dict[str, Any]]:
    """The fees of the procedure that cost something (a free item is never an order), in the catalogue's order:
    the dossier's fee lines (``FeeLine.line_no`` is the index in this list)."""
    return [fee for fee in version.data.get("fees", []) if int(fee.get("amount_vnd") or 0) > 0]


@dataclass(frozen=True)
class FeeLineView:
    """One fee line as the citizen's page shows it: its own amount, its own status, its own pay button."""

    line_no: int
    name: str
    amount_vnd: int
    paid: bool


def owed_fee_lines(dossier: Dossier, version: ProcedureVersion) -> list[tuple[int, dict[str, Any]]]:
    """The fee lines the dossier owes, as (``line_no``, fee): the lines chosen at intake after the alternatives and
    the exemption (``Dossier.fee_lines_owed``, ``catalog.fees.owed_fees``); for a dossier received before fees were
    chosen at intake (None), every fee of the version that costs something. Their sum is ``Dossier.owed_fee_vnd``."""
    fees = payable_fees(version)
    owed = dossier.fee_lines_owed
    return [(i, fee) for i, fee in enumerate(fees) if owed is None or i in owed]


def legacy_paid_lines(session: Session, dossier: Dossier, lines: list[tuple[int, dict[str, Any]]]) -> set[int]:
    """The lines paid by orders made before fees were paid line by line (``line_no`` NULL): each such paid order
    pays the first line of its amount, so a fee paid before the upgrade is not asked for again."""
    amounts = list(session.scalars(select(FeePayment.amount_vnd).where(
        FeePayment.dossier_id == dossier.id, FeePayment.line_no.is_(None), FeePayment.status == "paid")))
    paid: set[int] = set()
    for amount in amounts:
        line = next((i for i, fee in lines if i not in paid and int(fee["amount_vnd"]) == amount), None)
        if line is not None:
            paid.add(line)
    return paid


def fee_lines(session: Session, dossier: Dossier) -> list[FeeLineView]:
    """Every fee the dossier owes, each with its status (paid once its own order was settled)."""
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    lines = owed_fee_lines(dossier, version)
    paid = set(session.scalars(select(FeeLine.line_no).where(FeeLine.dossier_id == dossier.id,
                                                             FeeLine.status == "paid")))
    paid |= legacy_paid_lines(session, dossier, lines)
    return [FeeLineView(i, str(fee["name"]), int(fee["amount_vnd"]), i in paid) for i, fee in lines]


def may_pay(dossier: Dossier) -> bool:
    """Fees are paid online while the dossier is being handled; once it has ended nothing more is paid (the
    payment action refuses with the same rule)."""
    return Status(dossier.status) not in END_STATES


@dataclass(frozen=True)
class FollowPage:
    """The citizen's page of one of their dossiers: its public timeline, what they may do, its letters and results,
    its fees, and the rating link once it may be rated (Decree 118/2025 Art. 31–33)."""

    dossier: Dossier
    events: list[DossierEvent]
    asked: DossierEvent | None  # the request to supplement, while one is awaited
    asked_items: list[dict[str, Any]]  # the checklist's items it lists: the upload form has one input for each
    supplement_due: datetime | None  # when the request lapses and the centre may close the dossier (15 days)
    actions: frozenset[Action]
    forms: list[tuple[str, str]]
    results: list[DossierDocument]
    checklist: list[dict[str, Any]]
    fee_lines: list[FeeLineView]
    payable: bool
    rate_url: str | None


#: When the electronic result is the citizen's (Art. 22): once the result is ready, and after it is returned. Before
#: the decision an attached result is a draft the leader has not signed.
RESULT_VISIBLE: frozenset[str] = frozenset({Status.RESULT_READY.value, Status.RETURNED.value})


def citizen_results(session: Session, dossier: Dossier) -> list[DossierDocument]:
    """The result files the citizen may see and download (none before ``RESULT_VISIBLE``)."""
    if dossier.status not in RESULT_VISIBLE:
        return []
    return [d for d in documents(session, dossier) if d.kind == "result"]


def citizen_dossier_page(session: Session, actor: Principal, dossier_id: int, *, secret_key: str,
                         now: datetime) -> FollowPage:
    """Behind the dossier gate (``get_dossier_for``): a citizen sees their own dossiers only (404 otherwise); the
    actions offered are those ``perform`` would accept from the applicant (the workflow table with its guards)."""
    dossier = get_dossier_for(session, actor, dossier_id)
    events = public_timeline(session, dossier)
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    awaiting = Status(dossier.status) in AWAITING_CITIZEN
    asked = supplement_request(events) if awaiting else None
    checklist = list(version.data.get("documents", []))
    return FollowPage(
        dossier=dossier, events=events, asked=asked, asked_items=asked_items(asked, checklist),
        supplement_due=supplement_due(session, dossier, now) if awaiting else None,
        actions=frozenset(t.action for t in offered_actions(session, actor, dossier, now)),
        forms=[(k, t) for k, t in forms_for(events) if k in CITIZEN_FORMS],
        results=citizen_results(session, dossier),
        checklist=checklist,
        fee_lines=fee_lines(session, dossier), payable=may_pay(dossier),
        rate_url=rating_link(session, dossier, secret_key=secret_key, now=now),
    )
