"""Citizen accounts: one-time codes by SMS or email, sign-up and sign-in, sessions, and the identity check.

Why one-time codes and not passwords: the citizens of the seeds share phones and forget passwords; the phone number
(or email) they already give on every dossier is what identifies them. A code is 6 digits, valid 5 minutes, tried at
most 5 times; at most 3 are sent to one destination in 15 minutes and 20 from one address in an hour, so the SMS
budget and the codes cannot be drained or guessed. Session tokens are stored only as digests; a code is stored
nowhere: it is derived from the secret key and a random reference (``auth.secrets.one_time_code``), the outbox
holds the reference, the sender puts the code into the message as it leaves (``notify.senders.expand_codes``),
and the challenge keeps a keyed digest to check it against.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from motcua.audit.actions import record
from motcua.auth.secrets import digest, keyed_digest, new_token, one_time_code, same
from motcua.base.principal import Principal
from motcua.base.roles import Role
from motcua.db import affected_rows
from motcua.dossier.schemas import id_number_problem, normalise_phone
from motcua.integrations.identity import IdentityAdapter, IdentityRejected, IdentityUnavailable
from motcua.kit.errors import Conflict, MotcuaError, TooManyRequests, ValidationFailed
from motcua.notify.actions import enqueue
from motcua.notify.models import Channel, NoticeKind
from motcua.notify.senders import code_placeholder
from motcua.notify.templates import strip_diacritics
from motcua.portal.models import CitizenAccount, CitizenSession, IdentityAttempt, OtpChallenge

OTP_TTL = timedelta(minutes=5)
OTP_MAX_ATTEMPTS = 5
OTP_PER_DESTINATION = 3
OTP_DESTINATION_WINDOW = timedelta(minutes=15)
OTP_PER_IP = 20
OTP_IP_WINDOW = timedelta(hours=1)
SESSION_TTL = timedelta(days=7)
#: Identity checks (OWASP ASVS 2.2.1: anti-automation on anything that confirms personal data).
IDENTITY_WINDOW = timedelta(hours=1)
IDENTITY_PER_ACCOUNT = 5
IDENTITY_PER_ID_NUMBER = 5
IDENTITY_PER_IP = 20
NOT_MATCHED = "Thông tin không khớp với Cơ sở dữ liệu quốc gia về dân cư."

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^0\d{9}$")


class IdentityServiceDown(MotcuaError):
    status_code = 503
    code = "identity_unavailable"
    default_message = ("Cơ sở dữ liệu quốc gia về dân cư chưa trả lời. Tài khoản của bạn vẫn dùng được; "
                       "vui lòng thử xác thực lại sau ít phút.")


@dataclass(frozen=True)
class Destination:
    channel: Channel  # sms (a phone number) or email
    value: str  # 0xxxxxxxxx or a lower-case address


def parse_destination(raw: str) -> Destination:
    """A phone number (0912 345 678, +84 912 345 678) or an email address, normalised; a clear error otherwise."""
    text = (raw or "").strip()
    if "@" in text:
        if len(text) > 200 or not _EMAIL.match(text):
            raise ValidationFailed("Địa chỉ thư điện tử không hợp lệ.", fields={"destination": "Không hợp lệ."})
        return Destination(Channel.EMAIL, text.lower())
    phone = normalise_phone(text)
    if not _PHONE.match(phone):
        raise ValidationFailed("Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678).",
                               fields={"destination": "Không hợp lệ."})
    return Destination(Channel.SMS, phone)


def citizen_principal(account: CitizenAccount) -> Principal:
    """How a citizen acts in the workflow table: the applicant's role on their own dossiers, nothing else."""
    return Principal(kind="citizen", id=account.id, name=account.phone or account.email or str(account.id),
                     province_code="", commune_code=None, roles=frozenset({Role.APPLICANT}),
                     full_name=account.full_name)


