"""HTTP adapter to the national population database (Cơ sở dữ liệu quốc gia về dân cư) and its VNeID accounts.

At intake the reception officer (or the portal, for an online filing) checks that the số định danh cá nhân, the
name and the date of birth an applicant gives belong together, and learns the level of the applicant's electronic
identification account (VNeID level 1 / level 2, Decree 69/2024) — the portal syncs it per dossier as
``TaiKhoanDuocXacThucVoiVNeID``. The check is a read: asking twice is harmless, so a caller may retry freely.

The answer is a verdict, never the registered data: the database says ``match``, ``mismatch`` (the number exists,
the name or the date of birth does not go with it) or ``not_found``, with its own reference for the answer (kept
on the dossier as evidence that the check was made). Asked with a phone number, the database also says whether it
is the phone registered to that number (``phone_result``: ``match``, ``mismatch`` or ``not_registered``) — what a
VNeID level 2 account proves beyond the card (Decree 69/2024 Art. 12: the number, the name, the date of birth and
the registered phone); it is told only for a match, so a phone never tells anything about a number that does not
match. Names are compared as citizens write them: without regard to
diacritics, case or extra spaces ("nguyen van  an" is "Nguyễn Văn An", ``motcua.kit.text.fold``); the simulator in
``motcua.integrations.simulators`` compares the same way. The VNeID level is told only for a match.

Errors are sorted once, here, into what a retry may cure and what it cannot:

* ``IdentityUnavailable`` — timeouts, refused or dropped connections, HTTP 5xx, 408 and 429, a 2xx that is not a
  verdict: keep the dossier's check queued and ask again (seed 004: the link of some communes is unstable; seed
  002: the registry is slow);
* ``IdentityRejected`` — a number that is not 12 digits (refused here, before any request), a bad API key, a
  malformed request: asking again will not help.

The wire format is the one the simulator speaks (the national data exchange platform gives each connected agency
its own endpoint and key): ``POST /v1/citizens/verify`` with ``Authorization: Bearer <key>`` and
``{"id_number", "full_name", "birth_date", "phone"}`` (phone optional, ``0xxxxxxxxx``); HTTP 200 with
``{"request_id", "result", "vneid_level", "phone_result"}`` (``phone_result`` null unless a phone was asked and the
result is a match).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

import httpx

from motcua.integrations.http import HttpClient, ProviderFailure, json_object, logged_failures

if TYPE_CHECKING:
    from motcua.config import Settings

IdentityOutcome = Literal["match", "mismatch", "not_found"]
_OUTCOMES: frozenset[str] = frozenset(get_args(IdentityOutcome))
PhoneResult = Literal["match", "mismatch", "not_registered"]
_PHONE_RESULTS: frozenset[str] = frozenset(get_args(PhoneResult))
_PHONE = re.compile(r"0\d{9}")
_ID_NUMBER = re.compile(r"\d{12}")
_SPACES = re.compile(r"\s+")


class IdentityError(ProviderFailure):
    """The population database gave no verdict; ``status`` is the HTTP status when there was an answer."""


class IdentityUnavailable(IdentityError):
    """No verdict for now (timeout, connection, 5xx, 429): queue the check and ask again later."""

    retryable = True


class IdentityRejected(IdentityError, ValueError):
    """The request itself is wrong (bad number, bad key, malformed): asking again will not help."""

    retryable = False


@dataclass(frozen=True)
class IdentityAnswer:
    """The database's verdict on one (number, name, date of birth).

    ``vneid_level``: 0 — no VNeID account (or no match), 1 — level 1, 2 — level 2 (identified in person).
    ``reference``: the provider's id of this answer, kept as evidence of the check.
    ``phone_result``: whether the phone asked about is the one registered to the number; None when no phone was
    asked or the outcome is not a match."""

    outcome: IdentityOutcome
    vneid_level: int
    reference: str
    phone_result: PhoneResult | None = None

    @property
    def matched(self) -> bool:
        return self.outcome == "match"


class IdentityAdapter(Protocol):
    """What intake needs from the population database: the verdict on an applicant's identity."""

    def verify(self, *, id_number: str, full_name: str, birth_date: date | None = None,
               phone: str | None = None) -> IdentityAnswer: ...


def check_id_number(id_number: str) -> str:
    """The 12-digit số định danh cá nhân with spaces removed; ``IdentityRejected`` otherwise (no request sent)."""
    digits = _SPACES.sub("", id_number)
    if not _ID_NUMBER.fullmatch(digits):
        raise IdentityRejected("not a 12-digit personal identification number")  # the value is not repeated: data
    return digits


def normalise_name(full_name: str) -> str:
    """The name as sent: Unicode NFC (a name typed on a phone may arrive decomposed), single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", full_name)).strip()


class PopulationDbClient(HttpClient):
    """The population database's identity check, over HTTPS with a per-agency API key."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(base_url, seconds=timeout, transport=transport)
        self._api_key = api_key

    @logged_failures("population-db", "verify")
    def verify(self, *, id_number: str, full_name: str, birth_date: date | None = None,
               phone: str | None = None) -> IdentityAnswer:
        """Ask whether ``id_number`` belongs to ``full_name`` (born on ``birth_date``, when given) and, with
        ``phone`` (``0xxxxxxxxx``), whether that is the phone registered to it."""
        digits = check_id_number(id_number)
        name = normalise_name(full_name)
        if not name:
            raise IdentityRejected("empty name")
        if phone is not None and not _PHONE.fullmatch(phone):
            raise IdentityRejected("not a 10-digit phone number")
        payload = {"id_number": digits, "full_name": name,
                   "birth_date": birth_date.isoformat() if birth_date is not None else None, "phone": phone}
        data = self._post("/v1/citizens/verify", payload)
        outcome, reference, level = data.get("result"), data.get("request_id"), data.get("vneid_level", 0)
        phone_result = data.get("phone_result")
        if outcome not in _OUTCOMES or not reference or type(level) is not int or level not in (0, 1, 2):
            raise IdentityUnavailable(f"answer is not a verdict: {str(data)[:200]}", status=200)
        if phone_result is not None and phone_result not in _PHONE_RESULTS:
            raise IdentityUnavailable(f"answer has an unknown phone result: {str(data)[:200]}", status=200)
        matched = outcome == "match"
        told = cast(PhoneResult, phone_result) if matched and phone is not None and phone_result else None
        return IdentityAnswer(outcome, level if matched else 0, str(reference), told)

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._api_key}"}
        return json_object(lambda: self._client.post(path, json=payload, headers=headers),
                           unavailable=IdentityUnavailable, rejected=IdentityRejected)


def identity_adapter(settings: Settings) -> IdentityAdapter | None:
    """The configured population database client, or None when ``identity_url`` is empty (checks off: intake
    records the identity as not checked). Build it once and keep it: it holds a connection pool."""
    if not settings.identity_url:
        return None
    if not settings.identity_api_key:
        raise ValueError("MOTCUA_IDENTITY_URL is set but MOTCUA_IDENTITY_API_KEY is empty")
    return PopulationDbClient(settings.identity_url, settings.identity_api_key,
                              timeout=settings.integration_http_timeout)
