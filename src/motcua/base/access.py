"""Need to know, as data: per role, what of a citizen's personal data the access gates hand out.

The jurisdiction (``Principal.may_see``) says *where* a principal works; this table says *what* of the citizens'
data that work needs. A commune gate that checks only the commune gave every digital volunteer and every council
member the ID numbers, phones, scans and the whole register of their commune. Decree 13/2023/NĐ-CP Art. 3(4)
(personal data is processed only to the extent its purpose needs) and Art. 26 (the controller decides who may
process it), and OWASP ASVS 4.0 V8.3 / V4.1.3 (least privilege), ask for the narrower rule written here.

The gates in ``dossier.queries`` and ``feedback.queries`` read ``need_to_know(principal)``; a template never
decides: it receives the fields the query left in, masked or absent. ``docs/need-to-know.md`` is this table in
prose, and a test holds the two together (``markdown_table``).

An API token acts in its roles: it sees what those roles see (an integration without a role sees no one's data).
A citizen sees their own dossiers (``Reach.OWN``); reading one's own data is the data subject's right
(Decree 13 Art. 9(4)), not a disclosure, so the gates record it as nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any

from motcua.base.principal import Principal
from motcua.base.roles import ROLE_LABELS, Role


class Reach(IntEnum):
    """Which dossiers a principal may open at all (list, page, API read). Ordered: a wider reach wins."""

    NONE = 0
    OWN = 1  # the citizen account's own dossiers (filed by it, or followed with consent)
    FILED = 2  # the dossiers this officer filed for a citizen with the citizen's consent (FilingConsent.helper_id)
    JURISDICTION = 3  # every dossier received or decided in the principal's commune (a province user: province)


class Detail(IntEnum):
    """How a group of personal fields is shown on what the principal may open."""

    NONE = 0
    MASKED = 1  # shown as a mask that keeps only the first characters (never the last 4 digits: the lookup secret)
    FULL = 2


@dataclass(frozen=True)
class NeedToKnow:
    """What one role needs. Each field is a column of docs/need-to-know.md."""

    dossiers: Reach = Reach.NONE  # dossier list, page, API read: status, timeline, the applicant's name
    identity: Detail = Detail.NONE  # ID number / tax code, phone, email, address on those dossiers
    documents: bool = False  # the scans and the printed official forms (which carry the identity in full)
    register: bool = False  # the register export (Sổ theo dõi hồ sơ): names, addresses, phones of every row
    search_by_id: bool = False  # finding a dossier by ID number or phone
    feedback_cases: bool = False  # reading feedback cases (phản ánh, kiến nghị) of the jurisdiction
    feedback_contact: Detail = Detail.NONE  # the sender's phone and email on those cases

    def __or__(self, other: NeedToKnow) -> NeedToKnow:
        """Kiêm nhiệm: an officer holding several roles needs what each of them needs."""
        return NeedToKnow(**{f.name: max(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)})


_J, _F = Reach.JURISDICTION, Detail.FULL

#: The table. Reasons, role by role, in docs/need-to-know.md.
NEED_TO_KNOW: dict[Role, NeedToKnow] = {
    # The one-stop counter receives, returns and keeps the register (Decree 118/2025 Art. 17, 22, 28).
    Role.RECEPTION: NeedToKnow(dossiers=_J, identity=_F, documents=True, register=True, search_by_id=True,
                               feedback_cases=True, feedback_contact=_F),
    # Divisions appraise the dossier on its documents (Art. 19); the register is the counter's and the leaders'.
    Role.SPECIALIST: NeedToKnow(dossiers=_J, identity=_F, documents=True, search_by_id=True),
    Role.APPROVER: NeedToKnow(dossiers=_J, identity=_F, documents=True, register=True, search_by_id=True),
    # The centre's director runs the counter and answers the feedback (Art. 10(3)).
    Role.CENTRE_DIRECTOR: NeedToKnow(dossiers=_J, identity=_F, documents=True, register=True, search_by_id=True,
                                     feedback_cases=True, feedback_contact=_F),
    # A digital volunteer helps one citizen at a time, with that citizen's consent (docs/legal.md §9): what they filed.
    Role.VOLUNTEER: NeedToKnow(dossiers=Reach.FILED, identity=_F, documents=True),
    # The council supervises (Law on the Organisation of Local Government Art. 30): aggregates, no one's file.
    Role.COUNCIL: NeedToKnow(),
    # The province follows the index and drills down to a dossier's handling, not to the person (masked).
    Role.PROVINCE_MONITOR: NeedToKnow(dossiers=_J, identity=Detail.MASKED, feedback_cases=True,
                                      feedback_contact=Detail.MASKED),
    # A system administrator administers officers, tokens and the catalogue; no citizen's data is needed for that.
    Role.ADMIN: NeedToKnow(),
    # The citizen on their own dossiers.
    Role.APPLICANT: NeedToKnow(dossiers=Reach.OWN, identity=_F, documents=True),
}


def need_to_know(principal: Principal) -> NeedToKnow:
    """What this principal may see: the union over its roles (a citizen: its own dossiers only)."""
    if principal.kind == "citizen":
        return NEED_TO_KNOW[Role.APPLICANT]
    sight = NeedToKnow()
    for role in principal.roles:
        if role is not Role.APPLICANT:  # an officer or a token never acts as an applicant
            sight = sight | NEED_TO_KNOW[role]
    return sight


def filing_officer_id(principal: Principal) -> int | None:
    """The officer whose assisted filings ``Reach.FILED`` opens: an officer's own id, never a token's (a token's id
    numbers tokens, not officers)."""
    return principal.id if principal.kind == "officer" else None


# ------------------------------------------------------------------------------------------------ masking

MASK = "•"
KEEP = 3
#: At most this many dots: an ID number (12) or a phone (10) keeps its length, an address does not.
MASK_MAX = 12


def mask(value: str | None) -> str | None:
    """``025•••••••••`` for ``025090001234``: the first three characters (the province of registration, the carrier)
    and the length up to ``MASK_MAX`` (an address's long run of dots would not wrap on a 360 px phone). Never the
    last four digits, which are the public lookup's secret (Decree 118 Art. 28)."""
    if not value:
        return value
    return value[:KEEP] + MASK * min(max(len(value) - KEEP, 3), MASK_MAX)


def shown(value: str | None, detail: Detail) -> str | None:
    """A personal field as ``detail`` allows it."""
    if detail is Detail.FULL:
        return value
    return mask(value) if detail is Detail.MASKED else None


class Shown:
    """A row as a principal may see it: the named fields replaced (masked or None), the rest read through.

    What a query hands to a page, so that a template cannot show what the gate left out; the row itself stays with
    the query (never mutated: a masked value must never be flushed back)."""

    __slots__ = ("_replaced", "_row")

    def __init__(self, row: Any, replaced: dict[str, Any]) -> None:
        object.__setattr__(self, "_row", row)
        object.__setattr__(self, "_replaced", replaced)

    def __getattr__(self, name: str) -> Any:
        replaced = object.__getattribute__(self, "_replaced")
        if name in replaced:
            return replaced[name]
        return getattr(object.__getattribute__(self, "_row"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a shown row is read-only")


# ------------------------------------------------------------------------------------------------ the docs

_COLUMNS = {
    "dossiers": "Dossiers (list, page, API)",
    "identity": "ID number, phone, email, address",
    "documents": "Scans and forms",
    "register": "Register export",
    "search_by_id": "Search by ID number / phone",
    "feedback_cases": "Feedback cases",
    "feedback_contact": "Feedback sender's contact",
}
_REACH_WORDS = {Reach.NONE: "—", Reach.OWN: "own", Reach.FILED: "those they filed with consent",
                Reach.JURISDICTION: "commune (province)"}
_DETAIL_WORDS = {Detail.NONE: "—", Detail.MASKED: "masked", Detail.FULL: "full"}


def _word(value: object) -> str:
    if isinstance(value, Reach):
        return _REACH_WORDS[value]
    if isinstance(value, Detail):
        return _DETAIL_WORDS[value]
    return "yes" if value else "—"


def markdown_table() -> str:
    """The table as docs/need-to-know.md shows it (a test compares the two)."""
    names = [f.name for f in fields(NeedToKnow)]
    lines = ["| Role | " + " | ".join(_COLUMNS[n] for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for role, sight in NEED_TO_KNOW.items():
        cells = [_word(getattr(sight, n)) for n in names]
        lines.append(f"| `{role.value}` ({ROLE_LABELS[role]}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)