def _code_digest(key: str, destination: str, purpose: str, code: str) -> str:
    return keyed_digest(key, f"otp:{purpose}:{destination}:{code}")


def request_code(session: Session, *, destination: Destination, purpose: str, ip: str | None,
                 now: datetime, key: str) -> OtpChallenge:
    """Send a one-time code (mã xác thực) by SMS or email through the notification outbox; throttled. ``key`` is
    the application's secret key, which the worker's senders also hold."""
    recent = session.scalar(select(func.count()).select_from(OtpChallenge).where(
        OtpChallenge.destination == destination.value, OtpChallenge.created_at > now - OTP_DESTINATION_WINDOW)) or 0
    if recent >= OTP_PER_DESTINATION:
        raise TooManyRequests("Đã gửi quá nhiều mã tới số điện thoại/thư điện tử này. Vui lòng thử lại sau 15 phút.",
                              retry_after=int(OTP_DESTINATION_WINDOW.total_seconds()))
    if ip is not None:
        from_ip = session.scalar(select(func.count()).select_from(OtpChallenge).where(
            OtpChallenge.ip == ip, OtpChallenge.created_at > now - OTP_IP_WINDOW)) or 0
        if from_ip >= OTP_PER_IP:
            raise TooManyRequests("Quá nhiều yêu cầu gửi mã từ địa chỉ này. Vui lòng thử lại sau.",
                                  retry_after=int(OTP_IP_WINDOW.total_seconds()))
    reference = secrets.token_urlsafe(18)
    code = one_time_code(key, reference)  # held in memory only, for its digest
    challenge = OtpChallenge(destination=destination.value, purpose=purpose,
                             code_hash=_code_digest(key, destination.value, purpose, code), created_at=now,
                             expires_at=now + OTP_TTL, attempts=0, ip=ip)
    session.add(challenge)
    session.flush()
    what = "đăng nhập Cổng dịch vụ công" if purpose == "login" else "đồng ý cho người hỗ trợ nộp hồ sơ thay bạn"
    text = (f"Mã xác thực để {what}: {code_placeholder(reference)}. Mã có hiệu lực 5 phút. "
            "Không cung cấp mã này cho người khác nếu bạn không yêu cầu.")
    body = strip_diacritics(text) if destination.channel is Channel.SMS else text
    enqueue(session, dedup_key=f"otp:{challenge.id}", kind=NoticeKind.OTP, channel=destination.channel,
            recipient=destination.value, subject="Mã xác thực", body=body, now=now)
    return challenge


def check_code(session: Session, *, destination: Destination, purpose: str, code: str, now: datetime,
               key: str) -> bool:
    """Whether ``code`` is the live code of ``destination``; it is used up when it is. Every try counts (the caller
    commits a failed try: this returns False rather than raising)."""
    challenge = session.scalar(select(OtpChallenge).where(
        OtpChallenge.destination == destination.value, OtpChallenge.purpose == purpose,
        OtpChallenge.used_at.is_(None), OtpChallenge.expires_at > now).order_by(OtpChallenge.id.desc()).limit(1))
    if challenge is None:
        return False
    if challenge.attempts >= OTP_MAX_ATTEMPTS:
        raise TooManyRequests("Đã nhập sai mã quá 5 lần. Hãy yêu cầu gửi mã mới.")
    good = same(_code_digest(key, destination.value, purpose, (code or "").strip()), challenge.code_hash)
    values: dict[str, object] = {"attempts": OtpChallenge.attempts + 1}
    if good:
        values["used_at"] = now
    # guarded: two tabs submitting the same code at once — one uses it, the other is a failed try
    hit = affected_rows(session, update(OtpChallenge).where(
        OtpChallenge.id == challenge.id, OtpChallenge.used_at.is_(None)).values(**values))
    return good and hit == 1


