"""Password hashing (argon2id) and random tokens stored only as digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

#: Compared against when the username does not exist, so a wrong username costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("motcua-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def keyed_digest(key: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``key``: a digest that cannot be reversed by trying every value without the
    key (a plain SHA-256 of a 6-digit code falls to a million guesses)."""
    return hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()


def one_time_code(key: str, reference: str) -> str:
    """The 6-digit one-time code a random ``reference`` stands for: HMAC-SHA256(key, label || reference) reduced
    to 6 digits (as HOTP does, RFC 4226 §5.3; the bias of 2^64 mod 10^6 is below 10^-13).

    Why derived and not stored: the code is needed twice, by the sender when the message leaves and by the check
    when the citizen types it. Deriving it from the secret key lets the database hold only the reference (in the
    outbox) and a keyed digest (in the challenge), neither of which gives the code without the key (NIST SP 800-63B
    §5.1.3.1: out-of-band secrets are not stored in the clear). """
    mac = hmac.new(key.encode("utf-8"), f"motcua/otp/v1:{reference}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 1_000_000:06d}"


def same(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
