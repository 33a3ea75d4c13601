"""Dossier codes (mã hồ sơ), Decree 118/2025 Art. 28: ``AGENCYID-YYMMDD-NNNN``.

(a) the electronic identifier of the deciding body (Decision 20/2020/QĐ-TTg, amended by 09/2025/QĐ-TTg),
(b) the receipt date and the day's sequence number. The sequence comes from one counter row per (agency, day),
incremented by an atomic upsert inside the receiving transaction: concurrent counters queue on that row, and a
rolled-back intake gives its number back, so numbers are unique and gap-free per body and day.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from motcua.db import dialect_insert
from motcua.dossier.models import Dossier, DossierCodeCounter
from motcua.org.models import Commune

CODE_PATTERN = re.compile(r"^[0-9A-Z.]{3,30}-\d{6}-\d{4,6}$")
PROVISIONAL_PREFIX = "TAM."
PLACEHOLDER_PREFIX = "~"
"""A dossier is inserted under ``~<uuid>`` and gets its Art. 28 code in the same transaction, just before the commit;
no committed dossier ever carries a placeholder."""


def agency_id_of(commune: Commune) -> str:
    """The commune's electronic identifier, or a provisional one until the administrator enters it.

    No public list of the 2025 communes' identifiers exists in machine-readable form; ``TAM.<commune code>``
    ("tạm", provisional) keeps codes unique and readable until the real identifier is set on the commune page.
    """
    return commune.agency_id or f"{PROVISIONAL_PREFIX}{commune.code}"


def next_sequence(session: Session, agency_id: str, day: date) -> int:
    """The next number of the day for the body: one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``."""
    upsert = dialect_insert(session, DossierCodeCounter).values(agency_id=agency_id, day=day, last_seq=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[DossierCodeCounter.agency_id, DossierCodeCounter.day],
        set_={"last_seq": DossierCodeCounter.last_seq + 1},
    )
    return int(session.execute(upsert.returning(DossierCodeCounter.last_seq)).scalar_one())


def format_code(agency_id: str, day: date, seq: int) -> str:
    return f"{agency_id}-{day:%y%m%d}-{seq:04d}"


def assign_code(session: Session, dossier: Dossier, commune: Commune, day: date) -> str:
    """Issue the next code of the body's day and write it on an inserted dossier, as late in the transaction as
    possible: from here to the commit the counter row is locked for every other intake of the body and day.

    On PostgreSQL it is one round trip (the counter's upsert in a CTE feeding the dossier's UPDATE); SQLite, whose
    writers are serialised by BEGIN IMMEDIATE anyway, runs the two statements.
    """
    agency = agency_id_of(commune)
    if session.get_bind().dialect.name == "postgresql":
        prefix = f"{agency}-{day:%y%m%d}-"
        code = str(session.execute(_PG_ASSIGN, {"agency": agency, "day": day, "prefix": prefix,
                                                "id": dossier.id}).scalar_one())
    else:
        code = format_code(agency, day, next_sequence(session, agency, day))
        session.execute(update(Dossier).where(Dossier.id == dossier.id).values(code=code)
                        .execution_options(synchronize_session=False))
    set_committed_value(dossier, "code", code)
    return code


_PG_ASSIGN = text(
    "WITH c AS (INSERT INTO dossier_code_counter (agency_id, day, last_seq) VALUES (:agency, :day, 1)"
    " ON CONFLICT (agency_id, day) DO UPDATE SET last_seq = dossier_code_counter.last_seq + 1 RETURNING last_seq)"
    " UPDATE dossier SET code = :prefix || lpad(c.last_seq::text, greatest(4, length(c.last_seq::text)), '0')"
    " FROM c WHERE dossier.id = :id RETURNING dossier.code"
)


def is_valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code))
