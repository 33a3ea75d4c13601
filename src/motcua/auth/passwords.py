"""The officers' password policy — pure: what is wrong with a new password, in Vietnamese, or None.

It follows NIST SP 800-63B (rev. 4, §3.1.1.2 "Password verifiers"): a minimum length and no composition rules
(no "one capital, one digit"), long passphrases and every Unicode character accepted, and a new password compared
against a list of passwords known from breaches and common use, against repetitive or sequential strings and
against words specific to the service and the user (its name, the username, the commune). The reuse of the last
few passwords is checked by ``motcua.auth.queries.new_password_problem``, which needs the database and calls this.

Minimum length: 15. An officer signs in with the password alone, and rev. 4 of SP 800-63B says a password that is a
single authentication factor SHALL be at least 15 characters (8 only where it is one factor of several);
OWASP ASVS 4.0 V2.1.1 asks at least 12. Counting Unicode code points lets a Vietnamese sentence count as typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from motcua.kit.text import fold

PASSWORD_MIN_LENGTH = 15
PASSWORD_MAX_LENGTH = 256  # NIST SP 800-63B: verifiers SHOULD permit at least 64 characters

PASSWORD_HISTORY = 5
"""A new password may not be any of the officer's last five (the current one included)."""

DEMO_PASSWORD = "motcua2025"  # noqa: S105 — printed by `make run` for the demo; never a real account
"""The demo officers' shared password: accepted only when ``Settings.demo`` is on (``make run``)."""

#: Words of this service that an attacker tries first, folded and without spaces (NIST: "context-specific words").
SERVICE_WORDS = ("motcua", "matkhau", "password", "admin", "quantri", "canbo", "ubnd", "hanhchinh", "vietnam")

#: After the service's words, the username, the commune's name and years are taken out, at least this much must be
#: left: "Motcua@ChiTien#2025" or "matkhau2026chitien!" are long enough but guessable.
MIN_OWN_CHARACTERS = 8

_COMMON_FILE = Path(__file__).with_name("data") / "common-passwords.txt"
_YEARS = re.compile(r"(19|20)\d\d")
_NOT_ALNUM = re.compile(r"[\W_]+")
_EDGE_NOISE = re.compile(r"^[0-9]+|[0-9]+$")
#: Runs that keyboards and counting make easy: a password inside one of these (or its reverse), repeated, is refused.
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb",
              "qazwsxedcrfvtgbyhnujmikolp")

TOO_COMMON = "Mật khẩu này quá phổ biến hoặc đã bị lộ trong các vụ rò rỉ dữ liệu. Vui lòng chọn mật khẩu khác."
TOO_GUESSABLE = ("Mật khẩu dễ đoán: ngoài tên hệ thống, tên đăng nhập, tên xã, tên tỉnh và năm, phải còn ít nhất "
                 f"{MIN_OWN_CHARACTERS} ký tự của riêng bạn.")
REUSED = f"Không được dùng lại một trong {PASSWORD_HISTORY} mật khẩu gần nhất."


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of breached and common passwords (auth/data/common-passwords.txt, MIT, see its header)."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _compact(text: str) -> str:
    """Folded to lower-case ASCII without diacritics, separators and symbols: "Mật-Khẩu 2025!" → "matkhau2025"."""
    return _NOT_ALNUM.sub("", fold(text))


def _sequential(compact: str) -> bool:
    for sequence in _SEQUENCES:
        for run in (sequence, sequence[::-1]):
            repeated = run * (len(compact) // len(run) + 2)
            if compact in repeated:
                return True
    return False


def password_problem(password: str, *, username: str = "", context: Iterable[str] = (), demo: bool = False,
                     ) -> str | None:
    """What is wrong with ``password`` as an officer's new password, or None.

    ``context`` holds the words of this officer's setting (the commune's and the province's names); ``demo`` lets
    the demo's shared password through (``Settings.demo``), which is refused everywhere else.
    """
    if demo and password == DEMO_PASSWORD:
        return None
    length = len(unicodedata.normalize("NFC", password))
    if length < PASSWORD_MIN_LENGTH:
        return (f"Mật khẩu phải có ít nhất {PASSWORD_MIN_LENGTH} ký tự. Một câu dễ nhớ (có dấu cách, có dấu tiếng "
                "Việt) là mật khẩu tốt.")
    if length > PASSWORD_MAX_LENGTH:
        return f"Mật khẩu quá dài (tối đa {PASSWORD_MAX_LENGTH} ký tự)."
    user = _compact(username)
    compact = _compact(password)
    if user and (username.lower() in password.lower() or user in compact):
        return "Mật khẩu không được chứa tên đăng nhập."
    if len(set(password)) < 5 or _sequential(compact):
        return "Mật khẩu không được là một chuỗi lặp lại hoặc liên tiếp (như «aaaa…», «1234…», «qwerty…»)."
    common = common_passwords()
    if compact in common or _EDGE_NOISE.sub("", compact) in common or password.lower() in common:
        return TOO_COMMON
    own = compact
    words = [*SERVICE_WORDS, user, *(_compact(word) for word in context)]
    for word in sorted((w for w in words if len(w) >= 3), key=len, reverse=True):
        own = own.replace(word, "")
    own = _YEARS.sub("", own)
    if len(own) < MIN_OWN_CHARACTERS or _EDGE_NOISE.sub("", own) in common:
        return TOO_GUESSABLE
    return None
