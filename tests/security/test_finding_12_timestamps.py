"""Issue 13, finding 12: API timestamps are aware UTC instants with the offset written, on both backends.

House rule 5 (store UTC, show Asia/Ho_Chi_Minh) and ISO 8601 / RFC 3339 §5.6: an instant without an offset is a
local time of nowhere. SQLite has no timestamp type; what SQLAlchemy's plain ``DateTime`` read back from it was
naive, and the public lookup answered ``due_at "2026-12-10T10:00:00"`` where PostgreSQL answered with an offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from motcua.app import create_app
from motcua.base.roles import Role
from motcua.calendar.models import CalendarAnnouncement
from motcua.config import Settings
from motcua.db import NaiveDatetimeError, make_session_factory
from motcua.kit.clock import FixedClock
from tests.conftest import WITHOUT_PG, create_database
from tests.conftest import TestDatabase as Database
from tests.factories import CHI_TIEN, HKD, T0, TEST_SECRET_KEY, VALID_ID, login, make_api_token, make_officer

#: Keys that name rows rather than describe them: sequences may differ between two databases.
_IDENTIFIERS = {"id", "code", "dossier_code", "prefix"}


def _answers(database: Database, tmp_path: Path) -> dict[str, Any]:
    """The same API calls, with the same fixed clock and the same data, against one backend."""
    factory = make_session_factory(database.engine)
    clock = FixedClock(T0)
    settings = Settings(database_url=database.url, secret_key=TEST_SECRET_KEY, cookie_secure=True,
                        files_dir=tmp_path / f"files-{database.kind}", public_base_url="https://motcua.example.vn")
    app = create_app(settings, session_factory=factory, clock=clock)
    with factory() as session:
        reception = {"Authorization": "Bearer " + make_api_token(session, roles=(Role.RECEPTION,))}
        make_officer(session, username="tiepnhan12", roles=(Role.RECEPTION,))
    answers: dict[str, Any] = {}
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=True) as client:
        body = {"procedure_code": HKD, "applicant_name": "Đặng Văn Đức", "id_number": VALID_ID,
                "phone": "0912345678", "address": "Khu 3, xã Chí Tiên", "documents_present": ["giay_de_nghi"]}
        created = client.post("/api/v1/dossiers", json=body, headers=reception)
        assert created.status_code == 201, created.text
        answers["create"] = created.json()
        clock.advance(timedelta(hours=2, minutes=17, seconds=3, microseconds=250))
        moved = client.post(f"/api/v1/dossiers/{created.json()['id']}/actions/transfer", json={"version": 1},
                            headers=reception)
        assert moved.status_code == 200, moved.text
        answers["action"] = moved.json()
        answers["read"] = client.get(f"/api/v1/dossiers/{created.json()['id']}", headers=reception).json()
        answers["inbox"] = client.get("/api/v1/dossiers", headers=reception).json()
        answers["lookup"] = client.get("/api/v1/lookup",
                                       params={"code": created.json()["code"], "secret": "5678"}).json()
        feedback = {"commune_code": CHI_TIEN, "kind": "report", "subject": "Thái độ cán bộ tiếp nhận",
                    "content": "Cán bộ tiếp nhận không hướng dẫn đầy đủ giấy tờ cần nộp.",
                    "sender_name": "Hà Thị Mai", "phone": "0987654321", "email": None, "dossier_code": None}
        receipt = client.post("/api/v1/feedback", json=feedback)
        assert receipt.status_code == 201, receipt.text
        answers["feedback_receipt"] = receipt.json()
        assert login(client, "tiepnhan12").status_code == 303
        cases = client.get("/api/v1/feedback")
        assert cases.status_code == 200, cases.text
        answers["feedback_list"] = cases.json()
        answers["feedback_case"] = client.get(f"/api/v1/feedback/{cases.json()['items'][0]['id']}").json()
    return answers


def _without_identifiers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("<id>" if k in _IDENTIFIERS or k.endswith("_id") else _without_identifiers(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_without_identifiers(v) for v in value]
    return value


def _timestamps(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _timestamps(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _timestamps(v, f"{path}[{i}]")
    elif isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        yield path, value


@pytest.mark.skipif(WITHOUT_PG, reason="compares SQLite with PostgreSQL")
def test_finding_12_the_same_api_calls_answer_the_same_timestamps_on_sqlite_and_postgresql(tmp_path: Path) -> None:
    """The two-backend API comparison: the public lookup, a dossier created, acted on, read and listed, a
    feedback case received, listed and read — run with the same clock and data on SQLite and on PostgreSQL —
    give the same JSON field by field (row ids and codes aside), and every timestamp in them is an aware UTC
    instant written with ``Z`` (the format the OpenAPI description documents)."""
    answers = {}
    for kind in ("sqlite", "postgresql"):
        database = create_database(kind, tmp_path)
        try:
            answers[kind] = _answers(database, tmp_path)
        finally:
            database.drop()
    sqlite, postgresql = (_without_identifiers(answers[k]) for k in ("sqlite", "postgresql"))
    for call in sqlite:
        assert sqlite[call] == postgresql[call], f"{call}: SQLite and PostgreSQL answer differently"
    stamps = dict(_timestamps(answers["sqlite"]))
    assert {".lookup.received_at", ".lookup.due_at", ".read.events[1].at", ".feedback_case.answer_due"} <= set(stamps)
    for path, stamp in stamps.items():
        assert stamp.endswith("Z"), f"{path} = {stamp!r} has no UTC offset"
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0)
    # The instant itself is right: received at the fixed clock, 10:00 in Hà Nội.
    assert datetime.fromisoformat(stamps[".lookup.received_at"]) == T0


def test_finding_12_stored_instants_come_back_aware_utc_and_naive_ones_are_refused(session: Session) -> None:
    """The one column type of every stored instant (``db.UtcDateTime``): an instant given in UTC+7 is stored and
    read back as the same instant in UTC on either backend, and a naive datetime is refused on write, so a value
    that means "some local time" can never be stored as if it were UTC."""
    hanoi = timezone(timedelta(hours=7))
    announcement = CalendarAnnouncement(day=datetime(2026, 12, 31).date(), scope="25", kind="day_off",
                                        document="01/TB-KT", recorded_at=datetime(2026, 12, 10, 17, 0, tzinfo=hanoi))
    session.add(announcement)
    session.flush()
    session.expire_all()
    stored = session.scalars(select(CalendarAnnouncement.recorded_at)
                             .where(CalendarAnnouncement.id == announcement.id)).one()
    assert stored == datetime(2026, 12, 10, 10, 0, tzinfo=UTC) and stored.tzinfo is UTC
    session.rollback()
    session.add(CalendarAnnouncement(day=datetime(2026, 12, 30).date(), scope="25", kind="day_off",
                                     document="02/TB-KT", recorded_at=datetime(2026, 12, 10, 17, 0)))
    with pytest.raises(StatementError) as refused:
        session.flush()
    assert isinstance(refused.value.orig, NaiveDatetimeError)
    session.rollback()