def sign_in(session: Session, *, destination: Destination, full_name: str | None, now: datetime,
            ip: str | None = None) -> tuple[CitizenAccount, str]:
    """Open a session for the account of a verified destination, creating the account on first sign-in (đăng ký).
    Returns the account and the session token (the cookie's value; only its digest is stored)."""
    column = CitizenAccount.phone if destination.channel is Channel.SMS else CitizenAccount.email
    account = session.scalar(select(CitizenAccount).where(column == destination.value))
    created = account is None
    if account is None:
        name = " ".join((full_name or "").split())
        if len(name) < 2 or len(name) > 200 or any(ch.isdigit() for ch in name):
            raise ValidationFailed("Nhập họ và tên của bạn (không chứa chữ số).", fields={"full_name": "Bắt buộc."})
        account = CitizenAccount(full_name=name, created_at=now, vneid_level=0,
                                 **({"phone": destination.value} if destination.channel is Channel.SMS
                                    else {"email": destination.value}))
        session.add(account)
        session.flush()
    account.last_login_at = now
    token = new_token()
    session.add(CitizenSession(token_hash=digest(token), citizen_id=account.id, created_at=now,
                               expires_at=now + SESSION_TTL))
    record(session, actor=citizen_principal(account), action="citizen.signed_up" if created else "citizen.signed_in",
           now=now, object_kind="citizen", object_id=account.id, data={"channel": destination.channel.value,
                                                                         "ip": ip})
    return account, token


def sign_out(session: Session, *, token: str) -> None:
    session.execute(delete(CitizenSession).where(CitizenSession.token_hash == digest(token)))


def account_for_token(session: Session, token: str | None, now: datetime) -> CitizenAccount | None:
    if not token:
        return None
    return session.scalar(select(CitizenAccount).join(CitizenSession).where(
        CitizenSession.token_hash == digest(token), CitizenSession.expires_at > now))


class IdentityNotMatched(ValidationFailed):
    """Every verdict but a full match answers the same: the number unknown, another name or date of birth, another
    phone registered. One message, one status, one shape, and the database is asked every time (the same time
    class), so the answers never tell whether a number exists (OWASP ASVS 2.2 / WSTG-IDNT-04: no account
    enumeration)."""

    code = "identity_not_matched"
    default_message = NOT_MATCHED


class IdentityTaken(Conflict):
    """The number is already verified on another account: said plainly, without saying which account."""

    code = "identity_taken"
    default_message = ("Số định danh này đã được xác thực cho một tài khoản khác. Nếu đó không phải tài khoản của "
                       "bạn, vui lòng liên hệ Trung tâm phục vụ hành chính công để được hỗ trợ.")


@dataclass(frozen=True)
class IdentityResult:
    """The outcome of one try. A refusal after the database was asked is returned, not raised, so that the request
    commits the try and the limits count it; ``error`` is what the page shows."""

    account: CitizenAccount
    error: MotcuaError | None = None


def _identity_digest(id_number: str) -> str:
    return digest(f"identity:{id_number}")


