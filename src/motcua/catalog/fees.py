"""The fee a dossier actually owes (phí, lệ phí thực phải nộp), from its procedure version's fees — pure.

A procedure version lists its fees (``catalog.schemas.Fee``). Not every fee applies to every dossier:

* fees sharing an ``alternative`` are alternatives: exactly one of them applies, chosen at intake (a birth
  registration on time is free, a late one is not; a land certificate with or without assets on the land). When
  the intake names none, the first of the set in the catalogue's order applies;
* a fee exemption of the procedure (``fee_exemptions``, e.g. Civil Status Law 2014 Art. 11(1) for poor households,
  families with meritorious service, people with disabilities), chosen at intake with its ground, waives every fee.

What a dossier owes is the sum of the fees that apply, after the exemption. The lines it owes are the applying fees
that cost something, numbered as the portal's fee lines are (``line_no``: the index among the version's fees that
cost something), so a line paid before this rule existed keeps its number. Indicator 3.5–3.6 of Decision 766
(docs/legal.md §7) counts a dossier in A's denominator only when what it owes is more than 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from motcua.kit.errors import ValidationFailed
from motcua.kit.text import fold


@dataclass(frozen=True)
class OwedLine:
    line_no: int
    """Index among the version's fees that cost something (``portal.models.FeeLine.line_no``)."""
    name: str
    amount_vnd: int


@dataclass(frozen=True)
class OwedFees:
    lines: tuple[OwedLine, ...]
    """The applying fees that cost something (what is paid)."""
    exemption: str | None
    """The key of the exemption applied (its ground is in the catalogue version), or None."""
    ground: str | None
    applying: tuple[tuple[str, int], ...] = ()
    """Every fee that applies, free ones included, in the catalogue's order: (name, amount in đồng) — what the
    receipt prints (a free on-time registration says so)."""

    @property
    def total_vnd(self) -> int:
        return sum(line.amount_vnd for line in self.lines)

    @property
    def line_numbers(self) -> list[int]:
        return [line.line_no for line in self.lines]


def _fees(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(data.get("fees", []))


def exemptions(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The exemption grounds of a version (key, ground)."""
    return list(data.get("fee_exemptions", []))


def alternative_sets(data: Mapping[str, Any]) -> dict[str, list[int]]:
    """Each set of alternative fees: its name → the indexes of its fees in the version's list."""
    sets: dict[str, list[int]] = {}
    for i, fee in enumerate(_fees(data)):
        if fee.get("alternative"):
            sets.setdefault(str(fee["alternative"]), []).append(i)
    return sets


def owed_fees(data: Mapping[str, Any], options: Sequence[int] = (), exemption: str | None = None) -> OwedFees:
    """What a dossier of this version owes, with ``options`` the indexes (in the version's fee list) of the
    alternatives chosen and ``exemption`` the key of the ground claimed. Refused, in Vietnamese, when an option is
    no alternative, two options are of one set, or the exemption is not one of the procedure's."""
    fees = _fees(data)
    sets = alternative_sets(data)
    chosen: dict[str, int] = {}
    for option in options:
        if not 0 <= option < len(fees) or not fees[option].get("alternative"):
            raise ValidationFailed("Khoản phí, lệ phí được chọn không phải là khoản thay thế của thủ tục.",
                                   fields={"fee_options": "Chọn lại khoản phí, lệ phí áp dụng."})
        name = str(fees[option]["alternative"])
        if chosen.get(name, option) != option:
            raise ValidationFailed(f"Chỉ chọn một khoản trong nhóm «{name}».",
                                   fields={"fee_options": "Mỗi nhóm chỉ áp dụng một khoản."})
        chosen[name] = option
    applying = {i for i, fee in enumerate(fees) if not fee.get("alternative")}
    applying |= {chosen.get(name, members[0]) for name, members in sets.items()}
    ground = None
    if exemption is not None:
        grounds = {str(e["key"]): str(e["ground"]) for e in exemptions(data)}
        if exemption not in grounds:
            raise ValidationFailed("Căn cứ miễn phí, lệ phí không có trong thủ tục này.",
                                   fields={"fee_exemption": "Chọn căn cứ miễn trong danh sách của thủ tục."})
        ground = grounds[exemption]
    lines: list[OwedLine] = []
    line_no = 0
    applied = tuple((str(fee["name"]), int(fee.get("amount_vnd") or 0)) for i, fee in enumerate(fees) if i in applying)
    for i, fee in enumerate(fees):
        amount = int(fee.get("amount_vnd") or 0)
        if amount <= 0:
            continue
        if i in applying and exemption is None:
            lines.append(OwedLine(line_no, str(fee["name"]), amount))
        line_no += 1
    return OwedFees(tuple(lines), exemption, ground, applied)


def fee_bearing(data: Mapping[str, Any]) -> bool:
    """Whether a dossier of this version can owe a fee at all (some fee costs something)."""
    return any(int(fee.get("amount_vnd") or 0) > 0 for fee in _fees(data))


# ------------------------------------------------------------------------------------ a deadline decides the fee

_LATE = re.compile(r"\bqua han\b.*\bsau (\d{1,3}) ngay ke tu ngay (\w+)")


@dataclass(frozen=True)
class DeadlineRule:
    """A set of two alternative fees that a deadline from an event decides: registered within ``days`` days of the
    event, the on-time fee applies, later the late one. The catalogue names them so: "Lệ phí đăng ký khai sinh
    đúng hạn" and "… quá hạn (sau 60 ngày kể từ ngày sinh)" (Luật Hộ tịch 2014 Art. 15: a birth is registered
    within 60 days of it; Art. 33: a death within 15 days)."""

    alternative: str
    on_time: int
    """Index of the on-time fee in the version's list."""
    late: int
    days: int
    event: str
    """What the date is of, as the form asks for it: "Ngày sinh", "Ngày chết"."""

    def option(self, event_date: date, today: date) -> int:
        """The fee that applies to a registration on ``today`` of an event on ``event_date``: on time up to the
        last day of the period (the period starts the day after the event, Civil Code 2015 Art. 147)."""
        return self.on_time if today <= event_date + timedelta(days=self.days) else self.late


def deadline_rule(data: Mapping[str, Any]) -> DeadlineRule | None:
    """The version's deadline rule, read from how its alternative fees are named, or None."""
    fees = _fees(data)
    for name, members in alternative_sets(data).items():
        if len(members) != 2:
            continue
        folded = {i: fold(str(fees[i]["name"])) for i in members}
        late = [(i, m) for i in members if (m := _LATE.search(folded[i]))]
        on_time = [i for i in members if "dung han" in folded[i]]
        if len(late) == 1 and len(on_time) == 1:
            (late_index, match), = late
            event = str(fees[late_index]["name"]).rsplit("kể từ ", 1)[-1].rstrip(")").strip()
            return DeadlineRule(name, on_time[0], late_index, int(match.group(1)), event[:1].upper() + event[1:])
    return None
