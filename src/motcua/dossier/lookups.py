"""The public lookups' side that writes: every try of a dossier code (or a feedback-case code) is recorded, so the
budgets of failures hold across workers. Kept out of ``dossier.queries``, which only reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua.dossier.models import Dossier, LookupAttempt
from motcua.kit.errors import TooManyRequests, ValidationFailed
from motcua.kit.numbers import ascii_digits

LOOKUP_MAX_FAILURES = 10
LOOKUP_WINDOW = timedelta(minutes=15)
#: Wrong answers a dossier code takes in an hour, from all addresses together: 4 digits are 10,000 guesses, and a
#: limit per address alone is escaped by many addresses (OWASP ASVS 4.0 2.2.1, NIST SP
#: 800-63B §5.2.2: throttle per what is attacked). At 5 an hour a guess takes about 1,000 hours on average.
LOOKUP_CODE_MAX_FAILURES = 5
LOOKUP_CODE_LENGTH = 40
LOOKUP_CODE_WINDOW = timedelta(hours=1)


def public_lookup(session: Session, *, code: str, secret: str, ip: str, now: datetime) -> Dossier | None:
    """Tra cứu hồ sơ: the code plus the last 4 digits of the applicant's phone or ID number.

    Rate-limited per address and per code (failures in a window, kept in the database so that every worker
    counts them): the code's limit holds whatever the address. A wrong pair and an unknown code give the same
    answer, and an unknown code is limited like a real one, so a lookup tells nothing about dossiers the person
    does not hold. Returns None on a miss (not an exception) so that the caller's transaction commits the failed
    attempt that the limits count.
    """
    wanted = code.strip().upper()[:LOOKUP_CODE_LENGTH]
    check_lookup_budget(session, ip=ip, code=wanted, now=now)
    digits = ascii_digits(secret)
    if len(digits) != 4:
        raise ValidationFailed("Nhập 4 chữ số cuối của số điện thoại hoặc số định danh.",
                               fields={"secret": "Cần đúng 4 chữ số."})
    dossier = session.scalar(select(Dossier).where(Dossier.code == wanted))
    ok = dossier is not None and any(
        value and value.endswith(digits) for value in (dossier.phone, dossier.id_number)
    )
    count_lookup_attempt(session, ip=ip, code=wanted, now=now, success=ok)
    return dossier if ok else None


def check_lookup_budget(session: Session, *, ip: str, code: str, now: datetime) -> None:
    """The public lookups' budgets of failures, shared by the dossier and the feedback-case
    lookups (guesses are guesses, whatever the page): per client address, and per code tried whatever the address,
    since rotating addresses is cheap and the code is what is attacked."""
    failures = session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.ip == ip, LookupAttempt.at > now - LOOKUP_WINDOW, LookupAttempt.success.is_(False))) or 0
    if failures >= LOOKUP_MAX_FAILURES:
        raise TooManyRequests("Bạn đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
                              retry_after=int(LOOKUP_WINDOW.total_seconds()))
    on_code = session.scalar(select(func.count()).select_from(LookupAttempt).where(
        LookupAttempt.code == code, LookupAttempt.at > now - LOOKUP_CODE_WINDOW,
        LookupAttempt.success.is_(False))) or 0
    if on_code >= LOOKUP_CODE_MAX_FAILURES:
        raise TooManyRequests("Mã này đã bị tra cứu sai quá nhiều lần nên tạm khóa tra cứu trong 1 giờ. "
                              "Vui lòng thử lại sau hoặc liên hệ Bộ phận Một cửa.",
                              retry_after=int(LOOKUP_CODE_WINDOW.total_seconds()))


def count_lookup_attempt(session: Session, *, ip: str, code: str, now: datetime, success: bool) -> None:
    """One try of a public lookup, kept in the database so that every worker counts the same tries."""
    session.add(LookupAttempt(ip=ip, at=now, success=success, code=code))
    session.flush()
