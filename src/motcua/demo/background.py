"""``make run``'s demo year in two steps: the recent months before the service opens, the earlier ones behind it.

Generating and indexing a whole year of a province (about 450,000 dossiers) takes minutes; a person trying motcua
should see a page within a minute. So ``motcua demo-data --background`` loads the last complete month and this one
(what the default ranking, the inboxes and the showcase commune show), indexes them and starts a separate process
that fills in the earlier months while the service runs. That process writes in short transactions — a batch of
dossiers, a range of their files and ratings, the index of a range — so the service waits for the database's write
lock one batch at a time, and it resumes where it stopped if it is interrupted. Its progress is kept in a status
file beside the database, which every page shows in a banner until it is done (``web.templating``).

The two parts follow one plan of the period (``load_demo_dossiers``): the same ``now``, the same codes gap-free per
body and day, and ids for the earlier months reserved below the recent ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from motcua.calendar import to_vietnam_time
from motcua.demo.activity import load_demo_activity
from motcua.demo.dossiers import DEMO_SCOPE, DemoDossierResult, load_demo_dossiers, recent_start
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.index.tasks import fold_dossiers
from motcua.kit.statusfile import read_status, write_status
from motcua.org.models import Commune

ACTIVITY_RANGE = 20_000  # dossier ids per transaction of files and ratings
FOLD_RANGE = 2_000  # dossiers per transaction of the index (as the worker's batches)
_WEIGHTS = {"dossiers": (0, 60), "files": (60, 25), "index": (85, 15)}  # phase -> (percent before, its share)


@dataclass(frozen=True)
class Plan:
    """What the background load needs from the recent one."""

    province_code: str
    now: str  # ISO instant: the earlier months are generated as of the same moment as the recent ones
    months: int
    first_id: int
    recent_first_id: int
    earlier: int  # dossiers planned for the earlier months (an upper bound)
    since: str  # first day of the period
    until: str  # first day of the recent months
    scale: float = 1.0  # as ``load_demo_dossiers``'

    @property
    def instant(self) -> datetime:
        return datetime.fromisoformat(self.now)


def load_recent(session: Session, *, province_code: str, now: datetime, months: int, store: FileStore,
                scale: float = 1.0) -> tuple[DemoDossierResult, Plan | None]:
    """The recent months' dossiers with their files and ratings, in the caller's transaction; the plan of the
    earlier ones (``None`` when the demo was already loaded, or the period has no earlier months)."""
    loaded = load_demo_dossiers(session, province_code=province_code, now=now, months=months, part="recent",
                                scale=scale)
    if loaded.skipped:
        return loaded, None
    load_demo_activity(session, province_code=province_code, now=now, store=store,
                       ids=(loaded.recent_first_id, None))
    if not loaded.earlier or loaded.first_day is None:
        return loaded, None
    until = recent_start(to_vietnam_time(now).date())
    return loaded, Plan(province_code, now.isoformat(), months, loaded.first_id, loaded.recent_first_id,
                        loaded.earlier, loaded.first_day.isoformat(), until.isoformat(), scale)


def start_status(path: Path, plan: Plan) -> None:
    write_status(path, {"state": "loading", "phase": "dossiers", "percent": 0, **asdict(plan)})


def pending_plan(path: Path) -> Plan | None:
    """The plan of a background load that has not finished (``None`` when there is none, or it is done)."""
    status = read_status(path)
    if status is None or status.get("state") == "done":
        return None
    try:
        return Plan(**{k: status[k] for k in Plan.__dataclass_fields__})
    except (KeyError, TypeError):
        return None


def load_earlier(factory: sessionmaker[Session], plan: Plan, *, store: FileStore, status: Path,
                 clock: Callable[[], datetime]) -> int:
    """Fill in the earlier months (dossiers, then their files and ratings, then their index), each step in short
    transactions, resuming after what a previous run committed; the status file follows. Returns the dossiers
    written by this run."""
    base: dict[str, Any] = {"state": "loading", **asdict(plan)}

    def report(phase: str, fraction: float) -> None:
        before, share = _WEIGHTS[phase]
        write_status(status, {**base, "phase": phase, "percent": int(before + share * min(fraction, 1.0))})

    lo, hi = plan.first_id, plan.recent_first_id
    mine = [Dossier.province_code == plan.province_code, Dossier.idempotency_scope == DEMO_SCOPE,
            Dossier.id >= lo, Dossier.id < hi]
    try:
        with factory() as session:
            after = session.scalar(select(func.max(Dossier.id)).where(*mine)) or 0
            communes: list[int] = []
            total = session.scalar(select(func.count()).select_from(Commune)
                                   .where(Commune.province_code == plan.province_code)) or 1

            def communes_done(n: int) -> None:
                communes.append(n)
                report("dossiers", sum(communes) / total)

            loaded = load_demo_dossiers(session, province_code=plan.province_code, now=plan.instant,
                                        months=plan.months, part="earlier", first_id=lo, after_id=after,
                                        scale=plan.scale, progress=communes_done)
            session.commit()
        for start in range(lo, hi, ACTIVITY_RANGE):
            with factory.begin() as session:
                load_demo_activity(session, province_code=plan.province_code, now=plan.instant, store=store,
                                   ids=(start, min(start + ACTIVITY_RANGE, hi)))
            report("files", (start - lo + ACTIVITY_RANGE) / max(hi - lo, 1))
        with factory() as session:
            ids = list(session.scalars(select(Dossier.id).where(*mine).order_by(Dossier.id)))
        for i in range(0, len(ids), FOLD_RANGE):
            with factory.begin() as session:
                fold_dossiers(session, ids[i:i + FOLD_RANGE], clock())
            report("index", (i + FOLD_RANGE) / max(len(ids), 1))
    except Exception as exc:
        write_status(status, {**base, "state": "failed", "error": f"{type(exc).__name__}: {exc}"[:500]})
        raise
    write_status(status, {**base, "state": "done", "percent": 100})
    return loaded.dossiers
