"""Dossier codes (mã hồ sơ), Decree 118/2025 Art. 28: ``AGENCYID-YYMMDD-NNNN``.

(a) the electronic identifier of the deciding body (Decision 20/2020/QĐ-TTg, amended by 09/2025/QĐ-TTg),
(b) the receipt date and the day's sequence number. The sequence comes from one counter row per (agency, day),
incremented by an atomic upsert inside the receiving transaction: concurrent counters queue on that row, and a
rolled-back intake gives its number back, so numbers are unique and gap-free per body and day.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from motcua.dossier.models import DossierCodeCounter
from motcua.org.models import Commune

CODE_PATTERN = re.compile(r"^[0-9A-Z.]{3,30}-\d{6}-\d{4,6}$")
PROVISIONAL_PREFIX = "TAM."


def agency_id_of(commune: Commune) -> str:
    """The commune's electronic identifier, or a provisional one until the administrator enters it.

    No public list of the 2025 communes' identifiers exists in machine-readable form; ``TAM.<commune code>``
    ("tạm", provisional) keeps codes unique and readable until the real identifier is set on the commune page.
    """
    return commune.agency_id or f"{PROVISIONAL_PREFIX}{commune.code}"


def next_sequence(session: Session, agency_id: str, day: date) -> int:
    """The next number of the day for the body: one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(DossierCodeCounter).values(agency_id=agency_id, day=day, last_seq=1).on_conflict_do_update(
        index_elements=[DossierCodeCounter.agency_id, DossierCodeCounter.day],
        set_={"last_seq": DossierCodeCounter.last_seq + 1},
    )
    return int(session.execute(upsert.returning(DossierCodeCounter.last_seq)).scalar_one())


def format_code(agency_id: str, day: date, seq: int) -> str:
    return f"{agency_id}-{day:%y%m%d}-{seq:04d}"


def issue_code(session: Session, commune: Commune, day: date) -> str:
    agency = agency_id_of(commune)
    return format_code(agency, day, next_sequence(session, agency, day))


def is_valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code))
