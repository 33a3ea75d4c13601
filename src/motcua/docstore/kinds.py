"""What kind of paper a document of the citizen's store is, which checklist items of later procedures it stands for,
and how long it is valid (``data/document_kinds.json``) — pure.

The catalogue names a procedure's result (``result_template``) and its checklist (``documents``: a key per
procedure), but not that the birth certificate issued by 1.001193 is what 2.001263's "hồ sơ của trẻ" asks for: that
is this table. A result whose procedure is in no kind is kept in the store under its procedure's result name with no
expiry known, and offered for no checklist item. Validity is counted from the day of issue (Vietnam time): a kind
with ``valid_months`` (the marital-status certificate: 6 months, Decree 123/2015 Art. 23) expires, the others have
none in law; a revoked result (cancelled or corrected, Decree 118 Art. 23) is not valid whatever its kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class DocumentKind:
    key: str
    name: str
    results_of: frozenset[str]
    stands_for: frozenset[tuple[str, str]]
    valid_months: int | None
    basis: str


@cache
def document_kinds() -> tuple[DocumentKind, ...]:
    raw = json.loads(resources.files("motcua.docstore").joinpath("data/document_kinds.json").read_text("utf-8"))
    return tuple(DocumentKind(k["key"], k["name"], frozenset(k["results_of"]),
                              frozenset((str(code), str(item)) for code, item in k["stands_for"]),
                              k.get("valid_months"), k["basis"]) for k in raw["kinds"])


def kind_of_result(procedure_code: str) -> DocumentKind | None:
    """The kind of paper a procedure's result is (None: not in the table)."""
    return next((k for k in document_kinds() if procedure_code in k.results_of), None)


def kinds_for_item(procedure_code: str, item_key: str) -> tuple[DocumentKind, ...]:
    """The kinds that stand for one checklist item of a procedure."""
    return tuple(k for k in document_kinds() if (procedure_code, item_key) in k.stands_for)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def valid_until(kind: DocumentKind | None, issued_on: date) -> date | None:
    """The last day a document of ``kind`` issued on ``issued_on`` is valid (None: no expiry). A period in months
    starts the day after the issue (Civil Code 2015 Art. 147(1)) and ends with the corresponding day of its last month
    (Art. 148(1)): six months from 10 March runs to the end of 10 September; from 31 August, to 28 (29) February."""
    if kind is None or kind.valid_months is None:
        return None
    return add_months(issued_on, kind.valid_months)
