"""What citizens and officers do around the demo dossiers, so that a demo province's scorecards show all six groups
of the index (docs/legal.md §7) with plausible values: stored files (intake scans, electronic results: 4.1, 4.2,
4.6), ratings of the handling (5.4) and the feedback cases dissatisfied ratings open (5.2, 5.3).

Shares (reproducible from the seed): an intake scan for 4 dossiers in 5 received at the counter and for every online
one; a result for 7 in 10 processed, 6 in 7 of them recorded as signed digitally and the rest as signed by hand
(4.1 counts the first; the file is the placeholder, not a signed PDF: the demo's really signed results are Chí
Tiên's, ``demo.results``); a rating for 3 in 10 returned, 1 in 15 of them dissatisfied, each
of which opens a feedback case — answered and published in time 8 times in 10, answered late otherwise, still open
when it is recent. The ratings and cases go to the index through ``feedback.actions`` (``index_case``) and
``index.actions`` as live ones do. Every file row points at one stored placeholder PDF. Runs in the caller's
transaction, before the index is rebuilt; idempotent.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pypdf import PdfWriter
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from motcua.calendar import due_instant, to_vietnam_time
from motcua.calendar.queries import calendar_for_province, working_hours_for
from motcua.demo.dossiers import DEMO_SCOPE
from motcua.dossier.files import FileStore, inspect_upload
from motcua.dossier.models import Dossier, DossierDocument
from motcua.feedback.actions import index_case
from motcua.feedback.criteria import CRITERIA, is_satisfied
from motcua.feedback.models import DossierRating, FeedbackCase
from motcua.feedback.workflow import ANSWER_LIMIT, INFO_LIMIT, PUBLISH_LIMIT, REFUSE_LIMIT, CaseStatus
from motcua.index.actions import record_rating
from motcua.kit.clock import as_utc

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_NOT_STARTED = ("submitted", "intake_incomplete", "intake_refused")


@dataclass(frozen=True)
class DemoActivity:
    documents: int
    ratings: int
    cases: int
    skipped: bool = False


def _placeholder_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def load_demo_activity(session: Session, *, province_code: str, now: datetime, store: FileStore,
                       seed: int = 2025, ids: tuple[int, int | None] | None = None) -> DemoActivity:
    """Files, ratings and feedback cases for the province's demo dossiers (see the module docstring); ``ids``
    (from, up to but not including; ``None``: no end) limits it to a range of them, each range idempotent on its
    own."""
    d = Dossier
    mine = [d.province_code == province_code, d.idempotency_scope == DEMO_SCOPE]
    if ids is not None:
        mine += [d.id >= ids[0]] if ids[1] is None else [d.id >= ids[0], d.id < ids[1]]
    demo = select(d.id).where(*mine)
    if session.scalar(select(DossierDocument.id).where(DossierDocument.dossier_id.in_(demo)).limit(1)) is not None:
        return DemoActivity(0, 0, 0, skipped=True)
    data = _placeholder_pdf()
    key = store.put(inspect_upload("ho-so-mau.pdf", data), data)
    stream = f"{seed}:activity" if ids is None else f"{seed}:activity:{ids[0]}"
    rng = random.Random(stream)  # noqa: S311 — reproducible demo data, not a secret
    rows = session.execute(select(d.id, d.code, d.status, d.channel, d.province_code, d.deciding_commune_code,
                                  d.applicant_name, d.phone, d.email, d.received_at, d.processed_at, d.returned_at)
                           .where(*mine).order_by(d.id)).all()
    documents: list[dict[str, Any]] = []
    rated: list[tuple[Any, datetime, bool]] = []
    for r in rows:
        common = {"dossier_id": r.id, "file_key": key, "file_name": "ho-so-mau.pdf",
                  "content_type": "application/pdf", "size": len(data), "uploaded_by_id": None, "signature": None}
        if r.status not in _NOT_STARTED and (r.channel == 2 or rng.random() < 0.8):
            documents.append({**common, "requirement_key": None, "kind": "input", "name": "Bản quét hồ sơ",
                              "uploaded_at": r.received_at})
        if r.processed_at is not None and rng.random() < 0.7:
            documents.append({**common, "requirement_key": None, "kind": "result",
                              "signature": "digital" if rng.random() < 6 / 7 else "paper",
                              "name": "Kết quả giải quyết (bản điện tử)", "uploaded_at": r.processed_at})
        if r.returned_at is not None and rng.random() < 0.3:
            at = as_utc(r.returned_at) + timedelta(hours=1 + rng.random() * 47)
            if at < now:
                rated.append((r, at, rng.random() >= 1 / 15))
    if documents:
        session.execute(insert(DossierDocument), documents)
    calendar, hours = calendar_for_province(session, province_code), working_hours_for(session, province_code)
    codes: set[str] = set()
    cases = 0
    content: list[dict[str, Any]] = []  # the satisfied ratings, inserted together: nothing else refers to them
    for r, at, satisfied in rated:
        scores = {c.key: 2 if rng.random() < 0.7 else 1 for c in CRITERIA}
        if not satisfied:
            scores[CRITERIA[rng.randrange(len(CRITERIA))].key] = 0
        values = {"dossier_id": r.id, "dossier_code": r.code, "province_code": r.province_code,
                  "commune_code": r.deciding_commune_code, "scores": scores, "satisfied": is_satisfied(scores),
                  "comment": "", "channel": "qr", "actor_kind": "citizen", "rated_at": at}
        if values["satisfied"]:
            content.append(values)
            continue
        rating = DossierRating(**values)
        session.add(rating)
        session.flush()
        record_rating(session, dossier_id=r.id, satisfied=False, at=at)
        code = ""
        while not code or code in codes:
            code = f"PA-{to_vietnam_time(at):%y%m%d}-" + "".join(rng.choice(_ALPHABET) for _ in range(6))
        codes.add(code)
        answer_due = due_instant(at, ANSWER_LIMIT, calendar, hours)
        case = FeedbackCase(
            code=code, version=1, status=CaseStatus.RECEIVED.value, province_code=r.province_code,
            commune_code=r.deciding_commune_code, kind="report", source="rating",
            subject=f"Không hài lòng về việc giải quyết hồ sơ {r.code}"[:200],
            content="Người nộp hồ sơ đánh giá «Không hài lòng» về việc giải quyết hồ sơ.",
            sender_name=r.applicant_name[:120], sender_phone=r.phone, sender_email=r.email, dossier_code=r.code,
            dossier_id=r.id, rating_id=rating.id, received_at=at, refuse_due=due_instant(at, REFUSE_LIMIT, calendar,
                                                                                         hours),
            info_due=due_instant(at, INFO_LIMIT, calendar, hours), answer_due=answer_due, due_at=answer_due,
            created_at=at)
        late = rng.random() >= 0.8
        answered = answer_due + timedelta(days=2) if late else at + (answer_due - at) * (0.2 + 0.6 * rng.random())
        if answered < now:
            publish_due = due_instant(answered, PUBLISH_LIMIT, calendar, hours)
            published = answered + timedelta(hours=2)
            case.status = CaseStatus.PUBLISHED.value if published < now else CaseStatus.ANSWERED.value
            case.answered_at = case.handled_at = answered
            case.handled_on_time = not late
            case.answer = "Trung tâm đã làm việc với cán bộ và xin lỗi Ông/Bà; quy trình đã được chấn chỉnh."
            case.answered_by = "Trung tâm Phục vụ hành chính công"
            case.publish_due = publish_due
            case.due_at = None if published < now else publish_due
            case.published_at = published if published < now else None
        session.add(case)
        session.flush()
        index_case(session, case)
        cases += 1
    for start in range(0, len(content), 5_000):
        session.execute(insert(DossierRating), content[start:start + 5_000])
    return DemoActivity(len(documents), len(rated), cases)
