"""One commune's index: its report for a period, the dossiers that cost it points on indicator 2.1 and why, and
its open workload. Behind the commune's gate: province users see any commune of their province, commune users their
own only (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES
from motcua.calendar.queries import working_hours_for
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import OPEN_STATES
from motcua.index.definitions import metric_set_for
from motcua.index.models import IndexContribution
from motcua.index.periods import Period, add_months
from motcua.index.rollups import catalogue_counters, for_commune, rollup_counters, scorecard
from motcua.index.score import DossierCounters, Scorecard
from motcua.kit.errors import NotFound
from motcua.org.models import Commune, Officer
from motcua.report.queries.trends import TrendPoint, monthly_trend

REASON_LABELS: dict[str, str] = {
    "finished_on_time": "Hoàn thành đúng hạn",
    "finished_late": "Hoàn thành quá hạn",
    "open_within_time": "Đang giải quyết, còn trong hạn",
    "open_late": "Đang giải quyết, đã quá hạn",
    "waiting_supplement": "Chờ bổ sung: tính tại thời điểm yêu cầu bổ sung, đã quá hạn",
    "supplemented_more_than_once": "Yêu cầu bổ sung quá một lần: tính là trễ hạn",
}


def _commune_for(session: Session, principal: Principal, commune_code: str) -> Commune:
    commune = session.get(Commune, commune_code)
    if commune is None or not principal.may_see(commune.province_code, commune.code):
        raise NotFound("Không tìm thấy xã, phường.")
    return commune


@dataclass(frozen=True)
class CommuneReport:
    commune: Commune
    period: Period
    card: Scorecard
    counters: DossierCounters
    by_procedure: list[tuple[str, str, DossierCounters]]  # code, name, counters
    by_department: list[tuple[str, DossierCounters]]
    trend: list[TrendPoint]

    @property
    def late_for_index(self) -> int:
        """Dossiers counted by 2.1 and late by the national portal's rule (docs/legal.md §7): version 2's late ones,
        shown beside the legal clock's for every period."""
        return self.counters.counted - self.counters.on_time_index


def commune_report(session: Session, principal: Principal, commune_code: str, period: Period,
                   trend_months: int = 12) -> CommuneReport:
    commune = _commune_for(session, principal, commune_code)
    last = add_months(period.end, -1)
    metric_set, catalogue = metric_set_for(last), catalogue_counters(session, last)
    mine = [for_commune(commune.code)]
    total = rollup_counters(session, commune.province_code, period, by="commune_code", where=mine)
    counters = total.get(commune.code, DossierCounters.zero())
    procedures = rollup_counters(session, commune.province_code, period, by="procedure_code", where=mine)
    names = {code: name for code, name in session.execute(
        select(Procedure.code, Procedure.name).where(Procedure.code.in_(list(procedures))))}
    departments = rollup_counters(session, commune.province_code, period, by="department", where=mine)
    trend_period = Period("custom", add_months(period.end, -trend_months), period.end, "")
    monthly = rollup_counters(session, commune.province_code, trend_period, by="month", where=mine)
    trend = monthly_trend(metric_set, catalogue, monthly, trend_period)
    return CommuneReport(
        commune, period, scorecard(metric_set, counters, catalogue), counters,
        sorted(((code, names.get(code, code), c) for code, c in procedures.items()),
               key=lambda x: (-(x[2].counted - x[2].on_time), -x[2].counted)),
        sorted(departments.items(), key=lambda x: -x[1].counted), trend,
    )


@dataclass(frozen=True)
class CostlyDossier:
    """A dossier that cost the commune points on indicator 2.1 in a month, and why."""

    dossier_id: int
    code: str
    procedure_name: str
    month: date
    received_at: datetime
    due_at: datetime | None
    judged_at: datetime | None
    late_hours: Decimal
    late_step: str | None
    late_body: str | None
    reason: str
    explanation: str
    status: str