def _check_identity_limits(session: Session, *, account: CitizenAccount, id_digest: str, ip: str | None,
                           now: datetime) -> None:
    """Tries per account, per ID number (whichever account asks) and per client address, counted in the database so
    that every worker sees the same count."""
    since = now - IDENTITY_WINDOW

    def count(*where: Any) -> int:
        return session.scalar(select(func.count()).select_from(IdentityAttempt).where(
            IdentityAttempt.attempted_at > since, *where)) or 0

    minutes = int(IDENTITY_WINDOW.total_seconds() // 60)
    busy = (count(IdentityAttempt.citizen_id == account.id) >= IDENTITY_PER_ACCOUNT
            or count(IdentityAttempt.id_number_digest == id_digest) >= IDENTITY_PER_ID_NUMBER
            or (ip is not None and count(IdentityAttempt.ip == ip) >= IDENTITY_PER_IP))
    if busy:
        raise TooManyRequests(f"Đã thử xác thực định danh quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                              retry_after=int(IDENTITY_WINDOW.total_seconds()))


def verify_identity(session: Session, *, account: CitizenAccount, id_number: str, full_name: str,
                    birth_date: date | None, adapter: IdentityAdapter | None, now: datetime,
                    ip: str | None = None) -> IdentityResult:
    """Xác thực định danh: what a VNeID level 2 account proves (Decree 69/2024 Art. 12) — the population database
    confirms the ID number, the full name, the date of birth, and that the account's own phone (proved by the
    sign-in code) is the phone registered to that number. The VNeID level it reports is kept
    (TaiKhoanDuocXacThucVoiVNeID, Decision 766 indicator 4.5).

    Malformed input is refused before anything is asked (it tells nothing about the database). Every question to the
    database is a try, limited per account, per ID number and per address; every verdict but a full match gives the
    one message ``NOT_MATCHED``. One ID number belongs to one account: the unique constraint on
    ``citizen_account.id_number`` decides a race between two accounts. A slow or failing service is an error the
    citizen can retry later; nothing else about the account depends on it."""
    if account.identity_checked_at is not None:
        raise ValidationFailed("Tài khoản đã được xác thực định danh.")
    problem = id_number_problem(id_number, today=now.date())
    if problem:
        raise ValidationFailed(problem, fields={"id_number": problem})
    name = " ".join((full_name or "").split())
    if not name:
        raise ValidationFailed("Nhập họ và tên như trên thẻ căn cước.", fields={"full_name": "Bắt buộc."})
    if birth_date is None or birth_date > now.date():
        raise ValidationFailed("Nhập ngày sinh như trên thẻ căn cước.", fields={"birth_date": "Bắt buộc."})
    if account.phone is None:
        raise ValidationFailed("Xác thực định danh cần số điện thoại đã đăng ký với Cơ sở dữ liệu quốc gia về dân cư: "
                               "hãy đăng nhập Cổng bằng số điện thoại đó.", fields={"id_number": "Cần số điện thoại."})
    id_digest = _identity_digest(id_number)
    _check_identity_limits(session, account=account, id_digest=id_digest, ip=ip, now=now)
    if adapter is None:
        raise IdentityServiceDown("Chưa kết nối Cơ sở dữ liệu quốc gia về dân cư; không xác thực được lúc này.")
    try:
        answer = adapter.verify(id_number=id_number, full_name=name, birth_date=birth_date, phone=account.phone)
    except IdentityUnavailable as exc:
        raise IdentityServiceDown() from exc
    except IdentityRejected as exc:
        raise IdentityServiceDown("Cơ sở dữ liệu quốc gia về dân cư không nhận yêu cầu xác thực lúc này; "
                                  "vui lòng thử lại sau.") from exc

    def attempt(outcome: str) -> None:
        session.add(IdentityAttempt(citizen_id=account.id, id_number_digest=id_digest, ip=ip, attempted_at=now,
                                    outcome=outcome))
        session.flush()

    if not (answer.matched and answer.phone_result == "match"):
        attempt("not_matched")
        return IdentityResult(account, IdentityNotMatched(fields={"id_number": "Không khớp."}))
    try:
        with session.begin_nested():  # a savepoint: losing the race to another account keeps the try counted
            won = affected_rows(session, update(CitizenAccount).where(
                CitizenAccount.id == account.id, CitizenAccount.identity_checked_at.is_(None)).values(
                id_number=id_number, vneid_level=answer.vneid_level, identity_checked_at=now,
                identity_reference=answer.reference))
    except IntegrityError:
        attempt("taken")
        return IdentityResult(account, IdentityTaken())
    attempt("verified")
    session.refresh(account)
    if won != 1:
        raise ValidationFailed("Tài khoản đã được xác thực định danh.")
    record(session, actor=citizen_principal(account), action="citizen.identity_verified", now=now,
           object_kind="citizen", object_id=account.id, data={"vneid_level": answer.vneid_level,
                                                                "reference": answer.reference})
    return IdentityResult(account)
