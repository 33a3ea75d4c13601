"""From a stored dossier to the official forms and the register (read-only: nothing here writes)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES, DepartmentKind, Role
from motcua.calendar import TimeLimit
from motcua.catalog.models import ProcedureVersion
from motcua.dossier import forms
from motcua.dossier.models import Dossier, DossierDocument, DossierEvent
from motcua.dossier.register import RegisterRow, register_xlsx
from motcua.dossier.workflow import STATUS_LABELS, Action, Status
from motcua.kit.clock import as_utc
from motcua.kit.errors import NotFound
from motcua.org.models import Commune, Officer, OfficerRole, Province

CHANNEL_LABELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua bưu chính"}
DOCUMENT_FORMS = {"original": "Bản chính", "copy": "Bản sao", "certified_copy": "Bản sao có chứng thực",
                  "original_or_copy": "Bản chính hoặc bản sao", "electronic": "Bản điện tử"}

#: Which forms a dossier has, by what happened to it (the action that produces each, workflow table).
_FORM_SOURCES: dict[str, tuple[Action, ...]] = {
    "receipt": (Action.RECEIVE, Action.ACCEPT_ONLINE),
    "supplement_request": (Action.REQUEST_INTAKE_SUPPLEMENT, Action.REQUEST_SUPPLEMENT,
                           Action.REQUEST_ONLINE_SUPPLEMENT, Action.REQUEST_SUPPLEMENT_AGAIN),
    "refusal_intake": (Action.REFUSE_INTAKE,),
    "refusal_processing": (Action.CONFIRM_REFUSAL,),
    "apology_extension": (Action.EXTEND,),
    "stop_notice": (Action.STOP, Action.CLOSE_UNSUPPLIED),
    "control_slip": (Action.TRANSFER,),
}


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _events(session: Session, dossier: Dossier) -> list[DossierEvent]:
    return list(session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                                .order_by(DossierEvent.id)))


def forms_for(events: list[DossierEvent]) -> list[tuple[str, str]]:
    """The forms that exist for a dossier, from what its timeline says happened: (key, Vietnamese title)."""
    done = {e.action for e in events}
    return [(key, forms.FORM_TITLES[key]) for key, sources in _FORM_SOURCES.items()
            if any(a.value in done for a in sources)]


def _issuer(session: Session, dossier: Dossier) -> forms.Issuer:
    commune = session.get_one(Commune, dossier.receiving_commune_code)
    province = session.get_one(Province, commune.province_code)
    return forms.Issuer(superior=f"UBND {commune.kind.upper()} {commune.name.upper()}",
                        body="TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", place=commune.name, province=province.name)


def _papers(session: Session, dossier: Dossier, version: ProcedureVersion) -> list[dict[str, object]]:
    """The papers received, as the intake recorded them on the first line of the timeline; a dossier received
    before they were recorded: the mandatory papers and those with a scan (a complete dossier had them all)."""
    first = session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                           .order_by(DossierEvent.id).limit(1))
    if first is not None and first.data and "papers" in first.data:
        return list(first.data["papers"])
    scanned = set(session.scalars(select(DossierDocument.requirement_key).where(
        DossierDocument.dossier_id == dossier.id, DossierDocument.kind == "input")))
    return [d for d in version.data.get("documents", []) if d.get("mandatory", True) or d["key"] in scanned]


def _fee_lines(session: Session, dossier: Dossier, version: ProcedureVersion) -> tuple[forms.FeeLine, ...]:
    """The fees the dossier owes as the intake chose them (free ones included), or, for a dossier received before
    they were recorded, the lines it owes."""
    first = session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier.id)
                           .order_by(DossierEvent.id).limit(1))
    if first is not None and first.data and "fees" in first.data:
        return tuple(forms.FeeLine(str(f["name"]), int(f["amount_vnd"])) for f in first.data["fees"])
    costing = [f for f in version.data.get("fees", []) if int(f.get("amount_vnd") or 0) > 0]
    owed = dossier.fee_lines_owed
    return tuple(forms.FeeLine(str(f["name"]), int(f["amount_vnd"])) for i, f in enumerate(costing)
                 if owed is None or i in owed)


def form_dossier(session: Session, dossier: Dossier, base_url: str) -> forms.FormDossier:
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    officer = session.get(Officer, dossier.received_by_id) if dossier.received_by_id else None
    docs = tuple(forms.DocumentLine(name=str(d["name"]),
                                    form=DOCUMENT_FORMS.get(str(d.get("form", "")), str(d.get("form", ""))),
                                    count=int(str(d.get("count", 1))))
                 for d in _papers(session, dossier, version))
    grounds = {str(e["key"]): str(e["ground"]) for e in version.data.get("fee_exemptions", [])}
    return forms.FormDossier(
        code=dossier.code, procedure_code=dossier.procedure_code, procedure_name=dossier.procedure_name,
        field=str(version.data.get("field", "")), applicant_name=dossier.applicant_name,
        applicant_id_number=dossier.id_number, applicant_phone=dossier.phone, applicant_email=dossier.email,
        applicant_address=dossier.address, channel_label=CHANNEL_LABELS.get(dossier.channel, ""),
        received_at=as_utc(dossier.received_at), due_at=_aware(dossier.due_at), documents=docs,
        receiving_officer=officer.full_name if officer else "",
        fees=_fee_lines(session, dossier, version), owed_fee_vnd=dossier.owed_fee_vnd,
        fee_exemption=grounds.get(dossier.fee_exemption or "", dossier.fee_exemption),
        lookup_url=f"{base_url.rstrip('/')}/tra-cuu?ma={dossier.code}",
    )


def _last(events: list[DossierEvent], *actions: Action) -> DossierEvent | None:
    wanted = {a.value for a in actions}
    found = [e for e in events if e.action in wanted]
    return found[-1] if found else None


def _control_steps(session: Session, dossier: Dossier, events: list[DossierEvent]) -> tuple[forms.ControlStep, ...]:
    version = session.get_one(ProcedureVersion, dossier.procedure_version_id)
    steps = []
    for step in version.data.get("process", []):
        budget = TimeLimit(Decimal(str(step["budget_amount"])), step["budget_unit"])
        label = f"{budget.amount} {'ngày làm việc' if budget.unit == 'working_days' else 'giờ làm việc'}"
        body = DEPARTMENT_NAMES.get(DepartmentKind(step["department"]), step["department"])
        steps.append(forms.ControlStep(body=f"{body} — {step['name']}", budget=label, handed_over_at=None, giver=None,
                                       receiver=None, result=None))
    # Fill the hand-overs that happened, in order, from the timeline.
    handovers = [e for e in events if e.action in (Action.RECEIVE.value, Action.TRANSFER.value,
                                                   Action.SUBMIT_FOR_APPROVAL.value, Action.APPROVE.value)]
    filled = []
    for i, step in enumerate(steps):
        if i < len(handovers):
            e = handovers[i]
            step = forms.ControlStep(body=step.body, budget=step.budget, handed_over_at=as_utc(e.at),
                                     giver=e.actor_name, receiver=None, result=STATUS_LABELS[Status(e.to_status)])
        filled.append(step)
    return tuple(filled)


def form_pdf(session: Session, dossier: Dossier, key: str, *, base_url: str, now: datetime) -> bytes:
    """One official form of this dossier as PDF; 404 for a form the dossier does not have."""
    events = _events(session, dossier)
    if key not in dict(forms_for(events)):
        raise NotFound("Hồ sơ này không có biểu mẫu được yêu cầu.")
    issuer, fd = _issuer(session, dossier), form_dossier(session, dossier, base_url)
    if key == "receipt":
        return forms.receipt_pdf(issuer, fd, now=now)
    if key == "supplement_request":
        e = _last(events, *_FORM_SOURCES["supplement_request"])
        missing = tuple((e.data or {}).get("missing", [])) if e else ()
        return forms.supplement_request_pdf(issuer, fd, reasons=e.note if e else "", missing=missing, now=now)
    if key in ("refusal_intake", "refusal_processing"):
        e = _last(events, Action.REFUSE_INTAKE, Action.CONFIRM_REFUSAL, Action.PROPOSE_REFUSAL)
        stage: Literal["intake", "processing"] = "intake" if key == "refusal_intake" else "processing"
        reason_event = _last(events, Action.PROPOSE_REFUSAL) if stage == "processing" else e
        return forms.refusal_pdf(issuer, fd, stage=stage, reasons=reason_event.note if reason_event else "", now=now)
    if key == "apology_extension":
        e = _last(events, Action.EXTEND)
        old_due = _aware(dossier.original_due_at) or fd.received_at
        new_due = _aware(dossier.due_at) or old_due
        return forms.apology_extension_pdf(issuer, fd, reason=e.note if e else "", old_due=old_due, new_due=new_due,
                                           signer=e.actor_name if e else "", now=now)
    if key == "stop_notice":
        e = _last(events, Action.STOP, Action.CLOSE_UNSUPPLIED)
        return forms.stop_notice_pdf(issuer, fd, reason=e.note if e else "", now=now)
    return forms.control_slip_pdf(issuer, fd, steps=_control_steps(session, dossier, events), now=now)


def specialists(session: Session, dossier: Dossier) -> list[Officer]:
    """Who the head of the body may assign (Art. 19(1)): active specialists of the deciding commune."""
    return list(session.scalars(
        select(Officer).join(OfficerRole).where(Officer.commune_code == dossier.deciding_commune_code,
                                                Officer.active.is_(True), OfficerRole.role == Role.SPECIALIST.value)
        .order_by(Officer.full_name)
    ))


def register(session: Session, principal: Principal, rows: list[Dossier], first: date, last: date,
             now: datetime) -> bytes:
    """Sổ theo dõi hồ sơ of the principal's commune (or province) for a period, as Excel."""
    names = {c.code: c.name for c in session.scalars(select(Commune).where(
        Commune.code.in_({d.deciding_commune_code for d in rows})))}
    out: list[RegisterRow] = []
    for d in rows:
        place = DEPARTMENT_NAMES[DepartmentKind(d.current_department)] if d.current_department else None
        if place and d.deciding_commune_code != d.receiving_commune_code:
            place += f" — {names.get(d.deciding_commune_code, d.deciding_commune_code)}"
        out.append(RegisterRow(
            code=d.code, procedure_name=d.procedure_name, applicant_name=d.applicant_name,
            applicant_address=d.address, applicant_phone=d.phone, channel_label=CHANNEL_LABELS.get(d.channel, ""),
            received_at=as_utc(d.received_at), due_at=_aware(d.due_at), transferred_to=place,
            result_at=_aware(d.processed_at), returned_at=_aware(d.returned_at),
            status=STATUS_LABELS[Status(d.status)], late=True if d.supplement_count > 1 else None,
        ))
    scope = principal.commune_code or principal.province_code
    commune = session.get(Commune, scope) if principal.commune_code else None
    return register_xlsx(out, commune=commune.name if commune else f"Tỉnh {principal.province_code}",
                         period_from=first, period_to=last)