def costly_dossiers(session: Session, principal: Principal, commune_code: str, period: Period,
                    limit: int = 200, offset: int = 0) -> tuple[list[CostlyDossier], int]:
    """The dossiers counted late by 2.1 in the period (most late first), and how many there are."""
    commune = _commune_for(session, principal, commune_code)
    c = IndexContribution
    last = period.last_month
    # Over several months a dossier counts once: in the month its processing ended, or the last one if still open.
    where = [c.commune_code == commune.code, c.month >= period.start, c.month < period.end,
             c.counted.is_(True), c.on_time.is_(False), or_(c.month == last, c.open_at_end.is_(False))]
    total = int(session.scalar(select(func.count()).select_from(c).where(*where)) or 0)
    rows = session.execute(
        # no applicant's name or contact: the drill-down is about the handling (docs/need-to-know.md)
        select(c, Dossier.code, Dossier.procedure_name, Dossier.received_at, Dossier.status)
        .join(Dossier, Dossier.id == c.dossier_id).where(*where)
        .order_by(c.late_hours.desc(), c.month, c.dossier_id).limit(limit).offset(offset)
    ).all()
    out = [CostlyDossier(r.IndexContribution.dossier_id, r.code, r.procedure_name, r.IndexContribution.month,
                         r.received_at, r.IndexContribution.due_at,
                         r.IndexContribution.judged_at, r.IndexContribution.late_hours, r.IndexContribution.late_step,
                         r.IndexContribution.late_body, r.IndexContribution.reason, r.IndexContribution.explanation,
                         r.status) for r in rows]
    return out, total


@dataclass(frozen=True)
class OfficerWorkload:
    """Open dossiers at one handler (None: not assigned yet — at the counter or waiting for the division head)."""

    officer_id: int | None
    officer_name: str | None
    open: int
    overdue: int


def open_workload_by_officer(session: Session, principal: Principal, commune_code: str,
                             now: datetime) -> list[OfficerWorkload]:
    """Open dossiers the commune decides, grouped by handler, with how many are past their appointment now."""
    commune = _commune_for(session, principal, commune_code)
    overdue = func.sum(case((Dossier.due_at < now, 1), else_=0))
    rows = session.execute(
        select(Dossier.handler_id, Officer.full_name, func.count().label("open"), overdue.label("overdue"))
        .outerjoin(Officer, Officer.id == Dossier.handler_id)
        .where(Dossier.deciding_commune_code == commune.code,
               Dossier.status.in_([s.value for s in OPEN_STATES]))
        .group_by(Dossier.handler_id, Officer.full_name)
    ).all()
    out = [OfficerWorkload(r.handler_id, r.full_name, int(r.open), int(r.overdue or 0)) for r in rows]
    return sorted(out, key=lambda w: (w.officer_id is None, -w.overdue, -w.open, w.officer_name or ""))


def late_text(hours: Decimal, day_hours: Decimal = Decimal(8)) -> str:
    """Working hours late as "2 ngày 3 giờ làm việc" (days of the province's working day, 8 hours by default)."""
    if hours <= 0:
        return "Không tính theo giờ (quá hạn theo quy tắc)"
    days = int(hours // day_hours)
    rest = (hours - days * day_hours).quantize(Decimal("0.01"))
    parts = [f"{days} ngày"] if days else []
    if rest:
        parts.append(f"{format(rest.normalize(), 'f').replace('.', ',')} giờ")
    return f"{' '.join(parts)} làm việc"


@dataclass(frozen=True)
class LateDossier:
    """A costly dossier with what its reader needs in words: the step that overran and its body, the reason."""

    dossier: CostlyDossier
    step_name: str | None
    body_name: str | None
    reason_label: str
    late_text: str


def late_dossiers(session: Session, principal: Principal, commune_code: str, period: Period, limit: int = 50,
                  offset: int = 0) -> tuple[list[LateDossier], int]:
    """``costly_dossiers`` (same gate) with the overrun step's name from the dossier's procedure version, its body,
    the reason in words and the lateness in working days of the province."""
    costly, total = costly_dossiers(session, principal, commune_code, period, limit, offset)
    bodies = {kind.value: name for kind, name in DEPARTMENT_NAMES.items()}
    ids = [c.dossier_id for c in costly if c.late_step]
    steps: dict[int, dict[str, str]] = {}
    if ids:
        versions: dict[int, int] = {r.id: r.procedure_version_id for r in session.execute(
            select(Dossier.id, Dossier.procedure_version_id).where(Dossier.id.in_(ids)))}
        data: dict[int, dict[str, Any]] = {r.id: r.data for r in session.execute(
            select(ProcedureVersion.id, ProcedureVersion.data).where(ProcedureVersion.id.in_(set(versions.values()))))}
        for dossier_id, version_id in versions.items():
            steps[dossier_id] = {s.get("key", ""): s.get("name", "") for s in data[version_id].get("process", [])}
    province_code = session.scalar(select(Commune.province_code).where(Commune.code == commune_code)) or ""
    day_hours = Decimal(working_hours_for(session, province_code).day_us) / 3_600_000_000
    return [LateDossier(c, steps.get(c.dossier_id, {}).get(c.late_step or "", c.late_step),
                        bodies.get(c.late_body or "", c.late_body), REASON_LABELS.get(c.reason, c.reason),
                        late_text(c.late_hours, day_hours))
            for c in costly], total
