"""Staff passwords, hashed with argon2id (argon2-cffi): memory-hard, salted, self-describing."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing is deliberately slow; a megabyte "password" must not make it slower


@cache
def _hasher() -> PasswordHasher:
    """Made at the first sign-in: argon2 and its C bindings (~0.5 MB) stay out of a process
    nobody signs in to, and every process (the bot's too) imports this module."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy() -> str:
    """Checked when nobody has that e-mail, so a wrong e-mail costs as long as a wrong password.
    Made on the first such sign-in, not at import: a hash takes argon2's 64 MiB and 0.1 s."""
    return _hasher().hash("not anyone's password")


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches; with no stored hash, as slow as a real check, and False."""
    if len(password) > MAX_LENGTH:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError  # as _hasher() says

    try:
        return _hasher().verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def rehashed(stored: str, password: str) -> str | None:
    """A fresh hash when the stored one was made with weaker parameters than today's."""
    hasher = _hasher()
    return hasher.hash(password) if hasher.check_needs_rehash(stored) else None
